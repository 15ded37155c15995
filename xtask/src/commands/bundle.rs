//! `migration bundle [--from NN] [--to NN] --out DIR`: writes the psql
//! scripts and the instructions a DBA runs by hand for the
//! migrations pending on the target database, or for a range of files.
//!
//! It only reads the target database (the tracking table); locks and
//! rewrites are measured on a throwaway server, never on the target.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use crate::args::{DatabaseArgs, ShadowArgs};
use crate::bundle::{self, Bundle, Impact, MeasuredMigration, StatementImpact};
use crate::migration::{Migration, StampState, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::tracking::{self, TableName};
use crate::project::{write_atomic, Project};
use crate::review::{dynamic, Severity};
use crate::runner::plan::{Plan, State};

/// Write the psql scripts and the instructions a DBA runs by hand, for
/// databases developers do not touch (docs/bundle.md).
///
/// Without --from / --to, bundles the migrations pending on the target
/// database (it is only read). Writes DIR/<date>_<first>-<last>_migrations.sql
/// (one transaction, left open for the DBA's COMMIT), _no_transaction.sql
/// (when a migration is `-- migrate:no-transaction`), _rollback.sql and
/// _DBA_INSTRUCTIONS.md. Every migration needs a current Reviewed stamp.
/// Examples:
///   cargo xtask migration bundle --database-url "$PROD_URL" --out release/
///   cargo xtask migration bundle --from 11 --to 14 --out release/
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The first migration (NN) to bundle; with --from or --to no database
    /// is read [default: the first file].
    #[arg(long, value_name = "NN")]
    pub from: Option<u32>,
    /// The last migration (NN) to bundle [default: the last file].
    #[arg(long, value_name = "NN")]
    pub to: Option<u32>,
    /// The directory to write the bundle to (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Bundle migrations without a current Reviewed stamp; the
    /// instructions then say so in their first line.
    #[arg(long)]
    pub unreviewed: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
    /// Do not measure locks and rewrites (the instructions say so).
    #[arg(long)]
    pub no_measure: bool,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let opts = Options {
            table: self.db.table()?,
            from: self.from,
            to: self.to,
            out: self.out,
            unreviewed: self.unreviewed,
            db: self.db,
            shadow_url: self.shadow.shadow_url,
            measure: !self.no_measure,
        };
        run(project, &opts)
    }
}

/// What one bundle does, resolved from its arguments.
#[derive(Debug, Clone)]
pub struct Options {
    pub from: Option<u32>,
    pub to: Option<u32>,
    pub out: PathBuf,
    pub unreviewed: bool,
    /// The target database (for the pending migrations).
    pub db: DatabaseArgs,
    pub table: TableName,
    pub shadow_url: Option<String>,
    pub measure: bool,
}

