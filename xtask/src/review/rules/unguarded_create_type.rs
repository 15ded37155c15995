use crate::review::{Context, Finding, Rule, Severity};

/// PostgreSQL has no CREATE TYPE IF NOT EXISTS: seed 002's DO-block guard.
pub struct UnguardedCreateType;

impl Rule for UnguardedCreateType {
    fn id(&self) -> &'static str {
        "unguarded-create-type"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE TYPE outside a guarded DO block"
    }
    fn help(&self) -> &'static str {
        "wrap it: DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'app' AND t.typname = 'status') THEN CREATE TYPE app.status AS ENUM (...); END IF; END $$; (or catch duplicate_object, SQLSTATE 42710)"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["CREATE", "TYPE"]))
        {
            if !s.in_do.as_ref().is_some_and(|g| g.guarded()) {
                out.push(cx.finding(self, s.range(0, 1), "CREATE TYPE fails with duplicate_object when the type exists: guard it in a DO block"));
            }
        }
    }
}
