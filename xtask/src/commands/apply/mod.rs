//! `migration apply`: runs the pending migrations, each in one transaction
//! with its verify queries and its tracking row, then ticks the Executed
//! stamp. `-- migrate:no-transaction` files run statement by statement with
//! their progress recorded, so a crash leaves a visible, resumable record.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use tokio_postgres::{Client, Statement};

use crate::args::{DatabaseArgs, FleetArgs, Format, FormatArgs, LockArgs, StampArgs};
use crate::migration::{Migration, StampState, Touchpoint};
use crate::outcome::Outcome;
use crate::pg::connect::{session_settings, Database};
use crate::pg::exec::{run_checks, run_statement, statements, Check, Stmt};
use crate::pg::tracking::{self, Applied, TableName};
use crate::project::Project;
use crate::runner::plan::{Plan, State};

mod fleet;

/// Run the pending migrations: each in one transaction with its verify
/// queries and its tracking row; then tick its Executed stamp.
///
/// Takes an advisory lock so that only one apply runs at a time; stops
/// when an applied file has changed, when a file is out of order, or when
/// a verify check fails. Example:
///   cargo xtask migration apply --rehearse   (run everything, roll back)
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Stop after the migration numbered NN.
    #[arg(long, value_name = "NN")]
    pub target: Option<u32>,
    /// Run and verify everything in one transaction, then roll it back;
    /// no file is changed.
    #[arg(long)]
    pub rehearse: bool,
    /// Apply a pending migration numbered below the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Apply into a database that has tables but no history (the
    /// migrations must be idempotent).
    #[arg(long)]
    pub baseline_existing: bool,
    #[command(flatten)]
    pub stamp: StampArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// `json`: one result per target (name, state, applied, pending left,
    /// error, milliseconds), for scripts and CI matrices to merge.
    #[command(flatten)]
    pub format: FormatArgs,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let opts = Options {
            target: self.target,
            rehearse: self.rehearse,
            allow_out_of_order: self.allow_out_of_order,
            baseline_existing: self.baseline_existing,
            lock_wait: self.lock.wait(),
            table: self.db.table()?,
            stamp: self.stamp.enabled(),
            today: crate::args::today(),
            echo: Echo::default(),
        };
        if !self.db.is_fleet() && self.format.format == Format::Text {
            let db = self.db.database(project)?;
            crate::pg::block_on(apply(project, &db, &opts))?;
            return Ok(Outcome::Clean);
        }
        let targets = self.db.targets(project)?;
        let jobs = self.fleet.jobs(targets.len());
        fleet::apply_all(project, &targets, &opts, jobs, &self)
    }
}

/// What one apply does, resolved from its arguments.
#[derive(Debug, Clone)]
pub struct Options {
    /// Stop after this NN.
    pub target: Option<u32>,
    pub rehearse: bool,
    pub allow_out_of_order: bool,
    pub baseline_existing: bool,
    pub lock_wait: Duration,
    pub table: TableName,
    /// Tick Executed stamps in the files.
    pub stamp: bool,
    pub today: NaiveDate,
    pub echo: Echo,
}

/// Where one apply's lines go: to the terminal, or, when several targets
/// run at once, nowhere for the per-migration lines (one line per target
/// is printed instead) and to stderr with the target's name for warnings.
#[derive(Debug, Clone, Default)]
pub struct Echo {
    /// The target's name, when several run at once.
    pub target: Option<String>,
}

impl Echo {
    fn out(&self, line: impl std::fmt::Display) {
        if self.target.is_none() {
            println!("{line}");
        }
    }

    fn err(&self, line: impl std::fmt::Display) {
        match &self.target {
            None => eprintln!("{line}"),
            Some(name) => eprintln!("[{name}] {line}"),
        }
    }
}

/// What one apply did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    pub applied: usize,
    pub already: usize,
    /// Pending migrations it did not run (`--target`, a rehearsal stopping
    /// before a no-transaction file).
    pub left: usize,
}

pub async fn apply(project: &Project, db: &Database, opts: &Options) -> Result<Report> {
    let client = db.connect("touchpoint apply").await?;
    tracking::with_lock(
        &client,
        opts.lock_wait,
        apply_with_lock(project, db, &client, opts),
    )
    .await
}

