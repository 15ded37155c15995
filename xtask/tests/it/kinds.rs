//! The kinds held as their statements (collations, aggregates, default
//! privileges, event triggers, foreign-data wrappers, servers, user
//! mappings, foreign tables, rules, publications, subscriptions, statistics
//! objects, text search dictionaries and configurations, operators,
//! operator classes and families, casts), range
//! types, grants on functions, types, schemas and columns, and column
//! storage and statistics, on a real throwaway cluster: each round-trips through sync's rendering (`pg_dump -s` equal),
//! and drift finds it missing, extra and changed, with a catch-up script
//! that converges when run twice.

use std::path::Path;
use std::process::Command;

use crate::support::{create_database, server};
use touchpoint::drift::{self, Change, Difference};
use touchpoint::pg::Throwaway;
use touchpoint::schema::catalog::{self, Catalog};
use touchpoint::schema::roundtrip;

/// One kind: what every state has, the object (`a`), and the object changed
/// (`b`).
struct Case {
    kind: &'static str,
    base: &'static str,
    a: &'static str,
    b: &'static str,
    /// The catch-up script makes a changed one the expected one (a changed
    /// collation is left for a person: columns may use it).
    changed_converges: bool,
}

const TABLES: &str = "
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY, name text, v int);
CREATE TABLE app.log (id int, note text);
";

/// Comparison functions for the operator case.
const OPERATOR_BASE: &str = "
CREATE SCHEMA app;
CREATE TABLE app.t (id int, v int);
CREATE FUNCTION app.abs_lt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) < abs($2)';
CREATE FUNCTION app.abs_gt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) > abs($2)';
CREATE FUNCTION app.abs_eq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT abs($1) = abs($2)';
CREATE FUNCTION app.abs_cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE
    AS 'SELECT CASE WHEN abs($1) < abs($2) THEN -1 WHEN abs($1) > abs($2) THEN 1 ELSE 0 END';
";

