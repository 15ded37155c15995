//! `migration baseline --to NN --reason "..."`: records migrations up to NN
//! as applied without running them, for a database whose schema already
//! holds them (built by hand, or by another tool).

use std::time::Duration;

use anyhow::{bail, Result};
use chrono::NaiveDate;

use crate::commands::apply::os_user;
use crate::migration::Touchpoint;
use crate::pg::connect::Database;
use crate::pg::tracking::{self, TableName};
use crate::project::Project;
use crate::{BadInput, Outcome};

#[derive(Debug, Clone)]
pub struct Options {
    pub to: u32,
    pub reason: String,
    pub lock_wait: Duration,
    pub table: TableName,
    pub stamp: bool,
    pub today: NaiveDate,
}

pub fn run(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    crate::pg::block_on(baseline(project, db, opts))
}

pub async fn baseline(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    if opts.reason.trim().is_empty() {
        bail!(BadInput("--reason must say why these migrations are recorded without running (it is stored with them)".into()));
    }
    let set = project.load_migrations()?;
    if !set.problems.is_empty() {
        for p in &set.problems {
            eprintln!("error: {p}");
        }
        bail!("fix the files in migrations/ first (listed above); nothing was recorded");
    }
    if !set.migrations.iter().any(|m| m.name.number == opts.to) {
        bail!(BadInput(format!(
            "there is no migration numbered {:02} in migrations/",
            opts.to
        )));
    }
    let client = db.connect("touchpoint baseline").await?;
    tracking::lock(&client, opts.lock_wait).await?;
    let result = async {
        tracking::ensure(&client, &opts.table).await?;
        let rows = tracking::load(&client, &opts.table).await?;
        client.batch_execute("BEGIN").await?;
        let mut recorded = Vec::new();
        for m in set.migrations.iter().filter(|m| m.name.number <= opts.to) {
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
            set.migrations.iter().filter(|m| m.name.number <= opts.to).count() - recorded.len()
        );
        Ok(Outcome::Clean)
    }
    .await;
    let _ = tracking::unlock(&client).await;
    result
}
