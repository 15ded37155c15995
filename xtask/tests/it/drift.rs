//! `migration drift` against real throwaway clusters: identical schemas
//! give no finding (no noise either), the seeds' drift scenarios are found
//! with the right severity, the catch-up script fixes them and its second
//! run changes nothing, the three-way report names the side that
//! disagrees, and a slice of the pg-delta corpus passes the drift checks.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{assert_code, migration, psql, stderr, stdout, write, xtask, xtask_db};
use touchpoint::pg::connect::Database;
use touchpoint::pg::Throwaway;
use touchpoint::schema::roundtrip;

/// What the code expects: the schema the migrations build.
const EXPECTED: &str = "
CREATE SCHEMA IF NOT EXISTS service_ops;
CREATE TYPE service_ops.decision_status AS ENUM ('pending', 'approved', 'rejected');
CREATE TABLE service_ops.message_status (message_status_id integer PRIMARY KEY, name text NOT NULL);
GRANT SELECT ON service_ops.message_status TO PUBLIC;
CREATE TABLE service_ops.workflow_instance (workflow_instance_id bigint PRIMARY KEY);
CREATE TABLE service_ops.send_integration (
    message_id bigint PRIMARY KEY,
    decision_tracking_id uuid NOT NULL,
    workflow_instance_id bigint,
    payload jsonb NOT NULL,
    message_status_id integer,
    correlation_id uuid,
    attempt_count integer DEFAULT 1,
    resend_of_message_id bigint,
    payload_hash text,
    payload_version integer DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    audit_user varchar(100),
    audit_timestamp timestamptz DEFAULT now(),
    is_deleted boolean DEFAULT false,
    CONSTRAINT fk_send_integration_message_status FOREIGN KEY (message_status_id) REFERENCES service_ops.message_status (message_status_id),
    CONSTRAINT fk_send_integration_workflow_instance FOREIGN KEY (workflow_instance_id) REFERENCES service_ops.workflow_instance (workflow_instance_id),
    CONSTRAINT fk_send_integration_resend FOREIGN KEY (resend_of_message_id) REFERENCES service_ops.send_integration (message_id),
    CONSTRAINT send_integration_attempt_count_check CHECK (attempt_count >= 1)
);
CREATE INDEX idx_send_integration_decision_tracking ON service_ops.send_integration (decision_tracking_id);
CREATE INDEX idx_send_integration_correlation_id ON service_ops.send_integration (correlation_id);
CREATE INDEX idx_send_integration_created_at ON service_ops.send_integration (created_at);
CREATE INDEX idx_send_integration_payload_gin ON service_ops.send_integration USING gin (payload);
CREATE TABLE service_ops.send_serviceops (
    decision_tracking_id uuid PRIMARY KEY,
    json_sent_to_integration boolean DEFAULT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_by text NOT NULL
);
CREATE INDEX idx_send_serviceops_json_sent ON service_ops.send_serviceops (decision_tracking_id, json_sent_to_integration) WHERE json_sent_to_integration IS NOT NULL;
CREATE TABLE service_ops.clinical_ops_poll_watermark (
    id integer PRIMARY KEY,
    last_created_at timestamptz NOT NULL,
    decision service_ops.decision_status NOT NULL DEFAULT 'approved'
);
CREATE TABLE service_ops.integration_poll_watermark (id integer PRIMARY KEY, last_created_at timestamptz);
CREATE TABLE service_ops.packet_decision (
    id bigint PRIMARY KEY,
    status service_ops.decision_status NOT NULL DEFAULT 'pending',
    is_active boolean NOT NULL DEFAULT true,
    note text
);
";

