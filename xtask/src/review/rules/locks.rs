//! Which statements take a lock that queues application traffic on an
//! object that existed before the migration: SHARE, SHARE ROW EXCLUSIVE,
//! EXCLUSIVE or ACCESS EXCLUSIVE (measured on PostgreSQL 14, 17 and 18;
//! docs/rules/missing-lock-timeout.md has the table). While such a request
//! waits behind a long transaction, every later query that conflicts with
//! it waits too.
//!
//! Not here because they queue nothing: VALIDATE CONSTRAINT (SHARE UPDATE
//! EXCLUSIVE), ALTER TYPE ... ADD / RENAME VALUE (a lock on the type only),
//! ALTER DOMAIN ... NOT VALID, REFRESH ... CONCURRENTLY (EXCLUSIVE on a
//! materialized view, which nobody writes), the CONCURRENTLY forms, COMMENT,
//! and LOCK ... NOWAIT (it never waits).

use super::ddl::{
    actions, add_action, alter_table, column_def, create_table, table_constraint, Added,
};
use super::vacuum_full_or_cluster::is_vacuum_full;
use crate::review::schema::{qualify, Store};
use crate::review::stmt::Stmt;
use crate::review::Context;

pub const ACCESS_EXCLUSIVE: &str = "ACCESS EXCLUSIVE";
pub const EXCLUSIVE: &str = "EXCLUSIVE";
pub const SHARE_ROW_EXCLUSIVE: &str = "SHARE ROW EXCLUSIVE";
pub const SHARE: &str = "SHARE";

/// A lock that queues traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The statement, e.g. `CREATE INDEX`.
    pub what: String,
    pub mode: &'static str,
    /// The object locked, as written, when known.
    pub on: Option<String>,
    /// Whom it queues: `reads and writes` or `writes`.
    pub blocks: &'static str,
}

fn lock(what: &str, mode: &'static str, on: Option<String>) -> Option<Lock> {
    let blocks = if mode == ACCESS_EXCLUSIVE {
        "reads and writes"
    } else {
        "writes"
    };
    Some(Lock {
        what: what.to_string(),
        mode,
        on,
        blocks,
    })
}

/// The lock `s` takes when it queues traffic on something that existed
/// before this migration; `schema` is the schema just before `s`.
pub fn queuing_lock(cx: &Context<'_>, schema: &dyn Store, s: &Stmt) -> Option<Lock> {
    let l = statement_lock(cx, schema, s)?;
    let new =
        l.on.as_ref()
            .is_some_and(|t| cx.created_here(t, s.start) || created_in_body(cx, t, s.start));
    (!new).then_some(l)
}

fn skip_if(s: &Stmt, i: usize, seq: &[&str]) -> usize {
    if s.words_at(i, seq) {
        i + seq.len()
    } else {
        i
    }
}

fn name(s: &Stmt, i: usize) -> Option<String> {
    s.name_at(i).map(|(n, _)| n)
}

/// The table of the index named at `i`.
fn index_table(schema: &dyn Store, s: &Stmt, i: usize) -> Option<String> {
    let n = name(s, i)?;
    schema.index(&n).map(|(t, _)| t.to_string())
}

