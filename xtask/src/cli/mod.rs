//! The command line: the parser, and the dispatch of each command to the
//! `run` its arguments own. `main` maps the outcome to the exit code through
//! [`crate::outcome::exit_code`]; no command has a case of its own here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::commands::{
    adopt, apply, baseline, bundle, db, drift, hook, mcp, new, renumber, repair, retire, review,
    rollback, status, sync,
};
use crate::outcome::{exit_code, Outcome};
use crate::project::{self, Project};

/// touchpoint: reviewed, tracked and verified PostgreSQL migrations.
///
/// The workflow has two touchpoints. 1: write the migration (`migration new`)
/// and have it reviewed (`migration review`). 2: apply it (`migration apply`)
/// and update the source of truth (`migration sync`). `migration status`
/// says, for every file, which step comes next.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    max_term_width = 100
)]
pub struct CommandLine {
    /// The repository holding migrations/ and current_schema/ [default: the
    /// cargo workspace `cargo xtask` runs in, else the one holding the
    /// current directory].
    #[arg(
        long,
        global = true,
        env = "TOUCHPOINT_PROJECT_DIR",
        value_name = "DIR"
    )]
    pub project_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write, inspect and run migrations.
    #[command(subcommand)]
    Migration(Migration),
    /// The git hook: judge what is being committed; install or remove it
    /// (docs/hook.md).
    #[command(subcommand, alias = "hooks")]
    Hook(hook::Command),
    /// The embedded throwaway PostgreSQL under target/ (start, stop, url ...).
    #[command(subcommand)]
    Db(db::Command),
    /// The workflow as tools for AI assistants: a Model Context Protocol
    /// server on stdin/stdout (docs/ai.md).
    Mcp(mcp::Args),
    /// Tools for developers of touchpoint (bench, fuzz, corpus, new-rule).
    #[command(subcommand, hide = true)]
    Dev(crate::dev::Command),
}

#[derive(Debug, Subcommand)]
pub enum Migration {
    New(new::Args),
    Review(review::Args),
    Status(status::Args),
    Apply(apply::Args),
    Rollback(rollback::Args),
    Sync(sync::Args),
    Bundle(bundle::Args),
    Drift(drift::Args),
    Adopt(adopt::Args),
    Baseline(baseline::Args),
    Repair(repair::Args),
    Retire(retire::Args),
    Renumber(renumber::Args),
}

/// The whole command line: parse the arguments, run, print the error chain,
/// map the outcome to the exit code. A repository's own xtask is
/// `fn main() -> std::process::ExitCode { touchpoint::main() }`.
pub fn main() -> ExitCode {
    let result = run(CommandLine::parse());
    if let Err(e) = &result {
        eprintln!("error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
    }
    ExitCode::from(exit_code(&result))
}

/// Runs a parsed command line.
pub fn run(cli: CommandLine) -> Result<Outcome> {
    let project = Project::new(project::find_root(cli.project_dir)?);
    if !matches!(cli.command, Command::Hook(_)) {
        crate::hook::install::auto_install(&project);
    }
    match cli.command {
        Command::Migration(m) => m.run(&project),
        Command::Hook(cmd) => cmd.run(&project),
        Command::Db(cmd) => cmd.run(&project),
        Command::Mcp(a) => a.run(&project),
        Command::Dev(cmd) => cmd.run(&project),
    }
}

impl Migration {
    fn run(self, project: &Project) -> Result<Outcome> {
        match self {
            Migration::New(a) => a.run(project),
            Migration::Review(a) => a.run(project),
            Migration::Status(a) => a.run(project),
            Migration::Apply(a) => a.run(project),
            Migration::Rollback(a) => a.run(project),
            Migration::Sync(a) => a.run(project),
            Migration::Bundle(a) => a.run(project),
            Migration::Drift(a) => a.run(project),
            Migration::Adopt(a) => a.run(project),
            Migration::Baseline(a) => a.run(project),
            Migration::Repair(a) => a.run(project),
            Migration::Retire(a) => a.run(project),
            Migration::Renumber(a) => a.run(project),
        }
    }
}
