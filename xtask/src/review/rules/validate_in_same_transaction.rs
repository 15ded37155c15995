use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// NOT VALID followed by VALIDATE CONSTRAINT in the same transaction gains
/// nothing: the lock the ADD took is still held while VALIDATE scans.
pub struct ValidateInSameTransaction;

impl Rule for ValidateInSameTransaction {
    fn id(&self) -> &'static str {
        "validate-in-same-transaction"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD CONSTRAINT ... NOT VALID and its VALIDATE CONSTRAINT in one transaction"
    }
    fn help(&self) -> &'static str {
        "move the ALTER TABLE ... VALIDATE CONSTRAINT to a later migration (or make this one `-- migrate:no-transaction`, outside any DO block) so that the ADD commits first and releases its lock; in one transaction the scan still runs under the lock the ADD took"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // (table, constraint, the ADD statement, the lock it took)
        let mut added: Vec<(String, String, &Stmt, &str)> = Vec::new();
        for s in cx.body_stmts() {
            let Some((table, first)) = alter_table(s) else {
                continue;
            };
            let table = qualify(&table);
            for r in actions(s, first) {
                if let Some(Added::Constraint(c)) = add_action(s, &r) {
                    if let (true, Some((name, _))) = (c.not_valid, c.name) {
                        let lock = if c.kind == "FOREIGN KEY" {
                            "SHARE ROW EXCLUSIVE"
                        } else {
                            "ACCESS EXCLUSIVE"
                        };
                        added.push((table.clone(), name, s, lock));
                    }
                } else if s.words_at(r.start, &["VALIDATE", "CONSTRAINT"]) {
                    let Some((name, _)) = s.name_at(r.start + 2) else {
                        continue;
                    };
                    let Some((_, _, add, lock)) =
                        added.iter().find(|(t, n, _, _)| *t == table && *n == name)
                    else {
                        continue;
                    };
                    if cx.created_here(&table, add.start) {
                        continue;
                    }
                    let same_do = match (&add.in_do, &s.in_do) {
                        (Some(a), Some(b)) => a.range == b.range,
                        _ => false,
                    };
                    if !cx.m.no_transaction || same_do {
                        let line = cx.lines.line_col(add.start).line;
                        let why = if same_do && cx.m.no_transaction {
                            "in the same DO block (one transaction)"
                        } else {
                            "in the same transaction"
                        };
                        out.push(cx.finding(
                            self,
                            s.range(r.start, r.start + 2),
                            format!("{name} is added NOT VALID on line {line} and validated {why}: the scan runs under the {lock} lock the ADD still holds, so NOT VALID gains nothing"),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, total numeric);";
    const BODY: &str = "ALTER TABLE app.orders ADD CONSTRAINT chk_total CHECK (total >= 0) NOT VALID;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk_total;";

    #[test]
    fn flags_validate_in_the_same_transaction() {
        let f = check_sql(BEFORE, BODY);
        assert_eq!(spans(&f, "validate-in-same-transaction"), ["2:24"]);
    }

    #[test]
    fn passes_in_a_no_transaction_file_and_alone() {
        let f = check_sql(BEFORE, &format!("-- migrate:no-transaction\n{BODY}"));
        assert!(spans(&f, "validate-in-same-transaction").is_empty());
        let f = check_sql(
            &format!("{BEFORE}\nALTER TABLE app.orders ADD CONSTRAINT chk_total CHECK (total >= 0) NOT VALID;"),
            "ALTER TABLE app.orders VALIDATE CONSTRAINT chk_total;",
        );
        assert!(spans(&f, "validate-in-same-transaction").is_empty());
    }

    #[test]
    fn flags_both_in_one_do_block_even_without_transaction() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nDO $$\nBEGIN\n    ALTER TABLE app.orders ADD CONSTRAINT chk_total CHECK (total >= 0) NOT VALID;\n    ALTER TABLE app.orders VALIDATE CONSTRAINT chk_total;\nEND\n$$;",
        );
        assert_eq!(spans(&f, "validate-in-same-transaction"), ["5:28"]);
    }
}
