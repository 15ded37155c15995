use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::{Context, Finding, Rule, Severity};

/// A CHECK or REFERENCES written on ADD COLUMN cannot be NOT VALID: the
/// CHECK scans the table under ACCESS EXCLUSIVE, the foreign key locks the
/// referenced table (and scans both when the column has a default).
pub struct AddColumnInlineConstraint;

impl Rule for AddColumnInlineConstraint {
    fn id(&self) -> &'static str {
        "add-column-inline-constraint"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN with an inline CHECK or REFERENCES on an existing table"
    }
    fn help(&self) -> &'static str {
        "add the column bare, then the constraint with ALTER TABLE ... ADD CONSTRAINT ... NOT VALID, and VALIDATE CONSTRAINT in a later migration: a column constraint cannot be NOT VALID"
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
                let Some(Added::Column(d)) = add_action(s, &r) else {
                    continue;
                };
                if let Some(check) = &d.check {
                    // Measured on 14 and 17: scanned even with no default.
                    out.push(cx.finding(
                        self,
                        s.range(check.start.saturating_sub(2), check.start.saturating_sub(2)),
                        format!("the inline CHECK on {table}.{} checks every existing row under ACCESS EXCLUSIVE: reads and writes on {table} wait for the scan", d.name),
                    ));
                }
                if let (Some(at), Some(parent)) = (d.references, d.referenced(s)) {
                    let scan = if d.has_default(s) {
                        format!(", and with the default every row of {table} is checked against {parent} while the locks are held")
                    } else {
                        String::new()
                    };
                    out.push(cx.finding(
                        self,
                        s.range(at, at),
                        format!("the inline REFERENCES on {table}.{} takes SHARE ROW EXCLUSIVE on {parent} until commit (writes to it wait){scan}; a column constraint cannot be NOT VALID", d.name),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS app.customers (id bigint PRIMARY KEY);";

    #[test]
    fn inline_check_and_references_on_an_existing_table() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS customer_id bigint REFERENCES app.customers (id),\n    ADD COLUMN IF NOT EXISTS priority int CHECK (priority > 0);",
        );
        assert_eq!(spans(&f, "add-column-inline-constraint"), ["1:68", "2:43"]);
        // constraint-not-valid, which reads ADD CONSTRAINT, does not report it twice.
        assert!(spans(&f, "constraint-not-valid").is_empty());
    }

    #[test]
    fn a_new_table_or_a_bare_column_is_fine() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (id bigint);\nALTER TABLE app.lines ADD COLUMN order_id bigint REFERENCES app.orders (id);\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS note text;",
        );
        assert!(
            spans(&f, "add-column-inline-constraint").is_empty(),
            "{f:?}"
        );
    }
}
