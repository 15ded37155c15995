//! `migration apply`, `rollback`, `baseline`, `repair` and online `status`
//! through the real binary on throwaway clusters.

use std::fs;
use std::path::Path;

use crate::support::{assert_code, demo_project, psql, stderr, stdout, xtask_db};
use chrono::NaiveDate;
use touchpoint::migration::render::{new_migration, NewFields};
use touchpoint::pg::Throwaway;

/// Writes migrations/<2026-11-NN>_<NN>_<slug>.sql with a full header.
fn write_migration(
    dir: &Path,
    nn: u32,
    slug: &str,
    body: &str,
    verify: &str,
    rollback: &str,
) -> String {
    let date = NaiveDate::from_ymd_opt(2026, 11, nn.clamp(1, 28)).unwrap();
    let fields = NewFields {
        title: slug.replace('_', " "),
        issue: Some("T-1".into()),
        problem: Some("a test".into()),
        solution: Some("a test".into()),
        tables: vec!["public.t".into()],
    };
    let text = new_migration(&fields, date);
    let header_end = text.find("-- Write the migration below").unwrap();
    let text = format!(
        "{}{body}\n\n-- migrate:verify\n{verify}\n\n-- migrate:rollback\n{rollback}\n",
        &text[..header_end]
    );
    let name = format!("{}_{nn:02}_{slug}", date.format("%Y-%m-%d"));
    fs::create_dir_all(dir.join("migrations")).unwrap();
    fs::write(dir.join("migrations").join(format!("{name}.sql")), text).unwrap();
    name
}

fn rows(url: &str) -> Vec<String> {
    let out = psql(
        url,
        "SELECT version || '|' || success || '|' || kind FROM schema_migrations ORDER BY version",
    );
    out.lines().map(str::to_string).collect()
}

fn exists(url: &str, relation: &str) -> bool {
    psql(
        url,
        &format!("SELECT to_regclass('{relation}') IS NOT NULL"),
    ) == "t"
}

fn demo_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = fs::read_dir(dir.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn fresh_apply_rerun_and_status() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    assert_eq!(
        stdout(&o).matches("\napplied 2026-").count()
            + usize::from(stdout(&o).starts_with("applied 2026-")),
        10,
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("applied 10 migrations in"),
        "{}",
        stdout(&o)
    );

    let recorded = psql(
        &url,
        "SELECT count(*) FILTER (WHERE checksum LIKE 'sha256:%' AND length(checksum) = 71 AND execution_time_ms >= 0
                                  AND applied_by LIKE current_user || ' (%' AND success AND kind = 'apply'
                                  AND rollback_sql IS NOT NULL AND applied_at <= now()) FROM schema_migrations",
    );
    assert_eq!(recorded, "10");

    let again = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&again, 0);
    assert!(
        stdout(&again).contains("applied 0 migrations")
            && stdout(&again).contains("10 already applied"),
        "{}",
        stdout(&again)
    );

    for f in demo_files(dir.path()) {
        let text = fs::read_to_string(&f).unwrap();
        assert!(
            text.contains("--   [x] Executed 20"),
            "{} is stamped",
            f.display()
        );
    }

    let st = xtask_db(dir.path(), &url, &["migration", "status"]);
    assert_code(&st, 0);
    assert!(
        stdout(&st).contains("10 applied, 0 pending, 0 changed, 0 failed, 0 missing"),
        "{}",
        stdout(&st)
    );
    let js = xtask_db(
        dir.path(),
        &url,
        &["migration", "status", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&js)).unwrap();
    assert_eq!(v["migrations"][0]["database"]["state"], "applied");
    assert_eq!(v["migrations"][9]["progress"], "executed");
    assert_eq!(
        v["migrations"][9]["next"],
        "cargo xtask migration sync --for 10"
    );
}

