//! `migration review [FILES]`: the static rules over the given migrations
//! (default: every migration whose Reviewed stamp is not current); a file
//! without errors (and, with --strict, without warnings) gets its Reviewed
//! stamp.

use std::path::Path;

use anyhow::{bail, Result};

use crate::args::{formats, DatabaseArgs, Format, ShadowArgs, StampArgs};
use crate::migration::{StampState, Touchpoint};
use crate::project::Project;
use anyhow::Context as _;

use crate::migration::Migration;
use crate::outcome::{BadInput, Outcome};
use crate::pg::connect::Database;
use crate::project::conf::Conf;
use crate::review::dynamic;
use crate::review::{report, review_set, Finding, Options, Severity, Target};
use crate::shadow::templates::TemplateUse;
use crate::shadow::Shadow;

/// Review migrations with the static rules; a clean review ticks the
/// Reviewed stamp.
///
/// Without FILES, reviews every migration whose Reviewed stamp is not
/// current. Rules and their safe alternatives: docs/rules/. Silence a
/// finding with `-- review: ignore <rule-id> -- <reason>` above the
/// statement.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Migration files (default: those not reviewed in their current form).
    pub files: Vec<String>,
    /// Review every migration, stamped or not.
    #[arg(long, conflicts_with = "files")]
    pub all: bool,
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json", "github", "sarif"]))]
    pub format: Format,
    /// Warnings fail the review too.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub stamp: StampArgs,
    /// Skip the dynamic checks (no database).
    #[arg(long)]
    pub static_only: bool,
    #[command(flatten)]
    pub shadow: ShadowArgs,
    /// The database the migrations are for: given (or DATABASE_URL set),
    /// its major version is the review's target; never started on demand.
    /// Otherwise `server_version` in touchpoint.conf, else the newest
    /// supported.
    #[command(flatten)]
    pub target: DatabaseArgs,
    /// SQL that loads rows before the dynamic checks, so data-dependent
    /// failures (SET NOT NULL over NULLs, unique index over duplicates) show.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<std::path::PathBuf>,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        run(project, &self)
    }
}

/// Rules whose finding predicts that the statement rewrites its table.
const PREDICTS_REWRITE: &[&str] = &[
    "alter-column-type",
    "volatile-default",
    "stored-generated-column",
];

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

/// The review's options: the opt-in rules and the target from
/// touchpoint.conf, the target from the databases when any were named
/// (the oldest major of them: the advice must hold on every one).
fn options(project: &Project, db: &DatabaseArgs) -> Result<Options> {
    let conf = Conf::load(&project.root)?;
    let mut opts = Options::from_conf(&conf, &crate::review::rules::opt_in_ids())?;
    // Only a database the user named: the embedded one is never started
    // for a review.
    let named = !db.database_url.is_empty()
        || db.targets.is_some()
        || !db.envs.is_empty()
        || std::env::var("DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if named {
        match oldest_major(project, db) {
            Ok(target) => opts.target = target,
            Err(e) => eprintln!(
                "warning: cannot read the server version of the target database ({e:#}); reviewing for {}",
                opts.target.describe()
            ),
        }
    }
    Ok(opts)
}

fn oldest_major(project: &Project, db: &DatabaseArgs) -> Result<Target> {
    let targets = db.targets(project)?;
    crate::pg::block_on(async {
        let mut oldest: Option<Target> = None;
        for t in &targets {
            let client = t.database.connect("touchpoint review").await?;
            let num: i32 = client
                .query_one("SELECT current_setting('server_version_num')::int", &[])
                .await?
                .get(0);
            let this = Target::from_server_version_num(num);
            if oldest.is_none_or(|o| this.major < o.major) {
                oldest = Some(this);
            }
        }
        oldest.ok_or_else(|| anyhow::anyhow!("no target database"))
    })
}

fn run(project: &Project, opts: &Args) -> Result<Outcome> {
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
    let review_opts = options(project, &opts.target)?;
    if opts.format == Format::Text {
        eprintln!("review target: {}", review_opts.target.describe());
    }
    let mut results = review_set(
        &set.migrations,
        &indexes,
        |m| project.display_path(&m.name.file_name()),
        &review_opts,
    );
    let mut skipped = None;
    if !opts.static_only && !results.is_empty() {
        let seed = match &opts.seed {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read the seed file {}", p.display()))?,
            ),
            None => None,
        };
        match crate::shadow::choose(project, opts.shadow.shadow_url.as_deref())? {
            Shadow::Server(db) => {
                dynamic(project, &set.migrations, &mut results, &db, seed.as_deref())?
            }
            Shadow::Unavailable(why) => skipped = Some(why),
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
        Format::Text | Format::Markdown => {
            // One map, not a scan of the set per finding.
            let sources: std::collections::HashMap<String, &str> = results
                .iter()
                .map(|(i, _)| {
                    let m = &set.migrations[*i];
                    (project.display_path(&m.name.file_name()), m.source.as_str())
                })
                .collect();
            print!("{}", report::text(&findings, |f| sources.get(f).copied()));
        }
        // `{:#}` is serde_json's own pretty printer, the same text as
        // to_string_pretty, compiled with serde_json (fast in debug builds).
        Format::Json => println!("{}", report::json(&findings)),
        Format::Github => print!("{}", report::github(&findings)),
        Format::Sarif => println!("{:#}", report::sarif(&findings)),
    }
    let mut stamped = 0;
    for (i, fs) in &results {
        let m = &set.migrations[*i];
        if opts.stamp.enabled() && !fs.iter().any(blocking) {
            stamped += usize::from(project.stamp(m, Touchpoint::Reviewed, crate::args::today())?);
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
    if opts.format == Format::Text {
        println!(
            "reviewed {} migration{}: {errors} error{}, {warnings} warning{}{}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
            if opts.stamp.enabled() {
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
