//! The checks over in-memory indexes: which rule a stamp that disagrees
//! with its body gets, duplicates across the tree, and the suggested fixes.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::*;
use crate::migration::header::set_stamp;
use crate::migration::render::{new_migration, NewFields};

#[derive(Default)]
struct InMemory {
    index: HashMap<String, String>,
    head: HashMap<String, String>,
    unstaged: Vec<(String, &'static str)>,
}

impl Blobs for InMemory {
    fn index(&self, path: &str) -> anyhow::Result<String> {
        self.index
            .get(path)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("absent"))
    }
    fn head(&self, path: &str) -> Option<anyhow::Result<String>> {
        self.head.get(path).cloned().map(Ok)
    }
    fn unstaged_schema(&self) -> anyhow::Result<Vec<(String, &'static str)>> {
        Ok(self.unstaged.clone())
    }
}

impl InMemory {
    fn listing(&self, all: bool) -> Listing {
        let mut listing = Listing::default();
        let mut paths: Vec<&String> = self.index.keys().collect();
        paths.sort();
        for p in paths {
            let l = Listed {
                path: p.clone(),
                file_name: p.rsplit('/').next().unwrap().to_string(),
                staged: all || self.head.get(p) != self.index.get(p),
                in_head: self.head.contains_key(p),
            };
            if p.starts_with("migrations/") {
                listing.migrations.push(l);
            } else {
                listing.schema.push(l);
            }
        }
        listing.deleted = self
            .head
            .keys()
            .filter(|p| p.starts_with("migrations/") && !self.index.contains_key(*p))
            .cloned()
            .collect();
        listing
    }

    fn check(&self) -> Vec<(&'static str, String)> {
        check(&self.listing(false), self, day())
            .findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| (f.rule, f.fix))
            .collect()
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn text(table: &str) -> String {
    let fields = NewFields {
        title: format!("create {table}"),
        issue: Some("SO-1 a ticket".into()),
        problem: Some("It is missing.".into()),
        solution: Some("Create it.".into()),
        tables: vec![format!("service_ops.{table}")],
    };
    new_migration(&fields, day()).replacen(
        "\n\n-- migrate:verify",
        &format!("\nCREATE SCHEMA IF NOT EXISTS service_ops;\nCREATE TABLE IF NOT EXISTS service_ops.{table} (id bigint PRIMARY KEY);\n-- migrate:verify\nSELECT 'exists', CASE WHEN to_regclass('service_ops.{table}') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\n"),
        1,
    ) + &format!("DROP TABLE IF EXISTS service_ops.{table};\n")
}

fn stamp(text: &str, tp: Touchpoint, checksum_of: &str) -> String {
    let name = MigrationName::parse("2026-11-22_01_x.sql").unwrap();
    let sum = Migration::parse(name, checksum_of).unwrap().checksum;
    set_stamp(text, tp, day(), &sum).unwrap()
}

const A: &str = "migrations/2026-11-22_01_a.sql";

fn reviewed(table: &str) -> String {
    let t = text(table);
    stamp(&t, Touchpoint::Reviewed, &t)
}

fn executed(table: &str) -> String {
    let t = reviewed(table);
    stamp(&t, Touchpoint::Executed, &t)
}

#[test]
fn a_reviewed_new_migration_passes() {
    let mut mem = InMemory::default();
    mem.index.insert(A.into(), reviewed("a"));
    assert_eq!(mem.check(), vec![]);
}

#[test]
fn an_executed_migration_changed_since_head_is_executed_changed() {
    let mut mem = InMemory::default();
    mem.head.insert(A.into(), executed("a"));
    mem.index
        .insert(A.into(), executed("a").replace("(id bigint", "(id int"));
    let found = mem.check();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, EXECUTED_CHANGED);
    assert!(found[0].1.starts_with(&format!("git checkout HEAD -- {A}")));
}

#[test]
fn an_executed_stamp_restamped_over_a_new_body_is_still_executed_changed() {
    let mut mem = InMemory::default();
    mem.head.insert(A.into(), executed("a"));
    mem.index.insert(A.into(), executed("b"));
    assert_eq!(mem.check()[0].0, EXECUTED_CHANGED);
}

#[test]
fn a_stale_stamp_matching_no_committed_body_is_forged() {
    let mut mem = InMemory::default();
    mem.head.insert(A.into(), reviewed("a"));
    // Executed with the checksum of a body that was never in git.
    let t = stamp(&reviewed("a"), Touchpoint::Executed, &text("zzz"));
    mem.index.insert(A.into(), t);
    assert_eq!(mem.check()[0].0, FORGED_STAMP);
}