#[test]
fn an_edited_applied_file_stops_apply_but_a_crlf_copy_does_not() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    let third = demo_files(dir.path())[2].clone();
    let original = fs::read_to_string(&third).unwrap();
    let edited = original.replacen(
        "CREATE TABLE IF NOT EXISTS",
        "CREATE TABLE  IF NOT EXISTS",
        1,
    );
    assert_ne!(edited, original);
    fs::write(&third, &edited).unwrap();
    let next = write_migration(
        dir.path(),
        11,
        "later_one",
        "CREATE TABLE IF NOT EXISTS later_one (id int);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS later_one;",
    );

    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    let name = third.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        err.contains(&format!("migrations/{name} changed after it was applied")),
        "{err}"
    );
    assert!(
        err.contains("cargo xtask migration repair --reason"),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(
        !rows(&url).iter().any(|r| r.starts_with(&next)),
        "the pending migration was not applied"
    );
    let st = xtask_db(dir.path(), &url, &["migration", "status"]);
    assert_code(&st, 1);
    assert!(
        stdout(&st).contains("CHANGED since applied"),
        "{}",
        stdout(&st)
    );

    // The same text with a BOM and CRLF line endings is not a change.
    fs::write(
        &third,
        format!("\u{feff}{}", original.replace('\n', "\r\n")),
    )
    .unwrap();
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains(&format!("applied {next}")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_failing_migration_leaves_nothing_and_is_located() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    write_migration(
        dir.path(),
        1,
        "create_a",
        "CREATE TABLE IF NOT EXISTS a (id int);",
        "SELECT 'a', 'PASS';",
        "DROP TABLE IF EXISTS a;",
    );
    write_migration(
        dir.path(),
        2,
        "create_b",
        "CREATE TABLE IF NOT EXISTS b (id int);",
        "SELECT 'b', 'PASS';",
        "DROP TABLE IF EXISTS b;",
    );
    let bad = write_migration(
        dir.path(),
        3,
        "create_c_then_fail",
        "CREATE TABLE IF NOT EXISTS c (id int);\nINSERT INTO c (id)\nSELECT nonexistent_col FROM b;",
        "SELECT 'c', 'PASS';",
        "DROP TABLE IF EXISTS c;",
    );
    write_migration(
        dir.path(),
        4,
        "create_d",
        "CREATE TABLE IF NOT EXISTS d (id int);",
        "SELECT 'd', 'PASS';",
        "DROP TABLE IF EXISTS d;",
    );
    let text = fs::read_to_string(dir.path().join(format!("migrations/{bad}.sql"))).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("SELECT nonexistent_col"))
        .unwrap()
        + 1;

    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains(&format!("migrations/{bad}.sql:{line}:8: column \"nonexistent_col\" does not exist (SQLSTATE 42703), in statement 2 of 2")), "{err}");
    assert!(
        err.contains(&format!("{line} | SELECT nonexistent_col FROM b;")),
        "{err}"
    );
    assert!(
        err.contains(&format!("nothing of {bad} was committed")),
        "{err}"
    );
    assert!(
        err.contains("2 migrations were applied before it in this run and stay applied"),
        "{err}"
    );
    assert_eq!(rows(&url).len(), 2);
    assert!(exists(&url, "b") && !exists(&url, "c") && !exists(&url, "d"));

    // An error without a position names the statement that failed.
    let path = dir.path().join(format!("migrations/{bad}.sql"));
    fs::write(
        &path,
        text.replace(
            "INSERT INTO c (id)\nSELECT nonexistent_col FROM b;",
            "ALTER TABLE c\n  ADD COLUMN id int;",
        ),
    )
    .unwrap();
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("column \"id\" of relation \"c\" already exists"),
        "{err}"
    );
    assert!(err.contains("the server gave no position"), "{err}");
    assert!(
        err.contains(&format!("{} | ALTER TABLE c", line - 1)),
        "{err}"
    );
}

