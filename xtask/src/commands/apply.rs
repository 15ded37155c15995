//! `migration apply`: runs the pending migrations, each in one transaction
//! with its verify queries and its tracking row, then ticks the Executed
//! stamp. `-- migrate:no-transaction` files run statement by statement with
//! their progress recorded, so a crash leaves a visible, resumable record.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use tokio_postgres::{Client, Statement};

use crate::commands::plan::{Plan, State};
use crate::migration::{Migration, StampState, Touchpoint};
use crate::pg::connect::{session_settings, Database};
use crate::pg::exec::{run_checks, run_statement, statements, Check, Stmt};
use crate::pg::tracking::{self, Applied, TableName};
use crate::project::Project;
use crate::Outcome;

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
}

pub fn run(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    crate::pg::block_on(apply(project, db, opts))
}

pub async fn apply(project: &Project, db: &Database, opts: &Options) -> Result<Outcome> {
    let client = db.connect("touchpoint apply").await?;
    tracking::lock(&client, opts.lock_wait).await?;
    let result = apply_with_lock(project, db, &client, opts).await;
    let _ = tracking::unlock(&client).await;
    result
}

/// Reads migrations/ under the lock: an apply that waited for another sees
/// the files as the other left them (stamps included).
async fn apply_with_lock(
    project: &Project,
    db: &Database,
    client: &Client,
    opts: &Options,
) -> Result<Outcome> {
    let set = project.load_migrations()?;
    if !set.problems.is_empty() {
        for p in &set.problems {
            eprintln!("error: {p}");
        }
        bail!(
            "{} file problem{} in migrations/ (listed above); nothing was applied. Fix them, then run apply again",
            set.problems.len(),
            if set.problems.len() == 1 { "" } else { "s" }
        );
    }
    apply_locked(project, db, client, &set.migrations, opts).await
}

