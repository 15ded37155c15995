//! The catch-up script: SQL that makes the actual side match the expected
//! one, as one unified script. Every statement checks
//! before it changes (IF NOT EXISTS, a DO block reading the catalogs, or a
//! statement that is a no-op the second time), so running the script twice
//! changes nothing the second time. Nothing is dropped unless the caller
//! allows it; each statement that locks, rewrites or deletes carries a
//! `-- RISK:` comment. What the script cannot do is listed at its end.

use std::collections::{BTreeMap, BTreeSet};

use super::{diff, Change, Finding, Model, Obj, Options, Src};
use crate::schema::catalog::{Catalog, RelKind, TypeKind};
use crate::schema::render::{self, guarded, literal, Kind, Quoter};

pub struct Script {
    pub text: String,
    /// Findings the script fixes.
    pub fixed: usize,
    /// Findings it leaves, as `id: what`.
    pub left: Vec<String>,
}

/// What the script is written for, for its header.
pub struct Labels<'a> {
    /// The side the script changes (`the database postgresql://...`).
    pub actual: &'a str,
    /// The side it is made to match (`the migrations (01-10)`).
    pub expected: &'a str,
}

#[derive(Default)]
struct Out {
    sections: BTreeMap<u8, Vec<String>>,
    /// Drops, by (reverse creation order, part before whole).
    drops: Vec<((std::cmp::Reverse<usize>, u8), String)>,
    fixed: BTreeSet<(String, String)>,
}

impl Out {
    fn push(&mut self, section: u8, sql: String) {
        self.sections.entry(section).or_default().push(sql);
    }

    fn fix(&mut self, f: &Finding) {
        self.fixed.insert((f.id.clone(), f.aspect.clone()));
    }
}

// Sections, in the order they run. Enum values first: a table created
// below may use a new value in a default or a check.
const ENUM_VALUES: u8 = 0;
const CREATE: u8 = 1;
const COLUMNS: u8 = 2;
/// Primary keys, unique and exclusion constraints: foreign keys need them.
const KEYS: u8 = 3;
const INDEXES: u8 = 4;
/// Foreign keys and checks, after the keys and unique indexes they use.
const CONSTRAINTS: u8 = 5;
const LATER: u8 = 6;
const TABLE_SETTINGS: u8 = 7;
const DROPS: u8 = 8;
const KEPT: u8 = 9;

fn section_title(s: u8) -> &'static str {
    match s {
        CREATE => "Missing schemas, extensions, types, sequences, functions and tables",
        ENUM_VALUES => "Enum values",
        KEYS => "Primary keys, unique and exclusion constraints",
        COLUMNS => "Columns: missing ones, then type, default and nullability",
        CONSTRAINTS => "Foreign keys and checks (NOT VALID, then VALIDATE)",
        INDEXES => "Indexes",
        LATER => "Views, functions, triggers and policies",
        TABLE_SETTINGS => "Row level security and comments",
        DROPS => "Drops (--allow-drop): what only the database has",
        _ => "Kept: what only the database has (--allow-drop drops it)",
    }
}

/// The order drops run in: what depends on others first.
fn drop_rank(kind: &str) -> u8 {
    match kind {
        "policy" => 0,
        "trigger" => 1,
        "view" | "materialized view" => 2,
        "function" | "procedure" => 3,
        "constraint" => 4,
        "index" => 5,
        "column" => 6,
        "table" => 7,
        "sequence" => 8,
        "type" => 9,
        "extension" => 10,
        _ => 11,
    }
}

/// `(SELECT ... attribute of column c of table qn)`.
fn attribute(qn: &str, column: &str, what: &str) -> String {
    format!(
        "SELECT {what} FROM pg_catalog.pg_attribute a WHERE a.attrelid = {}::regclass AND a.attname = {} AND NOT a.attisdropped",
        literal(qn),
        literal(column)
    )
}

/// `DO` block running `then` unless `done` (a condition on the catalogs)
/// holds already.
fn unless(done: &str, then: &str) -> String {
    guarded(&format!("SELECT 1 WHERE {done}"), then)
}

