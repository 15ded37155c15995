//! `migration drift`: compare the target database with the migrations it
//! has applied (replayed into a throwaway database) and with
//! `current_schema/` (loaded into another), say which side disagrees, and
//! optionally write the catch-up script.

mod audit;
mod fleet;
mod print;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, Result};

use crate::args::{formats, DatabaseArgs, Format, ShadowArgs};
use crate::drift::{self, script, Aspect, Difference, ObjectId, Side, Verdict};
use crate::migration::Migration;
use crate::outcome::{BadInput, Outcome, Unanswered};
use crate::pg::connect::Database;
use crate::pg::tracking::{self, TableName, TableState};
use crate::project::{write_atomic, Project};
use crate::schema::catalog::{self, Catalog};
use crate::schema::layout::{Existing, SCHEMA_DIR};
use crate::schema::roundtrip;

/// Compare the target database with the schema the migrations build and
/// with current_schema/; say what is missing, extra or changed, and
/// which side disagrees (docs/drift.md).
///
/// Exit 0: no drift; 1: drift; 2: error. Noise (rename leftovers,
/// expressions printed differently) is kept apart and shown with
/// --show-noise. Examples:
///   cargo xtask migration drift --database-url "$PROD_URL"
///   cargo xtask migration drift --from migrations --script catch_up.sql
///   cargo xtask migration drift --from migrations --from schema   (no database)
///   cargo xtask migration drift --database-url "$PROD_URL" --against "$STAGING_URL"
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// What to compare the database with: `migrations` (replayed into a
    /// throwaway database) or `schema` (current_schema/ loaded into one).
    /// Once: the database against it; twice: the two against each other,
    /// no database [default: the database against both].
    #[arg(long, value_enum, value_name = "SIDE")]
    pub from: Vec<DriftSide>,
    /// Compare the database with another live database instead (staging
    /// against production); `--script` then makes the database match it.
    #[arg(long, value_name = "URL", conflicts_with = "from")]
    pub against: Option<String>,
    /// Write an idempotent catch-up script that makes the database match
    /// the migrations (or, with `--from schema` alone, current_schema/).
    #[arg(long, value_name = "FILE")]
    pub script: Option<std::path::PathBuf>,
    /// Let the catch-up script drop what only the database has (each drop
    /// is commented with its risk).
    #[arg(long, requires = "script")]
    pub allow_drop: bool,
    /// Also list the noise: rename leftovers and expressions the server
    /// printed differently.
    #[arg(long)]
    pub show_noise: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
    /// `markdown` writes the audit report: tracking tables, drift by
    /// table, the noise, what to do next.
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json", "markdown"]))]
    pub format: Format,
}

/// What the database is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftSide {
    Migrations,
    Schema,
}

impl Args {
    /// Any error is exit 2: exit 1 means drift was found.
    pub fn run(self, project: &Project) -> Result<Outcome> {
        self.compare(project).map_err(|e| Unanswered(e).into())
    }

    fn compare(self, project: &Project) -> Result<Outcome> {
        let fleet = self.from.len() < 2 && self.db.is_fleet();
        let opts = Options {
            tracking: self.db.table()?,
            from: self.from.clone(),
            script: self.script.clone(),
            allow_drop: self.allow_drop,
            show_noise: self.show_noise,
            shadow_url: self.shadow.shadow_url.clone(),
            format: self.format,
            against: match &self.against {
                Some(url) => Some(Database::from_conninfo(url, |k| std::env::var(k).ok())?),
                None => None,
            },
            owners: crate::project::conf::Conf::load(&project.root)?
                .owners()
                .map_err(|e| crate::project::conf::at_line(&e))?,
        };
        if fleet {
            if opts.script.is_some() {
                return Err(BadInput(
                    "--script writes the catch-up script of one database: name one target (--database-url or --env)".into(),
                )
                .into());
            }
            return fleet::drift_all(project, &self.db.targets(project)?, &opts);
        }
        let db = if self.from.len() >= 2 {
            None
        } else {
            Some(self.db.database(project)?)
        };
        let examined = examine(project, db.as_ref(), &opts, &mut Replays::default())?;
        let report = examined.report();
        show(&opts, &report)?;
        Ok(report.outcome())
    }
}

