//! Statements that never belong in a migration as written.

use crate::review::{Context, Finding, Rule, Severity};

/// TRUNCATE ... CASCADE also empties every table that references the named
/// ones, whatever their names.
pub struct TruncateCascade;

/// DROP DATABASE cannot run in a transaction block and removes everything.
pub struct DropDatabase;

impl Rule for TruncateCascade {
    fn id(&self) -> &'static str {
        "truncate-cascade"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "TRUNCATE ... CASCADE"
    }
    fn help(&self) -> &'static str {
        "name every table to empty in the TRUNCATE, without CASCADE: PostgreSQL then refuses when another table still references them, instead of emptying it too"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts().filter(|s| s.word(0) == "TRUNCATE") {
            if let Some(at) = s.find(&["CASCADE"]) {
                out.push(cx.finding(self, s.range(at, at), "CASCADE empties every table that references these, named nowhere in the migration, under ACCESS EXCLUSIVE on each".to_string()));
            }
        }
    }
}

impl Rule for DropDatabase {
    fn id(&self) -> &'static str {
        "drop-database"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "DROP DATABASE in a migration"
    }
    fn help(&self) -> &'static str {
        "drop databases by hand, outside the migration history: a migration runs against one database, and DROP DATABASE cannot run in a transaction block"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["DROP", "DATABASE"]))
        {
            out.push(
                cx.finding(
                    self,
                    s.range(0, 1),
                    "DROP DATABASE removes a whole database and cannot run in a transaction block"
                        .to_string(),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn truncate_cascade_and_drop_database() {
        let f = check_sql(
            "",
            "TRUNCATE app.c CASCADE;\nTRUNCATE app.c, app.o;\nDROP DATABASE IF EXISTS scratch;",
        );
        assert_eq!(spans(&f, "truncate-cascade"), ["1:16"]);
        assert_eq!(spans(&f, "drop-database"), ["3:1"]);
    }
}
