//! `migration status --offline`: every migration's touchpoint progress, read
//! from the files alone, with the command to run next.

use std::fmt::Write as _;

use anyhow::Result;
use serde_json::{json, Value};

use crate::flags::Format;
use crate::migration::{Migration, StampState, Touchpoint};
use crate::project::{MigrationSet, Project};
use crate::Outcome;

/// Where a migration stands in the workflow, judged from its stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    NotReviewed,
    /// Reviewed, then the executable part changed.
    ReviewStale,
    Reviewed,
    /// Executed, then the executable part changed: an applied migration
    /// must never change.
    ChangedAfterApply,
    /// A ticked line without a verifiable date and checksum.
    Unverifiable(Touchpoint),
    Executed,
    /// Synced, then the executable part changed.
    SyncStale,
    Synced,
}

impl Progress {
    pub fn of(m: &Migration) -> Progress {
        use StampState::*;
        match m.stamp_state(Touchpoint::Executed) {
            Stale(_) => return Progress::ChangedAfterApply,
            Unverifiable(_) => return Progress::Unverifiable(Touchpoint::Executed),
            Current(_) => {
                return match m.stamp_state(Touchpoint::Synced) {
                    Current(_) => Progress::Synced,
                    Stale(_) => Progress::SyncStale,
                    Unverifiable(_) => Progress::Unverifiable(Touchpoint::Synced),
                    Open | NoLine => Progress::Executed,
                }
            }
            Open | NoLine => {}
        }
        match m.stamp_state(Touchpoint::Reviewed) {
            Current(_) => Progress::Reviewed,
            Stale(_) => Progress::ReviewStale,
            Unverifiable(_) => Progress::Unverifiable(Touchpoint::Reviewed),
            Open | NoLine => Progress::NotReviewed,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Progress::NotReviewed => "not_reviewed",
            Progress::ReviewStale => "review_stale",
            Progress::Reviewed => "reviewed",
            Progress::ChangedAfterApply => "changed_after_apply",
            Progress::Unverifiable(Touchpoint::Reviewed) => "reviewed_unverifiable",
            Progress::Unverifiable(Touchpoint::Executed) => "executed_unverifiable",
            Progress::Unverifiable(Touchpoint::Synced) => "synced_unverifiable",
            Progress::Executed => "executed",
            Progress::SyncStale => "sync_stale",
            Progress::Synced => "synced",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Progress::NotReviewed => "not reviewed",
            Progress::ReviewStale => "review stale: changed after review",
            Progress::Reviewed => "reviewed, not executed",
            Progress::ChangedAfterApply => "CHANGED AFTER APPLY",
            Progress::Unverifiable(Touchpoint::Reviewed) => "Reviewed ticked without a stamp",
            Progress::Unverifiable(Touchpoint::Executed) => "Executed ticked without a stamp",
            Progress::Unverifiable(Touchpoint::Synced) => "Synced ticked without a stamp",
            Progress::Executed => "executed, not synced",
            Progress::SyncStale => "sync stale: changed after sync",
            Progress::Synced => "done",
        }
    }

    /// The command (or action) that moves the migration forward.
    pub fn next(self, m: &Migration, file: &str) -> Option<String> {
        let nn = &m.name.number_text;
        Some(match self {
            Progress::NotReviewed
            | Progress::ReviewStale
            | Progress::Unverifiable(Touchpoint::Reviewed) => {
                format!("cargo xtask migration review {file}")
            }
            Progress::Reviewed => "cargo xtask migration apply".to_string(),
            Progress::ChangedAfterApply => format!(
                "restore the applied text (git log -p {file}) and put the change in a new migration: cargo xtask migration new \"...\""
            ),
            Progress::Unverifiable(Touchpoint::Executed) => {
                "cargo xtask migration status (compare with the database's tracking table)".to_string()
            }
            Progress::Executed | Progress::SyncStale | Progress::Unverifiable(Touchpoint::Synced) => {
                format!("cargo xtask migration sync --for {nn}")
            }
            Progress::Synced => return None,
        })
    }
}

