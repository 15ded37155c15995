//! `migration review [FILES]`: the static rules over the given migrations
//! (default: every migration whose Reviewed stamp is not current); a file
//! without errors (and, with --strict, without warnings) gets its Reviewed
//! stamp.

use std::path::Path;

use anyhow::{bail, Result};
use chrono::NaiveDate;

use crate::flags::ReviewFormat;
use crate::migration::{StampState, Touchpoint};
use crate::project::Project;
use crate::review::{report, review_set, Severity};
use crate::{BadInput, Outcome};

#[derive(Debug, Clone)]
pub struct Options {
    pub files: Vec<String>,
    pub all: bool,
    pub format: ReviewFormat,
    pub strict: bool,
    pub stamp: bool,
    pub today: NaiveDate,
}

pub fn run(project: &Project, opts: &Options) -> Result<Outcome> {
    let set = project.load_migrations()?;
    let mut indexes = Vec::new();
    if opts.files.is_empty() {
        for (i, m) in set.migrations.iter().enumerate() {
            let current = matches!(m.stamp_state(Touchpoint::Reviewed), StampState::Current(_));
            if opts.all || !current {
                indexes.push(i);
            }
        }
    } else {
        for f in &opts.files {
            let name = Path::new(f)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match set
                .migrations
                .iter()
                .position(|m| m.name.file_name() == name)
            {
                Some(i) => indexes.push(i),
                None => {
                    if let Some(p) = set.problems.iter().find(|p| p.file.ends_with(&name)) {
                        bail!("{p}");
                    }
                    bail!(BadInput(format!("{f} is not a migration in migrations/ (cargo xtask migration status --offline lists them)")));
                }
            }
        }
    }
    let results = review_set(&set.migrations, &indexes, |m| {
        project.display_path(&m.name.file_name())
    });
    let findings: Vec<_> = results.iter().flat_map(|(_, f)| f.clone()).collect();
    let blocking = |f: &crate::review::Finding| f.severity == Severity::Error || opts.strict;
    match opts.format {
        ReviewFormat::Text => {
            let src = |file: &str| {
                let name = file.strip_prefix("migrations/")?;
                set.migrations
                    .iter()
                    .find(|m| m.name.file_name() == name)
                    .map(|m| m.source.clone())
            };
            print!("{}", report::text(&findings, src));
        }
        ReviewFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&findings))?
        ),
        ReviewFormat::Github => print!("{}", report::github(&findings)),
        ReviewFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&report::sarif(&findings))?
        ),
    }
    let mut stamped = 0;
    for (i, fs) in &results {
        let m = &set.migrations[*i];
        if opts.stamp && !fs.iter().any(blocking) {
            stamped += usize::from(project.stamp(m, Touchpoint::Reviewed, opts.today)?);
        }
    }
    for p in &set.problems {
        eprintln!("error: {p}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    if opts.format == ReviewFormat::Text {
        println!(
            "reviewed {} migration{}: {errors} error{}, {warnings} warning{}{}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
            if opts.stamp {
                format!("; {stamped} stamped Reviewed")
            } else {
                String::new()
            }
        );
    }
    let failed = findings.iter().any(blocking) || !set.problems.is_empty();
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
