//! `migration review` through the real binary, on projects in temp dirs:
//! exit codes, the Reviewed stamp and `status` after it, the four output
//! formats, and the repository's own demo set.
//!
//! Most tests pass `--static-only`: they are about the static rules and the
//! command line, and must not start the embedded PostgreSQL inside a temp
//! dir. The full review (dynamic checks included) runs against a throwaway
//! server given as `--shadow-url` (see also tests/review_dynamic.rs).

use std::fs;
use std::path::Path;

use crate::support::{assert_code, stderr, stdout, xtask};
use chrono::NaiveDate;
use serde_json::Value;
use touchpoint::migration::render::{new_migration, NewFields};
use touchpoint::migration::{Migration, MigrationName};
use touchpoint::pg::Throwaway;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// One migration: header tables, body, verify and rollback SQL.
struct Sql<'a> {
    tables: &'a [&'a str],
    body: &'a str,
    verify: &'a str,
    rollback: &'a str,
}

/// 01: the schema and table the others change.
const CREATE_PACKET: Sql = Sql {
    tables: &["service_ops.packet"],
    body: "CREATE SCHEMA IF NOT EXISTS service_ops;\n\n\
           CREATE TABLE IF NOT EXISTS service_ops.packet (\n    \
           id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
           status text NOT NULL\n);\n",
    verify: "SELECT 'service_ops.packet exists' AS check_name,\n       \
             CASE WHEN to_regclass('service_ops.packet') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END AS result;\n",
    rollback: "DROP TABLE IF EXISTS service_ops.packet;\nDROP SCHEMA IF EXISTS service_ops;\n",
};

/// 02: clean under every rule.
const ADD_REGION: Sql = Sql {
    tables: &["service_ops.packet"],
    body: "SET lock_timeout = '5s';\n\n\
           ALTER TABLE service_ops.packet ADD COLUMN IF NOT EXISTS region text;\n",
    verify: "SELECT 'packet.region exists' AS check_name,\n       \
             CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result\n  \
             FROM information_schema.columns\n \
             WHERE table_schema = 'service_ops' AND table_name = 'packet' AND column_name = 'region';\n",
    rollback: "SET lock_timeout = '5s';\n\n\
               ALTER TABLE service_ops.packet DROP COLUMN IF EXISTS region;\n",
};

/// 02: one error, CREATE TABLE without IF NOT EXISTS.
const CREATE_NOTE_ERROR: Sql = Sql {
    tables: &["service_ops.packet_note"],
    body: "CREATE TABLE service_ops.packet_note (\n    \
           id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
           packet_id bigint NOT NULL,\n    \
           note      text NOT NULL\n);\n",
    verify: "SELECT 'service_ops.packet_note exists' AS check_name,\n       \
             CASE WHEN to_regclass('service_ops.packet_note') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END AS result;\n",
    rollback: "DROP TABLE IF EXISTS service_ops.packet_note;\n",
};

/// 02: one warning only, a plain CREATE INDEX on the table of 01.
const INDEX_WARNING: Sql = Sql {
    tables: &["service_ops.packet"],
    body: "CREATE INDEX IF NOT EXISTS idx_packet_status ON service_ops.packet (status);\n",
    verify: "SELECT 'idx_packet_status exists' AS check_name,\n       \
             CASE WHEN to_regclass('service_ops.idx_packet_status') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END AS result;\n",
    rollback: "DROP INDEX IF EXISTS service_ops.idx_packet_status;\n",
};

