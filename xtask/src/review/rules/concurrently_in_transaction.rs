use crate::review::{Context, Finding, Rule, Severity};

/// CONCURRENTLY cannot run inside a transaction block.
pub struct ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn id(&self) -> &'static str {
        "concurrently-in-transaction"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CONCURRENTLY in a transactional migration or a DO block"
    }
    fn help(&self) -> &'static str {
        "move the CONCURRENTLY statements to a migration of their own whose first body line is `-- migrate:no-transaction`; a DO block is always one transaction, so never put them in one"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let Some(i) = s.find(&["CONCURRENTLY"]) else {
                continue;
            };
            // REFRESH MATERIALIZED VIEW CONCURRENTLY runs in a transaction
            // block (measured on 14 and 17); the index builds and DETACH
            // PARTITION do not.
            let is_ddl = matches!(s.word(0), "CREATE" | "DROP" | "REINDEX")
                || s.words_at(0, &["ALTER", "TABLE"]);
            if !is_ddl {
                continue;
            }
            if s.in_do.is_some() {
                out.push(cx.finding(self, s.range(i, i), "CONCURRENTLY inside a DO block always fails: a DO block runs in one transaction"));
            } else if !cx.m.no_transaction {
                out.push(cx.finding(self, s.range(i, i), "CONCURRENTLY cannot run inside the transaction apply opens: add `-- migrate:no-transaction` (in a file of its own)"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn refresh_concurrently_runs_in_a_transaction() {
        let before = "CREATE MATERIALIZED VIEW IF NOT EXISTS app.totals AS SELECT 1 AS n;";
        let f = check_sql(before, "REFRESH MATERIALIZED VIEW CONCURRENTLY app.totals;");
        assert!(spans(&f, "concurrently-in-transaction").is_empty(), "{f:?}");
        let f = check_sql(before, "DROP INDEX CONCURRENTLY IF EXISTS app.i;");
        assert_eq!(spans(&f, "concurrently-in-transaction"), ["1:12"]);
    }
}