async fn apply_locked(
    project: &Project,
    db: &Database,
    client: &Client,
    migrations: &[Migration],
    opts: &Options,
) -> Result<Outcome> {
    let t_all = Instant::now();
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

    let mut problems = Vec::new();
    for e in &plan.entries {
        let file = project.display_path(&e.migration.name.file_name());
        let row = e.row;
        match (e.state, row) {
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
    if rows.is_empty() && !opts.baseline_existing {
        if let Some((count, example)) = existing_tables(client, &opts.table).await? {
            problems.push(format!(
                "the database has {count} table{} (e.g. {example}) but no migration history in {}: running every migration over them could fail half-way or hide drift. If they came from these migrations (run by hand or by another tool), record that with `cargo xtask migration baseline --to NN --reason \"...\"`; to run the migrations over them anyway (they must be idempotent), pass --baseline-existing",
                if count == 1 { "" } else { "s" },
                opts.table
            ));
        }
    }
    if !problems.is_empty() {
        if opts.rehearse {
            let _ = client.batch_execute("ROLLBACK").await;
        }
        for p in &problems {
            eprintln!("error: {p}");
        }
        bail!(
            "the history does not match migrations/ ({} problem{} above); nothing was applied",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }

    // Applied before but not stamped (a run killed between COMMIT and the
    // stamp, or a database migrated from another clone): stamp now.
    let mut healed = 0;
    if opts.stamp && !opts.rehearse {
        for e in plan.entries.iter().filter(|e| e.state == State::Applied) {
            if !matches!(
                e.migration.stamp_state(Touchpoint::Executed),
                StampState::Current(_)
            ) {
                healed += usize::from(stamp(project, e.migration, opts.today));
            }
        }
    }

    let todo: Vec<_> = plan
        .entries
        .iter()
        .filter(|e| matches!(e.state, State::Pending | State::Failed))
        .filter(|e| opts.target.is_none_or(|t| e.migration.name.number <= t))
        .collect();
    let skipped = plan
        .entries
        .iter()
        .filter(|e| e.state == State::Applied)
        .count();
    let mut progress = Progress::new(todo.len());
    let mut done = 0;
    for e in &todo {
        let m = e.migration;
        let file = project.display_path(&m.name.file_name());
        progress.show(done, &m.name.stem);
        if m.no_transaction && opts.rehearse {
            progress.clear();
            println!(
                "rehearsal stops before {}: it runs outside a transaction (-- migrate:no-transaction), so it cannot be rolled back",
                m.name.stem
            );
            break;
        }
        let t = Instant::now();
        let result = if m.no_transaction {
            apply_no_transaction(client, &insert, m, e.row, &file, opts).await
        } else {
            apply_in_transaction(client, &insert, version, m, &file, opts).await
        };
        progress.clear();
        let checks = match result {
            Ok(checks) => checks,
            Err(err) => {
                if opts.rehearse {
                    let _ = client.batch_execute("ROLLBACK").await;
                }
                // Innermost first: the located SQL error is the headline.
                let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
                let chain: Vec<&str> = chain.iter().rev().map(|c| c.trim_end()).collect();
                bail!(
                    "{}\n{} migration{} applied before it in this run{}",
                    chain.join("\n"),
                    done,
                    if done == 1 { " was" } else { "s were" },
                    if opts.rehearse {
                        " (a rehearsal: all rolled back)"
                    } else {
                        " and stay applied"
                    }
                );
            }
        };
        println!(
            "{} {}  {} ms  {}",
            if opts.rehearse {
                "rehearsed"
            } else {
                "applied"
            },
            m.name.stem,
            t.elapsed().as_millis(),
            checks_summary(&checks)
        );
        if opts.stamp && !opts.rehearse {
            stamp(project, m, opts.today);
        }
        done += 1;
        // A body's plain SET (search_path, lock_timeout ...) must not leak
        // into the next migration (transactional ones reset with COMMIT).
        if m.no_transaction {
            db.reset_session(client, version).await?;
        }
    }
    progress.clear();
    if opts.rehearse {
        client.batch_execute("ROLLBACK").await?;
        println!(
            "rehearsal: {done} migration{} ran and verified, then everything was rolled back; no file was changed ({} ms)",
            if done == 1 { "" } else { "s" },
            t_all.elapsed().as_millis()
        );
    } else {
        println!(
            "applied {done} migration{} in {} ms; {skipped} already applied{}",
            if done == 1 { "" } else { "s" },
            t_all.elapsed().as_millis(),
            if healed > 0 {
                format!("; stamped {healed} applied file(s) that lacked their Executed stamp")
            } else {
                String::new()
            }
        );
        if done > 0 && opts.stamp {
            eprintln!(
                "next: `cargo xtask migration sync` rewrites current_schema/ and fills the SOURCE OF TRUTH lines"
            );
        }
    }
    Ok(Outcome::Clean)
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

fn print_checks(checks: &[Check]) {
    for c in checks {
        eprintln!(
            "  {}  {} (line {}){}",
            if c.passed { "PASS" } else { "FAIL" },
            c.name,
            c.line,
            if c.passed || c.result.eq_ignore_ascii_case("fail") || c.result == "f" {
                String::new()
            } else {
                format!(": got {:?}", c.result)
            }
        );
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
                &os_user(),
                &success,
                &m.no_transaction,
                &total,
            ],
        )
        .await
        .with_context(|| format!("cannot record {} in the tracking table", m.name.stem))?;
    Ok(())
}

/// `user@host` of the process, for the applied_by column.
pub fn os_user() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            let uid = std::fs::metadata("/proc/self")
                .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
                .unwrap_or(0);
            format!("uid {uid}")
        });
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    match host.trim() {
        "" => user,
        h => format!("{user}@{h}"),
    }
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
        eprintln!("verification of {file}:");
        print_checks(&checks);
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

/// `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table`:
/// the index and table names, as written.
pub(crate) fn concurrent_index(sql: &str) -> Option<(String, String)> {
    let parts = crate::sql::split::split(sql);
    let words: Vec<&str> = parts
        .tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| t.text(sql))
        .take(16)
        .collect();
    let mut i = 0;
    let eat = |kw: &str, i: &mut usize| {
        let hit = words.get(*i).is_some_and(|w| w.eq_ignore_ascii_case(kw));
        *i += usize::from(hit);
        hit
    };
    if !eat("create", &mut i) {
        return None;
    }
    eat("unique", &mut i);
    if !(eat("index", &mut i) && eat("concurrently", &mut i)) {
        return None;
    }
    if eat("if", &mut i) && !(eat("not", &mut i) && eat("exists", &mut i)) {
        return None;
    }
    let index = words.get(i)?.trim_matches('"').to_string();
    i += 1;
    if index.eq_ignore_ascii_case("on") || !eat("on", &mut i) {
        return None; // unnamed: nothing to look for
    }
    eat("only", &mut i);
    let mut table = words.get(i)?.to_string();
    if words.get(i + 1) == Some(&".") {
        table = format!("{table}.{}", words.get(i + 2)?);
    }
    Some((index, table))
}

/// The INVALID index named `index` (an SQL expression) on `table`, as
/// `schema.name`: no row when there is none.
pub(crate) fn invalid_index_sql(index: &str, table: &str) -> String {
    format!(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname)
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_namespace n ON n.oid = ic.relnamespace
              WHERE ic.relname = {index} AND i.indrelid = to_regclass({table}) AND NOT i.indisvalid"
    )
}

async fn invalid_index(client: &Client, index: &str, table: &str) -> Result<Option<String>> {
    let row = client
        .query_opt(&invalid_index_sql("$1", "$2"), &[&index, &table])
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
            println!(
                "resuming {} at statement {} of {} (statements 1 to {} were committed by the run on {})",
                m.name.stem,
                done + 1,
                total,
                done,
                r.applied_at
            );
            done
        }
        None => {
            insert_row(client, insert, m, 0, false, Some(total as i32)).await?;
            0
        }
    };
    for (i, stmt) in stmts.iter().enumerate().skip(start_at) {
        let text = &m.source[stmt.range.clone()];
        if let Some((index, on)) = concurrent_index(text) {
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
        eprintln!("verification of {file}:");
        print_checks(&checks);
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
fn stamp(project: &Project, m: &Migration, today: NaiveDate) -> bool {
    match project.stamp(m, Touchpoint::Executed, today) {
        Ok(wrote) => wrote,
        Err(e) => {
            eprintln!(
                "warning: {} is applied, but its Executed stamp was not written: {e:#}",
                m.name.stem
            );
            false
        }
    }
}

/// A one-line progress bar on stderr, only on a terminal.
struct Progress {
    total: usize,
    on: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
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
