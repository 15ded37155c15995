//! `corpus`: the conformance corpus (`../shared/corpus/pg-delta/corpus`,
//! 330 schema transitions from Supabase's pg-delta) run through the sync
//! round trip: each `a.sql` and `b.sql` is loaded into a database, rendered,
//! the files loaded into an empty database, and both compared (rendered
//! bytes and `pg_dump --schema-only`). A case that does not load on this
//! server is skipped and counted.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::pg::connect::Database;
use crate::pg::Throwaway;
use crate::schema::roundtrip;
use crate::Outcome;

pub struct Options {
    pub dir: PathBuf,
    pub filter: Option<String>,
    /// Failures to print in full.
    pub show: usize,
    /// Run the drift checks instead of the sync round trip.
    pub drift: bool,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<(String, Vec<String>)>,
    /// Failures in schemas where sync warned about kinds it does not model.
    failed_unmodelled: usize,
    skipped_load: Vec<(String, String)>,
    skipped_version: usize,
}

pub fn run(opts: &Options) -> Result<Outcome> {
    let cases = cases(opts)?;
    if opts.drift {
        return run_drift(opts, &cases);
    }
    run_sync(opts, &cases)
}

fn cases(opts: &Options) -> Result<Vec<PathBuf>> {
    let mut cases: Vec<PathBuf> = fs::read_dir(&opts.dir)
        .with_context(|| format!("cannot read the corpus at {}", opts.dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("a.sql").exists())
        .filter(|p| {
            opts.filter.as_ref().is_none_or(|f| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(f))
            })
        })
        .collect();
    cases.sort();
    Ok(cases)
}

