//! `migration bundle` through the real binary, its scripts run by psql as a
//! DBA would (`\i` the script, read, then COMMIT or ROLLBACK), on throwaway
//! clusters.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{assert_code, demo_project, psql, stderr, stdout, xtask, xtask_db};
use touchpoint::pg::Throwaway;

const HEADER: &str =
    "-- ============================================================================
-- Migration: Step NN
-- Date: DATE
-- Issue: T-1
--
-- PROBLEM: a test
-- SOLUTION: a test
-- AFFECTED TABLES: public.t
--
-- TOUCHPOINTS:
--   [ ] Reviewed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================
";

fn write(dir: &Path, nn: u32, body: &str, verify: &str, rollback: &str) {
    let date = format!("2026-11-{nn:02}");
    let text = format!(
        "{}{body}\n\n-- migrate:verify\n{verify}\n\n-- migrate:rollback\n{rollback}\n",
        HEADER
            .replace("DATE", &date)
            .replace("NN", &format!("{nn:02}"))
    );
    fs::create_dir_all(dir.join("migrations")).unwrap();
    fs::write(
        dir.join(format!("migrations/{date}_{nn:02}_step.sql")),
        text,
    )
    .unwrap();
}

/// A copy of the demo set whose files carry a current Reviewed stamp.
fn reviewed_demo() -> tempfile::TempDir {
    let dir = demo_project();
    let o = xtask(
        dir.path(),
        &["migration", "review", "--all", "--static-only"],
    );
    assert_code(&o, 0);
    dir
}

fn bundle(dir: &Path, out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["migration", "bundle", "--out", out.to_str().unwrap()];
    all.extend(args);
    xtask(dir, &all)
}

/// The bundle's files by suffix: `migrations.sql`, `no_transaction.sql`,
/// `rollback.sql`, `DBA_INSTRUCTIONS.md`.
fn files(out: &Path) -> BTreeMap<String, PathBuf> {
    fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let suffix = name.splitn(3, '_').nth(2).unwrap().to_string();
            (suffix, p)
        })
        .collect()
}

fn read(files: &BTreeMap<String, PathBuf>, suffix: &str) -> String {
    fs::read_to_string(&files[suffix]).unwrap()
}

