use std::collections::BTreeMap;

use super::ddl::{actions, alter_table};
use super::util::changed_tables;
use crate::review::schema::{qualify, schema_of};
use crate::review::stmt::{Section, Stmt};
use crate::review::{Context, Finding, Rule, Severity};

/// A destructive statement needs a rollback that restores what it removed.
pub struct DestructiveWithoutRollback;

impl Rule for DestructiveWithoutRollback {
    fn id(&self) -> &'static str {
        "destructive-without-rollback"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "A destructive statement whose rollback does not restore what it removes"
    }
    fn help(&self) -> &'static str {
        "write `-- migrate:rollback` SQL that restores each object this removes, by name (recreate the column, table, constraint, index or type, and restore data from a backup table), or state `-- irreversible: <reason>` in the rollback section"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let rollback = cx.m.rollback_sql().unwrap_or("");
        if crate::migration::irreversible_reason(rollback).is_some_and(|r| !r.is_empty()) {
            return;
        }
        let back = restored(cx.stmts.iter().filter(|s| s.section == Section::Rollback));
        // Dropped and built again further down the body (an index rebuilt
        // concurrently, say): nothing is lost.
        let rebuilt = restored(cx.body_stmts());
        for s in cx.body_stmts() {
            for (what, key) in removed(s) {
                let later = rebuilt.get(&key).is_some_and(|&at| at > s.start);
                if !back.contains_key(&key) && !later {
                    let how = if key.0 == "DATA" {
                        "the rollback writes nothing back to it"
                    } else {
                        "the rollback does not recreate it"
                    };
                    out.push(cx.finding(
                        self,
                        s.range(0, 1),
                        format!("{what}: {how}, and there is no `-- irreversible: <reason>`"),
                    ));
                }
            }
        }
    }
}

/// An object by kind and qualified name (`TABLE app.t`, `COLUMN app.t.c`,
/// `CONSTRAINT app.t.k`), or `DATA app.t` for rows of a table.
type Key = (&'static str, String);

/// The kind an object's DROP and CREATE share.
fn kind(word: &str) -> Option<&'static str> {
    Some(match word {
        "TABLE" => "TABLE",
        "VIEW" | "MATERIALIZED" => "VIEW",
        "TYPE" => "TYPE",
        "DOMAIN" => "DOMAIN",
        "SCHEMA" => "SCHEMA",
        "FUNCTION" | "PROCEDURE" => "FUNCTION",
        "SEQUENCE" => "SEQUENCE",
        "INDEX" => "INDEX",
        "EXTENSION" => "EXTENSION",
        _ => return None,
    })
}

/// The names listed at `i` (`a.t, a.u`).
fn names(s: &Stmt, mut i: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some((n, next)) = s.name_at(i) {
        out.push(n);
        // A function's argument list.
        let next = if s.toks.get(next).is_some_and(|t| t.norm == "(") {
            s.matching_paren(next).map_or(next, |c| c + 1)
        } else {
            next
        };
        if s.toks.get(next).is_some_and(|t| t.norm == ",") {
            i = next + 1;
        } else {
            break;
        }
    }
    out
}

/// An index lives in its table's schema: `CREATE INDEX i ON app.t` makes
/// `app.i`.
fn index_in_table_schema(s: &Stmt, kind: &str, name: String) -> String {
    if kind != "INDEX" || name.contains('.') {
        return name;
    }
    let table = s
        .find(&["ON"])
        .and_then(|on| s.name_at(on + 1 + usize::from(s.word(on + 1) == "ONLY")));
    match table {
        Some((t, _)) if t.contains('.') => format!("{}.{name}", schema_of(&t)),
        _ => name,
    }
}

