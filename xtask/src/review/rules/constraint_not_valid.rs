use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::{Context, Finding, Rule, Severity};

/// ADD FOREIGN KEY / CHECK validates every existing row while it holds its
/// lock.
pub struct ConstraintNotValid;

impl Rule for ConstraintNotValid {
    fn id(&self) -> &'static str {
        "constraint-not-valid"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD FOREIGN KEY or CHECK on an existing table without NOT VALID"
    }
    fn help(&self) -> &'static str {
        "add the constraint with NOT VALID (it then only checks new and updated rows, and the lock is brief), and run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration: VALIDATE scans under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on"
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
                let Some(Added::Constraint(c)) = add_action(s, &r) else {
                    continue;
                };
                if c.not_valid || !matches!(c.kind, "CHECK" | "FOREIGN KEY") {
                    continue;
                }
                let name = c
                    .name
                    .as_ref()
                    .map_or_else(String::new, |(n, _)| format!(" {n}"));
                let message = if c.kind == "CHECK" {
                    format!(
                        "CHECK{name} on {table} checks every existing row while holding ACCESS EXCLUSIVE: reads and writes on the table wait for the whole scan"
                    )
                } else {
                    format!(
                        "FOREIGN KEY{name} on {table} checks every existing row while holding SHARE ROW EXCLUSIVE on {table} and the referenced table: writes to both wait for the whole scan"
                    )
                };
                let to = c.kind_at + usize::from(c.kind == "FOREIGN KEY");
                out.push(cx.finding(self, s.range(r.start, to), message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, customer_id bigint, total numeric);\nCREATE TABLE IF NOT EXISTS app.customers (id bigint PRIMARY KEY);";

    #[test]
    fn flags_check_and_foreign_key_without_not_valid() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD CONSTRAINT chk_total CHECK (total >= 0);\nALTER TABLE app.orders\n    ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES app.customers (id);",
        );
        assert_eq!(spans(&f, "constraint-not-valid"), ["1:24", "3:5"]);
    }

    #[test]
    fn passes_not_valid_and_new_tables() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD CONSTRAINT chk_total CHECK (total >= 0) NOT VALID;\nCREATE TABLE app.lines (id bigint PRIMARY KEY, order_id bigint);\nALTER TABLE app.lines ADD CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES app.orders (id);",
        );
        assert!(spans(&f, "constraint-not-valid").is_empty(), "{f:?}");
    }
}
