use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::{Context, Finding, Rule, Severity};

/// An exclusion constraint builds its index and checks every row under
/// ACCESS EXCLUSIVE, and has no online form (no NOT VALID, no USING INDEX,
/// no CONCURRENTLY).
pub struct AddExclusionConstraint;

impl Rule for AddExclusionConstraint {
    fn id(&self) -> &'static str {
        "add-exclusion-constraint"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "An exclusion constraint added to an existing table"
    }
    fn help(&self) -> &'static str {
        "there is no online way to add one: create it with a new table (expand and contract: new table, dual writes, backfill, switch), or add it while the table is still small and say so with `-- review: ignore add-exclusion-constraint -- <reason>`"
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
                if c.kind != "EXCLUDE" {
                    continue;
                }
                out.push(cx.finding(
                    self,
                    s.range(c.kind_at, c.kind_at),
                    format!("EXCLUDE on {table} builds its index and checks every row under ACCESS EXCLUSIVE: reads and writes wait for the whole build, and PostgreSQL has no NOT VALID or CONCURRENTLY form for it"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn exclude_on_an_existing_table_only() {
        let before =
            "CREATE TABLE IF NOT EXISTS app.booking (id bigint, room bigint, during tstzrange);";
        let add = "ALTER TABLE app.booking ADD CONSTRAINT ex_room EXCLUDE USING gist (room WITH =, during WITH &&);";
        assert_eq!(
            spans(&check_sql(before, add), "add-exclusion-constraint"),
            ["1:48"]
        );
        let f = check_sql(
            "",
            &format!("CREATE TABLE app.booking (id bigint, room bigint, during tstzrange);\n{add}"),
        );
        assert!(spans(&f, "add-exclusion-constraint").is_empty());
    }
}