/// The report, as `opts.format` asks.
fn show(opts: &Options, report: &Report) -> Result<()> {
    match opts.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&print::report_json(report))?
        ),
        Format::Markdown => print!("{}", audit::markdown(report)),
        _ => print::print_text(opts, report),
    }
    Ok(())
}

/// What one drift check does, resolved from its arguments.
pub struct Options {
    /// Sides to compare the database with (empty: both); two: each other.
    pub from: Vec<DriftSide>,
    pub script: Option<std::path::PathBuf>,
    pub allow_drop: bool,
    pub show_noise: bool,
    pub shadow_url: Option<String>,
    pub tracking: TableName,
    pub format: Format,
    /// The reference database the target is compared with, instead of the
    /// migrations and current_schema/.
    pub against: Option<Database>,
    /// touchpoint.conf's `owners = true`: owners are compared.
    pub owners: bool,
}

/// One side, read.
struct ComparedSide {
    side: Side,
    /// How the report names it.
    label: String,
    catalog: Catalog,
}

/// The sides read, the database first.
struct ReadSides {
    sides: Vec<ComparedSide>,
    /// Every file in migrations/ (when the migrations are a side).
    every_file: Vec<Migration>,
    /// The database has not applied every file.
    pending: bool,
    /// The server version the replays ran for: the database's, else
    /// touchpoint.conf's `server_version`.
    major: Option<u32>,
    /// What the comparison leaves out (tracking tables).
    ignore: drift::Options,
    notes: Vec<String>,
    /// The tracking tables found on the databases read, a line each.
    bookkeeping: Vec<String>,
}

impl ReadSides {
    /// The side made to match (the migrations, else current_schema/) and
    /// the other one, when two sides are compared.
    fn expected_and_actual(&self) -> (&ComparedSide, &ComparedSide) {
        if self.sides[0].side == Side::Database {
            (&self.sides[1], &self.sides[0])
        } else {
            (&self.sides[0], &self.sides[1])
        }
    }
}

/// One drift check's answer: the sides read and how they differ.
struct Examined {
    sides: Vec<ComparedSide>,
    verdicts: Vec<Verdict>,
    notes: Vec<String>,
    bookkeeping: Vec<String>,
    script: Option<(String, script::Script)>,
}

impl Examined {
    fn report(&self) -> Report<'_> {
        let (noise, real) = self
            .verdicts
            .iter()
            .partition(|v| v.difference.noise.is_some());
        Report {
            sides: &self.sides,
            real,
            noise,
            notes: &self.notes,
            bookkeeping: &self.bookkeeping,
            unmodelled: unmodelled(&self.sides),
            script: self.script.as_ref(),
        }
    }
}

/// What the report says.
struct Report<'a> {
    sides: &'a [ComparedSide],
    real: Vec<&'a Verdict>,
    noise: Vec<&'a Verdict>,
    notes: &'a [String],
    bookkeeping: &'a [String],
    /// `kind name` of what is not compared, on any side.
    unmodelled: Vec<String>,
    /// The catch-up script written, and where.
    script: Option<&'a (String, script::Script)>,
}

impl Report<'_> {
    fn outcome(&self) -> Outcome {
        if self.real.is_empty() {
            Outcome::Clean
        } else {
            Outcome::Findings
        }
    }
}

/// The shadow servers, migration replays and loads of current_schema/
/// made so far, by server version: over a fleet, targets at the same
/// migration on the same version share one replay.
#[derive(Default)]
struct Replays {
    shadows: HashMap<Option<u32>, Database>,
    migrations: HashMap<(Option<u32>, Vec<String>), Catalog>,
    schema: HashMap<Option<u32>, Catalog>,
}

impl Replays {
    fn shadow(
        &mut self,
        project: &Project,
        opts: &Options,
        major: Option<u32>,
    ) -> Result<Database> {
        if let Some(db) = self.shadows.get(&major) {
            return Ok(db.clone());
        }
        let db = crate::shadow::shadow_for(project, opts.shadow_url.as_deref(), major)?;
        self.shadows.insert(major, db.clone());
        Ok(db)
    }

    /// The schema `set` builds, replayed for a server of `major`.
    fn migrations(
        &mut self,
        project: &Project,
        opts: &Options,
        major: Option<u32>,
        set: &[Migration],
    ) -> Result<Catalog> {
        let key = (major, set.iter().map(|m| m.name.stem.clone()).collect());
        if let Some(catalog) = self.migrations.get(&key) {
            return Ok(catalog.clone());
        }
        let shadow = self.shadow(project, opts, major)?;
        let catalog = crate::shadow::replay(project, &shadow, set, &[set.len()])?
            .pop()
            .expect("one catalog");
        self.migrations.insert(key, catalog.clone());
        Ok(catalog)
    }