/// Reads migrations/ under the lock: an apply that waited for another sees
/// the files as the other left them (stamps included).
async fn apply_with_lock(
    project: &Project,
    db: &Database,
    client: &Client,
    opts: &Options,
) -> Result<Report> {
    let migrations = project.load_migrations()?.sound("applied")?;
    apply_locked(project, db, client, &migrations, opts).await
}

async fn apply_locked(
    project: &Project,
    db: &Database,
    client: &Client,
    migrations: &[Migration],
    opts: &Options,
) -> Result<Report> {
    let started = Instant::now();
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await?
        .get(0);
    if opts.rehearse {
        client.batch_execute("BEGIN").await?;
    }
    tracking::ensure(client, &opts.table).await?;
    let rows = tracking::load(client, &opts.table).await?;
    let insert = prepare_insert(client, &opts.table).await?;
    let plan = Plan::new(migrations, &rows);

    let problems = history_problems(project, client, &plan, rows.is_empty(), opts).await?;
    if !problems.is_empty() {
        if opts.rehearse {
            let _ = client.batch_execute("ROLLBACK").await;
        }
        for p in &problems {
            opts.echo.err(format!("error: {p}"));
        }
        bail!(
            "the history does not match migrations/ ({} problem{} above); nothing was applied",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    let healed = heal_stamps(project, &plan, opts);
    let run = ApplyRun {
        project,
        db,
        client,
        insert: &insert,
        version,
        opts,
    };
    let (done, left) = run.pending(&plan).await?;
    let skipped = plan
        .entries
        .iter()
        .filter(|e| e.state == State::Applied)
        .count();
    if opts.rehearse {
        client.batch_execute("ROLLBACK").await?;
    }
    report_end(done, skipped, healed, started, opts);
    Ok(Report {
        applied: done,
        already: skipped,
        left,
    })
}

/// Why the history in the database and the files disagree, one message
/// each: changed or edited-after-failure files, files gone, files out of
/// order, tables without a history.
async fn history_problems(
    project: &Project,
    client: &Client,
    plan: &Plan<'_>,
    no_history: bool,
    opts: &Options,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for e in &plan.entries {
        let file = project.display_path(&e.migration.name.file_name());
        match (e.state, e.row) {
            (State::Changed, Some(r)) => problems.push(format!(
                "{file} changed after it was applied on {} by {} (recorded {}, file now {}). An applied migration never changes: restore the applied text (git log -p {file}) and put the change in a new migration (cargo xtask migration new \"...\"). If the change is only cosmetic, record the new checksum with: cargo xtask migration repair --reason \"...\"",
                r.applied_at, r.applied_by, short(&r.checksum), short(&e.migration.checksum.to_string())
            )),
            (State::Failed, Some(r)) if r.checksum != e.migration.checksum.to_string() => problems.push(format!(
                "{file} stopped at statement {} of {} on {} and has been edited since; statements 1 to {} were committed. Resuming an edited file by statement number is not safe: drop the failed record with `cargo xtask migration repair --reason \"...\"`, then apply runs the file again from its first statement (each must be idempotent)",
                r.statements_done.unwrap_or(0) + 1,
                r.statements_total.unwrap_or(0),
                r.applied_at,
                r.statements_done.unwrap_or(0)
            )),
            _ => {}
        }
    }
    for r in &plan.missing {
        problems.push(format!(
            "{} was applied on {} by {} but migrations/{}.sql is gone: restore it (git log --all -- 'migrations/{}.sql'), or, if it was removed on purpose, forget it with: cargo xtask migration repair --reason \"...\"",
            r.version, r.applied_at, r.applied_by, r.version, r.version
        ));
    }
    if !opts.allow_out_of_order {
        for e in plan.out_of_order() {
            problems.push(format!(
                "{} (NN {}) is not applied, but a later migration (NN {:02}) is: it was probably merged from another branch. Check it does not depend on anything newer, then run apply with --allow-out-of-order",
                project.display_path(&e.migration.name.file_name()),
                e.migration.name.number_text,
                plan.newest_applied.unwrap_or(0)
            ));
        }
    }
    if no_history && !opts.baseline_existing {
        if let Some((count, example)) = existing_tables(client, &opts.table).await? {
            problems.push(format!(
                "the database has {count} table{} (e.g. {example}) but no migration history in {}: running every migration over them could fail half-way or hide drift. If they came from these migrations (run by hand or by another tool), record that with `cargo xtask migration baseline --to NN --reason \"...\"`; to run the migrations over them anyway (they must be idempotent), pass --baseline-existing",
                if count == 1 { "" } else { "s" },
                opts.table
            ));
        }
    }
    Ok(problems)
}

/// Stamps the files applied before but not stamped (a run killed between
/// COMMIT and the stamp, or a database migrated from another clone).
fn heal_stamps(project: &Project, plan: &Plan<'_>, opts: &Options) -> usize {
    if !opts.stamp || opts.rehearse {
        return 0;
    }
    plan.entries
        .iter()
        .filter(|e| e.state == State::Applied)
        .filter(|e| {
            !matches!(
                e.migration.stamp_state(Touchpoint::Executed),
                StampState::Current(_)
            )
        })
        .map(|e| usize::from(stamp(project, e.migration, opts)))
        .sum()
}

/// One apply run's connection and settings, for running the pending files.
struct ApplyRun<'a> {
    project: &'a Project,
    db: &'a Database,
    client: &'a Client,
    insert: &'a Statement,
    version: i32,
    opts: &'a Options,
}

impl ApplyRun<'_> {
    /// Runs the pending (and failed, to resume) migrations up to the target;
    /// returns how many ran and how many pending ones it left. A failure is
    /// an error saying what stayed applied.
    async fn pending(&self, plan: &Plan<'_>) -> Result<(usize, usize)> {
        let opts = self.opts;
        let todo: Vec<_> = plan
            .entries
            .iter()
            .filter(|e| matches!(e.state, State::Pending | State::Failed))
            .filter(|e| opts.target.is_none_or(|t| e.migration.name.number <= t))
            .collect();
        let waiting = plan
            .entries
            .iter()
            .filter(|e| matches!(e.state, State::Pending | State::Failed))
            .count();
        let mut progress = ProgressBar::new(if opts.echo.target.is_some() {
            0
        } else {
            todo.len()
        });
        let mut done = 0;
        for e in &todo {
            let m = e.migration;
            progress.show(done, &m.name.stem);
            if m.no_transaction && opts.rehearse {
                progress.clear();
                opts.echo.out(format!(
                    "rehearsal stops before {}: it runs outside a transaction (-- migrate:no-transaction), so it cannot be rolled back",
                    m.name.stem
                ));
                break;
            }
            let started = Instant::now();
            let result = self.one(m, e.row).await;
            progress.clear();
            let checks = match result {
                Ok(checks) => checks,
                Err(err) => return Err(self.failed(err, done).await),
            };
            opts.echo.out(format!(
                "{} {}  {} ms  {}",
                if opts.rehearse {
                    "rehearsed"
                } else {
                    "applied"
                },
                m.name.stem,
                started.elapsed().as_millis(),
                checks_summary(&checks)
            ));
            if opts.stamp && !opts.rehearse {
                stamp(self.project, m, opts);
            }
            done += 1;
            // A body's plain SET (search_path, lock_timeout ...) must not leak
            // into the next migration (transactional ones reset with COMMIT).
            if m.no_transaction {
                self.db.reset_session(self.client, self.version).await?;
            }
        }
        progress.clear();
        Ok((done, waiting - done))
    }

    async fn one(&self, m: &Migration, row: Option<&Applied>) -> Result<Vec<Check>> {
        let file = self.project.display_path(&m.name.file_name());
        if m.no_transaction {
            apply_no_transaction(self.client, self.insert, m, row, &file, self.opts).await
        } else {
            apply_in_transaction(self.client, self.insert, self.version, m, &file, self.opts).await
        }
    }

    /// The error for a migration that failed after `done` others ran; a
    /// rehearsal is rolled back first.
    async fn failed(&self, err: anyhow::Error, done: usize) -> anyhow::Error {
        if self.opts.rehearse {
            // Best effort: the failure is the news.
            let _ = self.client.batch_execute("ROLLBACK").await;
        }
        // Innermost first: the located SQL error is the headline.
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        let chain: Vec<&str> = chain.iter().rev().map(|c| c.trim_end()).collect();
        anyhow::anyhow!(
            "{}\n{} migration{} applied before it in this run{}",
            chain.join("\n"),
            done,
            if done == 1 { " was" } else { "s were" },
            if self.opts.rehearse {
                " (a rehearsal: all rolled back)"
            } else {
                " and stay applied"
            }
        )
    }
}