/// A migration file as `migration new` writes it, every header field filled
/// in, with the SQL of `sql`.
fn migration_text(name: &MigrationName, sql: &Sql) -> String {
    let fields = NewFields {
        title: name.slug.replace('_', " "),
        issue: Some("SO-512 packets cannot be routed by region".into()),
        problem: Some("Routing needs the packet's region.".into()),
        solution: Some("Add the column.".into()),
        tables: sql.tables.iter().map(|t| t.to_string()).collect(),
    };
    let rendered = new_migration(&fields, name.date);
    let mut header = String::new();
    let mut rules = 0;
    for line in rendered.lines() {
        header.push_str(line);
        header.push('\n');
        if touchpoint::migration::header::is_rule(line) {
            rules += 1;
            if rules == 2 {
                break;
            }
        }
    }
    format!(
        "{header}{}\n-- migrate:verify\n{}\n-- migrate:rollback\n{}",
        sql.body, sql.verify, sql.rollback
    )
}

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("migrations")).unwrap();
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes migrations/<today>_<nn>_<slug>.sql; returns its path relative
    /// to the project.
    fn write(&self, nn: u32, slug: &str, sql: &Sql) -> String {
        let name = MigrationName::new(today(), nn, slug);
        let rel = format!("migrations/{}", name.file_name());
        fs::write(self.path().join(&rel), migration_text(&name, sql)).unwrap();
        rel
    }

    /// 01 creates the table; 02 is `sql`. Returns 01's and 02's paths.
    fn with_second(sql: &Sql) -> (Project, String, String) {
        let p = Project::new();
        let first = p.write(1, "create_packet", &CREATE_PACKET);
        let second = p.write(2, "second", sql);
        (p, first, second)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        xtask(self.path(), args)
    }

    /// `migration review --static-only ARGS`.
    fn review(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["migration", "review", "--static-only"];
        all.extend_from_slice(args);
        xtask(self.path(), &all)
    }

    fn checksum_prefix(&self, rel: &str) -> String {
        let file = Path::new(rel).file_name().unwrap().to_str().unwrap();
        let m = Migration::parse(MigrationName::parse(file).unwrap(), &self.read(rel)).unwrap();
        m.checksum.prefix()
    }
}

/// 1-based line of the first line of `text` starting with `prefix`.
fn line_starting(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{text}"))
        + 1
}

fn stem_of(rel: &str) -> &str {
    rel.trim_start_matches("migrations/")
        .trim_end_matches(".sql")
}

fn reviewed_line(prefix: &str) -> String {
    format!(
        "--   [x] Reviewed {} sha256:{prefix}",
        today().format("%Y-%m-%d")
    )
}

