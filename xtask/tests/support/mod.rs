//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the real binary with `--project-dir dir`.
pub fn xtask(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--project-dir")
        .arg(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the xtask binary runs")
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

/// The repository's own migrations/ directory.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// A project in a temp dir holding a copy of the repository's demo set.
pub fn demo_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("migrations");
    std::fs::create_dir(&to).unwrap();
    for e in std::fs::read_dir(repo_root().join("migrations")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    dir
}

/// Runs the binary against `url`.
pub fn xtask_db(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg("--project-dir")
        .arg(dir)
        .arg("--database-url")
        .arg(url)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the xtask binary runs")
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
