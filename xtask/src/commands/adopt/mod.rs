//! `migration adopt`: import another tool's migration history. Finds the
//! legacy tracking table (flyway, sqlx, dbmate, golang-migrate, drizzle, a
//! hand-rolled `schema_migrations`), shows it with a `--map` to fill in, and
//! with `--map LEGACY=NN,...` records the mapped migrations as applied
//! without running them, after checking that the database holds what they
//! build. The legacy table is only ever read.

pub mod map;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde_json::json;
use tokio_postgres::Client;

use crate::args::{DatabaseArgs, Format, FormatArgs, LockArgs, ShadowArgs, StampArgs};
use crate::drift::{self, Change, Difference, Severity};
use crate::migration::{Migration, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::tracking::os_user;
use crate::pg::tracking::{self, TableName, TableState};
use crate::project::Project;
use crate::schema::catalog;

use crate::pg::legacy::{self, Found, Legacy};

/// Import another tool's migration history (flyway, sqlx, dbmate,
/// golang-migrate, drizzle, a hand-rolled schema_migrations): record the
/// mapped migrations as applied without running them (docs/adopt.md).
///
/// Without --map, shows what it found and a mapping to fill in. The
/// legacy table is only read. Example:
///   cargo xtask migration adopt --map 20240101120000=01,20240215093000=02
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Legacy version -> migration number, comma-separated:
    /// `LEGACY=NN,...` (several legacy versions may map to one NN).
    #[arg(long, value_delimiter = ',', value_name = "LEGACY=NN,...")]
    pub map: Vec<String>,
    /// The legacy table, when more than one is found (`schema.name`).
    #[arg(long, value_name = "SCHEMA.NAME")]
    pub legacy_table: Option<String>,
    /// Record even when the mapping is incomplete, the legacy history has
    /// failed or dirty rows, or drift shows the database does not match the
    /// mapped migrations (needs --reason).
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why (stored with each record).
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub shadow: ShadowArgs,
    #[command(flatten)]
    pub stamp: StampArgs,
    #[command(flatten)]
    pub format: FormatArgs,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let db = self.db.database(project)?;
        let opts = Options {
            table: self.db.table()?,
            map: self.map,
            legacy_table: self.legacy_table,
            force: self.force,
            reason: self.reason,
            shadow_url: self.shadow.shadow_url,
            lock_wait: self.lock.wait(),
            stamp: self.stamp.enabled(),
            today: crate::args::today(),
            format: self.format.format,
        };
        crate::pg::block_on(adopt(project, &db, &opts))
    }
}

/// What one adoption does, resolved from its arguments.
pub struct Options {
    /// `LEGACY=NN` items as given.
    pub map: Vec<String>,
    pub legacy_table: Option<String>,
    pub force: bool,
    pub reason: Option<String>,
    pub shadow_url: Option<String>,
    pub lock_wait: std::time::Duration,
    pub table: TableName,
    pub stamp: bool,
    pub today: NaiveDate,
    pub format: Format,
}

