//! `migration new`: write a new migration file from the header template.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::migration::name::{slugify, MigrationName};
use crate::migration::render::{new_migration, NewFields};
use crate::outcome::{BadInput, Outcome};
use crate::project::Project;

/// Create migrations/<date>_<NN>_<slug>.sql with the header to fill in.
///
/// NN is the highest number in migrations/ plus one. The file is never
/// overwritten. Example:
///   cargo xtask migration new "Add processing time minutes" --tables service_ops.packet
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the migration does, in a few words; it becomes the slug.
    pub title: String,
    /// The ticket and problem, for the `Issue:` line.
    #[arg(long)]
    pub issue: Option<String>,
    /// What is wrong today (`PROBLEM:`).
    #[arg(long)]
    pub problem: Option<String>,
    /// What the migration changes (`SOLUTION:`).
    #[arg(long)]
    pub solution: Option<String>,
    /// Tables the migration changes, comma-separated (`AFFECTED TABLES:`).
    #[arg(long, value_delimiter = ',', value_name = "SCHEMA.TABLE,...")]
    pub tables: Vec<String>,
    /// Date for the file name and header (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let fields = NewFields {
            title: self.title,
            issue: self.issue,
            problem: self.problem,
            solution: self.solution,
            tables: self.tables,
        };
        let date = self.date.unwrap_or_else(crate::args::today);
        let path = write(project, &fields, date)?;
        let shown = path.strip_prefix(&project.root).unwrap_or(&path);
        println!("{}", shown.display());
        eprintln!(
            "next: fill in the header and the SQL, then `cargo xtask migration review {}`",
            shown.display()
        );
        Ok(Outcome::Clean)
    }
}

/// Writes the file and returns its path. Never overwrites.
pub fn write(project: &Project, fields: &NewFields, date: NaiveDate) -> Result<PathBuf> {
    let slug = slugify(&fields.title).ok_or_else(|| {
        BadInput(format!(
            "the title {:?} leaves nothing for the file name: use ASCII letters or digits, e.g. \"Add packet index\"",
            fields.title
        ))
    })?;
    let number = project.highest_number()?.map_or(1, |n| n + 1);
    let name = MigrationName::new(date, number, &slug);
    let dir = project.migrations_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(name.file_name());
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {} (it is never overwritten)", path.display()))?;
    file.write_all(new_migration(fields, date).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
