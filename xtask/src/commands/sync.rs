//! `migration sync`: rewrite `current_schema/` from a database, fill the
//! migration's SOURCE OF TRUTH lines, run the DOWNSTREAM commands, tick the
//! Synced stamp. `--check` replays the migrations instead and fails when the
//! committed files differ.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::args::{DatabaseArgs, Format, FormatArgs, ShadowArgs};
use crate::migration::header::{set_source_of_truth, tick_line};
use crate::migration::{Migration, StampState, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::project::{write_atomic, Project};
use crate::schema::catalog::{self, Catalog};
use crate::schema::files::{render, Rendered};
use crate::schema::layout::{self, Change, Config, Existing, SCHEMA_DIR};
use crate::shadow::{load_set, replay, shadow_for};

/// Rewrite current_schema/ from the database (the source of truth), fill
/// the synced migration's SOURCE OF TRUTH lines and tick its Synced stamp.
///
/// Objects stay in the file they are in; new ones go where
/// touchpoint.conf's [layout] says (default: 01_foundations.sql for
/// schemas, extensions and types, then one file per schema). DOWNSTREAM
/// commands of touchpoint.conf run and tick their line. Examples:
///   cargo xtask migration sync            (after `migration apply`)
///   cargo xtask migration sync --check    (CI: fails when current_schema/ is stale)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Replay the migrations into a throwaway database, render, and fail
    /// (exit 1) with a diff when the committed files differ. Writes nothing.
    #[arg(long)]
    pub check: bool,
    /// Where the schema comes from: the target database, or the migrations
    /// replayed into a throwaway database.
    #[arg(long, value_enum, default_value_t = SyncFrom::Database)]
    pub from: SyncFrom,
    /// Fill the SOURCE OF TRUTH lines of migration NN (default: every
    /// migration executed and not yet synced).
    #[arg(long = "for", value_name = "NN")]
    pub for_nn: Option<u32>,
    #[command(flatten)]
    pub shadow: ShadowArgs,
    /// Do not run the DOWNSTREAM commands of touchpoint.conf.
    #[arg(long)]
    pub no_downstream: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Where sync reads the schema from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFrom {
    Database,
    Migrations,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let from_migrations = self.from == SyncFrom::Migrations;
        let db = if self.check || from_migrations {
            None
        } else {
            Some(self.db.database(project)?)
        };
        let opts = Options {
            check: self.check,
            from_migrations,
            for_nn: self.for_nn,
            format: self.format.format,
            today: crate::args::today(),
            shadow_url: self.shadow.shadow_url,
            tracking: self.db.table()?,
            downstream: !self.no_downstream && !self.check,
        };
        run(project, db.as_ref(), &opts)
    }
}

/// What one sync does, resolved from its arguments.
pub struct Options {
    pub check: bool,
    /// Read the schema from the migrations replayed into a throwaway
    /// database instead of the target database.
    pub from_migrations: bool,
    /// Fill this migration's SOURCE OF TRUTH lines.
    pub for_nn: Option<u32>,
    pub format: Format,
    pub today: NaiveDate,
    /// Where `--check` / `--from migrations` replay (default: the embedded
    /// PostgreSQL).
    pub shadow_url: Option<String>,
    pub tracking: TableName,
    /// Run the DOWNSTREAM commands of `touchpoint.conf`.
    pub downstream: bool,
}