/// The status row of `rel` in `migration status --offline`.
fn status_row(p: &Project, rel: &str) -> String {
    let o = p.run(&["migration", "status", "--offline"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    out.lines()
        .find(|l| l.contains(stem_of(rel)))
        .unwrap_or_else(|| panic!("no {} in\n{out}", stem_of(rel)))
        .to_string()
}

#[test]
fn a_clean_review_stamps_the_file_and_status_follows_edits() {
    let (p, first, rel) = Project::with_second(&ADD_REGION);
    let o = p.review(&[&first]);
    assert_code(&o, 0);

    let before = p.read(&rel);
    let o = p.review(&[&rel]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("reviewed 1 migration: 0 errors"),
        "{out}\n{}",
        stderr(&o)
    );
    let prefix = p.checksum_prefix(&rel);
    assert_eq!(prefix.len(), 12);
    assert!(prefix
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    let stamped = p.read(&rel);
    let want = reviewed_line(&prefix);
    // The stamp is the only change.
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(stamped.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed, vec![("--   [ ] Reviewed", want.as_str())]);
    assert_eq!(
        before.len() + want.len() - "--   [ ] Reviewed".len(),
        stamped.len()
    );
    assert!(
        status_row(&p, &rel).contains("reviewed, not executed"),
        "{}",
        status_row(&p, &rel)
    );

    // Nothing left to review.
    let o = p.review(&[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("reviewed 0 migrations"),
        "{}",
        stdout(&o)
    );

    // An edit to the SQL makes the stamp stale ...
    let edited = stamped.replace(
        "ADD COLUMN IF NOT EXISTS region text;\n",
        "ADD COLUMN IF NOT EXISTS region text;\n\n\
         COMMENT ON COLUMN service_ops.packet.region IS 'Routing region';\n",
    );
    assert_ne!(edited, stamped);
    fs::write(p.path().join(&rel), &edited).unwrap();
    let row = status_row(&p, &rel);
    assert!(row.contains("review stale"), "{row}");

    // ... and `migration review` without files reviews it again.
    let o = p.review(&[]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("reviewed 1 migration: 0 errors"),
        "{}",
        stdout(&o)
    );
    let new_prefix = p.checksum_prefix(&rel);
    assert_ne!(new_prefix, prefix);
    let restamped = p.read(&rel);
    assert!(
        restamped.contains(&format!("{}\n", reviewed_line(&new_prefix))),
        "{restamped}"
    );
    let row = status_row(&p, &rel);
    assert!(row.contains("reviewed, not executed"), "{row}");
}

#[test]
fn an_error_is_shown_in_place_and_blocks_the_stamp() {
    let (p, _, rel) = Project::with_second(&CREATE_NOTE_ERROR);
    let before = p.read(&rel);
    let line = line_starting(&before, "CREATE TABLE service_ops.packet_note");

    let o = p.review(&[&rel]);
    assert_code(&o, 1);
    let out = stdout(&o);
    for want in [
        "error[require-if-not-exists]: CREATE TABLE without IF NOT EXISTS".to_string(),
        format!("\n  --> {rel}:{line}:1\n"),
        format!("\n{line} | CREATE TABLE service_ops.packet_note (\n"),
        "\n   | ^^^^^^^^^^^^\n".to_string(),
        "\n  = help: write CREATE ... IF NOT EXISTS".to_string(),
        "\n  = see: docs/rules/require-if-not-exists.md\n".to_string(),
        "reviewed 1 migration: 1 error, ".to_string(),
        "; 0 stamped Reviewed".to_string(),
    ] {
        assert!(out.contains(&want), "no {want:?} in\n{out}");
    }
    assert_eq!(p.read(&rel), before, "a file with an error is not stamped");
}

#[test]
fn no_stamp_never_stamps() {
    let (p, first, rel) = Project::with_second(&ADD_REGION);
    let before = (p.read(&first), p.read(&rel));
    let o = p.review(&["--no-stamp", &rel]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("reviewed 1 migration: 0 errors"), "{out}");
    assert!(!out.contains("stamped"), "{out}");
    let o = p.review(&["--all", "--no-stamp"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("reviewed 2 migrations: 0 errors"),
        "{}",
        stdout(&o)
    );
    assert_eq!((p.read(&first), p.read(&rel)), before);
}

#[test]
fn strict_fails_on_warnings() {
    let (p, _, rel) = Project::with_second(&INDEX_WARNING);
    let before = p.read(&rel);

    let o = p.review(&["--strict", &rel]);
    assert_code(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("warning[index-without-concurrently]: "),
        "{out}"
    );
    assert!(!out.contains("error["), "a warning-only file: {out}");
    assert!(out.contains("reviewed 1 migration: 0 errors, "), "{out}");
    assert_eq!(p.read(&rel), before, "--strict: a warning blocks the stamp");

    let o = p.review(&[&rel]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("; 1 stamped Reviewed"),
        "{}",
        stdout(&o)
    );
    assert!(
        p.read(&rel)
            .contains(&reviewed_line(&p.checksum_prefix(&rel))),
        "without --strict a warning does not block the stamp"
    );
}

#[test]
fn json_output() {
    let (p, _, rel) = Project::with_second(&CREATE_NOTE_ERROR);
    let line = line_starting(&p.read(&rel), "CREATE TABLE service_ops.packet_note");
    let o = p.review(&["--format", "json", &rel]);
    assert_code(&o, 1);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&o)));
    let findings = v.as_array().expect("an array of findings");
    let f = findings
        .iter()
        .find(|f| f["rule"] == "require-if-not-exists")
        .unwrap_or_else(|| panic!("no require-if-not-exists in {v:#}"));
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], rel.as_str());
    assert_eq!(f["start"]["line"], line);
    assert_eq!(f["start"]["column"], 1);
    assert_eq!(f["end"]["line"], line);
    assert_eq!(f["end"]["column"], 13);
    assert!(f["message"].as_str().unwrap().contains("IF NOT EXISTS"));
    assert!(f["help"].as_str().unwrap().contains("IF NOT EXISTS"));
    assert!(!p.read(&rel).contains("[x] Reviewed"));
}

#[test]
fn github_output() {
    let (p, _, rel) = Project::with_second(&CREATE_NOTE_ERROR);
    let line = line_starting(&p.read(&rel), "CREATE TABLE service_ops.packet_note");
    let o = p.review(&["--format", "github", &rel]);
    assert_code(&o, 1);
    let out = stdout(&o);
    let want = format!("::error file={rel},line={line},col=1,endLine={line},endColumn=13,title=require-if-not-exists::");
    assert!(
        out.lines().any(|l| l.starts_with(&want)),
        "no line starting {want:?} in\n{out}"
    );
    assert!(
        out.lines().all(|l| ["::error ", "::warning ", "::notice "]
            .iter()
            .any(|p| l.starts_with(p))),
        "only annotations on stdout:\n{out}"
    );
}

#[test]
fn sarif_output() {
    let (p, _, rel) = Project::with_second(&CREATE_NOTE_ERROR);
    let line = line_starting(&p.read(&rel), "CREATE TABLE service_ops.packet_note");
    let o = p.review(&["--format", "sarif", &rel]);
    assert_code(&o, 1);
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&o)));
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "require-if-not-exists");
    assert_eq!(result["level"], "error");
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], rel.as_str());
    assert_eq!(loc["region"]["startLine"], line);
    assert_eq!(loc["region"]["startColumn"], 1);
    let listed: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let missing: Vec<&str> = touchpoint::review::rules::ALL
        .iter()
        .map(|r| r.id())
        .filter(|id| !listed.contains(id))
        .collect();
    assert!(missing.is_empty(), "the driver does not list {missing:?}");
}

