//! `migration status` over several targets: a row per migration, a column
//! per target (applied, pending, failed, changed), a line for each
//! migration the targets disagree on ("11 is applied on dev, staging;
//! pending on prod"), and rows whose file is gone. A target that cannot be
//! reached is a column of `error` and its message.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::{json, Value};

use crate::args::Format;
use crate::fleet::{self, Target};
use crate::migration::Migration;
use crate::outcome::Outcome;
use crate::pg::tracking::{self, Applied, TableName};
use crate::project::Project;
use crate::runner::plan::{Plan, State};

/// Each target's tracking rows, or why they could not be read.
struct Column<'a> {
    target: &'a Target,
    rows: Result<Vec<Applied>>,
}

pub fn run(
    project: &Project,
    targets: &[Target],
    table: &TableName,
    format: Format,
) -> Result<Outcome> {
    let set = project.load_migrations()?;
    let done = crate::pg::block_on(fleet::each(
        targets,
        8,
        false,
        |target| read(target, table),
        |_| {},
    ));
    let columns: Vec<Column> = done
        .into_iter()
        .map(|d| Column {
            target: d.target,
            rows: d.result.unwrap_or_else(|| Err(anyhow::anyhow!("not read"))),
        })
        .collect();
    let states = states(&set.migrations, &columns);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json_matrix(&set.migrations, &columns, &states))?
        ),
        _ => print_matrix(&set.migrations, &columns, &states),
    }
    let trouble = columns.iter().any(|c| c.rows.is_err())
        || states
            .iter()
            .flatten()
            .any(|s| matches!(s, Some(State::Changed | State::Failed)))
        || !missing(&set.migrations, &columns).is_empty();
    Ok(if trouble || !set.problems.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

async fn read(target: &Target, table: &TableName) -> Result<Vec<Applied>> {
    let client = target.database.connect("touchpoint status").await?;
    tracking::load(&client, table).await
}

/// `states[migration][target]`: `None` where the target could not be read.
fn states(migrations: &[Migration], columns: &[Column]) -> Vec<Vec<Option<State>>> {
    let plans: Vec<Option<Plan>> = columns
        .iter()
        .map(|c| c.rows.as_ref().ok().map(|rows| Plan::new(migrations, rows)))
        .collect();
    (0..migrations.len())
        .map(|i| {
            plans
                .iter()
                .map(|p| p.as_ref().map(|p| p.entries[i].state))
                .collect()
        })
        .collect()
}

/// Per target, the versions it has applied whose file is gone.
fn missing<'a>(migrations: &[Migration], columns: &'a [Column]) -> Vec<(&'a str, String)> {
    let mut out = Vec::new();
    for c in columns {
        if let Ok(rows) = &c.rows {
            for r in Plan::new(migrations, rows).missing {
                out.push((c.target.name.as_str(), r.version.clone()));
            }
        }
    }
    out
}

fn cell(state: Option<State>) -> &'static str {
    state.map_or("error", State::key)
}

fn print_matrix(migrations: &[Migration], columns: &[Column], states: &[Vec<Option<State>>]) {
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| c.target.name.len().max("changed".len()))
        .collect();
    let stem = migrations
        .iter()
        .map(|m| m.name.stem.len())
        .max()
        .unwrap_or(0)
        .max("MIGRATION".len());
    let mut header = format!("{:stem$}", "MIGRATION");
    for (c, w) in columns.iter().zip(&widths) {
        header.push_str(&format!("  {:w$}", c.target.name));
    }
    println!("{}", header.trim_end());
    for (m, row) in migrations.iter().zip(states) {
        let mut line = format!("{:stem$}", m.name.stem);
        for (s, w) in row.iter().zip(&widths) {
            line.push_str(&format!("  {:w$}", cell(*s)));
        }
        println!("{}", line.trim_end());
    }
    for (m, row) in migrations.iter().zip(states) {
        if let Some(summary) = disagreement(m, columns, row) {
            println!("{summary}");
        }
    }
    for (target, version) in missing(migrations, columns) {
        println!("{version} is applied on {target} but its file is gone from migrations/");
    }
    for c in columns {
        if let Err(e) = &c.rows {
            eprintln!("error: {}: {e:#}", c.target.name);
        }
    }
}

/// "11 is applied on dev, staging; pending on prod", when the targets
/// that could be read do not all agree.
fn disagreement(m: &Migration, columns: &[Column], row: &[Option<State>]) -> Option<String> {
    let mut by_state: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (c, s) in columns.iter().zip(row) {
        by_state
            .entry(cell(*s))
            .or_default()
            .push(c.target.name.as_str());
    }
    if by_state.len() < 2 {
        return None;
    }
    let order = ["applied", "pending", "changed", "failed", "error"];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|k| {
            by_state
                .get(k)
                .map(|names| format!("{k} on {}", names.join(", ")))
        })
        .collect();
    Some(format!("{} is {}", m.name.number_text, parts.join("; ")))
}

fn json_matrix(
    migrations: &[Migration],
    columns: &[Column],
    states: &[Vec<Option<State>>],
) -> Value {
    let targets: Vec<Value> = columns
        .iter()
        .map(|c| {
            json!({
                "name": c.target.name,
                "database": c.target.database.short_name(),
                "error": c.rows.as_ref().err().map(|e| format!("{e:#}")),
            })
        })
        .collect();
    let rows: Vec<Value> = migrations
        .iter()
        .zip(states)
        .map(|(m, row)| {
            let by_target: serde_json::Map<String, Value> = columns
                .iter()
                .zip(row)
                .map(|(c, s)| (c.target.name.clone(), json!(cell(*s))))
                .collect();
            json!({
                "number": m.name.number,
                "version": m.name.stem,
                "states": by_target,
                "summary": disagreement(m, columns, row),
            })
        })
        .collect();
    let missing: Vec<Value> = missing(migrations, columns)
        .into_iter()
        .map(|(t, v)| json!({"target": t, "version": v}))
        .collect();
    json!({"targets": targets, "migrations": rows, "missing": missing})
}