/// What production holds: the seeds' drift.
const PRODUCTION: &str = "
CREATE SCHEMA service_ops;
CREATE TYPE service_ops.decision_status AS ENUM ('pending', 'failed');
CREATE TABLE service_ops.message_status (message_status_id integer PRIMARY KEY, name text NOT NULL);
GRANT INSERT ON service_ops.message_status TO PUBLIC;
-- No primary key: the foreign key to it needs one first.
CREATE TABLE service_ops.workflow_instance (workflow_instance_id bigint NOT NULL);
-- 9 of 15 columns, no foreign keys, one index under an old name.
CREATE TABLE service_ops.send_integration (
    message_id bigint PRIMARY KEY,
    decision_tracking_id uuid NOT NULL,
    workflow_instance_id bigint,
    payload jsonb NOT NULL,
    message_status_id integer,
    attempt_count integer DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    is_deleted boolean DEFAULT false
);
CREATE INDEX idx_send_integration_decision_tracking ON service_ops.send_integration (decision_tracking_id);
CREATE INDEX idx_integration_sends_created_at ON service_ops.send_integration (created_at);
CREATE INDEX idx_send_integration_adhoc ON service_ops.send_integration (message_status_id);
CREATE TABLE service_ops.send_serviceops (
    decision_tracking_id uuid PRIMARY KEY,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE service_ops.integration_poll_watermark (id integer PRIMARY KEY, last_created_at timestamp);
CREATE TABLE service_ops.packet_decision (
    id bigint PRIMARY KEY,
    status service_ops.decision_status NOT NULL DEFAULT 'pending',
    is_active boolean,
    note text NOT NULL
);
INSERT INTO service_ops.integration_poll_watermark VALUES (1, '2025-10-01 12:00:00');
INSERT INTO service_ops.packet_decision VALUES (1, 'pending', NULL, 'kept');
INSERT INTO service_ops.send_serviceops VALUES ('00000000-0000-0000-0000-000000000001', now());
";

fn seed_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/2026-11-01_01_service_ops.sql",
        &migration(1, "Service ops", EXPECTED),
    );
    dir
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn finding<'a>(report: &'a serde_json::Value, id: &str, aspect: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id && f["aspect"] == aspect)
        .unwrap_or_else(|| panic!("no finding {id} / {aspect} in {report:#}"))
}

fn dump(pg: &Throwaway, db: &str) -> Vec<String> {
    let server = Database::from_conninfo(&pg.url(), |_| None).unwrap();
    roundtrip::dump(&server, db).unwrap()
}

fn psql_file(url: &str, file: &Path) -> std::process::Output {
    Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(file)
        .output()
        .unwrap()
}

/// Production (the seeds' drift) on a throwaway cluster, and the project
/// whose migrations build what the code expects.
struct Seeded {
    pg: Throwaway,
    url: String,
    dir: tempfile::TempDir,
}

impl Seeded {
    fn new() -> Seeded {
        let pg = Throwaway::start().unwrap();
        psql(&pg.url(), "CREATE DATABASE prod");
        let url = pg.url_for("prod");
        psql(&url, PRODUCTION);
        Seeded {
            pg,
            url,
            dir: seed_project(),
        }
    }

    /// `migration drift --from migrations` against production, with `extra`.
    fn drift(&self, extra: &[&str]) -> std::process::Output {
        let shadow = self.pg.url();
        let mut args = vec![
            "migration",
            "drift",
            "--from",
            "migrations",
            "--shadow-url",
            &shadow,
        ];
        args.extend(extra);
        xtask_db(self.dir.path(), &self.url, &args)
    }
}

#[test]
fn seed_scenarios_are_found_with_their_severity_and_the_catch_up_script_fixes_them_once() {
    let seeded = Seeded::new();
    let out = seeded.drift(&["--format", "json"]);
    assert_code(&out, 1);
    let report = json(&out);
    seed_findings_have_their_severity(&report);
    rename_leftovers_are_noise(&report);
    // Text report: grouped by table, noise hidden by default.
    let text = seeded.drift(&[]);
    assert_code(&text, 1);
    let t = stdout(&text);
    assert!(t.contains("\nservice_ops.send_integration\n"), "{t}");
    assert!(t.contains("noise finding(s) hidden"), "{t}");

    script_without_drops_keeps_what_only_production_has(&seeded);
    script_with_drops_fixes_everything_once(&seeded);
}