fn statement_lock(cx: &Context<'_>, schema: &dyn Store, s: &Stmt) -> Option<Lock> {
    let cc = s.has(&["CONCURRENTLY"]);
    match (s.word(0), s.word(1)) {
        ("ALTER", "TABLE") => alter_table_lock(cx, s),
        ("CREATE", _) => create_lock(cx, s),
        ("DROP", "TABLE" | "VIEW" | "SEQUENCE") => lock(
            &format!("DROP {}", s.word(1)),
            ACCESS_EXCLUSIVE,
            name(s, skip_if(s, 2, &["IF", "EXISTS"])),
        ),
        ("DROP", "MATERIALIZED") => lock(
            "DROP MATERIALIZED VIEW",
            ACCESS_EXCLUSIVE,
            name(s, skip_if(s, 3, &["IF", "EXISTS"])),
        ),
        ("DROP", "INDEX") if !cc => lock(
            "DROP INDEX",
            ACCESS_EXCLUSIVE,
            index_table(schema, s, skip_if(s, 2, &["IF", "EXISTS"])),
        ),
        ("DROP", "TRIGGER" | "POLICY" | "RULE") => {
            let on = s.find(&["ON"])?;
            lock(
                &format!("DROP {}", s.word(1)),
                ACCESS_EXCLUSIVE,
                name(s, on + 1),
            )
        }
        ("TRUNCATE", _) => lock(
            "TRUNCATE",
            ACCESS_EXCLUSIVE,
            name(s, skip_if(s, skip_if(s, 1, &["TABLE"]), &["ONLY"])),
        ),
        ("ALTER", "INDEX") if !s.has(&["RENAME"]) => lock(
            "ALTER INDEX",
            ACCESS_EXCLUSIVE,
            index_table(schema, s, skip_if(s, 2, &["IF", "EXISTS"])),
        ),
        ("ALTER", "SEQUENCE") => {
            let mode = if s.has(&["RENAME"]) || s.has(&["SET", "SCHEMA"]) {
                ACCESS_EXCLUSIVE
            } else {
                SHARE_ROW_EXCLUSIVE
            };
            lock(
                "ALTER SEQUENCE",
                mode,
                name(s, skip_if(s, 2, &["IF", "EXISTS"])),
            )
        }
        ("ALTER", "VIEW") => lock(
            "ALTER VIEW",
            ACCESS_EXCLUSIVE,
            name(s, skip_if(s, 2, &["IF", "EXISTS"])),
        ),
        ("ALTER", "MATERIALIZED") => lock(
            "ALTER MATERIALIZED VIEW",
            ACCESS_EXCLUSIVE,
            name(s, skip_if(s, 3, &["IF", "EXISTS"])),
        ),
        ("ALTER", "DOMAIN") => {
            domain_lock(s).filter(|_| !name(s, 2).is_some_and(|d| created_in_body(cx, &d, s.start)))
        }
        ("VACUUM", _) if is_vacuum_full(s) => lock("VACUUM FULL", ACCESS_EXCLUSIVE, None),
        ("CLUSTER", _) => lock(
            "CLUSTER",
            ACCESS_EXCLUSIVE,
            name(s, 1).filter(|_| s.word(1) != "VERBOSE"),
        ),
        ("REINDEX", kind) if !cc => {
            let i = 2 + usize::from(s.toks.get(2).is_some_and(|t| t.norm == "("));
            let on = match kind {
                "TABLE" => name(s, i),
                "INDEX" => index_table(schema, s, i),
                _ => None,
            };
            lock("REINDEX", SHARE, on)
        }
        ("REFRESH", "MATERIALIZED") if !cc => {
            lock("REFRESH MATERIALIZED VIEW", ACCESS_EXCLUSIVE, name(s, 3))
        }
        ("LOCK", _) => lock_table(s),
        _ => None,
    }
}

/// `LOCK [TABLE] [ONLY] name [IN mode MODE] [NOWAIT]`.
fn lock_table(s: &Stmt) -> Option<Lock> {
    if s.has(&["NOWAIT"]) {
        return None;
    }
    let on = name(s, skip_if(s, skip_if(s, 1, &["TABLE"]), &["ONLY"]));
    let mode = match s.find(&["IN"]) {
        None => ACCESS_EXCLUSIVE,
        Some(i) => {
            let words: Vec<&str> = (i + 1..s.toks.len())
                .map(|k| s.word(k))
                .take_while(|w| *w != "MODE")
                .collect();
            match words.join(" ").as_str() {
                "SHARE" => SHARE,
                "SHARE ROW EXCLUSIVE" => SHARE_ROW_EXCLUSIVE,
                "EXCLUSIVE" => EXCLUSIVE,
                "ACCESS EXCLUSIVE" => ACCESS_EXCLUSIVE,
                _ => return None,
            }
        }
    };
    lock("LOCK TABLE", mode, on)
}

/// ALTER DOMAIN ADD CONSTRAINT (validated), VALIDATE CONSTRAINT and SET NOT
/// NULL check every column of the domain under SHARE on each table using
/// it (measured on 17 and 18; unlike a table's VALIDATE).
fn domain_lock(s: &Stmt) -> Option<Lock> {
    let (domain, next) = s.name_at(2)?;
    let scans = (s.word(next) == "ADD" && !s.has(&["NOT", "VALID"]))
        || s.words_at(next, &["VALIDATE", "CONSTRAINT"])
        || s.words_at(next, &["SET", "NOT", "NULL"]);
    scans.then(|| Lock {
        what: format!("ALTER DOMAIN {domain}"),
        mode: SHARE,
        on: None,
        blocks: "writes to every table with a column of the domain",
    })
}

fn create_lock(cx: &Context<'_>, s: &Stmt) -> Option<Lock> {
    let mut i = 1;
    while matches!(s.word(i), "OR" | "REPLACE" | "UNIQUE" | "CONSTRAINT") {
        i += 1;
    }
    match s.word(i) {
        "INDEX" if s.word(i + 1) != "CONCURRENTLY" => {
            let on = s.find_from(i, &["ON"])?;
            lock(
                "CREATE INDEX",
                SHARE,
                name(s, skip_if(s, on + 1, &["ONLY"])),
            )
        }
        "TRIGGER" => {
            let on = s.find_from(i, &["ON"])?;
            lock("CREATE TRIGGER", SHARE_ROW_EXCLUSIVE, name(s, on + 1))
        }
        "POLICY" | "RULE" => {
            let on = s.find_from(i, &["ON"])?;
            lock(
                &format!("CREATE {}", s.word(i)),
                ACCESS_EXCLUSIVE,
                name(s, on + 1),
            )
        }
        "VIEW" if s.words_at(1, &["OR", "REPLACE"]) => {
            lock("CREATE OR REPLACE VIEW", ACCESS_EXCLUSIVE, name(s, i + 1))
        }
        "TABLE" | "UNLOGGED" => new_table_references(cx, s),
        _ => None,
    }
}

