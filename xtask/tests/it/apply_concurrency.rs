//! `migration apply` under contention and under SIGKILL, through the real
//! binary: concurrent applies serialise on the advisory lock and apply each
//! migration exactly once; a process killed at any moment leaves a history
//! that says exactly what was committed, and the next apply finishes the job
//! (stamps included) with the same schema as a clean run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{assert_code, psql, stderr, stdout, xtask_db};
use touchpoint::migration::{Migration, StampState, Touchpoint};
use touchpoint::pg::Throwaway;
use touchpoint::project::Project;

const LOCK_MESSAGE: &str = "another apply holds the migration lock";

/// A copy of the demo set with every Executed stamp reopened, whatever state
/// the repository's files are in, so stamps seen later are this test's.
fn fresh_demo_project() -> tempfile::TempDir {
    let dir = crate::support::demo_project();
    for e in std::fs::read_dir(dir.path().join("migrations")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let clear = touchpoint::migration::header::clear_stamp(&text, Touchpoint::Executed)
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        std::fs::write(&path, clear).unwrap();
    }
    let set = Project::new(dir.path()).load_migrations().unwrap();
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(set.migrations.len(), 10, "the demo set has 10 files");
    for m in &set.migrations {
        assert!(
            !matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_)),
            "{} starts unstamped",
            m.name.stem
        );
    }
    dir
}

fn load(dir: &Path) -> Vec<Migration> {
    let set = Project::new(dir).load_migrations().unwrap();
    assert!(
        set.problems.is_empty(),
        "the files stay parseable: {:?}",
        set.problems
    );
    set.migrations
}

fn spawn_apply(dir: &Path, url: &str, lock_timeout: u64) -> Child {
    crate::support::command(dir)
        .args(["migration", "apply", "--database-url", url])
        .args(["--lock-timeout", &lock_timeout.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the xtask binary starts")
}

/// Versions named on `applied <version> ...` lines (not the summary line).
fn applied_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("applied "))
        .filter(|rest| rest.starts_with("20"))
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .collect()
}

/// `(version, success, statements_done, statements_total)` per row, or
/// `None` when the tracking table does not exist.
type Row = (String, bool, Option<i32>, Option<i32>);

fn tracking_rows(url: &str) -> Option<Vec<Row>> {
    if psql(
        url,
        "SELECT to_regclass('public.schema_migrations') IS NULL",
    ) == "t"
    {
        return None;
    }
    let out = psql(
        url,
        "SELECT version || '|' || success || '|' || coalesce(statements_done::text, '') || '|' || coalesce(statements_total::text, '')
           FROM public.schema_migrations ORDER BY version",
    );
    let num = |s: &str| (!s.is_empty()).then(|| s.parse::<i32>().unwrap());
    Some(
        out.lines()
            .map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                (f[0].to_string(), f[1] == "true", num(f[2]), num(f[3]))
            })
            .collect(),
    )
}

/// Every file parses, has exactly one Executed line, ticked with its current
/// checksum.
fn assert_every_file_stamped_once(dir: &Path) {
    let migrations = load(dir);
    assert_eq!(migrations.len(), 10);
    for m in &migrations {
        let executed_lines = m
            .source
            .lines()
            .filter(|l| l.contains("] Executed"))
            .count();
        assert_eq!(
            executed_lines, 1,
            "{} has exactly one Executed line:\n{}",
            m.name.stem, m.source
        );
        assert!(
            matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_)),
            "{}: Executed stamp is current, got {:?}",
            m.name.stem,
            m.stamp_state(Touchpoint::Executed)
        );
    }
}

fn assert_ten_successful_rows(url: &str, dir: &Path) {
    let rows = tracking_rows(url).expect("the tracking table exists");
    let want: Vec<String> = load(dir).iter().map(|m| m.name.stem.clone()).collect();
    let got: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(got, want, "one row per file");
    assert!(rows.iter().all(|r| r.1), "every row success: {rows:?}");
}