const CASES: &[Case] = &[
    Case {
        kind: "collation",
        base: TABLES,
        a: "CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            COMMENT ON COLLATION app.ci IS 'case-insensitive';
            CREATE COLLATION app.posix (lc_collate = 'C', lc_ctype = 'POSIX');",
        b: "CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level1', deterministic = false);
            COMMENT ON COLLATION app.ci IS 'case-insensitive';
            CREATE COLLATION app.posix (lc_collate = 'C', lc_ctype = 'POSIX');",
        changed_converges: false,
    },
    Case {
        kind: "aggregate",
        base: "CREATE SCHEMA app;
               CREATE FUNCTION app.add(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';",
        a: "CREATE AGGREGATE app.mysum(int) (SFUNC = app.add, STYPE = int, INITCOND = '0', PARALLEL = SAFE);
            COMMENT ON AGGREGATE app.mysum(int) IS 'a sum';
            CREATE AGGREGATE app.pct(float8 ORDER BY float8) (SFUNC = ordered_set_transition, STYPE = internal,
                FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);",
        b: "CREATE AGGREGATE app.mysum(int) (SFUNC = app.add, STYPE = int, INITCOND = '1', PARALLEL = SAFE);
            REVOKE ALL ON FUNCTION app.mysum(int) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION app.mysum(int) TO CURRENT_USER;
            COMMENT ON AGGREGATE app.mysum(int) IS 'a sum';
            CREATE AGGREGATE app.pct(float8 ORDER BY float8) (SFUNC = ordered_set_transition, STYPE = internal,
                FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);",
        changed_converges: true,
    },
    Case {
        kind: "default privileges",
        base: TABLES,
        a: "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;
            ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
        b: "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO PUBLIC;
            ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
        changed_converges: true,
    },
    Case {
        kind: "event trigger",
        base: "CREATE SCHEMA app;
               CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;",
        a: "CREATE EVENT TRIGGER app_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
                EXECUTE FUNCTION app.on_ddl();
            ALTER EVENT TRIGGER app_ddl DISABLE;
            COMMENT ON EVENT TRIGGER app_ddl IS 'audit';",
        b: "CREATE EVENT TRIGGER app_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
                EXECUTE FUNCTION app.on_ddl();
            COMMENT ON EVENT TRIGGER app_ddl IS 'audit';",
        changed_converges: true,
    },
    Case {
        kind: "foreign server",
        base: "CREATE SCHEMA app;",
        a: "CREATE FOREIGN DATA WRAPPER wrapper OPTIONS (debug 'true');
            CREATE SERVER remote FOREIGN DATA WRAPPER wrapper OPTIONS (host 'example.org', port '5432');
            CREATE USER MAPPING FOR PUBLIC SERVER remote OPTIONS (user 'reader');",
        b: "CREATE FOREIGN DATA WRAPPER wrapper;
            CREATE SERVER remote VERSION '2' FOREIGN DATA WRAPPER wrapper OPTIONS (host 'example.org', dbname 'x');
            CREATE USER MAPPING FOR PUBLIC SERVER remote OPTIONS (user 'writer');",
        changed_converges: true,
    },
    Case {
        kind: "foreign table",
        base: "CREATE SCHEMA app;
               CREATE FOREIGN DATA WRAPPER wrapper;
               CREATE SERVER remote FOREIGN DATA WRAPPER wrapper;",
        a: "CREATE FOREIGN TABLE app.ft (
                id int OPTIONS (column_name 'ID') NOT NULL,
                note text,
                CONSTRAINT ft_positive CHECK (id > 0)
            ) SERVER remote OPTIONS (table_name 'remote_t');
            COMMENT ON FOREIGN TABLE app.ft IS 'rows elsewhere';",
        b: "CREATE FOREIGN TABLE app.ft (
                id int OPTIONS (column_name 'ID') NOT NULL,
                note varchar(10),
                CONSTRAINT ft_positive CHECK (id > 1)
            ) SERVER remote OPTIONS (schema_name 'elsewhere', table_name 'other');
            COMMENT ON FOREIGN TABLE app.ft IS 'rows elsewhere';",
        changed_converges: true,
    },
    Case {
        kind: "rule",
        base: TABLES,
        a: "CREATE RULE t_log AS ON DELETE TO app.t DO ALSO INSERT INTO app.log VALUES (old.id, 'deleted');
            COMMENT ON RULE t_log ON app.t IS 'audit';",
        b: "CREATE RULE t_log AS ON DELETE TO app.t DO ALSO INSERT INTO app.log VALUES (old.id, 'gone');
            COMMENT ON RULE t_log ON app.t IS 'audit';",
        changed_converges: true,
    },
    Case {
        kind: "function",
        base: "CREATE SCHEMA app;
               DO $$ BEGIN CREATE ROLE kinds_caller; EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
        a: "CREATE FUNCTION app.secret() RETURNS int LANGUAGE sql AS 'SELECT 1';
            REVOKE ALL ON FUNCTION app.secret() FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION app.secret() TO kinds_caller WITH GRANT OPTION;
            CREATE PROCEDURE app.tidy() LANGUAGE sql AS 'SELECT 1';
            GRANT EXECUTE ON PROCEDURE app.tidy() TO kinds_caller;",
        b: "CREATE FUNCTION app.secret() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE PROCEDURE app.tidy() LANGUAGE sql AS 'SELECT 1';",
        changed_converges: true,
    },
    Case {
        kind: "publication",
        base: TABLES,
        a: "CREATE PUBLICATION pub FOR TABLE app.t (id, name) WHERE (id > 10), app.log WITH (publish = 'insert, update');
            CREATE PUBLICATION pub_schema FOR TABLES IN SCHEMA app;",
        b: "CREATE PUBLICATION pub FOR TABLE app.t WHERE (id > 20) WITH (publish = 'insert');
            CREATE PUBLICATION pub_schema FOR TABLES IN SCHEMA app;",
        changed_converges: true,
    },
    Case {
        kind: "subscription",
        base: "CREATE SCHEMA app;",
        a: "CREATE SUBSCRIPTION sub CONNECTION 'host=localhost dbname=elsewhere' PUBLICATION p
                WITH (connect = false, slot_name = NONE, binary = true, synchronous_commit = local);
            COMMENT ON SUBSCRIPTION sub IS 'replica';",
        b: "CREATE SUBSCRIPTION sub CONNECTION 'host=localhost dbname=other' PUBLICATION p, q
                WITH (connect = false, slot_name = NONE, streaming = on);
            COMMENT ON SUBSCRIPTION sub IS 'replica';",
        changed_converges: true,
    },
    Case {
        kind: "statistics",
        base: TABLES,
        a: "CREATE STATISTICS app.t_stats (ndistinct, dependencies) ON id, v FROM app.t;
            ALTER STATISTICS app.t_stats SET STATISTICS 500;
            COMMENT ON STATISTICS app.t_stats IS 'correlated';
            CREATE STATISTICS app.t_expr ON (lower(name)), v FROM app.t;",
        b: "CREATE STATISTICS app.t_stats (mcv) ON id, v FROM app.t;
            COMMENT ON STATISTICS app.t_stats IS 'correlated';
            CREATE STATISTICS app.t_expr ON (lower(name)), v FROM app.t;",
        changed_converges: true,
    },
    Case {
        kind: "text search dictionary",
        base: "CREATE SCHEMA app;",
        // A configuration uses it: a changed one is altered in place.
        a: "CREATE TEXT SEARCH DICTIONARY app.en_stem (TEMPLATE = snowball, language = 'english', stopwords = 'english');
            COMMENT ON TEXT SEARCH DICTIONARY app.en_stem IS 'stems';
            CREATE TEXT SEARCH CONFIGURATION app.en (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION app.en ALTER MAPPING FOR asciiword WITH app.en_stem;",
        b: "CREATE TEXT SEARCH DICTIONARY app.en_stem (TEMPLATE = snowball, language = 'english');
            COMMENT ON TEXT SEARCH DICTIONARY app.en_stem IS 'stems';
            CREATE TEXT SEARCH CONFIGURATION app.en (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION app.en ALTER MAPPING FOR asciiword WITH app.en_stem;",
        changed_converges: true,
    },
    Case {
        kind: "text search configuration",
        base: "CREATE SCHEMA app;
               CREATE TEXT SEARCH DICTIONARY app.plain (TEMPLATE = pg_catalog.simple);",
        // Columns and indexes use it: a changed one is altered in place.
        a: "CREATE TEXT SEARCH CONFIGURATION app.doc (COPY = pg_catalog.english);
            ALTER TEXT SEARCH CONFIGURATION app.doc ALTER MAPPING FOR asciiword WITH app.plain, english_stem;
            COMMENT ON TEXT SEARCH CONFIGURATION app.doc IS 'documents';
            CREATE TABLE app.docs (body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('app.doc', body)) STORED);
            CREATE INDEX docs_body ON app.docs USING gin (to_tsvector('app.doc'::regconfig, body));",
        b: "CREATE TEXT SEARCH CONFIGURATION app.doc (PARSER = pg_catalog.\"default\");
            ALTER TEXT SEARCH CONFIGURATION app.doc ADD MAPPING FOR asciiword, word WITH app.plain;
            COMMENT ON TEXT SEARCH CONFIGURATION app.doc IS 'documents';
            CREATE TABLE app.docs (body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('app.doc', body)) STORED);
            CREATE INDEX docs_body ON app.docs USING gin (to_tsvector('app.doc'::regconfig, body));",
        changed_converges: true,
    },
    Case {
        kind: "operator",
        base: OPERATOR_BASE,
        a: "CREATE OPERATOR app.<| (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_lt,
                COMMUTATOR = OPERATOR(app.|>), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
            CREATE OPERATOR app.|> (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_gt, COMMUTATOR = OPERATOR(app.<|));
            CREATE OPERATOR app.=| (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_eq, COMMUTATOR = OPERATOR(app.=|));
            CREATE OPERATOR app.~| (RIGHTARG = int, FUNCTION = pg_catalog.int4abs);
            COMMENT ON OPERATOR app.<| (int, int) IS 'closer to zero';
            CREATE OPERATOR CLASS app.abs_ops FOR TYPE int USING btree AS
                OPERATOR 1 app.<|, OPERATOR 3 app.=|, OPERATOR 5 app.|>, FUNCTION 1 app.abs_cmp(int, int);
            CREATE INDEX t_abs ON app.t (v app.abs_ops);
            CREATE OPERATOR FAMILY app.loose USING btree;
            ALTER OPERATOR FAMILY app.loose USING btree ADD OPERATOR 1 app.<| (int, int), FUNCTION 1 (int, int) app.abs_cmp(int, int);",
        // What an operator class uses cannot be dropped: only the operator
        // and family no class holds change.
        b: "CREATE OPERATOR app.<| (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_lt,
                COMMUTATOR = OPERATOR(app.|>), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
            CREATE OPERATOR app.|> (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_gt, COMMUTATOR = OPERATOR(app.<|));
            CREATE OPERATOR app.=| (LEFTARG = int, RIGHTARG = int, FUNCTION = app.abs_eq, COMMUTATOR = OPERATOR(app.=|));
            CREATE OPERATOR app.~| (RIGHTARG = bigint, FUNCTION = pg_catalog.int8abs);
            CREATE OPERATOR app.~| (RIGHTARG = int, FUNCTION = pg_catalog.int4um);
            COMMENT ON OPERATOR app.<| (int, int) IS 'nearer';
            CREATE OPERATOR CLASS app.abs_ops FOR TYPE int USING btree AS
                OPERATOR 1 app.<|, OPERATOR 3 app.=|, OPERATOR 5 app.|>, FUNCTION 1 app.abs_cmp(int, int);
            CREATE INDEX t_abs ON app.t (v app.abs_ops);
            CREATE OPERATOR FAMILY app.loose USING btree;
            ALTER OPERATOR FAMILY app.loose USING btree ADD FUNCTION 1 (int, int) app.abs_cmp(int, int);",
        changed_converges: true,
    },
    Case {
        kind: "cast",
        base: "CREATE SCHEMA app;
               CREATE TYPE app.pt AS (x int, y int);
               CREATE FUNCTION app.pt_text(app.pt) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT $1.x || ',' || $1.y$$;",
        a: "CREATE CAST (app.pt AS text) WITH FUNCTION app.pt_text(app.pt) AS ASSIGNMENT;
            COMMENT ON CAST (app.pt AS text) IS 'as x,y';
            CREATE CAST (app.pt AS varchar) WITH INOUT;",
        b: "CREATE CAST (app.pt AS text) WITH FUNCTION app.pt_text(app.pt);
            COMMENT ON CAST (app.pt AS text) IS 'as x,y';
            CREATE CAST (app.pt AS varchar) WITH INOUT AS IMPLICIT;",
        changed_converges: true,
    },
    Case {
        kind: "type",
        base: "CREATE SCHEMA app;
               DO $$ BEGIN CREATE ROLE kinds_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
        a: "CREATE TYPE app.span AS RANGE (subtype = float8, subtype_diff = float8mi);
            CREATE DOMAIN app.code AS text;
            REVOKE ALL ON TYPE app.code FROM PUBLIC;
            GRANT USAGE ON TYPE app.code TO kinds_reader;",
        b: "CREATE TYPE app.span AS RANGE (subtype = float8, multirange_type_name = app.spans);
            CREATE DOMAIN app.code AS text;",
        // A range cannot be altered, and a column may hold it: left.
        changed_converges: false,
    },
    Case {
        kind: "table",
        base: "CREATE SCHEMA app;
               DO $$ BEGIN CREATE ROLE kinds_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
               GRANT USAGE ON SCHEMA app TO kinds_reader;",
        a: "CREATE TABLE app.g (id int, secret text, blob bytea);
            GRANT SELECT ON app.g TO PUBLIC;
            GRANT SELECT (secret), UPDATE (secret) ON app.g TO kinds_reader;
            ALTER TABLE app.g ALTER COLUMN blob SET STORAGE EXTERNAL, ALTER COLUMN id SET STATISTICS 500;
            REVOKE TRUNCATE, DELETE ON app.g FROM CURRENT_USER;",
        b: "CREATE TABLE app.g (id int, secret text, blob bytea);
            GRANT SELECT, INSERT ON app.g TO PUBLIC;
            GRANT SELECT (secret) ON app.g TO kinds_reader WITH GRANT OPTION;
            ALTER TABLE app.g ALTER COLUMN secret SET STORAGE MAIN;",
        changed_converges: true,
    },
];

