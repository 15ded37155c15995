use crate::review::{Context, Finding, Rule, Severity};

/// CREATE / DROP INDEX and REINDEX block writes (SHARE / ACCESS EXCLUSIVE)
/// on a table that already has rows.
pub struct IndexWithoutConcurrently;

impl Rule for IndexWithoutConcurrently {
    fn id(&self) -> &'static str {
        "index-without-concurrently"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "CREATE / DROP INDEX or REINDEX without CONCURRENTLY on an existing table"
    }
    fn help(&self) -> &'static str {
        "use CREATE INDEX CONCURRENTLY (DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY) in a `-- migrate:no-transaction` file; CREATE INDEX takes a SHARE lock that blocks every write for the whole build. On a table created in the same migration it is fine"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let (verb, table) = if s.starts_with(&["CREATE"]) {
                let i = 1 + usize::from(s.word(1) == "UNIQUE");
                if s.word(i) != "INDEX" || s.word(i + 1) == "CONCURRENTLY" {
                    continue;
                }
                let Some(on) = s.find_from(i, &["ON"]) else {
                    continue;
                };
                let t = on + 1 + usize::from(s.word(on + 1) == "ONLY");
                ("CREATE INDEX", s.name_at(t).map(|(n, _)| n))
            } else if s.starts_with(&["DROP", "INDEX"]) && s.word(2) != "CONCURRENTLY" {
                ("DROP INDEX", None)
            } else if s.starts_with(&["REINDEX"]) && !s.has(&["CONCURRENTLY"]) {
                ("REINDEX", None)
            } else {
                continue;
            };
            if let Some(t) = &table {
                if cx.created_here(t, s.start) {
                    continue;
                }
            }
            let target = table.map_or_else(String::new, |t| format!(" on {t}"));
            out.push(cx.finding(
                self,
                s.range(0, 1),
                format!(
                    "{verb}{target} without CONCURRENTLY blocks writes to the table while it runs"
                ),
            ));
        }
    }
}
