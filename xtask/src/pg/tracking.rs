//! The tracking table (`public.schema_migrations` unless configured): one row
//! per applied migration, written in the same transaction as the migration.
//!
//! **Architecture Invariant:** touchpoint never writes to a table of that name
//! whose columns are not its own: such a table belongs to another tool.

use std::fmt;

use anyhow::{bail, Context, Result};
use tokio_postgres::{Client, GenericClient, Row};

/// The advisory-lock key every `apply`, `rollback`, `baseline` and `repair`
/// takes: "touchpnt" as big-endian bytes, so it is recognisable in pg_locks.
pub const LOCK_KEY: i64 = 0x746f_7563_6870_6e74;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn parse(text: &str) -> Result<TableName, crate::outcome::BadInput> {
        let (schema, name) = text.split_once('.').unwrap_or(("public", text));
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit())
        };
        if ok(schema) && ok(name) {
            Ok(TableName {
                schema: schema.to_string(),
                name: name.to_string(),
            })
        } else {
            Err(crate::outcome::BadInput(format!(
                "bad tracking table name `{text}`: use schema.name in lowercase letters, digits and `_`, e.g. public.schema_migrations"
            )))
        }
    }

    /// Quoted for SQL (names are validated, quoting keeps them exact).
    pub fn sql(&self) -> String {
        format!("\"{}\".\"{}\"", self.schema, self.name)
    }
}

