//! `migration drift`: compare the target database with the migrations it
//! has applied (replayed into a throwaway database) and with
//! `current_schema/` (loaded into another), say which side disagrees, and
//! optionally write the catch-up script.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::drift::{self, script, Change, Severity, Side, Verdict};
use crate::flags::{DriftSide, Format};
use crate::migration::Migration;
use crate::pg::connect::Database;
use crate::pg::tracking::{self, TableName, TableState};
use crate::project::{write_atomic, Project};
use crate::review::dynamic;
use crate::schema::catalog::{self, Catalog};
use crate::schema::layout::{Existing, SCHEMA_DIR};
use crate::schema::roundtrip;
use crate::{BadInput, Outcome};

use super::sync;

pub struct Options {
    /// Sides to compare the database with (empty: both); two: each other.
    pub from: Vec<DriftSide>,
    pub script: Option<std::path::PathBuf>,
    pub allow_drop: bool,
    pub show_noise: bool,
    pub shadow_url: Option<String>,
    pub tracking: TableName,
    pub format: Format,
}

/// One side, read.
struct Read {
    side: Side,
    /// How the report names it.
    label: String,
    catalog: Catalog,
}

/// The migrations the database has applied (by its tracking table), or
/// every file when it has none; with a note on what was left out.
async fn applied_set(
    client: &tokio_postgres::Client,
    table: &TableName,
    set: Vec<Migration>,
) -> Result<(Vec<Migration>, Option<String>)> {
    match tracking::inspect(client, table).await? {
        TableState::Missing => Ok((
            set,
            Some(format!(
                "the database has no tracking table {table}: compared with every migration in migrations/"
            )),
        )),
        TableState::Foreign(cols) => Err(tracking::foreign_table_error(table, &cols)),
        TableState::Ours => {
            let rows = tracking::load(client, table).await?;
            let applied: std::collections::BTreeSet<&str> = rows
                .iter()
                .filter(|r| r.success)
                .map(|r| r.version.as_str())
                .collect();
            let unknown: Vec<&str> = applied
                .iter()
                .filter(|v| !set.iter().any(|m| m.name.stem == **v))
                .copied()
                .collect();
            let total = set.len();
            let kept: Vec<Migration> = set
                .into_iter()
                .filter(|m| applied.contains(m.name.stem.as_str()))
                .collect();
            let mut notes = Vec::new();
            if kept.len() < total {
                notes.push(format!(
                    "{} migration(s) in migrations/ are not applied to this database and are left out",
                    total - kept.len()
                ));
            }
            if !unknown.is_empty() {
                notes.push(format!(
                    "applied but not in migrations/: {} (their changes count as drift)",
                    unknown.join(", ")
                ));
            }
            Ok((kept, (!notes.is_empty()).then(|| notes.join("; "))))
        }
    }
}

