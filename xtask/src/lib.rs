//! touchpoint: the two-touchpoint PostgreSQL migration workflow, as a
//! `cargo xtask`. See `docs/ARCHITECTURE.md` for the map.

pub mod bundle;
pub mod commands;
pub mod drift;
pub mod flags;
pub mod hook;
pub mod migration;
pub mod pg;
pub mod project;
pub mod review;
pub mod schema;
pub mod sql;

use std::fmt;
use std::process::ExitCode;

use clap::Parser;

/// The whole command line: parse the arguments, run, print the error chain,
/// map the outcome to the exit code. A repository's own xtask is
/// `fn main() -> std::process::ExitCode { touchpoint::main() }`.
pub fn main() -> ExitCode {
    let args = flags::Xtask::parse();
    // drift's contract: 0 no drift, 1 drift, 2 could not tell (any error).
    let drift = matches!(
        args.cmd,
        flags::Cmd::Migration(flags::MigrationCmd::Drift(_))
    );
    match run(args) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if drift || e.downcast_ref::<BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// How a command that ran to the end went: clean (exit 0) or with findings
/// it has printed (exit 1). Failures are errors (exit 1), and [`BadInput`]
/// errors exit 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
}

/// The user asked for something that cannot be done as asked (exit 2).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Runs the parsed command line.
pub fn run(args: flags::Xtask) -> anyhow::Result<Outcome> {
    use flags::{Cmd, MigrationCmd};
    let project = project::Project::new(project::find_root(args.project_dir)?);
    if !matches!(args.cmd, Cmd::Hooks(_)) {
        commands::hooks::auto_install(&project);
    }
    match args.cmd {
        Cmd::Migration(MigrationCmd::New(a)) => {
            let fields = migration::render::NewFields {
                title: a.title,
                issue: a.issue,
                problem: a.problem,
                solution: a.solution,
                tables: a.tables,
            };
            let date = a.date.unwrap_or_else(today);
            let path = commands::new::run(&project, &fields, date)?;
            let shown = path.strip_prefix(&project.root).unwrap_or(&path);
            println!("{}", shown.display());
            eprintln!(
                "next: fill in the header and the SQL, then `cargo xtask migration review {}`",
                shown.display()
            );
            Ok(Outcome::Clean)
        }
        Cmd::Migration(MigrationCmd::Review(a)) => {
            let opts = commands::review::Options {
                files: a.files,
                all: a.all,
                format: a.format,
                strict: a.strict,
                stamp: !a.no_stamp,
                today: today(),
                dynamic: !a.static_only,
                shadow_url: a.shadow_url,
                seed: a.seed,
            };
            commands::review::run(&project, &opts)
        }
        Cmd::Migration(MigrationCmd::Status(a)) if a.offline => {
            commands::status::run(&project, a.format)
        }
        Cmd::Migration(MigrationCmd::Status(a)) => {
            let (db, table, _) = database(&project, &a.db)?;
            commands::status::run_online(&project, &db, &table, a.format)
        }
        Cmd::Migration(MigrationCmd::Apply(a)) => {
            let (db, table, lock_wait) = database(&project, &a.db)?;
            let opts = commands::apply::Options {
                target: a.target,
                rehearse: a.rehearse,
                allow_out_of_order: a.allow_out_of_order,
                baseline_existing: a.baseline_existing,
                lock_wait,
                table,
                stamp: !a.no_stamp,
                today: today(),
            };
            commands::apply::run(&project, &db, &opts)
        }
        Cmd::Migration(MigrationCmd::Rollback(a)) => {
            let (db, table, lock_wait) = database(&project, &a.db)?;
            let opts = commands::rollback::Options {
                last: a.last,
                to: a.to,
                rehearse: a.rehearse,
                lock_wait,
                table,
                stamp: !a.no_stamp,
            };
            commands::rollback::run(&project, &db, &opts)
        }
        Cmd::Migration(MigrationCmd::Sync(a)) => {
            let table = pg::tracking::TableName::parse(&a.db.tracking_table).map_err(BadInput)?;
            let from_migrations = a.from == flags::SyncFrom::Migrations;
            let db = if a.check || from_migrations {
                None
            } else {
                Some(pg::connect::Database::resolve(
                    a.db.database_url.as_deref(),
                    &project.root,
                )?)
            };
            let opts = commands::sync::Options {
                check: a.check,
                from_migrations,
                for_nn: a.for_nn,
                format: a.format,
                today: today(),
                shadow_url: a.shadow_url,
                tracking: table,
                downstream: !a.no_downstream && !a.check,
            };
            commands::sync::run(&project, db.as_ref(), &opts)
        }
        Cmd::Migration(MigrationCmd::Bundle(a)) => {
            let table = pg::tracking::TableName::parse(&a.db.tracking_table).map_err(BadInput)?;
            let opts = commands::bundle::Options {
                from: a.from,
                to: a.to,
                out: a.out,
                unreviewed: a.unreviewed,
                database_url: a.db.database_url,
                table,
                shadow_url: a.shadow_url,
                measure: !a.no_measure,
            };
            commands::bundle::run(&project, &opts)
        }
        Cmd::Migration(MigrationCmd::Drift(a)) => {
            let tracking =
                pg::tracking::TableName::parse(&a.db.tracking_table).map_err(BadInput)?;
            let db = if a.from.len() >= 2 {
                None
            } else {
                Some(pg::connect::Database::resolve(
                    a.db.database_url.as_deref(),
                    &project.root,
                )?)
            };
            let opts = commands::drift::Options {
                from: a.from,
                script: a.script,
                allow_drop: a.allow_drop,
                show_noise: a.show_noise,
                shadow_url: a.shadow_url,
                tracking,
                format: a.format,
            };
            commands::drift::run(&project, db.as_ref(), &opts)
        }
        Cmd::Migration(MigrationCmd::Adopt(a)) => {
            let (db, table, lock_wait) = database(&project, &a.db)?;
            let opts = commands::adopt::Options {
                map: a.map,
                legacy_table: a.legacy_table,
                force: a.force,
                reason: a.reason,
                shadow_url: a.shadow_url,
                lock_wait,
                table,
                stamp: !a.no_stamp,
                today: today(),
                format: a.format,
            };
            commands::adopt::run(&project, &db, &opts)
        }
        Cmd::Migration(MigrationCmd::Baseline(a)) => {
            let (db, table, lock_wait) = database(&project, &a.db)?;
            let opts = commands::baseline::Options {
                to: a.to,
                reason: a.reason,
                lock_wait,
                table,
                stamp: !a.no_stamp,
                today: today(),
            };
            commands::baseline::run(&project, &db, &opts)
        }
        Cmd::Migration(MigrationCmd::Repair(a)) => {
            let (db, table, lock_wait) = database(&project, &a.db)?;
            let opts = commands::repair::Options {
                reason: a.reason,
                lock_wait,
                table,
            };
            commands::repair::run(&project, &db, &opts)
        }
        Cmd::Hook(flags::HookCmd::PreCommit(a)) => {
            let opts = commands::hook::Options {
                all: a.all,
                format: a.format,
                today: today(),
            };
            commands::hook::run(&project, &opts)
        }
        Cmd::Hooks(flags::HooksCmd::Install { force }) => commands::hooks::install(&project, force),
        Cmd::Hooks(flags::HooksCmd::Uninstall) => commands::hooks::uninstall(&project),
        Cmd::Db(cmd) => commands::db::run(&project, cmd).map(|()| Outcome::Clean),
        Cmd::Bench(cmd) => commands::bench::run(&project, cmd).map(|()| Outcome::Clean),
        Cmd::Fuzz(a) => commands::fuzz::run(a.seconds, a.seed),
        Cmd::Corpus(a) => commands::corpus::run(&commands::corpus::Options {
            dir: a
                .dir
                .unwrap_or_else(|| commands::corpus::default_dir(&project.root)),
            filter: a.filter,
            show: a.show,
            drift: a.drift,
        }),
        Cmd::NewRule(a) => {
            let opts = commands::new_rule::Options {
                id: a.id,
                severity: match a.severity {
                    flags::RuleSeverity::Error => review::Severity::Error,
                    flags::RuleSeverity::Warning => review::Severity::Warning,
                },
                summary: a.summary,
            };
            for path in commands::new_rule::run(&project, &opts)? {
                println!("{path}");
            }
            eprintln!("next: write the check and the page, then `cargo test -p touchpoint --test it review_rules` (its examples test fails until the Bad example is found)");
            Ok(Outcome::Clean)
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The target database, the tracking table and the lock wait of a command.
fn database(
    project: &project::Project,
    args: &flags::DbArgs,
) -> anyhow::Result<(
    pg::connect::Database,
    pg::tracking::TableName,
    std::time::Duration,
)> {
    let table = pg::tracking::TableName::parse(&args.tracking_table).map_err(BadInput)?;
    let db = pg::connect::Database::resolve(args.database_url.as_deref(), &project.root)?;
    Ok((db, table, std::time::Duration::from_secs(args.lock_timeout)))
}
