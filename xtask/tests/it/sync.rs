//! `migration sync` against real throwaway clusters: the round trip (files
//! load into an empty database that then equals the source, by the
//! introspection model and by pg_dump), byte-identical re-syncs, placement,
//! SOURCE OF TRUTH lines, `--check`, DOWNSTREAM commands.

use std::fs;
use std::path::Path;

use crate::support::{assert_code, migration, psql, stderr, stdout, write, xtask, xtask_db};
use touchpoint::pg::connect::Database;
use touchpoint::pg::Throwaway;
use touchpoint::schema::roundtrip;

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(dir.join("current_schema"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sql"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The demo set applied into database `db` of `pg`, synced into `dir`.
fn demo_synced(pg: &Throwaway, db: &str) -> tempfile::TempDir {
    psql(&pg.url(), &format!("CREATE DATABASE {db}"));
    let dir = crate::support::demo_project();
    let url = pg.url_for(db);
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--no-stamp"]),
        0,
    );
    let out = xtask_db(
        dir.path(),
        &url,
        &["migration", "sync", "--shadow-url", &pg.url()],
    );
    assert_code(&out, 0);
    dir
}

fn round_trip(pg: &Throwaway, source: &str, copy: &str) -> roundtrip::RoundTrip {
    let server = Database::from_conninfo(&pg.url(), |_| None).unwrap();
    touchpoint::pg::block_on(async {
        let admin = server.connect("test").await.unwrap();
        roundtrip::run(&admin, &server, source, copy).await.unwrap()
    })
}

#[test]
fn demo_set_round_trips_and_resyncs_to_identical_bytes() {
    let pg = Throwaway::start().unwrap();
    let dir = demo_synced(&pg, "a");
    let written = files(dir.path());
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "01_foundations.sql",
            "02_integration.sql",
            "03_service_ops.sql"
        ]
    );
    for (name, text) in &written {
        assert_eq!(
            touchpoint::schema::banner::check(text),
            touchpoint::schema::banner::BannerState::Intact,
            "{name}"
        );
    }

    // A second sync writes the same bytes and says so.
    let again = xtask_db(
        dir.path(),
        &pg.url_for("a"),
        &["migration", "sync", "--shadow-url", &pg.url()],
    );
    assert_code(&again, 0);
    assert!(
        stdout(&again).contains("is up to date"),
        "{}",
        stdout(&again)
    );
    assert_eq!(files(dir.path()), written);

    // Files load into an empty database equal to the source: by the model
    // (rendering the copy gives the same bytes) and by pg_dump.
    let rt = round_trip(&pg, "a", "b");
    assert!(
        rt.ok(),
        "render: {:?}\npg_dump: {:#?}",
        rt.render_diff,
        rt.dump_diff
    );
    let from_lib: Vec<(String, String)> = rt.files.into_iter().collect();
    assert_eq!(
        from_lib, written,
        "the command and the library render alike"
    );
    assert!(rt.warnings.is_empty(), "{:?}", rt.warnings);

    // Another cluster with the same data writes the same bytes.
    let other = Throwaway::start().unwrap();
    let dir2 = demo_synced(&other, "elsewhere");
    assert_eq!(files(dir2.path()), written);
}

