//! `migration new` and `migration status --offline` through the real binary,
//! on projects in temp dirs.

use std::fs;

use crate::support::{assert_code, stderr, stdout, xtask};

fn project() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn new_then_status_says_not_reviewed_with_the_next_command() {
    let dir = project();
    let o = xtask(
        dir.path(),
        &[
            "migration",
            "new",
            "Add processing time minutes",
            "--date",
            "2026-11-22",
            "--tables",
            "service_ops.packet",
        ],
    );
    assert_code(&o, 0);
    let path = "migrations/2026-11-22_01_add_processing_time_minutes.sql";
    assert_eq!(stdout(&o).trim(), path);
    let text = fs::read_to_string(dir.path().join(path)).unwrap();
    for field in [
        "-- Migration: Add processing time minutes",
        "-- Date: 2026-11-22",
        "-- Issue: ",
        "-- PROBLEM: ",
        "-- SOLUTION: ",
        "-- AFFECTED TABLES: service_ops.packet",
        "-- SOURCE OF TRUTH SCHEMA UPDATED:",
        "-- DOWNSTREAM UPDATES:",
        "--   [ ] Reviewed",
        "--   [ ] Executed",
        "--   [ ] Source of truth synced",
        "-- migrate:verify",
        "-- migrate:rollback",
    ] {
        assert!(text.contains(field), "missing {field:?} in\n{text}");
    }

    let o = xtask(dir.path(), &["migration", "status", "--offline"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("2026-11-22_01_add_processing_time_minutes"),
        "{out}"
    );
    assert!(out.contains("not reviewed"), "{out}");
    assert!(
        out.contains(&format!("next: cargo xtask migration review {path}")),
        "{out}"
    );
}

#[test]
fn new_numbers_after_the_highest_and_never_overwrites() {
    let dir = project();
    fs::create_dir(dir.path().join("migrations")).unwrap();
    fs::write(
        dir.path().join("migrations/2026-01-01_07_old.sql"),
        "select 1;\n",
    )
    .unwrap();
    fs::write(dir.path().join("migrations/notes.txt"), "not a migration").unwrap();
    let o = xtask(
        dir.path(),
        &["migration", "new", "Next one", "--date", "2026-11-22"],
    );
    assert_code(&o, 0);
    assert_eq!(stdout(&o).trim(), "migrations/2026-11-22_08_next_one.sql");

    // The same title on the same day gets the next number, not the same file.
    let o = xtask(
        dir.path(),
        &["migration", "new", "Next one", "--date", "2026-11-22"],
    );
    assert_eq!(stdout(&o).trim(), "migrations/2026-11-22_09_next_one.sql");
}

#[test]
fn new_refuses_a_title_without_a_slug() {
    let dir = project();
    let o = xtask(
        dir.path(),
        &["migration", "new", "!!! \u{65e5}\u{672c} ---"],
    );
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("leaves nothing for the file name"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.path().join("migrations").exists()
            || fs::read_dir(dir.path().join("migrations"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn status_reports_every_broken_file_and_keeps_going() {
    let dir = project();
    let m = dir.path().join("migrations");
    fs::create_dir(&m).unwrap();
    fs::write(m.join("2026-01-01_01_good.sql"), "select 1;\n").unwrap();
    fs::write(m.join("2026-01-02_02_dup_a.sql"), "select 2;\n").unwrap();
    fs::write(m.join("2026-01-03_02_dup_b.sql"), "select 3;\n").unwrap();
    fs::write(m.join("add_column.sql"), "select 4;\n").unwrap();
    fs::write(m.join("2026-01-04_04_latin1.sql"), b"select 'caf\xe9';\n").unwrap();
    fs::write(
        m.join("2026-01-05_05_typo.sql"),
        "select 5;\n-- migrate:rolback\n",
    )
    .unwrap();
    fs::write(m.join("2026-01-06_06_fine.sql"), "select 6;\n").unwrap();

    let o = xtask(dir.path(), &["migration", "status", "--offline"]);
    assert_code(&o, 1);
    let out = stdout(&o);
    for want in [
        "error: migrations/2026-01-02_02_dup_a.sql: NN 02 is also used by migrations/2026-01-03_02_dup_b.sql",
        "error: migrations/2026-01-03_02_dup_b.sql: NN 02 is also used by migrations/2026-01-02_02_dup_a.sql",
        "error: migrations/add_column.sql: bad migration file name",
        "error: migrations/2026-01-04_04_latin1.sql:1: the file is not UTF-8",
        "error: migrations/2026-01-05_05_typo.sql:2: unknown directive `-- migrate:rolback`",
        "2026-01-01_01_good",
        "2026-01-06_06_fine",
        "5 problems",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn status_json_has_the_documented_shape() {
    let dir = project();
    xtask(
        dir.path(),
        &["migration", "new", "First", "--date", "2026-11-20"],
    );
    fs::write(dir.path().join("migrations/bad.sql"), "").unwrap();
    let o = xtask(
        dir.path(),
        &["migration", "status", "--offline", "--format", "json"],
    );
    assert_code(&o, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let m = &v["migrations"][0];
    assert_eq!(m["number"], 1);
    assert_eq!(m["version"], "2026-11-20_01_first");
    assert_eq!(m["file"], "migrations/2026-11-20_01_first.sql");
    assert_eq!(m["date"], "2026-11-20");
    assert_eq!(m["title"], "First");
    assert!(m["checksum"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(m["no_transaction"], false);
    assert_eq!(m["touchpoints"]["reviewed"]["state"], "open");
    assert_eq!(m["touchpoints"]["executed"]["state"], "open");
    assert_eq!(m["touchpoints"]["synced"]["state"], "open");
    assert_eq!(m["progress"], "not_reviewed");
    assert_eq!(
        m["next"],
        "cargo xtask migration review migrations/2026-11-20_01_first.sql"
    );
    assert_eq!(v["problems"][0]["file"], "migrations/bad.sql");
}

#[test]
fn status_flags_stale_and_hand_ticked_stamps() {
    let dir = project();
    xtask(
        dir.path(),
        &["migration", "new", "First", "--date", "2026-11-20"],
    );
    let path = dir.path().join("migrations/2026-11-20_01_first.sql");
    let text = fs::read_to_string(&path).unwrap();
    let text = text
        .replace(
            "--   [ ] Reviewed",
            "--   [x] Reviewed 2026-11-20 sha256:000000000000",
        )
        .replace("--   [ ] Executed", "--   [x] Executed");
    fs::write(&path, text).unwrap();
    let o = xtask(dir.path(), &["migration", "status", "--offline"]);
    let out = stdout(&o);
    assert!(out.contains("Executed ticked without a stamp"), "{out}");
}

#[test]
fn a_crlf_copy_has_the_same_checksum() {
    let dir = project();
    xtask(
        dir.path(),
        &["migration", "new", "First", "--date", "2026-11-20"],
    );
    let json = |d: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&stdout(&xtask(
            d,
            &["migration", "status", "--offline", "--format", "json"],
        )))
        .unwrap()
    };
    let before = json(dir.path())["migrations"][0]["checksum"].clone();
    let path = dir.path().join("migrations/2026-11-20_01_first.sql");
    let crlf = format!(
        "\u{feff}{}",
        fs::read_to_string(&path).unwrap().replace('\n', "\r\n")
    );
    fs::write(&path, crlf).unwrap();
    assert_eq!(json(dir.path())["migrations"][0]["checksum"], before);
}