fn file_name(files: &BTreeMap<String, PathBuf>, suffix: &str) -> String {
    files[suffix]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// psql in `dir` reading `input` on stdin, as a DBA types `\i script` and
/// then COMMIT or ROLLBACK.
fn dba(url: &str, dir: &Path, input: &str) -> Output {
    let mut child = Command::new("psql")
        .args(["-X", url])
        .current_dir(dir)
        .env("PGCLIENTENCODING", "LATIN1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `psql -f script`, for the no-transaction script.
fn dba_file(url: &str, dir: &Path, script: &str) -> Output {
    Command::new("psql")
        .args(["-X", url, "-f", script])
        .current_dir(dir)
        .output()
        .expect("psql runs")
}

fn tracking_rows(url: &str) -> Vec<String> {
    psql(
        url,
        "SELECT concat_ws('|', version, name, checksum, md5(rollback_sql), success, no_transaction,
                          statements_total, statements_done, last_error, kind, note)
           FROM schema_migrations ORDER BY version",
    )
    .lines()
    .map(str::to_string)
    .collect()
}

fn snapshot(url: &str) -> std::collections::BTreeSet<String> {
    touchpoint::pg::block_on(async {
        let client = touchpoint::pg::exec::connect_plain(url).await.unwrap();
        touchpoint::schema::snapshot::take(&client).await.unwrap()
    })
}

fn read_dir_sorted(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_demo_bundle_run_by_psql_records_what_apply_records() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE dba");
    psql(&pg.url(), "CREATE DATABASE dev");
    let (dba_url, dev_url) = (pg.url_for("dba"), pg.url_for("dev"));
    let dir = reviewed_demo();
    let out = dir.path().join("release");

    // No --from / --to: the migrations pending on the target database.
    let o = bundle(
        dir.path(),
        &out,
        &["--database-url", &dba_url, "--no-measure"],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("10 migrations pending on"),
        "{}",
        stderr(&o)
    );
    let f = files(&out);
    assert_eq!(
        f.keys().collect::<Vec<_>>(),
        [
            "DBA_INSTRUCTIONS.md",
            "migrations.sql",
            "no_transaction.sql",
            "rollback.sql"
        ]
    );
    assert!(file_name(&f, "migrations.sql").starts_with("2026-11-18_01-10_"));

    // Step 1, as the DBA runs it: include the script, read, COMMIT.
    let main = dba(
        &dba_url,
        &out,
        &format!("\\i {}\nCOMMIT;\n", file_name(&f, "migrations.sql")),
    );
    assert_code(&main, 0);
    let printed = stdout(&main);
    assert!(printed.contains("ALL CHECKS PASS"), "{printed}");
    assert!(!printed.contains("| FAIL"), "{printed}");
    assert_eq!(
        printed.matches("| PASS").count(),
        2 * 56,
        "each check printed as it runs and in the summary:\n{printed}"
    );
    assert!(printed.trim_end().ends_with("COMMIT"), "{printed}");
    assert!(!stderr(&main).contains("ERROR"), "{}", stderr(&main));
    // Step 2, after COMMIT.
    let second = dba_file(&dba_url, &out, &file_name(&f, "no_transaction.sql"));
    assert_code(&second, 0);
    assert!(stdout(&second).contains("Done: every migration of this script ran"));
    assert_eq!(stdout(&second).matches("| PASS").count(), 2 * 3);

    // The same rows as `apply` records on another database.
    assert_code(
        &xtask_db(dir.path(), &dev_url, &["migration", "apply", "--no-stamp"]),
        0,
    );
    let bundled = tracking_rows(&dba_url);
    assert_eq!(bundled.len(), 10);
    assert_eq!(bundled, tracking_rows(&dev_url));
    assert_eq!(
        psql(
            &dba_url,
            "SELECT string_agg(DISTINCT applied_by, ' / ' ORDER BY applied_by) FROM schema_migrations"
        ),
        format!(
            "postgres (psql: {}) / postgres (psql: {})",
            file_name(&f, "migrations.sql"),
            file_name(&f, "no_transaction.sql")
        )
    );
    assert_eq!(snapshot(&dba_url), snapshot(&dev_url));

    // apply finds nothing to run (and ticks the Executed stamps); status
    // lists every migration as applied.
    let again = xtask_db(dir.path(), &dba_url, &["migration", "apply"]);
    assert_code(&again, 0);
    assert!(
        stdout(&again).contains("applied 0 migrations")
            && stdout(&again).contains("10 already applied"),
        "{}",
        stdout(&again)
    );
    let st = xtask_db(dir.path(), &dba_url, &["migration", "status"]);
    assert_code(&st, 0);
    assert!(
        stdout(&st).contains("10 applied, 0 pending, 0 changed, 0 failed, 0 missing"),
        "{}",
        stdout(&st)
    );
    let nothing = bundle(
        dir.path(),
        &dir.path().join("empty"),
        &["--database-url", &dba_url, "--no-measure"],
    );
    assert_code(&nothing, 0);
    assert!(stdout(&nothing).contains("nothing to bundle"));
    assert!(!dir.path().join("empty").exists());

    // sync works as after apply: the same current_schema/ as a project
    // applied with `apply`.
    let sync = xtask_db(
        dir.path(),
        &dba_url,
        &["migration", "sync", "--shadow-url", &pg.url()],
    );
    assert_code(&sync, 0);
    let dev = reviewed_demo();
    assert_code(&xtask_db(dev.path(), &dev_url, &["migration", "apply"]), 0);
    assert_code(
        &xtask_db(
            dev.path(),
            &dev_url,
            &["migration", "sync", "--shadow-url", &pg.url()],
        ),
        0,
    );
    let schema = read_dir_sorted(&dir.path().join("current_schema"));
    assert!(!schema.is_empty());
    assert_eq!(schema, read_dir_sorted(&dev.path().join("current_schema")));
    assert_eq!(
        read_dir_sorted(&dir.path().join("migrations")),
        read_dir_sorted(&dev.path().join("migrations")),
        "the same stamps and SOURCE OF TRUTH lines"
    );
}

#[test]
fn a_failing_check_prints_fail_refuses_commit_and_rollback_leaves_nothing() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        1,
        "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY);",
        "SELECT 't exists' AS check_name, CASE WHEN to_regclass('t') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\nSELECT 't has a row', CASE WHEN count(*) > 0 THEN 'PASS' ELSE 'FAIL' END FROM t;",
        "DROP TABLE IF EXISTS t;",
    );
    let out = dir.path().join("release");
    let o = bundle(
        dir.path(),
        &out,
        &["--from", "1", "--to", "1", "--unreviewed", "--no-measure"],
    );
    assert_code(&o, 0);
    let f = files(&out);
    assert!(!f.contains_key("no_transaction.sql"));
    let script = file_name(&f, "migrations.sql");

    let rolled_back = dba(&url, &out, &format!("\\i {script}\nROLLBACK;\n"));
    assert_code(&rolled_back, 0);
    let printed = stdout(&rolled_back);
    assert!(printed.contains("| t exists   | PASS"), "{printed}");
    assert!(printed.contains("| t has a row | FAIL"), "{printed}");
    assert!(
        printed.contains("FAIL: do not commit; type ROLLBACK;"),
        "{printed}"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT to_regclass('t') IS NULL AND to_regclass('public.schema_migrations') IS NULL"
        ),
        "t",
        "nothing changed, the tracking table included"
    );

    // A DBA who types COMMIT anyway gets an error, and nothing is committed.
    let committed = dba(&url, &out, &format!("\\i {script}\nCOMMIT;\n"));
    assert_code(&committed, 3);
    assert!(
        stderr(&committed).contains(
            "check \"t has a row\" of 2026-11-01_01_step says FAIL: this transaction cannot be committed"
        ),
        "{}",
        stderr(&committed)
    );
    assert_eq!(
        psql(
            &url,
            "SELECT to_regclass('t') IS NULL AND to_regclass('public.schema_migrations') IS NULL"
        ),
        "t"
    );
}