    /// current_schema/ loaded on a server of `major`.
    fn schema(&mut self, project: &Project, opts: &Options, major: Option<u32>) -> Result<Catalog> {
        if let Some(catalog) = self.schema.get(&major) {
            return Ok(catalog.clone());
        }
        let shadow = self.shadow(project, opts, major)?;
        let catalog = crate::pg::block_on(schema_catalog(project, &shadow))?;
        self.schema.insert(major, catalog.clone());
        Ok(catalog)
    }
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
            let applied: BTreeSet<&str> = rows
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
    crate::shadow::templates::drop_database(&admin, &name).await;
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

/// Reads the sides, compares them and writes the catch-up script asked
/// for.
fn examine(
    project: &Project,
    db: Option<&Database>,
    opts: &Options,
    replays: &mut Replays,
) -> Result<Examined> {
    let from = sides_to_read(db, opts)?;
    let mut read = read_sides(project, db, opts, &from, replays)?;
    if opts.owners {
        for side in &mut read.sides {
            side.catalog.model_owners();
        }
    }
    let verdicts = compare(project, opts, &mut read, replays)?;
    let script = match &opts.script {
        Some(path) => Some(write_script(
            path,
            &read.sides,
            &read.ignore,
            opts.allow_drop,
        )?),
        None => None,
    };
    Ok(Examined {
        sides: read.sides,
        verdicts,
        notes: read.notes,
        bookkeeping: read.bookkeeping,
        script,
    })
}

/// The sides `--from` names, each once; refused when `--script` has no
/// database to change.
fn sides_to_read(db: Option<&Database>, opts: &Options) -> Result<Vec<DriftSide>> {
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
    Ok(from)
}

/// Reads the database (leaving another tool's tracking table out), the
/// migrations it applied replayed, and current_schema/ loaded, as `from`
/// asks; the replays run for the database's server version.
fn read_sides(
    project: &Project,
    db: Option<&Database>,
    opts: &Options,
    from: &[DriftSide],
    replays: &mut Replays,
) -> Result<ReadSides> {
    if let (Some(db), Some(reference)) = (db, &opts.against) {
        return crate::pg::block_on(read_against(db, reference, opts));
    }
    let want = |s: DriftSide| from.is_empty() || from.contains(&s);
    let set = if want(DriftSide::Migrations) {
        Some(crate::shadow::load_set(project)?)
    } else {
        None
    };
    let every_file = set.clone().unwrap_or_default();
    let mut ignore = drift::Options {
        ignore_tables: vec![(opts.tracking.schema.clone(), opts.tracking.name.clone())],
        owners: opts.owners,
    };
    let mut notes = Vec::new();
    let mut bookkeeping = Vec::new();
    let (database, set, major) = match db {
        Some(db) => {
            let read = crate::pg::block_on(read_database(db, opts, set, &mut ignore))?;
            notes.extend(read.note);
            bookkeeping = read.bookkeeping;
            (Some(read.side), read.applied, Some(read.major))
        }
        None => (None, set, configured_major(project)?),
    };
    let pending = set.as_ref().is_some_and(|s| s.len() < every_file.len());
    let mut sides: Vec<ComparedSide> = database.into_iter().collect();
    if let Some(set) = set {
        sides.push(ComparedSide {
            side: Side::Migrations,
            label: range_label(&set),
            catalog: replays.migrations(project, opts, major, &set)?,
        });
    }
    if want(DriftSide::Schema) {
        sides.push(ComparedSide {
            side: Side::Schema,
            label: format!("{SCHEMA_DIR}/"),
            catalog: replays.schema(project, opts, major)?,
        });
    }
    Ok(ReadSides {
        sides,
        every_file,
        pending,
        major,
        ignore,
        notes,
        bookkeeping,
    })
}

/// The database and the reference database it is compared with; each
/// one's tracking tables left out.
async fn read_against(db: &Database, reference: &Database, opts: &Options) -> Result<ReadSides> {
    if db.identity() == reference.identity() {
        return Err(BadInput(format!(
            "--against names the database being checked ({}): name another database to compare it with",
            db.short_name()
        ))
        .into());
    }
    let mut ignore = drift::Options {
        ignore_tables: vec![(opts.tracking.schema.clone(), opts.tracking.name.clone())],
        owners: opts.owners,
    };
    let target = read_database(db, opts, None, &mut ignore).await?;
    let mut other = read_database(reference, opts, None, &mut ignore)
        .await
        .context("cannot read the reference database (--against)")?;
    other.side.side = Side::Reference;
    other.side.label = format!("reference database ({})", reference.display());
    let mut notes = Vec::new();
    if target.major != other.major {
        notes.push(format!(
            "the database runs PostgreSQL {} and the reference {}: expressions the two print differently show as noise or changes",
            target.major, other.major
        ));
    }
    let bookkeeping = target
        .bookkeeping
        .into_iter()
        .chain(other.bookkeeping.iter().map(|l| format!("reference: {l}")))
        .collect();
    Ok(ReadSides {
        sides: vec![target.side, other.side],
        every_file: Vec::new(),
        pending: false,
        major: Some(target.major),
        ignore,
        notes,
        bookkeeping,
    })
}

/// touchpoint.conf's `server_version`, when no database says its own.
fn configured_major(project: &Project) -> Result<Option<u32>> {
    crate::project::conf::Conf::load(&project.root)?
        .server_version()
        .map_err(|e| crate::project::conf::at_line(&e))
}

/// The database as a side, and what it says of the migrations.
struct DatabaseRead {
    side: ComparedSide,
    /// What the migrations compared with leave out.
    note: Option<String>,
    /// The migrations the database applied, of those asked about.
    applied: Option<Vec<Migration>>,
    /// Its server's major version.
    major: u32,
    /// Its tracking tables, a line each.
    bookkeeping: Vec<String>,
}

/// The database side, with `set` narrowed to the migrations it applied.
async fn read_database(
    db: &Database,
    opts: &Options,
    set: Option<Vec<Migration>>,
    ignore: &mut drift::Options,
) -> Result<DatabaseRead> {
    let client = db.connect("touchpoint drift").await?;
    let major = Database::major(&client).await?;
    // Another tool's tracking table is bookkeeping, not schema (and a
    // catch-up script must never drop it).
    let mut bookkeeping = vec![tracking_line(&client, &opts.tracking).await?];
    for found in crate::pg::legacy::find(&client, None).await? {
        ignore
            .ignore_tables
            .push((found.table.schema.clone(), found.table.name.clone()));
        bookkeeping.push(legacy_line(&client, &found).await);
    }
    let catalog = if opts.script.is_some() {
        catalog::read(&client).await?
    } else {
        catalog::read_for_compare(&client).await?
    };
    let (applied, note) = match set {
        Some(set) => {
            let (applied, note) = applied_set(&client, &opts.tracking, set).await?;
            (Some(applied), note)
        }
        None => (None, None),
    };
    let side = ComparedSide {
        side: Side::Database,
        label: format!("database ({})", db.display()),
        catalog,
    };
    Ok(DatabaseRead {
        side,
        note,
        applied,
        major,
        bookkeeping,
    })
}

/// Another tool's tracking table and its last version, in a line.
async fn legacy_line(client: &tokio_postgres::Client, found: &crate::pg::legacy::Found) -> String {
    let Some(tool) = found.tool else {
        return format!("{} (unknown tool): left out of the comparison", found.table);
    };
    let last = match crate::pg::legacy::read(client, &found.table, tool, &found.columns).await {
        Ok(history) => history.latest().map_or("no version".to_string(), |v| {
            format!("last version {}", v.version)
        }),
        Err(e) => format!("unreadable: {e:#}"),
    };
    format!(
        "{} ({}): {last}; another tool's, left out of the comparison (`cargo xtask migration adopt` takes its history over)",
        found.table,
        tool.label()
    )
}

/// What touchpoint's tracking table holds, in a line.
async fn tracking_line(client: &tokio_postgres::Client, table: &TableName) -> Result<String> {
    Ok(match tracking::inspect(client, table).await? {
        TableState::Missing => format!(
            "{table} (touchpoint): none; nothing was applied by touchpoint (`cargo xtask migration baseline` records what the database already holds)"
        ),
        TableState::Foreign(_) => format!("{table}: not touchpoint's (other columns)"),
        TableState::Ours => {
            let rows = tracking::load(client, table).await?;
            let failed = rows.iter().filter(|r| !r.success).count();
            let last = rows
                .iter()
                .filter(|r| r.success)
                .max_by(|a, b| a.version.cmp(&b.version));
            format!(
                "{table} (touchpoint): {} applied{}{}",
                rows.len() - failed,
                last.map_or(String::new(), |r| format!(
                    ", the last {} on {}",
                    r.version, r.applied_at
                )),
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            )
        }
    })
}

/// `kind name` of what no side's model holds, once each, sorted.
fn unmodelled(sides: &[ComparedSide]) -> Vec<String> {
    let mut unmodelled: Vec<String> = sides
        .iter()
        .flat_map(|s| s.catalog.unmodelled.iter().map(|(k, n)| format!("{k} {n}")))
        .collect();
    unmodelled.sort();
    unmodelled.dedup();
    unmodelled
}

/// The three-way verdicts, or for two sides each difference with the
/// actual side as the one that disagrees; what migrations not applied yet
/// explain left out with a note.
fn compare(
    project: &Project,
    opts: &Options,
    read: &mut ReadSides,
    replays: &mut Replays,
) -> Result<Vec<Verdict>> {
    let sides = &read.sides;
    let ignore = &read.ignore;
    if sides.len() == 3 {
        let verdicts = drift::three_way(
            &sides[0].catalog,
            &sides[1].catalog,
            &sides[2].catalog,
            ignore,
        );
        return leave_out_pending(project, opts, read, verdicts, replays);
    }
    let (expected, actual) = read.expected_and_actual();
    Ok(drift::compare(&expected.catalog, &actual.catalog, ignore)
        .into_iter()
        .map(|d| Verdict {
            odd_one: Some(actual.side),
            database: if actual.side == Side::Database {
                d.actual.clone()
            } else {
                None
            },
            migrations: if expected.side == Side::Migrations {
                d.expected.clone()
            } else {
                None
            },
            schema: match (expected.side, actual.side) {
                (Side::Schema, _) => d.expected.clone(),
                (_, Side::Schema) => d.actual.clone(),
                _ => None,
            },
            difference: d,
        })
        .collect())
}

/// current_schema/ follows every file; a database with migrations still
/// to apply differs from it by exactly those. They are not drift: left
/// out, with a note.
fn leave_out_pending(
    project: &Project,
    opts: &Options,
    read: &mut ReadSides,
    verdicts: Vec<Verdict>,
    replays: &mut Replays,
) -> Result<Vec<Verdict>> {
    if !read.pending {
        return Ok(verdicts);
    }
    let full = replays.migrations(project, opts, read.major, &read.every_file)?;
    let differs: BTreeSet<(ObjectId, Aspect)> =
        drift::compare(&full, &read.sides[2].catalog, &read.ignore)
            .iter()
            .map(Difference::key)
            .collect();
    let (stay, explained): (Vec<Verdict>, Vec<Verdict>) = verdicts
        .into_iter()
        .partition(|v| v.odd_one != Some(Side::Schema) || differs.contains(&v.difference.key()));
    if !explained.is_empty() {
        read.notes.push(format!(
            "{} difference(s) between the database and current_schema/ come from the migrations not applied yet (`cargo xtask migration apply`): {}",
            explained.len(),
            explained
                .iter()
                .take(5)
                .map(|v| format!("{} {}", v.difference.id, v.difference.what()))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    Ok(stay)
}

/// The catch-up script that makes the database (the first side) match the
/// migrations, else current_schema/, written to `path`.
fn write_script(
    path: &Path,
    sides: &[ComparedSide],
    ignore: &drift::Options,
    allow_drop: bool,
) -> Result<(String, script::Script)> {
    let expected = [Side::Reference, Side::Migrations, Side::Schema]
        .iter()
        .find_map(|side| sides.iter().find(|s| s.side == *side))
        .expect("a side to match");
    let actual = &sides[0];
    let script = script::catch_up(
        &expected.catalog,
        &actual.catalog,
        ignore,
        allow_drop,
        &script::Labels {
            actual: &actual.label,
            expected: &expected.label,
        },
    );
    write_atomic(path, &script.text)?;
    Ok((path.display().to_string(), script))
}
