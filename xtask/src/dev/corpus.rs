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

use crate::drift::{self, Difference};
use crate::outcome::Outcome;
use crate::pg::connect::Database;
use crate::pg::Throwaway;
use crate::schema::catalog::{self, Catalog};
use crate::schema::roundtrip;

/// Run the conformance corpus (pg-delta's schema transitions) through
/// the sync round trip and print pass / fail / skip counts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus directory [default: ../shared/corpus/pg-delta/corpus
    /// beside the repository].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only cases whose name contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Print this many failures in full, and every skip.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
    /// Run the drift checks instead of the sync round trip: `a` against `a`
    /// reports nothing, `a` against `b` finds the differences pg_dump
    /// shows, and the catch-up script from `b` to `a`, applied twice,
    /// leaves no drift.
    #[arg(long)]
    pub drift: bool,
}

impl Args {
    pub fn run(self, project: &crate::project::Project) -> Result<Outcome> {
        run(&Options {
            dir: self.dir.unwrap_or_else(|| default_dir(&project.root)),
            filter: self.filter,
            show: self.show,
            drift: self.drift,
        })
    }
}

/// What one corpus run does, resolved from its arguments.
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

fn run(opts: &Options) -> Result<Outcome> {
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
            let databases = (
                format!("corpus_src_{n}_{side}"),
                format!("corpus_copy_{n}_{side}"),
            );
            let result = crate::pg::block_on(round_trip(
                &server,
                &databases,
                &sql,
                &mut version,
                min_version,
            ));
            tally.count(label, result);
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

/// What became of one schema in the sync round trip.
enum RoundTripped {
    /// The case needs a newer server.
    TooOld,
    /// The server refused the schema: why.
    Refused(String),
    Done(roundtrip::RoundTrip),
}

/// Loads `sql` into the database `source`, round-trips it through `copy`
/// and drops both; reads the server's major version into `version` the
/// first time.
async fn round_trip(
    server: &Database,
    (source, copy): &(String, String),
    sql: &str,
    version: &mut i32,
    min_version: u64,
) -> Result<RoundTripped> {
    let admin = server.connect("touchpoint corpus").await?;
    if *version == 0 {
        *version = admin
            .query_one(
                "SELECT current_setting('server_version_num')::int / 10000",
                &[],
            )
            .await?
            .get::<_, i32>(0);
    }
    if (*version as u64) < min_version {
        return Ok(RoundTripped::TooOld);
    }
    admin
        .batch_execute(&format!("CREATE DATABASE {source} TEMPLATE template0"))
        .await?;
    let loaded = async {
        let c = server
            .with_dbname(source)
            .connect("touchpoint corpus")
            .await?;
        c.batch_execute(sql).await?;
        anyhow::Ok(())
    }
    .await;
    let out = match loaded {
        Err(e) => Ok(RoundTripped::Refused(format!("{e:#}"))),
        Ok(()) => roundtrip::run(&admin, server, source, copy)
            .await
            .map(RoundTripped::Done),
    };
    for db in [source, copy] {
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .await;
    }
    out
}

impl Tally {
    /// Counts one schema's round trip.
    fn count(&mut self, label: String, result: Result<RoundTripped>) {
        match result {
            Ok(RoundTripped::TooOld) => self.skipped_version += 1,
            Ok(RoundTripped::Refused(load)) => self
                .skipped_load
                .push((label, load.lines().last().unwrap_or("").to_string())),
            Ok(RoundTripped::Done(r)) if r.ok() => self.passed += 1,
            Ok(RoundTripped::Done(r)) => {
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
                    self.failed_unmodelled += 1;
                }
                self.failed.push((label, why));
            }
            Err(e) => self.failed.push((label, vec![format!("{e:#}")])),
        }
    }
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

/// Runs `psql -f file` against database `db` of `server`; psql's errors
/// as the error.
fn psql_file(server: &Database, db: &str, file: &Path) -> Result<()> {
    let bin = crate::pg::cluster::Binaries::find()?;
    let (conninfo, password) = server.with_dbname(db).for_tools();
    let mut cmd = std::process::Command::new(bin.bindir.join("psql"));
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &conninfo, "-f"])
        .arg(file);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().context("cannot run psql")?;
    if out.status.success() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "{}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The last line of an error's chain: what psql or the server said last.
fn last_line(e: &anyhow::Error) -> String {
    format!("{e:#}").lines().last().unwrap_or("").to_string()
}

