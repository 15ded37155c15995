//! The drift report, as text or JSON (the audit report in Markdown is
//! `audit.rs`).

use std::collections::BTreeMap;

use super::{ComparedSide, Options, Report};
use crate::drift::{Change, Severity, Side, Verdict};

pub(super) fn value(v: &Option<String>) -> String {
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
    let d = &v.difference;
    serde_json::json!({
        "id": d.id.to_string(),
        "kind": d.kind().label(),
        "table": d.table,
        "change": d.change.label(),
        "aspect": d.aspect.key(),
        "severity": d.severity.key(),
        "disagreeing_side": v.odd_one.map(Side::label),
        "expected": d.expected,
        "actual": d.actual,
        "database": v.database,
        "migrations": v.migrations,
        "schema": v.schema,
        "noise": d.noise,
    })
}

pub(super) fn report_json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "sides": report.sides.iter().map(|s| serde_json::json!({"side": s.side.label(), "label": s.label})).collect::<Vec<_>>(),
        "drift": !report.real.is_empty(),
        "findings": report.real.iter().map(|v| verdict_json(v)).collect::<Vec<_>>(),
        "noise": report.noise.iter().map(|v| verdict_json(v)).collect::<Vec<_>>(),
        "notes": report.notes,
        "not_compared": report.unmodelled,
        "script": report.script.map(|(p, s)| serde_json::json!({"file": p, "fixed": s.fixed, "left": s.left})),
    })
}

/// A difference's lines in the text report: what, then each side's value.
pub(super) fn describe(v: &Verdict, sides: &[ComparedSide]) -> Vec<String> {
    let d = &v.difference;
    let mut lines = Vec::new();
    if sides.len() == 3 {
        let who = match v.odd_one {
            Some(Side::Database) => "the database differs from the migrations and current_schema/",
            Some(Side::Schema) => "current_schema/ differs from the migrations and the database",
            Some(Side::Migrations) => {
                "the migrations differ from the database and current_schema/ (a change made outside migrations?)"
            }
            // Never one of three sides.
            Some(Side::Reference) => "the reference database differs",
            None => "all three differ",
        };
        lines.push(format!("{} ({who})", d.what()));
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
        let (expected, actual) = (e.side.label(), a.side.label());
        match d.change {
            Change::Missing => lines.push(format!(
                "missing from the {actual}; {expected}: {}",
                value(&d.expected)
            )),
            Change::Extra => lines.push(format!(
                "extra: only the {actual} has it: {}",
                value(&d.actual)
            )),
            Change::Changed => {
                lines.push(d.what());
                lines.push(format!("{expected}: {}", value(&d.expected)));
                lines.push(format!("{actual}: {}", value(&d.actual)));
            }
        }
    }
    if let Some(n) = &d.noise {
        lines.push(format!("noise: {n}"));
    }
    lines
}

/// The differences by the table they are on; the others (schemas,
/// types, functions...) under one title, first.
pub(super) fn by_table<'a>(real: &[&'a Verdict]) -> BTreeMap<String, Vec<&'a Verdict>> {
    let mut groups: BTreeMap<String, Vec<&Verdict>> = BTreeMap::new();
    for v in real {
        let title = v
            .difference
            .table
            .clone()
            .unwrap_or_else(|| " schemas, extensions, types, sequences, functions".to_string());
        groups.entry(title).or_default().push(v);
    }
    groups
}

fn print_group(title: &str, items: &[&Verdict], sides: &[ComparedSide]) {
    println!("{}", title.trim_start());
    for v in items {
        let d = &v.difference;
        let lines = describe(v, sides);
        println!("  {:<8} {}: {}", d.severity.key(), d.id, lines[0]);
        for l in &lines[1..] {
            println!("           {l}");
        }
    }
}

pub(super) fn print_text(opts: &Options, report: &Report) {
    println!(
        "drift: {}",
        report
            .sides
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(" against ")
    );
    print_notes(report);
    for (title, items) in &by_table(&report.real) {
        println!();
        print_group(title, items, report.sides);
    }
    if opts.show_noise && !report.noise.is_empty() {
        println!();
        print_group("noise (not drift)", &report.noise, report.sides);
    }
    println!();
    print_summary(opts, report);
    print_next(report);
}

fn print_notes(report: &Report) {
    for n in report.notes {
        eprintln!("note: {n}");
    }
    let unmodelled = &report.unmodelled;
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
}

/// `no drift`, or the count by severity and, of three sides, by the side
/// that disagrees.
fn print_summary(opts: &Options, report: &Report) {
    let (real, noise) = (&report.real, &report.noise);
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
        return;
    }
    let count = |s: Severity| real.iter().filter(|v| v.difference.severity == s).count();
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
    if report.sides.len() != 3 {
        return;
    }
    let by = |s: Option<Side>| real.iter().filter(|v| v.odd_one == s).count();
    let database = by(Some(Side::Database));
    if database > 0 {
        println!("  {database} where the database drifted from the migrations and current_schema/");
    }
    let schema = by(Some(Side::Schema));
    if schema > 0 {
        println!("  {schema} where current_schema/ is stale or edited by hand: `cargo xtask migration sync --from migrations`");
    }
    let migrations = by(Some(Side::Migrations));
    if migrations > 0 {
        println!("  {migrations} where the database and current_schema/ agree but no migration does it: write a migration");
    }
    let all = by(None);
    if all > 0 {
        println!("  {all} where all three differ");
    }
}

/// What to do next: read the script written, or write one.
fn print_next(report: &Report) {
    match report.script {
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
        None if !report.real.is_empty() && report.sides[0].side == Side::Database => {
            eprintln!("next: `cargo xtask migration drift --script catch_up.sql` writes an idempotent script that fixes the database (add --allow-drop to drop what only it has)");
        }
        None => {}
    }
}
