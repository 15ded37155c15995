//! Changes that break the code running against the schema during a
//! deploy: the old code still names the dropped column or table, or
//! assumes NOT NULL, or relies on the foreign key. Expand and contract
//! (docs/rules/drop-column.md) keeps both versions working.

use super::ddl::{actions, alter_column, alter_table};
use crate::review::schema::{qualify, Kind, Store};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

pub struct DropColumn;
pub struct DropTable;
pub struct DropNotNull;
pub struct DropForeignKey;

/// `(action start, name)` of each `DROP <what> [IF EXISTS] name` of an
/// ALTER TABLE on a table that existed before.
fn alter_drops(cx: &Context<'_>, s: &Stmt, what: &str) -> Option<(String, Vec<(usize, String)>)> {
    let (table, first) = alter_table(s)?;
    if cx.created_here(&table, s.start) {
        return None;
    }
    let drops = actions(s, first)
        .iter()
        .filter(|r| s.word(r.start) == "DROP")
        .filter_map(|r| {
            let mut at = r.start + 1;
            match (s.word(at), what) {
                ("CONSTRAINT", "CONSTRAINT") | ("COLUMN", "COLUMN") => at += 1,
                ("CONSTRAINT" | "DEFAULT" | "NOT" | "EXPRESSION" | "IDENTITY", _)
                | (_, "CONSTRAINT") => return None,
                _ => {}
            }
            if s.words_at(at, &["IF", "EXISTS"]) {
                at += 2;
            }
            s.name_at(at).map(|(n, _)| (r.start, n))
        })
        .collect();
    Some((table, drops))
}

impl Rule for DropColumn {
    fn id(&self) -> &'static str {
        "drop-column"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP COLUMN of an existing table"
    }
    fn help(&self) -> &'static str {
        "expand and contract: deploy code that no longer reads or writes the column first, then drop it in a later migration, and say so with `-- review: ignore drop-column -- <since which release no code uses it>`"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let Some((table, drops)) = alter_drops(cx, s, "COLUMN") else {
                continue;
            };
            for (at, col) in drops {
                out.push(cx.finding(self, s.range(at, at + 1), format!("dropping {table}.{col} breaks every query of the running code that still names it (`column does not exist`)")));
            }
        }
    }
}

impl Rule for DropTable {
    fn id(&self) -> &'static str {
        "drop-table"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP TABLE of an existing table"
    }
    fn help(&self) -> &'static str {
        "expand and contract: deploy code that no longer uses the table first, then drop it in a later migration, and say so with `-- review: ignore drop-table -- <since which release no code uses it>`"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["DROP", "TABLE"]))
        {
            let at = if s.words_at(2, &["IF", "EXISTS"]) {
                4
            } else {
                2
            };
            let mut i = at;
            while let Some((t, next)) = s.name_at(i) {
                if !cx.created_here(&t, s.start) {
                    out.push(cx.finding(self, s.range(0, 1), format!("dropping {t} breaks every query of the running code that still names it (`relation does not exist`)")));
                }
                if s.toks.get(next).is_some_and(|t| t.norm == ",") {
                    i = next + 1;
                } else {
                    break;
                }
            }
        }
    }
}

impl Rule for DropNotNull {
    fn id(&self) -> &'static str {
        "drop-not-null"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP NOT NULL on a column of an existing table"
    }
    fn help(&self) -> &'static str {
        "deploy code that copes with NULL in the column before the migration that allows it; until then the running code may read a NULL it assumes cannot be there"
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
                let Some((col, _, next)) = alter_column(s, &r) else {
                    continue;
                };
                if s.words_at(next, &["DROP", "NOT", "NULL"]) {
                    out.push(cx.finding(self, s.range(next, next + 2), format!("{table}.{col} may hold NULL from now on: code that reads it as non-null (the running release) breaks on the first NULL written")));
                }
            }
        }
    }
}

impl Rule for DropForeignKey {
    fn id(&self) -> &'static str {
        "drop-foreign-key"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DROP CONSTRAINT of a foreign key"
    }
    fn help(&self) -> &'static str {
        "make sure no code relies on the key (cascades, the guarantee that the parent row exists) and set a lock_timeout: dropping a foreign key takes ACCESS EXCLUSIVE on both tables"
    }
    fn walks(&self) -> bool {
        true
    }
    fn check_stmt(&self, cx: &Context<'_>, s: &Stmt, schema: &dyn Store, out: &mut Vec<Finding>) {
        let Some((table, drops)) = alter_drops(cx, s, "CONSTRAINT") else {
            return;
        };
        let Some(t) = schema.table(&qualify(&table)) else {
            return;
        };
        for (at, name) in drops {
            let Some(c) = t
                .constraints
                .get(&name)
                .filter(|c| c.kind == Kind::ForeignKey)
            else {
                continue;
            };
            let parent = c
                .references
                .clone()
                .unwrap_or_else(|| "the referenced table".to_string());
            out.push(cx.finding(self, s.range(at, at + 1), format!("dropping foreign key {name} takes ACCESS EXCLUSIVE on {table} and {parent} (reads and writes of both wait), and from then on nothing stops rows of {table} pointing at missing {parent} rows")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.c (id bigint PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS app.o (id bigint PRIMARY KEY, c_id bigint NOT NULL, legacy text, CONSTRAINT fk_o_c FOREIGN KEY (c_id) REFERENCES app.c (id), CONSTRAINT chk_l CHECK (legacy <> ''));\nCREATE TABLE IF NOT EXISTS app.old (id bigint);";

    #[test]
    fn breaking_changes_on_existing_objects() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.o DROP COLUMN IF EXISTS legacy, DROP CONSTRAINT IF EXISTS fk_o_c, DROP CONSTRAINT IF EXISTS chk_l;\nDROP TABLE IF EXISTS app.old;\nALTER TABLE app.o ALTER COLUMN c_id DROP NOT NULL;",
        );
        assert_eq!(spans(&f, "drop-column"), ["1:19"]);
        assert_eq!(spans(&f, "drop-foreign-key"), ["1:49"]);
        assert_eq!(spans(&f, "drop-table"), ["2:1"]);
        assert_eq!(spans(&f, "drop-not-null"), ["3:37"]);
    }

    #[test]
    fn objects_of_this_migration_are_free_to_change() {
        let f = check_sql(
            "",
            "CREATE TABLE app.t (id bigint, x int NOT NULL);\nALTER TABLE app.t DROP COLUMN x;\nALTER TABLE app.t ALTER COLUMN id DROP NOT NULL;\nDROP TABLE app.t;",
        );
        for r in ["drop-column", "drop-table", "drop-not-null"] {
            assert!(spans(&f, r).is_empty(), "{r}: {f:?}");
        }
    }
}