fn seed_findings_have_their_severity(r: &serde_json::Value) {
    let expect = |id: &str, aspect: &str, severity: &str| {
        let f = finding(r, id, aspect);
        assert_eq!(f["severity"], severity, "{f:#}");
        f.clone()
    };
    // send_integration: 9 of 15 columns, missing indexes and foreign keys.
    for c in [
        "correlation_id",
        "resend_of_message_id",
        "payload_hash",
        "payload_version",
        "audit_user",
        "audit_timestamp",
    ] {
        let f = expect(
            &format!("column service_ops.send_integration.{c}"),
            "exists",
            "error",
        );
        assert_eq!(f["change"], "missing");
    }
    for index in ["correlation_id", "payload_gin"] {
        let id = format!("index service_ops.idx_send_integration_{index}");
        expect(&id, "exists", "warning");
    }
    expect(
        "constraint service_ops.send_integration.fk_send_integration_message_status",
        "exists",
        "warning",
    );
    // A missing table.
    expect(
        "table service_ops.clinical_ops_poll_watermark",
        "exists",
        "error",
    );
    // Its columns and key go with it: one finding, not one per part.
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["table"] != "service_ops.clinical_ops_poll_watermark"
            || f["id"] == "table service_ops.clinical_ops_poll_watermark"));
    // TIMESTAMP where TIMESTAMPTZ is expected.
    let f = expect(
        "column service_ops.integration_poll_watermark.last_created_at",
        "type",
        "error",
    );
    assert_eq!(f["expected"], "timestamp with time zone");
    assert_eq!(f["actual"], "timestamp without time zone");
    expect(
        "column service_ops.send_serviceops.created_at",
        "type",
        "error",
    );
    // approved / rejected expected, failed found.
    let f = expect("type service_ops.decision_status", "values", "error");
    assert_eq!(f["actual"], "'pending', 'failed'");
    // Nullability and defaults: nullable where NOT NULL is expected is a
    // warning; NOT NULL where nullable is expected breaks inserts.
    let is_active = "column service_ops.packet_decision.is_active";
    expect(is_active, "not null", "warning");
    expect(is_active, "default", "warning");
    expect(
        "column service_ops.packet_decision.note",
        "not null",
        "error",
    );
    expect(
        "constraint service_ops.workflow_instance.workflow_instance_pkey",
        "exists",
        "error",
    );
    expect("table service_ops.message_status", "grants", "warning");
    // Only the database has it.
    expect(
        "index service_ops.idx_send_integration_adhoc",
        "exists",
        "warning",
    );
}

/// The index kept under an old name is noise, not drift.
fn rename_leftovers_are_noise(r: &serde_json::Value) {
    assert!(r["findings"].as_array().unwrap().iter().all(|f| !f["id"]
        .as_str()
        .unwrap()
        .contains("created_at\"")
        && f["id"] != "index service_ops.idx_integration_sends_created_at"
        && f["id"] != "index service_ops.idx_send_integration_created_at"));
    let noise = r["noise"].as_array().unwrap();
    assert!(
        noise.iter().any(
            |f| f["id"] == "index service_ops.idx_send_integration_created_at"
                && f["noise"].as_str().unwrap().contains("rename leftover")
        ),
        "{noise:#?}"
    );
}

/// Without --allow-drop the script keeps what only production has and
/// says the enum needs it; it is idempotent too (run twice on a copy).
fn script_without_drops_keeps_what_only_production_has(seeded: &Seeded) {
    let kept = seeded.dir.path().join("kept.sql");
    let out = seeded.drift(&["--script", kept.to_str().unwrap()]);
    assert_code(&out, 1);
    let script = fs::read_to_string(&kept).unwrap();
    assert!(!script.contains("\nDROP "), "{script}");
    assert!(script.contains("NOT VALID"), "{script}");
    assert!(script.contains("VALIDATE CONSTRAINT fk_send_integration_message_status"));
    assert!(script.contains("AT TIME ZONE 'UTC'"), "{script}");
    assert!(script.contains("-- RISK:"), "{script}");
    assert!(script.contains("ADD VALUE IF NOT EXISTS 'approved' AFTER 'pending'"));
    assert!(
        script.contains("type service_ops.decision_status: values changed"),
        "the enum rebuild is left: {script}"
    );
    assert!(!script.lines().any(|l| l.starts_with("REVOKE")), "{script}");
    let pg = &seeded.pg;
    psql(&pg.url(), "CREATE DATABASE prod_kept TEMPLATE prod");
    let kept_url = pg.url_for("prod_kept");
    let first = psql_file(&kept_url, &kept);
    assert!(first.status.success(), "{}", stderr(&first));
    let after_first = dump(pg, "prod_kept");
    let second = psql_file(&kept_url, &kept);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(after_first, dump(pg, "prod_kept"));
}

