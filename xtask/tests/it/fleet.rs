//! Many databases: apply, status and rollback over targets given as URLs,
//! a targets file, environments of touchpoint.conf and shards, on real
//! PostgreSQL databases; one broken target fails alone.

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use touchpoint::pg::Throwaway;

use crate::support::{assert_code, command, demo_project, psql, stderr, stdout};

const NAMES: [&str; 5] = ["dev", "staging", "eu", "us", "prod"];

/// Five databases on one server; `prod` has an object in the way of the
/// demo set's second migration (a sequence where a table goes).
fn five(pg: &Throwaway) -> Vec<(String, String)> {
    NAMES
        .iter()
        .map(|name| {
            psql(&pg.url(), &format!("CREATE DATABASE {name}"));
            (name.to_string(), pg.url_for(name))
        })
        .collect()
}

fn break_prod(url: &str) {
    psql(
        url,
        "CREATE SCHEMA service_ops; CREATE SEQUENCE service_ops.packet;",
    );
}

fn targets_file(dir: &Path, targets: &[(String, String)]) -> String {
    let text: String = targets
        .iter()
        .map(|(n, u)| format!("{n} = {u}\n"))
        .collect();
    let path = dir.join("targets.txt");
    std::fs::write(&path, format!("# the fleet\n{text}")).unwrap();
    path.display().to_string()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn five_targets_one_broken_fails_alone_and_a_rerun_completes_it() {
    let pg = Throwaway::start().unwrap();
    let targets = five(&pg);
    break_prod(&targets[4].1);
    let project = demo_project();
    let dir = project.path();
    let file = targets_file(dir, &targets);

    let o = run(
        dir,
        &["migration", "apply", "--targets", &file, "--no-stamp"],
    );
    assert_code(&o, 1);
    let out = stdout(&o);
    for name in &NAMES[..4] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(name) && l.contains("applied 10, 0 already applied")),
            "{name}: {out}"
        );
    }
    assert!(out.contains("prod") && out.contains("FAILED"), "{out}");
    assert!(out.contains("4 of 5 targets ok; failed: prod"), "{out}");
    assert!(stderr(&o).contains("error on prod"), "{}", stderr(&o));
    for (name, url) in &targets[..4] {
        let n = psql(
            url,
            "SELECT count(*) FROM public.schema_migrations WHERE success",
        );
        assert_eq!(n, "10", "{name}");
    }

    // status over the five: every target named, prod behind.
    let o = run(dir, &["migration", "status", "--targets", &file]);
    let out = stdout(&o);
    assert!(
        NAMES
            .iter()
            .all(|n| out.lines().next().unwrap().contains(n)),
        "{out}"
    );
    assert!(
        out.contains("is applied on dev, staging, eu, us; pending on prod"),
        "{out}"
    );
    let o = run(
        dir,
        &[
            "migration",
            "status",
            "--targets",
            &file,
            "--format",
            "json",
        ],
    );
    let status = json(&o);
    assert_eq!(status["targets"].as_array().unwrap().len(), 5);
    assert_eq!(status["migrations"][9]["states"]["prod"], "pending");
    assert_eq!(status["migrations"][9]["states"]["eu"], "applied");

    // Mended, the same command completes prod and leaves the others alone.
    psql(&targets[4].1, "DROP SEQUENCE service_ops.packet");
    let o = run(
        dir,
        &[
            "migration",
            "apply",
            "--targets",
            &file,
            "--no-stamp",
            "--format",
            "json",
        ],
    );
    assert_code(&o, 0);
    let report = json(&o);
    let results = report["targets"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        assert_eq!(r["state"], "ok", "{r}");
        if r["name"] == "prod" {
            // 01 went in before 02 failed; the rest now.
            assert_eq!(r["applied"], 9, "{r}");
            assert_eq!(r["already_applied"], 1, "{r}");
        } else {
            assert_eq!(r["applied"], 0, "{r}");
        }
    }
    assert_eq!(report["ok"], true);
}

#[test]
fn an_unreachable_target_fails_alone_within_its_connect_timeout() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE a");
    psql(&pg.url(), "CREATE DATABASE b");
    // A port that accepts TCP connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let project = demo_project();
    let dir = project.path();
    let t = Instant::now();
    let o = run(
        dir,
        &[
            "migration",
            "apply",
            "--no-stamp",
            "--database-url",
            &pg.url_for("a"),
            "--database-url",
            &format!("host=127.0.0.1 port={port} dbname=silent user=x connect_timeout=2"),
            "--database-url",
            &pg.url_for("b"),
        ],
    );
    let took = t.elapsed();
    assert_code(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("2 of 3 targets ok; failed: silent@127.0.0.1"),
        "{out}"
    );
    assert!(stderr(&o).contains("cannot connect to"), "{}", stderr(&o));
    assert!(took < Duration::from_secs(30), "took {took:?}");
    for db in ["a", "b"] {
        let n = psql(
            &pg.url_for(db),
            "SELECT count(*) FROM public.schema_migrations",
        );
        assert_eq!(n, "10", "{db}");
    }
}