#[test]
fn eight_concurrent_applies_apply_each_migration_once() {
    let pg = Throwaway::start().unwrap();

    // --lock-timeout 60: everyone waits for the lock and nobody fails.
    psql(&pg.url(), "CREATE DATABASE waiting");
    let url = pg.url_for("waiting");
    let dir = fresh_demo_project();
    let children: Vec<Child> = (0..8).map(|_| spawn_apply(dir.path(), &url, 60)).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut per_version: BTreeMap<String, usize> = BTreeMap::new();
    let mut lock_failures = 0;
    for o in &outputs {
        if o.status.code() != Some(0) {
            assert!(stderr(o).contains(LOCK_MESSAGE), "{}", stderr(o));
            lock_failures += 1;
        }
        for v in applied_lines(&stdout(o)) {
            *per_version.entry(v).or_default() += 1;
        }
    }
    assert_eq!(
        lock_failures, 0,
        "within 60 s every apply gets the lock in turn"
    );
    let want: Vec<String> = load(dir.path())
        .iter()
        .map(|m| m.name.stem.clone())
        .collect();
    assert_eq!(
        per_version.keys().cloned().collect::<Vec<_>>(),
        want,
        "every migration applied by someone"
    );
    assert!(
        per_version.values().all(|&n| n == 1),
        "each migration applied by exactly one process: {per_version:?}"
    );
    assert_eq!(per_version.values().sum::<usize>(), 10);
    let appliers = outputs
        .iter()
        .filter(|o| stdout(o).contains("applied 10 migrations"))
        .count();
    assert_eq!(appliers, 1, "one process applied everything");
    assert_eq!(
        outputs
            .iter()
            .filter(|o| stdout(o).contains("applied 0 migrations"))
            .count(),
        7,
        "the seven others found nothing to do"
    );
    assert_ten_successful_rows(&url, dir.path());
    assert_every_file_stamped_once(dir.path());
    let again = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&again, 0);
    assert!(
        stdout(&again).contains("applied 0 migrations"),
        "{}",
        stdout(&again)
    );
    assert!(
        !stdout(&again).contains("stamped"),
        "nothing left to stamp: {}",
        stdout(&again)
    );

    // --lock-timeout 0: the losers give up at once, naming the holder.
    psql(&pg.url(), "CREATE DATABASE impatient");
    let url = pg.url_for("impatient");
    let dir = fresh_demo_project();
    let children: Vec<Child> = (0..8).map(|_| spawn_apply(dir.path(), &url, 0)).collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut per_version: BTreeMap<String, usize> = BTreeMap::new();
    let mut lock_failures = Vec::new();
    for o in &outputs {
        match o.status.code() {
            Some(0) => {}
            Some(1) => {
                let err = stderr(o);
                assert!(err.contains(LOCK_MESSAGE), "{err}");
                assert!(
                    err.contains("--lock-timeout"),
                    "says how to wait longer: {err}"
                );
                assert!(
                    applied_lines(&stdout(o)).is_empty(),
                    "a process without the lock applies nothing: {}",
                    stdout(o)
                );
                lock_failures.push(err);
            }
            other => panic!("exit {other:?}\n{}\n{}", stdout(o), stderr(o)),
        }
        for v in applied_lines(&stdout(o)) {
            *per_version.entry(v).or_default() += 1;
        }
    }
    assert!(
        !lock_failures.is_empty(),
        "with --lock-timeout 0 at least one of 8 simultaneous applies meets the lock"
    );
    // The holder is named unless it let go between the try and the lookup.
    let named: Vec<&String> = lock_failures
        .iter()
        .filter(|e| e.contains("server pid "))
        .collect();
    assert!(
        !named.is_empty(),
        "the lock error names the holder: {lock_failures:#?}"
    );
    for e in &named {
        let pid = e.split("server pid ").nth(1).unwrap();
        let digits: String = pid.chars().take_while(char::is_ascii_digit).collect();
        assert!(!digits.is_empty(), "a pid follows: {e}");
        assert!(
            e.contains("touchpoint apply") && e.contains("local socket"),
            "names the holder's application and origin: {e}"
        );
    }
    for e in &lock_failures {
        assert!(
            e.contains("server pid ") || e.contains("a session that has since ended"),
            "{e}"
        );
    }
    assert_eq!(
        outputs
            .iter()
            .filter(|o| stdout(o).contains("applied 10 migrations"))
            .count(),
        1,
        "one process applied everything"
    );
    assert!(
        per_version.values().all(|&n| n == 1) && per_version.len() == 10,
        "{per_version:?}"
    );
    assert_ten_successful_rows(&url, dir.path());
    assert_every_file_stamped_once(dir.path());
    eprintln!(
        "lock-timeout 0: {} of 8 applies met the lock ({} named the holder)",
        lock_failures.len(),
        named.len()
    );
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// `pg_dump --schema-only` of `url`, without comments and meta-commands.
fn schema(url: &str) -> String {
    let o = Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--restrict-key=touchpointcheck",
        ])
        .arg(url)
        .output()
        .expect("pg_dump runs");
    assert!(o.status.success(), "pg_dump: {}", stderr(&o));
    stdout(&o)
        .lines()
        .filter(|l| !l.starts_with("--") && !l.starts_with('\\') && !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until no session is connected to `database` (the killed client's
/// backend notices the closed socket and ends).
fn wait_for_no_sessions(admin_url: &str, database: &str) {
    let start = Instant::now();
    loop {
        let n = psql(
            admin_url,
            &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"),
        );
        if n == "0" {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the killed apply's backend is still connected to {database} after 15 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[derive(Debug, Default)]
struct Tally {
    before: usize,
    during: usize,
    after: usize,
    finished_before_kill: usize,
    unstamped_healed: usize,
    invalid_index: usize,
    no_transaction_partial: usize,
}

#[test]
fn kill_9_at_random_moments_leaves_a_consistent_history() {
    let started = Instant::now();
    let pg = Throwaway::start().unwrap();
    let (reference, full, spread_us) = reference_run(&pg);
    let mut tally = Tally::default();
    for trial in 0..TRIALS {
        kill_trial(&pg, trial, spread_us, &reference, &mut tally);
    }
    eprintln!(
        "kill -9 trials: {TRIALS}; killed before any row: {}, during: {}, after all 10 rows: {} \
         ({} had already exited); no-transaction file left partial: {}; unstamped files healed: {}; \
         INVALID-index trials: {}; clean apply {} ms; total {:.1} s",
        tally.before,
        tally.during,
        tally.after,
        tally.finished_before_kill,
        tally.no_transaction_partial,
        tally.unstamped_healed,
        tally.invalid_index,
        full.as_millis(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(tally.before + tally.during + tally.after, TRIALS as usize);
    assert!(
        tally.during >= 1,
        "at least one kill landed mid-run: {tally:?}"
    );
}

const TRIALS: u64 = 24;

/// A clean apply's schema, and how long an apply takes (the fastest of
/// three), and the spread to place kills over.
fn reference_run(pg: &Throwaway) -> (String, Duration, u64) {
    let admin = pg.url();
    // The reference: a clean apply, timed to spread the kills over it.
    psql(&admin, "CREATE DATABASE reference");
    let reference_url = pg.url_for("reference");
    let reference_dir = fresh_demo_project();
    let t = Instant::now();
    let o = xtask_db(
        reference_dir.path(),
        &reference_url,
        &["migration", "apply"],
    );
    let mut full = t.elapsed();
    assert_code(&o, 0);
    assert_ten_successful_rows(&reference_url, reference_dir.path());
    let reference = schema(&reference_url);
    assert!(reference.contains("CREATE TABLE"), "{reference}");
    // Two more timed runs: the fastest is the least disturbed by whatever
    // else the machine is doing.
    for n in 0..2 {
        psql(&admin, &format!("CREATE DATABASE calibrate_{n}"));
        let dir = fresh_demo_project();
        let t = Instant::now();
        let o = xtask_db(
            dir.path(),
            &pg.url_for(&format!("calibrate_{n}")),
            &["migration", "apply"],
        );
        full = full.min(t.elapsed());
        assert_code(&o, 0);
    }
    // From process start to exit, plus a third so some kills land after.
    let spread_us = (full.as_micros() as u64 * 4 / 3).max(1_000);
    (reference, full, spread_us)
}

/// One apply killed (SIGKILL) after a pseudo-random delay: the history
/// left must match what the database holds, and the next apply finishes.
fn kill_trial(pg: &Throwaway, trial: u64, spread_us: u64, reference: &str, tally: &mut Tally) {
    let admin = pg.url();
    let database = format!("trial_{trial}");
    psql(&admin, &format!("CREATE DATABASE {database}"));
    let url = pg.url_for(&database);
    let dir = fresh_demo_project();
    // Stratified: trial k lands in the k-th slice of the spread, at a
    // pseudo-random point inside it.
    let mut seed = 0x9E37_79B9_7F4A_7C15 ^ (trial + 1);
    for _ in 0..4 {
        seed = xorshift(seed);
    }
    let delay_us = spread_us * trial / TRIALS + seed % (spread_us / TRIALS).max(1);

    let mut child = spawn_apply(dir.path(), &url, 60);
    std::thread::sleep(Duration::from_micros(delay_us));
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let killed = child.wait_with_output().unwrap();
    if finished {
        tally.finished_before_kill += 1;
        assert_code(&killed, 0);
    }
    wait_for_no_sessions(&admin, &database);
    let ctx = format!("trial {trial} (killed after {delay_us} us)");

    // What the history says must be what the database holds.
    let migrations = load(dir.path());
    let rows = tracking_rows(&url).unwrap_or_default();
    for (row, m) in rows.iter().zip(&migrations) {
        assert_eq!(row.0, m.name.stem, "{ctx}: rows are a prefix of the files");
    }
    assert!(rows.len() <= migrations.len(), "{ctx}: {rows:?}");
    for (i, row) in rows.iter().enumerate() {
        if !row.1 {
            let m = &migrations[i];
            assert!(
                m.no_transaction,
                "{ctx}: only a no-transaction file may have a failed row: {row:?}"
            );
            assert_eq!(i + 1, rows.len(), "{ctx}: a failed row is the last");
            let (done, total) = (row.2.unwrap(), row.3.unwrap());
            assert!(
                (0..=total).contains(&done),
                "{ctx}: statements_done {done} of {total}"
            );
            tally.no_transaction_partial += 1;
        }
    }
    let stamped_without_row: Vec<&str> = migrations
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_))
                && !rows.get(*i).is_some_and(|r| r.1)
        })
        .map(|(_, m)| m.name.stem.as_str())
        .collect();
    assert!(
        stamped_without_row.is_empty(),
        "{ctx}: stamped Executed but not committed: {stamped_without_row:?}"
    );
    let unstamped_applied = migrations
        .iter()
        .zip(&rows)
        .filter(|(m, r)| {
            r.1 && !matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_))
        })
        .count();
    assert_rows_match_checks(&ctx, &url, &migrations, &rows);
    let invalid = psql(
        &url,
        "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'pg_toast')",
    );
    let complete = rows.len() == 10 && rows.iter().all(|r| r.1);
    if rows.is_empty() {
        tally.before += 1;
    } else if complete {
        tally.after += 1;
    } else {
        tally.during += 1;
    }
    let ctx = Trial {
        ctx,
        dir: dir.path(),
        url: &url,
        admin: &admin,
        database: &database,
    };
    rerun_finishes(&ctx, &rows, unstamped_applied, invalid, reference, tally);
}

/// Where a trial ran.
struct Trial<'a> {
    ctx: String,
    dir: &'a Path,
    url: &'a str,
    admin: &'a str,
    database: &'a str,
}

