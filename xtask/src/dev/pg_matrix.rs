//! `dev pg-matrix`: the demo workflow and the conformance corpora on every
//! supported PostgreSQL major. Binaries come from the system
//! (`/usr/lib/postgresql/<major>/bin`) or from `.ci/pg-fetch`; each step runs
//! this binary as a child with `TOUCHPOINT_PG_BINDIR` set, so every server it
//! starts, and the psql and pg_dump it calls, are of that major.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::outcome::Outcome;
use crate::pg::cluster::Binaries;
use crate::pg::connect::SUPPORTED_MAJORS;
use crate::project::Project;

/// Run the demo workflow and both conformance corpora on each PostgreSQL
/// major (server binaries fetched with `.ci/pg-fetch` when missing).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The majors, comma-separated [default: every supported one].
    #[arg(long, value_delimiter = ',', value_name = "MAJOR,...")]
    pub majors: Vec<u32>,
    /// Only the demo workflow (no corpora).
    #[arg(long)]
    pub quick: bool,
    /// The pg-delta corpus [default: ../shared/corpus/pg-delta/corpus].
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
}

/// One step's outcome on one major.
struct Step {
    name: &'static str,
    ok: bool,
    summary: String,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let majors = if self.majors.is_empty() {
            SUPPORTED_MAJORS.collect()
        } else {
            self.majors.clone()
        };
        let mut rows = Vec::new();
        for major in majors {
            let started = Instant::now();
            let bin = binaries(project, major)?;
            eprintln!("== PostgreSQL {major} ({})", bin.bindir.display());
            let steps = self.steps(project, &bin)?;
            rows.push((major, steps, started.elapsed()));
        }
        println!("\nPostgreSQL matrix:");
        let mut failed = false;
        for (major, steps, took) in &rows {
            for s in steps {
                failed |= !s.ok;
                println!(
                    "  {major}  {:<14} {}  {}",
                    s.name,
                    if s.ok { "ok    " } else { "FAILED" },
                    s.summary
                );
            }
            println!("  {major}  ({:.0} s)", took.as_secs_f64());
        }
        Ok(if failed {
            Outcome::Findings
        } else {
            Outcome::Clean
        })
    }

    fn steps(&self, project: &Project, bin: &Binaries) -> Result<Vec<Step>> {
        let mut steps = vec![demo(project, bin)?];
        if self.quick {
            return Ok(steps);
        }
        let shared = self
            .corpus
            .clone()
            .unwrap_or_else(|| crate::dev::corpus::default_dir(&project.root));
        let ours = project.root.join("xtask/tests/corpus");
        for (name, dir, extra) in [
            ("pg-delta sync", &shared, None),
            ("pg-delta drift", &shared, Some("--drift")),
            ("fixtures sync", &ours, None),
            ("fixtures drift", &ours, Some("--drift")),
        ] {
            let mut args = vec!["dev", "corpus", "--dir", path_str(dir)?, "--show", "0"];
            args.extend(extra);
            let out = child(project, bin, &project.root, &args)?;
            steps.push(Step {
                name,
                ok: out.status.success(),
                summary: last_lines(&out.stdout, 3),
            });
        }
        Ok(steps)
    }
}

/// The binaries of `major`, fetched with `.ci/pg-fetch` when missing.
fn binaries(project: &Project, major: u32) -> Result<Binaries> {
    if let Some(b) = Binaries::for_major(major) {
        return Ok(b);
    }
    let script = project.root.join(".ci/pg-fetch");
    eprintln!("fetching PostgreSQL {major}: bash {}", script.display());
    let status = Command::new("bash")
        .arg(&script)
        .arg(major.to_string())
        .status()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !status.success() {
        bail!("{} {major} failed ({status})", script.display());
    }
    Binaries::for_major(major)
        .with_context(|| format!("no PostgreSQL {major} binaries after {}", script.display()))
}

/// The demo workflow on a copy of the project's migrations: review (with
/// the dynamic checks), apply, sync, sync --check, drift.
fn demo(project: &Project, bin: &Binaries) -> Result<Step> {
    let dir = tempfile::tempdir()?;
    let to = dir.path().join("migrations");
    std::fs::create_dir_all(&to)?;
    for e in std::fs::read_dir(project.migrations_dir())? {
        let e = e?;
        std::fs::copy(e.path(), to.join(e.file_name()))?;
    }
    let root = dir.path();
    let mut failed = None;
    for args in [
        &["migration", "review", "--all", "--no-stamp"][..],
        &["migration", "apply", "--no-stamp"],
        &["migration", "sync", "--no-downstream"],
        &["migration", "sync", "--check"],
        &["migration", "drift"],
    ] {
        let out = child(project, bin, root, args)?;
        if !out.status.success() {
            failed = Some(format!(
                "`{}` exited {}: {}",
                args.join(" "),
                out.status,
                last_lines(&out.stderr, 2)
            ));
            break;
        }
    }
    let _ = child(project, bin, root, &["db", "stop"]);
    Ok(Step {
        name: "demo workflow",
        ok: failed.is_none(),
        summary: failed.unwrap_or_else(|| "review, apply, sync, sync --check, drift".to_string()),
    })
}

/// This binary, in `root`, with `bin`'s servers and client tools.
fn child(
    project: &Project,
    bin: &Binaries,
    root: &Path,
    args: &[&str],
) -> Result<std::process::Output> {
    let exe = std::env::current_exe()?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.bindir.clone()];
    paths.extend(std::env::split_paths(&path));
    Command::new(exe)
        .args(args)
        .arg("--project-dir")
        .arg(root)
        .current_dir(&project.root)
        .env("TOUCHPOINT_PG_BINDIR", &bin.bindir)
        .env("PATH", std::env::join_paths(paths)?)
        .env("TOUCHPOINT_NO_HOOKS", "1")
        .env_remove("DATABASE_URL")
        .env_remove("TOUCHPOINT_SHADOW_URL")
        .output()
        .with_context(|| format!("cannot run touchpoint {}", args.join(" ")))
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("{} is not UTF-8", p.display()))
}

fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