fn run(project: &Project, opts: &Options) -> Result<Outcome> {
    let migrations = project.load_migrations()?.sound("written")?;
    let all = &migrations;
    let chosen = if opts.from.is_some() || opts.to.is_some() {
        range(all, opts)?
    } else {
        match pending(project, all, opts)? {
            Some(c) => c,
            None => return Ok(Outcome::Clean),
        }
    };

    let mut unreviewed = Vec::new();
    for &i in &chosen {
        let m = &all[i];
        let why = match m.stamp_state(Touchpoint::Reviewed) {
            StampState::Current(_) => continue,
            StampState::NoLine | StampState::Open => "is not reviewed".to_string(),
            StampState::Stale(s) => format!(
                "changed after its review on {} (stamp sha256:{}, file now sha256:{})",
                s.date,
                s.checksum_prefix,
                m.checksum.prefix()
            ),
            StampState::Unverifiable(_) => {
                "has a Reviewed line ticked by hand, without the date and checksum review writes"
                    .to_string()
            }
        };
        unreviewed.push((m, why));
    }
    if !unreviewed.is_empty() && !opts.unreviewed {
        let lines: Vec<String> = unreviewed
            .iter()
            .map(|(m, why)| {
                let file = project.display_path(&m.name.file_name());
                format!("  {file} {why}: cargo xtask migration review {file}")
            })
            .collect();
        bail!(BadInput(format!(
            "refusing to bundle migrations without a current Reviewed stamp; nothing was written:\n{}\n(or pass --unreviewed: the instructions then say so in their first line)",
            lines.join("\n")
        )));
    }

    let impact = if opts.measure {
        measure(project, all, &chosen, opts.shadow_url.as_deref())
    } else {
        Impact::NotMeasured("bundled with --no-measure".to_string())
    };
    let b = Bundle {
        migrations: chosen.iter().map(|&i| &all[i]).collect(),
        before: all[..chosen[0]]
            .iter()
            .map(|m| m.name.stem.clone())
            .collect(),
        table: opts.table.clone(),
        unreviewed: unreviewed
            .iter()
            .map(|(m, _)| m.name.number_text.clone())
            .collect(),
        impact,
    };
    let files = b
        .render()
        .map_err(|e| anyhow::anyhow!("{e}; nothing was written"))?;
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create {}", opts.out.display()))?;
    for (name, text) in files.all() {
        let path = opts.out.join(name);
        write_atomic(&path, text)?;
        // Files for a person to read and hand on, not secrets.
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .with_context(|| format!("cannot make {} readable", path.display()))?;
        println!("{}", path.display());
    }
    if files.no_transaction.is_none() {
        // A bundle of the same range written before may have had one.
        let stale = opts
            .out
            .join(format!("{}{}", files.prefix, bundle::NO_TRANSACTION_SUFFIX));
        if stale.exists() {
            std::fs::remove_file(&stale)
                .with_context(|| format!("cannot remove the stale {}", stale.display()))?;
        }
    }
    if !unreviewed.is_empty() {
        eprintln!(
            "warning: bundled {} unreviewed migration{} (--unreviewed); the instructions say so in their first line",
            unreviewed.len(),
            if unreviewed.len() == 1 { "" } else { "s" }
        );
    }
    eprintln!(
        "next: hand {} to the DBA ({}). Once they have committed, `cargo xtask migration apply` against that database finds nothing to run and ticks the Executed stamps; then `cargo xtask migration sync`",
        opts.out.display(),
        files.instructions.0
    );
    Ok(Outcome::Clean)
}

/// Indexes of the files numbered `--from` to `--to`.
fn range(all: &[Migration], opts: &Options) -> Result<Vec<usize>> {
    let from = opts.from.unwrap_or(0);
    let to = opts.to.unwrap_or(u32::MAX);
    if from > to {
        bail!(BadInput(format!(
            "--from {from:02} is after --to {to:02}: nothing to bundle"
        )));
    }
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&i| (from..=to).contains(&all[i].name.number))
        .collect();
    if chosen.is_empty() {
        bail!(BadInput(format!(
            "no migration in migrations/ is numbered {from:02} to {}: `cargo xtask migration status --offline` lists them",
            if to == u32::MAX {
                "the last".to_string()
            } else {
                format!("{to:02}")
            }
        )));
    }
    Ok(chosen)
}

