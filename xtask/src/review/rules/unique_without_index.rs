use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::{Context, Finding, Rule, Severity};

/// ADD UNIQUE / PRIMARY KEY builds its index while holding ACCESS EXCLUSIVE.
pub struct UniqueWithoutIndex;

impl Rule for UniqueWithoutIndex {
    fn id(&self) -> &'static str {
        "unique-without-index"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD UNIQUE or PRIMARY KEY on an existing table builds its index under ACCESS EXCLUSIVE"
    }
    fn help(&self) -> &'static str {
        "build the index first with CREATE UNIQUE INDEX CONCURRENTLY (in a `-- migrate:no-transaction` migration), then attach it: ALTER TABLE ... ADD CONSTRAINT x UNIQUE USING INDEX idx (or PRIMARY KEY USING INDEX idx, whose columns should already be NOT NULL), which only takes a brief lock"
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
                let (kind, at) = match add_action(s, &r) {
                    Some(Added::Constraint(c))
                        if matches!(c.kind, "UNIQUE" | "PRIMARY KEY")
                            && c.using_index.is_none() =>
                    {
                        (c.kind, c.kind_at)
                    }
                    Some(Added::Column(def)) => match (def.primary_key, def.unique) {
                        (Some(k), _) => ("PRIMARY KEY", k),
                        (None, Some(k)) => ("UNIQUE", k),
                        _ => continue,
                    },
                    _ => continue,
                };
                let to = at + usize::from(kind == "PRIMARY KEY");
                out.push(cx.finding(
                    self,
                    s.range(at, to),
                    format!("{kind} on {table} builds its index while holding ACCESS EXCLUSIVE: reads and writes on the table wait for the whole build"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint NOT NULL, code text);";

    #[test]
    fn flags_unique_and_primary_key_in_place() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD CONSTRAINT uq_code UNIQUE (code);\nALTER TABLE app.orders ADD PRIMARY KEY (id);",
        );
        assert_eq!(spans(&f, "unique-without-index"), ["1:47", "2:28"]);
    }

    #[test]
    fn passes_using_index_and_new_tables() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD CONSTRAINT uq_code UNIQUE USING INDEX uq_orders_code;\nCREATE TABLE app.lines (id bigint NOT NULL);\nALTER TABLE app.lines ADD PRIMARY KEY (id);",
        );
        assert!(spans(&f, "unique-without-index").is_empty(), "{f:?}");
    }
}