/// With --allow-drop: run twice with psql as a DBA would, production then
/// matches the migrations, its data kept.
fn script_with_drops_fixes_everything_once(seeded: &Seeded) {
    let (pg, url) = (&seeded.pg, &seeded.url);
    let file = seeded.dir.path().join("catch_up.sql");
    let out = seeded.drift(&["--script", file.to_str().unwrap(), "--allow-drop"]);
    assert_code(&out, 1);
    assert!(stdout(&out).contains("leaves 0"), "{}", stdout(&out));
    let first = psql_file(url, &file);
    assert!(first.status.success(), "{}", stderr(&first));
    // A NOT NULL column added to a table with rows cannot be NOT NULL yet:
    // the script goes on, says so, and drift still reports it.
    assert!(
        stderr(&first).contains("service_ops.send_serviceops.sent_by holds NULL"),
        "{}",
        stderr(&first)
    );
    let out = seeded.drift(&["--format", "json"]);
    assert_code(&out, 1);
    let left = json(&out);
    assert_eq!(left["findings"].as_array().unwrap().len(), 1, "{left:#}");
    finding(
        &left,
        "column service_ops.send_serviceops.sent_by",
        "not null",
    );
    psql(
        url,
        "UPDATE service_ops.send_serviceops SET sent_by = 'backfill'",
    );
    let again = psql_file(url, &file);
    assert!(again.status.success(), "{}", stderr(&again));
    let after_first = dump(pg, "prod");
    let second = psql_file(url, &file);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        after_first,
        dump(pg, "prod"),
        "the second run changed the schema"
    );
    let out = seeded.drift(&[]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("no drift"), "{}", stdout(&out));
    data_survived(url);
}

/// The timestamp was read as UTC, the NOT NULL column got its default, the
/// row with a NULL is_active was filled, and the new table uses a value the
/// script added to the enum.
fn data_survived(url: &str) {
    assert_eq!(
        psql(
            url,
            "SET TimeZone = 'UTC'; SELECT last_created_at FROM service_ops.integration_poll_watermark"
        ),
        "2025-10-01 12:00:00+00"
    );
    assert_eq!(
        psql(url, "SELECT is_active FROM service_ops.packet_decision"),
        "t"
    );
    assert_eq!(
        psql(
            url,
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'clinical_ops_poll_watermark' AND column_name = 'decision'"
        ),
        "'approved'::service_ops.decision_status"
    );
}

#[test]
fn identical_schemas_give_no_finding_and_no_noise() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE d");
    let url = pg.url_for("d");
    let dir = crate::support::demo_project();
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--no-stamp"]),
        0,
    );
    let sync = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "sync",
            "--shadow-url",
            &pg.url(),
            "--no-downstream",
        ],
    );
    assert_code(&sync, 0);
    // PostgreSQL 15's information_schema shows each NOT NULL as a check
    // constraint with a generated name; drift reads attnotnull and never
    // sees those names.
    assert_ne!(
        psql(
            &url,
            "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_name LIKE '%_not_null' AND table_schema = 'service_ops'"
        ),
        "0"
    );
    let out = xtask_db(
        dir.path(),
        &url,
        &[
            "migration",
            "drift",
            "--shadow-url",
            &pg.url(),
            "--format",
            "json",
        ],
    );
    assert_code(&out, 0);
    let r = json(&out);
    assert_eq!(r["drift"], false);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r:#}");
    assert_eq!(r["noise"].as_array().unwrap().len(), 0, "{r:#}");
    assert_eq!(r["sides"].as_array().unwrap().len(), 3);
    // Without a database: migrations against current_schema/.
    let out = xtask(
        dir.path(),
        &[
            "migration",
            "drift",
            "--from",
            "migrations",
            "--from",
            "schema",
            "--shadow-url",
            &pg.url(),
        ],
    );
    assert_code(&out, 0);
}

