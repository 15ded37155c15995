//! `hook pre-commit [--all]`: judges what is being committed (the index,
//! not the working tree) and blocks the commit (exit 1) when a migration or
//! a `current_schema/` file skipped a step. `.githooks/pre-commit` runs it;
//! CI runs it with `--all`. The rules are in `crate::hook` and docs/hook.md.
//! `hook install` / `hook uninstall` point git at `.githooks/` or take it
//! back (`hooks ...` is the same command under its old name).

use anyhow::Result;

use crate::args::{formats, Format};
use crate::hook::{self, git::GitRepo, install, report};
use crate::outcome::Outcome;
use crate::project::Project;

/// The git hook: judge what is being committed, and install or remove it
/// (docs/hook.md).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Block a commit (exit 1) whose staged migrations or current_schema/
    /// files skipped a step: bad name or duplicate NN, review errors, no or
    /// stale Reviewed stamp, a changed executed migration, an executed
    /// migration not synced, current_schema/ not staged or edited by hand,
    /// a forged stamp. Reads the index, not the working tree; each block
    /// names the command that fixes it.
    ///
    /// `.githooks/pre-commit` runs it; on CI run it with --all.
    PreCommit(PreCommit),
    /// Set core.hooksPath to .githooks in this repository's git config
    /// (writing .githooks/pre-commit when it is missing), so that git runs
    /// it before every commit. The first command run in a clone does this
    /// unasked.
    Install {
        /// Replace a core.hooksPath another tool set.
        #[arg(long)]
        force: bool,
    },
    /// Remove core.hooksPath when it is touchpoint's .githooks, and stop
    /// commands from installing it again.
    Uninstall,
}

impl Command {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        match self {
            Command::PreCommit(a) => a.run(project),
            Command::Install { force } => install::install(project, force),
            Command::Uninstall => install::uninstall(project),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct PreCommit {
    /// Judge every migration and current_schema/ file in the index, not only
    /// those that differ from HEAD (for CI: catches commits made without the
    /// hook or with --no-verify).
    #[arg(long)]
    pub all: bool,
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json", "github"]))]
    pub format: Format,
}

impl PreCommit {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let git = GitRepo::open(&project.root)?;
        let listing = git.listing(self.all);
        let mut r = hook::check(&listing, &git, crate::args::today());
        r.all = self.all;
        match self.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&report::json(&r))?),
            Format::Github => print!("{}", report::github(&r)),
            Format::Text | Format::Sarif | Format::Markdown => print!("{}", report::text(&r)),
        }
        Ok(if r.blocked() {
            Outcome::Findings
        } else {
            Outcome::Clean
        })
    }
}
