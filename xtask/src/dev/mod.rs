//! Tools for developers of touchpoint, out of the product's help:
//! `cargo xtask dev bench|fuzz|corpus|new-rule|pg-matrix`.

pub mod bench;
pub mod corpus;
pub mod fuzz;
pub mod new_rule;
pub mod pg_matrix;

use anyhow::Result;

use crate::outcome::Outcome;
use crate::project::Project;

/// Tools for developers of touchpoint (benchmarks, fuzzing, the corpus, the
/// rule scaffolder); not part of the workflow.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Benchmarks; each prints figures as ratios against a baseline measured
    /// in the same run.
    #[command(subcommand)]
    Bench(bench::Command),
    Fuzz(fuzz::Args),
    Corpus(corpus::Args),
    NewRule(new_rule::Args),
    PgMatrix(pg_matrix::Args),
}

impl Command {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        match self {
            Command::Bench(cmd) => cmd.run(project),
            Command::Fuzz(a) => a.run(project),
            Command::Corpus(a) => a.run(project),
            Command::NewRule(a) => a.run(project),
            Command::PgMatrix(a) => a.run(project),
        }
    }
}