/// `current_schema/` loaded into a throwaway database on `shadow`.
async fn schema_catalog(project: &Project, shadow: &Database) -> Result<Catalog> {
    let existing = Existing::load(&project.root)?;
    if existing.files.is_empty() {
        return Err(BadInput(format!(
            "{SCHEMA_DIR}/ holds no files to compare with: write them with `cargo xtask migration sync`, or compare with --from migrations"
        ))
        .into());
    }
    let admin = shadow
        .connect("touchpoint drift")
        .await
        .context("cannot reach the server to load current_schema/ on")?;
    let name = format!(
        "touchpoint_drift_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
        .context("cannot create a throwaway database to load current_schema/ into")?;
    let result = async {
        let client = shadow
            .with_dbname(&name)
            .connect("touchpoint drift")
            .await?;
        roundtrip::load_files(&client, &existing.files).await?;
        catalog::read(&client).await
    }
    .await;
    dynamic::drop_database(&admin, &name).await;
    result
}

fn range_label(set: &[Migration]) -> String {
    match (set.first(), set.last()) {
        (Some(a), Some(_)) if set.len() == 1 => format!("migration {:02}", a.name.number),
        (Some(a), Some(b)) => format!(
            "migrations {:02}-{:02} ({} files)",
            a.name.number,
            b.name.number,
            set.len()
        ),
        _ => "no migrations".to_string(),
    }
}

pub fn run(project: &Project, db: Option<&Database>, opts: &Options) -> Result<Outcome> {
    let mut from = opts.from.clone();
    from.dedup();
    if from.len() != opts.from.len() || from.len() > 2 {
        return Err(BadInput(
            "--from names each side once: `--from migrations`, `--from schema`, or both (then no database is read)".into(),
        )
        .into());
    }
    if opts.script.is_some() && db.is_none() {
        return Err(BadInput(
            "--script makes a database match: compare the database with one side (`--from migrations` or `--from schema`) or with both (no --from)".into(),
        )
        .into());
    }
    let want = |s: DriftSide| from.is_empty() || from.contains(&s);
    let mut ignore = drift::Options {
        ignore_tables: vec![(opts.tracking.schema.clone(), opts.tracking.name.clone())],
    };

    let mut notes: Vec<String> = Vec::new();
    let mut sides: Vec<Read> = Vec::new();
    let set = if want(DriftSide::Migrations) {
        Some(sync::load_set(project)?)
    } else {
        None
    };
    let every_file = set.clone().unwrap_or_default();
    let (db_read, set) = crate::pg::block_on(async {
        match db {
            Some(db) => {
                let client = db.connect("touchpoint drift").await?;
                // Another tool's tracking table is bookkeeping, not schema
                // (and a catch-up script must never drop it).
                for found in super::adopt::legacy::find(&client, None).await? {
                    ignore
                        .ignore_tables
                        .push((found.table.schema.clone(), found.table.name.clone()));
                }
                let cat = if opts.script.is_some() {
                    catalog::read(&client).await?
                } else {
                    catalog::read_for_compare(&client).await?
                };
                let set = match set {
                    Some(set) => {
                        let (set, note) = applied_set(&client, &opts.tracking, set).await?;
                        notes.extend(note);
                        Some(set)
                    }
                    None => None,
                };
                anyhow::Ok((
                    Some(Read {
                        side: Side::Database,
                        label: format!("database ({})", db.display()),
                        catalog: cat,
                    }),
                    set,
                ))
            }
            None => Ok((None, set)),
        }
    })?;
    let shadow = sync::shadow(project, opts.shadow_url.as_deref())?;
    let pending = set.as_ref().is_some_and(|s| s.len() < every_file.len());
    if let Some(set) = set {
        let cat = sync::replay(project, &shadow, &set, &[set.len()])?
            .pop()
            .expect("one catalog");
        sides.push(Read {
            side: Side::Migrations,
            label: range_label(&set),
            catalog: cat,
        });
    }
    if want(DriftSide::Schema) {
        let cat = crate::pg::block_on(schema_catalog(project, &shadow))?;
        sides.push(Read {
            side: Side::Schema,
            label: format!("{SCHEMA_DIR}/"),
            catalog: cat,
        });
    }
    if let Some(d) = db_read {
        sides.insert(0, d);
    }
    let mut unmodelled: Vec<String> = sides
        .iter()
        .flat_map(|s| s.catalog.unmodelled.iter().map(|(k, n)| format!("{k} {n}")))
        .collect();
    unmodelled.sort();
    unmodelled.dedup();

    let verdicts: Vec<Verdict> = if sides.len() == 3 {
        drift::three_way(
            &sides[0].catalog,
            &sides[1].catalog,
            &sides[2].catalog,
            &ignore,
        )
    } else {
        // Expected: migrations, else current_schema/; actual: the other.
        let (expected, actual) = if sides[0].side == Side::Database {
            (&sides[1], &sides[0])
        } else {
            (&sides[0], &sides[1])
        };
        drift::compare(&expected.catalog, &actual.catalog, &ignore)
            .into_iter()
            .map(|f| Verdict {
                odd_one: Some(actual.side),
                database: if actual.side == Side::Database {
                    f.actual.clone()
                } else {
                    None
                },
                migrations: if expected.side == Side::Migrations {
                    f.expected.clone()
                } else {
                    None
                },
                schema: match (expected.side, actual.side) {
                    (Side::Schema, _) => f.expected.clone(),
                    (_, Side::Schema) => f.actual.clone(),
                    _ => None,
                },
                finding: f,
            })
            .collect()
    };

    // current_schema/ follows every file; a database with migrations still
    // to apply differs from it by exactly those. They are not drift.
    let mut explained: Vec<Verdict> = Vec::new();
    let mut verdicts = verdicts;
    if sides.len() == 3 && pending {
        let full = sync::replay(project, &shadow, &every_file, &[every_file.len()])?
            .pop()
            .expect("one catalog");
        let differs: std::collections::BTreeSet<(String, String)> =
            drift::compare(&full, &sides[2].catalog, &ignore)
                .into_iter()
                .map(|f| (f.id, f.aspect))
                .collect();
        let (stay, moved): (Vec<Verdict>, Vec<Verdict>) = verdicts.into_iter().partition(|v| {
            v.odd_one != Some(Side::Schema)
                || differs.contains(&(v.finding.id.clone(), v.finding.aspect.clone()))
        });
        verdicts = stay;
        explained = moved;
    }
    if !explained.is_empty() {
        notes.push(format!(
            "{} difference(s) between the database and current_schema/ come from the migrations not applied yet (`cargo xtask migration apply`): {}",
            explained.len(),
            explained
                .iter()
                .take(5)
                .map(|v| format!("{} {}", v.finding.id, v.finding.what()))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }

    let script_note = match &opts.script {
        Some(path) => {
            let expected = sides
                .iter()
                .find(|s| s.side == Side::Migrations)
                .or_else(|| sides.iter().find(|s| s.side == Side::Schema))
                .expect("a side to match");
            let actual = &sides[0];
            let s = script::catch_up(
                &expected.catalog,
                &actual.catalog,
                &ignore,
                opts.allow_drop,
                &script::Labels {
                    actual: &actual.label,
                    expected: &expected.label,
                },
            );
            write_atomic(path, &s.text)?;
            Some((path.display().to_string(), s))
        }
        None => None,
    };

    let (noise, real): (Vec<&Verdict>, Vec<&Verdict>) =
        verdicts.iter().partition(|v| v.finding.noise.is_some());
    match opts.format {
        Format::Json => print_json(&sides, &real, &noise, &notes, &unmodelled, &script_note)?,
        Format::Text => print_text(
            opts,
            &sides,
            &real,
            &noise,
            &notes,
            &unmodelled,
            &script_note,
        ),
    }
    Ok(if real.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn value(v: &Option<String>) -> String {
    match v {
        Some(v) => one_line(v),
        None => "(none)".to_string(),
    }
}

/// A long definition shortened to one line for the report.
fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 100 {
        format!("{}...", flat.chars().take(97).collect::<String>())
    } else {
        flat
    }
}

fn verdict_json(v: &Verdict) -> serde_json::Value {
    let f = &v.finding;
    serde_json::json!({
        "id": f.id,
        "kind": f.kind,
        "table": f.table,
        "change": f.change.label(),
        "aspect": f.aspect,
        "severity": f.severity.label(),
        "disagreeing_side": v.odd_one.map(Side::label),
        "expected": f.expected,
        "actual": f.actual,
        "database": v.database,
        "migrations": v.migrations,
        "schema": v.schema,
        "noise": f.noise,
    })
}

fn print_json(
    sides: &[Read],
    real: &[&Verdict],
    noise: &[&Verdict],
    notes: &[String],
    unmodelled: &[String],
    script_note: &Option<(String, script::Script)>,
) -> Result<()> {
    let json = serde_json::json!({
        "sides": sides.iter().map(|s| serde_json::json!({"side": s.side.label(), "label": s.label})).collect::<Vec<_>>(),
        "drift": !real.is_empty(),
        "findings": real.iter().map(|v| verdict_json(v)).collect::<Vec<_>>(),
        "noise": noise.iter().map(|v| verdict_json(v)).collect::<Vec<_>>(),
        "notes": notes,
        "not_compared": unmodelled,
        "script": script_note.as_ref().map(|(p, s)| serde_json::json!({"file": p, "fixed": s.fixed, "left": s.left})),
    });
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn describe(v: &Verdict, three: bool, sides: &[Read]) -> Vec<String> {
    let f = &v.finding;
    let mut lines = Vec::new();
    if three {
        let who = match v.odd_one {
            Some(Side::Database) => "the database differs from the migrations and current_schema/",
            Some(Side::Schema) => "current_schema/ differs from the migrations and the database",
            Some(Side::Migrations) => {
                "the migrations differ from the database and current_schema/ (a change made outside migrations?)"
            }
            None => "all three differ",
        };
        lines.push(format!("{} ({who})", f.what()));
        lines.push(format!(
            "database: {} | migrations: {} | current_schema/: {}",
            value(&v.database),
            value(&v.migrations),
            value(&v.schema)
        ));
    } else {
        let (e, a) = if sides[0].side == Side::Database {
            (&sides[1], &sides[0])
        } else {
            (&sides[0], &sides[1])
        };
        let (el, al) = (e.side.label(), a.side.label());
        match f.change {
            Change::Missing => lines.push(format!(
                "missing from the {al}; {el}: {}",
                value(&f.expected)
            )),
            Change::Extra => {
                lines.push(format!("extra: only the {al} has it: {}", value(&f.actual)))
            }
            Change::Changed => {
                lines.push(f.what());
                lines.push(format!("{el}: {}", value(&f.expected)));
                lines.push(format!("{al}: {}", value(&f.actual)));
            }
        }
    }
    if let Some(n) = &f.noise {
        lines.push(format!("noise: {n}"));
    }
    lines
}

fn print_group(title: &str, items: &[&Verdict], three: bool, sides: &[Read]) {
    println!("{title}");
    for v in items {
        let f = &v.finding;
        let lines = describe(v, three, sides);
        println!("  {:<8} {}: {}", f.severity.label(), f.id, lines[0]);
        for l in &lines[1..] {
            println!("           {l}");
        }
    }
}

fn print_text(
    opts: &Options,
    sides: &[Read],
    real: &[&Verdict],
    noise: &[&Verdict],
    notes: &[String],
    unmodelled: &[String],
    script_note: &Option<(String, script::Script)>,
) {
    let three = sides.len() == 3;
    println!(
        "drift: {}",
        sides
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(" against ")
    );
    for n in notes {
        eprintln!("note: {n}");
    }
    if !unmodelled.is_empty() {
        let shown: Vec<&str> = unmodelled.iter().take(5).map(String::as_str).collect();
        eprintln!(
            "note: not compared (not modelled): {}{}",
            shown.join(", "),
            if unmodelled.len() > 5 {
                format!(" and {} more", unmodelled.len() - 5)
            } else {
                String::new()
            }
        );
    }
    let mut groups: BTreeMap<String, Vec<&Verdict>> = BTreeMap::new();
    for v in real {
        groups
            .entry(v.finding.table.clone().unwrap_or_default())
            .or_default()
            .push(v);
    }
    for (table, items) in &groups {
        println!();
        let title = if table.is_empty() {
            "schemas, extensions, types, sequences, functions".to_string()
        } else {
            table.clone()
        };
        print_group(&title, items, three, sides);
    }
    if opts.show_noise && !noise.is_empty() {
        println!();
        print_group("noise (not drift)", noise, three, sides);
    }
    let count = |s: Severity| real.iter().filter(|v| v.finding.severity == s).count();
    println!();
    if real.is_empty() {
        println!(
            "no drift{}",
            if noise.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} noise finding(s){})",
                    noise.len(),
                    if opts.show_noise {
                        ""
                    } else {
                        ", --show-noise lists them"
                    }
                )
            }
        );
    } else {
        println!(
            "{} difference(s): {} error, {} warning, {} info{}",
            real.len(),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
            if noise.is_empty() || opts.show_noise {
                String::new()
            } else {
                format!("; {} noise finding(s) hidden (--show-noise)", noise.len())
            }
        );
        if three {
            let by = |s: Option<Side>| real.iter().filter(|v| v.odd_one == s).count();
            let (d, s, m, all) = (
                by(Some(Side::Database)),
                by(Some(Side::Schema)),
                by(Some(Side::Migrations)),
                by(None),
            );
            if d > 0 {
                println!(
                    "  {d} where the database drifted from the migrations and current_schema/"
                );
            }
            if s > 0 {
                println!("  {s} where current_schema/ is stale or edited by hand: `cargo xtask migration sync --from migrations`");
            }
            if m > 0 {
                println!("  {m} where the database and current_schema/ agree but no migration does it: write a migration");
            }
            if all > 0 {
                println!("  {all} where all three differ");
            }
        }
    }
    match script_note {
        Some((path, s)) => {
            println!(
                "wrote {path}: fixes {} difference(s), leaves {}{}",
                s.fixed,
                s.left.len(),
                if s.left.is_empty() {
                    ""
                } else {
                    " (listed at its end)"
                }
            );
            eprintln!("next: read {path} (RISK comments first), run it with `psql -X -v ON_ERROR_STOP=1 -f {path}`, then run drift again");
        }
        None if !real.is_empty() && sides[0].side == Side::Database => {
            eprintln!("next: `cargo xtask migration drift --script catch_up.sql` writes an idempotent script that fixes the database (add --allow-drop to drop what only it has)");
        }
        None => {}
    }
}
