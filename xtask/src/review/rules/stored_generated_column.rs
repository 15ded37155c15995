use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::{Context, Finding, Rule, Severity};

/// ADD COLUMN ... GENERATED ALWAYS AS (...) STORED computes and stores the
/// value for every existing row.
pub struct StoredGeneratedColumn;

impl Rule for StoredGeneratedColumn {
    fn id(&self) -> &'static str {
        "stored-generated-column"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table"
    }
    fn help(&self) -> &'static str {
        "add a plain nullable column, keep it current with a BEFORE INSERT OR UPDATE trigger, and backfill the existing rows in batches; on PostgreSQL 18+ a VIRTUAL generated column is added without a rewrite"
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
                let Some(Added::Column(def)) = add_action(s, &r) else {
                    continue;
                };
                if let Some((g, true)) = def.generated {
                    // VIRTUAL generated columns came in 18.
                    let virtual_ok = if cx.target.has(18) {
                        "; the target has VIRTUAL generated columns (PostgreSQL 18+), which are added without a rewrite"
                    } else {
                        ""
                    };
                    out.push(cx.finding(
                        self,
                        s.range(g, g + 2),
                        format!(
                            "stored generated column {} is computed for every existing row of {table}: the table and its indexes are rewritten under ACCESS EXCLUSIVE{virtual_ok}",
                            def.name
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, net numeric, tax numeric);";

    #[test]
    fn flags_stored_generated_column() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders\n    ADD COLUMN IF NOT EXISTS gross numeric GENERATED ALWAYS AS (net + tax) STORED;",
        );
        assert_eq!(spans(&f, "stored-generated-column"), ["2:44"]);
    }

    #[test]
    fn passes_on_new_tables_and_plain_columns() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS gross numeric;\nCREATE TABLE app.lines (id bigint PRIMARY KEY, a int);\nALTER TABLE app.lines ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED;",
        );
        assert!(spans(&f, "stored-generated-column").is_empty());
    }

    #[test]
    fn the_virtual_advice_follows_the_target() {
        use crate::review::Target;
        let body = "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS gross numeric GENERATED ALWAYS AS (net + tax) STORED;";
        let on = |major| super::super::util::check_sql_on(Target::major(major), BEFORE, body);
        let f = on(18);
        assert!(
            f.iter()
                .any(|f| f.rule == "stored-generated-column" && f.message.contains("VIRTUAL")),
            "{f:?}"
        );
        let f = on(13);
        let m: Vec<_> = f
            .iter()
            .filter(|f| f.rule == "stored-generated-column")
            .collect();
        assert!(m.len() == 1 && !m[0].message.contains("VIRTUAL"), "{m:?}");
    }
}
