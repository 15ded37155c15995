//! What differs on PostgreSQL 18 (and across 14 to 18) in the catalogs, as
//! touchpoint reads, renders, compares and catches up with it, on real
//! throwaway clusters of that major. A test that needs a major whose
//! binaries are not at hand says so and passes (`.ci/pg-fetch 18`).
//! Surprising server behaviour is pinned here too, so that a release that
//! changes it shows up.

use std::path::Path;
use std::process::Command;

use touchpoint::drift::{self, Change, Difference};
use touchpoint::pg::cluster::Binaries;
use touchpoint::pg::Throwaway;
use touchpoint::schema::catalog::{self, Catalog, Column, GeneratedKind, Relation};
use touchpoint::schema::{render, roundtrip};

use crate::support::{create_database, psql, server};

/// A cluster of `major` and its binaries, or `None` (with a note) when
/// they are not at hand.
fn cluster(major: u32) -> Option<(Throwaway, Binaries)> {
    let Some(bin) = Binaries::for_major(major) else {
        eprintln!(
            "skipped: no PostgreSQL {major} binaries (bash .ci/pg-fetch {major} fetches them)"
        );
        return None;
    };
    Some((Throwaway::start_on(&bin).unwrap(), bin))
}

fn create(pg: &Throwaway, name: &str, sql: &str) {
    create_database(pg, name, &[sql]);
}

fn read(pg: &Throwaway, name: &str) -> Catalog {
    let server = server(pg);
    touchpoint::pg::block_on(async {
        let client = server.with_dbname(name).connect("test").await.unwrap();
        catalog::read(&client).await.unwrap()
    })
}

fn relation<'a>(cat: &'a Catalog, name: &str) -> &'a Relation {
    cat.relations
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no relation {name}"))
}

fn column<'a>(cat: &'a Catalog, table: &str, name: &str) -> &'a Column {
    relation(cat, table)
        .columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {table}.{name}"))
}

/// Every object rendered, as sync writes it.
fn rendered(cat: &Catalog) -> String {
    render::units(cat).0.iter().map(|u| u.sql.clone()).collect()
}

/// Renders `source`, loads it into a new database, and asserts both read
/// the same and `pg_dump -s` (of the cluster's major) prints the same.
fn round_trips(pg: &Throwaway, source: &str) {
    let copy = format!("{source}_copy");
    let rt = touchpoint::pg::block_on(async {
        let admin = server(pg).connect("test").await.unwrap();
        roundtrip::run(&admin, &server(pg), source, &copy)
            .await
            .unwrap()
    });
    assert!(
        rt.ok(),
        "{source}: render {:?}\npg_dump {:#?}\n{}",
        rt.render_diff,
        rt.dump_diff,
        rt.files.values().cloned().collect::<String>()
    );
}

fn real(differences: Vec<Difference>) -> Vec<Difference> {
    differences
        .into_iter()
        .filter(|d| d.noise.is_none())
        .collect()
}

fn differences(pg: &Throwaway, expected: &str, actual: &str) -> Vec<Difference> {
    real(drift::compare(
        &read(pg, expected),
        &read(pg, actual),
        &Default::default(),
    ))
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

/// The catch-up script making `actual` match `expected`, run twice (the
/// second run must change nothing): the script and the differences left.
fn catch_up(
    pg: &Throwaway,
    bin: &Binaries,
    expected: &str,
    actual: &str,
    allow_drop: bool,
) -> (String, Vec<String>) {
    let want = read(pg, expected);
    let labels = drift::script::Labels {
        actual: "actual",
        expected: "expected",
    };
    let script = drift::script::catch_up(
        &want,
        &read(pg, actual),
        &Default::default(),
        allow_drop,
        &labels,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catch_up.sql");
    std::fs::write(&file, &script.text).unwrap();
    let url = pg.url_for(actual);
    psql_file(&url, &file);
    let once = roundtrip::dump_with(bin, &server(pg), actual).unwrap();
    psql_file(&url, &file);
    let twice = roundtrip::dump_with(bin, &server(pg), actual).unwrap();
    assert_eq!(
        once, twice,
        "the second run changed the schema:\n{}",
        script.text
    );
    let left = differences(pg, expected, actual)
        .iter()
        .map(|d| format!("{} {}", d.id, d.what()))
        .collect();
    (script.text, left)
}

fn changed<'a>(differences: &'a [Difference], id: &str) -> Option<&'a Difference> {
    differences
        .iter()
        .find(|d| d.id.to_string() == id && d.change == Change::Changed)
}

