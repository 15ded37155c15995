//! The data behind `bench drift`: two generated schemas that differ in a
//! known list of planted ways, and the mapping of both tools' output (drift's
//! differences in `objects`, migra's statements in `migra`) onto one set of
//! object names so that what each found can be compared.
//!
//! Object names are `class schema.name` with these classes: `table`,
//! `column schema.table.column`, `index schema.index` (index names are unique
//! per schema, and migra's `drop index` names no table), `constraint
//! schema.table.name` (checks, keys, foreign keys), `type`, `view`, `function
//! schema.name` (arguments left out), `trigger schema.table.name`,
//! `sequence`; anything else keeps its own words.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use super::timing::{ms, time};
use crate::drift::{self, Difference};
use crate::pg::connect::Database;
use crate::pg::Throwaway;
use crate::schema::catalog;

mod migra;
mod objects;

use migra::{migra, migra_available, migra_objects};
use objects::{difference_object, fold};

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
    let base = super::generate::generated_schema(tables);
    let a = format!("{base}{}", extras(tables, "'low', 'normal', 'high'"));
    let mut b = format!("{base}{}", extras(tables, "'low', 'normal', 'urgent'"));
    let mut planted = table_plants(tables);
    planted.extend(schema_plants(tables));
    for p in &planted {
        if !p.sql.is_empty() {
            b += &p.sql;
            b.push('\n');
        }
    }
    Pair { a, b, planted }
}

/// The plants of [`TABLE_PLANTS`], spread over the tables.
fn table_plants(tables: usize) -> Vec<Plant> {
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
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    let mut planted = Vec::new();
    for (k, what) in kinds.into_iter().enumerate() {
        let count = seen.entry(what).or_default();
        let (object, sql) = table_plant(what, *count, slots[(k * stride) % n]);
        *count += 1;
        planted.push(Plant { what, object, sql });
    }
    planted
}

/// The object table `t`'s plant changes and its SQL; `i` counts the
/// plants of this kind before it (some kinds vary).
fn table_plant(what: &str, i: usize, t: usize) -> (String, String) {
    let col = |c: &str| format!("column bench.t{t}.{c}");
    match what {
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
            format!("ALTER TABLE bench.t{t} ADD CONSTRAINT t{t}_qty_positive CHECK (qty >= 0);"),
        ),
        other => unreachable!("no plant for {other}"),
    }
}

