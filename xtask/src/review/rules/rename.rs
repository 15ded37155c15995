use super::ddl::{actions, alter_table};
use crate::review::{Context, Finding, Rule, Severity};

/// Renaming a table or column breaks the code that is running now.
pub struct Rename;

impl Rule for Rename {
    fn id(&self) -> &'static str {
        "rename"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "RENAME of an existing table or column"
    }
    fn help(&self) -> &'static str {
        "expand and contract instead: add the new column (or table), write to both, backfill, switch the readers, and drop the old one in a later migration; for a table, a view with the old name can bridge the deploy"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let Some((table, first)) = alter_table(s) else {
                continue;
            };
            if cx.created_here(&table, s.start) {
                continue;
            }
            for r in actions(s, first) {
                if s.word(r.start) != "RENAME" {
                    continue;
                }
                let k = r.start + 1;
                let message = match s.word(k) {
                    "TO" => {
                        let to = s.name_at(k + 1).map_or_else(String::new, |(n, _)| n);
                        format!("renaming table {table} to {to} breaks every query of the running code that still says {table}")
                    }
                    "CONSTRAINT" => continue,
                    _ => {
                        let c = k + usize::from(s.word(k) == "COLUMN");
                        let Some((old, next)) = s.name_at(c) else {
                            continue;
                        };
                        let to = s.name_at(next + 1).map_or_else(String::new, |(n, _)| n);
                        format!("renaming column {table}.{old} to {to} breaks every query of the running code that still says {old}")
                    }
                };
                out.push(cx.finding(self, s.range(r.start, r.start + 1), message));
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
    fn flags_column_and_table_renames() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders RENAME COLUMN note TO remark;\nALTER TABLE app.orders RENAME TO purchase_orders;",
        );
        assert_eq!(spans(&f, "rename"), ["1:24", "2:24"]);
    }

    #[test]
    fn passes_new_tables_and_constraints() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (id bigint, note text);\nALTER TABLE app.lines RENAME COLUMN note TO remark;\nALTER TABLE app.orders RENAME CONSTRAINT orders_pkey TO pk_orders;",
        );
        assert!(spans(&f, "rename").is_empty(), "{f:?}");
    }
}