#[test]
fn pg18_virtual_generated_columns_stay_virtual() {
    let Some((pg, bin)) = cluster(18) else { return };
    let schema = "CREATE SCHEMA app;
        CREATE TABLE app.g (a int, v int GENERATED ALWAYS AS (a * 2), s int GENERATED ALWAYS AS (a * 3) STORED);";
    create(&pg, "gen", schema);
    let cat = read(&pg, "gen");
    // No keyword means VIRTUAL on 18 (12 to 17 refuse it without STORED).
    assert_eq!(
        column(&cat, "g", "v").generated.as_ref().unwrap().kind,
        GeneratedKind::Virtual
    );
    assert_eq!(
        column(&cat, "g", "s").generated.as_ref().unwrap().kind,
        GeneratedKind::Stored
    );
    let sql = rendered(&cat);
    assert!(
        sql.contains("v integer GENERATED ALWAYS AS ((a * 2)) VIRTUAL"),
        "{sql}"
    );
    assert!(
        sql.contains("s integer GENERATED ALWAYS AS ((a * 3)) STORED"),
        "{sql}"
    );
    round_trips(&pg, "gen");

    // The same expression stored: drift names the kind; the script (with
    // drops allowed) makes it virtual again.
    create(
        &pg,
        "gen_stored",
        &schema.replace("(a * 2)", "(a * 2) STORED"),
    );
    let found = differences(&pg, "gen", "gen_stored");
    let d = changed(&found, "column app.g.v").expect("the kind differs");
    assert_eq!(
        (d.expected.as_deref(), d.actual.as_deref()),
        (
            Some("GENERATED ALWAYS AS ((a * 2)) VIRTUAL"),
            Some("GENERATED ALWAYS AS ((a * 2)) STORED")
        )
    );
    let (script, left) = catch_up(&pg, &bin, "gen", "gen_stored", false);
    assert_eq!(left.len(), 1, "without drops it is left: {script}");
    let (script, left) = catch_up(&pg, &bin, "gen", "gen_stored", true);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert!(script.contains("-- RISK: PostgreSQL cannot change how a column is generated"));

    // Another expression of the same kind is set in place (17+), no drop.
    create(&pg, "gen_expr", &schema.replace("(a * 2)", "(a * 4)"));
    let (script, left) = catch_up(&pg, &bin, "gen", "gen_expr", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert!(script.contains("SET EXPRESSION AS ((a * 2))"), "{script}");

    // A stored column the migrations want plain keeps its values.
    create(
        &pg,
        "gen_plain",
        &schema.replace(" GENERATED ALWAYS AS (a * 3) STORED", " DEFAULT 0"),
    );
    psql(
        &pg.url_for("gen_stored"),
        "INSERT INTO app.g (a) VALUES (5)",
    );
    let (script, left) = catch_up(&pg, &bin, "gen_plain", "gen_stored", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert_eq!(psql(&pg.url_for("gen_stored"), "SELECT s FROM app.g"), "15");

    // A virtual column cannot lose its expression in place (stored can).
    let err = Command::new("psql")
        .args([&pg.url_for("gen"), "-XAtq", "-c"])
        .arg("ALTER TABLE app.g ALTER COLUMN v DROP EXPRESSION")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&err.stderr)
        .contains("ALTER TABLE / DROP EXPRESSION is not supported for virtual generated columns"));
}