#[test]
fn three_way_names_the_side_that_disagrees() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE d");
    let url = pg.url_for("d");
    let dir = crate::support::demo_project();
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--no-stamp"]),
        0,
    );
    let sync = |dir: &Path| {
        assert_code(
            &xtask_db(
                dir,
                &url,
                &[
                    "migration",
                    "sync",
                    "--shadow-url",
                    &pg.url(),
                    "--no-downstream",
                ],
            ),
            0,
        )
    };
    sync(dir.path());
    let drift = || {
        let out = xtask_db(
            dir.path(),
            &url,
            &[
                "migration",
                "drift",
                "--shadow-url",
                &pg.url(),
                "--format",
                "json",
            ],
        );
        assert_code(&out, 1);
        json(&out)
    };

    // A hotfix by hand in the database: the database disagrees.
    psql(
        &url,
        "ALTER TABLE service_ops.packet ADD COLUMN hotfix text",
    );
    let r = drift();
    let f = finding(&r, "column service_ops.packet.hotfix", "exists");
    assert_eq!(f["disagreeing_side"], "database");
    assert_eq!(f["change"], "extra");
    assert_eq!(f["database"], "text");

    // ... then synced into current_schema/: now the migrations disagree.
    sync(dir.path());
    let r = drift();
    let f = finding(&r, "column service_ops.packet.hotfix", "exists");
    assert_eq!(f["disagreeing_side"], "migrations");

    // current_schema/ edited by hand: it alone disagrees.
    psql(&url, "ALTER TABLE service_ops.packet DROP COLUMN hotfix");
    let schema = dir.path().join("current_schema");
    for e in fs::read_dir(&schema).unwrap() {
        let p = e.unwrap().path();
        let text = fs::read_to_string(&p).unwrap();
        if text.contains("    hotfix text") {
            fs::write(
                &p,
                text.replace(",\n    hotfix text", "")
                    .replace("    hotfix text,\n", ""),
            )
            .unwrap();
        }
    }
    let text: String = fs::read_dir(&schema)
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(!text.contains("hotfix"));
    let before = text.matches("CREATE INDEX").count();
    for e in fs::read_dir(&schema).unwrap() {
        let p = e.unwrap().path();
        let t = fs::read_to_string(&p).unwrap();
        if let Some(line) = t.lines().find(|l| l.starts_with("CREATE INDEX")) {
            fs::write(&p, t.replacen(&format!("{line}\n"), "", 1)).unwrap();
            break;
        }
    }
    assert!(before > 0);
    let r = drift();
    let odd: Vec<&serde_json::Value> = r["findings"].as_array().unwrap().iter().collect();
    assert!(!odd.is_empty());
    assert!(
        odd.iter()
            .all(|f| f["disagreeing_side"] == "current_schema/"),
        "{r:#}"
    );
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let dir = seed_project();
    let out = xtask(
        dir.path(),
        &[
            "migration",
            "drift",
            "--from",
            "migrations",
            "--from",
            "schema",
            "--script",
            "x.sql",
        ],
    );
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--script makes a database match"));
}

/// A slice of the pg-delta corpus through the drift checks (the whole
/// corpus is `cargo xtask dev corpus --drift`, see docs/drift.md).
/// `dev corpus --drift` on a directory of cases; its summary line.
fn drift_corpus(dir: &str) -> String {
    let dir = crate::support::repo_root().join(dir);
    let scratch = tempfile::tempdir().unwrap();
    let out = xtask(
        scratch.path(),
        &[
            "dev",
            "corpus",
            "--drift",
            "--dir",
            dir.to_str().unwrap(),
            "--show",
            "40",
        ],
    );
    stdout(&out)
}