/// The full review, dynamic checks included, on a throwaway server: a
/// clean set passes and is stamped.
#[test]
fn the_full_review_on_a_shadow_server_passes_a_clean_set() {
    let pg = Throwaway::start().unwrap();
    let (p, first, rel) = Project::with_second(&ADD_REGION);
    let o = p.run(&["migration", "review", "--shadow-url", &pg.url()]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("reviewed 2 migrations: 0 errors"),
        "{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stderr(&o).contains("dynamic review of"), "{}", stderr(&o));
    for f in [&first, &rel] {
        assert!(
            p.read(f).contains(&reviewed_line(&p.checksum_prefix(f))),
            "{f} is not stamped"
        );
    }
}

/// The demo set passes the full review (warnings are allowed), and
/// --no-stamp leaves it as it is.
#[test]
fn the_demo_set_passes_review() {
    let project = crate::support::demo_project();
    let dir = project.path().join("migrations");
    let files = || -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .map(|p| (p.display().to_string(), fs::read_to_string(&p).unwrap()))
            .collect();
        files.sort();
        files
    };
    let before = files();
    let pg = Throwaway::start().unwrap();
    let o = xtask(
        project.path(),
        &[
            "migration",
            "review",
            "--all",
            "--no-stamp",
            "--shadow-url",
            &pg.url(),
        ],
    );
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("reviewed {} migrations: 0 errors", before.len())),
        "{out}"
    );
    assert_eq!(files(), before, "--no-stamp changed a file of the demo set");
}

/// 02: a trigger written the PostgreSQL 14+ way.
const REPLACE_TRIGGER: Sql = Sql {
    tables: &["service_ops.packet"],
    body: "SET lock_timeout = '5s';\n\n\
           CREATE OR REPLACE FUNCTION service_ops.touch() RETURNS trigger LANGUAGE plpgsql AS $$\n\
           BEGIN\n    RETURN NEW;\nEND\n$$;\n\n\
           CREATE OR REPLACE TRIGGER trg_packet_touch BEFORE UPDATE ON service_ops.packet\n    \
           FOR EACH ROW EXECUTE FUNCTION service_ops.touch();\n",
    verify: "SELECT 'trigger exists' AS check_name, 'PASS' AS result;\n",
    rollback: "DROP TRIGGER IF EXISTS trg_packet_touch ON service_ops.packet;\n",
};

/// Stops a server started for one test, also when the test fails.
struct Stop(touchpoint::pg::Cluster);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.stop();
    }
}

/// The review's target: `server_version` in touchpoint.conf without a
/// database, the database's own major when one is named (13 lacks CREATE
/// OR REPLACE TRIGGER, 18 has it).
#[test]
fn the_target_is_the_named_databases_major_else_touchpoint_conf() {
    let (p, _, _) = Project::with_second(&REPLACE_TRIGGER);
    let o = p.review(&["--no-stamp"]);
    assert!(
        stderr(&o).contains("review target: PostgreSQL 18 (the newest supported"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stdout(&o).contains("requires-newer-server"),
        "{}",
        stdout(&o)
    );

    fs::write(p.path().join("touchpoint.conf"), "server_version = 13\n").unwrap();
    let o = p.review(&["--no-stamp"]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains("error[requires-newer-server]: CREATE OR REPLACE TRIGGER needs PostgreSQL 14+; the target is PostgreSQL 13 (server_version in touchpoint.conf)"),
        "{}",
        stdout(&o)
    );

    // A named database wins over touchpoint.conf.
    for major in [13, 18] {
        let Some(bin) = touchpoint::pg::Binaries::for_major(major) else {
            eprintln!("skipped PostgreSQL {major}: no binaries (bash .ci/pg-fetch {major})");
            continue;
        };
        let home = tempfile::tempdir().unwrap();
        let server = Stop(touchpoint::pg::Cluster::embedded_of(home.path(), bin).unwrap());
        server.0.start().unwrap();
        let o = p.review(&["--no-stamp", "--database-url", &server.0.url()]);
        assert!(
            stderr(&o).contains(&format!(
                "review target: PostgreSQL {major} (the database's server_version_num)"
            )),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            stdout(&o).contains("requires-newer-server"),
            major < 14,
            "{major}: {}",
            stdout(&o)
        );
    }
}
