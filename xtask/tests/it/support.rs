//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, run on the project in `dir` in a clean environment:
/// every `TOUCHPOINT_*`, `PG*`, `DATABASE_URL`, `CARGO_*` and `GIT_*`
/// variable removed (a test sets what it needs on the returned command),
/// `TOUCHPOINT_NO_HOOKS=1` (tests of the hook's installation remove it), and
/// `dir` both the current directory and `--project-dir`. Only
/// `TOUCHPOINT_PG_BINDIR` passes through: it says which server binaries the
/// whole run uses (the version matrix sets it).
pub fn command(dir: &Path) -> Command {
    let mut cmd = bare_command(dir);
    cmd.arg("--project-dir").arg(dir);
    cmd
}

/// The binary in the clean environment of [`command`], run in `cwd`
/// without `--project-dir`: it finds the project itself.
pub fn bare_command(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_touchpoint"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let private = ["TOUCHPOINT_", "PG", "CARGO_", "GIT_"]
            .iter()
            .any(|p| key.starts_with(p));
        if (private || key == "DATABASE_URL") && key != "TOUCHPOINT_PG_BINDIR" {
            cmd.env_remove(&*key);
        }
    }
    cmd.env("TOUCHPOINT_NO_HOOKS", "1").current_dir(cwd);
    cmd
}

/// Runs the binary on `dir` (see [`command`]).
pub fn xtask(dir: &Path, args: &[&str]) -> Output {
    command(dir)
        .args(args)
        .output()
        .expect("the touchpoint binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it differs.
pub fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

pub fn is_root() -> bool {
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0
}

/// This repository, for the tests that check its own files (the rule pages,
/// the hook script); no test writes there.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// The frozen demo project the tests use: a copy of the demo set as it was
/// committed (reviewed, not executed) with its current_schema/. Tests never
/// use the repository's own migrations/, which the README's first command
/// stamps and users change.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo")
}

/// A project in a temp dir holding a copy of the demo fixture's migrations/.
pub fn demo_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &fixture_dir().join("migrations"),
        &dir.path().join("migrations"),
    );
    dir
}

/// Copies the files of `from` into `to` (created), not recursing.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Runs the binary on `dir` against `url`.
pub fn xtask_db(dir: &Path, url: &str, args: &[&str]) -> Output {
    command(dir)
        .args(args)
        .arg("--database-url")
        .arg(url)
        .output()
        .expect("the touchpoint binary runs")
}

/// psql -Atc against `url`; returns trimmed stdout, panics on failure.
pub fn psql(url: &str, sql: &str) -> String {
    let o = Command::new("psql")
        .args([url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        o.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Writes `text` to `dir/rel`, creating directories.
pub fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A migration file with an empty header checklist and `body`.
pub fn migration(nn: u32, title: &str, body: &str) -> String {
    format!(
        "-- ============================================================================
-- Migration: {title}
-- Date: 2026-11-{nn:02}
-- Issue: T-{nn}
--
-- PROBLEM: a test needs it.
-- SOLUTION: create it.
-- AFFECTED TABLES: none
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/XX_file.sql (Line N: description)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [ ] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [ ] Reviewed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================

{body}
"
    )
}

/// A new database `name` on `pg`, with each of `sql` run in it.
pub fn create_database(pg: &touchpoint::pg::Throwaway, name: &str, sql: &[&str]) {
    psql(&pg.url(), &format!("CREATE DATABASE {name}"));
    for s in sql {
        psql(&pg.url_for(name), s);
    }
}

/// `pg` as touchpoint connects to it.
pub fn server(pg: &touchpoint::pg::Throwaway) -> touchpoint::pg::connect::Database {
    touchpoint::pg::connect::Database::from_conninfo(&pg.url(), |_| None).unwrap()
}
