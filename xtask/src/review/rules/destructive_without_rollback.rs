use crate::review::stmt::Section;
use crate::review::{Context, Finding, Rule, Severity};

/// A destructive statement needs a rollback that restores what it removed.
pub struct DestructiveWithoutRollback;

impl Rule for DestructiveWithoutRollback {
    fn id(&self) -> &'static str {
        "destructive-without-rollback"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "A destructive statement without a rollback section"
    }
    fn help(&self) -> &'static str {
        "write `-- migrate:rollback` SQL that restores what this removes (recreate the column or table, and restore data from a backup table), or state `-- irreversible: <reason>` in the rollback section"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let rollback = cx.m.rollback_sql().unwrap_or("");
        // A rollback that only reads (`SELECT 1;`) restores nothing.
        let has_rollback = cx.stmts.iter().any(|s| {
            s.section == Section::Rollback
                && !matches!(
                    s.word(0),
                    "SELECT" | "SET" | "RESET" | "SHOW" | "VALUES" | "TABLE"
                )
        });
        let irreversible = rollback.lines().any(|l| {
            l.trim()
                .strip_prefix("-- irreversible:")
                .is_some_and(|r| !r.trim().is_empty())
        });
        if has_rollback || irreversible {
            return;
        }
        for s in cx.body_stmts() {
            let what = match (s.word(0), s.word(1)) {
                (
                    "DROP",
                    "TABLE" | "TYPE" | "SCHEMA" | "VIEW" | "MATERIALIZED" | "FUNCTION" | "SEQUENCE",
                ) => Some(format!("DROP {}", s.word(1))),
                ("ALTER", "TABLE")
                    if super::ddl::alter_table(s).is_some_and(|(_, first)| {
                        super::ddl::actions(s, first).iter().any(|a| {
                            s.word(a.start) == "DROP"
                                && !matches!(s.word(a.start + 1), "CONSTRAINT")
                        })
                    }) =>
                {
                    Some("DROP COLUMN".to_string())
                }
                ("TRUNCATE", _) => Some("TRUNCATE".to_string()),
                ("DELETE", "FROM") if !s.has(&["WHERE"]) => {
                    Some("DELETE without WHERE".to_string())
                }
                ("UPDATE", _) if !s.has(&["WHERE"]) => Some("UPDATE without WHERE".to_string()),
                _ => None,
            };
            if let Some(what) = what {
                out.push(cx.finding(
                    self,
                    s.range(0, 1),
                    format!("{what} with no rollback SQL and no `-- irreversible: <reason>`"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn a_rollback_that_only_reads_restores_nothing() {
        // check_sql's rollback section is `SELECT 1;`.
        let f = check_sql("", "DROP TABLE IF EXISTS a.t;");
        assert_eq!(spans(&f, "destructive-without-rollback"), ["1:1"]);
    }
}