const EVERY_KIND: &str = r#"
CREATE ROLE sync_reader;
CREATE EXTENSION citext;
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the app''s schema';
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.positive AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text COLLATE "C");
CREATE SEQUENCE app.ticket_seq AS integer START WITH 100 INCREMENT BY 5 CACHE 10;
CREATE FUNCTION app.is_short(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT length(t) < 10 $$;
CREATE TABLE app.account (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2),
    email citext NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    score app.positive,
    code text COLLATE "C" CHECK (app.is_short(code)),
    doubled integer GENERATED ALWAYS AS (score * 2) STORED,
    ticket integer DEFAULT nextval('app.ticket_seq'),
    legacy serial,
    during tsrange,
    PRIMARY KEY (id),
    EXCLUDE USING gist (during WITH &&)
) WITH (fillfactor = 90);
COMMENT ON TABLE app.account IS 'people';
COMMENT ON COLUMN app.account.email IS 'unique, case-insensitive';
ALTER TABLE app.account ADD CONSTRAINT account_score_small CHECK (score < 1000) NOT VALID;
CREATE UNLOGGED TABLE app.event (id bigint PRIMARY KEY, account_id bigint, payload jsonb);
ALTER TABLE app.event ADD CONSTRAINT event_account_fk FOREIGN KEY (account_id) REFERENCES app.account (id) NOT VALID;
CREATE INDEX event_payload_idx ON app.event USING gin (payload) WHERE account_id IS NOT NULL;
CREATE INDEX event_lower_idx ON app.event ((payload->>'kind'));
ALTER TABLE app.event REPLICA IDENTITY FULL;
CREATE TABLE app.measure (at date NOT NULL, value numeric) PARTITION BY RANGE (at);
CREATE TABLE app.measure_2026 PARTITION OF app.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX measure_at ON app.measure (at);
CREATE TABLE app.base (id integer);
CREATE TABLE app.child (extra text) INHERITS (app.base);
CREATE VIEW app.happy AS SELECT id, email FROM app.account WHERE mood = 'happy';
COMMENT ON VIEW app.happy IS 'cheerful accounts';
CREATE MATERIALIZED VIEW app.mood_count AS SELECT mood, count(*) AS n FROM app.account GROUP BY mood;
CREATE UNIQUE INDEX mood_count_mood ON app.mood_count (mood);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE app.tidy(keep integer) LANGUAGE sql AS $$ DELETE FROM app.event WHERE id < keep $$;
CREATE TRIGGER account_touch BEFORE UPDATE ON app.account FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.account DISABLE TRIGGER account_touch;
ALTER TABLE app.account ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON app.account AS RESTRICTIVE FOR SELECT TO sync_reader USING (mood <> 'sad');
GRANT SELECT, UPDATE ON app.account TO sync_reader;
GRANT SELECT ON app.happy TO sync_reader WITH GRANT OPTION;
CREATE SCHEMA "Odd Name";
CREATE TABLE "Odd Name"."select" ("from" text, "Mixed" int);
"#;

#[test]
fn every_object_kind_round_trips_and_extension_objects_stay_out() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE kinds");
    psql(&pg.url_for("kinds"), EVERY_KIND);
    let rt = round_trip(&pg, "kinds", "kinds_copy");
    assert!(
        rt.ok(),
        "render: {:?}\npg_dump: {:#?}",
        rt.render_diff,
        rt.dump_diff
    );
    let all: String = rt.files.values().cloned().collect();
    for expected in [
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;",
        "CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');",
        "CREATE DOMAIN app.positive AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK ((VALUE > 0));",
        "CREATE SEQUENCE IF NOT EXISTS app.ticket_seq AS integer START WITH 100 INCREMENT BY 5 CACHE 10;",
        "id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) NOT NULL,",
        "doubled integer GENERATED ALWAYS AS (((score)::integer * 2)) STORED,",
        "ALTER SEQUENCE app.account_legacy_seq OWNED BY app.account.legacy;",
        "ALTER TABLE app.account ADD CONSTRAINT account_score_small CHECK (((score)::integer < 1000)) NOT VALID;",
        "ALTER TABLE app.event ADD CONSTRAINT event_account_fk FOREIGN KEY (account_id) REFERENCES app.account(id) NOT VALID;",
        "CREATE UNLOGGED TABLE IF NOT EXISTS app.event (",
        "PARTITION OF app.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        ") INHERITS (app.base);",
        "CREATE OR REPLACE VIEW app.happy AS",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS app.mood_count AS",
        "ALTER TABLE app.account DISABLE TRIGGER account_touch;",
        "CREATE POLICY own_rows ON app.account AS RESTRICTIVE FOR SELECT TO sync_reader USING ((mood <> 'sad'::app.mood));",
        "GRANT SELECT, UPDATE ON TABLE app.account TO sync_reader;",
        "GRANT SELECT ON TABLE app.happy TO sync_reader WITH GRANT OPTION;",
        "COMMENT ON SCHEMA app IS 'the app''s schema';",
        "CREATE TABLE IF NOT EXISTS \"Odd Name\".\"select\" (",
        "CREATE OR REPLACE PROCEDURE app.tidy(",
        "ALTER TABLE app.event REPLICA IDENTITY FULL;",
        ") WITH (fillfactor=90);",
        // pg_get_indexdef says `ON ONLY` for a partitioned table's index (it
        // does not recurse); the rendering recurses, and the partitions'
        // attached indexes are left to it.
        "CREATE INDEX IF NOT EXISTS measure_at ON app.measure USING btree (at);",
    ] {
        assert!(all.contains(expected), "missing `{expected}` in:\n{all}");
    }
    assert!(!all.contains("measure_2026_at_idx"), "{all}");
    // citext's own functions, types and operators are the extension's.
    assert!(!all.contains("FUNCTION public.citext"), "{all}");
    assert!(!all.contains("citext_ops"), "{all}");
    // What is not modelled is said, not dropped in silence.
    psql(
        &pg.url_for("kinds"),
        "CREATE TEXT SEARCH TEMPLATE app.tmpl (INIT = dsimple_init, LEXIZE = dsimple_lexize)",
    );
    let rt = round_trip(&pg, "kinds", "kinds_copy2");
    assert!(
        rt.dump_diff.iter().all(|l| !l.starts_with("+"))
            && rt.dump_diff[0].contains("CREATE TEXT SEARCH TEMPLATE app.tmpl ("),
        "{:?}",
        rt.dump_diff
    );
    assert!(
        rt.warnings
            .iter()
            .any(|w| w.contains("text search template") && w.contains("app.tmpl")),
        "{:?}",
        rt.warnings
    );
}

