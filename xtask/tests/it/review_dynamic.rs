//! `migration review`, dynamic part, on a real throwaway server given as
//! --shadow-url: locks and rewrites measured per statement, the apply-twice
//! proof, verify, the rollback round trip, --seed, and history templates.

use std::fs;
use std::path::Path;

use crate::support::{stderr, stdout};
use touchpoint::pg::Throwaway;

const HEADER: &str =
    "-- ============================================================================
-- Migration: Test
-- Date: DATE
-- Issue: T-1
--
-- PROBLEM: a test
-- SOLUTION: a test
-- AFFECTED TABLES: TABLES
--
-- TOUCHPOINTS:
--   [ ] Reviewed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================
";

fn write(dir: &Path, nn: u32, tables: &str, body: &str, verify: &str, rollback: &str) -> String {
    let date = format!("2026-11-{nn:02}");
    let name = format!("{date}_{nn:02}_step");
    let text = format!(
        "{}{body}\n\n-- migrate:verify\n{verify}\n\n-- migrate:rollback\n{rollback}\n",
        HEADER.replace("DATE", &date).replace("TABLES", tables)
    );
    fs::create_dir_all(dir.join("migrations")).unwrap();
    fs::write(dir.join(format!("migrations/{name}.sql")), text).unwrap();
    format!("migrations/{name}.sql")
}

fn review(dir: &Path, url: &str, file: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let o = crate::support::command(dir)
        .args([
            "migration",
            "review",
            file,
            "--no-stamp",
            "--format",
            "json",
            "--shadow-url",
            url,
        ])
        .args(extra)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    (v, stderr(&o))
}