/// What a body statement removes, with how to say it.
fn removed(s: &Stmt) -> Vec<(String, Key)> {
    let skip = |i: usize, seq: &[&str]| if s.words_at(i, seq) { i + seq.len() } else { i };
    match (s.word(0), s.word(1)) {
        ("DROP", w) => {
            let Some(k) = kind(w) else {
                return Vec::new();
            };
            let mut i = 2 + usize::from(w == "MATERIALIZED");
            i = skip(skip(i, &["CONCURRENTLY"]), &["IF", "EXISTS"]);
            names(s, i)
                .into_iter()
                .map(|n| (format!("DROP {w} {n}"), (k, qualify(&n))))
                .collect()
        }
        ("ALTER", "TABLE") => {
            let Some((table, first)) = alter_table(s) else {
                return Vec::new();
            };
            let t = qualify(&table);
            let mut out = Vec::new();
            for a in actions(s, first) {
                if s.word(a.start) != "DROP" {
                    continue;
                }
                let (k, at) = match s.word(a.start + 1) {
                    "CONSTRAINT" => ("CONSTRAINT", a.start + 2),
                    "COLUMN" => ("COLUMN", a.start + 2),
                    "DEFAULT" | "NOT" | "EXPRESSION" | "IDENTITY" => continue,
                    _ => ("COLUMN", a.start + 1),
                };
                if let Some((n, _)) = s.name_at(skip(at, &["IF", "EXISTS"])) {
                    let what = format!("DROP {k} {n} of {table}");
                    out.push((what, (k, format!("{t}.{n}"))));
                }
            }
            out
        }
        ("TRUNCATE", _) => changed_tables(s)
            .into_iter()
            .map(|(t, _)| (format!("TRUNCATE {t}"), ("DATA", qualify(&t))))
            .collect(),
        ("DELETE", "FROM") | ("UPDATE", _) if !s.has(&["WHERE"]) => changed_tables(s)
            .into_iter()
            .map(|(t, _)| {
                (
                    format!("{} without WHERE on {t}", s.word(0)),
                    ("DATA", qualify(&t)),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What the statements create or write, by name, with the offset of the
/// last statement doing it.
fn restored<'a>(stmts: impl Iterator<Item = &'a Stmt>) -> BTreeMap<Key, usize> {
    let mut out = BTreeMap::new();
    for s in stmts {
        // Rows come back only by a statement that writes rows.
        if matches!(s.word(0), "INSERT" | "UPDATE" | "MERGE" | "WITH" | "COPY") {
            for (t, _) in changed_tables(s) {
                out.insert(("DATA", qualify(&t)), s.start);
            }
        }
        if s.word(0) == "CREATE" {
            let mut i = 1;
            while matches!(
                s.word(i),
                "OR" | "REPLACE" | "UNIQUE" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "TRUSTED"
            ) {
                i += 1;
            }
            let Some(k) = kind(s.word(i)) else {
                continue;
            };
            i += 1 + usize::from(s.word(i) == "MATERIALIZED");
            let i = if s.word(i) == "CONCURRENTLY" {
                i + 1
            } else {
                i
            };
            let i = if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
                i + 3
            } else {
                i
            };
            if let Some((n, _)) = s.name_at(i).filter(|(n, _)| n != "on") {
                out.insert((k, qualify(&index_in_table_schema(s, k, n))), s.start);
            }
        } else if let Some((table, first)) = alter_table(s) {
            let t = qualify(&table);
            for a in actions(s, first) {
                if s.word(a.start) != "ADD" {
                    continue;
                }
                let mut i = a.start + 1;
                let k = match s.word(i) {
                    "CONSTRAINT" => "CONSTRAINT",
                    "COLUMN" => "COLUMN",
                    _ => {
                        i -= 1;
                        "COLUMN"
                    }
                };
                i += 1;
                if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
                    i += 3;
                }
                if let Some((n, _)) = s.name_at(i) {
                    out.insert((k, format!("{t}.{n}")), s.start);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_file, check_sql};

    fn messages(body: &str, rollback: &str) -> Vec<String> {
        let f = check_file(
            "",
            &format!("{body}\n-- migrate:verify\nSELECT 1;\n-- migrate:rollback\n{rollback}\n"),
        );
        f.into_iter()
            .filter(|f| f.rule == "destructive-without-rollback")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_rollback_that_only_reads_restores_nothing() {
        let f = check_sql("", "DROP TABLE IF EXISTS a.t;");
        let m: Vec<_> = f
            .iter()
            .filter(|f| f.rule == "destructive-without-rollback")
            .collect();
        assert_eq!(m.len(), 1, "{f:?}");
    }

    #[test]
    fn each_dropped_object_is_restored_by_name() {
        // One unrelated statement no longer silences the rest.
        let m = messages(
            "DROP TABLE IF EXISTS a.t, a.u;",
            "CREATE TABLE IF NOT EXISTS a.t (id bigint);",
        );
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("DROP TABLE a.u:"), "{m:?}");

        let m = messages(
            "ALTER TABLE a.t DROP COLUMN IF EXISTS c, DROP CONSTRAINT IF EXISTS k;\nDROP INDEX IF EXISTS a.i;\nDROP TYPE IF EXISTS a.e;",
            "ALTER TABLE a.t ADD COLUMN IF NOT EXISTS c int, ADD CONSTRAINT k CHECK (c > 0) NOT VALID;\nCREATE INDEX IF NOT EXISTS i ON a.t (c);\nCREATE TYPE a.e AS ENUM ('x');",
        );
        assert!(m.is_empty(), "{m:?}");

        let m = messages(
            "ALTER TABLE a.t DROP CONSTRAINT IF EXISTS k;\nTRUNCATE a.t;",
            "SELECT 1;",
        );
        assert_eq!(m.len(), 2, "{m:?}");
        let m = messages("TRUNCATE a.t;", "INSERT INTO a.t SELECT * FROM a.t_backup;");
        assert!(m.is_empty(), "{m:?}");
        // Rebuilt further down the body.
        let m = messages(
            "-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS a.i;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON a.t (c);",
            "SELECT 1;",
        );
        assert!(m.is_empty(), "{m:?}");
    }
}
