use super::ddl::{actions, alter_table};
use crate::review::{Context, Finding, Rule, Severity};

/// Renaming a table or column breaks the code that is running now.
pub struct Rename;

impl Rule for Rename {
    fn id(&self) -> &'static str {
        "rename"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "RENAME of an existing table, column, schema or enum value, or a table moved to another schema"
    }
    fn help(&self) -> &'static str {
        "expand and contract instead: add the new column (or table), write to both, backfill, switch the readers, and drop the old one in a later migration; for a table, a view with the old name can bridge the deploy"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            if let Some((at, message)) = other_rename(cx, s) {
                out.push(cx.finding(self, s.range(at, at), message));
                continue;
            }
            let Some((table, first)) = alter_table(s) else {
                continue;
            };
            if cx.created_here(&table, s.start) {
                continue;
            }
            for r in actions(s, first) {
                // Moving a table breaks its qualified name as a rename does.
                if s.words_at(r.start, &["SET", "SCHEMA"]) {
                    let to = s.name_at(r.start + 2).map_or_else(String::new, |(n, _)| n);
                    out.push(cx.finding(self, s.range(r.start, r.start + 1), format!("moving table {table} to schema {to} breaks every query of the running code that still says {table}")));
                    continue;
                }
                if s.word(r.start) != "RENAME" {
                    continue;
                }
                let k = r.start + 1;
                let message = match s.word(k) {
                    "TO" => {
                        let to = s.name_at(k + 1).map_or_else(String::new, |(n, _)| n);
                        format!("renaming table {table} to {to} breaks every query of the running code that still says {table}")
                    }
                    "CONSTRAINT" => continue,
                    _ => {
                        let c = k + usize::from(s.word(k) == "COLUMN");
                        let Some((old, next)) = s.name_at(c) else {
                            continue;
                        };
                        let to = s.name_at(next + 1).map_or_else(String::new, |(n, _)| n);
                        format!("renaming column {table}.{old} to {to} breaks every query of the running code that still says {old}")
                    }
                };
                out.push(cx.finding(self, s.range(r.start, r.start + 1), message));
            }
        }
    }
}

/// `ALTER SCHEMA s RENAME TO t` and `ALTER TYPE e RENAME VALUE 'a' TO 'b'`
/// (of a schema or type this migration did not create): the token to
/// point at and the message.
fn other_rename(cx: &Context<'_>, s: &crate::review::stmt::Stmt) -> Option<(usize, String)> {
    let created = |kind: &str, name: &str| {
        cx.body_stmts().take_while(|c| c.start < s.start).any(|c| {
            c.starts_with(&["CREATE", kind])
                && c.name_at(
                    2 + if c.words_at(2, &["IF", "NOT", "EXISTS"]) {
                        3
                    } else {
                        0
                    },
                )
                .is_some_and(|(n, _)| n == name)
        })
    };
    match (s.word(0), s.word(1)) {
        ("ALTER", "SCHEMA") => {
            let (name, next) = s.name_at(2)?;
            if !s.words_at(next, &["RENAME", "TO"]) || created("SCHEMA", &name) {
                return None;
            }
            let to = s.name_at(next + 2).map_or_else(String::new, |(n, _)| n);
            Some((next, format!("renaming schema {name} to {to} breaks every query of the running code that names {name}.anything")))
        }
        ("ALTER", "TYPE") => {
            let (name, next) = s.name_at(2)?;
            if !s.words_at(next, &["RENAME", "VALUE"]) || created("TYPE", &name) {
                return None;
            }
            let old = s.toks.get(next + 2).map_or("", |t| t.norm.as_str());
            let new = s.toks.get(next + 4).map_or("", |t| t.norm.as_str());
            Some((next, format!("renaming value {old} of {name} to {new} breaks the running code that writes or compares {old} (`invalid input value for enum`)")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);";

    #[test]
    fn flags_column_and_table_renames() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders RENAME COLUMN note TO remark;\nALTER TABLE app.orders RENAME TO purchase_orders;",
        );
        assert_eq!(spans(&f, "rename"), ["1:24", "2:24"]);
    }

    #[test]
    fn passes_new_tables_and_constraints() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (id bigint, note text);\nALTER TABLE app.lines RENAME COLUMN note TO remark;\nALTER TABLE app.orders RENAME CONSTRAINT orders_pkey TO pk_orders;",
        );
        assert!(spans(&f, "rename").is_empty(), "{f:?}");
    }

    #[test]
    fn schema_and_enum_value_renames() {
        let f = check_sql(
            "CREATE SCHEMA IF NOT EXISTS ops;\nCREATE TYPE ops.st AS ENUM ('SENT');",
            "ALTER SCHEMA ops RENAME TO ops2;\nALTER TYPE ops2.st RENAME VALUE 'SENT' TO 'SUBMITTED';",
        );
        assert_eq!(spans(&f, "rename"), ["1:18", "2:20"]);
        let f = check_sql(BEFORE, "ALTER TABLE app.orders SET SCHEMA archive;");
        assert_eq!(spans(&f, "rename"), ["1:24"]);
        let f = check_sql(
            "",
            "CREATE TYPE app.k AS ENUM ('A');\nALTER TYPE app.k RENAME VALUE 'A' TO 'B';",
        );
        assert!(spans(&f, "rename").is_empty(), "{f:?}");
    }
}