pub fn run(project: &Project, format: Format) -> Result<Outcome> {
    let set = project.load_migrations()?;
    let out = match format {
        Format::Text => render_text(project, &set),
        Format::Json => serde_json::to_string_pretty(&to_json(project, &set))? + "\n",
    };
    print!("{out}");
    Ok(if set.problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

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

/// `migration status` against a database: each file's state in the tracking
/// table next to its touchpoint progress, and rows whose file is gone.
pub fn run_online(
    project: &Project,
    db: &crate::pg::connect::Database,
    table: &crate::pg::tracking::TableName,
    format: Format,
) -> Result<Outcome> {
    use crate::commands::plan::{Plan, State};
    let set = project.load_migrations()?;
    let rows = crate::pg::block_on(async {
        let client = db.connect("touchpoint status").await?;
        crate::pg::tracking::load(&client, table).await
    })?;
    let plan = Plan::new(&set.migrations, &rows);
    let db_state = |e: &crate::commands::plan::Entry| -> (String, Option<String>) {
        let file = project.display_path(&e.migration.name.file_name());
        match (e.state, e.row) {
            (State::Applied, Some(r)) => (
                format!("applied {}", r.applied_at.split(' ').next().unwrap_or("")),
                (!matches!(e.migration.stamp_state(Touchpoint::Executed), StampState::Current(_)))
                    .then(|| "cargo xtask migration apply (stamps the Executed line it lacks)".to_string()),
            ),
            (State::Changed, Some(r)) => (
                "CHANGED since applied".to_string(),
                Some(format!(
                    "restore the applied text (git log -p {file}; recorded {}), or if the change is cosmetic: cargo xtask migration repair --reason \"...\"",
                    &r.checksum
                )),
            ),
            (State::Failed, Some(r)) => (
                format!(
                    "FAILED at statement {} of {}",
                    r.statements_done.unwrap_or(0) + 1,
                    r.statements_total.unwrap_or(0)
                ),
                Some("cargo xtask migration apply (resumes there)".to_string()),
            ),
            _ => ("pending".to_string(), None),
        }
    };
    let findings = !set.problems.is_empty()
        || !plan.missing.is_empty()
        || plan
            .entries
            .iter()
            .any(|e| matches!(e.state, State::Changed | State::Failed));
    match format {
        Format::Json => {
            let mut v = to_json(project, &set);
            for (json, e) in v["migrations"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .zip(&plan.entries)
            {
                let (_, next) = db_state(e);
                json["database"] = json!({
                    "state": e.state.key(),
                    "applied_at": e.row.map(|r| r.applied_at.clone()),
                    "execution_time_ms": e.row.map(|r| r.execution_time_ms),
                    "recorded_checksum": e.row.map(|r| r.checksum.clone()),
                    "kind": e.row.map(|r| r.kind.clone()),
                    "statements_done": e.row.and_then(|r| r.statements_done),
                    "statements_total": e.row.and_then(|r| r.statements_total),
                    "last_error": e.row.and_then(|r| r.last_error.clone()),
                });
                if let Some(next) = next {
                    json["next"] = json!(next);
                } else if e.state == State::Pending
                    && Progress::of(e.migration) == Progress::Reviewed
                {
                    json["next"] = json!("cargo xtask migration apply");
                }
            }
            v["missing"] = json!(plan
                .missing
                .iter()
                .map(|r| json!({ "version": r.version, "applied_at": r.applied_at, "applied_by": r.applied_by }))
                .collect::<Vec<_>>());
            v["database"] = json!(db.display());
            v["tracking_table"] = json!(table.to_string());
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Text => {
            let mut out = String::new();
            let _ = writeln!(out, "database: {} (history in {table})", db.display());
            let width = set
                .migrations
                .iter()
                .map(|m| m.name.stem.len())
                .max()
                .unwrap_or(9)
                .max(9);
            let _ = writeln!(
                out,
                "NN  {:width$}  {:12}  {:28}  FILE PROGRESS",
                "MIGRATION", "CHECKSUM", "DATABASE"
            );
            for e in &plan.entries {
                let m = e.migration;
                let file = project.display_path(&m.name.file_name());
                let (state, db_next) = db_state(e);
                let progress = Progress::of(m);
                let _ = writeln!(
                    out,
                    "{:2}  {:width$}  {}  {:28}  {}",
                    m.name.number_text,
                    m.name.stem,
                    m.checksum.prefix(),
                    state,
                    progress.describe()
                );
                let next = db_next.or_else(|| progress.next(m, &file));
                if let Some(next) = next {
                    let _ = writeln!(out, "    next: {next}");
                }
            }
            for r in &plan.missing {
                let _ = writeln!(
                    out,
                    "error: {} was applied on {} but its file is gone: restore it from git, or `cargo xtask migration repair --reason \"...\"`",
                    r.version, r.applied_at
                );
            }
            for p in &set.problems {
                let _ = writeln!(out, "error: {p}");
            }
            let count = |s: State| plan.entries.iter().filter(|e| e.state == s).count();
            let _ = writeln!(
                out,
                "{} applied, {} pending, {} changed, {} failed, {} missing; {} file problem{}",
                count(State::Applied),
                count(State::Pending),
                count(State::Changed),
                count(State::Failed),
                plan.missing.len(),
                set.problems.len(),
                if set.problems.len() == 1 { "" } else { "s" }
            );
            print!("{out}");
        }
    }
    Ok(if findings {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
