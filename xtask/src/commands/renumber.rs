//! `migration renumber <file>`: move a migration that was never executed to
//! the next free NN, as after a merge where two branches took the same
//! number. Only the file name changes: the header's title, and the stamps
//! (the checksum does not cover the name), stay valid.

use anyhow::{Context, Result};

use crate::migration::{MigrationName, StampState, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::project::Project;

/// Rename a migration that was never executed to the next free NN (after
/// a merge where two branches took the same number).
///
/// The stamps stay valid: the checksum does not cover the file name.
/// Example:
///   cargo xtask migration renumber migrations/2026-12-01_11_add_region.sql
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The migration file (a path, or its file name in migrations/).
    pub file: String,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let m = project.find_migration(&self.file)?;
        if matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_)) {
            return Err(BadInput(format!(
                "{} was executed: databases know it by this name, and renaming it would run it again there; renumber the other migration with the same NN",
                project.display_path(&m.name.file_name())
            ))
            .into());
        }
        let next = project.highest_number()?.map_or(1, |n| n + 1);
        let renamed = MigrationName::new(m.name.date, next, &m.name.slug);
        let (from, to) = (
            project.migrations_dir().join(m.name.file_name()),
            project.migrations_dir().join(renamed.file_name()),
        );
        if to.exists() {
            return Err(BadInput(format!("{} already exists", to.display())).into());
        }
        std::fs::rename(&from, &to)
            .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
        let (old, new) = (
            project.display_path(&m.name.file_name()),
            project.display_path(&renamed.file_name()),
        );
        println!(
            "renamed {old} -> {new} (NN {} -> {:02}); its stamps stay valid",
            m.name.number_text, next
        );
        println!("next: git add -A migrations/ && git commit");
        Ok(Outcome::Clean)
    }
}
