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
use anyhow::Context as _;

use crate::migration::Migration;
use crate::pg::connect::Database;
use crate::pg::Binaries;
use crate::review::dynamic::{self, TemplateUse};
use crate::review::{report, review_set, Finding, Severity};
use crate::{BadInput, Outcome};

#[derive(Debug, Clone)]
pub struct Options {
    pub files: Vec<String>,
    pub all: bool,
    pub format: ReviewFormat,
    pub strict: bool,
    pub stamp: bool,
    pub today: NaiveDate,
    pub dynamic: bool,
    pub shadow_url: Option<String>,
    pub seed: Option<std::path::PathBuf>,
}

/// Rules whose finding predicts that the statement rewrites its table.
const PREDICTS_REWRITE: &[&str] = &[
    "alter-column-type",
    "volatile-default",
    "stored-generated-column",
];

/// The server for the dynamic checks, or why there is none.
fn shadow(project: &Project, opts: &Options) -> Result<Result<Database, String>> {
    if let Some(url) = &opts.shadow_url {
        return Ok(Ok(Database::from_conninfo(url, |k| std::env::var(k).ok())?));
    }
    if let Err(e) = Binaries::find() {
        return Ok(Err(format!("{e:#}")));
    }
    Database::resolve(None, &project.root).map(Ok)
}

/// Adds the dynamic findings of each reviewed file to its static ones.
fn dynamic(
    project: &Project,
    set: &[Migration],
    results: &mut [(usize, Vec<Finding>)],
    shadow: &Database,
    seed: Option<&str>,
) -> Result<()> {
    crate::pg::block_on(async {
        let admin = shadow
            .connect("touchpoint review")
            .await
            .context("cannot reach the shadow server for the dynamic checks")?;
        let display = |m: &Migration| project.display_path(&m.name.file_name());
        for (i, findings) in results.iter_mut() {
            let m = &set[*i];
            let history: Vec<&Migration> = set[..*i].iter().collect();
            let report =
                dynamic::review(&admin, shadow, m, &display(m), &history, &display, seed).await?;
            {
                let how = match report.template_use {
                    TemplateUse::Reused => format!("history template reused ({} migrations)", history.len()),
                    TemplateUse::Built { from_cached, total } => format!("history template built ({total} migrations, {from_cached} of them from a cached template)"),
                };
                eprintln!(
                    "dynamic review of {}: {how}; {} ms",
                    display(m),
                    report.millis
                );
            }
            // Where measurement and the static rules disagree, the
            // measurement wins and the rule has a bug to fix.
            let mut notes = Vec::new();
            for ms in &report.measurements {
                let stmt_end = m.source[ms.offset..]
                    .find(';')
                    .map_or(m.source.len(), |e| ms.offset + e);
                let predicted = findings.iter().find(|f| {
                    PREDICTS_REWRITE.contains(&f.rule) && (ms.offset..=stmt_end).contains(&f.offset)
                });
                match (predicted, ms.rewrites.is_empty()) {
                    (Some(f), true) => notes.push((f.rule, ms.offset, format!("static rule {} predicted a rewrite here; none was measured: the measurement wins", f.rule))),
                    (None, false) => notes.push(("", ms.offset, format!("measured a rewrite of {} that no static rule predicted", ms.rewrites.join(", ")))),
                    _ => {}
                }
            }
            findings.extend(report.findings);
            for (_, offset, message) in notes {
                let mut f = findings
                    .iter()
                    .find(|f| f.rule == "dynamic-measurement" && f.offset == offset)
                    .cloned()
                    .unwrap_or_else(|| findings[0].clone());
                f.message = message;
                findings.push(f);
            }
            findings.sort_by(|a, b| {
                (a.start.line, a.start.col, a.rule).cmp(&(b.start.line, b.start.col, b.rule))
            });
        }
        anyhow::Ok(())
    })
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
    let mut results = review_set(&set.migrations, &indexes, |m| {
        project.display_path(&m.name.file_name())
    });
    let mut skipped = None;
    if opts.dynamic && !results.is_empty() {
        let seed = match &opts.seed {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read the seed file {}", p.display()))?,
            ),
            None => None,
        };
        match shadow(project, opts)? {
            Ok(db) => dynamic(project, &set.migrations, &mut results, &db, seed.as_deref())?,
            Err(why) => skipped = Some(why),
        }
    }
    if let Some(why) = &skipped {
        eprintln!("dynamic checks skipped: {why}\n(pass --shadow-url URL to use another server, or --static-only to say you only want the static rules)");
    }
    let findings: Vec<_> = results.iter().flat_map(|(_, f)| f.clone()).collect();
    let blocking = |f: &Finding| {
        f.severity == Severity::Error || (opts.strict && f.severity == Severity::Warning)
    };
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
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
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
