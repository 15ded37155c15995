use super::ddl;
use crate::review::{Context, Finding, Rule, Severity};

/// ADD CONSTRAINT has no IF NOT EXISTS: an existence check.
pub struct UnguardedAddConstraint;

impl Rule for UnguardedAddConstraint {
    fn id(&self) -> &'static str {
        "unguarded-add-constraint"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD CONSTRAINT outside a guarded DO block"
    }
    fn help(&self) -> &'static str {
        "wrap it: DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_x' AND conrelid = 'app.t'::regclass) THEN ALTER TABLE app.t ADD CONSTRAINT fk_x ...; END IF; END $$; (or catch duplicate_object, SQLSTATE 42710). A table created in the same statement list needs no guard only if its CREATE TABLE carries the constraint"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["ALTER", "TABLE"]))
        {
            if s.in_do.as_ref().is_some_and(|g| g.guarded()) {
                continue;
            }
            let Some((_, first)) = ddl::alter_table(s) else {
                continue;
            };
            for action in ddl::actions(s, first) {
                let k = action.start;
                if s.words_at(k, &["ADD", "CONSTRAINT"])
                    || (s.word(k) == "ADD"
                        && matches!(
                            s.word(k + 1),
                            "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
                        ))
                {
                    out.push(cx.finding(
                        self,
                        s.range(k, k + 1),
                        "ADD CONSTRAINT fails when the constraint exists: guard it in a DO block",
                    ));
                }
            }
        }
    }
}