#[test]
fn a_failing_verify_check_rolls_back_and_prints_every_check() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    let name = write_migration(
        dir.path(),
        1,
        "verified",
        "CREATE TABLE IF NOT EXISTS v (id int);",
        "SELECT 'v exists' AS check_name, CASE WHEN to_regclass('v') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\nSELECT 'v has rows', CASE WHEN count(*) > 0 THEN 'PASS' ELSE 'FAIL' END FROM v;\nSELECT 'boolean check', true;",
        "DROP TABLE IF EXISTS v;",
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    for want in [
        "PASS  v exists",
        "FAIL  v has rows",
        "PASS  boolean check",
        "1 of 3 verify checks failed",
        &format!("nothing of {name} was committed"),
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
    assert!(!exists(&url, "v"));
    assert_eq!(psql(&url, "SELECT count(*) FROM schema_migrations"), "0");
}

#[test]
fn no_transaction_files_record_progress_and_resume() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    psql(
        &url,
        "CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1);",
    );
    let name = write_migration(
        dir.path(),
        1,
        "concurrent",
        "-- migrate:no-transaction\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dup_v ON dup (v);\nINSERT INTO needed VALUES (1);",
        "SELECT 'dup_v valid', CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END FROM pg_index WHERE indexrelid = to_regclass('dup_v') AND indisvalid;",
        "DROP INDEX CONCURRENTLY IF EXISTS dup_v;\nDROP INDEX CONCURRENTLY IF EXISTS t_id;\nDROP TABLE IF EXISTS t;",
    );
    let text = fs::read_to_string(dir.path().join(format!("migrations/{name}.sql"))).unwrap();
    let body = text.split("-- migrate:no-transaction").nth(1).unwrap();
    assert!(body.contains("CREATE UNIQUE"));

    // Statement 3 fails on the duplicates and leaves an INVALID index.
    let o = xtask_db(
        dir.path(),
        &url,
        &["migration", "apply", "--baseline-existing"],
    );
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("statement 3 of 4 failed; statements 1 to 2 were committed"),
        "{err}"
    );
    assert_eq!(psql(&url, "SELECT success || ' ' || statements_done || '/' || statements_total FROM schema_migrations"), "false 2/4");
    assert_eq!(
        psql(
            &url,
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'dup_v'::regclass"
        ),
        "f"
    );
    let st = xtask_db(dir.path(), &url, &["migration", "status"]);
    assert!(
        stdout(&st).contains("FAILED at statement 3 of 4"),
        "{}",
        stdout(&st)
    );

    // Fixing the data is not enough: IF NOT EXISTS would keep the INVALID index.
    psql(
        &url,
        "DELETE FROM dup WHERE ctid = (SELECT max(ctid) FROM dup)",
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("index public.dup_v exists but is INVALID"),
        "{err}"
    );
    assert!(
        err.contains("DROP INDEX CONCURRENTLY IF EXISTS public.dup_v;"),
        "{err}"
    );
    assert!(stdout(&o).contains("resuming"), "{}", stdout(&o));
    psql(&url, "DROP INDEX CONCURRENTLY IF EXISTS public.dup_v");

    // Statement 4 fails next; the record moves on to it.
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains("resuming") && stdout(&o).contains("at statement 3 of 4"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("relation \"needed\" does not exist"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        psql(&url, "SELECT statements_done FROM schema_migrations"),
        "3"
    );

    psql(&url, "CREATE TABLE needed (id int)");
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("at statement 4 of 4"), "{}", stdout(&o));
    assert_eq!(
        psql(
            &url,
            "SELECT success || ' ' || statements_done FROM schema_migrations"
        ),
        "true 4"
    );
}

#[test]
fn rehearse_changes_nothing() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    let before: Vec<String> = demo_files(dir.path())
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    let o = xtask_db(dir.path(), &url, &["migration", "apply", "--rehearse"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("rehearsed 2026-09-01_01"), "{out}");
    assert!(
        out.contains("rehearsal stops before 2026-11-05_09_index_correlation_ids_concurrently"),
        "{out}"
    );
    assert!(
        out.contains("rehearsal: 8 migrations ran and verified, then everything was rolled back"),
        "{out}"
    );
    assert!(!exists(&url, "schema_migrations") && !exists(&url, "service_ops.packet"));
    let after: Vec<String> = demo_files(dir.path())
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(before, after, "no file changed");
}