#[test]
fn corpus_slice_passes_the_drift_checks_it_is_known_to_pass() {
    let text = drift_corpus("xtask/tests/corpus");
    // Identical schemas never report anything; drift finds a difference
    // exactly where pg_dump does.
    assert!(text.contains("a against a clean in 35,"), "{text}");
    assert!(
        text.contains("a against b agrees with pg_dump in 35,"),
        "{text}"
    );
    // The catch-up script converges on every case, dependents rebuilt
    // (a domain's check calling a routine dropped and created again too).
    assert!(
        text.contains("catch-up b -> a converges in 35; 0 failed"),
        "{text}"
    );
}

/// The dependency-aware catch-up script (xtask/tests/catch_up: each case's
/// `b.sql` made `a.sql` by the script, run twice): views, a materialized
/// view with its index, policies, triggers and routines dropped around a
/// retyped column, a routine dropped and created again, an enum rebuilt;
/// identities added, dropped, switched and narrowed; partitions attached
/// and detached; replica identity, view options, domain checks, composite
/// attributes; an extension moved to its schema; tables dropped after what
/// references them; constraints made NOT VALID again; extra routines that
/// checks, defaults and domains use dropped after them; an aggregate's
/// grants revoked; a key replaced under the foreign keys that use it.
#[test]
fn the_catch_up_script_rebuilds_dependents_and_converges_on_every_case() {
    let text = drift_corpus("xtask/tests/catch_up");
    assert!(
        text.contains("drift on 12 corpus cases (12 ran): a against a clean in 12, a against b agrees with pg_dump in 12, catch-up b -> a converges in 12; 0 failed"),
        "{text}"
    );
}

/// Bookkeeping is not schema: touchpoint's tracking table in a schema of its
/// own, and another tool's tracking table, are never findings (so a
/// catch-up script never drops them).
#[test]
fn tracking_tables_are_left_out_and_errors_exit_2() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE d");
    let url = pg.url_for("d");
    let dir = crate::support::demo_project();
    let tracking = ["--tracking-table", "ops.history"];
    let mut apply = vec!["migration", "apply", "--no-stamp"];
    apply.extend(tracking);
    assert_code(&xtask_db(dir.path(), &url, &apply), 0);
    psql(
        &url,
        "CREATE TABLE public.flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL)",
    );
    let mut drift = vec!["migration", "drift", "--from", "migrations", "--shadow-url"];
    let shadow = pg.url();
    drift.push(&shadow);
    drift.extend(tracking);
    drift.extend(["--format", "json"]);
    let out = xtask_db(dir.path(), &url, &drift);
    assert_code(&out, 0);
    let r = json(&out);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r:#}");

    // Could not tell: exit 2, not 1 (which means drift).
    let out = xtask_db(
        dir.path(),
        "postgresql://nobody@/d?host=/nonexistent-touchpoint-socket",
        &["migration", "drift", "--from", "migrations"],
    );
    assert_code(&out, 2);
}

/// A database with migrations still to apply differs from current_schema/
/// (which follows every file) by exactly those: a note, not drift.
#[test]
fn pending_migrations_are_not_drift() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE d");
    let url = pg.url_for("d");
    let dir = crate::support::demo_project();
    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &["migration", "apply", "--no-stamp", "--target", "9"],
        ),
        0,
    );
    assert_code(
        &xtask(
            dir.path(),
            &[
                "migration",
                "sync",
                "--from",
                "migrations",
                "--shadow-url",
                &pg.url(),
                "--no-downstream",
            ],
        ),
        0,
    );
    let out = xtask_db(
        dir.path(),
        &url,
        &["migration", "drift", "--shadow-url", &pg.url()],
    );
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("1 migration(s) in migrations/ are not applied"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("come from the migrations not applied yet"),
        "{}",
        stderr(&out)
    );
    // Applied, the database matches both.
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--no-stamp"]),
        0,
    );
    let out = xtask_db(
        dir.path(),
        &url,
        &["migration", "drift", "--shadow-url", &pg.url()],
    );
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("not applied"), "{}", stderr(&out));
}