/// A database name for `kind` and `what`.
fn db(kind: &str, what: &str) -> String {
    format!("{}_{what}", kind.replace(' ', "_"))
}

fn read(pg: &Throwaway, name: &str) -> Catalog {
    let server = server(pg);
    touchpoint::pg::block_on(async {
        let client = server.with_dbname(name).connect("test").await.unwrap();
        catalog::read_for_compare(&client).await.unwrap()
    })
}

fn real(differences: Vec<Difference>) -> Vec<Difference> {
    differences
        .into_iter()
        .filter(|d| d.noise.is_none())
        .collect()
}

fn psql_file(url: &str, file: &Path) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(file).unwrap()
    );
}

#[test]
fn each_kind_round_trips_through_sync() {
    let pg = Throwaway::start().unwrap();
    for case in CASES {
        for (what, object) in [("a", case.a), ("b", case.b)] {
            let source = db(case.kind, what);
            create_database(&pg, &source, &[case.base, object]);
            let copy = format!("{source}_copy");
            let rt = touchpoint::pg::block_on(async {
                let admin = server(&pg).connect("test").await.unwrap();
                roundtrip::run(&admin, &server(&pg), &source, &copy)
                    .await
                    .unwrap()
            });
            assert!(
                rt.ok(),
                "{} ({what}): render {:?}\npg_dump {:#?}",
                case.kind,
                rt.render_diff,
                rt.dump_diff
            );
            let all: String = rt.files.values().cloned().collect();
            assert!(
                all.contains(&format!("\n-- {}: ", case.kind)),
                "{}: no marker in\n{all}",
                case.kind
            );
            assert!(
                rt.warnings.iter().all(|w| !w.contains(case.kind)),
                "{}: {:?}",
                case.kind,
                rt.warnings
            );
        }
    }
}