#[test]
fn the_rollback_script_restores_the_schema_from_before_the_bundle() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE prod");
    let url = pg.url_for("prod");
    let dir = reviewed_demo();
    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &["migration", "apply", "--target", "4", "--no-stamp"],
        ),
        0,
    );
    let before = snapshot(&url);
    let rows_before = tracking_rows(&url);

    // Pending: 05 to 10; locks measured on the same cluster.
    let out = dir.path().join("release");
    let o = bundle(
        dir.path(),
        &out,
        &["--database-url", &url, "--shadow-url", &pg.url()],
    );
    assert_code(&o, 0);
    let f = files(&out);
    assert!(file_name(&f, "migrations.sql").starts_with("2026-11-18_05-10_"));
    let instructions = read(&f, "DBA_INSTRUCTIONS.md");
    assert!(
        instructions.contains(
            "**Locks held until COMMIT or ROLLBACK:**\n- `service_ops.message_status`: SHARE ROW EXCLUSIVE (blocks writes; reads continue)\n- `service_ops.packet`: SHARE ROW EXCLUSIVE (blocks writes; reads continue)\n- `service_ops.packet_decision`: ACCESS EXCLUSIVE (blocks every read and write of the table)\n"
        ),
        "{instructions}"
    );
    assert!(instructions.contains("the newest is `2026-09-24_04_create_send_integration_outbox`"));

    let main = dba(
        &url,
        &out,
        &format!("\\i {}\nCOMMIT;\n", file_name(&f, "migrations.sql")),
    );
    assert_code(&main, 0);
    assert_code(
        &dba_file(&url, &out, &file_name(&f, "no_transaction.sql")),
        0,
    );
    assert_ne!(snapshot(&url), before);
    assert_eq!(tracking_rows(&url).len(), 10);

    let rollback = dba(
        &url,
        &out,
        &format!("\\i {}\nCOMMIT;\n", file_name(&f, "rollback.sql")),
    );
    assert_code(&rollback, 0);
    assert_eq!(
        stdout(&rollback).matches("| PASS: not recorded").count(),
        6,
        "{}",
        stdout(&rollback)
    );
    assert_eq!(
        snapshot(&url),
        before,
        "the schema is the one from before the bundle"
    );
    assert_eq!(tracking_rows(&url), rows_before);
    let st = xtask_db(dir.path(), &url, &["migration", "status"]);
    assert!(
        stdout(&st).contains("4 applied, 6 pending"),
        "{}",
        stdout(&st)
    );
}

#[test]
fn the_demo_instructions_snapshot() {
    let pg = Throwaway::start().unwrap();
    let dir = reviewed_demo();
    let out = dir.path().join("release");
    let o = bundle(
        dir.path(),
        &out,
        &["--from", "1", "--to", "10", "--shadow-url", &pg.url()],
    );
    assert_code(&o, 0);
    insta::assert_snapshot!(
        "demo_dba_instructions",
        read(&files(&out), "DBA_INSTRUCTIONS.md")
    );
}

