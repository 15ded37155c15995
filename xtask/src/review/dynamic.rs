//! `migration review`, dynamic part: the reviewed migration runs on a real
//! throwaway database holding the history before it, and what the static
//! rules guess is measured: the lock each statement takes on each relation
//! (pg_locks of the session, before and after the statement), the tables
//! and indexes it rewrites (relfilenode by name), whether a second run
//! succeeds and changes nothing, whether the verify queries pass, and
//! whether the rollback gives back the schema from before.
//!
//! The history is kept as template databases named by the chain of
//! checksums before the reviewed migration, so a second review clones it in
//! milliseconds; a history that changed is rebuilt from the longest prefix
//! still cached. Templates refuse connections (ALLOW_CONNECTIONS false).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use anyhow::{Context as _, Result};
use tokio_postgres::Client;

use super::{Finding, Rule, Severity};
use crate::migration::Migration;
use crate::pg::connect::Database;
use crate::pg::exec::{run_checks, run_statement, statements, SqlError};
use crate::schema::snapshot;
use crate::shadow::templates::{self, run_body_plain, TemplateUse};
use crate::sql::lexer::LineIndex;

#[derive(Debug, Clone)]
pub struct Measurement {
    /// 1-based line of the statement.
    pub line: usize,
    pub offset: usize,
    /// (relation, lock mode as in the docs: ACCESS EXCLUSIVE ...)
    pub locks: Vec<(String, String)>,
    pub rewrites: Vec<String>,
    pub measured_locks: bool,
}

impl Measurement {
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .locks
            .iter()
            .map(|(r, m)| format!("{m} on {r}"))
            .collect();
        parts.extend(self.rewrites.iter().map(|r| format!("rewrites {r}")));
        parts.join("; ")
    }
}

#[derive(Debug)]
pub struct DynamicReport {
    pub template: String,
    pub template_use: TemplateUse,
    pub measurements: Vec<Measurement>,
    pub findings: Vec<Finding>,
    pub millis: u128,
}

macro_rules! dynamic_rule {
    ($name:ident, $id:literal, $sev:expr, $summary:literal, $help:literal) => {
        pub struct $name;
        impl Rule for $name {
            fn id(&self) -> &'static str {
                $id
            }
            fn severity(&self) -> Severity {
                $sev
            }
            fn summary(&self) -> &'static str {
                $summary
            }
            fn help(&self) -> &'static str {
                $help
            }
            fn check(&self, _: &super::Context<'_>, _: &mut Vec<Finding>) {}
        }
    };
}

dynamic_rule!(ApplyFailed, "dynamic-apply-failed", Severity::Error,
    "The migration fails on a copy of the database its history builds",
    "fix the statement named: it fails on the schema the earlier migrations leave (with --seed, on those rows)");
dynamic_rule!(
    VerifyFailed,
    "dynamic-verify-failed",
    Severity::Error,
    "A verify query does not PASS after the migration ran",
    "fix the migration or the check: apply would roll this migration back"
);
dynamic_rule!(NotIdempotent, "dynamic-not-idempotent", Severity::Error,
    "Running the migration a second time fails or changes the schema",
    "make the statement safe to run twice: IF [NOT] EXISTS, CREATE OR REPLACE, a DO-block guard that checks the catalog first");
dynamic_rule!(RollbackMismatch, "dynamic-rollback-mismatch", Severity::Error,
    "The rollback does not give back the schema from before the migration",
    "make the rollback undo everything the body does (every column, index, constraint and type), in reverse order, with IF EXISTS");
dynamic_rule!(Measured, "dynamic-measurement", Severity::Info,
    "What a statement was measured to lock and rewrite",
    "ACCESS EXCLUSIVE blocks reads and writes for as long as the transaction runs; a rewrite holds it for the time it takes to copy the table: set lock_timeout, use CONCURRENTLY, NOT VALID, or split the change");

pub static RULES: &[&dyn Rule] = &[
    &ApplyFailed,
    &VerifyFailed,
    &NotIdempotent,
    &RollbackMismatch,
    &Measured,
];

fn finding(rule: &dyn Rule, m: &Migration, file: &str, offset: usize, message: String) -> Finding {
    let lines = LineIndex::new(&m.source);
    let start = lines.line_col(offset);
    let mut end = start;
    end.col += 1;
    Finding {
        rule: rule.id(),
        severity: rule.severity(),
        message,
        help: rule.help(),
        file: file.to_string(),
        start,
        end,
        offset,
    }
}

/// Every table, index, materialized view and sequence outside the system
/// schemas, as `schema.name`.
pub async fn relations(client: &Client) -> Result<BTreeSet<String>> {
    Ok(relfilenodes(client).await?.into_keys().collect())
}

async fn relfilenodes(client: &Client) -> Result<BTreeMap<String, u32>> {
    let rows = client
        .query(
            "SELECT n.nspname || '.' || c.relname, c.relfilenode::oid::text::bigint
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'i', 'm', 't', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_%'",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as u32))
        .collect())
}

