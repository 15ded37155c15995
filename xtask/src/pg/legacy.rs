//! The tracking tables of other tools that `migration adopt` reads: which
//! tool wrote a table (told by its columns) and the history it holds, oldest
//! first. Everything here only reads.

use anyhow::{bail, Context, Result};
use tokio_postgres::Client;

use crate::pg::tracking::{TableName, COLUMNS};
use crate::sql::quote::ident;

/// The tool a legacy table belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Flyway,
    Sqlx,
    Dbmate,
    GolangMigrate,
    Drizzle,
    /// A `schema_migrations` with a `version` column and others of its own,
    /// one row per migration.
    HandRolled,
}

impl Tool {
    pub fn label(self) -> &'static str {
        match self {
            Tool::Flyway => "flyway",
            Tool::Sqlx => "sqlx",
            Tool::Dbmate => "dbmate",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Drizzle => "drizzle",
            Tool::HandRolled => "hand-rolled",
        }
    }

    /// golang-migrate keeps one row: the current version.
    pub fn single_version(self) -> bool {
        self == Tool::GolangMigrate
    }
}

/// Table names looked for in every schema when `--legacy-table` is not given.
pub const KNOWN_NAMES: &[&str] = &[
    "schema_migrations",
    "__drizzle_migrations",
    "_sqlx_migrations",
    "flyway_schema_history",
];

/// One applied version of the legacy history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// As the tool wrote it, in text.
    pub version: String,
    /// Its description, name or hash, when the table keeps one.
    pub description: Option<String>,
    /// Why the row says the migration did not finish (failed, dirty).
    pub failed: Option<String>,
}

/// A legacy table and its history.
#[derive(Debug, Clone)]
pub struct Legacy {
    pub tool: Tool,
    pub table: TableName,
    /// Applied versions in the order the tool applied them.
    pub versions: Vec<Version>,
    /// Rows that are not versions touchpoint can map (flyway's repeatable
    /// and schema-creation rows), described.
    pub skipped: Vec<String>,
}

impl Legacy {
    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter().filter(|v| v.failed.is_some())
    }
}

/// A table found under a known name (or named with `--legacy-table`) and
/// what its columns say about it.
#[derive(Debug, Clone)]
pub struct Found {
    pub table: TableName,
    /// `name type`, in column order.
    pub columns: Vec<String>,
    pub tool: Option<Tool>,
}

/// Which tool wrote a table with these `(name, type)` columns; `None` for
/// touchpoint's own table and for tables adopt cannot read.
pub fn classify(columns: &[(String, String)]) -> Option<Tool> {
    let has = |n: &str| columns.iter().any(|(c, _)| c == n);
    let ours = columns.len() == COLUMNS.len()
        && columns
            .iter()
            .zip(COLUMNS)
            .all(|((n, t), (wn, wt))| n == wn && t == wt);
    if ours {
        None
    } else if has("installed_rank") && has("version") && has("script") && has("success") {
        Some(Tool::Flyway)
    } else if [
        "version",
        "description",
        "installed_on",
        "success",
        "checksum",
        "execution_time",
    ]
    .iter()
    .all(|c| has(c))
    {
        Some(Tool::Sqlx)
    } else if has("id") && has("hash") && has("created_at") {
        Some(Tool::Drizzle)
    } else if columns.len() == 2 && has("version") && has("dirty") {
        Some(Tool::GolangMigrate)
    } else if columns.len() == 1 && has("version") && columns[0].1.starts_with("character varying")
    {
        Some(Tool::Dbmate)
    } else if has("version") {
        Some(Tool::HandRolled)
    } else {
        None
    }
}

/// Versions in the order they ran: numbers as numbers (also in a text
/// column: `9` before `10`), others as text.
const NUMERIC_FIRST: &str = "CASE WHEN legacy.version::text ~ '^[0-9]+$' THEN lpad(legacy.version::text, 40, '0') ELSE legacy.version::text END";

