//! `migration adopt`: import another tool's migration history.

use anyhow::{bail, Result};
use chrono::NaiveDate;

use crate::flags::Format;
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::project::Project;
use crate::Outcome;

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

pub fn run(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    let _ = (project, db, opts);
    bail!("migration adopt is being built")
}