impl Default for TableName {
    fn default() -> TableName {
        TableName {
            schema: "public".into(),
            name: "schema_migrations".into(),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Columns and types of touchpoint's table, in order.
pub const COLUMNS: &[(&str, &str)] = &[
    ("version", "text"),
    ("name", "text"),
    ("applied_at", "timestamp with time zone"),
    ("execution_time_ms", "integer"),
    ("checksum", "text"),
    ("rollback_sql", "text"),
    ("applied_by", "text"),
    ("success", "boolean"),
    ("no_transaction", "boolean"),
    ("statements_total", "integer"),
    ("statements_done", "integer"),
    ("last_error", "text"),
    ("kind", "text"),
    ("note", "text"),
];

pub fn create_sql(table: &TableName) -> String {
    format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
CREATE TABLE IF NOT EXISTS {t} (
    version           text PRIMARY KEY,
    name              text NOT NULL,
    applied_at        timestamptz NOT NULL DEFAULT now(),
    execution_time_ms integer NOT NULL DEFAULT 0,
    checksum          text NOT NULL,
    rollback_sql      text,
    applied_by        text NOT NULL DEFAULT current_user,
    success           boolean NOT NULL,
    no_transaction    boolean NOT NULL DEFAULT false,
    statements_total  integer,
    statements_done   integer,
    last_error        text,
    kind              text NOT NULL DEFAULT 'apply' CHECK (kind IN ('apply', 'baseline', 'repair', 'adopt')),
    note              text
);
COMMENT ON TABLE {t} IS 'touchpoint: one row per applied migration; written only by cargo xtask migration';",
        schema = table.schema,
        t = table.sql()
    )
}

/// A DO block that stops a script (raises) when `table` exists with columns
/// other than touchpoint's: the check [`inspect`] makes, for the scripts a
/// DBA runs by hand (`migration bundle`).
pub fn guard_sql(table: &TableName) -> String {
    let ours = COLUMNS
        .iter()
        .map(|(n, t)| format!("{n} {t}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "DO $touchpoint$
DECLARE
    found text;
BEGIN
    SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
      INTO found
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = '{schema}' AND c.relname = '{name}' AND a.attnum > 0 AND NOT a.attisdropped;
    IF found IS NOT NULL AND found <> '{ours}' THEN
        RAISE EXCEPTION '{table} exists but is not touchpoint''s tracking table (its columns: %)', found
            USING HINT = 'it belongs to another tool, and touchpoint never writes to it; nothing was changed. Ask for a bundle built with --tracking-table <schema.name>';
    END IF;
END
$touchpoint$;",
        schema = table.schema,
        name = table.name,
    )
}

/// What a new record holds, as SQL expressions: `$n` parameters for
/// `apply`, literals in the scripts `bundle` writes. Both go through
/// [`insert_sql`], so a bundle records exactly what `apply` would.
#[derive(Debug, Clone, Copy)]
pub struct NewRecord<'a> {
    pub version: &'a str,
    pub name: &'a str,
    pub execution_time_ms: &'a str,
    pub checksum: &'a str,
    pub rollback_sql: &'a str,
    /// Who ran it besides the database role (`os-user@host`, the script).
    pub run_by: &'a str,
    pub success: &'a str,
    pub no_transaction: &'a str,
    pub statements_total: &'a str,
}

/// The INSERT that records a migration run by `apply` (`kind = 'apply'`,
/// `applied_by` = the role and who ran it).
pub fn insert_sql(table: &TableName, r: &NewRecord) -> String {
    format!(
        "INSERT INTO {} (version, name, execution_time_ms, checksum, rollback_sql, applied_by, success, no_transaction, statements_total, statements_done, kind)
VALUES ({}, {}, {}, {}, {}, current_user || ' (' || {} || ')', {}, {}, {}, 0, 'apply')",
        table.sql(),
        r.version,
        r.name,
        r.execution_time_ms,
        r.checksum,
        r.rollback_sql,
        r.run_by,
        r.success,
        r.no_transaction,
        r.statements_total
    )
}

// The UPDATEs and the DELETE below end with their WHERE clause, so a
// script may narrow them with `AND ...`.

/// A no-transaction run finished statement `done`.
pub fn progress_sql(table: &TableName, version: &str, done: &str) -> String {
    format!(
        "UPDATE {} SET statements_done = {done}, last_error = NULL WHERE version = {version}",
        table.sql()
    )
}

/// A no-transaction run stopped after `done` statements with `error`.
pub fn failure_sql(table: &TableName, version: &str, done: &str, error: &str) -> String {
    format!(
        "UPDATE {} SET statements_done = {done}, last_error = {error} WHERE version = {version}",
        table.sql()
    )
}

/// A no-transaction run ran every statement and its verify checks passed.
pub fn success_sql(table: &TableName, version: &str, execution_time_ms: &str) -> String {
    format!(
        "UPDATE {} SET success = true, execution_time_ms = {execution_time_ms}, applied_at = now(), last_error = NULL WHERE version = {version}",
        table.sql()
    )
}

/// Records `m` as applied without running it (`baseline`, `adopt`): the
/// checksum and rollback SQL `apply` would record, no execution time,
/// `applied_by` the database user and `os_user`.
pub async fn record_unrun(
    client: &Client,
    table: &TableName,
    m: &crate::migration::Migration,
    kind: &str,
    note: &str,
    os_user: &str,
) -> Result<()> {
    client
        .execute(
            &format!(
                "INSERT INTO {} (version, name, execution_time_ms, checksum, rollback_sql, applied_by, success, no_transaction, kind, note)
                 VALUES ($1, $2, 0, $3, $4, current_user || ' (' || $5 || ')', true, $6, $7, $8)",
                table.sql()
            ),
            &[
                &m.name.stem,
                &m.name.slug,
                &m.checksum.to_string(),
                &m.rollback_sql().map(str::to_string),
                &os_user,
                &m.no_transaction,
                &kind,
                &note,
            ],
        )
        .await
        .with_context(|| format!("cannot record {} in {table}", m.name.stem))?;
    Ok(())
}

/// Forgets a record (after its rollback ran).
pub fn delete_sql(table: &TableName, version: &str) -> String {
    format!("DELETE FROM {} WHERE version = {version}", table.sql())
}

/// One row of the tracking table.
#[derive(Debug, Clone)]
pub struct Applied {
    pub version: String,
    pub name: String,
    pub applied_at: String,
    pub execution_time_ms: i32,
    pub checksum: String,
    pub rollback_sql: Option<String>,
    pub applied_by: String,
    pub success: bool,
    pub no_transaction: bool,
    pub statements_total: Option<i32>,
    pub statements_done: Option<i32>,
    pub last_error: Option<String>,
    pub kind: String,
    pub note: Option<String>,
}

impl Applied {
    fn from_row(r: &Row) -> Applied {
        Applied {
            version: r.get("version"),
            name: r.get("name"),
            applied_at: r.get("applied_at_text"),
            execution_time_ms: r.get("execution_time_ms"),
            checksum: r.get("checksum"),
            rollback_sql: r.get("rollback_sql"),
            applied_by: r.get("applied_by"),
            success: r.get("success"),
            no_transaction: r.get("no_transaction"),
            statements_total: r.get("statements_total"),
            statements_done: r.get("statements_done"),
            last_error: r.get("last_error"),
            kind: r.get("kind"),
            note: r.get("note"),
        }
    }
}

/// What is at the configured name.
pub enum TableState {
    Missing,
    Ours,
    /// Another tool's table: its columns as `name type`.
    Foreign(Vec<String>),
}

pub async fn inspect(client: &impl GenericClient, table: &TableName) -> Result<TableState> {
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
               FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum",
            &[&table.schema, &table.name],
        )
        .await
        .context("cannot read the tracking table's columns")?;
    if rows.is_empty() {
        return Ok(TableState::Missing);
    }
    let found: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let ours = found.len() == COLUMNS.len()
        && found
            .iter()
            .zip(COLUMNS)
            .all(|((n, t), (want_n, want_t))| n == want_n && t == want_t);
    Ok(if ours {
        TableState::Ours
    } else {
        TableState::Foreign(found.into_iter().map(|(n, t)| format!("{n} {t}")).collect())
    })
}

pub fn foreign_table_error(table: &TableName, columns: &[String]) -> anyhow::Error {
    anyhow::anyhow!(
        "{table} exists but is not touchpoint's tracking table (its columns: {}); it belongs to another tool (dbmate, golang-migrate, a hand-rolled runner ...), and touchpoint never writes to it. Keep touchpoint's own history elsewhere with --tracking-table <schema.name> (and TOUCHPOINT_TRACKING_TABLE for every later command), and import the other tool's history into it with `cargo xtask migration adopt --tracking-table <schema.name>`",
        columns.join(", ")
    )
}

/// Creates the table when missing; refuses another tool's table.
pub async fn ensure(client: &Client, table: &TableName) -> Result<()> {
    match inspect(client, table).await? {
        TableState::Ours => Ok(()),
        TableState::Foreign(cols) => Err(foreign_table_error(table, &cols)),
        TableState::Missing => client
            .batch_execute(&create_sql(table))
            .await
            .with_context(|| format!("cannot create the tracking table {table}")),
    }
}

/// Every row, oldest version first. Empty when the table does not exist;
/// an error when the table is another tool's.
pub async fn load(client: &impl GenericClient, table: &TableName) -> Result<Vec<Applied>> {
    match inspect(client, table).await? {
        TableState::Missing => return Ok(Vec::new()),
        TableState::Foreign(cols) => return Err(foreign_table_error(table, &cols)),
        TableState::Ours => {}
    }
    let rows = client
        .query(
            &format!(
                "SELECT *, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' AS applied_at_text
                   FROM {} ORDER BY version",
                table.sql()
            ),
            &[],
        )
        .await
        .with_context(|| format!("cannot read {table}"))?;
    Ok(rows.iter().map(Applied::from_row).collect())
}

/// Runs `work` under the migration lock: taken (waiting at most `wait`),
/// then released whatever `work` returns. `work` is a future, so nothing of
/// it runs before the lock is held. Every command that changes the history
/// goes through here.
pub async fn with_lock<T>(
    client: &Client,
    wait: std::time::Duration,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    lock(client, wait).await?;
    let result = work.await;
    let _ = unlock(client).await;
    result
}

/// Takes the session-level advisory lock, retrying with backoff until
/// `wait` runs out. Never the blocking `pg_advisory_lock`: it deadlocks with
/// CREATE INDEX CONCURRENTLY run by the lock holder (Flyway #1654,
/// golang-migrate #960).
pub async fn lock(client: &Client, wait: std::time::Duration) -> Result<()> {
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(20);
    loop {
        let row = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot ask for the migration lock")?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        if start.elapsed() >= wait {
            let holder = client
                .query_opt(
                    "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local socket'),
                            coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '?')
                       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                      WHERE l.locktype = 'advisory' AND l.granted
                        AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid
                      LIMIT 1",
                    &[&LOCK_KEY],
                )
                .await
                .ok()
                .flatten();
            let who = holder.map_or_else(
                || "a session that has since ended".to_string(),
                |r| {
                    format!(
                        "server pid {} ({}, from {}, connected {} UTC)",
                        r.get::<_, i32>(0),
                        r.get::<_, String>(1),
                        r.get::<_, String>(2),
                        r.get::<_, String>(3)
                    )
                },
            );
            bail!(
                "another apply holds the migration lock: {who}; waited {:.1} s. Let it finish and run again, or wait longer with --lock-timeout <seconds>",
                start.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(pause.min(wait.saturating_sub(start.elapsed()))).await;
        pause = (pause * 2).min(std::time::Duration::from_millis(500));
    }
}

pub async fn unlock(client: &Client) -> Result<()> {
    client
        .query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .context("cannot release the migration lock")?;
    Ok(())
}

/// Who applied: the OS user and host, as recorded in `applied_by`.
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