/// The plants on a type, tables, a view, a function and a trigger.
fn schema_plants(tables: usize) -> Vec<Plant> {
    let tens = tables / 10;
    let v = 10 * (tens / 3) + 9;
    let f = 10 * (2 * tens / 3) + 9;
    let g = 10 * (tens / 2);
    vec![
        Plant {
            what: "enum values (missing 'high', extra 'urgent')",
            object: "type bench.priority".into(),
            // B's enum is generated with other values; nothing to run.
            sql: String::new(),
        },
        Plant {
            what: "missing table",
            object: "table bench.legacy_import".into(),
            sql: "DROP TABLE bench.legacy_import;".into(),
        },
        Plant {
            what: "extra table",
            object: "table bench.hotfix_log".into(),
            sql: "CREATE TABLE bench.hotfix_log (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  table_name text NOT NULL,\n  fixed_at timestamptz NOT NULL DEFAULT now()\n);".into(),
        },
        Plant {
            what: "changed view",
            object: format!("view bench.v{v}"),
            sql: format!("CREATE OR REPLACE VIEW bench.v{v} AS SELECT id, code, amount FROM bench.t{v} WHERE state IN ('active', 'new');"),
        },
        Plant {
            what: "changed function body",
            object: format!("function bench.total_{f}"),
            sql: format!("CREATE OR REPLACE FUNCTION bench.total_{f}() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(amount), 0) FROM bench.t{f} WHERE state <> 'failed' $$;"),
        },
        Plant {
            what: "missing trigger",
            object: format!("trigger bench.t{g}.t{g}_touch"),
            sql: format!("DROP TRIGGER t{g}_touch ON bench.t{g};"),
        },
    ]
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// touchpoint's drift as a command does it: connect to both, read both
/// catalogs concurrently, compare.
fn drift_once(expected: &Database, actual: &Database) -> Result<Vec<Difference>> {
    crate::pg::block_on(async {
        let (a, b) = tokio::try_join!(
            expected.connect("touchpoint bench drift"),
            actual.connect("touchpoint bench drift")
        )?;
        let (cat_a, cat_b) =
            tokio::try_join!(catalog::read_for_compare(&a), catalog::read_for_compare(&b))?;
        Ok(drift::compare(&cat_a, &cat_b, &drift::Options::default()))
    })
}

/// The pair loaded: A, B (A with the plants), and a copy of A.
struct Loaded {
    url_a: String,
    url_b: String,
    url_a2: String,
    a: Database,
    b: Database,
    a2: Database,
}

fn load(sh: &Shell, pg: &Throwaway, pair: &Pair) -> Result<Loaded> {
    let admin = pg.url();
    let dir = tempfile::tempdir()?;
    let load = |db: &str, sql: &str| -> Result<()> {
        let create = format!("CREATE DATABASE {db}");
        cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
        let script = dir.path().join(format!("{db}.sql"));
        std::fs::write(&script, sql)?;
        let url = pg.url_for(db);
        // Statement by statement: one transaction for 1,000 tables runs out
        // of lock slots.
        cmd!(sh, "psql {url} -Xq -v ON_ERROR_STOP=1 -f {script}")
            .quiet()
            .run()
            .with_context(|| format!("cannot load the generated schema into {db}"))
    };
    load("drift_a", &pair.a)?;
    load("drift_b", &pair.b)?;
    let create = "CREATE DATABASE drift_a2 TEMPLATE drift_a";
    cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
    let (url_a, url_b, url_a2) = (
        pg.url_for("drift_a"),
        pg.url_for("drift_b"),
        pg.url_for("drift_a2"),
    );
    Ok(Loaded {
        a: Database::from_conninfo(&url_a, |_| None)?,
        b: Database::from_conninfo(&url_b, |_| None)?,
        a2: Database::from_conninfo(&url_a2, |_| None)?,
        url_a,
        url_b,
        url_a2,
    })
}

/// How many times migra runs for a median.
const MIGRA_RUNS: usize = 3;

/// What each tool found on the pair and on identical schemas, and how
/// long it took (medians).
struct Measured {
    differences: Vec<Difference>,
    differences_same: usize,
    ours: Duration,
    ours_same: Duration,
    read_one: Duration,
    compare_only: Duration,
    statements: String,
    statements_same: String,
    theirs: Duration,
    theirs_same: Duration,
    startup: Duration,
}

fn measure(sh: &Shell, loaded: &Loaded) -> Result<Measured> {
    let Loaded { a, b, a2, .. } = loaded;
    // Warm both sides once (and keep what each found).
    let differences = drift_once(a, b)?;
    let differences_same = drift_once(a, a2)?.len();
    let ours = time(5, || drift_once(a, b))?;
    let ours_same = time(5, || drift_once(a, a2))?;
    let (cat_a, cat_b) = crate::pg::block_on(async {
        let (a, b) = tokio::try_join!(
            a.connect("touchpoint bench drift"),
            b.connect("touchpoint bench drift")
        )?;
        tokio::try_join!(catalog::read_for_compare(&a), catalog::read_for_compare(&b))
    })?;
    let read_one = time(5, || {
        crate::pg::block_on(async {
            let a = a.connect("touchpoint bench drift").await?;
            catalog::read_for_compare(&a).await
        })
    })?;
    let compare_only = time(5, || {
        Ok(drift::compare(&cat_a, &cat_b, &drift::Options::default()).len())
    })?;

    let (url_a, url_b, url_a2) = (&loaded.url_a, &loaded.url_b, &loaded.url_a2);
    let statements = migra(url_a, url_b)?;
    let theirs = time(MIGRA_RUNS, || migra(url_a, url_b))?;
    let same_start = Instant::now();
    let statements_same = migra(url_a, url_a2)?;
    let theirs_same = same_start.elapsed();
    let startup = time(MIGRA_RUNS, || {
        cmd!(sh, "migra --help")
            .quiet()
            .ignore_stdout()
            .run()
            .map_err(Into::into)
    })?;
    Ok(Measured {
        differences,
        differences_same,
        ours,
        ours_same,
        read_one,
        compare_only,
        statements,
        statements_same,
        theirs,
        theirs_same,
        startup,
    })
}

/// `migration drift` between two generated schemas against migra.
pub fn run(tables: usize) -> Result<()> {
    anyhow::ensure!(
        tables >= MIN_TABLES,
        "bench drift needs --tables {MIN_TABLES} or more to spread its 50 differences"
    );
    migra_available()?;
    let pair = pair(tables);
    let pg = Throwaway::start()?;
    let sh = Shell::new()?;
    let loaded = load(&sh, &pg, &pair)?;
    let measured = measure(&sh, &loaded)?;
    print_times(tables, &pair, &measured);
    print_objects(&pair, &measured);
    Ok(())
}

fn print_times(tables: usize, pair: &Pair, m: &Measured) {
    let noise = m.differences.iter().filter(|d| d.noise.is_some()).count();
    let ratio = m.theirs.as_secs_f64() / m.ours.as_secs_f64();
    println!(
        "drift between two generated schemas of {tables} tables (keys, indexes, foreign keys, checks, enums, views, functions, triggers) with {} planted differences:",
        pair.planted.len()
    );
    println!(
        "  baseline: migra --unsafe A B (Python CLI), median of {MIGRA_RUNS}    {:>9}  ({} statements)",
        ms(m.theirs),
        migra_objects(&m.statements).len()
    );
    println!(
        "    migra --help alone (Python start-up and imports), median of {MIGRA_RUNS}  {}",
        ms(m.startup)
    );
    println!(
        "    migra on an identical pair (A vs a copy of A), once      {:>9}  ({} statements)",
        ms(m.theirs_same),
        migra_objects(&m.statements_same).len()
    );
    println!(
        "  touchpoint drift: connect + read both catalogs + compare, median of 5  {:>9}  ({} findings, {noise} marked noise)  = {ratio:.1}x faster than migra (target: >= 10x)",
        ms(m.ours),
        m.differences.len()
    );
    println!(
        "    connect + read one catalog alone, median of 5            {:>9}",
        ms(m.read_one)
    );
    println!(
        "    compare alone (catalogs in memory), median of 5          {:>9}",
        ms(m.compare_only)
    );
    println!(
        "    on the identical pair, median of 5                       {:>9}  ({} findings)",
        ms(m.ours_same),
        m.differences_same
    );
}

/// The objects each tool found, against the planted ones and each other.
fn print_objects(pair: &Pair, m: &Measured) {
    let ours_found = fold(
        &m.differences
            .iter()
            .filter(|d| d.noise.is_none())
            .map(difference_object)
            .collect::<Vec<_>>(),
    );
    let theirs_found = fold(&migra_objects(&m.statements));
    let (ours_objects, theirs_objects) = (&ours_found.objects, &theirs_found.objects);
    let planted: BTreeSet<&String> = pair.planted.iter().map(|p| &p.object).collect();
    let found_by = |objects: &BTreeMap<String, bool>| {
        planted.iter().filter(|p| objects.contains_key(**p)).count()
    };
    let n = pair.planted.len();
    println!(
        "  planted differences found: touchpoint {}/{n}, migra {}/{n}",
        found_by(ours_objects),
        found_by(theirs_objects)
    );
    let ours_set: BTreeSet<&String> = ours_objects.keys().collect();
    let theirs_set: BTreeSet<&String> = theirs_objects.keys().collect();
    let both = ours_set.intersection(&theirs_set).count();
    // Objects nobody planted first: they are what needs reading.
    let mut only_ours: Vec<&String> = ours_set.difference(&theirs_set).copied().collect();
    let mut only_theirs: Vec<&String> = theirs_set.difference(&ours_set).copied().collect();
    only_ours.sort_by_key(|o| (planted.contains(o), *o));
    only_theirs.sort_by_key(|o| (planted.contains(o), *o));
    let rewrites = only_theirs
        .iter()
        .filter(|o| theirs_objects.get(**o) == Some(&true))
        .count();
    let verdict = if only_ours.is_empty() && only_theirs.is_empty() {
        "yes".to_string()
    } else if only_ours.is_empty() && only_theirs.len() == rewrites {
        format!("yes, apart from {rewrites} column(s) migra re-types only to re-create an enum")
    } else {
        "no".to_string()
    };
    println!(
        "  objects: touchpoint {} (+{} folded into their table or constraint), migra {} (+{} folded); both {both}; same differences: {verdict}",
        ours_set.len(),
        ours_found.folded,
        theirs_set.len(),
        theirs_found.folded,
    );
    let planted_note = |o: &str| {
        if planted.iter().any(|p| p.as_str() == o) {
            "  (planted)".to_string()
        } else {
            String::new()
        }
    };
    print_list("only touchpoint found", &only_ours, &planted_note);
    print_list("only migra found", &only_theirs, &|o: &str| {
        if theirs_objects.get(o) == Some(&true) {
            "  (re-typed to re-create an enum)".into()
        } else {
            planted_note(o)
        }
    });
    for (who, objects) in [("touchpoint", ours_objects), ("migra", theirs_objects)] {
        print_missed(pair, who, objects);
    }
}

/// Up to nine objects under `title`, each with its note.
fn print_list(title: &str, list: &[&String], note: &dyn Fn(&str) -> String) {
    if list.is_empty() {
        return;
    }
    println!("  {title} ({}):", list.len());
    for o in list.iter().take(9) {
        println!("    {o}{}", note(o));
    }
    if list.len() > 9 {
        println!("    ... and {} more", list.len() - 9);
    }
}

/// The planted differences `who` did not find.
fn print_missed(pair: &Pair, who: &str, found: &BTreeMap<String, bool>) {
    let missed: Vec<String> = pair
        .planted
        .iter()
        .filter(|p| !found.contains_key(&p.object))
        .map(|p| format!("{} ({})", p.object, p.what))
        .collect();
    if missed.is_empty() {
        return;
    }
    println!(
        "  planted, missed by {who}: {}{}",
        missed
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        if missed.len() > 4 {
            format!(" and {} more", missed.len() - 4)
        } else {
            String::new()
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_plants_on_distinct_objects() {
        for tables in [100, 1000] {
            let p = pair(tables);
            assert_eq!(p.planted.len(), 50);
            let objects: BTreeSet<&String> = p.planted.iter().map(|p| &p.object).collect();
            assert_eq!(objects.len(), 50, "{tables}");
        }
    }
}
