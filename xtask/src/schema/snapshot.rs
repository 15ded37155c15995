//! A comparable picture of a database's schema: one sorted line per object
//! or column, made from the catalog model `sync` uses (`schema::catalog`,
//! which owns every catalog query) and its rendering. The dynamic review
//! compares snapshots to prove idempotency and rollbacks.

use std::collections::BTreeSet;

use anyhow::Result;
use tokio_postgres::Client;

use crate::schema::catalog::{self, Catalog};
use crate::schema::render::{self, Kind};
use crate::sql::quote::Quoter;

pub async fn take(client: &Client) -> Result<BTreeSet<String>> {
    Ok(lines(&catalog::read(client).await?))
}

/// Tables as their columns, inline constraints and other statements (so a
/// difference names the column); every other object as its DDL on one line.
pub fn lines(cat: &Catalog) -> BTreeSet<String> {
    let (units, _) = render::units(cat);
    let quoter = Quoter::new(&cat.keywords);
    let mut out = BTreeSet::new();
    for u in &units {
        if u.key.kind != Kind::Table {
            out.insert(format!(
                "{} {} {}",
                u.key.kind.label(),
                u.key.qualified,
                one_line(&u.sql)
            ));
            continue;
        }
        let Some(r) = cat
            .relations
            .iter()
            .find(|r| r.schema == u.key.schema && r.name == u.key.name && r.kind.is_table())
        else {
            continue;
        };
        out.insert(format!("table {}", u.key.qualified));
        for c in &r.columns {
            let mut line = format!("column {}.{} {}", u.key.qualified, c.name, c.type_name);
            if let Some(method) = &c.compression {
                line += &format!(" COMPRESSION {method}");
            }
            if let Some(coll) = &c.collation {
                line += &format!(" COLLATE {coll}");
            }
            if let Some(not_null) = render::not_null_text(&quoter, r, c) {
                line += &format!(" {not_null}");
            }
            if let Some(d) = &c.default {
                line += &format!(" DEFAULT {d}");
            }
            if let Some(g) = &c.generated {
                line += &format!(" {}", g.sql());
            }
            if let Some(identity) = c.identity {
                line += &format!(" GENERATED {} AS IDENTITY", identity.sql());
            }
            out.insert(line);
        }
        for c in &r.constraints {
            out.insert(format!(
                "constraint {}.{} {}",
                u.key.qualified, c.name, c.definition
            ));
        }
        // What else the table's unit says: options, RLS, comments, grants.
        let rest = u.sql.split_once(";\n").map_or("", |(_, rest)| rest);
        for stmt in rest.split(";\n").filter(|s| !s.trim().is_empty()) {
            out.insert(format!("table {}: {}", u.key.qualified, one_line(stmt)));
        }
        let create = u.sql.split_once(";\n").map_or(u.sql.as_str(), |(c, _)| c);
        if let Some(tail) = create
            .rsplit_once(')')
            .map(|(_, t)| t.trim())
            .filter(|t| !t.is_empty())
        {
            out.insert(format!("table {} {tail}", u.key.qualified));
        }
    }
    out
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What `after` lacks and has over `before`, as readable lines.
pub fn diff(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = before
        .difference(after)
        .map(|l| format!("missing: {}", short(l)))
        .collect();
    out.extend(
        after
            .difference(before)
            .map(|l| format!("extra: {}", short(l))),
    );
    out
}

fn short(line: &str) -> String {
    let one: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 160 {
        format!("{}...", one.chars().take(160).collect::<String>())
    } else {
        one
    }
}
