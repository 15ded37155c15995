//! Running a migration's SQL on a connection: statement by statement, with
//! every server error mapped back to file:line:col, and the verify checks.
//!
//! Statements are sent one at a time (as psql does) rather than as one
//! string: the failing statement is then always known, even for errors that
//! carry no position (ALTER TABLE, run-time errors), and CREATE INDEX
//! CONCURRENTLY works, which fails inside a multi-statement string because
//! the server runs such a string as one implicit transaction.

use std::fmt;
use std::ops::Range;

use anyhow::{Context, Result};
use tokio_postgres::error::ErrorPosition;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::migration::Migration;
use crate::sql::lexer::{char_offset_to_byte, LineIndex};
use crate::sql::split::split;

/// Connects without TLS (the embedded cluster, unix sockets) and spawns the
/// connection task on the current runtime.
pub async fn connect_plain(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .context("cannot connect to PostgreSQL")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// One statement of a section, located in the migration's source.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// Byte range in [`Migration::source`].
    pub range: Range<usize>,
    /// 1-based line where it starts.
    pub line: usize,
}

/// Splits a section into statements; lexer errors (an unterminated string,
/// a psql meta-command such as `\i`) refuse the whole section before
/// anything runs.
pub fn statements(m: &Migration, section: Range<usize>, file: &str) -> Result<Vec<Stmt>> {
    let sql = &m.source[section.clone()];
    let parts = split(sql);
    if let Some(e) = parts.errors.first() {
        let index = LineIndex::new(&m.source);
        let at = index.line_col(section.start + e.span.start);
        anyhow::bail!(
            "{file}:{}:{}: {}; nothing was run",
            at.line,
            at.col,
            e.message
        );
    }
    Ok(parts
        .statements
        .iter()
        .map(|s| {
            let range = section.start + s.span.start..section.start + s.span.end;
            Stmt {
                line: m.line_of(range.start),
                range,
            }
        })
        .collect())
}