fn report_end(done: usize, skipped: usize, healed: usize, started: Instant, opts: &Options) {
    if opts.rehearse {
        opts.echo.out(format!(
            "rehearsal: {done} migration{} ran and verified, then everything was rolled back; no file was changed ({} ms)",
            if done == 1 { "" } else { "s" },
            started.elapsed().as_millis()
        ));
        return;
    }
    opts.echo.out(format!(
        "applied {done} migration{} in {} ms; {skipped} already applied{}",
        if done == 1 { "" } else { "s" },
        started.elapsed().as_millis(),
        if healed > 0 {
            format!("; stamped {healed} applied file(s) that lacked their Executed stamp")
        } else {
            String::new()
        }
    ));
    if done > 0 && opts.stamp && opts.echo.target.is_none() {
        eprintln!(
            "next: `cargo xtask migration sync` rewrites current_schema/ and fills the SOURCE OF TRUTH lines"
        );
    }
}

fn short(checksum: &str) -> String {
    checksum
        .chars()
        .take("sha256:".len() + 12)
        .collect::<String>()
        + "..."
}

fn checks_summary(checks: &[Check]) -> String {
    match checks.len() {
        0 => "no verify checks".to_string(),
        n => format!("{n}/{n} checks PASS"),
    }
}

fn print_checks(echo: &Echo, checks: &[Check]) {
    for c in checks {
        echo.err(format!(
            "  {}  {} (line {}){}",
            if c.passed { "PASS" } else { "FAIL" },
            c.name,
            c.line,
            if c.passed || c.result.eq_ignore_ascii_case("fail") || c.result == "f" {
                String::new()
            } else {
                format!(": got {:?}", c.result)
            }
        ));
    }
}

