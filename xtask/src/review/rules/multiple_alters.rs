use std::collections::BTreeMap;

use super::ddl::{actions, alter_table, bare, is_name};
use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// Several ALTER TABLE statements on one existing table that could be one.
pub struct MultipleAlters;

impl Rule for MultipleAlters {
    fn id(&self) -> &'static str {
        "multiple-alters"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "Several ALTER TABLE statements on one existing table that could be one"
    }
    fn help(&self) -> &'static str {
        "combine the actions into one ALTER TABLE, separated by commas (ALTER TABLE t ADD COLUMN a ..., ADD COLUMN b ...): PostgreSQL takes the lock once and makes at most one pass over the table"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Table -> the first ALTER of the current run on it.
        let mut first_of: BTreeMap<String, &Stmt> = BTreeMap::new();
        for s in cx.body_stmts() {
            let alter = alter_table(s)
                .filter(|_| s.in_do.is_none())
                .filter(|(t, first)| !cx.created_here(t, s.start) && combinable(s, *first));
            let Some((table, _)) = alter else {
                // Anything else that names a table ends its run: the ALTERs
                // around it cannot be merged without moving it.
                first_of.retain(|t, _| !touches(s, t));
                continue;
            };
            let q = qualify(&table);
            first_of.retain(|t, _| *t == q || !touches(s, t));
            match first_of.get(&q) {
                Some(prev) => {
                    let line = cx.lines.line_col(prev.start).line;
                    let why = if cx.m.no_transaction {
                        "each statement queues for ACCESS EXCLUSIVE again"
                    } else {
                        "each statement makes its own pass over the table while the ACCESS EXCLUSIVE lock is held until commit"
                    };
                    out.push(cx.finding(
                        self,
                        s.range(0, 1),
                        format!("another ALTER TABLE on {table} (the first is on line {line}): {why}; one statement with all the actions is enough"),
                    ));
                }
                None => {
                    first_of.insert(q, s);
                }
            }
        }
    }
}

/// ALTERs that can be merged with others: not RENAME, SET SCHEMA,
/// ATTACH / DETACH PARTITION, nor VALIDATE CONSTRAINT alone (which takes a
/// weaker lock on purpose).
fn combinable(s: &Stmt, first: usize) -> bool {
    let acts = actions(s, first);
    let alone = acts.iter().any(|r| {
        matches!(s.word(r.start), "RENAME" | "ATTACH" | "DETACH")
            || s.words_at(r.start, &["SET", "SCHEMA"])
    });
    let validate_only = acts
        .iter()
        .all(|r| s.words_at(r.start, &["VALIDATE", "CONSTRAINT"]));
    !acts.is_empty() && !alone && !validate_only
}

fn touches(s: &Stmt, table: &str) -> bool {
    let name = bare(table);
    (0..s.toks.len()).any(|i| is_name(s, i, name))
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);";

    #[test]
    fn flags_the_second_alter() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS a int;\nCOMMENT ON SCHEMA app IS 'x';\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS b int;",
        );
        assert_eq!(spans(&f, "multiple-alters"), ["3:1"]);
    }

    #[test]
    fn passes_when_something_uses_the_table_between_or_in_do_blocks() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS a int;\nUPDATE app.orders SET a = 1 WHERE a IS NULL;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS b int;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk;\nDO $$ BEGIN ALTER TABLE app.orders ADD COLUMN c int; END $$;",
        );
        assert!(spans(&f, "multiple-alters").is_empty(), "{f:?}");
    }
}
