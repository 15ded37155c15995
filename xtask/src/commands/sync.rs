//! `migration sync`: rewrite `current_schema/` from a database, fill the
//! migration's SOURCE OF TRUTH lines, run the DOWNSTREAM commands, tick the
//! Synced stamp. `--check` replays the migrations instead and fails when the
//! committed files differ.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::flags::Format;
use crate::migration::header::{set_source_of_truth, tick_line};
use crate::migration::{Migration, StampState, Touchpoint};
use crate::pg::cluster::Binaries;
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::project::{write_atomic, Project};
use crate::review::dynamic;
use crate::schema::catalog::{self, Catalog};
use crate::schema::layout::{self, Change, Config, Existing, SCHEMA_DIR};
use crate::schema::render::{self, Kind, Unit};
use crate::{BadInput, Outcome};

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

/// What `sync` computed: the files, and what it could not model.
pub struct Rendered {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

/// Renders the files for `cat`, keeping objects where `existing` has them.
pub fn render(
    cat: &Catalog,
    config: &Config,
    existing: &Existing,
    tracking: &TableName,
) -> Rendered {
    let (mut units, skipped) = render::units(cat);
    let tracking_key = format!("{}.{}", tracking.schema, tracking.name);
    let is_tracking = |u: &Unit| {
        let own = (u.key.kind == Kind::Table).then(|| format!("{}.{}", u.key.schema, u.key.name));
        let parent = u
            .parent
            .as_ref()
            .map(|p| format!("{}.{}", p.schema, p.name));
        own.as_deref() == Some(tracking_key.as_str())
            || parent.as_deref() == Some(tracking_key.as_str())
    };
    units.retain(|u| !is_tracking(u));
    let homes = layout::homes(&units, config, existing);
    let (ordered, mut warnings) = render::order(units, |u| {
        homes
            .get(&u.key.to_string())
            .cloned()
            .unwrap_or_else(|| layout::FOUNDATIONS.to_string())
    });
    let mut unmodelled: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, name) in cat.unmodelled.iter().chain(&skipped) {
        unmodelled
            .entry(kind.clone())
            .or_default()
            .push(name.clone());
    }
    for (kind, names) in unmodelled {
        let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
        let more = if names.len() > 5 {
            format!(" and {} more", names.len() - 5)
        } else {
            String::new()
        };
        warnings.push(format!(
            "not modelled, left out of {SCHEMA_DIR}/: {} {kind}{}: {}{more}",
            names.len(),
            if names.len() == 1 { "" } else { "(s)" },
            shown.join(", ")
        ));
    }
    Rendered {
        files: layout::render_files(&ordered),
        warnings,
    }
}

/// The server to replay migrations on: `--shadow-url`, else the embedded
/// PostgreSQL.
pub fn shadow(project: &Project, shadow_url: Option<&str>) -> Result<Database> {
    match shadow_url {
        Some(url) => Database::from_conninfo(url, |k| std::env::var(k).ok()),
        None => {
            Binaries::find().context(
                "replaying the migrations needs PostgreSQL: install it (`bash .ci/setup`) or pass --shadow-url",
            )?;
            Database::resolve(None, &project.root)
        }
    }
}

/// The schema after the first `n` migrations of `set`, for each `n` of
/// `prefixes`, each replayed into a throwaway database (cloned from the
/// cached history templates the dynamic review also uses).
pub fn replay(
    project: &Project,
    shadow: &Database,
    set: &[Migration],
    prefixes: &[usize],
) -> Result<Vec<Catalog>> {
    crate::pg::block_on(replay_async(project, shadow, set, prefixes))
}

/// [`replay`], for callers already inside a runtime.
pub async fn replay_async(
    project: &Project,
    shadow: &Database,
    set: &[Migration],
    prefixes: &[usize],
) -> Result<Vec<Catalog>> {
    let display = |m: &Migration| project.display_path(&m.name.file_name());
    let admin = shadow
        .connect("touchpoint sync")
        .await
        .context("cannot reach the server to replay the migrations on")?;
    let mut out = Vec::new();
    for &n in prefixes {
        let history: Vec<&Migration> = set[..n].iter().collect();
        let db = dynamic::replayed(&admin, shadow, &history, &display, "sync").await?;
        let result = async {
            let client = shadow.with_dbname(&db).connect("touchpoint sync").await?;
            catalog::read(&client).await
        }
        .await;
        dynamic::drop_database(&admin, &db).await;
        out.push(result?);
    }
    Ok(out)
}