#[test]
fn target_stops_after_nn_and_out_of_order_needs_a_flag() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    let fourth = demo_files(dir.path())[3].clone();
    let held = fs::read(&fourth).unwrap();
    fs::remove_file(&fourth).unwrap();
    let o = xtask_db(dir.path(), &url, &["migration", "apply", "--target", "3"]);
    assert_code(&o, 0);
    assert_eq!(rows(&url).len(), 3);
    // 05 depends on 04 only for its FKs through message_status; 04 is a
    // separate table, so 05..10 except 09's send_integration index need it:
    // bring 04 back after 05..08 are applied.
    let o = xtask_db(dir.path(), &url, &["migration", "apply", "--target", "3"]);
    assert!(stdout(&o).contains("applied 0 migrations"));
    fs::write(&fourth, held).unwrap();
    // Apply a later one first by hiding 04 again? Simpler: record 05 as
    // applied by baseline so that 04 is out of order.
    let o = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "baseline",
            "--to",
            "5",
            "--reason",
            "test: 04 and 05 arrive out of order",
            "--no-stamp",
        ],
    );
    assert_code(&o, 0);
    psql(
        &url,
        "DELETE FROM schema_migrations WHERE version LIKE '%\\_04\\_%'",
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply", "--target", "5"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("(NN 04) is not applied, but a later migration (NN 05) is"),
        "{err}"
    );
    assert!(err.contains("--allow-out-of-order"), "{err}");
    let o = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "apply",
            "--target",
            "5",
            "--allow-out-of-order",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 2026-09-24_04_create_send_integration_outbox"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn rollback_last_and_to_reopen_stamps_and_refuse_the_irreversible() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    let files = demo_files(dir.path());

    let o = xtask_db(
        dir.path(),
        &url,
        &["migration", "rollback", "--last", "1", "--rehearse"],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("rehearsed rollback of 2026-11-18_10"),
        "{}",
        stdout(&o)
    );
    assert_eq!(rows(&url).len(), 10);
    assert!(fs::read_to_string(&files[9])
        .unwrap()
        .contains("[x] Executed"));

    let o = xtask_db(dir.path(), &url, &["migration", "rollback", "--last", "2"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("rolled back 2026-11-18_10")
            && stdout(&o).contains("rolled back 2026-11-05_09"),
        "{}",
        stdout(&o)
    );
    assert_eq!(rows(&url).len(), 8);
    assert!(!exists(
        &url,
        "service_ops.idx_send_integration_correlation_id"
    ));
    assert!(
        fs::read_to_string(&files[9])
            .unwrap()
            .contains("--   [ ] Executed"),
        "stamp reopened"
    );
    assert!(fs::read_to_string(&files[7])
        .unwrap()
        .contains("--   [x] Executed"));

    let o = xtask_db(dir.path(), &url, &["migration", "rollback", "--to", "5"]);
    assert_code(&o, 0);
    assert_eq!(rows(&url).len(), 5);
    assert!(
        !exists(&url, "service_ops.clinical_ops_poll_watermark")
            && exists(&url, "service_ops.send_serviceops")
    );

    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    assert_eq!(rows(&url).len(), 10);

    let irreversible = write_migration(
        dir.path(),
        11,
        "purge_old_rows",
        "DELETE FROM service_ops.packet WHERE false;",
        "SELECT 'x', 'PASS';",
        "-- irreversible: deleted rows cannot be brought back",
    );
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    let o = xtask_db(dir.path(), &url, &["migration", "rollback", "--last", "2"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "{irreversible} is marked irreversible: deleted rows cannot be brought back"
        )),
        "{err}"
    );
    assert!(err.contains("nothing was rolled back"), "{err}");
    assert_eq!(rows(&url).len(), 11);

    let o = xtask_db(dir.path(), &url, &["migration", "rollback"]);
    assert_code(&o, 2);
}

