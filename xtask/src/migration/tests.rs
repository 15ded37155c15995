use chrono::NaiveDate;

use super::header::{set_stamp, Stamp};
use super::render::{new_migration, NewFields, PLACEHOLDER_OPEN};
use super::*;

const SAMPLE: &str = "\
-- ============================================================================
-- Migration: Add processing time minutes
-- Date: 2025-10-08
-- Issue: SO-18 reports need minutes
--
-- PROBLEM: Reports compute minutes in the app,
--   which is slow.
-- SOLUTION: A generated column.
-- AFFECTED TABLES: service_ops.packet, service_ops.packet_decision
--
-- SOURCE OF TRUTH SCHEMA UPDATED:
--   [ ] current_schema/02_service_ops.sql (Line 12: packet.processing_minutes)
--
-- DOWNSTREAM UPDATES:
--   [ ] Bridge schemas updated (if applicable)
--   [x] TypeScript types updated (if applicable)
--
-- TOUCHPOINTS:
--   [ ] Reviewed
--   [ ] Executed
--   [ ] Source of truth synced
-- ============================================================================
ALTER TABLE service_ops.packet ADD COLUMN IF NOT EXISTS processing_minutes int;

-- migrate:verify
SELECT 'col' AS check_name, 'PASS' AS result;

-- migrate:rollback
ALTER TABLE service_ops.packet DROP COLUMN IF EXISTS processing_minutes;
";

fn name() -> MigrationName {
    MigrationName::parse("2025-10-08_18_add_processing_time_minutes.sql").unwrap()
}

