//! `migration status --offline`: every migration's touchpoint progress, read
//! from the files alone, with the command to run next.

use std::fmt::Write as _;

use anyhow::Result;
use serde_json::json;

use crate::args::{DatabaseArgs, Format, FormatArgs};
use crate::migration::progress::Progress;
use crate::migration::{StampState, Touchpoint};
use crate::outcome::Outcome;
use crate::project::Project;
use crate::runner::status as offline;

mod matrix;

/// List every migration: applied / pending / changed / failed in the
/// database, its touchpoint progress, and the next command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read only the files, not a database: touchpoint progress from the
    /// header stamps, checksums and problems with names or numbering.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        if self.offline {
            return run(project, self.format.format);
        }
        if self.db.is_fleet() {
            let targets = self.db.targets(project)?;
            return matrix::run(project, &targets, &self.db.table()?, self.format.format);
        }
        let db = self.db.database(project)?;
        run_online(project, &db, &self.db.table()?, self.format.format)
    }
}

fn run(project: &Project, format: Format) -> Result<Outcome> {
    let set = project.load_migrations()?;
    let out = match format {
        Format::Text | Format::Github | Format::Sarif | Format::Markdown => {
            offline::render_text(project, &set)
        }
        Format::Json => serde_json::to_string_pretty(&offline::to_json(project, &set))? + "\n",
    };
    print!("{out}");
    Ok(if set.problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// `migration status` against a database: each file's state in the tracking
/// table next to its touchpoint progress, and rows whose file is gone.
pub fn run_online(
    project: &Project,
    db: &crate::pg::connect::Database,
    table: &crate::pg::tracking::TableName,
    format: Format,
) -> Result<Outcome> {
    use crate::runner::plan::{Plan, State};
    let set = project.load_migrations()?;
    let rows = crate::pg::block_on(async {
        let client = db.connect("touchpoint status").await?;
        crate::pg::tracking::load(&client, table).await
    })?;
    let plan = Plan::new(&set.migrations, &rows);
    let db_state = |e: &crate::runner::plan::Entry| -> (String, Option<String>) {
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
            let mut v = offline::to_json(project, &set);
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
        _ => {
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
