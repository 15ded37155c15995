//! `migration adopt` through the real binary on throwaway clusters: every
//! legacy format adopted (rows with apply's checksums, apply then has
//! nothing to do, the legacy table untouched), the refusals (incomplete or
//! malformed mapping, dirty and failed history, the tracking table name
//! taken by the legacy table, drift) and running it twice.

use std::path::Path;

use crate::support::{assert_code, demo_project, psql, stderr, stdout, xtask_db};
use touchpoint::pg::Throwaway;

/// A cluster with database `built`: the demo set up to `upto` applied (the
/// schema a legacy tool would have built), without touchpoint's history.
/// Returns the cluster and `version:checksum` of what apply recorded.
fn cluster_with_built(upto: u32) -> (Throwaway, Vec<String>) {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE built");
    let url = pg.url_for("built");
    let dir = demo_project();
    assert_code(
        &xtask_db(
            dir.path(),
            &url,
            &[
                "migration",
                "apply",
                "--no-stamp",
                "--target",
                &upto.to_string(),
                "--tracking-table",
                "scratch.applied",
            ],
        ),
        0,
    );
    let sums = psql(
        &url,
        "SELECT string_agg(version || ':' || checksum, E'\\n' ORDER BY version) FROM scratch.applied",
    );
    psql(&url, "DROP SCHEMA scratch CASCADE");
    (pg, sums.lines().map(str::to_string).collect())
}

/// A copy of `built` named `name`, with `legacy_sql` run in it.
fn legacy_db(pg: &Throwaway, name: &str, legacy_sql: &str) -> String {
    psql(&pg.url(), &format!("CREATE DATABASE {name} TEMPLATE built"));
    let url = pg.url_for(name);
    psql(&url, legacy_sql);
    url
}

/// Every row of `table`, in text, sorted: to show it is untouched.
fn table_rows(url: &str, table: &str) -> String {
    psql(
        url,
        &format!("SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM {table} t"),
    )
}

fn adopt(dir: &Path, pg: &Throwaway, url: &str, extra: &[&str]) -> std::process::Output {
    let shadow = pg.url();
    let mut args = vec!["migration", "adopt", "--shadow-url", &shadow];
    args.extend_from_slice(extra);
    xtask_db(dir, url, &args)
}

/// The `--map` of the command line adopt prints without one.
fn suggested_map(out: &std::process::Output) -> String {
    let text = stdout(out);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("cargo xtask migration adopt"))
        .unwrap_or_else(|| panic!("no command line in:\n{text}"));
    line.split("--map ").nth(1).unwrap().trim().to_string()
}

fn tracking_exists(url: &str, table: &str) -> bool {
    psql(url, &format!("SELECT to_regclass('{table}') IS NOT NULL")) == "t"
}

struct Case {
    db: &'static str,
    tool: &'static str,
    table: &'static str,
    sql: &'static str,
    /// What adopt guesses without --map.
    guess: &'static str,
    map: &'static str,
    /// Where touchpoint keeps its history (the legacy table may hold the default).
    tracking: &'static str,
    /// (migration number, legacy versions the note names).
    note_of_03: &'static str,
}

const FLYWAY: &str = "
CREATE TABLE public.flyway_schema_history (
    installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
    type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL,
    installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);
INSERT INTO public.flyway_schema_history
SELECT i, i::text, 'step ' || i, 'SQL', 'V' || i || '__step.sql', 1000 + i, 'app', now(), 5, true FROM generate_series(1, 10) i;
INSERT INTO public.flyway_schema_history VALUES (11, NULL, 'views', 'SQL', 'R__views.sql', 77, 'app', now(), 3, true);";

const SQLX: &str = "
CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL);
INSERT INTO _sqlx_migrations SELECT 20240101000000 + i, 'step ' || i, now(), true, sha384(i::text::bytea), 1000
  FROM generate_series(1, 10) i;";