fn reason(opts: &Options) -> Option<&str> {
    opts.reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

async fn adopt(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    if opts.force && reason(opts).is_none() {
        bail!(BadInput(
            "--force needs --reason saying why the history is recorded anyway (it is stored with every record)".into()
        ));
    }
    let explicit = match &opts.legacy_table {
        Some(t) => Some(TableName::parse(t).map_err(|_| {
            BadInput(format!(
                "bad --legacy-table `{t}`: use schema.name, e.g. public.schema_migrations or drizzle.__drizzle_migrations"
            ))
        })?),
        None => None,
    };
    let migrations = project.load_migrations()?.sound("recorded")?;
    let client = db.connect("touchpoint adopt").await?;
    let legacies = find_legacy(&client, db, explicit.as_ref()).await?;

    if opts.map.is_empty() {
        report(&legacies, &migrations, opts);
        return Ok(Outcome::Clean);
    }
    if legacies.len() > 1 {
        let names: Vec<String> = legacies
            .iter()
            .map(|l| format!("{} ({})", l.table, l.tool.label()))
            .collect();
        bail!(BadInput(format!(
            "found {} legacy tracking tables: {}; say which one --map is for with --legacy-table <schema.name> (nothing was recorded)",
            legacies.len(),
            names.join(", ")
        )));
    }
    let legacy = &legacies[0];
    if legacy.table == opts.table {
        bail!(BadInput(format!(
            "the legacy table {t} ({tool}) sits at touchpoint's tracking table name, and touchpoint never writes to another tool's table; nothing was recorded. Keep touchpoint's history under another name: add --tracking-table {s} (any schema.name that is free), and set TOUCHPOINT_TRACKING_TABLE={s} for every later command (apply, status, rollback, sync ...) so that they find it",
            t = legacy.table,
            tool = legacy.tool.label(),
            s = suggested_table(legacy),
        )));
    }

    let (items, mut problems) = map::parse(&opts.map);
    let plan = map::plan(legacy, &items, &migrations);
    problems.extend(plan.problems.iter().cloned());
    if !problems.is_empty() {
        let forcing = opts.force && problems.iter().all(|p| p.forceable);
        for p in &problems {
            eprintln!(
                "{}: {}",
                if forcing { "warning" } else { "error" },
                p.message
            );
        }
        if problems.iter().any(|p| !p.forceable) {
            bail!(BadInput(format!(
                "the --map does not fit {} and migrations/ (above); nothing was recorded. `cargo xtask migration adopt` without --map shows the history and a mapping to start from",
                legacy.table
            )));
        }
        if !opts.force {
            bail!(BadInput(format!(
                "refused (above); nothing was recorded. Complete the --map for {}, or record it anyway with --force --reason \"...\" (the reason is stored with every record)",
                legacy.table
            )));
        }
        eprintln!(
            "warning: recording anyway (--force): {}",
            reason(opts).unwrap_or_default()
        );
    }

    tracking::with_lock(
        &client,
        opts.lock_wait,
        record(project, opts, &client, legacy, &plan, &migrations),
    )
    .await
}

/// The legacy tables to adopt from: `explicit`, else every table under a
/// known name (touchpoint's own left out).
async fn find_legacy(
    client: &Client,
    db: &Database,
    explicit: Option<&TableName>,
) -> Result<Vec<Legacy>> {
    let found = legacy::find(client, explicit).await?;
    if found.is_empty() {
        bail!(BadInput(match explicit {
            Some(t) => format!("there is no table {t} in {}", db.display()),
            None => format!(
                "no legacy tracking table in {}: looked for {} in every schema; name yours with --legacy-table <schema.name>",
                db.display(),
                legacy::KNOWN_NAMES.join(", ")
            ),
        }));
    }
    let (known, unknown): (Vec<Found>, Vec<Found>) =
        found.into_iter().partition(|f| f.tool.is_some());
    if known.is_empty() {
        let f = &unknown[0];
        let ours = f.columns.len() == tracking::COLUMNS.len();
        bail!(BadInput(if ours {
            format!(
                "{} is touchpoint's own tracking table, not a legacy one",
                f.table
            )
        } else {
            format!(
                "{} has columns adopt cannot read as a migration history ({}); adopt reads flyway, sqlx, dbmate, golang-migrate, drizzle and hand-rolled tables with a `version` column (docs/adopt.md)",
                f.table,
                f.columns.join(", ")
            )
        }));
    }
    let mut out = Vec::new();
    for f in &known {
        let tool = f.tool.expect("partitioned on tool");
        out.push(legacy::read(client, &f.table, tool, &f.columns).await?);
    }
    Ok(out)
}

fn suggested_table(legacy: &Legacy) -> String {
    format!("{}.touchpoint_migrations", legacy.table.schema)
}

/// Without --map: what was found, and the command to run.
fn report(legacies: &[Legacy], set: &[Migration], opts: &Options) {
    let entries: Vec<(String, Option<String>)> = legacies
        .iter()
        .map(|l| {
            let collision = (l.table == opts.table).then(|| suggested_table(l));
            let tracking = collision
                .as_ref()
                .map_or(String::new(), |s| format!(" --tracking-table {s}"));
            (
                format!(
                    "cargo xtask migration adopt --legacy-table {}{tracking} --map {}",
                    l.table,
                    map::template(l, set)
                ),
                collision,
            )
        })
        .collect();
    if opts.format == Format::Json {
        let tables: Vec<_> = legacies
            .iter()
            .zip(&entries)
            .map(|(l, (command, collision))| {
                json!({
                    "tool": l.tool.label(),
                    "table": l.table.to_string(),
                    "applied": l.versions.len(),
                    "latest": l.latest().map(|v| v.version.clone()),
                    "failed": l.failed().map(|v| json!({"version": v.version, "state": v.failed})).collect::<Vec<_>>(),
                    "versions": l.versions.iter().map(|v| json!({"version": v.version, "description": v.description, "failed": v.failed})).collect::<Vec<_>>(),
                    "skipped": l.skipped,
                    "map": map::template(l, set),
                    "command": command,
                    "tracking_table_collision": collision.is_some(),
                })
            })
            .collect();
        let out = json!({
            "legacy_tables": tables,
            "tracking_table": opts.table.to_string(),
            "migrations": set.iter().map(|m| m.name.stem.clone()).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        return;
    }
    for (l, (command, collision)) in legacies.iter().zip(&entries) {
        let failed = l.failed().count();
        println!(
            "{} history in {}: {} applied version{}, latest {}{}",
            l.tool.label(),
            l.table,
            l.versions.len(),
            if l.versions.len() == 1 { "" } else { "s" },
            l.latest().map_or("none".to_string(), describe),
            if failed > 0 {
                format!("; {failed} failed or dirty")
            } else {
                String::new()
            }
        );
        if l.tool.single_version() {
            println!("  (golang-migrate keeps only the current version: every migration up to the one it maps to is recorded)");
        }
        for v in &l.versions {
            println!(
                "  {}{}",
                describe(v),
                v.failed
                    .as_deref()
                    .map_or(String::new(), |f| format!("  NOT FINISHED ({f})"))
            );
        }
        for s in &l.skipped {
            println!("  not mapped: {s}");
        }
        if failed > 0 {
            println!("  the history is half-applied: finish or undo the failed version by hand first; adopt refuses it unless --force --reason");
        }
        if let Some(s) = collision {
            println!(
                "  note: {} is also touchpoint's tracking table name, and touchpoint never writes to another tool's table: keep touchpoint's history elsewhere (the command below uses --tracking-table {s}) and set TOUCHPOINT_TRACKING_TABLE={s} for every later command",
                l.table
            );
        }
        println!(
            "to adopt it, check the mapping (LEGACY=NN; replace every `?` with a migration number from migrations/) and run, with the same --database-url:"
        );
        println!("  {command}");
    }
    println!(
        "migrations/ holds {} file{}{}",
        set.len(),
        if set.len() == 1 { "" } else { "s" },
        match (set.first(), set.last()) {
            (Some(a), Some(b)) => format!(", {} to {}", a.name.number_text, b.name.number_text),
            _ => String::new(),
        }
    );
}

fn describe(v: &legacy::Version) -> String {
    match &v.description {
        Some(d) => format!("{} ({d})", v.version),
        None => v.version.clone(),
    }
}

/// Records `todo` as applied (not run) in one transaction, creating the
/// tracking table when it is missing; on failure nothing is recorded.
async fn write_records(
    client: &Client,
    opts: &Options,
    todo: &[&(&Migration, Vec<String>)],
    notes: &[String],
) -> Result<()> {
    let written = async {
        client.batch_execute("BEGIN").await?;
        match tracking::inspect(client, &opts.table).await? {
            TableState::Missing => client
                .batch_execute(&tracking::create_sql(&opts.table))
                .await
                .with_context(|| format!("cannot create the tracking table {}", opts.table))?,
            TableState::Ours => allow_adopt_kind(client, &opts.table).await?,
            TableState::Foreign(cols) => {
                return Err(tracking::foreign_table_error(&opts.table, &cols))
            }
        }
        for ((m, _), note) in todo.iter().zip(notes) {
            tracking::record_unrun(client, &opts.table, m, "adopt", note, &os_user()).await?;
        }
        client.batch_execute("COMMIT").await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = written {
        let _ = client.batch_execute("ROLLBACK").await;
        return Err(e.context(format!(
            "nothing was recorded in {} (the transaction was rolled back)",
            opts.table
        )));
    }
    Ok(())
}

async fn record(
    project: &Project,
    opts: &Options,
    client: &Client,
    legacy: &Legacy,
    plan: &map::Plan<'_>,
    set: &[Migration],
) -> Result<Outcome> {
    let rows = tracking::load(client, &opts.table).await?;
    let (already, todo): (Vec<_>, Vec<_>) = plan
        .records
        .iter()
        .partition(|(m, _)| rows.iter().any(|r| r.version == m.name.stem));
    let top = plan.records.last().map(|(m, _)| m.name.number);
    if todo.is_empty() {
        // A run whose stamping failed left records without stamps.
        if opts.stamp {
            for (m, _) in &already {
                let same = rows
                    .iter()
                    .any(|r| r.version == m.name.stem && r.checksum == m.checksum.to_string());
                if same {
                    project.stamp(m, Touchpoint::Executed, opts.today)?;
                }
            }
        }
        if opts.format == Format::Json {
            print_json(opts, legacy, &[], &already, &[]);
        } else {
            println!(
                "adopt: nothing to record: the {} migration{} mapped from {} {} already in {}",
                already.len(),
                if already.len() == 1 { "" } else { "s" },
                legacy.table,
                if already.len() == 1 { "is" } else { "are" },
                opts.table
            );
        }
        return Ok(Outcome::Clean);
    }

    let (findings, minor) =
        drift_check(project, opts, client, legacy, set, top.unwrap_or(0)).await?;
    if minor > 0 && opts.format == Format::Text {
        println!(
            "note: {minor} difference{} between the database and migrations/ up to {:02} that do{} not block adoption (extra objects, comments ...); `{}` lists them",
            if minor == 1 { "" } else { "s" },
            top.unwrap_or(0),
            if minor == 1 { "es" } else { "" },
            drift_command(opts)
        );
    }
    if !findings.is_empty() {
        eprintln!(
            "the database does not match migrations/ up to {:02} replayed ({} difference{}):",
            top.unwrap_or(0),
            findings.len(),
            if findings.len() == 1 { "" } else { "s" }
        );
        for f in findings.iter().take(SHOWN_FINDINGS) {
            eprintln!("  {}", finding_line(f));
        }
        if findings.len() > SHOWN_FINDINGS {
            eprintln!(
                "  ... and {} more; the full report: `{}`",
                findings.len() - SHOWN_FINDINGS,
                drift_command(opts)
            );
        }
        if !opts.force {
            bail!(
                "refused: recording these migrations as applied would say the database holds what they build, and it does not; nothing was recorded. See the full report with `{}` (until something is recorded it compares with every file in migrations/; its --script writes a catch-up script to review and run), or record anyway with --force --reason \"...\"",
                drift_command(opts)
            );
        }
        eprintln!("warning: recording anyway (--force)");
    }

    let notes: Vec<String> = todo
        .iter()
        .map(|(_, from)| note(opts, legacy, from, findings.len()))
        .collect();
    write_records(client, opts, &todo, &notes).await?;
    if opts.stamp {
        for (m, _) in &todo {
            project
                .stamp(m, Touchpoint::Executed, opts.today)
                .with_context(|| {
                    format!(
                        "the records are in {}; ticking the Executed stamp of {} failed (run adopt again: it ticks the stamps of what is recorded)",
                        opts.table, m.name.stem
                    )
                })?;
        }
    }
    if opts.format == Format::Json {
        print_json(opts, legacy, &todo, &already, &plan.unmapped);
        return Ok(Outcome::Clean);
    }
    for (m, from) in &todo {
        println!(
            "recorded {} as applied (not run), {}",
            m.name.stem,
            source(legacy, from)
        );
    }
    if !plan.unmapped.is_empty() {
        println!(
            "not recorded (no migration, forced): {} version{} {}",
            legacy.table,
            if plan.unmapped.len() == 1 { "" } else { "s" },
            plan.unmapped.join(", ")
        );
    }
    println!(
        "adopt: {} migration{} recorded up to {:02} in {} from {} ({}); {} were already there. {} was only read and is unchanged",
        todo.len(),
        if todo.len() == 1 { "" } else { "s" },
        top.unwrap_or(0),
        opts.table,
        legacy.table,
        legacy.tool.label(),
        already.len(),
        legacy.table
    );
    if opts.table != TableName::default() {
        println!(
            "next: set TOUCHPOINT_TRACKING_TABLE={} for every later command, then `cargo xtask migration status`",
            opts.table
        );
    } else {
        println!(
            "next: `cargo xtask migration status` shows them applied; `apply` runs what follows"
        );
    }
    Ok(Outcome::Clean)
}

/// The drift report to read, against the same tracking table.
fn drift_command(opts: &Options) -> String {
    if opts.table == TableName::default() {
        "cargo xtask migration drift --from migrations".to_string()
    } else {
        format!(
            "cargo xtask migration drift --from migrations --tracking-table {}",
            opts.table
        )
    }
}

/// Findings printed before "... and N more".
const SHOWN_FINDINGS: usize = 20;

fn finding_line(f: &Difference) -> String {
    let side = |s: &Option<String>| s.as_deref().unwrap_or("nothing").to_string();
    match f.change {
        Change::Missing => format!("missing {}: {}", f.id, side(&f.expected)),
        Change::Extra => format!("extra {}: {}", f.id, side(&f.actual)),
        Change::Changed => format!(
            "{} differs in {}: expected {}, actual {}",
            f.id,
            f.aspect,
            side(&f.expected),
            side(&f.actual)
        ),
    }
}

fn source(legacy: &Legacy, from: &[String]) -> String {
    if from.is_empty() && legacy.tool.single_version() {
        format!(
            "covered by {} version {} in {}",
            legacy.tool.label(),
            legacy.latest().map_or("?", |v| &v.version),
            legacy.table
        )
    } else if from.is_empty() {
        format!("no version of {} maps to it (forced)", legacy.table)
    } else {
        format!(
            "from {} version{} {} in {}",
            legacy.tool.label(),
            if from.len() == 1 { "" } else { "s" },
            from.join(", "),
            legacy.table
        )
    }
}

/// What the record's `note` says: where it came from, and why when forced.
fn note(opts: &Options, legacy: &Legacy, from: &[String], findings: usize) -> String {
    let mut note = format!("adopt: {}", source(legacy, from));
    if opts.force {
        note.push_str("; forced");
        if findings > 0 {
            note.push_str(&format!(" past {findings} drift finding(s)"));
        }
    }
    if let Some(r) = reason(opts) {
        note.push_str(&format!(": {r}"));
    }
    note
}

fn print_json(
    opts: &Options,
    legacy: &Legacy,
    recorded: &[&(&Migration, Vec<String>)],
    already: &[&(&Migration, Vec<String>)],
    unmapped: &[String],
) {
    let list = |v: &[&(&Migration, Vec<String>)]| {
        v.iter()
            .map(|(m, from)| json!({"version": m.name.stem, "legacy_versions": from}))
            .collect::<Vec<_>>()
    };
    let out = json!({
        "legacy_table": legacy.table.to_string(),
        "tool": legacy.tool.label(),
        "tracking_table": opts.table.to_string(),
        "recorded": list(recorded),
        "already_recorded": list(already),
        "unmapped": unmapped,
        "forced": opts.force,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}

/// Tables created before `adopt` existed restrict `kind` to apply, baseline
/// and repair; widen that check (it is touchpoint's own table), in the
/// recording transaction.
async fn allow_adopt_kind(client: &Client, table: &TableName) -> Result<()> {
    let rows = client
        .query(
            "SELECT conname::text FROM pg_catalog.pg_constraint
              WHERE conrelid = $1::text::regclass AND contype = 'c'
                AND pg_get_constraintdef(oid) LIKE '%kind%' AND pg_get_constraintdef(oid) NOT LIKE '%adopt%'",
            &[&table.sql()],
        )
        .await
        .with_context(|| format!("cannot read the constraints of {table}"))?;
    for r in &rows {
        let name: String = r.get(0);
        client
            .batch_execute(&format!(
                "ALTER TABLE {t} DROP CONSTRAINT {c}, ADD CONSTRAINT {c} CHECK (kind IN ('apply', 'baseline', 'repair', 'adopt'))",
                t = table.sql(),
                c = crate::sql::quote::ident(&name)
            ))
            .await
            .with_context(|| format!("cannot allow kind 'adopt' in {table}"))?;
    }
    Ok(())
}

/// Replays migrations/ up to `top` and compares that schema with the live
/// one; returns the findings that are not noise and block adoption (warning
/// or error), and how many others (info) there are.
async fn drift_check(
    project: &Project,
    opts: &Options,
    client: &Client,
    legacy: &Legacy,
    set: &[Migration],
    top: u32,
) -> Result<(Vec<Difference>, usize)> {
    let n = set.iter().filter(|m| m.name.number <= top).count();
    let live = catalog::read_for_compare(client)
        .await
        .context("cannot read the database's schema for the drift check")?;
    let shadow = crate::shadow::shadow(project, opts.shadow_url.as_deref())?;
    let replayed = crate::shadow::replay_async(project, &shadow, set, &[n])
        .await
        .with_context(|| format!("cannot replay migrations/ up to {top:02} for the drift check"))?;
    let expected = replayed.into_iter().next().unwrap_or_default();
    // The tracking tables (and a schema holding nothing else) are left out
    // by the engine; a table only the database has is one extra object.
    let bookkeeping = [legacy.table.clone(), opts.table.clone()];
    let findings = drift::compare(
        &expected,
        &live,
        &drift::Options {
            ignore_tables: bookkeeping
                .iter()
                .map(|t| (t.schema.clone(), t.name.clone()))
                .collect(),
            owners: false,
        },
    );
    let (blocking, minor): (Vec<Difference>, Vec<Difference>) = findings
        .into_iter()
        .filter(|f| f.noise.is_none())
        .partition(|f| f.severity >= Severity::Warning);
    Ok((blocking, minor.len()))
}
