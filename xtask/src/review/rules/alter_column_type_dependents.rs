use super::alter_column_type::{cost, Cost};
use super::ddl::{actions, alter_table, type_change, type_text, SqlType};
use crate::review::schema::{qualify, Kind, Store};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// A type change that rewrites nothing still re-checks every CHECK on the
/// column: a full scan under ACCESS EXCLUSIVE (measured on 14 and 17, e.g.
/// varchar(20) to varchar(40)). Rewriting changes are alter-column-type's.
pub struct AlterColumnTypeDependents;

impl Rule for AlterColumnTypeDependents {
    fn id(&self) -> &'static str {
        "alter-column-type-dependents"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A type change of a column that a CHECK constraint re-verifies"
    }
    fn help(&self) -> &'static str {
        "in the same ALTER TABLE, DROP CONSTRAINT the check, change the type, and ADD it back NOT VALID (no scan); VALIDATE CONSTRAINT it in a later migration"
    }
    fn walks(&self) -> bool {
        true
    }
    fn check_stmt(&self, cx: &Context<'_>, s: &Stmt, schema: &dyn Store, out: &mut Vec<Finding>) {
        let Some((table, first)) = alter_table(s) else {
            return;
        };
        if cx.created_here(&table, s.start) {
            return;
        }
        let Some(t) = schema.table(&qualify(&table)) else {
            return;
        };
        let acts = actions(s, first);
        // Checks dropped by this same statement are not re-verified.
        let dropped: Vec<String> = acts
            .iter()
            .filter(|r| s.words_at(r.start, &["DROP", "CONSTRAINT"]))
            .filter_map(|r| {
                let at = r.start
                    + 2
                    + if s.words_at(r.start + 2, &["IF", "EXISTS"]) {
                        2
                    } else {
                        0
                    };
                s.name_at(at).map(|(n, _)| n)
            })
            .collect();
        for r in &acts {
            let Some(tc) = type_change(s, r) else {
                continue;
            };
            let new = SqlType::parse(&type_text(s, tc.ty.start, tc.ty.end));
            let Some(old) = t.columns.get(&tc.column).map(|c| SqlType::parse(&c.ty)) else {
                continue;
            };
            // A rewrite re-checks everything anyway; alter-column-type says so.
            if cost(&old, &new) != Cost::Free {
                continue;
            }
            let checks: Vec<&str> = t
                .constraints
                .iter()
                .filter(|(n, c)| {
                    c.kind == Kind::Check && c.cols.contains(&tc.column) && !dropped.contains(n)
                })
                .map(|(n, _)| n.as_str())
                .collect();
            if checks.is_empty() {
                continue;
            }
            out.push(cx.finding(
                self,
                s.range(r.start, tc.ty.end.saturating_sub(1)),
                format!(
                    "changing {table}.{} to {} rewrites nothing, but PostgreSQL re-verifies {} against every row under ACCESS EXCLUSIVE: reads and writes wait for the scan",
                    tc.column,
                    new.display(),
                    checks.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.p (id bigint PRIMARY KEY, code varchar(20), CONSTRAINT chk_code CHECK (code <> ''));";

    #[test]
    fn a_check_on_the_column_is_re_verified() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.p ALTER COLUMN code TYPE varchar(40);",
        );
        assert_eq!(spans(&f, "alter-column-type-dependents"), ["1:19"]);
    }

    #[test]
    fn dropped_and_re_added_not_valid_passes() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.p DROP CONSTRAINT IF EXISTS chk_code,\n    ALTER COLUMN code TYPE varchar(40),\n    ADD CONSTRAINT chk_code CHECK (code <> '') NOT VALID;",
        );
        assert!(
            spans(&f, "alter-column-type-dependents").is_empty(),
            "{f:?}"
        );
        let f = check_sql(BEFORE, "ALTER TABLE app.p ALTER COLUMN id TYPE bigint;");
        assert!(
            spans(&f, "alter-column-type-dependents").is_empty(),
            "{f:?}"
        );
    }
}