fn parse(text: &str) -> Migration {
    Migration::parse(name(), text).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

#[test]
fn header_fields() {
    let m = parse(SAMPLE);
    let h = m.header.as_ref().unwrap();
    assert_eq!(h.title.value, "Add processing time minutes");
    assert_eq!(h.date.value, "2025-10-08");
    assert_eq!(h.issue.value, "SO-18 reports need minutes");
    assert_eq!(
        h.problem.value,
        "Reports compute minutes in the app, which is slow."
    );
    assert_eq!(h.problem.line, 6);
    assert_eq!(h.solution.value, "A generated column.");
    assert_eq!(
        h.affected_tables(),
        vec!["service_ops.packet", "service_ops.packet_decision"]
    );
    assert_eq!(h.source_of_truth.len(), 1);
    assert_eq!(h.source_of_truth[0].line, 12);
    assert_eq!(
        h.downstream.iter().map(|i| i.checked).collect::<Vec<_>>(),
        vec![false, true]
    );
    assert_eq!(h.touchpoints.len(), 3);
    assert_eq!(h.last_line, 22);
    assert!(h.unknown_lines.is_empty(), "{:?}", h.unknown_lines);
}

#[test]
fn sections_and_lines() {
    let m = parse(SAMPLE);
    assert!(!m.no_transaction);
    assert!(m
        .body_sql()
        .starts_with("ALTER TABLE service_ops.packet ADD"));
    assert_eq!(m.line_of(m.body.start), 23);
    assert_eq!(
        m.verify_sql().unwrap().trim(),
        "SELECT 'col' AS check_name, 'PASS' AS result;"
    );
    assert_eq!(
        m.rollback_sql().unwrap().trim(),
        "ALTER TABLE service_ops.packet DROP COLUMN IF EXISTS processing_minutes;"
    );
}

#[test]
fn rollback_before_verify_is_accepted() {
    let text = "select 1;\n-- migrate:rollback\nselect 2;\n-- migrate:verify\nselect 3;\n";
    let m = parse(text);
    assert_eq!(m.body_sql(), "select 1;\n");
    assert_eq!(m.rollback_sql(), Some("select 2;\n"));
    assert_eq!(m.verify_sql(), Some("select 3;\n"));
}

#[test]
fn no_header_means_the_whole_file_is_body() {
    let m = parse("create table t (id int);\n");
    assert!(m.header.is_none());
    assert_eq!(m.body_sql(), "create table t (id int);\n");
    assert_eq!(m.stamp_state(Touchpoint::Reviewed), StampState::NoLine);
}

#[test]
fn no_transaction_directive() {
    let text = SAMPLE.replace(
        "====\nALTER TABLE",
        "====\n\n-- migrate:no-transaction\nALTER TABLE",
    );
    assert!(parse(&text).no_transaction);

    let late = SAMPLE.replace(
        "-- migrate:verify",
        "-- migrate:no-transaction\n-- migrate:verify",
    );
    let e = Migration::parse(name(), &late).unwrap_err();
    assert_eq!(e.line, 25);
    assert!(e.message.contains("must be the first line"), "{e}");
}

#[test]
fn directive_errors_name_the_line() {
    let dup = SAMPLE.replace("-- migrate:rollback", "-- migrate:verify");
    let e = Migration::parse(name(), &dup).unwrap_err();
    assert_eq!(e.line, 28);
    assert!(e.message.contains("second `-- migrate:verify`"), "{e}");

    let typo = SAMPLE.replace("-- migrate:rollback", "-- migrate:rolback");
    let e = Migration::parse(name(), &typo).unwrap_err();
    assert!(
        e.message.contains("unknown directive `-- migrate:rolback`"),
        "{e}"
    );
}

#[test]
fn header_errors() {
    let unclosed = "-- ============================================================================\n-- Migration: x\n";
    let e = Migration::parse(name(), unclosed).unwrap_err();
    assert!(e.message.contains("no closing rule"), "{e}");

    let sql_inside = "-- ==========\n-- Migration: x\nselect 1;\n-- ==========\n";
    let e = Migration::parse(name(), sql_inside).unwrap_err();
    assert_eq!(e.line, 3);
}

#[test]
fn crlf_and_bom_give_the_same_checksum_as_lf() {
    let lf = parse(SAMPLE);
    let crlf = parse(&SAMPLE.replace('\n', "\r\n"));
    let bom = parse(&format!("\u{feff}{SAMPLE}"));
    let both = parse(&format!("\u{feff}{}", SAMPLE.replace('\n', "\r\n")));
    assert_eq!(lf.checksum, crlf.checksum);
    assert_eq!(lf.checksum, bom.checksum);
    assert_eq!(lf.checksum, both.checksum);
    assert_eq!(crlf.header, lf.header);
}

#[test]
fn checksum_covers_body_verify_and_rollback_but_not_the_header() {
    let base = parse(SAMPLE).checksum;
    let header_edit = SAMPLE.replace(
        "SOLUTION: A generated column.",
        "SOLUTION: Another wording.",
    );
    assert_eq!(parse(&header_edit).checksum, base);
    for (from, to) in [
        ("processing_minutes int;", "processing_minutes bigint;"),
        ("'PASS' AS result", "'FAIL' AS result"),
        ("DROP COLUMN IF EXISTS", "DROP COLUMN"),
    ] {
        assert_ne!(parse(&SAMPLE.replace(from, to)).checksum, base, "{from}");
    }
}

#[test]
fn stamp_ticks_one_line_and_keeps_the_checksum() {
    let m = parse(SAMPLE);
    let stamped = set_stamp(SAMPLE, Touchpoint::Reviewed, day(22), &m.checksum).unwrap();
    let diff: Vec<_> = SAMPLE
        .lines()
        .zip(stamped.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        diff,
        vec![(
            "--   [ ] Reviewed",
            format!(
                "--   [x] Reviewed 2026-11-22 sha256:{}",
                m.checksum.prefix()
            )
            .as_str()
        )]
    );
    let again = parse(&stamped);
    assert_eq!(again.checksum, m.checksum);
    assert_eq!(
        again.stamp_state(Touchpoint::Reviewed),
        StampState::Current(Stamp {
            date: day(22),
            checksum_prefix: m.checksum.prefix()
        })
    );
    assert_eq!(again.stamp_state(Touchpoint::Executed), StampState::Open);
}

#[test]
fn stamp_keeps_crlf_and_bom() {
    let crlf = format!("\u{feff}{}", SAMPLE.replace('\n', "\r\n"));
    let m = parse(&crlf);
    let stamped = set_stamp(&crlf, Touchpoint::Executed, day(21), &m.checksum).unwrap();
    assert!(stamped.starts_with('\u{feff}'));
    assert_eq!(
        stamped.matches('\n').count(),
        stamped.matches("\r\n").count()
    );
    assert_eq!(
        stamped.len(),
        crlf.len() + " 2026-11-21 sha256:".len() + 12 - 1 + 1
    );
    assert!(matches!(
        parse(&stamped).stamp_state(Touchpoint::Executed),
        StampState::Current(_)
    ));
}

#[test]
fn a_changed_body_makes_a_stamp_stale() {
    let m = parse(SAMPLE);
    let stamped = set_stamp(SAMPLE, Touchpoint::Reviewed, day(22), &m.checksum).unwrap();
    let edited = stamped.replace("processing_minutes int;", "processing_minutes bigint;");
    assert!(matches!(
        parse(&edited).stamp_state(Touchpoint::Reviewed),
        StampState::Stale(s) if s.checksum_prefix == m.checksum.prefix()
    ));
}

#[test]
fn a_hand_ticked_line_is_unverifiable() {
    for line in [
        "--   [x] Reviewed",
        "--   [x] Reviewed 2026-11-22",
        "--   [x] Reviewed 2026-11-22 sha256:XYZ",
        "--   [X] Reviewed yesterday sha256:0123456789ab",
        "--   [x] Reviewed 2026-11-22 sha256:0123456789ab extra",
    ] {
        let text = SAMPLE.replace("--   [ ] Reviewed", line);
        assert!(
            matches!(
                parse(&text).stamp_state(Touchpoint::Reviewed),
                StampState::Unverifiable(_)
            ),
            "{line}"
        );
    }
}

#[test]
fn stamping_a_header_without_touchpoints_adds_the_block() {
    let old = SAMPLE.replace(
        "--\n-- TOUCHPOINTS:\n--   [ ] Reviewed\n--   [ ] Executed\n--   [ ] Source of truth synced\n",
        "",
    );
    let m = parse(&old);
    assert!(m.header.as_ref().unwrap().touchpoints.is_empty());
    let stamped = set_stamp(&old, Touchpoint::Executed, day(22), &m.checksum).unwrap();
    let again = parse(&stamped);
    assert_eq!(again.stamp_state(Touchpoint::Reviewed), StampState::Open);
    assert!(matches!(
        again.stamp_state(Touchpoint::Executed),
        StampState::Current(_)
    ));
    assert_eq!(again.stamp_state(Touchpoint::Synced), StampState::Open);
    assert_eq!(again.checksum, m.checksum);
}

#[test]
fn stamping_without_a_header_is_an_error() {
    let e = set_stamp(
        "select 1;\n",
        Touchpoint::Reviewed,
        day(22),
        &Checksum::of_normalized(""),
    )
    .unwrap_err();
    assert!(e.to_string().contains("no header block"));
}

#[test]
fn rendered_header_parses_back() {
    let fields = NewFields {
        title: "Add processing time minutes".into(),
        issue: Some("SO-18".into()),
        problem: Some("Reports are slow\nbecause of app-side maths".into()),
        solution: None,
        tables: vec!["service_ops.packet".into()],
    };
    let text = new_migration(&fields, day(22));
    let m = parse(&text);
    let h = m.header.as_ref().unwrap();
    assert_eq!(h.title.value, "Add processing time minutes");
    assert_eq!(h.date.value, "2026-11-22");
    assert_eq!(h.issue.value, "SO-18");
    assert_eq!(
        h.problem.value,
        "Reports are slow because of app-side maths"
    );
    assert!(h.solution.value.starts_with(PLACEHOLDER_OPEN));
    assert_eq!(h.affected_tables(), vec!["service_ops.packet"]);
    assert!(h.unknown_lines.is_empty(), "{:?}", h.unknown_lines);
    for tp in Touchpoint::ALL {
        assert_eq!(m.stamp_state(tp), StampState::Open);
    }
    assert!(m.verify.is_some() && m.rollback.is_some());
    assert!(text.ends_with('\n') && !text.ends_with("\n\n\n"));
}

#[test]
fn new_migration_snapshot() {
    let fields = NewFields {
        title: "Add processing time minutes".into(),
        ..NewFields::default()
    };
    insta::assert_snapshot!(new_migration(&fields, day(22)));
}

#[test]
fn clear_stamp_reopens_the_line() {
    let m = parse(SAMPLE);
    let stamped = set_stamp(SAMPLE, Touchpoint::Executed, day(22), &m.checksum).unwrap();
    let cleared = super::header::clear_stamp(&stamped, Touchpoint::Executed).unwrap();
    assert_eq!(cleared, SAMPLE);
    assert_eq!(
        super::header::clear_stamp(SAMPLE, Touchpoint::Synced).unwrap(),
        SAMPLE
    );
}
