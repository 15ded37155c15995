use super::ddl::{actions, add_action, alter_table, Added, SqlType};
use crate::review::{Context, Finding, Rule, Severity};

/// ADD COLUMN ... NOT NULL without a DEFAULT fails on any table with rows.
pub struct AddColumnNotNullWithoutDefault;

impl Rule for AddColumnNotNullWithoutDefault {
    fn id(&self) -> &'static str {
        "add-column-not-null-without-default"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table"
    }
    fn help(&self) -> &'static str {
        "give the column a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill it in batches and make it NOT NULL later through a validated CHECK (col IS NOT NULL)"
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
                let serial = SqlType::parse(&def.type_text(s)).base.ends_with("serial");
                if !def.not_null
                    || def.has_default(s)
                    || def.identity.is_some()
                    || def.generated.is_some()
                    || serial
                {
                    continue;
                }
                out.push(cx.finding(
                    self,
                    s.range(r.start, def.name_at),
                    format!(
                        "{col} is added NOT NULL without a DEFAULT: on {table} with any row the ALTER fails (column \"{col}\" contains null values)",
                        col = def.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY);";

    #[test]
    fn flags_not_null_without_default() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders\n    ADD COLUMN IF NOT EXISTS status text NOT NULL;",
        );
        assert_eq!(spans(&f, "add-column-not-null-without-default"), ["2:5"]);
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN status text NOT NULL DEFAULT NULL;",
        );
        assert_eq!(spans(&f, "add-column-not-null-without-default"), ["1:24"]);
    }

    #[test]
    fn passes_with_default_or_on_a_new_table() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'NEW';\nCREATE TABLE app.lines (id bigint PRIMARY KEY);\nALTER TABLE app.lines ADD COLUMN qty integer NOT NULL;",
        );
        assert!(spans(&f, "add-column-not-null-without-default").is_empty());
    }
}
