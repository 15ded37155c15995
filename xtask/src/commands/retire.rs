//! `migration retire <file> --reason "..."`: remove a migration on purpose.
//! The file is deleted and recorded in `migrations/RETIRED` (name,
//! checksum, date, reason), which is what lets the hook pass the deletion of
//! an executed migration; databases that ran it still hold its record until
//! `migration repair` forgets it there.

use anyhow::{Context, Result};

use crate::migration::retired::{self, Retired, RETIRED_FILE};
use crate::migration::{StampState, Touchpoint};
use crate::outcome::{BadInput, Outcome};
use crate::project::{write_atomic, Project};

/// Remove a migration on purpose, recording it in migrations/RETIRED so
/// that the hook lets the deletion of an executed migration through.
///
/// Databases that ran it keep its tracking row: run `migration repair`
/// there to forget it. Example:
///   cargo xtask migration retire migrations/2026-09-01_03_x.sql --reason "replaced by 12"
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The migration file (a path, or its file name in migrations/).
    pub file: String,
    /// Why it is retired (recorded in migrations/RETIRED).
    #[arg(long)]
    pub reason: String,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        if self.reason.trim().is_empty() {
            return Err(BadInput("--reason must say why the migration is retired".into()).into());
        }
        let m = project.find_migration(&self.file)?;
        let path = project.migrations_dir().join(m.name.file_name());
        let list = project.migrations_dir().join(RETIRED_FILE);
        let text = match std::fs::read_to_string(&list) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", list.display())),
        };
        let entry = Retired {
            name: m.name.stem.clone(),
            checksum: m.checksum.to_string(),
            date: crate::args::today(),
            reason: self.reason.trim().to_string(),
        };
        write_atomic(&list, &retired::append(&text, &entry))?;
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        let shown = project.display_path(&m.name.file_name());
        let executed = matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_));
        println!("retired {shown}: removed, and recorded in migrations/{RETIRED_FILE}");
        println!("next: git add migrations/ && git commit (the hook lets the deletion through)");
        if executed {
            println!(
                "then, on each database that ran it: cargo xtask migration repair --reason {:?} (forgets its tracking row)",
                entry.reason
            );
        }
        Ok(Outcome::Clean)
    }
}