fn small_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/2026-11-01_01_core.sql",
        &migration(
            1,
            "Core",
            "CREATE SCHEMA IF NOT EXISTS core;\nCREATE TABLE IF NOT EXISTS core.customer (id bigint PRIMARY KEY, name text NOT NULL);",
        ),
    );
    dir
}

#[test]
fn source_of_truth_lines_point_at_the_objects_and_placement_is_sticky() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE p");
    let dir = small_project();
    let d = dir.path();
    write(
        d,
        "touchpoint.conf",
        "[layout]\n02_customers.sql = core.customer*\n",
    );
    let url = pg.url_for("p");
    let shadow = pg.url();
    assert_code(&xtask_db(d, &url, &["migration", "apply"]), 0);
    let out = xtask_db(d, &url, &["migration", "sync", "--shadow-url", &shadow]);
    assert_code(&out, 0);
    assert!(d.join("current_schema/02_customers.sql").exists());

    // The layout changes its mind; the table stays where it is, a new table
    // goes where the layout says now.
    write(
        d,
        "touchpoint.conf",
        "[layout]\n03_everything.sql = core.*\n",
    );
    write(
        d,
        "migrations/2026-11-02_02_orders.sql",
        &migration(
            2,
            "Orders",
            "CREATE TABLE IF NOT EXISTS core.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES core.customer (id));\nALTER TABLE core.customer ADD COLUMN IF NOT EXISTS email text;",
        ),
    );
    assert_code(&xtask_db(d, &url, &["migration", "apply"]), 0);
    let out = xtask_db(d, &url, &["migration", "sync", "--shadow-url", &shadow]);
    assert_code(&out, 0);
    let customers = fs::read_to_string(d.join("current_schema/02_customers.sql")).unwrap();
    let everything = fs::read_to_string(d.join("current_schema/03_everything.sql")).unwrap();
    assert!(
        customers.contains("-- table: core.customer\n"),
        "{customers}"
    );
    assert!(
        everything.contains("-- table: core.orders\n"),
        "{everything}"
    );
    // The foreign key needs both tables: it sits in the later file.
    assert!(everything.contains("-- constraint: core.orders.orders_customer_id_fkey\n"));

    // Migration 02's SOURCE OF TRUTH lines name its objects, at the right lines.
    let m2 = fs::read_to_string(d.join("migrations/2026-11-02_02_orders.sql")).unwrap();
    let items: Vec<&str> = m2
        .lines()
        .filter(|l| l.starts_with("--   [x] current_schema/"))
        .collect();
    assert!(items.len() >= 3, "{m2}");
    for item in &items {
        let rest = item.trim_start_matches("--   [x] current_schema/");
        let (file, rest) = rest.split_once(" (Line ").unwrap();
        let (line, rest) = rest.split_once(": ").unwrap();
        let (kind_and_name, _) = rest.rsplit_once(' ').unwrap();
        let text = fs::read_to_string(d.join("current_schema").join(file)).unwrap();
        let at = text
            .lines()
            .nth(line.parse::<usize>().unwrap() - 1)
            .unwrap();
        let marker = format!("-- {}", kind_and_name.replacen(' ', ": ", 1));
        assert!(
            marker.starts_with(at) || at.starts_with(&marker),
            "{item}: line {line} of {file} is `{at}`"
        );
    }
    assert!(
        items
            .iter()
            .any(|i| i.contains("table core.customer columns added: email")),
        "{items:?}"
    );
    assert!(!m2.contains("XX_file.sql"), "the template line is replaced");
    assert!(m2.contains("--   [x] Source of truth synced 2"), "{m2}");
    // Migration 01 was synced by the first run and keeps its lines.
    let m1 = fs::read_to_string(d.join("migrations/2026-11-01_01_core.sql")).unwrap();
    assert!(m1.contains("(Line 9: schema core created)"), "{m1}");
}

