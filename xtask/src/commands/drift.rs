//! `migration drift`: compare the database, the migrations and current_schema/.

use anyhow::{bail, Result};

use crate::flags::{DriftSide, Format};
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::project::Project;
use crate::Outcome;

pub struct Options {
    /// Sides to compare the database with (empty: both); two: each other.
    pub from: Vec<DriftSide>,
    pub script: Option<std::path::PathBuf>,
    pub allow_drop: bool,
    pub show_noise: bool,
    pub shadow_url: Option<String>,
    pub tracking: TableName,
    pub format: Format,
}

pub fn run(project: &Project, db: Option<&Database>, opts: &Options) -> Result<Outcome> {
    let _ = (project, db, opts);
    bail!("migration drift is being built")
}
