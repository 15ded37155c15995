use super::ddl::{actions, alter_table};
use super::util::{changed_tables, same_transaction};
use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// Rows written in the transaction that altered their table are written
/// under the ALTER's ACCESS EXCLUSIVE lock, held until commit.
pub struct BackfillInSameTransaction;

impl Rule for BackfillInSameTransaction {
    fn id(&self) -> &'static str {
        "backfill-in-same-transaction"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "UPDATE, DELETE or INSERT ... SELECT on a table altered earlier in the same transaction"
    }
    fn help(&self) -> &'static str {
        "commit the ALTER first: backfill in a later migration, `-- migrate:no-transaction`, in batches (UPDATE ... WHERE id IN (SELECT ... LIMIT 5000), repeated), so that no lock is held across the whole table's rows"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // The ALTER TABLE statements of tables that existed before.
        let mut altered: Vec<(String, &Stmt)> = Vec::new();
        for s in cx.body_stmts() {
            if let Some((table, first)) = alter_table(s) {
                // VALIDATE, ATTACH and DETACH ... CONCURRENTLY take SHARE
                // UPDATE EXCLUSIVE: writes go on.
                let light = |r: &std::ops::Range<usize>| {
                    matches!(s.word(r.start), "VALIDATE" | "ATTACH")
                        || (s.word(r.start) == "DETACH" && s.has(&["CONCURRENTLY"]))
                };
                let locks = actions(s, first).iter().any(|r| !light(r));
                if locks && !cx.created_here(&table, s.start) {
                    altered.push((qualify(&table), s));
                }
                continue;
            }
            let writes = match s.word(0) {
                "UPDATE" | "DELETE" | "MERGE" | "WITH" => true,
                "INSERT" => s.has(&["SELECT"]),
                _ => false,
            };
            if !writes {
                continue;
            }
            for (table, at) in changed_tables(s) {
                let q = qualify(&table);
                let Some((_, alter)) = altered
                    .iter()
                    .find(|(t, a)| *t == q && same_transaction(cx, a, s))
                else {
                    continue;
                };
                let line = cx.lines.line_col(alter.start).line;
                out.push(cx.finding(
                    self,
                    s.range(0, at.max(1)),
                    format!("{} on {table} runs while the ALTER TABLE on line {line} holds ACCESS EXCLUSIVE on it: reads and writes wait until the whole backfill commits", s.word(0)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);";

    #[test]
    fn an_update_after_an_alter_of_its_table() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS region text;\nUPDATE app.orders SET region = 'EU' WHERE region IS NULL;",
        );
        assert_eq!(spans(&f, "backfill-in-same-transaction"), ["2:1"]);
    }

    #[test]
    fn other_tables_new_tables_and_separate_transactions_pass() {
        for body in [
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS region text;\nINSERT INTO app.orders (id) VALUES (1);",
            "CREATE TABLE app.lines (id bigint);\nALTER TABLE app.lines ADD COLUMN q int;\nUPDATE app.lines SET q = 1;",
            "ALTER TABLE app.orders VALIDATE CONSTRAINT chk;\nUPDATE app.orders SET note = 'x' WHERE id = 1;",
            "-- migrate:no-transaction\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS region text;\nUPDATE app.orders SET region = 'EU' WHERE region IS NULL;",
        ] {
            let f = check_sql(BEFORE, body);
            assert!(spans(&f, "backfill-in-same-transaction").is_empty(), "{body}: {f:?}");
        }
    }
}