/// `id what; ...` of the first three differences.
fn first_three(differences: &[Difference]) -> String {
    differences
        .iter()
        .take(3)
        .map(|d| format!("{} {}", d.id, d.what()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How a case's schemas loaded.
enum Loaded {
    /// The case needs a newer server.
    TooOld,
    /// The server refused a schema: the last line of why.
    Refused(String),
    Ready,
}

/// One corpus case's databases for the drift checks: `a` twice and `b`.
struct DriftCase {
    server: Database,
    a1: String,
    a2: String,
    b: String,
    /// Where the catch-up script is written.
    script: PathBuf,
}

impl DriftCase {
    /// Creates the databases and loads the schemas; reads the server's
    /// major version into `version` the first time.
    fn load(&self, version: &mut u64, min_version: u64, a: &str, b: &str) -> Result<Loaded> {
        crate::pg::block_on(async {
            let admin = self.server.connect("touchpoint corpus").await?;
            if *version == 0 {
                *version = admin
                    .query_one(
                        "SELECT current_setting('server_version_num')::int / 10000",
                        &[],
                    )
                    .await?
                    .get::<_, i32>(0) as u64;
            }
            if *version < min_version {
                return Ok(Loaded::TooOld);
            }
            for (db, sql) in [(&self.a1, a), (&self.a2, a), (&self.b, b)] {
                admin
                    .batch_execute(&format!("CREATE DATABASE {db} TEMPLATE template0"))
                    .await?;
                let c = self
                    .server
                    .with_dbname(db)
                    .connect("touchpoint corpus")
                    .await?;
                if let Err(e) = c.batch_execute(sql).await {
                    let why = format!("{e:#}");
                    return Ok(Loaded::Refused(
                        why.lines().last().unwrap_or("").to_string(),
                    ));
                }
            }
            Ok(Loaded::Ready)
        })
    }

    /// The catalog of `db`, owners modelled (as with `owners = true`).
    fn read(&self, db: &str) -> Result<Catalog> {
        crate::pg::block_on(async {
            let c = self
                .server
                .with_dbname(db)
                .connect("touchpoint corpus")
                .await?;
            let mut catalog = catalog::read(&c).await?;
            catalog.model_owners();
            Ok(catalog)
        })
    }

    /// The three checks; what failed goes to `why`, whether the schemas
    /// hold kinds drift does not model to `unmodelled`.
    fn check(
        &self,
        tally: &mut DriftTally,
        why: &mut Vec<String>,
        unmodelled: &mut bool,
    ) -> Result<()> {
        let (a1, a2, b) = (
            self.read(&self.a1)?,
            self.read(&self.a2)?,
            self.read(&self.b)?,
        );
        *unmodelled = !a1.unmodelled.is_empty() || !b.unmodelled.is_empty();
        let none = drift::Options {
            owners: true,
            ..Default::default()
        };
        let same = drift::compare(&a1, &a2, &none);
        if same.is_empty() {
            tally.same_clean += 1;
        } else {
            why.push(format!("a against a: {}", first_three(&same)));
        }
        match self.detects(&a1, &b)? {
            None => tally.detected += 1,
            Some(failure) => why.push(failure),
        }
        match self.catches_up(&a1, &b)? {
            None => tally.converged += 1,
            Some(failure) => why.push(failure),
        }
        Ok(())
    }

    /// `a` against `b` finds something exactly when their pg_dump differ;
    /// else what went wrong.
    fn detects(&self, a1: &Catalog, b: &Catalog) -> Result<Option<String>> {
        let ab = drift::compare(
            a1,
            b,
            &drift::Options {
                owners: true,
                ..Default::default()
            },
        );
        let (dump_a, dump_b) = (
            roundtrip::dump(&self.server, &self.a1)?,
            roundtrip::dump(&self.server, &self.b)?,
        );
        Ok(match (dump_a == dump_b, ab.is_empty()) {
            (true, true) | (false, false) => None,
            (false, true) => Some(format!(
                "a against b: pg_dump differs, drift found nothing: {}",
                roundtrip::first_differences(&dump_a, &dump_b, 3).join(" | ")
            )),
            (true, false) => Some(format!(
                "a against b: pg_dump is equal, drift found {}",
                first_three(&ab)
            )),
        })
    }

    /// The catch-up script from `b` to `a` (drops allowed), run twice,
    /// leaves no drift and its second run changes nothing; else what went
    /// wrong.
    fn catches_up(&self, a1: &Catalog, b: &Catalog) -> Result<Option<String>> {
        let none = drift::Options {
            owners: true,
            ..Default::default()
        };
        let labels = drift::script::Labels {
            actual: "b",
            expected: "a",
        };
        let script = drift::script::catch_up(a1, b, &none, true, &labels);
        let file = &self.script;
        fs::write(file, &script.text)?;
        if let Err(e) = psql_file(&self.server, &self.b, file) {
            return Ok(Some(format!("catch-up script fails: {}", last_line(&e))));
        }
        let after_first = roundtrip::dump(&self.server, &self.b)?;
        if let Err(e) = psql_file(&self.server, &self.b, file) {
            return Ok(Some(format!(
                "catch-up script fails on its second run: {}",
                last_line(&e)
            )));
        }
        let after_second = roundtrip::dump(&self.server, &self.b)?;
        let left: Vec<Difference> = drift::compare(a1, &self.read(&self.b)?, &none)
            .into_iter()
            .filter(|d| d.noise.is_none())
            .collect();
        Ok(if after_first != after_second {
            Some(format!(
                "the second run of the catch-up script changed the schema: {}",
                roundtrip::first_differences(&after_first, &after_second, 3).join(" | ")
            ))
        } else if !left.is_empty() {
            Some(format!(
                "drift left after the catch-up script: {}",
                first_three(&left)
            ))
        } else {
            None
        })
    }

    fn drop_databases(&self) {
        crate::pg::block_on(async {
            if let Ok(admin) = self.server.connect("touchpoint corpus").await {
                for db in [&self.a1, &self.a2, &self.b] {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .await;
                }
            }
        });
    }
}

/// The drift checks of the corpus README: `a` against `a` loaded again
/// reports nothing; `a` against `b` reports a difference exactly when their
/// `pg_dump --schema-only` differ; the catch-up script from `b` to `a`
/// (with drops allowed), run twice, leaves no drift and its second run
/// changes nothing.
fn run_drift(opts: &Options, cases: &[PathBuf]) -> Result<Outcome> {
    let started = Instant::now();
    let shared = Throwaway::start()?;
    let scratch = tempfile::tempdir()?;
    let mut tally = DriftTally::default();
    let mut version = 0u64;
    for (n, dir) in cases.iter().enumerate() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (min_version, isolated) = meta(dir);
        let (Ok(a), Ok(b)) = (
            fs::read_to_string(dir.join("a.sql")),
            fs::read_to_string(dir.join("b.sql")),
        ) else {
            continue;
        };
        tally.cases += 1;
        // Cluster-wide objects (roles ...) need a cluster per case.
        let own;
        let cluster = if isolated {
            own = Throwaway::start()?;
            &own
        } else {
            &shared
        };
        let case = DriftCase {
            server: Database::from_conninfo(&cluster.url(), |_| None)?,
            a1: format!("drift_{n}_a1"),
            a2: format!("drift_{n}_a2"),
            b: format!("drift_{n}_b"),
            script: scratch.path().join(format!("{n}.sql")),
        };
        let mut why: Vec<String> = Vec::new();
        let mut unmodelled = false;
        match case.load(&mut version, min_version, &a, &b) {
            Ok(Loaded::TooOld) => tally.skipped_version += 1,
            Ok(Loaded::Refused(last)) => tally.skipped_load.push((name.clone(), last)),
            Err(e) => why.push(format!("{e:#}")),
            Ok(Loaded::Ready) => {
                if let Err(e) = case.check(&mut tally, &mut why, &mut unmodelled) {
                    why.push(format!("{e:#}"));
                }
            }
        }
        case.drop_databases();
        if !why.is_empty() {
            if unmodelled {
                tally.failed_unmodelled += 1;
            }
            tally.failed.push((name, why));
        }
    }
    print_cases(&tally.failed, &tally.skipped_load, opts.show);
    let ran = tally.cases - tally.skipped_load.len() - tally.skipped_version;
    println!(
        "drift on {} corpus cases ({ran} ran): a against a clean in {}, a against b agrees with pg_dump in {}, catch-up b -> a converges in {}; {} failed ({} of them hold kinds drift does not model); skipped: {} do not load on PostgreSQL {version}, {} need a newer server; {:.1} s",
        tally.cases,
        tally.same_clean,
        tally.detected,
        tally.converged,
        tally.failed.len(),
        tally.failed_unmodelled,
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
