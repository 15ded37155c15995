//! The sync round trip: a database's schema rendered into files, the files
//! loaded into an empty database, and the two compared twice — by rendering
//! the copy again (the bytes must be equal) and by `pg_dump --schema-only`
//! of both (equal line for line once comments are removed). The tests and
//! `cargo xtask dev corpus` use it.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{bail, Context, Result};
use tokio_postgres::Client;

use super::catalog;
use super::layout::{Config, Existing};
use crate::pg::cluster::Binaries;
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::schema::files::render;

#[derive(Debug)]
pub struct RoundTrip {
    /// The files rendered from the source database.
    pub files: BTreeMap<String, String>,
    /// Files that render differently from the copy (empty: identical bytes).
    pub render_diff: Vec<String>,
    /// First lines where the two dumps differ (empty: identical).
    pub dump_diff: Vec<String>,
    pub warnings: Vec<String>,
}

impl RoundTrip {
    pub fn ok(&self) -> bool {
        self.render_diff.is_empty() && self.dump_diff.is_empty()
    }
}

fn tracking() -> TableName {
    TableName::parse("public.schema_migrations").expect("valid name")
}

/// Loads rendered files in file-name order, one simple-query batch each.
pub async fn load_files(client: &Client, files: &BTreeMap<String, String>) -> Result<()> {
    for (name, text) in files {
        client
            .batch_execute(text)
            .await
            .with_context(|| format!("current_schema/{name} does not load"))?;
    }
    Ok(())
}

/// Renders `source` (a database on `server`), loads the files into a new
/// database `copy` (which must not exist), and compares the two. Owners
/// are written (as with `owners = true`): the copy is on the same server,
/// where the roles exist.
pub async fn run(admin: &Client, server: &Database, source: &str, copy: &str) -> Result<RoundTrip> {
    let config = Config::default();
    let client = server
        .with_dbname(source)
        .connect("touchpoint roundtrip")
        .await?;
    let mut cat = catalog::read(&client).await?;
    cat.model_owners();
    drop(client);
    let rendered = render(&cat, &config, &Existing::default(), &tracking());

    admin
        .batch_execute(&format!("CREATE DATABASE \"{copy}\" TEMPLATE template0"))
        .await
        .with_context(|| format!("cannot create database {copy}"))?;
    let client = server
        .with_dbname(copy)
        .connect("touchpoint roundtrip")
        .await?;
    if let Err(e) = load_files(&client, &rendered.files).await {
        return Ok(RoundTrip {
            files: rendered.files,
            render_diff: vec![format!("{e:#}")],
            dump_diff: Vec::new(),
            warnings: rendered.warnings,
        });
    }
    let mut again = catalog::read(&client).await?;
    again.model_owners();
    let again = render(&again, &config, &Existing::default(), &tracking());
    drop(client);
    let mut render_diff = Vec::new();
    for (name, text) in &rendered.files {
        if again.files.get(name) != Some(text) {
            render_diff.push(name.clone());
        }
    }
    for name in again.files.keys() {
        if !rendered.files.contains_key(name) {
            render_diff.push(name.clone());
        }
    }
    // pg_dump refuses a server newer than itself: the server's own major.
    let major = Database::major(admin).await?;
    let bin = match Binaries::for_major(major) {
        Some(bin) => bin,
        None => Binaries::find()?,
    };
    let a = dump_with(&bin, server, source)?;
    let b = dump_with(&bin, server, copy)?;
    Ok(RoundTrip {
        files: rendered.files,
        render_diff,
        dump_diff: first_differences(&a, &b, 6),
        warnings: rendered.warnings,
    })
}

/// `pg_dump --schema-only` without comments, blank lines and the random
/// `\restrict` keys of newer pg_dump releases.
pub fn dump(server: &Database, db: &str) -> Result<Vec<String>> {
    dump_with(&Binaries::find()?, server, db)
}

/// [`dump`] with the `pg_dump` of `bin`.
pub fn dump_with(bin: &Binaries, server: &Database, db: &str) -> Result<Vec<String>> {
    let (conninfo, password) = server.with_dbname(db).for_tools();
    let mut cmd = Command::new(bin.bindir.join("pg_dump"));
    // The tracking table is touchpoint's own and never rendered.
    cmd.args([
        "--schema-only",
        "--no-password",
        "--exclude-table=public.schema_migrations",
        "-d",
        &conninfo,
    ]);
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().context("cannot run pg_dump")?;
    if !out.status.success() {
        bail!(
            "pg_dump of {db} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with("--")
                || l.starts_with("\\restrict")
                || l.starts_with("\\unrestrict"))
        })
        .map(str::to_string)
        .collect())
}

/// Up to `max` lines `- a` / `+ b` where the dumps part.
pub fn first_differences(a: &[String], b: &[String], max: usize) -> Vec<String> {
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    let diff = similar::TextDiff::from_slices(&a, &b);
    diff.iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .take(max)
        .map(|c| {
            let sign = if c.tag() == similar::ChangeTag::Delete {
                "-"
            } else {
                "+"
            };
            format!("{sign} {}", c.value())
        })
        .collect()
}
