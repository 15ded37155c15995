//! `migration rollback --last N | --to NN`: runs the stored rollback SQL
//! (falling back to the file's section), newest first, each in a transaction
//! with the deletion of its tracking row; then reopens the file's Executed
//! and Synced stamps.

use std::time::Duration;

use anyhow::{bail, Result};
use tokio_postgres::Client;

use crate::args::{DatabaseArgs, LockArgs, StampArgs};
use crate::migration::{Migration, MigrationName, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::exec::run_section;
use crate::pg::tracking::{self, Applied, TableName};
use crate::project::Project;
use crate::sql::split::split;

/// Undo applied migrations, newest first, with their rollback SQL.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Roll back the N most recent migrations.
    #[arg(long, value_name = "N", conflicts_with = "to")]
    pub last: Option<usize>,
    /// Roll back every migration numbered above NN.
    #[arg(long, value_name = "NN")]
    pub to: Option<u32>,
    /// Run the rollbacks in one transaction, then undo them.
    #[arg(long)]
    pub rehearse: bool,
    #[command(flatten)]
    pub stamp: StampArgs,
    /// Roll back every target of a --targets file or a --shard (without it,
    /// rollback over several databases needs each named: --database-url or
    /// --env).
    #[arg(long)]
    pub yes: bool,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        if (self.db.targets.is_some() || self.db.shard.is_some()) && !self.yes {
            return Err(BadInput(
                "rollback over a --targets file or a --shard undoes migrations on databases not named on the command line: name each with --database-url / --env, or pass --yes"
                    .into(),
            )
            .into());
        }
        let opts = self.options()?;
        if !self.db.is_fleet() {
            let db = self.db.database(project)?;
            return crate::pg::block_on(rollback(project, &db, &opts));
        }
        let targets = self.db.targets(project)?;
        let mut failed = Vec::new();
        for t in &targets {
            println!("== {}", t.name);
            if let Err(e) = crate::pg::block_on(rollback(project, &t.database, &opts)) {
                eprintln!("error on {}: {e:#}", t.name);
                failed.push(t.name.as_str());
            }
        }
        if failed.is_empty() {
            println!("rolled back on {} targets", targets.len());
            Ok(Outcome::Clean)
        } else {
            println!("rollback failed on: {}", failed.join(", "));
            Ok(Outcome::Findings)
        }
    }

    fn options(&self) -> Result<Options> {
        Ok(Options {
            last: self.last,
            to: self.to,
            rehearse: self.rehearse,
            lock_wait: self.lock.wait(),
            table: self.db.table()?,
            stamp: self.stamp.enabled(),
        })
    }
}

/// What one rollback does, resolved from its arguments.
#[derive(Debug, Clone)]
pub struct Options {
    pub last: Option<usize>,
    /// Roll back everything numbered above NN.
    pub to: Option<u32>,
    pub rehearse: bool,
    pub lock_wait: Duration,
    pub table: TableName,
    pub stamp: bool,
}

struct Step<'a> {
    row: &'a Applied,
    /// The SQL to run, as a migration whose body it is (for error locations).
    sql: Migration,
    label: String,
}

fn number_of(version: &str) -> Option<u32> {
    MigrationName::parse(&format!("{version}.sql"))
        .ok()
        .map(|n| n.number)
}

/// Whether `sql` holds no statement; returns the irreversible reason if given.
fn empty_or_irreversible(sql: &str) -> (bool, Option<String>) {
    (
        split(sql).statements.is_empty(),
        crate::migration::irreversible_reason(sql),
    )
}

pub async fn rollback(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    if opts.last.is_some() == opts.to.is_some() {
        bail!(BadInput(
            "say how far to roll back: --last N (the N newest) or --to NN (everything after NN)"
                .into()
        ));
    }
    let set = project.load_migrations()?;
    let client = db.connect("touchpoint rollback").await?;
    tracking::with_lock(
        &client,
        opts.lock_wait,
        rollback_locked(project, &client, &set.migrations, opts),
    )
    .await
}