fn qualified(t: &TableName) -> String {
    format!("{}.{}", ident(&t.schema), ident(&t.name))
}

/// Tables under a known name in any user schema, and `explicit` wherever it
/// is, with their columns; touchpoint's own tables are left out unless
/// named explicitly.
pub async fn find(client: &Client, explicit: Option<&TableName>) -> Result<Vec<Found>> {
    let names: Vec<String> = KNOWN_NAMES.iter().map(|s| s.to_string()).collect();
    let (schema, name) = explicit.map_or((String::new(), String::new()), |t| {
        (t.schema.clone(), t.name.clone())
    });
    let rows = client
        .query(
            "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
              WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
                AND (($3::text = '' AND c.relname::text = ANY($1::text[]))
                     OR (n.nspname::text = $2::text AND c.relname::text = $3::text))
              ORDER BY 1, 2, a.attnum",
            &[&names, &schema, &name],
        )
        .await
        .context("cannot look for legacy tracking tables in the catalogs")?;
    let mut found: Vec<(TableName, Vec<(String, String)>)> = Vec::new();
    for r in &rows {
        let t = TableName {
            schema: r.get(0),
            name: r.get(1),
        };
        let col = (r.get::<_, String>(2), r.get::<_, String>(3));
        match found.last_mut() {
            Some((last, cols)) if *last == t => cols.push(col),
            _ => found.push((t, vec![col])),
        }
    }
    Ok(found
        .into_iter()
        .filter_map(|(table, cols)| {
            let tool = classify(&cols);
            let ours = tool.is_none() && cols.len() == COLUMNS.len();
            if ours && explicit.is_none() {
                return None;
            }
            Some(Found {
                table,
                columns: cols.into_iter().map(|(n, t)| format!("{n} {t}")).collect(),
                tool,
            })
        })
        .collect())
}