/// Default privileges load after every object, so that they add nothing
/// to the grants of the objects the files make.
#[test]
fn default_privileges_go_to_the_last_file() {
    let pg = Throwaway::start().unwrap();
    create_database(
        &pg,
        "late",
        &[
            TABLES,
            "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
             CREATE TABLE app.after_default (id int);
             CREATE COLLATION app.c (locale = 'C');",
        ],
    );
    let rt = touchpoint::pg::block_on(async {
        let admin = server(&pg).connect("test").await.unwrap();
        roundtrip::run(&admin, &server(&pg), "late", "late_copy")
            .await
            .unwrap()
    });
    assert!(rt.ok(), "{:?} {:#?}", rt.render_diff, rt.dump_diff);
    let last = rt.files.keys().last().unwrap();
    assert_eq!(last, "99_default_privileges.sql");
    assert!(rt.files[last].contains("-- default privileges: FOR ROLE "));
    assert!(rt.files["01_foundations.sql"].contains("-- collation: app.c\n"));
}

/// Drift between `expected` and `actual` (databases), with the catch-up
/// script run twice on `actual`: the differences before, and those left.
fn drift_and_catch_up(
    pg: &Throwaway,
    expected: &str,
    actual: &str,
) -> (Vec<Difference>, Vec<String>) {
    let want = read(pg, expected);
    let before = real(drift::compare(
        &want,
        &read(pg, actual),
        &Default::default(),
    ));
    let labels = drift::script::Labels {
        actual: "actual",
        expected: "expected",
    };
    let script =
        drift::script::catch_up(&want, &read(pg, actual), &Default::default(), true, &labels);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catch_up.sql");
    std::fs::write(&file, &script.text).unwrap();
    let url = pg.url_for(actual);
    let server = server(pg);
    psql_file(&url, &file);
    let once = roundtrip::dump(&server, actual).unwrap();
    psql_file(&url, &file);
    let twice = roundtrip::dump(&server, actual).unwrap();
    assert_eq!(
        once, twice,
        "the second run changed the schema:\n{}",
        script.text
    );
    let left = real(drift::compare(
        &want,
        &read(pg, actual),
        &Default::default(),
    ))
    .iter()
    .map(|d| format!("{} {}", d.id, d.what()))
    .collect();
    (before, left)
}

