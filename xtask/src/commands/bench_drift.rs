//! The data behind `bench drift`: two generated schemas that differ in a
//! known list of planted ways, and the mapping of both tools' output (drift's
//! findings, migra's statements) onto one set of object names so that what
//! each found can be compared.
//!
//! Object names are `class schema.name` with these classes: `table`,
//! `column schema.table.column`, `index schema.index` (index names are unique
//! per schema, and migra's `drop index` names no table), `constraint
//! schema.table.name` (checks, keys, foreign keys), `type`, `view`, `function
//! schema.name` (arguments left out), `trigger schema.table.name`,
//! `sequence`; anything else keeps its own words.

use std::collections::BTreeSet;

use crate::drift::Finding;
use crate::sql::lexer::TokenKind;

/// One planted difference: what B has that A has not, or the other way.
#[derive(Debug, Clone)]
pub struct Plant {
    /// What kind of difference, for the report (`missing column` ...).
    pub what: &'static str,
    /// The object it is about, in the canonical form above.
    pub object: String,
    /// The SQL that makes B differ, run after B's schema is loaded.
    pub sql: String,
}

/// The pair: A's SQL, B's SQL (B's own schema script plus the plants).
pub struct Pair {
    pub a: String,
    pub b: String,
    pub planted: Vec<Plant>,
}

/// The fewest tables the plants fit into.
pub const MIN_TABLES: usize = 100;

/// How many of each kind, in the order they are spread over the tables.
/// 44 table-level plants; with the enum, two tables, a view, a function and
/// a trigger: 50.
const TABLE_PLANTS: &[(&str, usize)] = &[
    ("missing column", 6),
    ("extra column", 5),
    ("column type", 6),
    ("nullability", 5),
    ("default", 5),
    ("missing index", 4),
    ("extra index", 4),
    ("missing foreign key", 4),
    ("missing check constraint", 4),
    ("extra check constraint", 1),
];

/// What the drift benchmark adds to `bench::generated_schema` (the `sync`
/// benchmark's schema): more columns on every table (a nullable text, an
/// integer with a default, a timestamptz), an enum used by every hundredth
/// table, a trigger on every tenth table, and a standalone table.
fn extras(tables: usize, priority_values: &str) -> String {
    let mut sql = format!("CREATE TYPE bench.priority AS ENUM ({priority_values});\n");
    sql += "CREATE FUNCTION bench.touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$$;\n";
    for t in 0..tables {
        sql += &format!(
            "ALTER TABLE bench.t{t} ADD COLUMN note text, ADD COLUMN qty integer NOT NULL DEFAULT 0, ADD COLUMN closed_at timestamptz, ADD COLUMN updated_at timestamptz;\n"
        );
        if t % 100 == 3 {
            sql += &format!(
                "ALTER TABLE bench.t{t} ADD COLUMN priority bench.priority NOT NULL DEFAULT 'normal';\n"
            );
        }
        if t % 10 == 0 {
            sql += &format!(
                "CREATE TRIGGER t{t}_touch BEFORE UPDATE ON bench.t{t} FOR EACH ROW EXECUTE FUNCTION bench.touch();\n"
            );
        }
    }
    sql += "CREATE TABLE bench.legacy_import (\n  id bigint PRIMARY KEY,\n  payload jsonb NOT NULL,\n  imported_at timestamptz NOT NULL DEFAULT now()\n);\n";
    sql
}

