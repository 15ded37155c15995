//! `migration new`: write a new migration file from the header template.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::migration::name::{slugify, MigrationName};
use crate::migration::render::{new_migration, NewFields};
use crate::project::Project;
use crate::BadInput;

/// Writes the file and returns its path. Never overwrites.
pub fn run(project: &Project, fields: &NewFields, date: NaiveDate) -> Result<PathBuf> {
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