#[test]
fn baseline_an_existing_database() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    // A database built without touchpoint: 01..03 applied, no history.
    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &["migration", "apply", "--target", "3", "--no-stamp"],
        ),
        0,
    );
    psql(&url, "DROP TABLE schema_migrations");

    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("but no migration history"), "{err}");
    assert!(
        err.contains("cargo xtask migration baseline --to NN --reason"),
        "{err}"
    );
    assert!(err.contains("--baseline-existing"), "{err}");
    assert!(!exists(&url, "schema_migrations") || rows(&url).is_empty());

    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &["migration", "baseline", "--to", "3", "--reason", " "],
        ),
        2,
    );
    let o = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "baseline",
            "--to",
            "3",
            "--reason",
            "built by hand before touchpoint",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("baseline: 3 migrations recorded up to 03"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        psql(&url, "SELECT string_agg(kind || ':' || execution_time_ms || ':' || note, ',') FROM schema_migrations"),
        ["baseline:0:baseline: built by hand before touchpoint"; 3].join(",")
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 7 migrations"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn repair_rerecords_a_changed_checksum_with_the_reason() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    let second = demo_files(dir.path())[1].clone();
    let text = fs::read_to_string(&second).unwrap();
    fs::write(
        &second,
        text.replacen(
            "\nCREATE TABLE IF NOT EXISTS",
            "\n-- a clarifying comment\nCREATE TABLE IF NOT EXISTS",
            1,
        ),
    )
    .unwrap();
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 1);
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "repair", "--reason", ""]),
        2,
    );
    let o = xtask_db(
        dir.path(),
        &url,
        &["migration", "repair", "--reason", "comment only"],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("re-recorded the checksum of 2026-09-08_02"),
        "{}",
        stdout(&o)
    );
    let note = psql(
        &url,
        "SELECT note FROM schema_migrations WHERE version LIKE '%\\_02\\_%'",
    );
    assert!(
        note.contains("comment only") && note.contains("checksum was sha256:"),
        "{note}"
    );
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    let o = xtask_db(
        dir.path(),
        &url,
        &["migration", "repair", "--reason", "again"],
    );
    assert!(stdout(&o).contains("nothing to repair"), "{}", stdout(&o));

    // A file deleted on purpose: apply names it, repair forgets it.
    fs::remove_file(demo_files(dir.path())[9].clone()).unwrap();
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    assert!(stderr(&o).contains("is gone"), "{}", stderr(&o));
    let o = xtask_db(
        dir.path(),
        &url,
        &["migration", "repair", "--reason", "feature dropped"],
    );
    assert!(
        stdout(&o).contains("forgot 2026-11-18_10"),
        "{}",
        stdout(&o)
    );
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
}

#[test]
fn another_tools_tracking_table_is_never_written() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = demo_project();
    psql(&url, "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (20240101, false);");
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(err.contains("public.schema_migrations exists but is not touchpoint's tracking table (its columns: version bigint, dirty boolean)"), "{err}");
    assert!(err.contains("cargo xtask migration adopt"), "{err}");
    assert_eq!(
        psql(
            &url,
            "SELECT count(*) || ' ' || max(version) FROM schema_migrations"
        ),
        "1 20240101"
    );
    assert!(!exists(&url, "service_ops.packet"));

    let o = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "apply",
            "--tracking-table",
            "touchpoint.history",
            "--baseline-existing",
        ],
    );
    assert_code(&o, 0);
    assert_eq!(psql(&url, "SELECT count(*) FROM touchpoint.history"), "10");
    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &["migration", "apply", "--tracking-table", "Bad Name"],
        ),
        2,
    );
}

/// The tracking row and COMMIT are sent together: when the row cannot be
/// written, the migration must not be committed without it.
#[test]
fn a_migration_is_never_committed_without_its_tracking_row() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    write_migration(
        dir.path(),
        1,
        "first",
        "CREATE TABLE IF NOT EXISTS first_t (id int);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS first_t;",
    );
    let second = write_migration(
        dir.path(),
        2,
        "second",
        "CREATE TABLE IF NOT EXISTS second_t (id int);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS second_t;",
    );
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--target", "1"]),
        0,
    );
    psql(
        &url,
        &format!(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
               IF NEW.version = '{second}' THEN RAISE EXCEPTION 'tracking row refused'; END IF; RETURN NEW; END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON schema_migrations FOR EACH ROW EXECUTE FUNCTION refuse();"
        ),
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("tracking row refused"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("nothing of {second} was committed")),
        "{}",
        stderr(&o)
    );
    assert!(
        !exists(&url, "second_t"),
        "the body was rolled back with the row"
    );
    assert_eq!(rows(&url).len(), 1);
    psql(&url, "DROP TRIGGER refuse ON schema_migrations");
    assert_code(&xtask_db(dir.path(), &url, &["migration", "apply"]), 0);
    assert!(exists(&url, "second_t"));
}
