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
    let started = Instant::now();
    let shared = Throwaway::start()?;
    let mut tally = Tally::default();
    let mut version = 0;
    for (n, case) in cases.iter().enumerate() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
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
    for (label, why) in tally.failed.iter().take(opts.show) {
        println!("FAIL {label}");
        for w in why {
            println!("    {w}");
        }
    }
    if opts.show > 0 {
        for (label, why) in &tally.skipped_load {
            println!("skip {label}: {why}");
        }
    }
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

/// `../shared/corpus/pg-delta/corpus` beside the repository.
pub fn default_dir(root: &Path) -> PathBuf {
    root.join("../shared/corpus/pg-delta/corpus")
}
