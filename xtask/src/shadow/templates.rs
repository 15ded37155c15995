//! Throwaway databases holding a history of migrations: each history is kept
//! as a template database named by the chain of checksums it holds, so a
//! second replay clones it in milliseconds; a history that changed is
//! rebuilt from the longest prefix still cached. Templates refuse
//! connections (ALLOW_CONNECTIONS false). The review, sync's check, drift and
//! adopt all replay through here.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, Result};
use tokio_postgres::Client;

use crate::migration::{Checksum, Migration};
use crate::pg::connect::Database;
use crate::pg::exec::{run_statement, statements};
use crate::sql::quote::ident;

/// How many history templates are built in this process (tests assert
/// reuse with it).
pub static TEMPLATES_BUILT: AtomicUsize = AtomicUsize::new(0);
const KEEP_TEMPLATES: usize = 16;
const PREFIX: &str = "touchpoint_tpl_";

#[derive(Debug, Clone)]
pub enum TemplateUse {
    Reused,
    Built { from_cached: usize, total: usize },
}

/// The chain of checksums that names a history.
fn chain(history: &[&Migration]) -> Vec<String> {
    history
        .iter()
        .map(|m| m.checksum.hex()[..16].to_string())
        .collect()
}

fn template_name(chain: &[String]) -> String {
    let key = Checksum::of_normalized(&chain.join("\n")).hex();
    format!("{PREFIX}{}", &key[..20])
}

/// Runs a migration's body as `apply` would, without tracking it.
pub async fn run_body_plain(client: &Client, m: &Migration, file: &str) -> Result<()> {
    if !m.no_transaction {
        client.batch_execute("BEGIN").await?;
    }
    let stmts = statements(m, m.body.clone(), file)?;
    let total = stmts.len();
    for (i, s) in stmts.iter().enumerate() {
        if let Err(e) = run_statement(client, m, s, (i + 1, total), file).await {
            if !m.no_transaction {
                let _ = client.batch_execute("ROLLBACK").await;
            }
            return Err(e);
        }
    }
    if !m.no_transaction {
        client.batch_execute("COMMIT").await?;
    }
    client.batch_execute("RESET ALL").await?;
    Ok(())
}

/// FILE_COPY clones a small database fastest (PostgreSQL 15+, where the
/// default became WAL_LOG); older servers only copy files anyway.
async fn strategy(admin: &Client) -> Result<&'static str> {
    let version: i32 = admin
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .await?
        .get(0);
    Ok(if version >= 150000 {
        " STRATEGY FILE_COPY"
    } else {
        ""
    })
}

/// Drops check and build databases left by reviews that were killed: their
/// name carries the pid of the process that made them.
async fn drop_leftovers(admin: &Client) {
    let Ok(rows) = admin
        .query(
            "SELECT datname FROM pg_database d
              WHERE (datname LIKE 'touchpoint\\_check\\_%' OR datname LIKE 'touchpoint\\_build\\_%')
                AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)",
            &[],
        )
        .await
    else {
        return;
    };
    for r in rows {
        let name: String = r.get(0);
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| p != std::process::id() && !crate::pg::cluster::process_alive(p)) {
            let _ = admin
                .batch_execute(&format!("DROP DATABASE IF EXISTS {}", ident(&name)))
                .await;
        }
    }
}

/// Finds or builds the template holding `history`.
pub async fn template(
    admin: &Client,
    shadow: &Database,
    history: &[&Migration],
    display: &dyn Fn(&Migration) -> String,
) -> Result<(String, TemplateUse)> {
    drop_leftovers(admin).await;
    let chain = chain(history);
    let name = template_name(&chain);
    let rows = admin
        .query(
            "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname LIKE $1 ORDER BY oid DESC",
            &[&format!("{PREFIX}%")],
        )
        .await?;
    if rows.iter().any(|r| r.get::<_, String>(0) == name) {
        return Ok((name, TemplateUse::Reused));
    }
    // The longest cached prefix of this history.
    let mut base = ("template0".to_string(), 0usize);
    for r in &rows {
        let cached: Vec<String> = r.get::<_, String>(1).lines().map(str::to_string).collect();
        if cached.len() > base.1
            && cached.len() <= chain.len()
            && chain[..cached.len()] == cached[..]
        {
            base = (r.get(0), cached.len());
        }
    }
    let build = format!(
        "touchpoint_build_{}_{}",
        std::process::id(),
        TEMPLATES_BUILT.load(Ordering::Relaxed)
    );
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {}", ident(&build)))
        .await?;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}{}",
            ident(&build),
            ident(&base.0),
            strategy(admin).await?
        ))
        .await
        .with_context(|| format!("cannot create a database from {}", base.0))?;
    let built = async {
        let client = shadow
            .with_dbname(&build)
            .connect("touchpoint review")
            .await?;
        for m in &history[base.1..] {
            run_body_plain(&client, m, &display(m))
                .await
                .with_context(|| {
                    format!(
                        "the history before the reviewed migration does not build: {} fails",
                        m.name.stem
                    )
                })?;
        }
        drop(client);
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = built {
        let _ = admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                ident(&build)
            ))
            .await;
        return Err(e);
    }
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {b} RENAME TO {n}; ALTER DATABASE {n} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true; COMMENT ON DATABASE {n} IS '{c}'",
            b = ident(&build),
            n = ident(&name),
            c = chain.join("\n")
        ))
        .await
        .context("cannot keep the history as a template")?;
    TEMPLATES_BUILT.fetch_add(1, Ordering::Relaxed);
    for old in rows.iter().skip(KEEP_TEMPLATES - 1) {
        let old: String = old.get(0);
        let _ = admin
            .batch_execute(&format!(
                "ALTER DATABASE {q} WITH IS_TEMPLATE false; DROP DATABASE IF EXISTS {q}",
                q = ident(&old)
            ))
            .await;
    }
    Ok((
        name,
        TemplateUse::Built {
            from_cached: base.1,
            total: chain.len(),
        },
    ))
}

/// A fresh database holding `history` replayed, cloned from the cached
/// history template (built when missing). The caller drops it with
/// [`drop_database`].
pub async fn replayed(
    admin: &Client,
    shadow: &Database,
    history: &[&Migration],
    display: &dyn Fn(&Migration) -> String,
    purpose: &str,
) -> Result<(String, String, TemplateUse)> {
    let (template, template_use) = template(admin, shadow, history, display).await?;
    let name = format!(
        "touchpoint_check_{}_{}_{purpose}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}{}",
            ident(&name),
            ident(&template),
            strategy(admin).await?
        ))
        .await
        .with_context(|| format!("cannot clone the history template {template}"))?;
    Ok((name, template, template_use))
}

/// Drops a database made by [`replayed`], even with sessions left in it.
pub async fn drop_database(admin: &Client, name: &str) {
    let _ = admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            ident(name)
        ))
        .await;
}