/// What migration `idx` of `set` changed in `current_schema/`: the schema
/// before and after it, replayed, rendered with today's placement. Lines
/// point into the files as they are now when the object is still there.
fn attribute(
    project: &Project,
    opts: &Options,
    shadow: &Database,
    set: &[Migration],
    idx: usize,
    config: &Config,
    now: &Existing,
) -> Result<Vec<Change>> {
    let cats = replay(project, shadow, set, &[idx, idx + 1])?;
    let before = render(&cats[0], config, now, &opts.tracking);
    let after = render(&cats[1], config, now, &opts.tracking);
    let mut old = Existing::default();
    for (f, t) in before.files {
        old.add(&f, t);
    }
    let mut changes = layout::changes(&old, &after.files);
    for c in &mut changes {
        let marker = c.object.replacen(' ', ": ", 1);
        let marker = match c.object.strip_prefix("materialized view ") {
            Some(rest) => format!("materialized view: {rest}"),
            None => marker,
        };
        if let Some(p) = now.objects.get(&marker) {
            c.file = p.file.clone();
            c.line = p.line;
        }
    }
    Ok(changes)
}

/// The database's catalog and its major version.
fn read_database(db: &Database) -> Result<(Catalog, Option<u32>)> {
    crate::pg::block_on(async {
        let client = db.connect("touchpoint sync").await?;
        let major = Database::major(&client).await?;
        Ok((catalog::read(&client).await?, Some(major)))
    })
}

fn run(project: &Project, db: Option<&Database>, opts: &Options) -> Result<Outcome> {
    let config = Config::load(&project.root)?;
    let existing = Existing::load(&project.root)?;
    let conf = crate::project::conf::Conf::load(&project.root)?;
    let (mut cat, major) = match (opts.check || opts.from_migrations, db) {
        (false, Some(db)) => read_database(db)?,
        _ => {
            let major = conf
                .server_version()
                .map_err(|e| crate::project::conf::at_line(&e))?;
            let set = load_set(project)?;
            let shadow = shadow_for(project, opts.shadow_url.as_deref(), major)?;
            let cat = replay(project, &shadow, &set, &[set.len()])?
                .pop()
                .expect("one catalog");
            (cat, major)
        }
    };
    if conf
        .owners()
        .map_err(|e| crate::project::conf::at_line(&e))?
    {
        cat.model_owners();
    }
    let rendered = render(&cat, &config, &existing, &opts.tracking);
    for w in &rendered.warnings {
        eprintln!("warning: {w}");
    }
    if opts.check {
        return check(&existing, &rendered, opts.format);
    }

    for f in &existing.edited {
        eprintln!(
            "warning: {SCHEMA_DIR}/{f} was edited by hand after sync wrote it; the edit is replaced by what the database holds (write a migration to change the schema)"
        );
    }
    let changes = layout::changes(&existing, &rendered.files);
    let removed = layout::write(&project.root, &existing, &rendered.files)?;
    let targets = targets(project, opts)?;
    let mut now = Existing::default();
    for (f, t) in &rendered.files {
        now.add(f, t.clone());
    }
    let attributed = attribute_all(project, opts, major, &targets, &config, &now, &changes)?;
    let mut downstream = Downstream::default();
    let mut filled = Vec::new();
    for (m, changed) in targets.iter().zip(&attributed) {
        filled.push(fill(project, opts, &config, m, changed, &mut downstream)?);
    }
    let written = Written {
        rendered: &rendered,
        removed: &removed,
        changes: &changes,
        filled: &filled,
        failed_downstream: &downstream.failed,
    };
    match opts.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&written.json())?),
        _ => written.print(),
    }
    Ok(if downstream.failed.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// What each target migration changed. Each one's own changes come from
/// replaying it; without a server to replay on, a single target gets what
/// this sync changed.
fn attribute_all(
    project: &Project,
    opts: &Options,
    major: Option<u32>,
    targets: &[Migration],
    config: &Config,
    now: &Existing,
    changes: &[Change],
) -> Result<Vec<Vec<Change>>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let set = load_set(project)?;
    match shadow_for(project, opts.shadow_url.as_deref(), major) {
        Ok(shadow) => targets
            .iter()
            .map(|m| {
                let idx = set
                    .iter()
                    .position(|x| x.name == m.name)
                    .expect("targets come from the set");
                attribute(project, opts, &shadow, &set, idx, config, now)
            })
            .collect(),
        Err(e) if targets.len() == 1 => {
            eprintln!("note: {e:#}; the SOURCE OF TRUTH lines list what this sync changed");
            Ok(vec![changes.to_vec()])
        }
        Err(e) => Err(e.context(format!(
            "{} migrations wait for sync and each one's changes are found by replaying it; sync them one at a time with --for NN after each apply",
            targets.len()
        ))),
    }
}