/// Rows recorded as applied pass their verify checks; the first file with
/// no row does not (nothing of it was committed).
fn assert_rows_match_checks(ctx: &str, url: &str, migrations: &[Migration], rows: &[Row]) {
    let first_unrecorded = migrations
        .iter()
        .skip(rows.len())
        .find(|m| !m.no_transaction);
    touchpoint::pg::block_on(async {
        let client = touchpoint::pg::exec::connect_plain(url).await.unwrap();
        for (m, row) in migrations.iter().zip(rows).filter(|(_, r)| r.1) {
            let checks = touchpoint::pg::exec::run_checks(&client, m, &m.name.stem)
                .await
                .unwrap_or_else(|e| panic!("{ctx}: verify of {}: {e:#}", m.name.stem));
            assert!(
                !checks.is_empty() && checks.iter().all(|c| c.passed),
                "{ctx}: {} is recorded as applied ({row:?}) but its checks say {checks:?}",
                m.name.stem
            );
        }
        if let Some(m) = first_unrecorded {
            let all_pass = match touchpoint::pg::exec::run_checks(&client, m, &m.name.stem).await {
                Ok(checks) => !checks.is_empty() && checks.iter().all(|c| c.passed),
                Err(_) => false,
            };
            assert!(
                !all_pass,
                "{ctx}: {} has no row, yet its verify checks all pass: part of it was committed",
                m.name.stem
            );
        }
    });
}