/// A statement the server refused, located in the file.
#[derive(Debug, Clone)]
pub struct SqlError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    /// Whether the server gave a position (else line:col is the statement's start).
    pub positioned: bool,
    pub source_line: String,
    /// 1-based index of the statement in its section, and how many there are.
    pub statement: usize,
    pub statements: usize,
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub context: Option<String>,
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: {} (SQLSTATE {}), in statement {} of {}",
            self.file,
            self.line,
            self.col,
            self.message,
            self.code,
            self.statement,
            self.statements
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        if self.positioned {
            writeln!(f, "{:gutter$} | {:>col$}", "", "^", col = self.col)?;
        } else {
            writeln!(
                f,
                "{:gutter$} | (the server gave no position; this is the statement that failed)",
                ""
            )?;
        }
        if let Some(d) = &self.detail {
            writeln!(f, "detail: {d}")?;
        }
        if let Some(h) = &self.hint {
            writeln!(f, "hint: {h}")?;
        }
        if let Some(c) = &self.context {
            writeln!(f, "context: {}", c.replace('\n', "; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for SqlError {}

/// Runs one statement; a server error comes back located in the file.
pub async fn run_statement(
    client: &Client,
    m: &Migration,
    stmt: &Stmt,
    (index, total): (usize, usize),
    file: &str,
) -> Result<(), anyhow::Error> {
    let text = &m.source[stmt.range.clone()];
    let Err(e) = client.batch_execute(text).await else {
        return Ok(());
    };
    let Some(db) = e.as_db_error() else {
        return Err(anyhow::Error::new(e).context(format!(
            "{file}:{}: the connection failed while running statement {index} of {total}",
            stmt.line
        )));
    };
    let (offset, positioned) = match db.position() {
        Some(ErrorPosition::Original(pos)) => match char_offset_to_byte(text, *pos as usize) {
            Some(b) => (stmt.range.start + b, true),
            None => (stmt.range.start, false),
        },
        _ => (stmt.range.start, false),
    };
    let index_lines = LineIndex::new(&m.source);
    let at = index_lines.line_col(offset);
    let mut context = db.where_().map(str::to_string);
    if let Some(ErrorPosition::Internal { position, query }) = db.position() {
        let inner = format!("at character {position} of the internal query `{query}`");
        context = Some(match context {
            Some(c) => format!("{c}; {inner}"),
            None => inner,
        });
    }
    Err(anyhow::Error::new(SqlError {
        file: file.to_string(),
        line: at.line as usize,
        col: at.col as usize,
        positioned,
        source_line: index_lines.line_text(at.line).to_string(),
        statement: index,
        statements: total,
        code: db.code().code().to_string(),
        message: db.message().to_string(),
        detail: db.detail().map(str::to_string),
        hint: db.hint().map(str::to_string),
        context,
    }))
}

/// Runs every statement of `section` in order; stops at the first error.
pub async fn run_section(
    client: &Client,
    m: &Migration,
    section: Range<usize>,
    file: &str,
) -> Result<()> {
    let stmts = statements(m, section, file)?;
    let total = stmts.len();
    for (i, stmt) in stmts.iter().enumerate() {
        run_statement(client, m, stmt, (i + 1, total), file).await?;
    }
    Ok(())
}

/// One row of a verify query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// 1-based line of the verify statement in the file.
    pub line: usize,
    /// The first column when the row has two or more, else the statement's line.
    pub name: String,
    /// The last column as the server printed it.
    pub result: String,
    pub passed: bool,
}

/// PASS / true pass; FAIL / false fail; anything else (NULL included) fails
/// with the value shown, since an unreadable check proves nothing.
fn judge(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some(v) if v.eq_ignore_ascii_case("pass") || v == "t" || v.eq_ignore_ascii_case("true"))
}

/// Runs every statement of the verify section and returns every row.
pub async fn run_checks(client: &Client, m: &Migration, file: &str) -> Result<Vec<Check>> {
    let Some(range) = m.verify.clone() else {
        return Ok(Vec::new());
    };
    let stmts = statements(m, range, file)?;
    let total = stmts.len();
    let mut checks = Vec::new();
    for (i, stmt) in stmts.iter().enumerate() {
        let messages = match client.simple_query(&m.source[stmt.range.clone()]).await {
            Ok(msgs) => msgs,
            Err(_) => {
                // Run it again through the error-locating path for the message.
                run_statement(client, m, stmt, (i + 1, total), file)
                    .await
                    .context("a verify query failed")?;
                continue;
            }
        };
        for msg in messages {
            if let SimpleQueryMessage::Row(row) = msg {
                let n = row.len();
                if n == 0 {
                    continue;
                }
                let result = row.get(n - 1);
                let name = if n >= 2 {
                    row.get(0).unwrap_or("NULL").to_string()
                } else {
                    format!("check at line {}", stmt.line)
                };
                checks.push(Check {
                    line: stmt.line,
                    name,
                    result: result.unwrap_or("NULL").to_string(),
                    passed: judge(result),
                });
            }
        }
    }
    Ok(checks)
}

/// Runs the body: in one transaction, or statement by statement when the
/// file is `-- migrate:no-transaction`. (For tests and simple callers;
/// `apply` drives transactions and tracking itself.)
pub async fn run_body(client: &Client, m: &Migration, file: &str) -> Result<()> {
    if m.no_transaction {
        return run_section(client, m, m.body.clone(), file).await;
    }
    client.batch_execute("BEGIN").await?;
    if let Err(e) = run_section(client, m, m.body.clone(), file).await {
        let _ = client.batch_execute("ROLLBACK").await;
        return Err(e.context("the body failed; it was rolled back"));
    }
    client
        .batch_execute("COMMIT")
        .await
        .context("COMMIT failed")
}

/// The INVALID index named `index` (an SQL expression) on `table`, as
/// `schema.name`: no row when there is none.
pub fn invalid_index_sql(index: &str, table: &str) -> String {
    format!(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname)
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_namespace n ON n.oid = ic.relnamespace
              WHERE ic.relname = {index} AND i.indrelid = to_regclass({table}) AND NOT i.indisvalid"
    )
}