/// Schema A and schema B = A with 50 planted differences, for `tables`
/// generated tables (at least [`MIN_TABLES`]).
pub fn pair(tables: usize) -> Pair {
    assert!(tables >= MIN_TABLES);
    let base = super::bench::generated_schema(tables);
    let a = format!("{base}{}", extras(tables, "'low', 'normal', 'high'"));
    let mut b = format!("{base}{}", extras(tables, "'low', 'normal', 'urgent'"));

    // Tables the table-level plants may touch: not the first (no foreign
    // key), not the last, none with a view or function (t % 10 == 9) or a
    // trigger (t % 10 == 0), none with the enum column.
    let candidates: Vec<usize> = (1..tables - 1)
        .filter(|t| !matches!(t % 10, 0 | 9) && t % 100 != 3)
        .collect();
    let kinds: Vec<&'static str> = TABLE_PLANTS
        .iter()
        .flat_map(|&(what, n)| std::iter::repeat_n(what, n))
        .collect();
    let n = kinds.len();
    // Evenly spaced tables, dealt to the kinds with a stride coprime with
    // their count so that every kind is spread over the whole range.
    let slots: Vec<usize> = (0..n)
        .map(|j| candidates[j * candidates.len() / n])
        .collect();
    let stride = (7..).find(|s| gcd(*s, n) == 1).unwrap();
    let mut planted = Vec::new();
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    for (k, what) in kinds.iter().enumerate() {
        let t = slots[(k * stride) % n];
        let i = {
            let c = seen.entry(what).or_default();
            *c += 1;
            *c - 1
        };
        let col = |c: &str| format!("column bench.t{t}.{c}");
        let (object, sql) = match *what {
            "missing column" => (
                col("note"),
                format!("ALTER TABLE bench.t{t} DROP COLUMN note;"),
            ),
            "extra column" => (
                col("legacy_ref"),
                format!("ALTER TABLE bench.t{t} ADD COLUMN legacy_ref text;"),
            ),
            "column type" if i < 4 => (
                col("closed_at"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN closed_at TYPE timestamp;"),
            ),
            "column type" => (
                col("qty"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN qty TYPE bigint;"),
            ),
            "nullability" if i < 2 => (
                col("code"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN code DROP NOT NULL;"),
            ),
            "nullability" => (
                col("note"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN note SET NOT NULL;"),
            ),
            "default" if i < 2 => (
                col("qty"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN qty SET DEFAULT 1;"),
            ),
            "default" if i < 4 => (
                col("qty"),
                format!("ALTER TABLE bench.t{t} ALTER COLUMN qty DROP DEFAULT;"),
            ),
            "default" => (
                col("created_at"),
                format!(
                    "ALTER TABLE bench.t{t} ALTER COLUMN created_at SET DEFAULT clock_timestamp();"
                ),
            ),
            "missing index" => (
                format!("index bench.t{t}_state_created"),
                format!("DROP INDEX bench.t{t}_state_created;"),
            ),
            "extra index" => (
                format!("index bench.t{t}_parent"),
                format!("CREATE INDEX t{t}_parent ON bench.t{t} (parent_id);"),
            ),
            "missing foreign key" => (
                format!("constraint bench.t{t}.t{t}_parent_id_fkey"),
                format!("ALTER TABLE bench.t{t} DROP CONSTRAINT t{t}_parent_id_fkey;"),
            ),
            "missing check constraint" => (
                format!("constraint bench.t{t}.t{t}_amount_check"),
                format!("ALTER TABLE bench.t{t} DROP CONSTRAINT t{t}_amount_check;"),
            ),
            "extra check constraint" => (
                format!("constraint bench.t{t}.t{t}_qty_positive"),
                format!(
                    "ALTER TABLE bench.t{t} ADD CONSTRAINT t{t}_qty_positive CHECK (qty >= 0);"
                ),
            ),
            other => unreachable!("no plant for {other}"),
        };
        planted.push(Plant { what, object, sql });
    }

    // The schema-level plants.
    planted.push(Plant {
        what: "enum values (missing 'high', extra 'urgent')",
        object: "type bench.priority".into(),
        // B's enum is generated with other values; nothing to run.
        sql: String::new(),
    });
    planted.push(Plant {
        what: "missing table",
        object: "table bench.legacy_import".into(),
        sql: "DROP TABLE bench.legacy_import;".into(),
    });
    planted.push(Plant {
        what: "extra table",
        object: "table bench.hotfix_log".into(),
        sql: "CREATE TABLE bench.hotfix_log (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  table_name text NOT NULL,\n  fixed_at timestamptz NOT NULL DEFAULT now()\n);".into(),
    });
    let tens = tables / 10;
    let v = 10 * (tens / 3) + 9;
    planted.push(Plant {
        what: "changed view",
        object: format!("view bench.v{v}"),
        sql: format!("CREATE OR REPLACE VIEW bench.v{v} AS SELECT id, code, amount FROM bench.t{v} WHERE state IN ('active', 'new');"),
    });
    let f = 10 * (2 * tens / 3) + 9;
    planted.push(Plant {
        what: "changed function body",
        object: format!("function bench.total_{f}"),
        sql: format!("CREATE OR REPLACE FUNCTION bench.total_{f}() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(amount), 0) FROM bench.t{f} WHERE state <> 'failed' $$;"),
    });
    let g = 10 * (tens / 2);
    planted.push(Plant {
        what: "missing trigger",
        object: format!("trigger bench.t{g}.t{g}_touch"),
        sql: format!("DROP TRIGGER t{g}_touch ON bench.t{g};"),
    });

    for p in &planted {
        if !p.sql.is_empty() {
            b += &p.sql;
            b.push('\n');
        }
    }
    Pair { a, b, planted }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// An object one tool reported, with the table it belongs to when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj {
    /// The canonical name.
    pub object: String,
    /// `schema.table` for columns, constraints, triggers, and indexes whose
    /// table is known.
    pub table: Option<String>,
    /// migra's `alter column ... using "c"::text::"s"."e"`: the column is
    /// re-typed only because migra re-creates the enum it uses.
    pub enum_rewrite: bool,
}

impl Obj {
    fn new(object: String, table: Option<String>) -> Obj {
        let table = table.or_else(|| {
            let (class, name) = object.split_once(' ')?;
            matches!(class, "column" | "constraint" | "trigger")
                .then(|| name.rsplit_once('.').map(|(t, _)| t.to_string()))
                .flatten()
        });
        Obj {
            object,
            table,
            enum_rewrite: false,
        }
    }
}

/// The canonical object of a drift finding (`kind rest` ids, kinds folded
/// into the classes above).
pub fn finding_object(f: &Finding) -> Obj {
    let rest =
        f.id.strip_prefix(f.kind)
            .map(str::trim)
            .unwrap_or(f.id.as_str());
    let rest: String = rest.chars().filter(|c| *c != '"').collect();
    let kind = f.kind.to_ascii_lowercase();
    let class = match kind.as_str() {
        k if k.contains("constraint")
            || k.contains("foreign key")
            || k.contains("check")
            || k.contains("primary key")
            || k.contains("unique")
            || k.contains("exclusion") =>
        {
            "constraint"
        }
        k if k.contains("index") => "index",
        k if k.contains("column") => "column",
        k if k.contains("trigger") => "trigger",
        k if k.contains("view") => "view",
        k if k.contains("function") || k.contains("procedure") || k.contains("routine") => {
            "function"
        }
        k if k.contains("enum") || k == "type" || k.contains("domain") => "type",
        k if k.contains("sequence") => "sequence",
        k if k.contains("table") => "table",
        _ => return Obj::new(format!("{kind} {rest}"), f.table.clone()),
    };
    let mut table = f.table.clone();
    let name = match class {
        // Arguments and anything after the name go.
        "function" => rest.split('(').next().unwrap_or("").trim().to_string(),
        // `schema.table.index` -> `schema.index`.
        "index" => {
            let parts: Vec<&str> = rest.split('.').collect();
            if parts.len() == 3 {
                table = table.or_else(|| Some(format!("{}.{}", parts[0], parts[1])));
                format!("{}.{}", parts[0], parts[2])
            } else {
                rest
            }
        }
        _ => rest,
    };
    Obj::new(format!("{class} {name}"), table)
}

/// What one tool found, as objects: sub-objects of a table the tool found
/// missing or extra folded into that table, and an index with the name of
/// a constraint (its backing index: migra writes both) into the
/// constraint.
#[derive(Debug, Default)]
pub struct Found {
    /// Object -> whether it is only there as migra's enum re-creation.
    pub objects: std::collections::BTreeMap<String, bool>,
    pub folded: usize,
}

pub fn fold(objs: &[Obj]) -> Found {
    let tables: BTreeSet<&str> = objs
        .iter()
        .filter_map(|o| o.object.strip_prefix("table "))
        .collect();
    let constraints: BTreeSet<(String, String)> = objs
        .iter()
        .filter_map(|o| o.object.strip_prefix("constraint "))
        .filter_map(|n| {
            let (schema, rest) = n.split_once('.')?;
            let name = rest.rsplit_once('.').map_or(rest, |(_, c)| c);
            Some((schema.to_string(), name.to_string()))
        })
        .collect();
    let mut found = Found::default();
    for o in objs {
        let backing = o
            .object
            .strip_prefix("index ")
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(s, n)| constraints.contains(&(s.to_string(), n.to_string())));
        let in_table = !o.object.starts_with("table ")
            && o.table.as_deref().is_some_and(|t| tables.contains(t));
        if backing || in_table {
            found.folded += 1;
            continue;
        }
        *found.objects.entry(o.object.clone()).or_insert(false) |= o.enum_rewrite;
    }
    found
}

/// A statement's significant tokens: words lower-cased, quoted identifiers
/// unquoted, everything else as written.
fn words(src: &str, tokens: &[crate::sql::lexer::Token]) -> Vec<(TokenKind, String)> {
    tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| {
            let text = t.text(src);
            let text = match t.kind {
                TokenKind::Word => text.to_ascii_lowercase(),
                TokenKind::QuotedIdent => text
                    .trim_start_matches("U&")
                    .trim_matches('"')
                    .replace("\"\"", "\""),
                _ => text.to_string(),
            };
            (t.kind, text)
        })
        .collect()
}

struct Cursor<'a> {
    w: &'a [(TokenKind, String)],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&str> {
        self.w.get(self.i).map(|(_, s)| s.as_str())
    }
    /// Consumes `words` when they come next.
    fn eat(&mut self, words: &[&str]) -> bool {
        let ok = words
            .iter()
            .enumerate()
            .all(|(k, w)| self.w.get(self.i + k).is_some_and(|(_, s)| s == w));
        if ok {
            self.i += words.len();
        }
        ok
    }
    fn eat_any(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat(&[w]))
    }
    /// `a`, `a.b`, `a.b.c`: one possibly qualified name.
    fn name(&mut self) -> Option<String> {
        let mut parts = Vec::new();
        loop {
            let (kind, text) = self.w.get(self.i)?;
            if !matches!(kind, TokenKind::Word | TokenKind::QuotedIdent) {
                break;
            }
            parts.push(text.clone());
            self.i += 1;
            if self.w.get(self.i).is_some_and(|(_, s)| s == ".") {
                self.i += 1;
            } else {
                break;
            }
        }
        (!parts.is_empty()).then(|| parts.join("."))
    }
    /// Skips to just after the next `word` (a keyword).
    fn skip_past(&mut self, word: &str) -> bool {
        while let Some((kind, s)) = self.w.get(self.i) {
            self.i += 1;
            if *kind == TokenKind::Word && s == word {
                return true;
            }
        }
        false
    }
}