/// What a case's meta.json says: the minimum server major version, and
/// whether it needs a cluster of its own.
fn meta(case: &Path) -> (u64, bool) {
    let meta = fs::read_to_string(case.join("meta.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let min_version = meta
        .as_ref()
        .and_then(|m| m.get("minVersion"))
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let isolated = meta
        .as_ref()
        .and_then(|m| m.get("isolatedCluster"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    (min_version, isolated)
}

fn run_sync(opts: &Options, cases: &[PathBuf]) -> Result<Outcome> {
    let started = Instant::now();
    let shared = Throwaway::start()?;
    let mut tally = Tally::default();
    let mut version = 0;
    for (n, case) in cases.iter().enumerate() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (min_version, isolated) = meta(case);
        for side in ["a", "b"] {
            // Cluster-wide objects (roles ...) need a cluster per schema.
            let own;
            let cluster = if isolated {
                own = Throwaway::start()?;
                &own
            } else {
                &shared
            };
            let server = Database::from_conninfo(&cluster.url(), |_| None)?;
            let label = format!("{name}/{side}.sql");
            let Ok(sql) = fs::read_to_string(case.join(format!("{side}.sql"))) else {
                continue;
            };
            let result = crate::pg::block_on(async {
                let admin = server.connect("touchpoint corpus").await?;
                if version == 0 {
                    version = admin
                        .query_one(
                            "SELECT current_setting('server_version_num')::int / 10000",
                            &[],
                        )
                        .await?
                        .get::<_, i32>(0);
                }
                if (version as u64) < min_version {
                    return Ok(None);
                }
                let (src, copy) = (
                    format!("corpus_src_{n}_{side}"),
                    format!("corpus_copy_{n}_{side}"),
                );
                admin
                    .batch_execute(&format!("CREATE DATABASE {src} TEMPLATE template0"))
                    .await?;
                let loaded = async {
                    let c = server
                        .with_dbname(&src)
                        .connect("touchpoint corpus")
                        .await?;
                    c.batch_execute(&sql).await?;
                    anyhow::Ok(())
                }
                .await;
                let out = match loaded {
                    Err(e) => Ok(Some(Err(format!("{e:#}")))),
                    Ok(()) => roundtrip::run(&admin, &server, &src, &copy)
                        .await
                        .map(|r| Some(Ok(r))),
                };
                for db in [&src, &copy] {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .await;
                }
                out
            });
            match result {
                Ok(None) => tally.skipped_version += 1,
                Ok(Some(Err(load))) => tally
                    .skipped_load
                    .push((label, load.lines().last().unwrap_or("").to_string())),
                Ok(Some(Ok(r))) if r.ok() => tally.passed += 1,
                Ok(Some(Ok(r))) => {
                    let mut why = Vec::new();
                    if !r.render_diff.is_empty() {
                        why.push(format!(
                            "the copy renders differently: {}",
                            r.render_diff.join(", ")
                        ));
                    }
                    why.extend(r.dump_diff.iter().map(|l| format!("pg_dump {l}")));
                    why.extend(r.warnings.iter().map(|w| format!("({w})")));
                    if !r.warnings.is_empty() {
                        tally.failed_unmodelled += 1;
                    }
                    tally.failed.push((label, why));
                }
                Err(e) => tally.failed.push((label, vec![format!("{e:#}")])),
            }
        }
    }
    let total = tally.passed + tally.failed.len();
    print_cases(&tally.failed, &tally.skipped_load, opts.show);
    println!(
        "sync round trip on {} corpus cases ({} schemas): {} passed, {} failed ({:.1}% of those that load pass; {} of the failures hold kinds sync reports as not modelled, {} do not); skipped: {} do not load on PostgreSQL {version}, {} need a newer server; {:.1} s",
        cases.len(),
        total + tally.skipped_load.len() + tally.skipped_version,
        tally.passed,
        tally.failed.len(),
        if total == 0 { 100.0 } else { 100.0 * tally.passed as f64 / total as f64 },
        tally.failed_unmodelled,
        tally.failed.len() - tally.failed_unmodelled,
        tally.skipped_load.len(),
        tally.skipped_version,
        started.elapsed().as_secs_f64()
    );
    Ok(if tally.failed.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

#[derive(Default)]
struct DriftTally {
    cases: usize,
    /// `a` against `a` loaded again: no finding, not even noise.
    same_clean: usize,
    /// `a` against `b`: drift found something exactly when pg_dump differs.
    detected: usize,
    /// The catch-up script from `b` to `a`, run twice: no drift left, the
    /// second run changed nothing.
    converged: usize,
    failed: Vec<(String, Vec<String>)>,
    /// Failures in schemas holding kinds drift does not model.
    failed_unmodelled: usize,
    skipped_load: Vec<(String, String)>,
    skipped_version: usize,
}

/// Runs `psql -f file` against database `db` of `server`.
fn psql_file(server: &Database, db: &str, file: &Path) -> Result<(), String> {
    let bin = crate::pg::cluster::Binaries::find().map_err(|e| format!("{e:#}"))?;
    let (conninfo, password) = server.with_dbname(db).for_tools();
    let mut cmd = std::process::Command::new(bin.bindir.join("psql"));
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &conninfo, "-f"])
        .arg(file);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The drift checks of the corpus README: `a` against `a` loaded again
/// reports nothing; `a` against `b` reports a difference exactly when their
/// `pg_dump --schema-only` differ; the catch-up script from `b` to `a`
/// (with drops allowed), run twice, leaves no drift and its second run
/// changes nothing.
fn run_drift(opts: &Options, cases: &[PathBuf]) -> Result<Outcome> {
    use crate::drift;
    let started = Instant::now();
    let shared = Throwaway::start()?;
    let scratch = tempfile::tempdir()?;
    let mut t = DriftTally::default();
    let mut version = 0u64;
    for (n, case) in cases.iter().enumerate() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (min_version, isolated) = meta(case);
        let (Ok(a_sql), Ok(b_sql)) = (
            fs::read_to_string(case.join("a.sql")),
            fs::read_to_string(case.join("b.sql")),
        ) else {
            continue;
        };
        t.cases += 1;
        let own;
        let cluster = if isolated {
            own = Throwaway::start()?;
            &own
        } else {
            &shared
        };
        let server = Database::from_conninfo(&cluster.url(), |_| None)?;
        let dbs = [
            format!("drift_{n}_a1"),
            format!("drift_{n}_a2"),
            format!("drift_{n}_b"),
        ];
        let loaded: Result<Option<Result<(), String>>> = crate::pg::block_on(async {
            let admin = server.connect("touchpoint corpus").await?;
            if version == 0 {
                version = admin
                    .query_one(
                        "SELECT current_setting('server_version_num')::int / 10000",
                        &[],
                    )
                    .await?
                    .get::<_, i32>(0) as u64;
            }
            if version < min_version {
                return Ok(None);
            }
            for (db, sql) in dbs.iter().zip([&a_sql, &a_sql, &b_sql]) {
                admin
                    .batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0"))
                    .await?;
                let c = server.with_dbname(db).connect("touchpoint corpus").await?;
                if let Err(e) = c.batch_execute(sql).await {
                    return Ok(Some(Err(format!("{e:#}"))));
                }
            }
            Ok(Some(Ok(())))
        });
        let read = |db: &str| -> Result<crate::schema::catalog::Catalog> {
            crate::pg::block_on(async {
                let c = server.with_dbname(db).connect("touchpoint corpus").await?;
                crate::schema::catalog::read(&c).await
            })
        };
        let mut why: Vec<String> = Vec::new();
        let mut unmodelled = false;
        match loaded {
            Ok(None) => t.skipped_version += 1,
            Ok(Some(Err(e))) => t
                .skipped_load
                .push((name.clone(), e.lines().last().unwrap_or("").to_string())),
            Err(e) => why.push(format!("{e:#}")),
            Ok(Some(Ok(()))) => {
                let result = (|| -> Result<()> {
                    let (a1, a2, b) = (read(&dbs[0])?, read(&dbs[1])?, read(&dbs[2])?);
                    unmodelled = !a1.unmodelled.is_empty() || !b.unmodelled.is_empty();
                    let none = drift::Options::default();
                    let same = drift::compare(&a1, &a2, &none);
                    if same.is_empty() {
                        t.same_clean += 1;
                    } else {
                        why.push(format!(
                            "a against a: {}",
                            same.iter()
                                .take(3)
                                .map(|f| format!("{} {}", f.id, f.what()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                    let ab = drift::compare(&a1, &b, &none);
                    let (da, db) = (
                        roundtrip::dump(&server, &dbs[0])?,
                        roundtrip::dump(&server, &dbs[2])?,
                    );
                    match (da == db, ab.is_empty()) {
                        (true, true) | (false, false) => t.detected += 1,
                        (false, true) => why.push(format!(
                            "a against b: pg_dump differs, drift found nothing: {}",
                            roundtrip::first_differences(&da, &db, 3).join(" | ")
                        )),
                        (true, false) => why.push(format!(
                            "a against b: pg_dump is equal, drift found {}",
                            ab.iter()
                                .take(3)
                                .map(|f| format!("{} {}", f.id, f.what()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )),
                    }
                    let s = drift::script::catch_up(
                        &a1,
                        &b,
                        &none,
                        true,
                        &drift::script::Labels {
                            actual: "b",
                            expected: "a",
                        },
                    );
                    let file = scratch.path().join(format!("{n}.sql"));
                    fs::write(&file, &s.text)?;
                    if let Err(e) = psql_file(&server, &dbs[2], &file) {
                        why.push(format!(
                            "catch-up script fails: {}",
                            e.lines().last().unwrap_or("")
                        ));
                        return Ok(());
                    }
                    let after_first = roundtrip::dump(&server, &dbs[2])?;
                    if let Err(e) = psql_file(&server, &dbs[2], &file) {
                        why.push(format!(
                            "catch-up script fails on its second run: {}",
                            e.lines().last().unwrap_or("")
                        ));
                        return Ok(());
                    }
                    let after_second = roundtrip::dump(&server, &dbs[2])?;
                    let left: Vec<drift::Finding> = drift::compare(&a1, &read(&dbs[2])?, &none)
                        .into_iter()
                        .filter(|f| f.noise.is_none())
                        .collect();
                    if after_first != after_second {
                        why.push(format!(
                            "the second run of the catch-up script changed the schema: {}",
                            roundtrip::first_differences(&after_first, &after_second, 3)
                                .join(" | ")
                        ));
                    } else if !left.is_empty() {
                        why.push(format!(
                            "drift left after the catch-up script: {}",
                            left.iter()
                                .take(3)
                                .map(|f| format!("{} {}", f.id, f.what()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    } else {
                        t.converged += 1;
                    }
                    Ok(())
                })();
                if let Err(e) = result {
                    why.push(format!("{e:#}"));
                }
            }
        }
        crate::pg::block_on(async {
            if let Ok(admin) = server.connect("touchpoint corpus").await {
                for db in &dbs {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .await;
                }
            }
        });
        if !why.is_empty() {
            if unmodelled {
                t.failed_unmodelled += 1;
            }
            t.failed.push((name, why));
        }
    }
    print_cases(&t.failed, &t.skipped_load, opts.show);
    let ran = t.cases - t.skipped_load.len() - t.skipped_version;
    println!(
        "drift on {} corpus cases ({ran} ran): a against a clean in {}, a against b agrees with pg_dump in {}, catch-up b -> a converges in {}; {} failed ({} of them hold kinds drift does not model); skipped: {} do not load on PostgreSQL {version}, {} need a newer server; {:.1} s",
        t.cases,
        t.same_clean,
        t.detected,
        t.converged,
        t.failed.len(),
        t.failed_unmodelled,
        t.skipped_load.len(),
        t.skipped_version,
        started.elapsed().as_secs_f64()
    );
    Ok(if t.failed.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// The first `show` failures with their reasons, and (unless `show` is 0)
/// every case skipped because it does not load.
fn print_cases(failed: &[(String, Vec<String>)], skipped: &[(String, String)], show: usize) {
    for (label, why) in failed.iter().take(show) {
        println!("FAIL {label}");
        for w in why {
            println!("    {w}");
        }
    }
    if show > 0 {
        for (label, why) in skipped {
            println!("skip {label}: {why}");
        }
    }
}

/// `../shared/corpus/pg-delta/corpus` beside the repository.
pub fn default_dir(root: &Path) -> PathBuf {
    root.join("../shared/corpus/pg-delta/corpus")
}