/// Writes the script that makes `actual` match `expected`.
pub fn catch_up(
    expected: &Catalog,
    actual: &Catalog,
    opts: &Options,
    allow_drop: bool,
    labels: &Labels,
) -> Script {
    let e = Model::new(expected, opts);
    let a = Model::new(actual, opts);
    let findings: Vec<Finding> = diff(&e, &a)
        .into_iter()
        .filter(|f| f.noise.is_none())
        .collect();
    let q = Quoter::new(&expected.keywords);
    let mut out = Out::default();

    // Whole objects the expected side has and the actual side lacks come
    // from sync's renderer, in its dependency order.
    let missing: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.change == Change::Missing)
        .map(|f| f.id.as_str())
        .collect();
    let (units, _) = render::units(expected);
    let unit_id = |u: &render::Unit| format!("{} {}", u.key.kind.label(), u.key.qualified);
    let unit_sql: std::collections::HashMap<String, String> =
        units.iter().map(|u| (unit_id(u), u.sql.clone())).collect();
    // Parts of a missing table (its foreign keys, indexes, triggers,
    // policies) are not findings of their own but come with it.
    let wanted: Vec<render::Unit> = units
        .into_iter()
        .filter(|u| {
            missing.contains(unit_id(u).as_str())
                || u.parent.as_ref().is_some_and(|p| {
                    missing.contains(format!("{} {}", p.kind.label(), p.qualified).as_str())
                })
        })
        .collect();
    let (ordered, _) = render::order(wanted, |_| String::new());
    let mut rendered: BTreeSet<String> = BTreeSet::new();
    for (_, u) in ordered {
        let id = unit_id(&u);
        let table_missing = u
            .parent
            .as_ref()
            .is_some_and(|p| missing.contains(format!("table {}", p.qualified).as_str()));
        let section = match u.key.kind {
            Kind::Schema
            | Kind::Extension
            | Kind::Type
            | Kind::Sequence
            | Kind::Function
            | Kind::Procedure
            | Kind::Table => CREATE,
            Kind::Index => INDEXES,
            // A constraint of an existing table is added NOT VALID below.
            Kind::Constraint if !table_missing => continue,
            Kind::Constraint => CONSTRAINTS,
            Kind::View | Kind::MaterializedView | Kind::Trigger | Kind::Policy => LATER,
        };
        out.push(section, format!("-- {id}\n{}", u.sql));
        rendered.insert(id);
    }

    // Drops run in the reverse of the order the actual side's objects
    // would be created in, so that what depends on an object goes first.
    let (a_units, _) = render::units(actual);
    let (a_ordered, _) = render::order(a_units, |_| String::new());
    let position: std::collections::HashMap<String, usize> = a_ordered
        .iter()
        .enumerate()
        .map(|(i, (_, u))| (unit_id(u), i))
        .collect();
    // A table goes after the last of its own parts (its foreign keys come
    // after the tables they reference).
    let mut last_part: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, (_, u)) in a_ordered.iter().enumerate() {
        if let Some(p) = &u.parent {
            let e = last_part
                .entry(format!("{} {}", p.kind.label(), p.qualified))
                .or_insert(i);
            *e = (*e).max(i);
        }
    }
    let drop_key = |f: &Finding| -> (std::cmp::Reverse<usize>, u8) {
        match position.get(&f.id) {
            Some(p) => (
                std::cmp::Reverse((*p).max(last_part.get(&f.id).copied().unwrap_or(0))),
                1,
            ),
            None => (
                std::cmp::Reverse(
                    f.table
                        .as_ref()
                        .and_then(|t| position.get(&format!("table {t}")))
                        .copied()
                        .unwrap_or(0),
                ),
                0,
            ),
        }
    };
    let extra_tables: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.change == Change::Extra && f.kind == "table")
        .map(|f| f.id.clone())
        .collect();
    let missing_table = |table: &Option<String>| {
        table
            .as_ref()
            .is_some_and(|t| missing.contains(format!("table {t}").as_str()))
    };

    // A column's type before its default and nullability: the default is
    // set again with the new type, and NULLs are filled with it.
    let mut in_order: Vec<&Finding> = findings.iter().collect();
    in_order.sort_by_key(|f| (f.id.clone(), f.aspect != "type"));
    for f in in_order {
        let eo = e.objects.get(&f.id);
        let ao = a.objects.get(&f.id);
        match f.change {
            Change::Missing => {
                if rendered.contains(&f.id) {
                    // A sequence's OWNED BY is rendered with its table: when
                    // the table exists, say it here.
                    if let Some(owner) = eo.and_then(|o| o.aspects.get("owned by")) {
                        let table = owner.rsplit_once('.').map_or("", |(t, _)| t);
                        if f.kind == "sequence"
                            && !missing.contains(format!("table {table}").as_str())
                        {
                            out.push(
                                TABLE_SETTINGS,
                                format!(
                                    "-- {}\nALTER SEQUENCE {} OWNED BY {owner};\n",
                                    f.id,
                                    eo.map_or("", |o| o.name.as_str())
                                ),
                            );
                        }
                    }
                    out.fix(f);
                    continue;
                }
                // Parts of a table the script creates come with it.
                if missing_table(&f.table) {
                    out.fix(f);
                    continue;
                }
                if let Some(eo) = eo {
                    if missing_part(&q, f, eo, &mut out) {
                        out.fix(f);
                    }
                }
            }
            Change::Extra => {
                if let Some(ao) = ao {
                    extra(&q, f, ao, allow_drop, &extra_tables, drop_key(f), &mut out);
                }
            }
            Change::Changed => {
                if let (Some(eo), Some(ao)) = (eo, ao) {
                    if changed(&q, f, eo, ao, allow_drop, actual, &unit_sql, &mut out) {
                        out.fix(f);
                    }
                }
            }
        }
    }

    let left: Vec<String> = findings
        .iter()
        .filter(|f| !out.fixed.contains(&(f.id.clone(), f.aspect.clone())))
        .map(|f| format!("{}: {}", f.id, f.what()))
        .collect();
    let fixed = findings.len() - left.len();

    let mut text = format!(
        "-- Catch-up script written by `cargo xtask migration drift --script` (touchpoint).\n\
         -- It makes {} match {}: {fixed} difference(s) fixed here, {} left (listed at the end).\n\
         -- Every statement checks before it changes: a second run changes nothing.\n\
         -- There is no transaction around it: each statement commits on its own, so after a\n\
         -- failure fix the cause and run the whole script again.\n\
         -- Statements marked RISK lock, rewrite or delete: read them before you run it.\n\
         -- Run it with: psql -X -v ON_ERROR_STOP=1 -d <database> -f <this file>\n\
         \\set ON_ERROR_STOP on\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\n\
         SET standard_conforming_strings = on;\n\
         SET client_min_messages = warning;\n\
         -- On a busy database, uncomment: a statement then fails after 5 s instead of queueing\n\
         -- behind long transactions (and every query queued behind it); run the script again later.\n\
         -- SET lock_timeout = '5s';\n",
        labels.actual,
        labels.expected,
        left.len()
    );
    if !out.drops.is_empty() {
        out.drops.sort();
        let drops = std::mem::take(&mut out.drops);
        out.sections
            .insert(DROPS, drops.into_iter().map(|(_, s)| s).collect());
    }
    for (section, items) in &out.sections {
        let items: Vec<&String> = if *section == KEPT {
            let mut v: Vec<&String> = items.iter().collect();
            v.sort_by_key(|s| {
                let kind = s
                    .strip_prefix("-- ")
                    .and_then(|r| r.split(' ').next())
                    .unwrap_or("");
                let kind = if s.starts_with("-- materialized view") {
                    "view"
                } else {
                    kind
                };
                (drop_rank(kind), (*s).clone())
            });
            v
        } else {
            items.iter().collect()
        };
        text += &format!("\n-- == {} ==\n", section_title(*section));
        for i in items {
            text += "\n";
            text += i;
        }
    }
    if !left.is_empty() {
        text += "\n-- == Left for a person: the script does not change these ==\n";
        for l in &left {
            text += &format!("-- {l}\n");
        }
    }
    Script { text, fixed, left }
}