#[test]
fn a_bundle_written_again_is_byte_identical() {
    let pg = Throwaway::start().unwrap();
    let dir = reviewed_demo();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    for out in [&one, &two] {
        let o = bundle(
            dir.path(),
            out,
            &["--from", "5", "--to", "10", "--shadow-url", &pg.url()],
        );
        assert_code(&o, 0);
    }
    let first = read_dir_sorted(&one);
    assert_eq!(first.len(), 4);
    assert_eq!(first, read_dir_sorted(&two));
    // Written over itself: the same bytes again.
    assert_code(
        &bundle(
            dir.path(),
            &one,
            &["--from", "5", "--to", "10", "--shadow-url", &pg.url()],
        ),
        0,
    );
    assert_eq!(read_dir_sorted(&one), first);
}

#[test]
fn unreviewed_migrations_are_refused_unless_asked_and_then_said_first() {
    let dir = demo_project();
    // The repository's demo set is reviewed: reopen the Reviewed stamps.
    for e in std::fs::read_dir(dir.path().join("migrations")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let open = touchpoint::migration::header::clear_stamp(
            &text,
            touchpoint::migration::Touchpoint::Reviewed,
        )
        .unwrap();
        std::fs::write(&path, open).unwrap();
    }
    let out = dir.path().join("release");
    let o = bundle(
        dir.path(),
        &out,
        &["--from", "9", "--to", "10", "--no-measure"],
    );
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("refusing to bundle migrations without a current Reviewed stamp"),
        "{err}"
    );
    for file in [
        "migrations/2026-11-05_09_index_correlation_ids_concurrently.sql",
        "migrations/2026-11-18_10_add_packet_decision_utn_workflow.sql",
    ] {
        assert!(
            err.contains(&format!(
                "{file} is not reviewed: cargo xtask migration review {file}"
            )),
            "{err}"
        );
    }
    assert!(!out.exists(), "nothing written");

    // A review that went stale (the SQL changed since) is refused too.
    let reviewed = reviewed_demo();
    let tenth = reviewed
        .path()
        .join("migrations/2026-11-18_10_add_packet_decision_utn_workflow.sql");
    let text = fs::read_to_string(&tenth).unwrap();
    fs::write(
        &tenth,
        text.replace("SET lock_timeout = '5s';", "SET lock_timeout = '3s';"),
    )
    .unwrap();
    let o = bundle(
        reviewed.path(),
        &out,
        &["--from", "9", "--to", "10", "--no-measure"],
    );
    assert_code(&o, 2);
    assert!(stderr(&o).contains(
        "2026-11-18_10_add_packet_decision_utn_workflow.sql changed after its review on"
    ));
    assert!(!stderr(&o).contains("09_index"), "{}", stderr(&o));

    let o = bundle(
        dir.path(),
        &out,
        &["--from", "9", "--to", "10", "--no-measure", "--unreviewed"],
    );
    assert_code(&o, 0);
    let f = files(&out);
    let instructions = read(&f, "DBA_INSTRUCTIONS.md");
    assert_eq!(
        instructions.lines().next().unwrap(),
        "**UNREVIEWED (bundled with `--unreviewed`): migrations 09, 10 are not reviewed in their current form. Do not run this on a production database until the review is done (`cargo xtask migration review`).**"
    );
    for script in ["migrations.sql", "no_transaction.sql", "rollback.sql"] {
        assert_eq!(
            read(&f, script).lines().nth(1).unwrap(),
            "-- UNREVIEWED (bundled with --unreviewed): migrations 09, 10 are not reviewed in their current form.",
            "{script}"
        );
    }
    assert!(
        instructions.contains("**Locks and rewrites:** not measured (bundled with --no-measure).")
    );
}