/// Reads the history of `table`, written by `tool`.
pub async fn read(
    client: &Client,
    table: &TableName,
    tool: Tool,
    columns: &[String],
) -> Result<Legacy> {
    let t = qualified(table);
    let ctx = || format!("cannot read the legacy table {table}");
    let mut versions: Vec<Version> = Vec::new();
    let mut skipped = Vec::new();
    let plain = |version: String, description: Option<String>, failed: Option<String>| Version {
        version,
        description: description.filter(|d| !d.trim().is_empty()),
        failed,
    };
    match tool {
        Tool::Flyway => {
            let rows = client
                .query(
                    &format!(
                        "SELECT installed_rank, version::text, description::text, type::text, success FROM {t} ORDER BY installed_rank"
                    ),
                    &[],
                )
                .await
                .with_context(ctx)?;
            for r in &rows {
                let rank: i32 = r.get(0);
                let version: Option<String> = r.get(1);
                let description: Option<String> = r.get(2);
                let kind: String = r.get(3);
                let success: bool = r.get(4);
                let what = description.clone().unwrap_or_default();
                let Some(version) = version else {
                    skipped.push(format!("rank {rank}: repeatable migration `{what}` ({kind}; repeatable scripts have no version to map)"));
                    continue;
                };
                if kind == "SCHEMA" {
                    skipped.push(format!(
                        "rank {rank}: {what} (flyway's schema creation row)"
                    ));
                    continue;
                }
                versions.retain(|v| v.version != version);
                if kind.starts_with("UNDO") {
                    // An undone version is no longer applied.
                    continue;
                }
                let failed = (!success).then(|| "success = false".to_string());
                versions.push(plain(version, description, failed));
            }
        }
        Tool::Sqlx => {
            let rows = client
                .query(
                    &format!("SELECT version::text, description, success FROM {t} AS legacy ORDER BY legacy.version"),
                    &[],
                )
                .await
                .with_context(ctx)?;
            for r in &rows {
                let success: bool = r.get(2);
                versions.push(plain(
                    r.get(0),
                    r.get(1),
                    (!success).then(|| "success = false".to_string()),
                ));
            }
        }
        Tool::Drizzle => {
            let rows = client
                .query(
                    &format!(
                        "SELECT coalesce(created_at::text, 'id' || id::text), left(hash, 12) FROM {t} AS legacy ORDER BY legacy.created_at, legacy.id"
                    ),
                    &[],
                )
                .await
                .with_context(ctx)?;
            for r in &rows {
                let hash: Option<String> = r.get(1);
                versions.push(plain(r.get(0), hash.map(|h| format!("hash {h}")), None));
            }
        }
        Tool::GolangMigrate => {
            let rows = client
                .query(&format!("SELECT version::text, dirty FROM {t}"), &[])
                .await
                .with_context(ctx)?;
            if rows.len() > 1 {
                bail!(
                    "{table} looks like golang-migrate's table (version, dirty) but holds {} rows where golang-migrate keeps one; name the right table with --legacy-table, or see docs/adopt.md",
                    rows.len()
                );
            }
            for r in &rows {
                let dirty: Option<bool> = r.get(1);
                versions.push(plain(
                    r.get(0),
                    None,
                    (dirty == Some(true)).then(|| "dirty = true".to_string()),
                ));
            }
        }
        Tool::Dbmate => {
            let rows = client
                .query(
                    &format!("SELECT version::text FROM {t} AS legacy ORDER BY {NUMERIC_FIRST}"),
                    &[],
                )
                .await
                .with_context(ctx)?;
            for r in &rows {
                versions.push(plain(r.get(0), None, None));
            }
        }
        Tool::HandRolled => {
            let col = |n: &str, types: &[&str]| {
                columns.iter().any(|c| {
                    c.split_once(' ')
                        .is_some_and(|(cn, ct)| cn == n && types.iter().any(|t| ct.starts_with(t)))
                })
            };
            let text_types = ["text", "character varying", "character", "name"];
            let description = ["name", "description", "filename", "script", "migration"]
                .into_iter()
                .find(|n| col(n, &text_types))
                .map_or("NULL::text".to_string(), |n| format!("{}::text", ident(n)));
            let failed = if col("success", &["boolean"]) {
                "CASE WHEN success IS FALSE THEN 'success = false' END"
            } else if col("dirty", &["boolean"]) {
                "CASE WHEN dirty THEN 'dirty = true' END"
            } else {
                "NULL::text"
            };
            let rows = client
                .query(
                    &format!("SELECT version::text, {description}, {failed} FROM {t} AS legacy WHERE version IS NOT NULL ORDER BY {NUMERIC_FIRST}"),
                    &[],
                )
                .await
                .with_context(ctx)?;
            for r in &rows {
                versions.push(plain(r.get(0), r.get(1), r.get(2)));
            }
        }
    }
    Ok(Legacy {
        tool,
        table: table.clone(),
        versions,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(spec: &[(&str, &str)]) -> Vec<(String, String)> {
        spec.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn tools_are_told_by_their_columns() {
        assert_eq!(
            classify(&cols(&[("version", "bigint"), ("dirty", "boolean")])),
            Some(Tool::GolangMigrate)
        );
        assert_eq!(
            classify(&cols(&[("version", "character varying(128)")])),
            Some(Tool::Dbmate)
        );
        assert_eq!(
            classify(&cols(&[
                ("version", "integer"),
                ("name", "text"),
                ("applied_at", "timestamp with time zone")
            ])),
            Some(Tool::HandRolled)
        );
        assert_eq!(
            classify(&cols(&[
                ("id", "integer"),
                ("hash", "text"),
                ("created_at", "bigint")
            ])),
            Some(Tool::Drizzle)
        );
        let ours: Vec<(String, String)> = COLUMNS
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(classify(&ours), None);
        assert_eq!(classify(&cols(&[("id", "integer")])), None);
    }
}