fn table_of<'a>(o: &'a Obj) -> Option<&'a str> {
    o.table.as_deref()
}

/// A missing part of an existing object: a column, a constraint, an index
/// the renderer skipped. Returns whether the script adds it.
fn missing_part(q: &Quoter, f: &Finding, eo: &Obj, out: &mut Out) -> bool {
    match eo.src {
        Src::Column(r, c) => {
            let qn = q.qualified(&r.schema, &r.name);
            let def = render::column_sql(q, r, c);
            let rewrites = c.identity.is_some()
                || c.generated.is_some()
                || c.default
                    .as_deref()
                    .is_some_and(|d| d.contains('(') && d != "now()");
            let filled = c.default.is_some() || c.identity.is_some() || c.generated.is_some();
            // Without a value to fill existing rows with, NOT NULL comes
            // after, guarded (below).
            let def = if c.not_null && !filled {
                def.strip_suffix(" NOT NULL").unwrap_or(&def).to_string()
            } else {
                def
            };
            let mut sql = format!(
                "-- {}\n{}ALTER TABLE {qn} ADD COLUMN IF NOT EXISTS {def};\n",
                f.id,
                if rewrites {
                    "-- RISK: an identity, a generated expression or a volatile default fills every existing row:\n\
                     -- the table is rewritten under an ACCESS EXCLUSIVE lock (reads and writes wait).\n"
                } else {
                    ""
                }
            );
            if let Some(text) = &c.comment {
                sql += &format!(
                    "COMMENT ON COLUMN {qn}.{} IS {};\n",
                    q.ident(&c.name),
                    literal(text)
                );
            }
            if c.not_null && !filled {
                sql += &set_not_null(q, &qn, &c.name);
            }
            out.push(COLUMNS, sql);
            true
        }
        Src::Constraint(r, c) => {
            let qn = q.qualified(&r.schema, &r.name);
            let name = q.ident(&c.name);
            let def = c.definition.trim_end_matches(" NOT VALID");
            let exists = format!(
                "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND conname = {}",
                literal(&qn),
                literal(&c.name)
            );
            let sql = if matches!(c.kind, 'f' | 'c') {
                let mut s = format!(
                    "-- {}\n{}",
                    f.id,
                    guarded(
                        &exists,
                        &format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {def} NOT VALID;")
                    )
                );
                if c.validated {
                    s += &format!(
                        "-- RISK: VALIDATE reads every row of {qn} (SHARE UPDATE EXCLUSIVE: writes go on) and fails on a row that breaks it.\n\
                         ALTER TABLE {qn} VALIDATE CONSTRAINT {name};\n"
                    );
                }
                s
            } else {
                format!(
                    "-- {}\n-- RISK: builds an index on {qn} under an ACCESS EXCLUSIVE lock and fails on duplicates; on a big table\n\
                     -- build it first with CREATE UNIQUE INDEX CONCURRENTLY and add the constraint USING INDEX.\n{}",
                    f.id,
                    guarded(
                        &exists,
                        &format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {def};")
                    )
                )
            };
            let mut sql = sql;
            if let Some(text) = &c.comment {
                sql += &format!(
                    "COMMENT ON CONSTRAINT {name} ON {qn} IS {};\n",
                    literal(text)
                );
            }
            out.push(
                if matches!(c.kind, 'f' | 'c') {
                    CONSTRAINTS
                } else {
                    KEYS
                },
                sql,
            );
            true
        }
        Src::Index(_, i) if i.valid => {
            let def = render::index_if_not_exists(&i.definition);
            out.push(
                INDEXES,
                format!(
                    "-- {}\n-- RISK: blocks writes to the table while the index builds; on a busy table run it\n\
                     -- by hand as CREATE INDEX CONCURRENTLY first (this statement then does nothing).\n{def};\n",
                    f.id
                ),
            );
            true
        }
        _ => false,
    }
}