/// A new table with a foreign key to an existing one takes SHARE ROW
/// EXCLUSIVE on the referenced table.
fn new_table_references(cx: &Context<'_>, s: &Stmt) -> Option<Lock> {
    let (_, _, items) = create_table(s)?;
    let referenced = items.iter().find_map(|item| {
        let c = table_constraint(s, item.start, item.end)
            .and_then(|c| c.references)
            .or_else(|| column_def(s, item.start, item.end).and_then(|d| d.referenced(s)))?;
        (!cx.created_here(&c, s.start)).then_some(c)
    })?;
    lock(
        "CREATE TABLE with a foreign key",
        SHARE_ROW_EXCLUSIVE,
        Some(referenced),
    )
}

/// ALTER TABLE: ACCESS EXCLUSIVE unless every action takes less. Adding a
/// foreign key takes SHARE ROW EXCLUSIVE on both tables; ENABLE / DISABLE
/// TRIGGER takes SHARE ROW EXCLUSIVE; VALIDATE CONSTRAINT, SET STATISTICS,
/// ATTACH PARTITION and DETACH ... CONCURRENTLY take SHARE UPDATE EXCLUSIVE.
fn alter_table_lock(cx: &Context<'_>, s: &Stmt) -> Option<Lock> {
    let (table, first) = alter_table(s)?;
    let acts = actions(s, first);
    if cx.created_here(&table, s.start) {
        // Only a foreign key reaches a table that existed before.
        let parent = acts.iter().find_map(|r| match add_action(s, r) {
            Some(Added::Constraint(c)) => c.references.filter(|p| !cx.created_here(p, s.start)),
            Some(Added::Column(d)) => d.referenced(s).filter(|p| !cx.created_here(p, s.start)),
            None => None,
        })?;
        return lock(
            "ALTER TABLE ... ADD FOREIGN KEY",
            SHARE_ROW_EXCLUSIVE,
            Some(parent),
        );
    }
    let mut mode: Option<&'static str> = None;
    for r in &acts {
        let w = |k: usize| s.word(r.start + k);
        let has = |seq: &[&str]| (r.start..r.end).any(|k| s.words_at(k, seq));
        let this = match add_action(s, r) {
            Some(Added::Constraint(c)) if c.kind == "FOREIGN KEY" => Some(SHARE_ROW_EXCLUSIVE),
            _ if has(&["VALIDATE", "CONSTRAINT"]) && w(0) == "VALIDATE" => None,
            _ if w(0) == "ATTACH" => None,
            _ if w(0) == "DETACH" && (has(&["CONCURRENTLY"]) || has(&["FINALIZE"])) => None,
            _ if w(0) == "ALTER" && has(&["SET", "STATISTICS"]) => None,
            _ if matches!(w(0), "ENABLE" | "DISABLE") && w(1) == "TRIGGER" => {
                Some(SHARE_ROW_EXCLUSIVE)
            }
            _ => Some(ACCESS_EXCLUSIVE),
        };
        mode = match (mode, this) {
            (Some(ACCESS_EXCLUSIVE), _) | (_, Some(ACCESS_EXCLUSIVE)) => Some(ACCESS_EXCLUSIVE),
            (m, None) => m,
            (_, t) => t,
        };
    }
    lock("ALTER TABLE", mode?, Some(table))
}

/// Whether a view, materialized view, sequence or domain named `name` is created by
/// this body before `at`.
fn created_in_body(cx: &Context<'_>, name: &str, at: usize) -> bool {
    let q = qualify(name);
    cx.body_stmts().take_while(|s| s.start < at).any(|s| {
        if s.word(0) != "CREATE" {
            return false;
        }
        let mut i = 1;
        while matches!(
            s.word(i),
            "OR" | "REPLACE" | "MATERIALIZED" | "TEMP" | "TEMPORARY" | "UNLOGGED"
        ) {
            i += 1;
        }
        matches!(s.word(i), "VIEW" | "SEQUENCE" | "DOMAIN")
            && name_after_if_not_exists(s, i + 1).is_some_and(|n| qualify(&n) == q)
    })
}

fn name_after_if_not_exists(s: &Stmt, i: usize) -> Option<String> {
    name(s, skip_if(s, i, &["IF", "NOT", "EXISTS"]))
}