#[test]
fn a_no_transaction_migration_goes_to_the_second_script_run_after_commit() {
    let dir = reviewed_demo();
    let out = dir.path().join("release");
    let o = bundle(
        dir.path(),
        &out,
        &["--from", "8", "--to", "10", "--no-measure"],
    );
    assert_code(&o, 0);
    let f = files(&out);
    let (main, second) = (read(&f, "migrations.sql"), read(&f, "no_transaction.sql"));
    assert!(main.contains("-- Migration 08 (1 of 2 in this script)"));
    assert!(main.contains("-- Migration 10 (2 of 2 in this script)"));
    assert!(!main.contains("CREATE INDEX CONCURRENTLY"), "{main}");
    assert!(main.contains("After COMMIT, run 2026-11-18_08-10_no_transaction.sql"));
    assert!(second.contains("-- Migration 09 (1 of 1 in this script)"));
    assert!(second.contains("CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_irs_correlation_id"));
    assert!(!second.contains("\nBEGIN;"), "{second}");
    let instructions = read(&f, "DBA_INSTRUCTIONS.md");
    assert!(instructions.contains(
        "### Step 2: `2026-11-18_08-10_no_transaction.sql` (after COMMIT)\n\n09 (Index Correlation Ids Concurrently) cannot run inside a transaction"
    ));
    assert!(instructions.contains("### Rollback Migration 09 (outside a transaction, first)"));
    let rollback = read(&f, "rollback.sql");
    let part1 = rollback.find("-- Part 1: outside a transaction").unwrap();
    let begin = rollback.find("\nBEGIN;\n").unwrap();
    let drop_index = rollback
        .find("DROP INDEX CONCURRENTLY IF EXISTS integration.idx_irs_correlation_id;")
        .unwrap();
    assert!(part1 < drop_index && drop_index < begin, "{rollback}");
}

#[test]
fn the_second_script_resumes_where_it_stopped() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        1,
        "CREATE TABLE IF NOT EXISTS t (a int);",
        "SELECT 't exists', to_regclass('t') IS NOT NULL;",
        "DROP TABLE IF EXISTS t;",
    );
    write(
        dir.path(),
        2,
        "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);",
        "SELECT 'both indexes', count(*) = 2 FROM pg_index WHERE indrelid = 't'::regclass AND indisvalid;",
        "DROP INDEX CONCURRENTLY IF EXISTS t_b;\nDROP INDEX CONCURRENTLY IF EXISTS t_a;",
    );
    let out = dir.path().join("release");
    assert_code(
        &bundle(
            dir.path(),
            &out,
            &["--from", "1", "--to", "2", "--unreviewed", "--no-measure"],
        ),
        0,
    );
    let f = files(&out);
    assert_code(
        &dba(
            &url,
            &out,
            &format!("\\i {}\nCOMMIT;\n", file_name(&f, "migrations.sql")),
        ),
        0,
    );
    let second = file_name(&f, "no_transaction.sql");
    let stopped = dba_file(&url, &out, &second);
    assert_code(&stopped, 3);
    assert!(
        stderr(&stopped).contains("column \"b\" does not exist"),
        "{}",
        stderr(&stopped)
    );
    assert_eq!(
        psql(
            &url,
            "SELECT concat_ws('|', success, statements_done, statements_total) FROM schema_migrations WHERE version = '2026-11-02_02_step'"
        ),
        "f|1|2"
    );
    let st = xtask_db(dir.path(), &url, &["migration", "status"]);
    assert!(stdout(&st).contains("FAILED"), "{}", stdout(&st));

    // The DBA fixes the cause and runs it again: statement 1 is skipped.
    psql(&url, "ALTER TABLE t ADD COLUMN b int");
    let resumed = dba_file(&url, &out, &second);
    assert_code(&resumed, 0);
    assert_eq!(
        stdout(&resumed).matches("CREATE INDEX").count(),
        1,
        "{}",
        stdout(&resumed)
    );
    assert!(stdout(&resumed).contains("| both indexes | PASS"));
    assert_eq!(
        psql(
            &url,
            "SELECT concat_ws('|', success, statements_done, statements_total, last_error IS NULL) FROM schema_migrations WHERE version = '2026-11-02_02_step'"
        ),
        "t|2|2|t"
    );
    // Once more: everything is applied, so everything is skipped.
    let again = dba_file(&url, &out, &second);
    assert_code(&again, 0);
    assert!(stdout(&again).contains("2026-11-02_02_step is already applied: skipped"));
}

#[test]
fn without_a_database_the_migrations_must_be_named() {
    let dir = reviewed_demo();
    let o = bundle(
        dir.path(),
        &dir.path().join("release"),
        &[
            "--database-url",
            "host=/nonexistent-touchpoint-socket-dir dbname=prod",
            "--no-measure",
        ],
    );
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("no database to ask which migrations are pending")
            && stderr(&o).contains("name the migrations: --from NN --to NN"),
        "{}",
        stderr(&o)
    );
}
