//! Where every migration stands, from the files alone: its touchpoint
//! progress and the command to run next, as text or JSON (`migration status
//! --offline`, and the figures other commands report).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::migration::progress::Progress;
use crate::migration::{StampState, Touchpoint};
use crate::project::{MigrationSet, Project};

fn stamp_json(state: &StampState) -> Value {
    match state {
        StampState::NoLine => json!({ "state": "no_line" }),
        StampState::Open => json!({ "state": "open" }),
        StampState::Current(s) => json!({
            "state": "current",
            "date": s.date.format("%Y-%m-%d").to_string(),
            "checksum_prefix": s.checksum_prefix,
        }),
        StampState::Stale(s) => json!({
            "state": "stale",
            "date": s.date.format("%Y-%m-%d").to_string(),
            "checksum_prefix": s.checksum_prefix,
        }),
        StampState::Unverifiable(text) => json!({ "state": "unverifiable", "text": text }),
    }
}

pub fn to_json(project: &Project, set: &MigrationSet) -> Value {
    let migrations: Vec<Value> = set
        .migrations
        .iter()
        .map(|m| {
            let file = project.display_path(&m.name.file_name());
            let progress = Progress::of(m);
            let touchpoints: serde_json::Map<String, Value> = Touchpoint::ALL
                .iter()
                .map(|tp| (tp.key().to_string(), stamp_json(&m.stamp_state(*tp))))
                .collect();
            json!({
                "number": m.name.number,
                "version": m.name.stem,
                "file": file,
                "date": m.name.date.format("%Y-%m-%d").to_string(),
                "title": m.header.as_ref().map(|h| h.title.value.clone()),
                "checksum": m.checksum.to_string(),
                "no_transaction": m.no_transaction,
                "touchpoints": touchpoints,
                "progress": progress.key(),
                "next": progress.next(m, &file),
            })
        })
        .collect();
    let problems: Vec<Value> = set
        .problems
        .iter()
        .map(|p| json!({ "file": p.file, "line": p.line, "message": p.message }))
        .collect();
    json!({
        "migrations": migrations,
        "problems": problems,
    })
}

pub fn render_text(project: &Project, set: &MigrationSet) -> String {
    let mut out = String::new();
    if set.migrations.is_empty() && set.problems.is_empty() {
        out.push_str("no migrations in migrations/ yet: cargo xtask migration new \"<title>\"\n");
        return out;
    }
    let width = set
        .migrations
        .iter()
        .map(|m| m.name.stem.len())
        .max()
        .unwrap_or(0)
        .max("MIGRATION".len());
    let nn_width = set
        .migrations
        .iter()
        .map(|m| m.name.number_text.len())
        .max()
        .unwrap_or(2);
    if !set.migrations.is_empty() {
        let _ = writeln!(
            out,
            "{:nn_width$}  {:width$}  {:12}  PROGRESS",
            "NN", "MIGRATION", "CHECKSUM"
        );
    }
    let mut counts = std::collections::BTreeMap::new();
    for m in &set.migrations {
        let file = project.display_path(&m.name.file_name());
        let progress = Progress::of(m);
        *counts.entry(progress.describe()).or_insert(0usize) += 1;
        let _ = writeln!(
            out,
            "{:nn_width$}  {:width$}  {}  {}{}",
            m.name.number_text,
            m.name.stem,
            m.checksum.prefix(),
            progress.describe(),
            if m.no_transaction {
                " (no-transaction)"
            } else {
                ""
            }
        );
        if let Some(next) = progress.next(m, &file) {
            let _ = writeln!(out, "{:nn_width$}  next: {next}", "");
        }
    }
    for p in &set.problems {
        let _ = writeln!(out, "error: {p}");
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let _ = writeln!(
        out,
        "{} migration{}{}{}; {} problem{}",
        set.migrations.len(),
        if set.migrations.len() == 1 { "" } else { "s" },
        if summary.is_empty() { "" } else { ": " },
        summary.join(", "),
        set.problems.len(),
        if set.problems.len() == 1 { "" } else { "s" },
    );
    out
}