fn found(differences: &[Difference], kind: &str, change: Change) -> bool {
    differences
        .iter()
        .any(|d| d.kind().label() == kind && d.change == change)
}

#[test]
fn drift_finds_each_kind_missing_extra_and_changed_and_the_script_converges() {
    let pg = Throwaway::start().unwrap();
    for case in CASES {
        let (base, a, b) = (
            db(case.kind, "base"),
            db(case.kind, "a"),
            db(case.kind, "b"),
        );
        let (missing, extra) = (db(case.kind, "missing"), db(case.kind, "extra"));
        create_database(&pg, &base, &[case.base]);
        create_database(&pg, &a, &[case.base, case.a]);
        create_database(&pg, &b, &[case.base, case.b]);
        create_database(&pg, &missing, &[case.base]);
        create_database(&pg, &extra, &[case.base, case.a]);

        let (before, left) = drift_and_catch_up(&pg, &a, &missing);
        assert!(
            found(&before, case.kind, Change::Missing),
            "{}: {before:#?}",
            case.kind
        );
        assert!(left.is_empty(), "{} missing: left {left:?}", case.kind);

        let (before, left) = drift_and_catch_up(&pg, &base, &extra);
        assert!(
            found(&before, case.kind, Change::Extra),
            "{}: {before:#?}",
            case.kind
        );
        assert!(left.is_empty(), "{} extra: left {left:?}", case.kind);

        let (before, left) = drift_and_catch_up(&pg, &a, &b);
        assert!(
            found(&before, case.kind, Change::Changed),
            "{}: {before:#?}",
            case.kind
        );
        if case.changed_converges {
            assert!(left.is_empty(), "{} changed: left {left:?}", case.kind);
        } else {
            assert!(
                left.iter().any(|l| l.starts_with(case.kind)),
                "{} changed: {left:?}",
                case.kind
            );
        }
    }
}