const DBMATE: &str = "
CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
INSERT INTO schema_migrations SELECT (20240101000000 + i)::text FROM generate_series(1, 10) i;";

const GOLANG: &str = "
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (10, false);";

const HAND_ROLLED: &str = "
CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz DEFAULT now());
INSERT INTO schema_migrations (version, name) SELECT i, 'step_' || i FROM generate_series(1, 11) i;";

const DRIZZLE: &str = "
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
SELECT md5(i::text), 1700000000000 + i * 1000 FROM generate_series(1, 10) i;";

const BY_POSITION_1_10: &str = "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09,10=10";

#[test]
fn adopts_every_legacy_format_once() {
    let (pg, sums) = cluster_with_built(10);
    assert_eq!(sums.len(), 10);
    for case in &legacy_cases() {
        adopt_one(&pg, &sums, case);
    }
}

/// Each legacy tool's history for the demo set's ten migrations, the
/// mapping adopt guesses and the one given, and where touchpoint keeps its
/// own history.
fn legacy_cases() -> [Case; 6] {
    [
        Case {
            db: "flyway",
            tool: "flyway",
            table: "public.flyway_schema_history",
            sql: FLYWAY,
            guess: BY_POSITION_1_10,
            map: BY_POSITION_1_10,
            tracking: "public.schema_migrations",
            note_of_03: "adopt: from flyway version 3 in public.flyway_schema_history",
        },
        Case {
            db: "sqlx",
            tool: "sqlx",
            table: "public._sqlx_migrations",
            sql: SQLX,
            guess: "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10",
            map: "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10",
            tracking: "public.schema_migrations",
            note_of_03: "adopt: from sqlx version 20240101000003 in public._sqlx_migrations",
        },
        Case {
            db: "dbmate",
            tool: "dbmate",
            table: "public.schema_migrations",
            sql: DBMATE,
            guess: "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10",
            map: "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10",
            tracking: "touchpoint.schema_migrations",
            note_of_03: "adopt: from dbmate version 20240101000003 in public.schema_migrations",
        },
        Case {
            db: "golang",
            tool: "golang-migrate",
            table: "public.schema_migrations",
            sql: GOLANG,
            guess: "10=10",
            map: "10=10",
            tracking: "public.touchpoint_migrations",
            note_of_03: "adopt: covered by golang-migrate version 10 in public.schema_migrations",
        },
        Case {
            db: "handrolled",
            tool: "hand-rolled",
            table: "public.schema_migrations",
            sql: HAND_ROLLED,
            // 11 versions for 10 files: no guess.
            guess: "1=?,2=?,3=?,4=?,5=?,6=?,7=?,8=?,9=?,10=?,11=?",
            // 3 and 4 were squashed into 03.
            map: "1=01,2=02,3=03,4=03,5=04,6=05,7=06,8=07,9=08,10=09,11=10",
            tracking: "ops.touchpoint_history",
            note_of_03: "adopt: from hand-rolled versions 3, 4 in public.schema_migrations",
        },
        Case {
            db: "drizzle",
            tool: "drizzle",
            table: "drizzle.__drizzle_migrations",
            sql: DRIZZLE,
            guess: "1700000001000=01,1700000002000=02,1700000003000=03,1700000004000=04,1700000005000=05,1700000006000=06,1700000007000=07,1700000008000=08,1700000009000=09,1700000010000=10",
            map: "1700000001000=01,1700000002000=02,1700000003000=03,1700000004000=04,1700000005000=05,1700000006000=06,1700000007000=07,1700000008000=08,1700000009000=09,1700000010000=10",
            tracking: "public.schema_migrations",
            note_of_03: "adopt: from drizzle version 1700000003000 in drizzle.__drizzle_migrations",
        },
    ]
}