#[test]
fn bad_target_input_is_refused_before_anything_runs() {
    let pg = Throwaway::start().unwrap();
    psql(&pg.url(), "CREATE DATABASE a");
    let url = pg.url_for("a");
    let project = demo_project();
    let dir = project.path();
    let untouched = || {
        psql(
            &url,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'",
        ) == "0"
    };

    // The same database twice, spelled two ways.
    let o = run(
        dir,
        &[
            "migration",
            "apply",
            "--database-url",
            &url,
            "--database-url",
            &format!("{url}&application_name=x"),
        ],
    );
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("are the same database"),
        "{}",
        stderr(&o)
    );
    assert!(untouched());

    // A syntax error in the targets file names its line.
    std::fs::write(dir.join("t.txt"), format!("a = {url}\nnot a target line\n")).unwrap();
    let o = run(dir, &["migration", "apply", "--targets", "t.txt"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("t.txt:2:"), "{}", stderr(&o));
    assert!(untouched());

    // An unset ${VAR} is named.
    std::fs::write(dir.join("t.txt"), "a = ${TOUCHPOINT_TEST_UNSET_URL}\n").unwrap();
    let o = run(dir, &["migration", "status", "--targets", "t.txt"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("TOUCHPOINT_TEST_UNSET_URL is not set"),
        "{}",
        stderr(&o)
    );

    // An environment touchpoint.conf does not have.
    let o = run(dir, &["migration", "status", "--env", "nowhere"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("no environment `nowhere`"),
        "{}",
        stderr(&o)
    );

    // Rollback over a file needs --yes.
    std::fs::write(dir.join("t.txt"), format!("a = {url}\n")).unwrap();
    let o = run(
        dir,
        &["migration", "rollback", "--last", "1", "--targets", "t.txt"],
    );
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));
    assert!(untouched());
}

#[test]
fn environments_and_shards_pick_targets() {
    let pg = Throwaway::start().unwrap();
    let targets = five(&pg);
    let project = demo_project();
    let dir = project.path();
    std::fs::write(
        dir.join("touchpoint.conf"),
        "[env.staging]\nurl = \"${STAGING_URL}\"\n[env.dev]\nurl = \"${DEV_URL}\"\n",
    )
    .unwrap();
    let o = command(dir)
        .args([
            "migration",
            "apply",
            "--env",
            "staging",
            "--env",
            "dev",
            "--no-stamp",
        ])
        .env("STAGING_URL", &targets[1].1)
        .env("DEV_URL", &targets[0].1)
        .output()
        .unwrap();
    assert_code(&o, 0);
    assert!(stdout(&o).contains("2 of 2 targets ok"), "{}", stdout(&o));
    assert_eq!(
        psql(
            &targets[1].1,
            "SELECT count(*) FROM public.schema_migrations"
        ),
        "10"
    );
    assert_eq!(
        psql(
            &targets[2].1,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations'"
        ),
        "0",
        "eu was not a target"
    );

    // Two shards cover the five once, whatever the order of the file.
    let file = targets_file(dir, &targets);
    let names = |shard: &str| -> Vec<String> {
        let o = run(
            dir,
            &[
                "migration",
                "apply",
                "--targets",
                &file,
                "--shard",
                shard,
                "--rehearse",
                "--format",
                "json",
            ],
        );
        assert_code(&o, 0);
        json(&o)["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (one, two) = (names("1/2"), names("2/2"));
    let mut all: Vec<String> = one.iter().chain(&two).cloned().collect();
    all.sort();
    let mut want: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(all, want, "{one:?} + {two:?}");
    assert_eq!(names("1/2"), one, "the same shard twice");
}

#[test]
fn drift_over_targets_names_the_ones_that_drift_and_those_it_could_not_check() {
    let pg = Throwaway::start().unwrap();
    let targets: Vec<(String, String)> = five(&pg).into_iter().take(3).collect();
    let project = demo_project();
    let dir = project.path();
    let file = targets_file(dir, &targets);
    assert_code(
        &run(
            dir,
            &["migration", "apply", "--targets", &file, "--no-stamp"],
        ),
        0,
    );
    // eu drifts: a column no migration adds.
    psql(
        &targets[2].1,
        "ALTER TABLE service_ops.packet ADD COLUMN hotfix text",
    );
    let drift = |extra: &[&str]| {
        let mut args = vec!["migration", "drift", "--from", "migrations", "--shadow-url"];
        let shadow = pg.url();
        args.push(&shadow);
        args.extend_from_slice(extra);
        run(dir, &args)
    };

    let o = drift(&["--targets", &file]);
    assert_code(&o, 1);
    let out = stdout(&o);
    for name in ["== dev ==", "== staging ==", "== eu =="] {
        assert!(out.contains(name), "{name}: {out}");
    }
    assert!(out.contains("service_ops.packet.hotfix"), "{out}");
    assert!(out.contains("drift on 1 of 3 targets: eu"), "{out}");
    assert!(out.contains("no drift: dev, staging"), "{out}");

    let o = drift(&["--targets", &file, "--format", "json"]);
    assert_code(&o, 1);
    let report = json(&o);
    assert_eq!(report["drifted"], serde_json::json!(["eu"]));
    assert_eq!(report["targets"].as_array().unwrap().len(), 3);
    assert_eq!(report["targets"][0]["result"]["drift"], false);

    // A target that cannot be reached is reported in its section; the
    // others are still checked, and the answer is incomplete: exit 2.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let unreachable = format!("host=127.0.0.1 port={port} dbname=silent user=x connect_timeout=2");
    let o = drift(&[
        "--database-url",
        &targets[0].1,
        "--database-url",
        &unreachable,
        "--database-url",
        &targets[2].1,
    ]);
    assert_code(&o, 2);
    let out = stdout(&o);
    assert!(out.contains("drift on 1 of 3 targets"), "{out}");
    assert!(out.contains("not checked (1): silent@127.0.0.1"), "{out}");
    assert!(
        stderr(&o).contains("drift could not be checked on 1 of 3 targets"),
        "{}",
        stderr(&o)
    );

    // One catch-up script for many databases is refused.
    let o = drift(&["--targets", &file, "--script", "catch_up.sql"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("name one target"), "{}", stderr(&o));
    assert!(!dir.join("catch_up.sql").exists());
}