#[test]
fn check_fails_with_a_diff_when_files_are_stale_and_passes_after_sync() {
    let pg = Throwaway::start().unwrap();
    let dir = small_project();
    let d = dir.path();
    let shadow = pg.url();
    let out = xtask(
        d,
        &["migration", "sync", "--check", "--shadow-url", &shadow],
    );
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("cargo xtask migration sync --from migrations"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("+CREATE SCHEMA IF NOT EXISTS core;"),
        "{}",
        stdout(&out)
    );

    let out = xtask(
        d,
        &[
            "migration",
            "sync",
            "--from",
            "migrations",
            "--shadow-url",
            &shadow,
        ],
    );
    assert_code(&out, 0);
    let out = xtask(
        d,
        &["migration", "sync", "--check", "--shadow-url", &shadow],
    );
    assert_code(&out, 0);

    // An edit by hand makes the check fail again.
    let path = d.join("current_schema/02_core.sql");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("name text NOT NULL", "name text")).unwrap();
    let out = xtask(
        d,
        &["migration", "sync", "--check", "--shadow-url", &shadow],
    );
    assert_code(&out, 1);
    assert!(stdout(&out).contains("-    name text,"), "{}", stdout(&out));
    // sync puts the database's truth back, and says it replaced an edit.
    let out = xtask(
        d,
        &[
            "migration",
            "sync",
            "--from",
            "migrations",
            "--shadow-url",
            &shadow,
        ],
    );
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("02_core.sql was edited by hand"),
        "{}",
        stderr(&out)
    );
    let out = xtask(
        d,
        &["migration", "sync", "--check", "--shadow-url", &shadow],
    );
    assert_code(&out, 0);
}

#[test]
fn downstream_commands_tick_their_line_and_a_failure_leaves_it_open() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE ds");
    let dir = small_project();
    let d = dir.path();
    write(
        d,
        "touchpoint.conf",
        "[downstream]\nBridge schemas = echo \"$TOUCHPOINT_MIGRATION\" > bridge.txt\nTypeScript types = echo generator broke >&2; exit 3\n",
    );
    let url = pg.url_for("ds");
    assert_code(&xtask_db(d, &url, &["migration", "apply"]), 0);
    let out = xtask_db(d, &url, &["migration", "sync", "--shadow-url", &pg.url()]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("generator broke"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("TypeScript types updated"),
        "{}",
        stderr(&out)
    );
    let m = fs::read_to_string(d.join("migrations/2026-11-01_01_core.sql")).unwrap();
    assert!(m.contains("--   [x] Bridge schemas updated"), "{m}");
    assert!(m.contains("--   [ ] TypeScript types updated"), "{m}");
    assert_eq!(
        fs::read_to_string(d.join("bridge.txt")).unwrap().trim(),
        "migrations/2026-11-01_01_core.sql"
    );
}

#[test]
fn a_hand_written_file_and_a_bad_config_are_refused() {
    let dir = small_project();
    let d = dir.path();
    write(d, "current_schema/00_legacy.sql", "CREATE TABLE t ();\n");
    let out = xtask(d, &["migration", "sync", "--check"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("current_schema/00_legacy.sql has no generated banner"),
        "{}",
        stderr(&out)
    );
    fs::remove_file(d.join("current_schema/00_legacy.sql")).unwrap();
    write(d, "touchpoint.conf", "[layout]\n02_x.sql = kind:tabel\n");
    let out = xtask(d, &["migration", "sync", "--check"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("touchpoint.conf:2: unknown kind `tabel`"),
        "{}",
        stderr(&out)
    );
}

/// The demo fixture's current_schema/ is what sync writes from its
/// migrations (the repository's own is checked by `.ci/run`).
#[test]
fn demo_current_schema_matches_the_migrations() {
    let pg = Throwaway::start().unwrap();
    let project = crate::support::demo_project();
    let root = project.path();
    crate::support::copy_dir(
        &crate::support::fixture_dir().join("current_schema"),
        &root.join("current_schema"),
    );
    let out = xtask(
        root,
        &["migration", "sync", "--check", "--shadow-url", &pg.url()],
    );
    assert_code(&out, 0);
}

/// A slice of the pg-delta corpus through the round trip (the whole corpus
/// is `cargo xtask dev corpus`, see docs/sync.md).
#[test]
fn corpus_slice_round_trips() {
    let dir = crate::support::repo_root().join("xtask/tests/corpus");
    let scratch = tempfile::tempdir().unwrap();
    let out = xtask(
        scratch.path(),
        &[
            "dev",
            "corpus",
            "--dir",
            dir.to_str().unwrap(),
            "--show",
            "40",
        ],
    );
    assert_code(&out, 0);
    assert!(stdout(&out).contains(" 0 failed"), "{}", stdout(&out));
}