async fn rollback_locked(
    project: &Project,
    client: &Client,
    migrations: &[Migration],
    opts: &Options,
) -> Result<Outcome> {
    let rows = tracking::load(client, &opts.table).await?;
    let mut applied: Vec<&Applied> = rows.iter().collect();
    applied.sort_by_key(|r| std::cmp::Reverse((number_of(&r.version), r.version.clone())));
    let chosen: Vec<&Applied> = match (opts.last, opts.to) {
        (Some(n), _) => applied.into_iter().take(n).collect(),
        (_, Some(nn)) => applied
            .into_iter()
            .filter(|r| number_of(&r.version).is_none_or(|n| n > nn))
            .collect(),
        _ => unreachable!(),
    };
    if chosen.is_empty() {
        println!("nothing to roll back");
        return Ok(Outcome::Clean);
    }
    let mut steps = Vec::new();
    let mut refusals = Vec::new();
    for row in &chosen {
        let file = migrations.iter().find(|m| m.name.stem == row.version);
        let stored = row
            .rollback_sql
            .clone()
            .filter(|s| !empty_or_irreversible(s).0);
        let (text, label) = match (stored, file.and_then(|m| m.rollback_sql())) {
            (Some(s), _) => (
                s,
                format!("{} (rollback_sql stored when it was applied)", row.version),
            ),
            (None, Some(s)) => (
                s.to_string(),
                format!("migrations/{}.sql (rollback section)", row.version),
            ),
            (None, None) => (String::new(), String::new()),
        };
        let (empty, reason) = empty_or_irreversible(&text);
        if empty {
            refusals.push(
                match reason.or_else(|| {
                    row.rollback_sql
                        .as_deref()
                        .and_then(|s| empty_or_irreversible(s).1)
                }) {
                    Some(r) => format!("{} is marked irreversible: {r}", row.version),
                    None => format!(
                        "{} has no rollback SQL (neither stored nor in its file)",
                        row.version
                    ),
                },
            );
            continue;
        }
        let name = MigrationName::parse(&format!("{}.sql", row.version))
            .unwrap_or_else(|_| MigrationName::new(chrono::NaiveDate::MIN, 0, "rollback"));
        let sql = Migration::parse(name, &text).map_err(|e| anyhow::anyhow!("{label}: {e}"))?;
        steps.push(Step { row, sql, label });
    }
    if !refusals.is_empty() {
        for r in &refusals {
            eprintln!("error: {r}");
        }
        bail!("refusing to roll back: {} migration(s) cannot be undone (listed above); nothing was rolled back. Write a new migration that reverses them instead", refusals.len());
    }
    if opts.rehearse {
        client.batch_execute("BEGIN").await?;
    }
    let delete = tracking::delete_sql(&opts.table, "$1");
    let mut done = 0;
    for step in &steps {
        let version = &step.row.version;
        if step.row.no_transaction {
            if opts.rehearse {
                println!(
                    "rehearsal stops before {version}: its rollback runs outside a transaction"
                );
                break;
            }
            run_section(client, &step.sql, step.sql.body.clone(), &step.label).await.map_err(|e| {
                e.context(format!("rolling back {version} failed part-way (it runs statement by statement); its tracking row is kept. {done} migration(s) were rolled back before it"))
            })?;
            client.execute(&delete, &[version]).await?;
        } else {
            client
                .batch_execute(if opts.rehearse {
                    "SAVEPOINT touchpoint_rollback"
                } else {
                    "BEGIN"
                })
                .await?;
            let ran = run_section(client, &step.sql, step.sql.body.clone(), &step.label).await;
            let ran = match ran {
                Ok(()) => client
                    .execute(&delete, &[version])
                    .await
                    .map(drop)
                    .map_err(Into::into),
                Err(e) => Err(e),
            };
            if let Err(e) = ran {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(e.context(format!(
                    "rolling back {version} failed; nothing of it was changed. {done} migration(s) were rolled back before it{}",
                    if opts.rehearse { " (rehearsal: undone)" } else { "" }
                )));
            }
            if !opts.rehearse {
                client.batch_execute("COMMIT").await?;
            }
        }
        if opts.stamp && !opts.rehearse {
            let file = format!("{version}.sql");
            project.unstamp(&file, Touchpoint::Executed)?;
            project.unstamp(&file, Touchpoint::Synced)?;
        }
        println!(
            "{} {version}",
            if opts.rehearse {
                "rehearsed rollback of"
            } else {
                "rolled back"
            }
        );
        done += 1;
    }
    if opts.rehearse {
        client.batch_execute("ROLLBACK").await?;
        println!(
            "rehearsal: {done} rollback(s) ran, then everything was undone; no file was changed"
        );
    } else {
        println!(
            "rolled back {done} migration{}",
            if done == 1 { "" } else { "s" }
        );
    }
    Ok(Outcome::Clean)
}