/// Tables outside the system schemas and the tracking table: `(count, one)`.
async fn existing_tables(client: &Client, table: &TableName) -> Result<Option<(i64, String)>> {
    let row = client
        .query_one(
            "SELECT count(*), min(n.nspname || '.' || c.relname)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_%'
                AND NOT (n.nspname = $1 AND c.relname = $2)
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
            &[&table.schema, &table.name],
        )
        .await
        .context("cannot list the database's tables")?;
    let count: i64 = row.get(0);
    Ok((count > 0).then(|| (count, row.get::<_, Option<String>>(1).unwrap_or_default())))
}

/// The tracking row's INSERT, prepared once per run.
async fn prepare_insert(client: &Client, table: &TableName) -> Result<Statement> {
    let record = tracking::NewRecord {
        version: "$1",
        name: "$2",
        execution_time_ms: "$3",
        checksum: "$4",
        rollback_sql: "$5",
        run_by: "$6",
        success: "$7",
        no_transaction: "$8",
        statements_total: "$9",
    };
    client
        .prepare(&tracking::insert_sql(table, &record))
        .await
        .with_context(|| format!("cannot prepare the insert into {table}"))
}

async fn insert_row(
    client: &Client,
    insert: &Statement,
    m: &Migration,
    ms: i32,
    success: bool,
    total: Option<i32>,
) -> Result<()> {
    client
        .execute(
            insert,
            &[
                &m.name.stem,
                &m.name.slug,
                &ms,
                &m.checksum.to_string(),
                &m.rollback_sql().map(str::to_string),
                &tracking::os_user(),
                &success,
                &m.no_transaction,
                &total,
            ],
        )
        .await
        .with_context(|| format!("cannot record {} in the tracking table", m.name.stem))?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn apply_in_transaction(
    client: &Client,
    insert: &Statement,
    version: i32,
    m: &Migration,
    file: &str,
    opts: &Options,
) -> Result<Vec<Check>> {
    let t = Instant::now();
    let nothing = format!(
        "nothing of {} was committed: its transaction was rolled back",
        m.name.stem
    );
    let undo = || async {
        let sql = if opts.rehearse {
            "ROLLBACK TO SAVEPOINT touchpoint_migration"
        } else {
            "ROLLBACK"
        };
        let _ = client.batch_execute(sql).await;
    };
    let stmts = statements(m, m.body.clone(), file)?;
    let total = stmts.len();
    let open = if opts.rehearse {
        "SAVEPOINT touchpoint_migration"
    } else {
        "BEGIN"
    };
    // BEGIN travels with the first statement: tokio-postgres pipelines
    // requests polled together, saving a round trip per migration.
    let first = async {
        match stmts.first() {
            Some(stmt) => run_statement(client, m, stmt, (1, total), file).await,
            None => Ok(()),
        }
    };
    let (opened, first) = tokio::join!(client.batch_execute(open), first);
    opened.with_context(|| format!("cannot open the transaction of {}", m.name.stem))?;
    let mut ran = first;
    for (i, stmt) in stmts.iter().enumerate().skip(1) {
        if ran.is_err() {
            break;
        }
        ran = run_statement(client, m, stmt, (i + 1, total), file).await;
    }
    if let Err(e) = ran {
        undo().await;
        return Err(e.context(format!(
            "{nothing}. Fix the file and run `cargo xtask migration apply` again"
        )));
    }
    let checks = match run_checks(client, m, file).await {
        Ok(c) => c,
        Err(e) => {
            undo().await;
            return Err(e.context(nothing));
        }
    };
    if checks.iter().any(|c| !c.passed) {
        undo().await;
        opts.echo.err(format!("verification of {file}:"));
        print_checks(&opts.echo, &checks);
        bail!(
            "{file}: {} of {} verify checks failed (listed above); {nothing}. Fix the migration (or the check) and run apply again",
            checks.iter().filter(|c| !c.passed).count(),
            checks.len()
        );
    }
    let ms = i32::try_from(t.elapsed().as_millis()).unwrap_or(i32::MAX);
    if opts.rehearse {
        if let Err(e) = insert_row(client, insert, m, ms, true, None).await {
            undo().await;
            return Err(e.context(nothing));
        }
        return Ok(checks);
    }
    // The tracking row and COMMIT travel together. Should the INSERT fail,
    // the server answers the COMMIT of the failed transaction with a
    // rollback, so nothing is committed without its row.
    let commit = format!("COMMIT; RESET ALL; {}", session_settings(version));
    let (inserted, committed) = tokio::join!(
        insert_row(client, insert, m, ms, true, None),
        client.batch_execute(&commit)
    );
    if let Err(e) = inserted {
        return Err(e.context(nothing));
    }
    // A body's plain SETs (search_path, lock_timeout ...) are undone by the
    // RESET ALL above, so they do not leak into the next migration.
    committed.with_context(|| format!("COMMIT of {} failed; {nothing}", m.name.stem))?;
    Ok(checks)
}

async fn invalid_index(client: &Client, index: &str, table: &str) -> Result<Option<String>> {
    let row = client
        .query_opt(
            &crate::pg::exec::invalid_index_sql("$1", "$2"),
            &[&index, &table],
        )
        .await
        .context("cannot look for an INVALID index")?;
    Ok(row.map(|r| r.get(0)))
}

async fn apply_no_transaction(
    client: &Client,
    insert: &Statement,
    m: &Migration,
    row: Option<&Applied>,
    file: &str,
    opts: &Options,
) -> Result<Vec<Check>> {
    let t = Instant::now();
    let stmts: Vec<Stmt> = statements(m, m.body.clone(), file)?;
    let total = stmts.len();
    let table = &opts.table;
    let start_at = match row {
        Some(r) => {
            let done = usize::try_from(r.statements_done.unwrap_or(0))
                .unwrap_or(0)
                .min(total);
            opts.echo.out(format!(
                "resuming {} at statement {} of {} (statements 1 to {} were committed by the run on {})",
                m.name.stem,
                done + 1,
                total,
                done,
                r.applied_at
            ));
            done
        }
        None => {
            insert_row(client, insert, m, 0, false, Some(total as i32)).await?;
            0
        }
    };
    for (i, stmt) in stmts.iter().enumerate().skip(start_at) {
        let text = &m.source[stmt.range.clone()];
        if let Some(crate::sql::index::ConcurrentIndex {
            index, table: on, ..
        }) = crate::sql::index::concurrent_index(text)
        {
            if let Some(bad) = invalid_index(client, &index, &on).await? {
                let msg = format!(
                    "{file}:{}: index {bad} exists but is INVALID, left by a CREATE INDEX CONCURRENTLY that failed or was interrupted; IF NOT EXISTS would keep it as it is. Drop it, then run apply again (it resumes at statement {} of {}):\n  DROP INDEX CONCURRENTLY IF EXISTS {bad};",
                    stmt.line,
                    i + 1,
                    total
                );
                record_error(client, table, m, i, &msg).await;
                bail!(msg);
            }
        }
        if let Err(e) = run_statement(client, m, stmt, (i + 1, total), file).await {
            record_error(client, table, m, i, &format!("{e:#}")).await;
            return Err(e.context(format!(
                "{}: statement {} of {} failed; statements 1 to {} were committed (no-transaction) and stay. Fix the cause and run `cargo xtask migration apply` again: it resumes at statement {}",
                m.name.stem,
                i + 1,
                total,
                i,
                i + 1
            )));
        }
        client
            .execute(
                &tracking::progress_sql(table, "$1", "$2"),
                &[&m.name.stem, &((i + 1) as i32)],
            )
            .await
            .context("cannot record progress")?;
    }
    let checks = run_checks(client, m, file).await?;
    if checks.iter().any(|c| !c.passed) {
        opts.echo.err(format!("verification of {file}:"));
        print_checks(&opts.echo, &checks);
        let msg = format!(
            "{file}: verify checks failed after all {total} statements ran; they were committed (no-transaction). Inspect the database, fix it or the migration, and run apply again: it re-runs the verification"
        );
        record_error(client, table, m, total, &msg).await;
        bail!(msg);
    }
    let ms = i32::try_from(t.elapsed().as_millis()).unwrap_or(i32::MAX);
    client
        .execute(
            &tracking::success_sql(table, "$1", "$2"),
            &[&m.name.stem, &ms],
        )
        .await
        .context("cannot record success")?;
    Ok(checks)
}

async fn record_error(
    client: &Client,
    table: &TableName,
    m: &Migration,
    done: usize,
    message: &str,
) {
    let _ = client
        .execute(
            &tracking::failure_sql(table, "$1", "$2", "$3"),
            &[&m.name.stem, &(done as i32), &message],
        )
        .await;
}

/// Ticks the Executed stamp (atomic rewrite of the file); returns whether
/// it wrote. The migration is committed by then, so a stamp that cannot be
/// written is a warning.
fn stamp(project: &Project, m: &Migration, opts: &Options) -> bool {
    match project.stamp(m, Touchpoint::Executed, opts.today) {
        Ok(wrote) => wrote,
        Err(e) => {
            opts.echo.err(format!(
                "warning: {} is applied, but its Executed stamp was not written: {e:#}",
                m.name.stem
            ));
            false
        }
    }
}

/// A one-line progress bar on stderr, only on a terminal.
struct ProgressBar {
    total: usize,
    on: bool,
}

impl ProgressBar {
    fn new(total: usize) -> ProgressBar {
        ProgressBar {
            total,
            on: total > 1 && std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, done: usize, name: &str) {
        if !self.on {
            return;
        }
        let width = 30;
        let filled = width * done / self.total.max(1);
        eprint!(
            "\r\x1b[2K[{}{}] {}/{} {name}",
            "#".repeat(filled),
            " ".repeat(width - filled),
            done,
            self.total
        );
    }

    fn clear(&mut self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