/// Adopts `case`'s history: the report without --map, the records with it,
/// then apply, status and a second adopt find nothing to do.
fn adopt_one(pg: &Throwaway, sums: &[String], case: &Case) {
    let dir = demo_project();
    let url = legacy_db(pg, case.db, case.sql);
    let before = table_rows(&url, case.table);

    // Without --map: what was found, and a command line to start from.
    let shown = adopt(dir.path(), pg, &url, &["--tracking-table", case.tracking]);
    assert_code(&shown, 0);
    let text = stdout(&shown);
    assert!(
        text.contains(&format!("{} history in {}", case.tool, case.table)),
        "{}: {text}",
        case.db
    );
    assert_eq!(suggested_map(&shown), case.guess, "{}: {text}", case.db);
    assert!(!tracking_exists(&url, case.tracking), "{}", case.db);

    let o = adopt(
        dir.path(),
        pg,
        &url,
        &["--tracking-table", case.tracking, "--map", case.map],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("adopt: 10 migrations recorded up to 10"),
        "{}: {}",
        case.db,
        stdout(&o)
    );
    // The legacy table (and drizzle's schema and sequence) are left out
    // of the drift check: not even a minor difference.
    assert!(
        !stdout(&o).contains("note: "),
        "{}: {}",
        case.db,
        stdout(&o)
    );

    // The records apply would have written, kind adopt, with where they came from.
    let recorded = psql(
        &url,
        &format!(
            "SELECT string_agg(version || ':' || checksum, E'\\n' ORDER BY version) FROM {}",
            case.tracking
        ),
    );
    assert_eq!(recorded.lines().collect::<Vec<_>>(), sums, "{}", case.db);
    assert_eq!(
        psql(
            &url,
            &format!(
                "SELECT string_agg(DISTINCT kind || ':' || success || ':' || execution_time_ms, ',') FROM {}",
                case.tracking
            )
        ),
        "adopt:true:0",
        "{}",
        case.db
    );
    assert_eq!(
        psql(
            &url,
            &format!(
                "SELECT note FROM {} WHERE version LIKE '%\\_03\\_%'",
                case.tracking
            )
        ),
        case.note_of_03,
        "{}",
        case.db
    );
    // The legacy table was only read.
    assert_eq!(table_rows(&url, case.table), before, "{}", case.db);

    // Executed stamps ticked.
    let first = std::fs::read_dir(dir.path().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("_01_"))
        .unwrap();
    assert!(
        std::fs::read_to_string(first)
            .unwrap()
            .contains("[x] Executed"),
        "{}",
        case.db
    );
    settled(&dir, &url, &before, pg, case);
}

/// After adoption: apply has nothing left, status says applied, adopting
/// again records nothing, and the legacy table is as it was.
fn settled(dir: &tempfile::TempDir, url: &str, before: &str, pg: &Throwaway, case: &Case) {
    // apply has nothing left to do, status says applied.
    let o = xtask_db(
        dir.path(),
        url,
        &["migration", "apply", "--tracking-table", case.tracking],
    );
    assert_code(&o, 0);
    assert_eq!(
        psql(url, &format!("SELECT count(*) FROM {}", case.tracking)),
        "10"
    );
    assert!(
        stdout(&o).contains("applied 0 migrations") && stdout(&o).contains("10 already applied"),
        "{}: {}",
        case.db,
        stdout(&o)
    );
    let o = xtask_db(
        dir.path(),
        url,
        &[
            "migration",
            "status",
            "--format",
            "json",
            "--tracking-table",
            case.tracking,
        ],
    );
    assert_code(&o, 0);
    let status: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let states: Vec<&str> = status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["database"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["applied"; 10], "{}", case.db);

    // Twice: nothing more is recorded.
    let o = adopt(
        dir.path(),
        pg,
        url,
        &["--tracking-table", case.tracking, "--map", case.map],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("nothing to record"),
        "{}: {}",
        case.db,
        stdout(&o)
    );
    assert_eq!(
        psql(url, &format!("SELECT count(*) FROM {}", case.tracking)),
        "10"
    );
    assert_eq!(table_rows(url, case.table), before, "{}", case.db);
}