async fn locks(client: &Client) -> Result<BTreeSet<(String, String)>> {
    let rows = client
        .query(
            "SELECT n.nspname || '.' || c.relname, l.mode
               FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
                AND c.relkind <> 'i'
                AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, String>(0), mode_name(&r.get::<_, String>(1))))
        .collect())
}

/// `AccessExclusiveLock` -> `ACCESS EXCLUSIVE`.
fn mode_name(mode: &str) -> String {
    let mode = mode.strip_suffix("Lock").unwrap_or(mode);
    let mut out = String::new();
    for (i, c) in mode.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The strongest of the modes, for one line per relation.
pub fn rank(mode: &str) -> usize {
    [
        "ACCESS SHARE",
        "ROW SHARE",
        "ROW EXCLUSIVE",
        "SHARE UPDATE EXCLUSIVE",
        "SHARE",
        "SHARE ROW EXCLUSIVE",
        "EXCLUSIVE",
        "ACCESS EXCLUSIVE",
    ]
    .iter()
    .position(|m| *m == mode)
    .unwrap_or(0)
}

/// Runs the body once, measuring each statement.
async fn measured_apply(
    client: &Client,
    m: &Migration,
    file: &str,
) -> Result<Vec<Measurement>, anyhow::Error> {
    let stmts = statements(m, m.body.clone(), file)?;
    let total = stmts.len();
    if !m.no_transaction {
        client.batch_execute("BEGIN").await?;
    }
    // Only relations that existed before the migration are anyone else's.
    let existing = relfilenodes(client).await?;
    let mut out = Vec::new();
    for (i, s) in stmts.iter().enumerate() {
        let files_before = relfilenodes(client).await?;
        let locks_before = if m.no_transaction {
            BTreeSet::new()
        } else {
            locks(client).await?
        };
        if let Err(e) = run_statement(client, m, s, (i + 1, total), file).await {
            if !m.no_transaction {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            return Err(e);
        }
        let files_after = relfilenodes(client).await?;
        let mut acquired: BTreeMap<String, String> = BTreeMap::new();
        if !m.no_transaction {
            for (rel, mode) in locks(client).await?.difference(&locks_before) {
                if !existing.contains_key(rel) {
                    continue;
                }
                let keep = acquired.get(rel).is_none_or(|old| rank(old) < rank(mode));
                if keep {
                    acquired.insert(rel.clone(), mode.clone());
                }
            }
        }
        let rewrites = files_before
            .iter()
            .filter(|(rel, node)| files_after.get(*rel).is_some_and(|n| n != *node))
            .map(|(rel, _)| rel.clone())
            .collect();
        out.push(Measurement {
            line: s.line,
            offset: s.range.start,
            locks: acquired.into_iter().collect(),
            rewrites,
            measured_locks: !m.no_transaction,
        });
    }
    Ok(out)
}

fn located(e: &anyhow::Error) -> Option<&SqlError> {
    e.chain().find_map(|c| c.downcast_ref::<SqlError>())
}

/// One dynamic review of `m`, whose history is `history`, on `shadow` (a
/// server where databases may be created; `admin` is connected to it).
pub async fn review(
    admin: &Client,
    shadow: &Database,
    m: &Migration,
    file: &str,
    history: &[&Migration],
    display: &dyn Fn(&Migration) -> String,
    seed: Option<&str>,
) -> Result<DynamicReport> {
    let t = Instant::now();
    let (check, template, template_use) =
        templates::replayed(admin, shadow, history, display, "check").await?;
    let result = check_on(shadow, &check, m, file, seed).await;
    templates::drop_database(admin, &check).await;
    let (measurements, findings) = result?;
    Ok(DynamicReport {
        template,
        template_use,
        measurements,
        findings,
        millis: t.elapsed().as_millis(),
    })
}

async fn check_on(
    shadow: &Database,
    db: &str,
    m: &Migration,
    file: &str,
    seed: Option<&str>,
) -> Result<(Vec<Measurement>, Vec<Finding>)> {
    let client = shadow.with_dbname(db).connect("touchpoint review").await?;
    let mut findings = Vec::new();
    if let Some(seed) = seed {
        client
            .batch_execute(seed)
            .await
            .context("the --seed file failed to load")?;
    }
    let before = snapshot::take(&client).await?;
    let measurements = match measured_apply(&client, m, file).await {
        Ok(ms) => ms,
        Err(e) => {
            let offset = located(&e).map_or(m.body.start, |s| offset_of(m, s.line, s.col));
            let msg = match located(&e) {
                Some(s) => format!(
                    "the migration fails on its history: {} (SQLSTATE {})",
                    s.message, s.code
                ),
                None => format!("the migration fails on its history: {e:#}"),
            };
            findings.push(finding(&ApplyFailed, m, file, offset, msg));
            return Ok((Vec::new(), findings));
        }
    };
    for measurement in measurements
        .iter()
        .filter(|x| !x.locks.is_empty() || !x.rewrites.is_empty())
    {
        findings.push(finding(
            &Measured,
            m,
            file,
            measurement.offset,
            measurement.describe(),
        ));
    }
    findings.extend(held_locks(&measurements, m, file));
    findings.extend(verify_failures(&client, m, file).await);
    if !m.no_transaction {
        client.batch_execute("COMMIT").await?;
    }
    client.batch_execute("RESET ALL").await?;
    findings.extend(second_run(&client, m, file).await?);
    findings.extend(rollback_round_trip(&client, m, file, &before).await?);
    Ok((measurements, findings))
}

/// What the transaction holds until COMMIT, strongest mode per relation.
fn held_locks(measurements: &[Measurement], m: &Migration, file: &str) -> Option<Finding> {
    if m.no_transaction {
        return Some(finding(&Measured, m, file, m.body.start, "locks not measured: a no-transaction migration commits each statement and releases its locks".to_string()));
    }
    let mut held: BTreeMap<&str, &str> = BTreeMap::new();
    for (rel, mode) in measurements.iter().flat_map(|x| x.locks.iter()) {
        if held
            .get(rel.as_str())
            .is_none_or(|old| rank(old) < rank(mode))
        {
            held.insert(rel, mode);
        }
    }
    if held.is_empty() {
        return None;
    }
    let list: Vec<String> = held
        .iter()
        .map(|(r, mode)| format!("{mode} on {r}"))
        .collect();
    Some(finding(
        &Measured,
        m,
        file,
        m.body.start,
        format!("until COMMIT the migration holds {}", list.join("; ")),
    ))
}

/// The verify queries, run inside the migration's transaction.
async fn verify_failures(client: &Client, m: &Migration, file: &str) -> Vec<Finding> {
    match run_checks(client, m, file).await {
        Ok(checks) => checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| {
                finding(
                    &VerifyFailed,
                    m,
                    file,
                    offset_of(m, c.line, 1),
                    format!("check {:?} says {}", c.name, c.result),
                )
            })
            .collect(),
        Err(e) => vec![finding(
            &VerifyFailed,
            m,
            file,
            m.verify.clone().map_or(m.body.start, |r| r.start),
            format!("a verify query fails: {e:#}"),
        )],
    }
}

/// Idempotency: a second run succeeds and changes nothing.
async fn second_run(client: &Client, m: &Migration, file: &str) -> Result<Option<Finding>> {
    let applied = snapshot::take(client).await?;
    if let Err(e) = run_body_plain(client, m, file).await {
        let offset = located(&e).map_or(m.body.start, |s| offset_of(m, s.line, s.col));
        let what = located(&e).map_or_else(
            || format!("{e:#}"),
            |s| format!("{} (SQLSTATE {})", s.message, s.code),
        );
        return Ok(Some(finding(
            &NotIdempotent,
            m,
            file,
            offset,
            format!("a second run fails here: {what}"),
        )));
    }
    let again = snapshot::take(client).await?;
    let changes = snapshot::diff(&applied, &again);
    Ok((!changes.is_empty()).then(|| {
        finding(
            &NotIdempotent,
            m,
            file,
            m.body.start,
            format!("a second run changes the schema: {}", changes.join("; ")),
        )
    }))
}

/// The rollback gives back the schema from `before`, and the migration
/// applies again after it.
async fn rollback_round_trip(
    client: &Client,
    m: &Migration,
    file: &str,
    before: &std::collections::BTreeSet<String>,
) -> Result<Option<Finding>> {
    let Some(range) = m.rollback.clone() else {
        return Ok(None);
    };
    let rollback_stmts = statements(m, range.clone(), file)?;
    if rollback_stmts.is_empty() {
        return Ok(None);
    }
    if !m.no_transaction {
        client.batch_execute("BEGIN").await?;
    }
    for (i, s) in rollback_stmts.iter().enumerate() {
        if let Err(e) = run_statement(client, m, s, (i + 1, rollback_stmts.len()), file).await {
            if !m.no_transaction {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            let offset = located(&e).map_or(range.start, |s| offset_of(m, s.line, s.col));
            return Ok(Some(finding(
                &RollbackMismatch,
                m,
                file,
                offset,
                format!("the rollback fails: {e:#}"),
            )));
        }
    }
    if !m.no_transaction {
        client.batch_execute("COMMIT").await?;
    }
    let after = snapshot::take(client).await?;
    let differences = snapshot::diff(before, &after);
    if !differences.is_empty() {
        return Ok(Some(finding(
            &RollbackMismatch,
            m,
            file,
            range.start.saturating_sub(1),
            format!(
                "after the rollback the schema differs from before the migration: {}",
                differences.join("; ")
            ),
        )));
    }
    Ok(run_body_plain(client, m, file).await.err().map(|e| {
        finding(
            &ApplyFailed,
            m,
            file,
            m.body.start,
            format!("after the rollback the migration does not apply again: {e:#}"),
        )
    }))
}

fn offset_of(m: &Migration, line: usize, col: usize) -> usize {
    let start: usize = m
        .source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let text = m.source[start..].lines().next().unwrap_or("");
    start
        + text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(0, |(i, _)| i)
}
