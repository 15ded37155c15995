//! `hook pre-commit [--all]`: judges what is being committed (the index,
//! not the working tree) and blocks the commit (exit 1) when a migration or
//! a `current_schema/` file skipped a step. `.githooks/pre-commit` runs it;
//! CI runs it with `--all`. The rules are in `crate::hook` and docs/hook.md.

use anyhow::Result;
use chrono::NaiveDate;

use crate::flags::HookFormat;
use crate::hook::{self, git::Git, report};
use crate::project::Project;
use crate::Outcome;

pub struct Options {
    pub all: bool,
    pub format: HookFormat,
    pub today: NaiveDate,
}

pub fn run(project: &Project, opts: &Options) -> Result<Outcome> {
    let git = Git::open(&project.root)?;
    let listing = git.listing(opts.all);
    let mut r = hook::check(&listing, &git, opts.today);
    r.all = opts.all;
    match opts.format {
        HookFormat::Text => print!("{}", report::text(&r)),
        HookFormat::Json => println!("{}", serde_json::to_string_pretty(&report::json(&r))?),
        HookFormat::Github => print!("{}", report::github(&r)),
    }
    Ok(if r.blocked() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
