//! `fuzz`: feed generated and mutated SQL to the lexer and splitter for a
//! while, checking their invariants (no panic, tokens cover the input,
//! statements in order). Failing inputs are written to a file to keep.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::outcome::Outcome;
use crate::project::Project;
use crate::sql::fuzz::{fuzz_input, fuzz_one};

/// Fuzz the SQL lexer and statement splitter for a while.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Seed for the input generator (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The nasty-input corpus the generator mutates (the same files are
    /// tests) [default: xtask/tests/lexer_corpus in touchpoint's repository].
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<std::path::PathBuf>,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let dir = self
            .corpus
            .unwrap_or_else(|| project.root.join("xtask/tests/lexer_corpus"));
        run(&dir, self.seconds, self.seed)
    }
}

fn run(corpus_dir: &std::path::Path, seconds: u64, seed: Option<u64>) -> Result<Outcome> {
    let mut corpus = Vec::new();
    if let Ok(entries) = std::fs::read_dir(corpus_dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                corpus.push(text);
            }
        }
    }
    let corpus: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let limit = Duration::from_secs(seconds);
    let start = Instant::now();
    let mut iterations = 0u64;
    let mut bytes = 0usize;
    while start.elapsed() < limit {
        for _ in 0..256 {
            let input = fuzz_input(seed.wrapping_add(iterations), &corpus);
            bytes += input.len();
            if std::panic::catch_unwind(|| fuzz_one(&input)).is_err() {
                let path = std::env::temp_dir().join(format!(
                    "touchpoint-fuzz-{}.sql",
                    seed.wrapping_add(iterations)
                ));
                std::fs::write(&path, &input)?;
                eprintln!("the lexer failed on the input saved in {}", path.display());
                return Ok(Outcome::Findings);
            }
            iterations += 1;
        }
    }
    println!(
        "fuzz: {iterations} inputs ({:.1} MB) in {:.1} s, seed {seed}, corpus of {} files: no panic, invariants held",
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        corpus.len()
    );
    Ok(Outcome::Clean)
}