/// What only the actual side has: dropped with `allow_drop`, else listed.
fn extra(
    q: &Quoter,
    f: &Finding,
    ao: &Obj,
    allow_drop: bool,
    extra_tables: &BTreeSet<String>,
    drop_key: (std::cmp::Reverse<usize>, u8),
    out: &mut Out,
) {
    // Parts of a table that is only on the actual side go with it.
    if let Some(t) = table_of(ao) {
        let whole = ["table", "view", "materialized view"].contains(&f.kind);
        let foreign_key = matches!(ao.src, Src::Constraint(_, c) if c.kind == 'f');
        if !whole && !foreign_key && extra_tables.contains(&format!("table {t}")) {
            if allow_drop {
                out.fix(f);
            }
            return;
        }
    }
    let (sql, risk) = match ao.src {
        Src::Relation(r) => {
            let qn = q.qualified(&r.schema, &r.name);
            match r.kind {
                RelKind::View => (
                    format!("DROP VIEW IF EXISTS {qn};"),
                    "queries that use the view fail",
                ),
                RelKind::MaterializedView => (
                    format!("DROP MATERIALIZED VIEW IF EXISTS {qn};"),
                    "deletes the view's stored rows; queries that use it fail",
                ),
                _ => (
                    format!("DROP TABLE IF EXISTS {qn};"),
                    "deletes the table and every row in it",
                ),
            }
        }
        Src::Column(r, c) => (
            format!(
                "ALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {};",
                q.qualified(&r.schema, &r.name),
                q.ident(&c.name)
            ),
            "deletes the column's data; code that reads or writes it fails",
        ),
        Src::Constraint(r, c) => (
            format!(
                "ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {};",
                q.qualified(&r.schema, &r.name),
                q.ident(&c.name)
            ),
            "the rule it enforced no longer holds for new rows",
        ),
        Src::Index(r, i) => (
            format!("DROP INDEX IF EXISTS {};", q.qualified(&r.schema, &i.name)),
            "takes an ACCESS EXCLUSIVE lock on the table; queries that used the index get slower",
        ),
        Src::Trigger(r, t) => (
            format!(
                "DROP TRIGGER IF EXISTS {} ON {};",
                q.ident(&t.name),
                q.qualified(&r.schema, &r.name)
            ),
            "what the trigger did stops happening",
        ),
        Src::Policy(r, p) => (
            format!(
                "DROP POLICY IF EXISTS {} ON {};",
                q.ident(&p.name),
                q.qualified(&r.schema, &r.name)
            ),
            "rows the policy let through (or kept out) change",
        ),
        Src::Function(func) => (
            format!(
                "DROP {} IF EXISTS {};",
                if func.kind == 'p' {
                    "PROCEDURE"
                } else {
                    "FUNCTION"
                },
                ao.name
            ),
            "callers of the function fail",
        ),
        Src::Sequence(_) => (
            format!("DROP SEQUENCE IF EXISTS {};", ao.name),
            "defaults that use the sequence fail",
        ),
        Src::Type(_) => (
            format!("DROP TYPE IF EXISTS {};", ao.name),
            "fails while a column uses the type (nothing is dropped with it)",
        ),
        Src::Extension => (
            format!("DROP EXTENSION IF EXISTS {};", ao.name),
            "fails while objects use the extension (nothing is dropped with it)",
        ),
        Src::Schema => (
            format!("DROP SCHEMA IF EXISTS {};", ao.name),
            "fails while the schema holds objects (nothing is dropped with it)",
        ),
    };
    if allow_drop {
        out.drops
            .push((drop_key, format!("-- {}\n-- RISK: {risk}.\n{sql}\n", f.id)));
        out.fix(f);
    } else {
        out.push(KEPT, format!("-- {} (would be: {sql})\n", f.id));
    }
}