pub fn load_set(project: &Project) -> Result<Vec<Migration>> {
    let set = project.load_migrations()?;
    if let Some(p) = set.problems.first() {
        return Err(BadInput(format!(
            "{p}\n(fix the migration files first: the schema is replayed from them)"
        ))
        .into());
    }
    Ok(set.migrations)
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

fn read_database(db: &Database) -> Result<Catalog> {
    crate::pg::block_on(async {
        let client = db.connect("touchpoint sync").await?;
        catalog::read(&client).await
    })
}

pub fn run(project: &Project, db: Option<&Database>, opts: &Options) -> Result<Outcome> {
    let config = Config::load(&project.root)?;
    let existing = Existing::load(&project.root)?;
    let cat = match (opts.check || opts.from_migrations, db) {
        (false, Some(db)) => read_database(db)?,
        _ => {
            let set = load_set(project)?;
            let shadow = shadow(project, opts.shadow_url.as_deref())?;
            replay(project, &shadow, &set, &[set.len()])?
                .pop()
                .expect("one catalog")
        }
    };
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
    // Each target's own changes come from replaying it; without a server to
    // replay on, a single target gets what this sync changed.
    let attributed: Vec<Vec<Change>> = if targets.is_empty() {
        Vec::new()
    } else {
        let set = load_set(project)?;
        match shadow(project, opts.shadow_url.as_deref()) {
            Ok(shadow) => targets
                .iter()
                .map(|m| {
                    let idx = set
                        .iter()
                        .position(|x| x.name == m.name)
                        .expect("targets come from the set");
                    attribute(project, opts, &shadow, &set, idx, &config, &now)
                })
                .collect::<Result<_>>()?,
            Err(e) if targets.len() == 1 => {
                eprintln!("note: {e:#}; the SOURCE OF TRUTH lines list what this sync changed");
                vec![changes.clone()]
            }
            Err(e) => {
                return Err(e.context(format!(
                    "{} migrations wait for sync and each one's changes are found by replaying it; sync them one at a time with --for NN after each apply",
                    targets.len()
                )))
            }
        }
    };
    let mut failed_downstream = Vec::new();
    let mut downstream_done: BTreeMap<String, bool> = BTreeMap::new();
    let mut filled = Vec::new();
    for (i, m) in targets.iter().enumerate() {
        let path = project.migrations_dir().join(m.name.file_name());
        let shown = project.display_path(&m.name.file_name());
        let mut text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // DOWNSTREAM first: its line numbers are the header's as parsed.
        if opts.downstream {
            if let Some(h) = &m.header {
                for item in h.downstream.iter().filter(|d| !d.checked) {
                    let Some(cmd) = config
                        .downstream
                        .iter()
                        .find(|d| item.text.to_lowercase().starts_with(&d.line.to_lowercase()))
                    else {
                        continue;
                    };
                    let ok = match downstream_done.get(&cmd.command) {
                        Some(&ok) => ok,
                        None => {
                            let ok = run_downstream(project, &cmd.command, &shown);
                            if !ok {
                                failed_downstream.push(format!("{} ({})", item.text, cmd.command));
                            }
                            downstream_done.insert(cmd.command.clone(), ok);
                            ok
                        }
                    };
                    if ok {
                        text = tick_line(&text, item.line);
                    }
                }
            }
        }
        let items: Vec<String> = if attributed[i].is_empty() {
            vec![format!(
                "{SCHEMA_DIR}/ unchanged: {} changes no schema object",
                m.name.stem
            )]
        } else {
            attributed[i].iter().map(Change::item).collect()
        };
        text = set_source_of_truth(&text, &items).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        text =
            crate::migration::header::set_stamp(&text, Touchpoint::Synced, opts.today, &m.checksum)
                .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        write_atomic(&path, &text)?;
        filled.push(shown);
    }

    match opts.format {
        Format::Json => {
            let json = serde_json::json!({
                "files": rendered.files.keys().map(|f| format!("{SCHEMA_DIR}/{f}")).collect::<Vec<_>>(),
                "removed": removed.iter().map(|f| format!("{SCHEMA_DIR}/{f}")).collect::<Vec<_>>(),
                "changes": changes.iter().map(|c| serde_json::json!({
                    "file": format!("{SCHEMA_DIR}/{}", c.file),
                    "line": c.line,
                    "object": c.object,
                    "change": c.what,
                })).collect::<Vec<_>>(),
                "synced_migrations": filled,
                "downstream_failed": failed_downstream,
                "warnings": rendered.warnings,
            });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::Text => {
            if changes.is_empty() && removed.is_empty() {
                println!(
                    "{SCHEMA_DIR}/ is up to date ({} files)",
                    rendered.files.len()
                );
            } else {
                println!(
                    "{SCHEMA_DIR}/: {} object(s) changed in {} file(s)",
                    changes.len(),
                    rendered.files.len()
                );
                for c in &changes {
                    println!(
                        "  {}:{}: {} {}",
                        format_args!("{SCHEMA_DIR}/{}", c.file),
                        c.line,
                        c.object,
                        c.what
                    );
                }
                for f in &removed {
                    println!("  removed {SCHEMA_DIR}/{f} (no objects left in it)");
                }
            }
            for f in &filled {
                println!("{f}: SOURCE OF TRUTH lines filled, Synced stamp ticked");
            }
            if filled.is_empty() {
                eprintln!("no migration was waiting for sync (executed and not synced); use --for NN to fill one");
            }
            for f in &failed_downstream {
                eprintln!("error: DOWNSTREAM command failed, its line stays unticked: {f}");
            }
            if !changes.is_empty() || !filled.is_empty() {
                eprintln!("next: git add {SCHEMA_DIR}/ migrations/ and commit");
            }
        }
    }
    Ok(if failed_downstream.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
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
        Format::Text => {
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