/// Owners are the project's choice (`owners = true`): off, drift compares
/// none and names them as not compared; on, sync writes them, drift finds
/// each and the catch-up script sets them, or gives them back to the
/// database's owner.
#[test]
fn owners_are_compared_and_set_when_the_project_opts_in() {
    let pg = Throwaway::start().unwrap();
    let base =
        "DO $$ BEGIN CREATE ROLE kinds_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
                CREATE SCHEMA app;
                CREATE TABLE app.t (id int);
                CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
                CREATE STATISTICS app.t_stats ON id, (id + 1) FROM app.t;
                CREATE TEXT SEARCH CONFIGURATION app.doc (COPY = pg_catalog.simple);
                CREATE OPERATOR app.<<< (LEFTARG = int, RIGHTARG = int, FUNCTION = int4lt);
                CREATE OPERATOR FAMILY app.fam USING btree;";
    let owned = "ALTER TABLE app.t OWNER TO kinds_owner;
                 ALTER FUNCTION app.f() OWNER TO kinds_owner;
                 ALTER SCHEMA app OWNER TO kinds_owner;
                 ALTER STATISTICS app.t_stats OWNER TO kinds_owner;
                 ALTER TEXT SEARCH CONFIGURATION app.doc OWNER TO kinds_owner;
                 ALTER OPERATOR app.<<< (int, int) OWNER TO kinds_owner;
                 ALTER OPERATOR FAMILY app.fam USING btree OWNER TO kinds_owner;";
    create_database(&pg, "owned", &[base, owned]);
    create_database(&pg, "not_owned", &[base]);

    let rt = touchpoint::pg::block_on(async {
        let admin = server(&pg).connect("test").await.unwrap();
        roundtrip::run(&admin, &server(&pg), "owned", "owned_copy")
            .await
            .unwrap()
    });
    assert!(rt.ok(), "{:?} {:#?}", rt.render_diff, rt.dump_diff);
    let all: String = rt.files.values().cloned().collect();
    assert!(
        all.contains("ALTER TABLE app.t OWNER TO kinds_owner;"),
        "{all}"
    );
    assert!(
        all.contains("ALTER FUNCTION app.f() OWNER TO kinds_owner;"),
        "{all}"
    );

    let off = drift::Options::default();
    let on = drift::Options {
        owners: true,
        ..Default::default()
    };
    let (owned, not_owned) = (read(&pg, "owned"), read(&pg, "not_owned"));
    assert!(real(drift::compare(&owned, &not_owned, &off)).is_empty());
    assert!(owned.unmodelled.iter().any(|(what, name)| what
        == "owner other than the database owner"
        && name.contains("app.t")));
    let found = real(drift::compare(&owned, &not_owned, &on));
    assert_eq!(found.len(), 7, "{found:#?}");
    assert!(
        found.iter().all(|d| d.aspect.key() == "owner"),
        "{found:#?}"
    );

    for (expected, actual) in [("owned", "not_owned"), ("not_owned", "owned")] {
        let labels = drift::script::Labels { actual, expected };
        let script = drift::script::catch_up(
            &read(&pg, expected),
            &read(&pg, actual),
            &on,
            false,
            &labels,
        );
        assert_eq!(script.left, Vec::<String>::new(), "{}", script.text);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("owners.sql");
        std::fs::write(&file, &script.text).unwrap();
        psql_file(&pg.url_for(actual), &file);
        psql_file(&pg.url_for(actual), &file);
        let left = real(drift::compare(
            &read(&pg, expected),
            &read(&pg, actual),
            &on,
        ));
        assert!(
            left.is_empty(),
            "{expected} <- {actual}: {left:#?}\n{}",
            script.text
        );
    }
}

