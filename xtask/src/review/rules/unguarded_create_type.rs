use crate::review::{Context, Finding, Rule, Severity};

/// PostgreSQL has no CREATE TYPE IF NOT EXISTS: the DO-block guard.
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

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn a_create_type_under_an_existence_check_passes() {
        let f = check_sql(
            "",
            "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('ok');\n  END IF;\nEND $$;",
        );
        assert!(spans(&f, "unguarded-create-type").is_empty(), "{f:?}");
    }

    #[test]
    fn drop_if_exists_in_the_same_block_is_not_a_guard() {
        let f = check_sql("", "DO $$ BEGIN\n  DROP TABLE IF EXISTS old_t;\n  CREATE TYPE mood AS ENUM ('ok');\nEND $$;");
        assert_eq!(spans(&f, "unguarded-create-type").len(), 1, "{f:?}");
    }

    #[test]
    fn a_statement_after_end_if_is_no_longer_guarded() {
        let f = check_sql(
            "",
            "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'a') THEN\n    CREATE TYPE a AS ENUM ('x');\n  END IF;\n  CREATE TYPE b AS ENUM ('y');\nEND $$;",
        );
        let found = spans(&f, "unguarded-create-type");
        assert_eq!(found.len(), 1, "{f:?}");
    }

    #[test]
    fn a_duplicate_object_handler_guards_the_block() {
        let f = check_sql(
            "",
            "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('ok');\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;",
        );
        assert!(spans(&f, "unguarded-create-type").is_empty(), "{f:?}");
    }
}