/// NOT NULL constraints are `pg_constraint` rows on 18: named, maybe NOT
/// VALID or NO INHERIT. sync keeps the name and writes a NOT VALID one
/// after the table (never `NOT NULL` in the column: rows may hold NULL);
/// drift compares them; the script renames, adds NOT VALID, validates.
#[test]
fn pg18_not_null_constraints_keep_their_name_and_state() {
    let Some((pg, bin)) = cluster(18) else { return };
    let named = "CREATE SCHEMA app;
        CREATE TABLE app.t (id int PRIMARY KEY, a int CONSTRAINT a_named NOT NULL, b int NOT NULL, c int,
                            d int CONSTRAINT d_noinh NOT NULL NO INHERIT);
        INSERT INTO app.t VALUES (1, 1, 1, NULL, 1);
        ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NOT VALID;
        CREATE TABLE app.p (x int);
        CREATE TABLE app.ch (y int) INHERITS (app.p);
        ALTER TABLE app.ch ADD CONSTRAINT ch_x_custom NOT NULL x;";
    create(&pg, "nn", named);
    let cat = read(&pg, "nn");
    // attnotnull is true for a NOT VALID NOT NULL while a row holds NULL:
    // only the constraint row says it is not proven.
    let c = column(&cat, "t", "c");
    assert!(c.not_null);
    assert!(c.not_null_not_valid());
    assert_eq!(
        psql(
            &pg.url_for("nn"),
            "SELECT count(*) FROM app.t WHERE c IS NULL"
        ),
        "1"
    );
    let sql = rendered(&cat);
    for expected in [
        "a integer CONSTRAINT a_named NOT NULL,",
        "b integer NOT NULL,",
        "c integer,",
        "d integer CONSTRAINT d_noinh NOT NULL NO INHERIT",
        "ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NOT VALID;",
        "CONSTRAINT ch_x_custom NOT NULL x",
    ] {
        assert!(sql.contains(expected), "{expected} in\n{sql}");
    }
    round_trips(&pg, "nn");

    // The same columns as SET NOT NULL / plain NOT NULL make them.
    let plain = "CREATE SCHEMA app;
        CREATE TABLE app.t (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, c int, d int NOT NULL);
        INSERT INTO app.t VALUES (1, 1, 1, NULL, 1);
        CREATE TABLE app.p (x int);
        CREATE TABLE app.ch (y int) INHERITS (app.p);
        ALTER TABLE app.ch ALTER COLUMN x SET NOT NULL;";
    create(&pg, "nn_plain", plain);
    let found = differences(&pg, "nn", "nn_plain");
    let what = |id: &str| {
        let d = changed(&found, id).unwrap_or_else(|| panic!("{id} in {found:#?}"));
        (d.expected.clone().unwrap(), d.actual.clone().unwrap())
    };
    assert_eq!(
        what("column app.t.a"),
        (
            "CONSTRAINT a_named NOT NULL".to_string(),
            "NOT NULL".to_string()
        )
    );
    assert_eq!(
        what("column app.t.c"),
        (
            "CONSTRAINT c_nn NOT NULL NOT VALID".to_string(),
            "NULL".to_string()
        )
    );
    assert_eq!(
        what("column app.t.d"),
        (
            "CONSTRAINT d_noinh NOT NULL NO INHERIT".to_string(),
            "NOT NULL".to_string()
        )
    );
    let (script, left) = catch_up(&pg, &bin, "nn", "nn_plain", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    // The row holding NULL is still there: NOT VALID never scans.
    assert_eq!(
        psql(
            &pg.url_for("nn_plain"),
            "SELECT count(*) FROM app.t WHERE c IS NULL"
        ),
        "1"
    );

    // Back: NOT VALID dropped where NULL is expected.
    create(&pg, "nn_back", named);
    create(&pg, "nn_plain2", plain);
    let (script, left) = catch_up(&pg, &bin, "nn_plain2", "nn_back", false);
    assert!(left.is_empty(), "{left:?}\n{script}");

    // A NOT VALID one validated when no row holds NULL any more.
    create(
        &pg,
        "nn_valid",
        &named.replace(
            "ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NOT VALID;",
            "UPDATE app.t SET c = 0; ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c;",
        ),
    );
    create(
        &pg,
        "nn_fixed",
        &named.replace(
            "INSERT INTO app.t VALUES (1, 1, 1, NULL, 1);",
            "INSERT INTO app.t VALUES (1, 1, 1, 0, 1);",
        ),
    );
    let (script, left) = catch_up(&pg, &bin, "nn_valid", "nn_fixed", false);
    assert!(left.is_empty(), "{left:?}\n{script}");

    // Surprising: the same ADD CONSTRAINT ... NOT NULL again is a no-op (so
    // sync writes it unguarded); another name on the column is an error.
    let url = pg.url_for("nn");
    psql(
        &url,
        "ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NOT VALID",
    );
    let other = Command::new("psql")
        .args([
            &url,
            "-XAtq",
            "-c",
            "ALTER TABLE app.t ADD CONSTRAINT c_other NOT NULL c NOT VALID",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&other.stderr)
        .contains("A not-null constraint named \"c_nn\" already exists for this column"));
}

/// NOT ENFORCED checks and foreign keys (18) are not validated either:
/// drift says NOT ENFORCED, not NOT VALID, and the script neither adds
/// them NOT VALID nor validates them.
#[test]
fn pg18_not_enforced_constraints_are_not_called_not_valid() {
    let Some((pg, bin)) = cluster(18) else { return };
    let base = "CREATE SCHEMA app;
        CREATE TABLE app.r (id int PRIMARY KEY);
        CREATE TABLE app.t (id int PRIMARY KEY, r int, amount int);
        INSERT INTO app.t VALUES (1, 7, -1);";
    let not_enforced = format!(
        "{base}
        ALTER TABLE app.t ADD CONSTRAINT amount_pos CHECK (amount > 0) NOT ENFORCED;
        ALTER TABLE app.t ADD CONSTRAINT t_r_fk FOREIGN KEY (r) REFERENCES app.r (id) NOT ENFORCED;"
    );
    create(&pg, "ne", &not_enforced);
    let cat = read(&pg, "ne");
    let check = relation(&cat, "t")
        .constraints
        .iter()
        .find(|c| c.name == "amount_pos")
        .unwrap();
    // Surprising: convalidated is false too, yet the definition says only
    // NOT ENFORCED (never NOT VALID).
    assert!(!check.enforced && !check.validated);
    assert_eq!(check.definition, "CHECK ((amount > 0)) NOT ENFORCED");
    round_trips(&pg, "ne");

    create(&pg, "ne_none", base);
    let found = differences(&pg, "ne", "ne_none");
    assert!(found
        .iter()
        .any(|d| d.id.to_string() == "constraint app.t.amount_pos" && d.change == Change::Missing));
    let (script, left) = catch_up(&pg, &bin, "ne", "ne_none", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert!(!script.contains("NOT ENFORCED NOT VALID"), "{script}");
    assert!(!script.contains("VALIDATE CONSTRAINT"), "{script}");

    // Enforced ones (the rows break neither once fixed) against NOT
    // ENFORCED: one aspect, `enforced`.
    let enforced = not_enforced
        .replace(" NOT ENFORCED", "")
        .replace("(1, 7, -1)", "(1, NULL, 1)");
    create(&pg, "ne_on", &enforced);
    let found = differences(&pg, "ne_on", "ne");
    for id in ["constraint app.t.amount_pos", "constraint app.t.t_r_fk"] {
        let d = changed(&found, id).unwrap_or_else(|| panic!("{id}: {found:#?}"));
        assert_eq!(d.aspect.key(), "enforced");
        assert_eq!(d.actual.as_deref(), Some("NOT ENFORCED"));
    }
    psql(&pg.url_for("ne"), "UPDATE app.t SET r = NULL, amount = 1");
    // A check is replaced (drops allowed); a foreign key switched in place.
    let (script, left) = catch_up(&pg, &bin, "ne_on", "ne", false);
    assert_eq!(left.len(), 1, "{left:?}\n{script}");
    assert!(
        script.contains("ALTER CONSTRAINT t_r_fk ENFORCED"),
        "{script}"
    );
    let (script, left) = catch_up(&pg, &bin, "ne_on", "ne", true);
    assert!(left.is_empty(), "{left:?}\n{script}");

    // A check cannot switch in place on 18.
    let err = Command::new("psql")
        .args([&pg.url_for("ne_none"), "-XAtq", "-c"])
        .arg("ALTER TABLE app.t ADD CONSTRAINT c CHECK (amount > 0) NOT ENFORCED; ALTER TABLE app.t ALTER CONSTRAINT c ENFORCED")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&err.stderr).contains("cannot alter enforceability of constraint")
    );
}

