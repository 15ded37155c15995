use super::*;
use crate::migration::MigrationName;

const HEADER: &str =
    "-- ============================================================================
-- Migration: Add a thing
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

fn migration(file: &str, date: &str, rest: &str) -> Migration {
    let text = format!("{}{rest}", HEADER.replace("DATE", date));
    Migration::parse(MigrationName::parse(file).unwrap(), &text).unwrap()
}

fn bundle<'a>(ms: &[&'a Migration]) -> Bundle<'a> {
    Bundle {
        migrations: ms.to_vec(),
        before: vec!["2026-01-01_01_first".into()],
        table: TableName::default(),
        unreviewed: Vec::new(),
        impact: Impact::NotMeasured("a unit test".into()),
    }
}

#[test]
fn file_names_carry_the_newest_header_date_and_the_numbers() {
    let a = migration("2026-02-01_02_a.sql", "2026-02-03", "SELECT 1;\n");
    let b = migration("2026-02-02_03_b.sql", "2026-02-02", "SELECT 1;\n");
    assert_eq!(bundle(&[&a, &b]).prefix(), "2026-02-03_02-03");
    let files = bundle(&[&a, &b]).render().unwrap();
    assert_eq!(files.main.0, "2026-02-03_02-03_migrations.sql");
    assert_eq!(files.rollback.0, "2026-02-03_02-03_rollback.sql");
    assert_eq!(files.instructions.0, "2026-02-03_02-03_DBA_INSTRUCTIONS.md");
    assert!(files.no_transaction.is_none());
}

#[test]
fn a_check_is_named_by_its_leading_literal_column() {
    let m = migration(
        "2026-02-01_02_a.sql",
        "2026-02-01",
        "SELECT 1;\n-- migrate:verify\nSELECT 'it''s there' AS check_name, 'PASS';\nSELECT 'a' || 'b', 'PASS';\nSELECT 'PASS';\nSELECT 'x' c, true FROM t;\n",
    );
    let names: Vec<Option<String>> = pieces(&m, m.verify.clone().unwrap())
        .unwrap()
        .iter()
        .map(check_name)
        .collect();
    assert_eq!(
        names,
        vec![Some("it's there".into()), None, None, Some("x".into())]
    );
}

#[test]
fn an_unterminated_last_statement_gets_its_semicolon() {
    let m = migration(
        "2026-02-01_02_a.sql",
        "2026-02-01",
        "\n\n  CREATE TABLE t (id int)\n-- done\n\n-- migrate:rollback\nDROP TABLE t;\n",
    );
    assert_eq!(
        verbatim(&m, m.body.clone()),
        "  CREATE TABLE t (id int)\n-- done\n;"
    );
    assert_eq!(verbatim(&m, m.rollback.clone().unwrap()), "DROP TABLE t;");
}

#[test]
fn the_main_script_opens_a_transaction_and_leaves_it_open() {
    let m = migration(
        "2026-02-01_02_a.sql",
        "2026-02-01",
        "CREATE TABLE t (id int);\n-- migrate:verify\nSELECT 't exists', to_regclass('t') IS NOT NULL;\n-- migrate:rollback\nDROP TABLE t;\n",
    );
    let files = bundle(&[&m]).render().unwrap();
    let main = &files.main.1;
    assert!(main.contains("\\set ON_ERROR_STOP on\n"));
    assert!(main.contains("\nBEGIN;\n"));
    assert!(!main.contains("\nCOMMIT;"), "{main}");
    assert!(main.contains(&format!("'{}'", m.checksum)));
    assert!(
        main.contains("$touchpoint$DROP TABLE t;\n$touchpoint$"),
        "{main}"
    );
    let rollback = &files.rollback.1;
    assert!(rollback.contains("DROP TABLE t;\nDELETE FROM \"public\".\"schema_migrations\" WHERE version = '2026-02-01_02_a';"), "{rollback}");
    assert!(!rollback.contains("\nCOMMIT;"));
}

#[test]
fn an_irreversible_migration_stops_the_rollback_script_first() {
    let m = migration(
        "2026-02-01_02_a.sql",
        "2026-02-01",
        "DROP TABLE old;\n-- migrate:rollback\n-- irreversible: the rows are gone\n",
    );
    let files = bundle(&[&m]).render().unwrap();
    let rollback = &files.rollback.1;
    let stop = rollback
        .find("cannot be rolled back: 2026-02-01_02_a is marked irreversible: the rows are gone")
        .unwrap();
    assert!(stop < rollback.find("BEGIN;").unwrap());
}