/// `--against`: production compared with another live database (staging
/// built as the code expects); the catch-up script makes production match
/// it, and the same database on both sides is refused.
#[test]
fn a_database_against_another_database() {
    let seeded = Seeded::new();
    psql(&seeded.pg.url(), "CREATE DATABASE staging");
    let staging = seeded.pg.url_for("staging");
    psql(&staging, EXPECTED);
    let against = |extra: &[&str]| {
        let mut args = vec!["migration", "drift", "--against", &staging];
        args.extend(extra);
        xtask_db(seeded.dir.path(), &seeded.url, &args)
    };
    let out = against(&["--format", "json"]);
    assert_code(&out, 1);
    let r = json(&out);
    assert_eq!(r["sides"][1]["side"], "reference database", "{r:#}");
    let missing = finding(
        &r,
        "column service_ops.send_integration.correlation_id",
        "exists",
    );
    assert_eq!(missing["change"], "missing", "{missing:#}");
    assert_eq!(missing["disagreeing_side"], "database");

    let file = seeded.dir.path().join("from_staging.sql");
    let out = against(&["--script", file.to_str().unwrap(), "--allow-drop"]);
    assert_code(&out, 1);
    let run = psql_file(&seeded.url, &file);
    assert!(run.status.success(), "{}", stderr(&run));
    // What is left is the NOT NULL that production's rows cannot take yet,
    // as with the migrations as the reference.
    let out = against(&["--format", "json"]);
    let left = json(&out);
    assert_eq!(left["findings"].as_array().unwrap().len(), 1, "{left:#}");
    finding(
        &left,
        "column service_ops.send_serviceops.sent_by",
        "not null",
    );

    let out = against(&[]);
    assert!(
        stdout(&out).contains("reference database"),
        "{}",
        stdout(&out)
    );
    let same = xtask_db(
        seeded.dir.path(),
        &staging,
        &["migration", "drift", "--against", &staging],
    );
    assert_code(&same, 2);
    assert!(
        stderr(&same).contains("--against names the database being checked"),
        "{}",
        stderr(&same)
    );
    let both = against(&["--from", "migrations"]);
    assert_code(&both, 2);
}

/// `--format markdown`: the audit report people otherwise write by hand.
#[test]
fn the_audit_report_in_markdown() {
    let seeded = Seeded::new();
    psql(
        &seeded.url,
        "CREATE TABLE public.flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);
         INSERT INTO public.flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'ops', now(), 5, true), (2, '2', 'orders', 'SQL', 'V2__orders.sql', 0, 'ops', now(), 5, true)",
    );
    let out = seeded.drift(&["--format", "markdown"]);
    assert_code(&out, 1);
    let md = stdout(&out);
    for part in [
        "# Drift audit: database (",
        "**Verdict: drift.**",
        "## Tracking tables",
        "public.schema_migrations (touchpoint): none",
        "`cargo xtask migration baseline`",
        "public.flyway_schema_history (flyway): last version 2; another tool's, left out of the comparison",
        "## Drift by table",
        "### service_ops.send_integration",
        "| Severity | Object | Difference |",
        "`column service_ops.send_integration.correlation_id`",
        "## Noise (not drift)",
        "## What to do next",
        "`cargo xtask migration drift --script catch_up.sql`",
    ] {
        assert!(md.contains(part), "{part:?} not in:\n{md}");
    }
    // Every table row has its three cells: a `|` inside a value is escaped.
    for row in md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Severity"))
    {
        let cells = row.replace("\\|", "").matches('|').count();
        assert!(cells == 4, "{row}");
    }
}