/// The DOWNSTREAM commands run so far (each once per sync), and those that
/// failed.
#[derive(Default)]
struct Downstream {
    done: BTreeMap<String, bool>,
    failed: Vec<String>,
}

/// Fills one migration's header: DOWNSTREAM lines whose command ran, the
/// SOURCE OF TRUTH lines, the Synced stamp. Returns the file as shown.
fn fill(
    project: &Project,
    opts: &Options,
    config: &Config,
    m: &Migration,
    changed: &[Change],
    downstream: &mut Downstream,
) -> Result<String> {
    let path = project.migrations_dir().join(m.name.file_name());
    let shown = project.display_path(&m.name.file_name());
    let mut text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    // DOWNSTREAM first: its line numbers are the header's as parsed.
    if let Some(h) = m.header.as_ref().filter(|_| opts.downstream) {
        for item in h.downstream.iter().filter(|d| !d.checked) {
            let Some(cmd) = config
                .downstream
                .iter()
                .find(|d| item.text.to_lowercase().starts_with(&d.line.to_lowercase()))
            else {
                continue;
            };
            let ok = *downstream
                .done
                .entry(cmd.command.clone())
                .or_insert_with(|| {
                    let ok = run_downstream(project, &cmd.command, &shown);
                    if !ok {
                        downstream
                            .failed
                            .push(format!("{} ({})", item.text, cmd.command));
                    }
                    ok
                });
            if ok {
                text = tick_line(&text, item.line);
            }
        }
    }
    let items: Vec<String> = if changed.is_empty() {
        vec![format!(
            "{SCHEMA_DIR}/ unchanged: {} changes no schema object",
            m.name.stem
        )]
    } else {
        changed.iter().map(Change::item).collect()
    };
    text = set_source_of_truth(&text, &items).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    text = crate::migration::header::set_stamp(&text, Touchpoint::Synced, opts.today, &m.checksum)
        .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    write_atomic(&path, &text)?;
    Ok(shown)
}

/// What one sync wrote, for the report.
struct Written<'a> {
    rendered: &'a Rendered,
    removed: &'a [String],
    changes: &'a [Change],
    filled: &'a [String],
    failed_downstream: &'a [String],
}

impl Written<'_> {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "files": self.rendered.files.keys().map(|f| format!("{SCHEMA_DIR}/{f}")).collect::<Vec<_>>(),
            "removed": self.removed.iter().map(|f| format!("{SCHEMA_DIR}/{f}")).collect::<Vec<_>>(),
            "changes": self.changes.iter().map(|c| serde_json::json!({
                "file": format!("{SCHEMA_DIR}/{}", c.file),
                "line": c.line,
                "object": c.object,
                "change": c.what,
            })).collect::<Vec<_>>(),
            "synced_migrations": self.filled,
            "downstream_failed": self.failed_downstream,
            "warnings": self.rendered.warnings,
        })
    }

    fn print(&self) {
        if self.changes.is_empty() && self.removed.is_empty() {
            println!(
                "{SCHEMA_DIR}/ is up to date ({} files)",
                self.rendered.files.len()
            );
        } else {
            println!(
                "{SCHEMA_DIR}/: {} object(s) changed in {} file(s)",
                self.changes.len(),
                self.rendered.files.len()
            );
            for c in self.changes {
                println!(
                    "  {}:{}: {} {}",
                    format_args!("{SCHEMA_DIR}/{}", c.file),
                    c.line,
                    c.object,
                    c.what
                );
            }
            for f in self.removed {
                println!("  removed {SCHEMA_DIR}/{f} (no objects left in it)");
            }
        }
        for f in self.filled {
            println!("{f}: SOURCE OF TRUTH lines filled, Synced stamp ticked");
        }
        if self.filled.is_empty() {
            eprintln!("no migration was waiting for sync (executed and not synced); use --for NN to fill one");
        }
        for f in self.failed_downstream {
            eprintln!("error: DOWNSTREAM command failed, its line stays unticked: {f}");
        }
        if !self.changes.is_empty() || !self.filled.is_empty() {
            eprintln!("next: git add {SCHEMA_DIR}/ migrations/ and commit");
        }
    }
}