/// The apply after the kill finishes the job (after the printed DROP when
/// the kill left an INVALID index), heals the stamps, and gives the
/// reference schema.
fn rerun_finishes(
    trial: &Trial,
    rows: &[Row],
    unstamped_applied: usize,
    invalid: String,
    reference: &str,
    tally: &mut Tally,
) {
    let Trial {
        ctx,
        dir,
        url,
        admin,
        database,
    } = trial;
    let (dir, url) = (*dir, *url);
    // The next apply finishes the job.
    let mut o = xtask_db(dir, url, &["migration", "apply"]);
    if invalid != "0" {
        tally.invalid_index += 1;
        assert_code(&o, 1);
        let err = stderr(&o);
        assert!(
            err.contains("INVALID") && err.contains("DROP INDEX CONCURRENTLY IF EXISTS"),
            "{ctx}: {err}"
        );
        let drop = err
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("DROP INDEX CONCURRENTLY IF EXISTS"))
            .unwrap_or_else(|| panic!("{ctx}: the DROP is printed on its own line: {err}"));
        psql(url, drop);
        o = xtask_db(dir, url, &["migration", "apply"]);
    }
    assert_code(&o, 0);
    let out = stdout(&o);
    if unstamped_applied > 0 {
        tally.unstamped_healed += 1;
        assert!(
            out.contains(&format!(
                "stamped {unstamped_applied} applied file(s) that lacked their Executed stamp"
            )),
            "{ctx}: {unstamped_applied} applied file(s) lacked a stamp: {out}"
        );
    } else {
        assert!(!out.contains("stamped"), "{ctx}: {out}");
    }
    let recorded_ok = rows.iter().filter(|r| r.1).count();
    assert!(
        out.contains(&format!("; {recorded_ok} already applied")),
        "{ctx}: the rerun skips the {recorded_ok} recorded migrations: {out}"
    );
    if rows.last().is_some_and(|r| !r.1) {
        assert!(out.contains("resuming "), "{ctx}: {out}");
    }
    assert_ten_successful_rows(url, dir);
    assert_every_file_stamped_once(dir);
    assert_eq!(
        schema(url),
        reference,
        "{ctx}: the schema equals a clean run's"
    );
    psql(admin, &format!("DROP DATABASE {database}"));
}