/// A comment and a default holding a backslash and a quote: sync writes
/// them so current_schema/ loads back the same, and the catch-up script
/// sets them so the database ends up holding exactly them.
#[test]
fn backslashes_and_quotes_survive_sync_and_the_catch_up_script() {
    const TRICKY: &str = r"
CREATE TABLE public.paths (
    id integer PRIMARY KEY,
    dir text DEFAULT 'C:\temp\ it''s'
);
COMMENT ON TABLE public.paths IS 'O''Reilly\n not a newline';
COMMENT ON COLUMN public.paths.dir IS '\\server\share';
";
    let pg = Throwaway::start().unwrap();
    let shadow = pg.url();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/2026-11-01_01_paths.sql",
        &migration(1, "Paths", TRICKY),
    );
    let sync = xtask(
        dir.path(),
        &[
            "migration",
            "sync",
            "--from",
            "migrations",
            "--shadow-url",
            &shadow,
        ],
    );
    assert_code(&sync, 0);
    let both = xtask(
        dir.path(),
        &[
            "migration",
            "drift",
            "--from",
            "migrations",
            "--from",
            "schema",
            "--shadow-url",
            &shadow,
        ],
    );
    assert_code(&both, 0);

    psql(&pg.url(), "CREATE DATABASE prod");
    let url = pg.url_for("prod");
    psql(
        &url,
        "CREATE TABLE public.paths (id integer PRIMARY KEY, dir text)",
    );
    let file = dir.path().join("catch_up.sql");
    let drift = |extra: &[&str]| {
        let mut args = vec![
            "migration",
            "drift",
            "--from",
            "migrations",
            "--shadow-url",
            &shadow,
        ];
        args.extend(extra);
        xtask_db(dir.path(), &url, &args)
    };
    assert_code(&drift(&["--script", file.to_str().unwrap()]), 1);
    let run = psql_file(&url, &file);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_code(&drift(&[]), 0);
    assert_eq!(
        psql(
            &url,
            "SELECT obj_description('public.paths'::regclass, 'pg_class')"
        ),
        r"O'Reilly\n not a newline"
    );
    assert_eq!(
        psql(&url, "SELECT col_description('public.paths'::regclass, 2)"),
        r"\\server\share"
    );
    assert_eq!(
        psql(&url, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'public.paths'::regclass"),
        r"'C:\temp\ it''s'::text"
    );
}

/// What PostgreSQL refuses while dependents exist, and so what the
/// catch-up script works around: a column's type under a view, a routine
/// dropped under a policy, a composite attribute retyped while a table's
/// column uses the type (no way around it: the script leaves it), a
/// sequence's bounds moved past the value it stands at.
#[test]
fn postgresql_refuses_changes_under_their_dependents() {
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    psql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, n int);
         CREATE VIEW v AS SELECT n FROM t;
         CREATE FUNCTION f(a int) RETURNS boolean LANGUAGE sql AS 'SELECT a > 0';
         ALTER TABLE t ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON t USING (f(id));
         CREATE TYPE c AS (x int);
         CREATE TABLE uses_c (v c);
         CREATE SEQUENCE s MINVALUE 100 MAXVALUE 200;",
    );
    let refused = |sql: &str| {
        let o = Command::new("psql")
            .args([url.as_str(), "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        assert!(!o.status.success(), "{sql} was taken");
        stderr(&o)
    };
    let e = refused("ALTER TABLE t ALTER COLUMN n TYPE bigint");
    assert!(e.contains("used by a view or rule"), "{e}");
    let e = refused("DROP FUNCTION f(int)");
    assert!(
        e.contains("policy p on table t depends on function f(integer)"),
        "{e}"
    );
    let e = refused("ALTER TYPE c ALTER ATTRIBUTE x TYPE bigint CASCADE");
    assert!(e.contains("because column \"uses_c.v\" uses it"), "{e}");
    let e = refused("ALTER SEQUENCE s MINVALUE 1 MAXVALUE 50 START WITH 1");
    assert!(
        e.contains("RESTART value (100) cannot be greater than MAXVALUE (50)"),
        "{e}"
    );
    // With RESTART the same bounds are taken.
    psql(
        &url,
        "ALTER SEQUENCE s MINVALUE 1 MAXVALUE 50 START WITH 1 RESTART WITH 1",
    );
}
