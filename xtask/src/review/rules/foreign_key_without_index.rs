use super::ddl::{
    actions, add_action, alter_table, column_def, create_table, is_constraint_start,
    table_constraint, Added,
};
use crate::review::schema::{qualify, Store};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// A foreign key whose referencing columns no index leads with.
pub struct ForeignKeyWithoutIndex;

impl Rule for ForeignKeyWithoutIndex {
    fn id(&self) -> &'static str {
        "foreign-key-without-index"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A foreign key whose columns no index leads with"
    }
    fn help(&self) -> &'static str {
        "index the referencing columns: CREATE INDEX CONCURRENTLY idx_child_parent_id ON child (parent_id) in a `-- migrate:no-transaction` migration (a plain CREATE INDEX in the migration that creates the table); a primary key, unique constraint or index whose leading columns are the foreign key's columns also serves"
    }
    fn walks(&self) -> bool {
        true
    }
    fn check_body_end(&self, cx: &Context<'_>, schema: &dyn Store, out: &mut Vec<Finding>) {
        struct ForeignKey<'s> {
            table: String,
            cols: Vec<String>,
            stmt: &'s Stmt,
            at: (usize, usize),
        }
        let mut fks: Vec<ForeignKey<'_>> = Vec::new();
        for s in cx.body_stmts() {
            if let Some((table, _, items)) = create_table(s) {
                for item in items {
                    if is_constraint_start(s.word(item.start)) {
                        if let Some(c) = table_constraint(s, item.start, item.end) {
                            if c.kind == "FOREIGN KEY" && !c.cols.is_empty() {
                                fks.push(ForeignKey {
                                    table: table.clone(),
                                    cols: c.cols,
                                    stmt: s,
                                    at: (c.kind_at, c.kind_at + 1),
                                });
                            }
                        }
                    } else if let Some(def) = column_def(s, item.start, item.end) {
                        if let Some(r) = def.references {
                            fks.push(ForeignKey {
                                table: table.clone(),
                                cols: vec![def.name],
                                stmt: s,
                                at: (r, r),
                            });
                        }
                    }
                }
            } else if let Some((table, first)) = alter_table(s) {
                for r in actions(s, first) {
                    match add_action(s, &r) {
                        Some(Added::Constraint(c))
                            if c.kind == "FOREIGN KEY" && !c.cols.is_empty() =>
                        {
                            fks.push(ForeignKey {
                                table: table.clone(),
                                cols: c.cols,
                                stmt: s,
                                at: (c.kind_at, c.kind_at + 1),
                            });
                        }
                        Some(Added::Column(def)) => {
                            if let Some(k) = def.references {
                                fks.push(ForeignKey {
                                    table: table.clone(),
                                    cols: vec![def.name],
                                    stmt: s,
                                    at: (k, k),
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        if fks.is_empty() {
            return;
        }
        // `schema` holds the keys and indexes of the earlier migrations and
        // this whole body.
        for fk in fks {
            let covered = schema.table(&qualify(&fk.table)).is_some_and(|t| {
                t.keys().any(|k| leads(k, &fk.cols))
                    || t.indexes.values().any(|i| leads(&i.cols, &fk.cols))
            });
            if covered {
                continue;
            }
            out.push(cx.finding(
                self,
                fk.stmt.range(fk.at.0, fk.at.1),
                format!(
                    "no index on {} leads with ({}): every DELETE of a referenced row, and every change of its key, scans {} to check this foreign key",
                    fk.table,
                    fk.cols.join(", "),
                    fk.table
                ),
            ));
        }
    }
}

/// Whether the index columns `idx` start with the columns `fk` (in any
/// order).
fn leads(idx: &[String], fk: &[String]) -> bool {
    idx.len() >= fk.len() && fk.iter().all(|c| idx[..fk.len()].contains(c))
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.customers (id bigint PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, customer_id bigint);";

    #[test]
    fn flags_unindexed_foreign_keys() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (\n    id bigint PRIMARY KEY,\n    order_id bigint REFERENCES app.orders (id)\n);\nALTER TABLE app.orders ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES app.customers (id) NOT VALID;",
        );
        assert_eq!(spans(&f, "foreign-key-without-index"), ["3:21", "5:51"]);
    }

    #[test]
    fn passes_with_an_index_or_a_leading_key() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (\n    order_id bigint REFERENCES app.orders (id),\n    n int,\n    PRIMARY KEY (order_id, n)\n);\nALTER TABLE app.orders ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES app.customers (id) NOT VALID;\nCREATE INDEX IF NOT EXISTS idx_orders_customer_id ON app.orders (customer_id) WHERE customer_id IS NOT NULL;",
        );
        assert!(spans(&f, "foreign-key-without-index").is_empty(), "{f:?}");
    }

    #[test]
    fn a_key_from_an_earlier_migration_counts() {
        let before = "CREATE TABLE IF NOT EXISTS app.customers (id bigint PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS app.profiles (customer_id bigint, CONSTRAINT pk_profiles PRIMARY KEY (customer_id));";
        let f = check_sql(
            before,
            "ALTER TABLE app.profiles ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES app.customers (id) NOT VALID;",
        );
        assert!(spans(&f, "foreign-key-without-index").is_empty(), "{f:?}");
    }
}