/// An aspect of an object both sides have. Returns whether the script
/// changes it.
#[allow(clippy::too_many_arguments)]
fn changed(
    q: &Quoter,
    f: &Finding,
    eo: &Obj,
    ao: &Obj,
    allow_drop: bool,
    actual: &Catalog,
    units: &std::collections::HashMap<String, String>,
    out: &mut Out,
) -> bool {
    if f.aspect == "comment" {
        let target = match eo.src {
            Src::Column(r, c) => format!(
                "COLUMN {}.{}",
                q.qualified(&r.schema, &r.name),
                q.ident(&c.name)
            ),
            Src::Relation(r) => format!(
                "{} {}",
                match r.kind {
                    RelKind::View => "VIEW",
                    RelKind::MaterializedView => "MATERIALIZED VIEW",
                    _ => "TABLE",
                },
                eo.name
            ),
            Src::Index(r, i) => format!("INDEX {}", q.qualified(&r.schema, &i.name)),
            Src::Constraint(r, c) => format!(
                "CONSTRAINT {} ON {}",
                q.ident(&c.name),
                q.qualified(&r.schema, &r.name)
            ),
            Src::Function(func) => format!(
                "{} {}",
                if func.kind == 'p' {
                    "PROCEDURE"
                } else {
                    "FUNCTION"
                },
                eo.name
            ),
            Src::Schema => format!("SCHEMA {}", eo.name),
            Src::Sequence(_) => format!("SEQUENCE {}", eo.name),
            Src::Type(t) => format!(
                "{} {}",
                if matches!(t.kind, TypeKind::Domain { .. }) {
                    "DOMAIN"
                } else {
                    "TYPE"
                },
                eo.name
            ),
            Src::Trigger(r, t) => format!(
                "TRIGGER {} ON {}",
                q.ident(&t.name),
                q.qualified(&r.schema, &r.name)
            ),
            Src::Policy(r, p) => format!(
                "POLICY {} ON {}",
                q.ident(&p.name),
                q.qualified(&r.schema, &r.name)
            ),
            Src::Extension => format!("EXTENSION {}", eo.name),
        };
        let value = f.expected.as_deref().map_or("NULL".to_string(), literal);
        out.push(
            TABLE_SETTINGS,
            format!("-- {}\nCOMMENT ON {target} IS {value};\n", f.id),
        );
        return true;
    }
    if f.aspect == "grants" {
        let (on, want, have) = match (eo.src, ao.src) {
            (Src::Relation(r), Src::Relation(x)) => {
                (format!("TABLE {}", eo.name), &r.grants, &x.grants)
            }
            (Src::Sequence(r), Src::Sequence(x)) => {
                (format!("SEQUENCE {}", eo.name), &r.grants, &x.grants)
            }
            _ => return false,
        };
        // (grantee, privilege) -> with grant option
        let flat = |gs: &[crate::schema::catalog::Grant]| -> BTreeMap<(String, String), bool> {
            gs.iter()
                .flat_map(|g| {
                    g.privileges
                        .iter()
                        .map(move |p| ((g.grantee.clone(), p.clone()), g.with_grant_option))
                })
                .collect()
        };
        let (w, h) = (flat(want), flat(have));
        let mut grants = String::new();
        for ((grantee, privilege), option) in &w {
            if h.get(&(grantee.clone(), privilege.clone())) != Some(option) {
                grants += &format!(
                    "GRANT {privilege} ON {on} TO {grantee}{};\n",
                    if *option { " WITH GRANT OPTION" } else { "" }
                );
            }
        }
        let mut revokes = String::new();
        for ((grantee, privilege), option) in &h {
            match w.get(&(grantee.clone(), privilege.clone())) {
                None => revokes += &format!("REVOKE {privilege} ON {on} FROM {grantee};\n"),
                Some(false) if *option => {
                    revokes +=
                        &format!("REVOKE GRANT OPTION FOR {privilege} ON {on} FROM {grantee};\n")
                }
                _ => {}
            }
        }
        if !grants.is_empty() {
            out.push(TABLE_SETTINGS, format!("-- {}\n{grants}", f.id));
        }
        if revokes.is_empty() {
            return true;
        }
        if allow_drop {
            out.drops.push((
                (std::cmp::Reverse(usize::MAX), 0),
                format!(
                    "-- {}\n-- RISK: roles lose these privileges; what they run with them fails.\n{revokes}",
                    f.id
                ),
            ));
            return true;
        }
        out.push(
            KEPT,
            format!(
                "-- {}: privileges only the database grants (would be: {})\n",
                f.id,
                revokes.trim_end().replace('\n', " ")
            ),
        );
        return false;
    }
    match (eo.src, f.aspect.as_str()) {
        (Src::Column(r, c), "type") => {
            let qn = q.qualified(&r.schema, &r.name);
            let col = q.ident(&c.name);
            let had_default = ao.aspects.contains_key("default");
            let from = ao.aspects.get("type").cloned().unwrap_or_default();
            let using = if from == "timestamp without time zone"
                && c.type_name == "timestamp with time zone"
            {
                format!("{col} AT TIME ZONE 'UTC'")
            } else {
                format!("{col}::{}", c.type_name)
            };
            let mut then = String::new();
            if had_default {
                then += &format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;\n");
            }
            then += &format!(
                "ALTER TABLE {qn} ALTER COLUMN {col} TYPE {} USING {using};",
                c.type_name
            );
            if let Some(d) = &c.default {
                then += &format!("\nALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {d};");
            }
            let tz_note = if using.contains("AT TIME ZONE") {
                "\n-- The old values are read as UTC: if they were written in another time zone, change 'UTC'."
            } else {
                ""
            };
            out.push(
                COLUMNS,
                format!(
                    "-- {}: {from} -> {}\n-- RISK: rewrites {qn} under an ACCESS EXCLUSIVE lock (reads and writes wait) unless the types are\n\
                     -- binary-compatible, and fails if a value does not convert.{tz_note}\n{}",
                    f.id,
                    c.type_name,
                    unless(
                        &format!(
                            "({}) IS NOT DISTINCT FROM {}",
                            attribute(&qn, &c.name, "pg_catalog.format_type(a.atttypid, a.atttypmod)"),
                            literal(&c.type_name)
                        ),
                        &then
                    )
                ),
            );
            true
        }
        (Src::Column(r, c), "default") => {
            // A type change above sets the default with the new type.
            if ao.aspects.get("type") != eo.aspects.get("type") {
                return true;
            }
            let qn = q.qualified(&r.schema, &r.name);
            let col = q.ident(&c.name);
            let sql = match &c.default {
                Some(d) => format!("ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {d};"),
                None => format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;"),
            };
            out.push(COLUMNS, format!("-- {}\n{sql}\n", f.id));
            true
        }
        (Src::Column(r, c), "not null") => {
            let qn = q.qualified(&r.schema, &r.name);
            let col = q.ident(&c.name);
            let sql = if c.not_null {
                let fill = match &c.default {
                    Some(_) => format!(
                        "-- Rows holding NULL get the column's default first.\n\
                         -- RISK: updates those rows (row locks; on a big table, batch it by hand first).\n\
                         UPDATE {qn} SET {col} = DEFAULT WHERE {col} IS NULL;\n"
                    ),
                    None => String::new(),
                };
                format!("{fill}{}", set_not_null(q, &qn, &c.name))
            } else {
                format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP NOT NULL;\n")
            };
            out.push(COLUMNS, format!("-- {}\n{sql}", f.id));
            true
        }
        (Src::Sequence(sq), "options") => {
            let o = &sq.options;
            out.push(
                COLUMNS,
                format!(
                    "-- {}\nALTER SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {};\n",
                    f.id,
                    eo.name,
                    o.data_type,
                    o.increment,
                    o.min,
                    o.max,
                    o.start,
                    o.cache,
                    if o.cycle { "CYCLE" } else { "NO CYCLE" }
                ),
            );
            true
        }
        (Src::Sequence(_), "owned by") => {
            let owner = eo
                .aspects
                .get("owned by")
                .cloned()
                .unwrap_or_else(|| "NONE".to_string());
            out.push(
                TABLE_SETTINGS,
                format!(
                    "-- {}\nALTER SEQUENCE {} OWNED BY {owner};\n",
                    f.id, eo.name
                ),
            );
            true
        }
        (Src::Column(r, c), "identity options") => {
            let Some((_, _, o)) = &c.identity_sequence else {
                return false;
            };
            out.push(
                COLUMNS,
                format!(
                    "-- {}\nALTER TABLE {} ALTER COLUMN {} SET INCREMENT BY {} SET MINVALUE {} SET MAXVALUE {} SET START WITH {} SET CACHE {} SET {};\n",
                    f.id,
                    q.qualified(&r.schema, &r.name),
                    q.ident(&c.name),
                    o.increment,
                    o.min,
                    o.max,
                    o.start,
                    o.cache,
                    if o.cycle { "CYCLE" } else { "NO CYCLE" }
                ),
            );
            true
        }
        (Src::Type(t), "values") => enum_values(q, f, t, ao, allow_drop, actual, out),
        (Src::Constraint(r, c), "validated") if c.validated => {
            let qn = q.qualified(&r.schema, &r.name);
            out.push(
                CONSTRAINTS,
                format!(
                    "-- {}\n-- RISK: reads every row of {qn} and fails on a row that breaks it.\nALTER TABLE {qn} VALIDATE CONSTRAINT {};\n",
                    f.id,
                    q.ident(&c.name)
                ),
            );
            true
        }
        (Src::Constraint(r, c), "definition" | "type") if allow_drop => {
            let qn = q.qualified(&r.schema, &r.name);
            let name = q.ident(&c.name);
            let def = c.definition.trim_end_matches(" NOT VALID");
            let differs = format!(
                "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND conname = {} AND pg_catalog.pg_get_constraintdef(oid) <> {}",
                literal(&qn),
                literal(&c.name),
                literal(&c.definition)
            );
            let checked_later = matches!(c.kind, 'f' | 'c');
            let mut sql = format!(
                "-- {}\n-- RISK: replaces the constraint{}.\n{}",
                f.id,
                if checked_later {
                    ": between the two statements the old rule is gone"
                } else {
                    ": builds its index under an ACCESS EXCLUSIVE lock and fails on duplicates"
                },
                unless(
                    &format!("NOT EXISTS ({differs})"),
                    &format!(
                        "ALTER TABLE {qn} DROP CONSTRAINT {name};\nALTER TABLE {qn} ADD CONSTRAINT {name} {def}{};",
                        if checked_later { " NOT VALID" } else { "" }
                    )
                )
            );
            if c.validated && checked_later {
                sql += &format!("ALTER TABLE {qn} VALIDATE CONSTRAINT {name};\n");
            }
            out.push(if checked_later { CONSTRAINTS } else { KEYS }, sql);
            true
        }
        (Src::Index(r, i), "definition") if allow_drop => {
            let iq = q.qualified(&r.schema, &i.name);
            let differs = format!(
                "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND pg_catalog.pg_get_indexdef(c.oid) <> {}",
                literal(&r.schema),
                literal(&i.name),
                literal(&i.definition)
            );
            let def = render::index_if_not_exists(&i.definition);
            out.push(
                INDEXES,
                format!(
                    "-- {}\n-- RISK: drops and rebuilds the index; the table's writes wait while it builds.\n{}{def};\n",
                    f.id,
                    unless(&format!("NOT EXISTS ({differs})"), &format!("DROP INDEX {iq};"))
                ),
            );
            true
        }
        (Src::Relation(r), "definition") if allow_drop => {
            let what = if r.kind == RelKind::View {
                "VIEW"
            } else {
                "MATERIALIZED VIEW"
            };
            let Some(unit) = units.get(&f.id) else {
                return false;
            };
            let def = r.view_definition.as_deref().unwrap_or_default();
            let done = format!(
                "pg_catalog.pg_get_viewdef({}::regclass) = {}",
                literal(&eo.name),
                literal(def)
            );
            out.push(
                LATER,
                format!(
                    "-- {}\n-- RISK: drops and re-creates the {}: a view that uses it makes this fail (nothing changes then).\n{}{}",
                    f.id,
                    what.to_lowercase(),
                    unless(&done, &format!("DROP {what} {};", eo.name)),
                    unit
                ),
            );
            true
        }
        (Src::Function(func), "definition") if allow_drop => {
            let kind = if func.kind == 'p' {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            // By name and identity arguments: `::regprocedure` does not take
            // argument names.
            let current = format!(
                "(SELECT pg_catalog.regexp_replace(pg_catalog.pg_get_functiondef(p.oid), '[\\s;]+$', '') FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = {} AND p.proname = {} AND pg_catalog.pg_get_function_identity_arguments(p.oid) = {})",
                literal(&func.schema),
                literal(&func.name),
                literal(&func.identity_arguments)
            );
            let create = literal(&func.definition);
            let then = format!(
                "BEGIN\n    EXECUTE {create};\nEXCEPTION WHEN invalid_function_definition THEN\n    -- a new return type or argument names: CREATE OR REPLACE cannot\n    EXECUTE {};\n    EXECUTE {create};\nEND;",
                literal(&format!("DROP {kind} {}", eo.name))
            );
            out.push(
                LATER,
                format!(
                    "-- {}\n-- RISK: replaces the {}; when its return type or argument names changed it is dropped first, and what uses it makes that fail.\n{}",
                    f.id,
                    kind.to_lowercase(),
                    unless(&format!("{current} = {}", literal(&func.definition)), &then)
                ),
            );
            true
        }
        (Src::Relation(r), "definition") if r.kind == RelKind::View => {
            let (opts, check) = render::view_options(&r.options);
            out.push(
                LATER,
                format!(
                    "-- {}\n-- RISK: fails when the new definition drops or retypes a column the old one had (then drop the view first).\n\
                     CREATE OR REPLACE VIEW {}{opts} AS\n{}{check};\n",
                    f.id,
                    eo.name,
                    r.view_definition
                        .as_deref()
                        .unwrap_or_default()
                        .trim_end()
                        .trim_end_matches(';')
                ),
            );
            true
        }
        (Src::Function(func), "definition") => {
            out.push(
                LATER,
                format!(
                    "-- {}\n-- RISK: fails when the return type changed (then drop the function first).\n{};\n",
                    f.id, func.definition
                ),
            );
            true
        }
        (Src::Trigger(r, t), "definition") if allow_drop => {
            let qn = q.qualified(&r.schema, &r.name);
            let differs = format!(
                "SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {}::regclass AND tgname = {} AND pg_catalog.pg_get_triggerdef(oid) <> {}",
                literal(&qn),
                literal(&t.name),
                literal(&t.definition)
            );
            let exists = format!(
                "SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {}::regclass AND tgname = {}",
                literal(&qn),
                literal(&t.name)
            );
            out.push(
                LATER,
                format!(
                    "-- {}\n-- RISK: replaces the trigger.\n{}{}",
                    f.id,
                    unless(
                        &format!("NOT EXISTS ({differs})"),
                        &format!("DROP TRIGGER {} ON {qn};", q.ident(&t.name))
                    ),
                    guarded(&exists, &format!("{};", t.definition))
                ),
            );
            true
        }
        (Src::Policy(r, p), "using" | "with check" | "roles") => {
            let qn = q.qualified(&r.schema, &r.name);
            let mut sql = format!("ALTER POLICY {} ON {qn}", q.ident(&p.name));
            sql += &format!(
                " TO {}",
                if p.roles.is_empty() {
                    "PUBLIC".to_string()
                } else {
                    p.roles.join(", ")
                }
            );
            if let Some(u) = &p.using {
                sql += &format!(" USING ({u})");
            }
            if let Some(w) = &p.with_check {
                sql += &format!(" WITH CHECK ({w})");
            }
            out.push(LATER, format!("-- {}\n{sql};\n", f.id));
            true
        }
        (Src::Relation(r), "row level security") => {
            let qn = q.qualified(&r.schema, &r.name);
            let verb = if r.row_security { "ENABLE" } else { "DISABLE" };
            out.push(
                TABLE_SETTINGS,
                format!("-- {}\nALTER TABLE {qn} {verb} ROW LEVEL SECURITY;\n", f.id),
            );
            true
        }
        (Src::Relation(r), "forced row level security") => {
            let qn = q.qualified(&r.schema, &r.name);
            let verb = if r.force_row_security {
                "FORCE"
            } else {
                "NO FORCE"
            };
            out.push(
                TABLE_SETTINGS,
                format!("-- {}\nALTER TABLE {qn} {verb} ROW LEVEL SECURITY;\n", f.id),
            );
            true
        }
        _ => false,
    }
}

/// An enum's values: missing ones added in place (ADD VALUE IF NOT EXISTS
/// BEFORE / AFTER a neighbour); extra ones or another order need the type
/// rebuilt, which only `allow_drop` does.
#[allow(clippy::too_many_arguments)]
fn enum_values(
    q: &Quoter,
    f: &Finding,
    t: &crate::schema::catalog::Type,
    ao: &Obj,
    allow_drop: bool,
    actual: &Catalog,
    out: &mut Out,
) -> bool {
    let TypeKind::Enum { labels: want } = &t.kind else {
        return false;
    };
    let have: Vec<String> = match ao.src {
        Src::Type(at) => match &at.kind {
            TypeKind::Enum { labels } => labels.clone(),
            _ => return false,
        },
        _ => return false,
    };
    let qn = q.qualified(&t.schema, &t.name);
    let mut present: Vec<String> = have.clone();
    let mut adds = String::new();
    for (i, label) in want.iter().enumerate() {
        if present.contains(label) {
            continue;
        }
        let after = want[..i].iter().rev().find(|l| present.contains(l));
        let before = want[i + 1..].iter().find(|l| present.contains(l));
        let place = match (after, before) {
            (Some(a), _) => format!(" AFTER {}", literal(a)),
            (None, Some(b)) => format!(" BEFORE {}", literal(b)),
            (None, None) => String::new(),
        };
        adds += &format!(
            "ALTER TYPE {qn} ADD VALUE IF NOT EXISTS {}{place};\n",
            literal(label)
        );
        let at = match after {
            Some(a) => present
                .iter()
                .position(|l| l == a)
                .map_or(present.len(), |p| p + 1),
            None => before
                .and_then(|b| present.iter().position(|l| l == b))
                .unwrap_or(present.len()),
        };
        present.insert(at, label.clone());
    }
    if !adds.is_empty() {
        out.push(ENUM_VALUES, format!("-- {}\n{adds}", f.id));
    }
    if present == *want {
        return true;
    }
    let removed: Vec<String> = present
        .iter()
        .filter(|l| !want.contains(l))
        .map(|l| literal(l))
        .collect();
    if !allow_drop {
        out.push(
            KEPT,
            format!(
                "-- {}: the database's enum has {} (values {} / another order); rebuilding the type needs --allow-drop\n",
                f.id,
                present.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", "),
                if removed.is_empty() { "in".to_string() } else { removed.join(", ") }
            ),
        );
        return false;
    }
    // The columns are found when the script runs, so that tables it
    // created above, and columns added since it was written, are converted
    // too. A domain or composite type over the enum makes DROP TYPE fail
    // and the whole block changes nothing.
    let old = q.qualified(&t.schema, &format!("{}__touchpoint_old", t.name));
    let labels = want
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(", ");
    let current = format!(
        "SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = {}::regtype",
        literal(&qn)
    );
    let users: Vec<String> = actual
        .relations
        .iter()
        .flat_map(|r| {
            let rq = q.qualified(&r.schema, &r.name);
            r.columns
                .iter()
                .filter(|c| c.type_name == qn || c.type_name == format!("{qn}[]"))
                .map(move |c| format!("{rq}.{}", q.ident(&c.name)))
        })
        .collect();
    let block = format!(
        "DO $do$\nDECLARE\n    col record;\nBEGIN\n    IF ({current}) IS NOT DISTINCT FROM ARRAY[{labels}]::text[] THEN\n        RETURN;\n    END IF;\n\
         \x20   ALTER TYPE {qn} RENAME TO {old_name};\n    CREATE TYPE {qn} AS ENUM ({labels});\n\
         \x20   FOR col IN\n        SELECT a.attrelid::regclass::text AS tbl, pg_catalog.quote_ident(a.attname) AS name,\n\
         \x20              a.atttypid = {old_lit}::regtype AS scalar, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS def\n\
         \x20         FROM pg_catalog.pg_attribute a\n\
         \x20         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')\n\
         \x20         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n\
         \x20        WHERE a.atttypid IN ({old_lit}::regtype, {old_array}::regtype) AND NOT a.attisdropped AND a.attinhcount = 0\n\
         \x20   LOOP\n\
         \x20       IF col.def IS NOT NULL THEN\n\
         \x20           EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', col.tbl, col.name);\n\
         \x20       END IF;\n\
         \x20       EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s', col.tbl, col.name,\n\
         \x20           CASE WHEN col.scalar THEN {qn_lit} ELSE {qn_array} END, col.name,\n\
         \x20           CASE WHEN col.scalar THEN '' ELSE '[]' END, CASE WHEN col.scalar THEN {qn_lit} ELSE {qn_array} END);\n\
         \x20       IF col.def IS NOT NULL THEN\n\
         \x20           EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', col.tbl, col.name,\n\
         \x20               pg_catalog.replace(col.def, {old_lit}, {qn_lit}));\n\
         \x20       END IF;\n\
         \x20   END LOOP;\n    DROP TYPE {old};\nEND\n$do$;\n",
        old_name = q.ident(&format!("{}__touchpoint_old", t.name)),
        old_lit = literal(&old),
        old_array = literal(&format!("{old}[]")),
        qn_lit = literal(&qn),
        qn_array = literal(&format!("{qn}[]")),
    );
    out.push(
        ENUM_VALUES,
        format!(
            "-- {}: rebuilt without {}{}\n-- RISK: rewrites every table with a column of the type (now: {}) under ACCESS EXCLUSIVE locks;\n\
             -- a row holding a removed value makes the conversion fail (nothing changes then): map those rows to a kept value first.\n{block}",
            f.id,
            if removed.is_empty() { "the old order".to_string() } else { removed.join(", ") },
            if removed.is_empty() { "" } else { " and in the migrations' order" },
            if users.is_empty() { "no column".to_string() } else { users.join(", ") },
        ),
    );
    true
}

/// `SET NOT NULL`, only when no row holds NULL: otherwise a warning, the
/// script goes on, and drift still reports the column.
fn set_not_null(q: &Quoter, qn: &str, column: &str) -> String {
    let col = q.ident(column);
    format!(
        "-- RISK: SET NOT NULL scans {qn} under an ACCESS EXCLUSIVE lock. While a row holds NULL it is\n\
         -- skipped with a warning: fill those rows, then run the script again.\n\
         DO $do$\nBEGIN\n    IF EXISTS (SELECT 1 FROM {qn} WHERE {col} IS NULL) THEN\n        \
         RAISE WARNING 'left: % holds NULL in some rows; fill them, then run the script again', {};\n    \
         ELSE\n        ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;\n    END IF;\nEND\n$do$;\n",
        literal(&format!("{qn}.{col}"))
    )
}