fn messages(v: &serde_json::Value, rule: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| format!("{}: {}", f["start"]["line"], f["message"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_type_change_is_measured_as_a_rewrite_under_access_exclusive_and_an_index_as_share() {
    let pg = Throwaway::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        1,
        "public.t",
        "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, n int);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS t;",
    );
    let file = write(
        dir.path(),
        2,
        "public.t",
        "SET lock_timeout = '5s';\nALTER TABLE t ALTER COLUMN n TYPE bigint;",
        "SELECT 'n is bigint', CASE WHEN format_type(atttypid, atttypmod) = 'bigint' THEN 'PASS' ELSE 'FAIL' END FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'n';",
        "ALTER TABLE t ALTER COLUMN n TYPE int;",
    );
    let (v, err) = review(dir.path(), &pg.url(), &file, &[]);
    let notes = messages(&v, "dynamic-measurement");
    assert!(
        notes.iter().any(|n| n.starts_with("16: ")
            && n.contains("ACCESS EXCLUSIVE on public.t")
            && n.contains("rewrites public.t; rewrites public.t_pkey")),
        "{notes:?}\n{err}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("until COMMIT the migration holds ACCESS EXCLUSIVE on public.t")),
        "{notes:?}"
    );
    for rule in [
        "dynamic-apply-failed",
        "dynamic-verify-failed",
        "dynamic-not-idempotent",
        "dynamic-rollback-mismatch",
    ] {
        assert!(
            messages(&v, rule).is_empty(),
            "{rule}: {:?}",
            messages(&v, rule)
        );
    }

    // A plain CREATE INDEX: SHARE on the table, which blocks writes; no rewrite.
    let file = write(
        dir.path(),
        3,
        "public.t",
        "CREATE INDEX IF NOT EXISTS t_n ON t (n);",
        "SELECT 'x', 'PASS';",
        "DROP INDEX IF EXISTS t_n;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    let notes = messages(&v, "dynamic-measurement");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("15: ") && n.ends_with(": SHARE on public.t")),
        "{notes:?}"
    );
}

#[test]
fn an_unguarded_create_type_fails_the_apply_twice_proof_and_the_guarded_one_passes() {
    let pg = Throwaway::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        1,
        "none",
        "CREATE TYPE mood AS ENUM ('ok', 'sad');",
        "SELECT 'mood', CASE WHEN to_regtype('mood') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;",
        "DROP TYPE IF EXISTS mood;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    let errs = messages(&v, "dynamic-not-idempotent");
    assert_eq!(errs.len(), 1, "{v}");
    assert!(
        errs[0].starts_with("15: ")
            && errs[0]
                .contains("a second run fails here: type \"mood\" already exists (SQLSTATE 42710)"),
        "{errs:?}"
    );

    let guarded = "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('ok', 'sad');\n  END IF;\nEND $$;";
    fs::remove_file(dir.path().join(&file)).unwrap();
    let file = write(
        dir.path(),
        1,
        "none",
        guarded,
        "SELECT 'mood', CASE WHEN to_regtype('mood') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;",
        "DROP TYPE IF EXISTS mood;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    assert!(messages(&v, "dynamic-not-idempotent").is_empty(), "{v}");
    assert!(messages(&v, "dynamic-rollback-mismatch").is_empty(), "{v}");
}

#[test]
fn a_rollback_that_forgets_a_column_is_caught_and_named() {
    let pg = Throwaway::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        1,
        "public.t",
        "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS t;",
    );
    let file = write(
        dir.path(),
        2,
        "public.t",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a text, ADD COLUMN IF NOT EXISTS b text;",
        "SELECT 'x', 'PASS';",
        "ALTER TABLE t DROP COLUMN IF EXISTS a;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    let errs = messages(&v, "dynamic-rollback-mismatch");
    assert_eq!(errs.len(), 1, "{v}");
    assert!(
        errs[0].contains("extra: column public.t.b text"),
        "{errs:?}"
    );
}

#[test]
fn a_failing_verify_query_is_reported_at_its_line() {
    let pg = Throwaway::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        1,
        "public.v",
        "CREATE TABLE IF NOT EXISTS v (id int);",
        "SELECT 'v exists', CASE WHEN to_regclass('v') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\nSELECT 'v has rows', CASE WHEN count(*) > 0 THEN 'PASS' ELSE 'FAIL' END FROM v;",
        "DROP TABLE IF EXISTS v;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    let errs = messages(&v, "dynamic-verify-failed");
    assert_eq!(
        errs,
        vec!["19: check \"v has rows\" says FAIL".to_string()],
        "{v}"
    );
}

#[test]
fn seed_rows_show_data_dependent_failures() {
    let pg = Throwaway::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        1,
        "public.t",
        "CREATE TABLE IF NOT EXISTS t (id int, note text);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS t;",
    );
    let file = write(
        dir.path(),
        2,
        "public.t",
        "ALTER TABLE t ALTER COLUMN note SET NOT NULL;",
        "SELECT 'x', 'PASS';",
        "ALTER TABLE t ALTER COLUMN note DROP NOT NULL;",
    );
    let (v, _) = review(dir.path(), &pg.url(), &file, &[]);
    assert!(messages(&v, "dynamic-apply-failed").is_empty(), "{v}");
    let seed = dir.path().join("seed.sql");
    fs::write(&seed, "INSERT INTO t VALUES (1, NULL);").unwrap();
    let (v, _) = review(
        dir.path(),
        &pg.url(),
        &file,
        &["--seed", seed.to_str().unwrap()],
    );
    let errs = messages(&v, "dynamic-apply-failed");
    assert_eq!(errs.len(), 1, "{v}");
    assert!(errs[0].contains("contains null values"), "{errs:?}");
}

#[test]
fn the_history_template_is_reused_and_locked_against_connections() {
    let pg = Throwaway::start().unwrap();
    let dir = crate::support::demo_project();
    let eighth_file = "migrations/2026-10-27_08_create_integration_receive_serviceops.sql";
    let last = "migrations/2026-11-18_10_add_packet_decision_utn_workflow.sql";
    let (_, out) = review(dir.path(), &pg.url(), eighth_file, &[]);
    assert!(
        out.contains("history template built (7 migrations, 0 of them from a cached template)"),
        "{out}"
    );
    let (_, out) = review(dir.path(), &pg.url(), last, &[]);
    assert!(
        out.contains("history template built (9 migrations, 7 of them from a cached template)"),
        "{out}"
    );
    let (_, out) = review(dir.path(), &pg.url(), last, &[]);
    assert!(
        out.contains("history template reused (9 migrations)"),
        "{out}"
    );
    // Templates refuse connections.
    let templates = crate::support::psql(
        &pg.url(),
        "SELECT string_agg(DISTINCT datallowconn || ':' || datistemplate, ',') FROM pg_database WHERE datname LIKE 'touchpoint_tpl_%'",
    );
    assert_eq!(templates, "false:true");
    // A change in 09 rebuilds from the longest cached prefix, 01..07.
    let ninth = dir
        .path()
        .join("migrations/2026-11-05_09_index_correlation_ids_concurrently.sql");
    let text = fs::read_to_string(&ninth).unwrap();
    fs::write(
        &ninth,
        text.replacen(
            "\nDROP INDEX CONCURRENTLY",
            "\n-- changed\nDROP INDEX CONCURRENTLY",
            1,
        ),
    )
    .unwrap();
    let (_, out) = review(dir.path(), &pg.url(), last, &[]);
    assert!(
        out.contains("history template built (9 migrations, 7 of them from a cached template)"),
        "{out}"
    );
}

#[test]
fn without_postgres_binaries_the_dynamic_checks_say_they_were_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        1,
        "public.t",
        "CREATE TABLE IF NOT EXISTS t (id int);",
        "SELECT 'x', 'PASS';",
        "DROP TABLE IF EXISTS t;",
    );
    let o = crate::support::command(dir.path())
        .args(["migration", "review", &file, "--no-stamp"])
        .env("TOUCHPOINT_PG_BINDIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(
        stderr(&o)
            .contains("dynamic checks skipped: TOUCHPOINT_PG_BINDIR=/nonexistent has no initdb"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--static-only"), "{}", stderr(&o));
    let o = crate::support::command(dir.path())
        .args(["migration", "review", &file, "--no-stamp", "--static-only"])
        .env("TOUCHPOINT_PG_BINDIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(!stderr(&o).contains("skipped"), "{}", stderr(&o));
}