/// A materialized view runs its query when it is created, and a SQL
/// routine's body calls another routine without `pg_depend` knowing: the
/// files create such a view after every routine it might reach (here
/// `aa_count` sorts first, calls `counted()`, whose body calls `zz_rows()`,
/// which cannot exist before the view `zz_base`).
#[test]
fn a_materialized_view_calling_routines_loads_after_them() {
    let pg = Throwaway::start().unwrap();
    create_database(
        &pg,
        "evaluates",
        &["CREATE SCHEMA app;
           CREATE TABLE app.src (id int);
           CREATE MATERIALIZED VIEW app.zz_base AS SELECT id FROM app.src;
           CREATE FUNCTION app.zz_rows() RETURNS SETOF app.zz_base LANGUAGE sql STABLE AS 'SELECT * FROM app.zz_base';
           CREATE FUNCTION app.counted() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM app.zz_rows()';
           CREATE MATERIALIZED VIEW app.aa_count AS SELECT app.counted() AS n;"],
    );
    let rt = touchpoint::pg::block_on(async {
        let admin = server(&pg).connect("test").await.unwrap();
        roundtrip::run(&admin, &server(&pg), "evaluates", "evaluates_copy")
            .await
            .unwrap()
    });
    assert!(rt.ok(), "{:?} {:#?}", rt.render_diff, rt.dump_diff);
}