/// Nothing of touchpoint's was written: no tracking table, no stamp.
fn nothing_written(dir: &Path, url: &str, tracking: &str) {
    assert!(!tracking_exists(url, tracking), "{tracking} was created");
    for e in std::fs::read_dir(dir.join("migrations")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(!text.contains("[x] Executed"));
    }
}

#[test]
fn refuses_incomplete_malformed_half_applied_and_colliding_histories() {
    let (pg, _) = cluster_with_built(10);
    let dir = demo_project();
    let dir = dir.path();
    let url = legacy_db(&pg, "flyway", FLYWAY);
    let before = table_rows(&url, "public.flyway_schema_history");
    let t = "public.schema_migrations";

    refuses_bad_maps_unless_forced(&pg, dir, &url, t);
    refuses_half_applied_flyway(&pg, dir, &url, &before, t);
    refuses_failed_sqlx_and_collisions(&pg, dir, t);
    asks_which_of_two_legacy_tables(&pg, dir, t);
}

/// A legacy version without NN, an NN that is no file, a malformed item;
/// --force needs --reason, and then records what it can.
fn refuses_bad_maps_unless_forced(pg: &Throwaway, dir: &Path, url: &str, t: &str) {
    // A legacy applied version without NN.
    let o = adopt(
        dir,
        pg,
        url,
        &["--map", "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09"],
    );
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("the mapping is incomplete: applied version 10 of public.flyway_schema_history maps to no migration"),
        "{err}"
    );
    assert!(err.contains("nothing was recorded"), "{err}");
    assert!(err.contains("--force --reason"), "{err}");
    nothing_written(dir, url, t);

    // An NN that is not a file, a legacy version that is not in the table,
    // a malformed item: not even --force records those.
    for (map, says) in [
        (
            "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09,10=11",
            "there is no migration numbered 11 in migrations/",
        ),
        (
            "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09,10=10,12=10",
            "has no applied version 12",
        ),
        (
            "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09,10",
            "--map item `10` is malformed",
        ),
        (
            "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09,10=x",
            "--map item `10=x` is malformed",
        ),
    ] {
        let o = adopt(
            dir,
            pg,
            url,
            &["--map", map, "--force", "--reason", "trust me"],
        );
        assert_code(&o, 2);
        assert!(stderr(&o).contains(says), "{map}: {}", stderr(&o));
        nothing_written(dir, url, t);
    }
    // --force without --reason is refused by the command line.
    let o = adopt(dir, pg, url, &["--map", "1=01", "--force"]);
    assert_code(&o, 2);
    nothing_written(dir, url, t);

    // Forced: the unmapped version is recorded nowhere, the reason is kept.
    let forced = legacy_db(pg, "forced", FLYWAY);
    let forced_before = table_rows(&forced, "public.flyway_schema_history");
    let o = adopt(
        dir,
        pg,
        &forced,
        &[
            "--map",
            "1=01,2=02,3=03,4=04,5=05,6=06,7=07,8=08,9=09",
            "--force",
            "--reason",
            "V10 lives outside touchpoint (OPS-7)",
            "--no-stamp",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("warning: the mapping is incomplete: applied version 10"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).contains(
            "not recorded (no migration, forced): public.flyway_schema_history version 10"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(psql(&forced, &format!("SELECT count(*) FROM {t}")), "9");
    // 10's schema is in the database but not in the mapped 01..09: drift,
    // forced past too.
    let note = psql(
        &forced,
        &format!("SELECT DISTINCT note FROM {t} WHERE version LIKE '%\\_05\\_%'"),
    );
    assert!(
        note.starts_with(
            "adopt: from flyway version 5 in public.flyway_schema_history; forced past "
        ),
        "{note}"
    );
    assert!(
        note.ends_with(" drift finding(s): V10 lives outside touchpoint (OPS-7)"),
        "{note}"
    );
    assert_eq!(
        table_rows(&forced, "public.flyway_schema_history"),
        forced_before
    );
}

/// A failed flyway row: the history is half-applied.
fn refuses_half_applied_flyway(pg: &Throwaway, dir: &Path, url: &str, before: &str, t: &str) {
    psql(
        url,
        "UPDATE flyway_schema_history SET success = false WHERE installed_rank = 10",
    );
    let failed_before = table_rows(url, "public.flyway_schema_history");
    let shown = adopt(dir, pg, url, &[]);
    assert_code(&shown, 0);
    assert!(
        stdout(&shown).contains("1 failed or dirty"),
        "{}",
        stdout(&shown)
    );
    assert!(
        stdout(&shown).contains("10 (step 10)  NOT FINISHED (success = false)"),
        "{}",
        stdout(&shown)
    );
    let o = adopt(dir, pg, url, &["--map", BY_POSITION_1_10]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains(
            "says version 10 did not finish (success = false): the history is half-applied"
        ),
        "{}",
        stderr(&o)
    );
    nothing_written(dir, url, t);
    assert_eq!(
        table_rows(url, "public.flyway_schema_history"),
        failed_before
    );
    assert_ne!(failed_before, before);
}

/// sqlx with a failed row, golang-migrate dirty, dbmate at touchpoint's
/// own table name.
fn refuses_failed_sqlx_and_collisions(pg: &Throwaway, dir: &Path, t: &str) {
    // sqlx: success = false.
    let url = legacy_db(pg, "sqlx", SQLX);
    psql(
        &url,
        "UPDATE _sqlx_migrations SET success = false WHERE version = 20240101000010",
    );
    let o = adopt(dir, pg, &url, &["--map", "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("version 20240101000010 did not finish (success = false)"),
        "{}",
        stderr(&o)
    );
    nothing_written(dir, &url, t);

    // golang-migrate, dirty: refused, with the collision handled.
    let url = legacy_db(pg, "golang", GOLANG);
    psql(&url, "UPDATE schema_migrations SET dirty = true");
    let o = adopt(
        dir,
        pg,
        &url,
        &[
            "--map",
            "10=10",
            "--tracking-table",
            "public.touchpoint_migrations",
        ],
    );
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("version 10 did not finish (dirty = true)"),
        "{}",
        stderr(&o)
    );
    nothing_written(dir, &url, "public.touchpoint_migrations");
    assert_eq!(table_rows(&url, "schema_migrations"), "(10,t)");

    // dbmate at touchpoint's default tracking table name.
    let url = legacy_db(pg, "dbmate", DBMATE);
    let before = table_rows(&url, "schema_migrations");
    let shown = adopt(dir, pg, &url, &[]);
    assert_code(&shown, 0);
    assert!(
        suggested_map(&shown).starts_with("20240101000001=01,"),
        "{}",
        stdout(&shown)
    );
    assert!(
        stdout(&shown).contains("--tracking-table public.touchpoint_migrations --map"),
        "{}",
        stdout(&shown)
    );
    let o = adopt(dir, pg, &url, &["--map", "20240101000001=01,20240101000002=02,20240101000003=03,20240101000004=04,20240101000005=05,20240101000006=06,20240101000007=07,20240101000008=08,20240101000009=09,20240101000010=10"]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("sits at touchpoint's tracking table name"),
        "{err}"
    );
    assert!(
        err.contains("--tracking-table public.touchpoint_migrations"),
        "{err}"
    );
    assert!(
        err.contains("TOUCHPOINT_TRACKING_TABLE=public.touchpoint_migrations"),
        "{err}"
    );
    assert_eq!(table_rows(&url, "schema_migrations"), before);
    // apply says the same table is not its own and points to adopt.
    let o = xtask_db(dir, &url, &["migration", "apply", "--no-stamp"]);
    assert_code(&o, 1);
    assert!(
        stderr(&o).contains("cargo xtask migration adopt"),
        "{}",
        stderr(&o)
    );
    assert_eq!(table_rows(&url, "schema_migrations"), before);
}

fn asks_which_of_two_legacy_tables(pg: &Throwaway, dir: &Path, t: &str) {
    // Two legacy tables: --map needs --legacy-table, which also finds a
    // table under any name.
    let url = legacy_db(pg, "two_tables", &format!("{FLYWAY}{SQLX}"));
    let shown = adopt(dir, pg, &url, &[]);
    assert_code(&shown, 0);
    assert!(stdout(&shown).contains("flyway history in public.flyway_schema_history"));
    assert!(stdout(&shown).contains("sqlx history in public._sqlx_migrations"));
    let o = adopt(dir, pg, &url, &["--map", BY_POSITION_1_10, "--no-stamp"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("found 2 legacy tracking tables: public._sqlx_migrations (sqlx), public.flyway_schema_history (flyway); say which one --map is for with --legacy-table"),
        "{}",
        stderr(&o)
    );
    nothing_written(dir, &url, t);
    psql(
        &url,
        "ALTER TABLE flyway_schema_history RENAME TO history_of_v1",
    );
    let o = adopt(
        dir,
        pg,
        &url,
        &[
            "--legacy-table",
            "public.history_of_v1",
            "--map",
            BY_POSITION_1_10,
            "--no-stamp",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("adopt: 10 migrations recorded up to 10 in public.schema_migrations from public.history_of_v1 (flyway)"),
        "{}",
        stdout(&o)
    );
    // The other tool's table is one extra table for the drift check: its
    // NOT NULL columns and primary key do not block on their own.
    assert!(
        stdout(&o).contains("note: 1 difference between the database and migrations/ up to 10 that does not block adoption"),
        "{}",
        stdout(&o)
    );
    let o = adopt(dir, pg, &url, &["--legacy-table", "public.nothing_here"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("there is no table public.nothing_here in"),
        "{}",
        stderr(&o)
    );

    // No legacy table at all.
    psql(&pg.url(), "CREATE DATABASE bare TEMPLATE built");
    let o = adopt(dir, pg, &pg.url_for("bare"), &[]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("no legacy tracking table in"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--legacy-table"), "{}", stderr(&o));
}

#[test]
fn refuses_a_database_that_does_not_match_the_mapped_migrations_unless_forced() {
    // The legacy history says 1..10 ran, but the schema holds only 01..08.
    let (pg, sums) = cluster_with_built(8);
    let dir = demo_project();
    let dir = dir.path();
    let url = legacy_db(&pg, "drifted", HAND_ROLLED);
    let t = "public.touchpoint_migrations";
    let map = "1=01,2=02,3=03,4=03,5=04,6=05,7=06,8=07,9=08,10=09,11=10";
    let o = adopt(dir, &pg, &url, &["--tracking-table", t, "--map", map]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("the database does not match migrations/ up to 10 replayed"),
        "{err}"
    );
    // 09 adds indexes, 10 columns, types and constraints: all missing
    // (more than 20 findings: the first 20 shown).
    assert!(
        err.contains("  missing column service_ops.packet_decision.utn: text\n"),
        "{err}"
    );
    assert!(
        err.contains(" more; the full report: `cargo xtask migration drift --from migrations --tracking-table public.touchpoint_migrations`"),
        "{err}"
    );
    assert!(
        err.contains("See the full report with `cargo xtask migration drift --from migrations --tracking-table public.touchpoint_migrations`"),
        "{err}"
    );
    assert!(err.contains("--force --reason"), "{err}");
    assert!(err.contains("nothing was recorded"), "{err}");
    nothing_written(dir, &url, t);
    // The report it points to says the same.
    let report = xtask_db(
        dir,
        &url,
        &[
            "migration",
            "drift",
            "--from",
            "migrations",
            "--tracking-table",
            t,
            "--shadow-url",
            &pg.url(),
        ],
    );
    assert_code(&report, 1);
    assert!(
        stdout(&report).contains("service_ops.packet_decision.utn"),
        "{}",
        stdout(&report)
    );

    let o = adopt(
        dir,
        &pg,
        &url,
        &[
            "--tracking-table",
            t,
            "--map",
            map,
            "--force",
            "--reason",
            "09 and 10 were rolled back by hand in 2025 (OPS-12)",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("recording anyway (--force)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(psql(&url, &format!("SELECT count(*) FROM {t}")), "10");
    let note = psql(
        &url,
        &format!("SELECT note FROM {t} WHERE version LIKE '%\\_10\\_%'"),
    );
    assert!(
        note.starts_with(
            "adopt: from hand-rolled version 11 in public.schema_migrations; forced past "
        ),
        "{note}"
    );
    assert!(
        note.ends_with(": 09 and 10 were rolled back by hand in 2025 (OPS-12)"),
        "{note}"
    );
    let recorded = psql(
        &url,
        &format!("SELECT string_agg(version || ':' || checksum, E'\\n' ORDER BY version) FROM {t} WHERE version < '2026-11'"),
    );
    assert_eq!(recorded.lines().collect::<Vec<_>>(), sums);
}

#[test]
fn adopts_into_a_history_touchpoint_already_keeps_in_its_own_schema() {
    // 01 was baselined into ops.touchpoint_history before: the drift check
    // leaves that schema and table out, and 01 is not recorded again.
    let (pg, sums) = cluster_with_built(8);
    let dir = demo_project();
    let dir = dir.path();
    let url = legacy_db(&pg, "golang", "
        CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
        INSERT INTO schema_migrations VALUES (8, false);");
    let t = "ops.touchpoint_history";
    assert_code(
        &xtask_db(
            dir,
            &url,
            &[
                "migration",
                "baseline",
                "--to",
                "1",
                "--reason",
                "first step",
                "--tracking-table",
                t,
                "--no-stamp",
            ],
        ),
        0,
    );
    // The report as JSON.
    let o = adopt(dir, &pg, &url, &["--tracking-table", t, "--format", "json"]);
    assert_code(&o, 0);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let found = &shown["legacy_tables"][0];
    assert_eq!(found["tool"], "golang-migrate", "{shown}");
    assert_eq!(found["table"], "public.schema_migrations", "{shown}");
    assert_eq!(found["applied"], 1, "{shown}");
    assert_eq!(found["latest"], "8", "{shown}");
    assert_eq!(found["map"], "8=08", "{shown}");
    assert_eq!(found["tracking_table_collision"], false, "{shown}");
    assert_eq!(shown["tracking_table"], t, "{shown}");

    let o = adopt(
        dir,
        &pg,
        &url,
        &["--tracking-table", t, "--map", "8=08", "--format", "json"],
    );
    assert_code(&o, 0);
    let out: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(out["tool"], "golang-migrate");
    assert_eq!(out["recorded"].as_array().unwrap().len(), 7, "{out}");
    assert_eq!(
        out["already_recorded"].as_array().unwrap().len(),
        1,
        "{out}"
    );
    assert_eq!(
        psql(
            &url,
            &format!("SELECT string_agg(kind, ',' ORDER BY version) FROM {t}")
        ),
        "baseline,adopt,adopt,adopt,adopt,adopt,adopt,adopt"
    );
    let recorded = psql(
        &url,
        &format!("SELECT string_agg(version || ':' || checksum, E'\\n' ORDER BY version) FROM {t}"),
    );
    assert_eq!(recorded.lines().collect::<Vec<_>>(), sums);
    assert_eq!(table_rows(&url, "schema_migrations"), "(8,f)");
    // apply now runs 09 and 10 only.
    let o = xtask_db(
        dir,
        &url,
        &["migration", "apply", "--no-stamp", "--tracking-table", t],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("applied 2 migrations"),
        "{}",
        stdout(&o)
    );
}