/// An apply that waited for the lock while another applied must not claim
/// to have stamped files: the winner stamped them.
#[test]
fn an_apply_that_waited_does_not_claim_the_winners_stamps() {
    use std::io::Write;
    let pg = Throwaway::start().unwrap();
    let url = pg.url();
    let dir = fresh_demo_project();
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--target", "9"]),
        0,
    );
    // Hold migration 10's table so the winner stays inside it.
    let mut holder = Command::new("psql")
        .args([url.as_str(), "-XAq", "-v", "ON_ERROR_STOP=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = holder.stdin.take().unwrap();
    writeln!(
        stdin,
        "BEGIN; LOCK TABLE service_ops.packet_decision IN ACCESS EXCLUSIVE MODE;"
    )
    .unwrap();
    let wait_until = |sql: &str, want: &str| {
        let start = Instant::now();
        while psql(&url, sql) != want {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waiting for {sql}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_until(
        "SELECT count(*) FROM pg_locks WHERE relation = 'service_ops.packet_decision'::regclass AND mode = 'AccessExclusiveLock' AND granted",
        "1",
    );
    let winner = spawn_apply(dir.path(), &url, 60);
    wait_until(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'touchpoint apply' AND wait_event_type = 'Lock'",
        "1",
    );
    let waiter = spawn_apply(dir.path(), &url, 60);
    // Connected means it has read migrations/ already.
    wait_until(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'touchpoint apply'",
        "2",
    );
    writeln!(stdin, "COMMIT;").unwrap();
    drop(stdin);
    assert!(holder.wait().unwrap().success());
    let winner = winner.wait_with_output().unwrap();
    let waiter = waiter.wait_with_output().unwrap();
    assert_code(&winner, 0);
    assert_code(&waiter, 0);
    assert!(
        stdout(&winner).contains("applied 1 migration in"),
        "{}",
        stdout(&winner)
    );
    assert!(
        stdout(&waiter).contains("applied 0 migrations"),
        "{}",
        stdout(&waiter)
    );
    assert_every_file_stamped_once(dir.path());
    assert!(
        !stdout(&waiter).contains("stamped"),
        "the waiter wrote no stamp, yet says: {}",
        stdout(&waiter)
    );
}

/// A kill while CREATE INDEX CONCURRENTLY waits for another transaction: the
/// backend notices the lost client (client_connection_check_interval) and
/// ends, leaving an INVALID index; the next apply names it and the DROP to
/// run, and after that DROP resumes at the CREATE.
#[test]
fn kill_9_during_a_blocked_create_index_concurrently_leaves_an_invalid_index_apply_names() {
    use std::io::Write;
    let pg = Throwaway::start().unwrap();
    let admin = pg.url();
    psql(&admin, "CREATE DATABASE reference");
    let reference_url = pg.url_for("reference");
    assert_code(
        &xtask_db(
            fresh_demo_project().path(),
            &reference_url,
            &["migration", "apply"],
        ),
        0,
    );
    psql(&admin, "CREATE DATABASE victim");
    let url = pg.url_for("victim");
    let dir = fresh_demo_project();
    assert_code(
        &xtask_db(dir.path(), &url, &["migration", "apply", "--target", "8"]),
        0,
    );

    // A writer's open transaction makes CREATE INDEX CONCURRENTLY wait
    // after it has committed the (still INVALID) index.
    let mut blocker = Command::new("psql")
        .args([url.as_str(), "-XAq", "-v", "ON_ERROR_STOP=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = blocker.stdin.take().unwrap();
    writeln!(
        stdin,
        "BEGIN; LOCK TABLE service_ops.send_integration IN ROW EXCLUSIVE MODE;"
    )
    .unwrap();
    let wait_until = |sql: &str, want: &str| {
        let start = Instant::now();
        loop {
            let got = psql(&url, sql);
            if got == want {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited 20 s for {sql} = {want}, got {got}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_until(
        "SELECT count(*) FROM pg_locks WHERE relation = 'service_ops.send_integration'::regclass AND mode = 'RowExclusiveLock' AND granted",
        "1",
    );
    let mut child = spawn_apply(dir.path(), &url, 60);
    wait_until(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'touchpoint apply'
            AND wait_event_type = 'Lock' AND query ILIKE 'CREATE INDEX CONCURRENTLY%idx_send_integration_correlation_id%'",
        "1",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // The blocker is still open: only the connection check ends the backend.
    let gone_after = wait_until(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'touchpoint apply'",
        "0",
    );
    assert!(
        gone_after < Duration::from_secs(10),
        "the killed client's backend ended within {gone_after:?}"
    );
    writeln!(stdin, "COMMIT;").unwrap();
    drop(stdin);
    assert!(blocker.wait().unwrap().success());

    assert_eq!(
        psql(
            &url,
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('service_ops.idx_send_integration_correlation_id')"
        ),
        "f",
        "the interrupted build left an INVALID index"
    );
    let rows = tracking_rows(&url).unwrap();
    assert_eq!(rows.len(), 9, "{rows:?}");
    let nine = &rows[8];
    assert!(nine.0.contains("_09_"), "{nine:?}");
    assert_eq!(
        (nine.1, nine.2, nine.3),
        (false, Some(1), Some(4)),
        "statement 1 done, the kill hit statement 2"
    );

    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("index service_ops.idx_send_integration_correlation_id exists but is INVALID"),
        "{err}"
    );
    assert!(
        err.contains(
            "DROP INDEX CONCURRENTLY IF EXISTS service_ops.idx_send_integration_correlation_id;"
        ),
        "{err}"
    );
    assert!(err.contains("resumes at statement 2 of 4"), "{err}");
    assert!(
        psql(
            &url,
            "SELECT last_error FROM schema_migrations WHERE version LIKE '%\\_09\\_%'"
        )
        .contains("INVALID"),
        "the error is recorded"
    );
    psql(
        &url,
        "DROP INDEX CONCURRENTLY IF EXISTS service_ops.idx_send_integration_correlation_id",
    );
    let o = xtask_db(dir.path(), &url, &["migration", "apply"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(
            "resuming 2026-11-05_09_index_correlation_ids_concurrently at statement 2 of 4"
        ),
        "{out}"
    );
    assert!(out.contains("applied 2 migrations"), "{out}");
    assert_ten_successful_rows(&url, dir.path());
    assert_every_file_stamped_once(dir.path());
    assert_eq!(schema(&url), schema(&reference_url));
}