/// A range type's constructor functions (and from 14 its multirange's)
/// belong to the type: they are not read as functions of the user's.
#[test]
fn range_constructors_are_not_user_functions() {
    let pg = Throwaway::start().unwrap();
    create(
        &pg,
        "ranges",
        "CREATE SCHEMA app;
         CREATE TYPE app.floatrange AS RANGE (subtype = float8);
         CREATE FUNCTION app.width(r app.floatrange) RETURNS float8 LANGUAGE sql AS 'SELECT upper(r) - lower(r)';",
    );
    let cat = read(&pg, "ranges");
    let names: Vec<String> = cat
        .functions
        .iter()
        .map(|f| format!("{}({})", f.name, f.identity_types))
        .collect();
    assert_eq!(names, ["width(app.floatrange)"]);
}

/// Functions are known by their argument types: a renamed parameter is a
/// changed definition (not one missing and one extra), replaced by a drop
/// and a create (CREATE OR REPLACE refuses a new parameter name); a body
/// alone is replaced in place.
#[test]
fn functions_are_keyed_by_argument_types() {
    let pg = Throwaway::start().unwrap();
    let bin = Binaries::find().unwrap();
    let f = |arg: &str, body: &str| {
        format!(
            "CREATE SCHEMA app;
             CREATE FUNCTION app.f({arg} integer, b text DEFAULT 'x') RETURNS integer LANGUAGE sql AS 'SELECT {body}';
             CREATE PROCEDURE app.p(IN k text, INOUT n integer) LANGUAGE sql AS 'SELECT 1';"
        )
    };
    create(&pg, "fa", &f("a", "1"));
    create(&pg, "fb", &f("renamed", "1"));
    create(&pg, "fc", &f("a", "2"));
    let found = differences(&pg, "fa", "fb");
    let ids: Vec<String> = found
        .iter()
        .map(|d| format!("{} {}", d.id, d.what()))
        .collect();
    assert_eq!(ids, ["function app.f(integer, text) definition changed"]);

    let (script, left) = catch_up(&pg, &bin, "fa", "fb", false);
    assert_eq!(left.len(), 1, "without drops it is left: {script}");
    let (script, left) = catch_up(&pg, &bin, "fa", "fb", true);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert!(
        script.contains("DROP FUNCTION app.f(integer, text)"),
        "{script}"
    );

    let (script, left) = catch_up(&pg, &bin, "fa", "fc", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    assert!(!script.contains("DROP FUNCTION"), "{script}");

    // Sync names the routines by types too.
    let keys: Vec<String> = render::units(&read(&pg, "fa"))
        .0
        .iter()
        .map(|u| u.key.qualified.clone())
        .filter(|k| k.starts_with("app."))
        .collect();
    assert!(
        keys.contains(&"app.f(integer, text)".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"app.p(text, integer)".to_string()),
        "{keys:?}"
    );

    // A new result type: no arguments to tell, the signature still does.
    let g =
        |ret: &str| format!("CREATE FUNCTION public.g() RETURNS {ret} LANGUAGE sql AS 'SELECT 1';");
    create(&pg, "ga", &g("integer"));
    create(&pg, "gb", &g("bigint"));
    let (script, left) = catch_up(&pg, &bin, "ga", "gb", false);
    assert_eq!(left.len(), 1, "{script}");
    let (script, left) = catch_up(&pg, &bin, "ga", "gb", true);
    assert!(left.is_empty(), "{left:?}\n{script}");

    // A routine filed under its former marker (argument names) stays in
    // its file.
    let mut existing = touchpoint::schema::layout::Existing::default();
    existing.add(
        "07_routines.sql",
        "\n-- function: app.f(a integer, b text)\nCREATE FUNCTION ...;\n".to_string(),
    );
    let files = touchpoint::schema::files::render(
        &read(&pg, "fa"),
        &Default::default(),
        &existing,
        &touchpoint::pg::tracking::TableName::parse("public.schema_migrations").unwrap(),
    )
    .files;
    assert!(
        files["07_routines.sql"].contains("-- function: app.f(integer, text)\n"),
        "{files:#?}"
    );
}

/// Column compression (14+) and unlogged sequences (15+) are read,
/// rendered and compared, not silently lost.
#[test]
fn column_compression_and_unlogged_sequences_are_kept() {
    let pg = Throwaway::start().unwrap();
    let bin = Binaries::find().unwrap();
    let schema = "CREATE SCHEMA app;
        CREATE TABLE app.doc (id int, body text COMPRESSION pglz, note text);
        CREATE UNLOGGED SEQUENCE app.scratch_seq;";
    create(&pg, "cmp", schema);
    let cat = read(&pg, "cmp");
    assert_eq!(
        column(&cat, "doc", "body").compression.as_deref(),
        Some("pglz")
    );
    assert_eq!(column(&cat, "doc", "note").compression, None);
    assert!(cat
        .sequences
        .iter()
        .any(|s| s.name == "scratch_seq" && s.unlogged));
    let sql = rendered(&cat);
    assert!(sql.contains("body text COMPRESSION pglz"), "{sql}");
    assert!(
        sql.contains("CREATE UNLOGGED SEQUENCE IF NOT EXISTS app.scratch_seq"),
        "{sql}"
    );
    round_trips(&pg, "cmp");

    create(
        &pg,
        "cmp_plain",
        &schema
            .replace(" COMPRESSION pglz", "")
            .replace("UNLOGGED ", ""),
    );
    let found = differences(&pg, "cmp", "cmp_plain");
    let what: Vec<String> = found
        .iter()
        .map(|d| format!("{} {}", d.id, d.what()))
        .collect();
    assert_eq!(
        what,
        [
            "column app.doc.body compression changed",
            "sequence app.scratch_seq unlogged changed"
        ]
    );
    let (script, left) = catch_up(&pg, &bin, "cmp", "cmp_plain", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
    let (script, left) = catch_up(&pg, &bin, "cmp_plain", "cmp", false);
    assert!(left.is_empty(), "{left:?}\n{script}");
}

/// From 17 a partition's column shows its parent's identity (attidentity)
/// without a sequence of its own: it is the parent's, neither reported nor
/// rendered on the partition.
#[test]
fn pg18_partitions_do_not_repeat_their_parents_identity() {
    let Some((pg, _bin)) = cluster(18) else {
        return;
    };
    let schema = "CREATE SCHEMA app;
        CREATE TABLE app.events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
    create(&pg, "ident", schema);
    // Surprising: the partition's row says identity ('a') from 17.
    assert_eq!(
        psql(
            &pg.url_for("ident"),
            "SELECT attidentity FROM pg_attribute WHERE attrelid = 'app.events_2026'::regclass AND attname = 'id'"
        ),
        "a"
    );
    let cat = read(&pg, "ident");
    assert!(column(&cat, "events", "id").identity.is_some());
    assert!(column(&cat, "events_2026", "id").identity.is_none());
    round_trips(&pg, "ident");
    // A catalog of 16 (no identity on the partition) compares equal.
    let Some((old, _)) = cluster(16) else { return };
    create(&old, "ident", schema);
    let found = real(drift::compare(
        &read(&pg, "ident"),
        &read(&old, "ident"),
        &Default::default(),
    ));
    assert!(found.is_empty(), "{found:#?}");
}

/// On 18 a table attached as a partition keeps the NOT NULL constraint
/// name it was made with, no longer its own (`conislocal` false), while
/// PARTITION OF alone gives the partition its parent's name: the rendering
/// names it in the PARTITION OF column list.
#[test]
fn pg18_an_attached_partition_keeps_its_not_null_names() {
    let Some((pg, _bin)) = cluster(18) else {
        return;
    };
    create(
        &pg,
        "attached",
        "CREATE SCHEMA app;
         CREATE TABLE app.events (at date NOT NULL, note text) PARTITION BY RANGE (at);
         CREATE TABLE app.events_2026 (at date NOT NULL, note text);
         ALTER TABLE app.events ATTACH PARTITION app.events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
         CREATE TABLE app.events_2027 PARTITION OF app.events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');",
    );
    // Surprising: attached, the constraint is inherited only, under its old name.
    assert_eq!(
        psql(
            &pg.url_for("attached"),
            "SELECT conname || ' ' || conislocal FROM pg_constraint WHERE conrelid = 'app.events_2026'::regclass AND contype = 'n'"
        ),
        "events_2026_at_not_null false"
    );
    let sql = rendered(&read(&pg, "attached"));
    assert!(
        sql.contains(
            "PARTITION OF app.events (\n    CONSTRAINT events_2026_at_not_null NOT NULL at\n)"
        ),
        "{sql}"
    );
    assert!(
        sql.contains(
            "CREATE TABLE IF NOT EXISTS app.events_2027 PARTITION OF app.events FOR VALUES"
        ),
        "{sql}"
    );
    round_trips(&pg, "attached");
}

/// The same schema read from 18 and from the default major (15 here)
/// compares equal: NOT NULL rows with default names, a stored generated
/// column, a partition's inherited identity and functions' identities
/// raise no drift between versions.
#[test]
fn pg18_and_the_default_major_read_one_schema_alike() {
    let Some((new, _)) = cluster(18) else { return };
    let old = Throwaway::start().unwrap();
    let schema = "CREATE SCHEMA app;
        CREATE TABLE app.r (id int PRIMARY KEY);
        CREATE TABLE app.t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, a int NOT NULL,
                            r int REFERENCES app.r, s int GENERATED ALWAYS AS (a * 2) STORED,
                            CONSTRAINT a_pos CHECK (a > 0));
        ALTER TABLE app.t ALTER COLUMN r SET NOT NULL;
        CREATE TABLE app.events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE FUNCTION app.f(a integer, b text DEFAULT 'x') RETURNS integer LANGUAGE sql AS 'SELECT a';";
    create(&new, "same", schema);
    create(&old, "same", schema);
    let found = real(drift::compare(
        &read(&new, "same"),
        &read(&old, "same"),
        &Default::default(),
    ));
    assert!(found.is_empty(), "{found:#?}");
}
