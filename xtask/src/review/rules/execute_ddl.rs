use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// SQL run through EXECUTE in a DO block is a string: no rule sees the
/// locks, rewrites or drops inside it.
pub struct ExecuteDdl;

/// Verbs that change the schema or take locks the rules judge.
const DDL: &[&str] = &[
    "ALTER", "CREATE", "DROP", "TRUNCATE", "REINDEX", "REFRESH", "LOCK", "CLUSTER", "VACUUM",
    "COMMENT", "GRANT", "REVOKE",
];

impl Rule for ExecuteDdl {
    fn id(&self) -> &'static str {
        "execute-ddl"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DDL run through EXECUTE, which the review cannot read"
    }
    fn help(&self) -> &'static str {
        "write the statement as plain SQL (in the DO block or outside it) so that the review sees it; when the name must be computed, keep the statement reviewed by hand and say so with `-- review: ignore execute-ddl -- <reason>`"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.in_do.is_some() && s.word(0) == "EXECUTE")
        {
            // EXECUTE 'sql', EXECUTE format('sql', ...), or a variable.
            let literal = match s.toks.get(1) {
                Some(t) if t.kind == TokenKind::String => Some(t.norm.as_str()),
                Some(t) if t.norm == "FORMAT" && s.toks.get(2).is_some_and(|p| p.norm == "(") => s
                    .toks
                    .get(3)
                    .filter(|t| t.kind == TokenKind::String)
                    .map(|t| t.norm.as_str()),
                _ => None,
            };
            let message = match literal {
                Some(sql) => {
                    let verb = sql
                        .trim_start_matches(['\'', ' ', '\n', '\t', '('])
                        .split(|c: char| !c.is_ascii_alphabetic())
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    if !DDL.contains(&verb.as_str()) {
                        continue;
                    }
                    format!("{verb} run through EXECUTE is not reviewable: no rule sees its locks, rewrites or drops")
                }
                None => {
                    "EXECUTE of SQL built at run time is not reviewable: no rule sees what it runs"
                        .to_string()
                }
            };
            out.push(cx.finding(self, s.range(0, 1), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn ddl_in_execute_is_reported() {
        let f = check_sql(
            "",
            "DO $$\nBEGIN\n    EXECUTE 'CREATE INDEX i ON app.t (x)';\n    EXECUTE format('ALTER TABLE %I.t ADD COLUMN y int', 'app');\n    EXECUTE stmt;\n    EXECUTE 'SELECT 1';\nEND\n$$;",
        );
        assert_eq!(spans(&f, "execute-ddl"), ["3:5", "4:5", "5:5"]);
    }
}
