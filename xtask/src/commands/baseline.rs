//! `migration baseline --to NN --reason "..."`: records migrations up to NN
//! as applied without running them, for a database whose schema already
//! holds them (built by hand, or by another tool).

use std::time::Duration;

use anyhow::{bail, Result};
use chrono::NaiveDate;

use crate::args::{DatabaseArgs, LockArgs, StampArgs};
use crate::migration::Touchpoint;
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::pg::tracking::os_user;
use crate::pg::tracking::{self, TableName};
use crate::project::Project;

/// Record migrations up to NN as applied without running them (for a
/// database that already has their schema).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Record every migration up to and including NN.
    #[arg(long, value_name = "NN")]
    pub to: u32,
    /// Why (stored with each record).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub stamp: StampArgs,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let db = self.db.database(project)?;
        let opts = Options {
            to: self.to,
            lock_wait: self.lock.wait(),
            table: self.db.table()?,
            reason: self.reason,
            stamp: self.stamp.enabled(),
            today: crate::args::today(),
        };
        crate::pg::block_on(baseline(project, &db, &opts))
    }
}

/// What one baseline does, resolved from its arguments.
#[derive(Debug, Clone)]
pub struct Options {
    pub to: u32,
    pub reason: String,
    pub lock_wait: Duration,
    pub table: TableName,
    pub stamp: bool,
    pub today: NaiveDate,
}

pub async fn baseline(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    if opts.reason.trim().is_empty() {
        bail!(BadInput("--reason must say why these migrations are recorded without running (it is stored with them)".into()));
    }
    let migrations = project.load_migrations()?.sound("recorded")?;
    if !migrations.iter().any(|m| m.name.number == opts.to) {
        bail!(BadInput(format!(
            "there is no migration numbered {:02} in migrations/",
            opts.to
        )));
    }
    let client = db.connect("touchpoint baseline").await?;
    let work = async {
        tracking::ensure(&client, &opts.table).await?;
        let rows = tracking::load(&client, &opts.table).await?;
        client.batch_execute("BEGIN").await?;
        let mut recorded = Vec::new();
        for m in migrations.iter().filter(|m| m.name.number <= opts.to) {
            if rows.iter().any(|r| r.version == m.name.stem) {
                continue;
            }
            tracking::record_unrun(
                &client,
                &opts.table,
                m,
                "baseline",
                &format!("baseline: {}", opts.reason.trim()),
                &os_user(),
            )
            .await?;
            recorded.push(m);
        }
        client.batch_execute("COMMIT").await?;
        if opts.stamp {
            for m in &recorded {
                project.stamp(m, Touchpoint::Executed, opts.today)?;
            }
        }
        for m in &recorded {
            println!("recorded {} as applied (not run)", m.name.stem);
        }
        println!(
            "baseline: {} migration{} recorded up to {:02}; {} were already in the history. `cargo xtask migration drift` compares the schema with them",
            recorded.len(),
            if recorded.len() == 1 { "" } else { "s" },
            opts.to,
            migrations.iter().filter(|m| m.name.number <= opts.to).count() - recorded.len()
        );
        Ok(Outcome::Clean)
    };
    tracking::with_lock(&client, opts.lock_wait, work).await
}