/// The migrations whose SOURCE OF TRUTH lines this sync fills: `--for NN`,
/// else those executed (current Executed stamp) and not synced.
fn targets(project: &Project, opts: &Options) -> Result<Vec<Migration>> {
    let set = project.load_migrations()?;
    if let Some(nn) = opts.for_nn {
        let m = set
            .migrations
            .into_iter()
            .find(|m| m.name.number == nn)
            .ok_or_else(|| {
                BadInput(format!(
                    "--for {nn}: no migration numbered {nn:02} in migrations/"
                ))
            })?;
        return Ok(vec![m]);
    }
    Ok(set
        .migrations
        .into_iter()
        .filter(|m| {
            matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_))
                && !matches!(m.stamp_state(Touchpoint::Synced), StampState::Current(_))
        })
        .collect())
}

/// Runs a DOWNSTREAM command from the project root; reports its failure.
fn run_downstream(project: &Project, command: &str, migration: &str) -> bool {
    eprintln!("downstream: {command}");
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(&project.root)
        .env("TOUCHPOINT_MIGRATION", migration)
        .env("TOUCHPOINT_SCHEMA_DIR", project.root.join(SCHEMA_DIR))
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
            eprintln!("downstream command `{command}` failed ({}):", o.status);
            for l in tail.into_iter().rev() {
                eprintln!("  {l}");
            }
            false
        }
        Err(e) => {
            eprintln!("downstream command `{command}` could not start: {e}");
            false
        }
    }
}

/// `--check`: the committed files against the replayed migrations.
fn check(existing: &Existing, rendered: &Rendered, format: Format) -> Result<Outcome> {
    let mut stale: Vec<(String, String)> = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        existing.files.keys().chain(rendered.files.keys()).collect();
    for name in names {
        let old = existing.files.get(name).map_or("", String::as_str);
        let new = rendered.files.get(name).map_or("", String::as_str);
        if old != new {
            let diff = similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .context_radius(2)
                .header(
                    &format!("a/{SCHEMA_DIR}/{name} (committed)"),
                    &format!("b/{SCHEMA_DIR}/{name} (from migrations/)"),
                )
                .to_string();
            stale.push((name.clone(), diff));
        }
    }
    let fix = "cargo xtask migration sync --from migrations";
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "up_to_date": stale.is_empty(),
                "stale": stale.iter().map(|(f, d)| serde_json::json!({"file": format!("{SCHEMA_DIR}/{f}"), "diff": d})).collect::<Vec<_>>(),
                "fix": fix,
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        _ => {
            if stale.is_empty() {
                println!(
                    "{SCHEMA_DIR}/ matches the migrations ({} files)",
                    rendered.files.len()
                );
            } else {
                for (_, diff) in &stale {
                    let lines: Vec<&str> = diff.lines().collect();
                    for l in lines.iter().take(80) {
                        println!("{l}");
                    }
                    if lines.len() > 80 {
                        println!("... ({} more diff lines)", lines.len() - 80);
                    }
                }
                eprintln!(
                    "error: {SCHEMA_DIR}/ is stale: {} file(s) differ from the schema the migrations build ({}). Fix: `{fix}`, then commit {SCHEMA_DIR}/",
                    stale.len(),
                    stale.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ")
                );
            }
        }
    }
    Ok(if stale.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