/// The objects migra's statements change, one per statement, in order.
pub fn migra_objects(output: &str) -> Vec<Obj> {
    let split = crate::sql::split::split(output);
    split
        .statements
        .iter()
        .filter_map(|s| {
            let w = words(output, &split.tokens[s.tokens.clone()]);
            let text = s.text(output).to_ascii_lowercase();
            let (object, table) = statement_object(&w)?;
            let mut obj = Obj::new(object, table);
            obj.enum_rewrite = obj.object.starts_with("column ")
                && text.contains(" using ")
                && text.contains("::text::");
            Some(obj)
        })
        .collect()
}

/// The object one statement changes, and its table when the statement
/// names one; `None` for session settings (`set ...`).
fn statement_object(w: &[(TokenKind, String)]) -> Option<(String, Option<String>)> {
    let mut c = Cursor { w, i: 0 };
    let verb = c.peek()?.to_string();
    c.i += 1;
    let schema_of = |q: &str| q.rsplit_once('.').map_or("public", |(s, _)| s).to_string();
    let unqualified = |q: &str| q.rsplit_once('.').map_or(q, |(_, n)| n).to_string();
    let plain = |o: String| Some((o, None));
    let fallback = || {
        let head: Vec<&str> = w.iter().take(5).map(|(_, s)| s.as_str()).collect();
        plain(format!("other {}", head.join(" ")))
    };
    match verb.as_str() {
        "create" | "drop" | "alter" => {}
        "set" | "reset" => return None,
        "grant" | "revoke" => return plain("privilege".into()),
        "comment" => return plain("comment".into()),
        _ => return fallback(),
    }
    c.eat(&["or", "replace"]);
    c.eat_any(&[
        "unique",
        "materialized",
        "unlogged",
        "constraint",
        "temporary",
    ]);
    let what = c.peek()?.to_string();
    c.i += 1;
    c.eat_any(&["concurrently"]);
    c.eat(&["if", "not", "exists"]);
    c.eat(&["if", "exists"]);
    match what.as_str() {
        "table" => {
            c.eat_any(&["only"]);
            let table = c.name()?;
            if verb != "alter" {
                return plain(format!("table {table}"));
            }
            c.eat_any(&["add", "drop", "alter", "validate"]);
            if c.eat_any(&["column"]) {
                c.eat(&["if", "not", "exists"]);
                c.eat(&["if", "exists"]);
                return plain(format!("column {table}.{}", c.name()?));
            }
            if c.eat_any(&["constraint"]) {
                c.eat(&["if", "exists"]);
                return plain(format!("constraint {table}.{}", c.name()?));
            }
            if c.eat_any(&["enable", "disable"]) && c.eat_any(&["trigger"]) {
                return plain(format!("trigger {table}.{}", c.name()?));
            }
            plain(format!("table {table}"))
        }
        "index" => {
            let name = c.name()?;
            if verb == "create" {
                c.skip_past("on");
                c.eat_any(&["only"]);
                let table = c.name()?;
                Some((
                    format!("index {}.{}", schema_of(&table), unqualified(&name)),
                    Some(table),
                ))
            } else {
                plain(format!("index {name}"))
            }
        }
        "view" => plain(format!("view {}", c.name()?)),
        "function" | "procedure" => plain(format!("function {}", c.name()?)),
        "trigger" => {
            let name = c.name()?;
            c.skip_past("on");
            let table = c.name()?;
            plain(format!("trigger {table}.{}", unqualified(&name)))
        }
        "type" => {
            let name = c.name()?;
            let name = name
                .strip_suffix("__old_version_to_be_dropped")
                .unwrap_or(&name);
            plain(format!("type {name}"))
        }
        "sequence" => plain(format!("sequence {}", c.name()?)),
        "schema" => plain(format!("schema {}", c.name()?)),
        "extension" => plain(format!("extension {}", c.name()?)),
        _ => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migra_statements_map_to_objects() {
        let out = r#"drop view if exists "public"."v";

alter type "public"."e" rename to "e__old_version_to_be_dropped";

create type "public"."e" as enum ('a', 'c');

drop type "public"."e__old_version_to_be_dropped";

alter table "public"."t" add column "y" integer;

alter table "public"."t" alter column "x" set data type timestamp with time zone using "x"::timestamp with time zone;

alter table "public"."u" alter column p type "public"."e" using p::text::"public"."e";

alter table "public"."t" drop constraint "t_a_check";

alter table "public"."t" add constraint "t_b_fkey" FOREIGN KEY (b) REFERENCES t(id) not valid;

alter table "public"."t" validate constraint "t_b_fkey";

CREATE INDEX t_y_idx ON public.t USING btree (y);

drop index if exists "public"."t_z_idx";

drop trigger if exists "t_touch" on "public"."t";

CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch();

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION public.total()
 RETURNS numeric
 LANGUAGE sql
 STABLE
AS $function$ SELECT 1; SELECT 2 $function$
;

drop table "public"."gone";

create table "public"."new" ("id" bigint not null);

create sequence "public"."new_id_seq";

create or replace view "public"."v" as  SELECT t.id,
    1 AS k
   FROM t;
"#;
        let got: Vec<String> = migra_objects(out)
            .iter()
            .map(|o| format!("{}{}", o.object, if o.enum_rewrite { " *" } else { "" }))
            .collect();
        assert_eq!(
            got,
            [
                "view public.v",
                "type public.e",
                "type public.e",
                "type public.e",
                "column public.t.y",
                "column public.t.x",
                "column public.u.p *",
                "constraint public.t.t_a_check",
                "constraint public.t.t_b_fkey",
                "constraint public.t.t_b_fkey",
                "index public.t_y_idx",
                "index public.t_z_idx",
                "trigger public.t.t_touch",
                "trigger public.t.t_touch",
                "function public.total",
                "table public.gone",
                "table public.new",
                "sequence public.new_id_seq",
                "view public.v",
            ]
        );
    }

    #[test]
    fn fifty_plants_on_distinct_objects() {
        for tables in [100, 1000] {
            let p = pair(tables);
            assert_eq!(p.planted.len(), 50);
            let objects: BTreeSet<&String> = p.planted.iter().map(|p| &p.object).collect();
            assert_eq!(objects.len(), 50, "{tables}");
        }
    }

    #[test]
    fn finding_ids_fold_into_objects() {
        let f = |kind: &'static str, id: &str| Finding {
            id: id.into(),
            kind,
            table: None,
            change: crate::drift::Change::Missing,
            aspect: "exists".into(),
            severity: crate::drift::Severity::Error,
            expected: None,
            actual: None,
            noise: None,
        };
        assert_eq!(
            finding_object(&f("index", "index s.t.i")).object,
            "index s.i".to_string()
        );
        assert_eq!(
            finding_object(&f("foreign key", "foreign key s.t.t_fk")).object,
            "constraint s.t.t_fk".to_string()
        );
        assert_eq!(
            finding_object(&f("function", "function s.f(integer)")).object,
            "function s.f".to_string()
        );
        assert_eq!(
            finding_object(&f("enum", "enum s.e")).object,
            "type s.e".to_string()
        );
    }

    #[test]
    fn sub_objects_fold_into_their_owner() {
        let out = r#"alter table "s"."gone" drop constraint "gone_pkey";
drop index if exists "s"."gone_pkey";
drop table "s"."gone";
create table "s"."new" ("id" bigint not null);
CREATE UNIQUE INDEX new_pkey ON s.new USING btree (id);
alter table "s"."new" add constraint "new_pkey" PRIMARY KEY using index "new_pkey";
alter table "s"."t" alter column "p" drop default;
alter table "s"."t" alter column p type "s"."e" using p::text::"s"."e";
alter table "s"."t" alter column "p" set default 'a'::s.e;
alter table "s"."t" alter column "q" set not null;
"#;
        let found = fold(&migra_objects(out));
        assert_eq!(found.folded, 4);
        let got: Vec<(&str, bool)> = found
            .objects
            .iter()
            .map(|(o, r)| (o.as_str(), *r))
            .collect();
        assert_eq!(
            got,
            [
                ("column s.t.p", true),
                ("column s.t.q", false),
                ("table s.gone", false),
                ("table s.new", false),
            ]
        );
    }
}
