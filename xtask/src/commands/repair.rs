//! `migration repair --reason "..."`: mends the history when a human has
//! decided it is wrong: re-records the checksum of an applied file that was
//! changed on purpose, drops the record of a failed no-transaction run, and
//! forgets migrations whose files were deleted on purpose. Each re-recorded
//! row keeps the reason, who did it and the old checksum in its note.

use std::time::Duration;

use anyhow::{bail, Result};
use tokio_postgres::Client;

use crate::args::{DatabaseArgs, LockArgs};
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::tracking::os_user;
use crate::pg::tracking::{self, TableName};
use crate::project::Project;
use crate::runner::plan::{Plan, State};

/// Mend the history on purpose: re-record a changed file's checksum,
/// drop a failed no-transaction record, forget a deleted file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Why (stored in the tracking table).
    #[arg(long)]
    pub reason: String,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let db = self.db.database(project)?;
        let opts = Options {
            lock_wait: self.lock.wait(),
            table: self.db.table()?,
            reason: self.reason,
        };
        crate::pg::block_on(repair(project, &db, &opts))
    }
}

/// What one repair does, resolved from its arguments.
#[derive(Debug, Clone)]
pub struct Options {
    pub reason: String,
    pub lock_wait: Duration,
    pub table: TableName,
}

pub async fn repair(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    if opts.reason.trim().is_empty() {
        bail!(BadInput(
            "--reason must say why the history is changed (it is stored in the tracking table)"
                .into()
        ));
    }
    let set = project.load_migrations()?;
    let client = db.connect("touchpoint repair").await?;
    tracking::with_lock(
        &client,
        opts.lock_wait,
        repair_locked(&client, &set.migrations, opts),
    )
    .await
}

async fn repair_locked(
    client: &Client,
    migrations: &[crate::migration::Migration],
    opts: &Options,
) -> Result<Outcome> {
    let rows = tracking::load(client, &opts.table).await?;
    let plan = Plan::new(migrations, &rows);
    let t = opts.table.sql();
    let who = os_user();
    let reason = opts.reason.trim();
    client.batch_execute("BEGIN").await?;
    let mut actions = Vec::new();
    for e in &plan.entries {
        let (Some(row), m) = (e.row, e.migration) else {
            continue;
        };
        match e.state {
            State::Changed => {
                client
                    .execute(
                        &format!(
                            "UPDATE {t} SET checksum = $2, rollback_sql = $3,
                                    note = concat_ws(E'\\n', note, 'repair ' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC by ' || current_user || ' (' || $4 || '): ' || $5 || '; checksum was ' || $6)
                              WHERE version = $1"
                        ),
                        &[&m.name.stem, &m.checksum.to_string(), &m.rollback_sql().map(str::to_string), &who, &reason, &row.checksum],
                    )
                    .await?;
                actions.push(format!(
                    "re-recorded the checksum of {} ({} -> {})",
                    m.name.stem, row.checksum, m.checksum
                ));
            }
            State::Failed => {
                client
                    .execute(
                        &format!("DELETE FROM {t} WHERE version = $1"),
                        &[&m.name.stem],
                    )
                    .await?;
                actions.push(format!(
                    "dropped the failed record of {} (it had run {} of {} statements); apply runs it again from its first statement",
                    m.name.stem,
                    row.statements_done.unwrap_or(0),
                    row.statements_total.unwrap_or(0)
                ));
            }
            State::Applied | State::Pending => {}
        }
    }
    for r in &plan.missing {
        client
            .execute(
                &format!("DELETE FROM {t} WHERE version = $1"),
                &[&r.version],
            )
            .await?;
        actions.push(format!(
            "forgot {}, whose file is gone (applied {} by {})",
            r.version, r.applied_at, r.applied_by
        ));
    }
    client.batch_execute("COMMIT").await?;
    if actions.is_empty() {
        println!("nothing to repair: every record matches its file");
    } else {
        for a in &actions {
            println!("{a}");
        }
        println!(
            "repair: {} change{} to {} (reason: {reason})",
            actions.len(),
            if actions.len() == 1 { "" } else { "s" },
            opts.table
        );
    }
    Ok(Outcome::Clean)
}