#[test]
fn a_stale_executed_stamp_on_a_new_file_is_executed_changed() {
    let mut mem = InMemory::default();
    let t = stamp(&reviewed("b"), Touchpoint::Executed, &text("a"));
    mem.index.insert(A.into(), t);
    let found = mem.check();
    assert_eq!(found[0].0, EXECUTED_CHANGED);
    assert!(found[0].1.contains("rollback --to 0"), "{}", found[0].1);
}

#[test]
fn a_line_ticked_by_hand_is_forged() {
    let mut mem = InMemory::default();
    mem.index
        .insert(A.into(), text("a").replace("[ ] Reviewed", "[x] Reviewed"));
    let found = mem.check();
    assert_eq!(found[0].0, FORGED_STAMP);
    assert!(found[0].1.starts_with("cargo xtask migration review"));
}

#[test]
fn review_states_give_their_rules() {
    let mut mem = InMemory::default();
    mem.index.insert(A.into(), text("a"));
    assert_eq!(mem.check()[0].0, NOT_REVIEWED);
    let edited = reviewed("a").replace("(id bigint", "(id int");
    mem.index.insert(A.into(), edited);
    assert_eq!(mem.check()[0].0, EDITED_AFTER_REVIEW);
}

#[test]
fn a_number_used_by_an_unstaged_file_is_a_duplicate() {
    let mut mem = InMemory::default();
    let b = "migrations/2026-11-22_01_b.sql";
    mem.head.insert(b.into(), reviewed("b"));
    mem.index.insert(b.into(), reviewed("b"));
    mem.index.insert(A.into(), reviewed("a"));
    let found = mem.check();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DUPLICATE_NUMBER);
    assert!(found[0].1.starts_with(&format!(
        "cargo xtask migration renumber {A}  (renames it to migrations/2026-11-22_02_a.sql"
    )));
}

#[test]
fn bad_names_get_a_name_that_parses() {
    let n = |f: &str| suggested_name(f, None, 7, day());
    assert_eq!(
        n("2026-01-05-add-Region.sql"),
        "2026-01-05_07_add_region.sql"
    );
    assert_eq!(n("add region.sql"), "2026-11-22_07_add_region.sql");
    assert_eq!(n("2026-01-05_3_x.sql"), "2026-01-05_07_x.sql");
    assert_eq!(n("!!!.sql"), "2026-11-22_07_migration.sql");
    for f in ["2026-01-05-add-Region.sql", "add region.sql", "!!!.sql"] {
        assert!(MigrationName::parse(&n(f)).is_ok());
    }
}

#[test]
fn executed_needs_synced_and_synced_needs_the_schema_staged() {
    let mut mem = InMemory::default();
    mem.index.insert(A.into(), executed("a"));
    let found = mem.check();
    assert_eq!(found[0].0, NOT_SYNCED);
    assert!(found[0]
        .1
        .starts_with("cargo xtask migration sync --for 01"));

    let t = executed("a");
    let synced = stamp(&t, Touchpoint::Synced, &t);
    mem.index.insert(A.into(), synced);
    assert_eq!(
        mem.check()[0].0,
        SCHEMA_NOT_STAGED,
        "no current_schema/ at all"
    );

    let schema = "current_schema/01_service_ops.sql";
    mem.index.insert(
        schema.into(),
        crate::schema::banner::with_banner("CREATE SCHEMA x;\n"),
    );
    assert_eq!(mem.check(), vec![]);
    mem.unstaged.push((schema.into(), "modified"));
    let found = mem.check();
    assert_eq!(
        found[0],
        (SCHEMA_NOT_STAGED, "git add current_schema/".to_string())
    );
}

#[test]
fn a_schema_file_edited_by_hand_is_blocked() {
    let mut mem = InMemory::default();
    let schema = "current_schema/01_service_ops.sql";
    let generated = crate::schema::banner::with_banner("CREATE SCHEMA x;\n");
    mem.head.insert(schema.into(), generated.clone());
    mem.index
        .insert(schema.into(), generated.replace("SCHEMA x", "SCHEMA y"));
    let found = mem.check();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, SCHEMA_HAND_EDITED);
    assert!(found[0].1.starts_with("cargo xtask migration sync"));
}
