//! Running a migration's SQL on a connection: the body (in a transaction or
//! statement by statement) and the verify checks.

use anyhow::{Context, Result};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::migration::Migration;
use crate::sql::split::split;

/// Connects to a server reachable without TLS (the embedded cluster, or a
/// unix socket); spawns the connection task on the current runtime.
pub async fn connect_plain(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .context("cannot connect to PostgreSQL")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
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
pub async fn run_checks(client: &Client, m: &Migration) -> Result<Vec<Check>> {
    let Some(range) = m.verify.clone() else {
        return Ok(Vec::new());
    };
    let sql = &m.source[range.clone()];
    let parts = split(sql);
    let mut checks = Vec::new();
    for stmt in &parts.statements {
        let line = m.line_of(range.start + stmt.span.start);
        let text = stmt.text(sql);
        let messages = client
            .simple_query(text)
            .await
            .with_context(|| format!("verify query at line {line} failed"))?;
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
                    format!("check at line {line}")
                };
                checks.push(Check {
                    line,
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
/// file is `-- migrate:no-transaction` (CREATE INDEX CONCURRENTLY cannot run
/// in a multi-statement string, which the server treats as one transaction).
pub async fn run_body(client: &Client, m: &Migration) -> Result<()> {
    let sql = m.body_sql();
    if m.no_transaction {
        let parts = split(sql);
        for stmt in &parts.statements {
            let line = m.line_of(m.body.start + stmt.span.start);
            client
                .batch_execute(stmt.text(sql))
                .await
                .with_context(|| format!("statement at line {line} failed"))?;
        }
        Ok(())
    } else {
        client.batch_execute("BEGIN").await?;
        if let Err(e) = client.batch_execute(sql).await {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e).context("the body failed; it was rolled back");
        }
        client
            .batch_execute("COMMIT")
            .await
            .context("COMMIT failed")
    }
}