/// Indexes of the migrations pending on the target database; `None` when
/// there are none (said on stdout).
fn pending(project: &Project, all: &[Migration], opts: &Options) -> Result<Option<Vec<usize>>> {
    let no_db = |e: anyhow::Error| {
        anyhow::Error::new(BadInput(format!(
            "no database to ask which migrations are pending: {e:#}. To bundle without a database, name the migrations: --from NN --to NN"
        )))
    };
    let db = opts.db.database(project).map_err(no_db)?;
    let rows = crate::pg::block_on(async {
        let client = db.connect("touchpoint bundle").await.map_err(no_db)?;
        tracking::load(&client, &opts.table).await
    })?;
    let plan = Plan::new(all, &rows);
    let mut problems = Vec::new();
    let mut chosen = Vec::new();
    for (i, e) in plan.entries.iter().enumerate() {
        let file = project.display_path(&e.migration.name.file_name());
        let same = e
            .row
            .is_some_and(|r| r.checksum == e.migration.checksum.to_string());
        match (e.state, e.row) {
            (State::Pending, _) => chosen.push(i),
            // A no-transaction run that stopped: the second script resumes it.
            (State::Failed, _) if same => chosen.push(i),
            (State::Failed, Some(r)) => problems.push(format!(
                "{file} stopped part-way on {} and has been edited since: drop its record with `cargo xtask migration repair --reason \"...\"` first",
                r.applied_at
            )),
            (State::Changed, Some(r)) => problems.push(format!(
                "{file} changed after it was applied on {} (recorded {}, file now {}): an applied migration never changes; restore it and put the change in a new migration",
                r.applied_at,
                r.checksum,
                e.migration.checksum
            )),
            _ => {}
        }
    }
    for r in &plan.missing {
        problems.push(format!(
            "{} is applied but migrations/{}.sql is gone: restore it, or forget it with `cargo xtask migration repair --reason \"...\"`",
            r.version, r.version
        ));
    }
    for e in plan.out_of_order() {
        problems.push(format!(
            "{} is pending, but a later migration (NN {:02}) is applied: a bundle runs in NN order; apply it with `cargo xtask migration apply --allow-out-of-order`, or bundle it alone with --from/--to once you have checked it does not depend on anything newer",
            project.display_path(&e.migration.name.file_name()),
            plan.newest_applied.unwrap_or(0)
        ));
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        bail!(
            "the history in {} does not match migrations/ ({} problem{} above); nothing was written",
            db.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    // Pending ones form the tail of the set (out of order ones were refused).
    if chosen.is_empty() {
        println!(
            "nothing to bundle: every migration is applied on {}",
            db.display()
        );
        return Ok(None);
    }
    eprintln!(
        "{} migration{} pending on {}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        db.display()
    );
    Ok(Some(chosen))
}

/// Locks and rewrites of each chosen migration, measured by the dynamic
/// review on a throwaway server; why not, when there is none.
fn measure(
    project: &Project,
    all: &[Migration],
    chosen: &[usize],
    shadow_url: Option<&str>,
) -> Impact {
    let shadow = match crate::shadow::choose(project, shadow_url) {
        Ok(crate::shadow::Shadow::Server(shadow)) => Ok(*shadow),
        Ok(crate::shadow::Shadow::Unavailable(why)) => {
            eprintln!("locks and rewrites not measured: {why} (pass --shadow-url URL to measure on another server)");
            return Impact::NotMeasured("no PostgreSQL to measure on".to_string());
        }
        Err(e) => Err(e),
    };
    let measured =
        shadow.and_then(|shadow| crate::pg::block_on(measure_on(project, all, chosen, &shadow)));
    match measured {
        Ok(impact) => impact,
        Err(e) => {
            eprintln!("warning: locks and rewrites not measured: {e:#}");
            Impact::NotMeasured("the measurement failed".to_string())
        }
    }
}

async fn measure_on(
    project: &Project,
    all: &[Migration],
    chosen: &[usize],
    shadow: &Database,
) -> Result<Impact> {
    let admin = shadow
        .connect("touchpoint bundle")
        .await
        .context("cannot reach the server to measure locks and rewrites on")?;
    let display = |m: &Migration| project.display_path(&m.name.file_name());
    let mut migrations = BTreeMap::new();
    for &i in chosen {
        let m = &all[i];
        let history: Vec<&Migration> = all[..i].iter().collect();
        let report =
            dynamic::review(&admin, shadow, m, &display(m), &history, &display, None).await?;
        eprintln!("measured {} ({} ms)", display(m), report.millis);
        let statements = report
            .measurements
            .iter()
            .filter(|x| !x.locks.is_empty() || !x.rewrites.is_empty())
            .map(|x| StatementImpact {
                line: x.line,
                locks: x.locks.clone(),
                rewrites: x.rewrites.clone(),
            })
            .collect();
        let problems = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("line {}: {} ({})", f.start.line, f.message, f.rule))
            .collect();
        migrations.insert(
            m.name.stem.clone(),
            MeasuredMigration {
                statements,
                problems,
            },
        );
    }
    let history: Vec<&Migration> = all[..chosen[0]].iter().collect();
    let (before, _, _) =
        crate::shadow::templates::replayed(&admin, shadow, &history, &display, "bundle").await?;
    let existing = async {
        let client = shadow
            .with_dbname(&before)
            .connect("touchpoint bundle")
            .await?;
        dynamic::relations(&client).await
    }
    .await;
    crate::shadow::templates::drop_database(&admin, &before).await;
    Ok(Impact::Measured {
        migrations,
        existing: existing?,
    })
}
