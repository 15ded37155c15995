//! `migration apply` over several targets: each under its own lock and in
//! its own connection, `--jobs` at a time; a line per target as it
//! finishes, then a table (or JSON). One failing target stops the others
//! only with `--fail-fast`; any failure exits 1.

use std::time::Duration;

use anyhow::Result;
use serde_json::{json, Value};

use super::{apply, Args, Echo, Options, Report};
use crate::args::Format;
use crate::fleet::{self, Done, Target};
use crate::outcome::Outcome;
use crate::project::Project;

pub fn apply_all(
    project: &Project,
    targets: &[Target],
    opts: &Options,
    jobs: usize,
    args: &Args,
) -> Result<Outcome> {
    let text = args.format.format == Format::Text;
    let width = targets.iter().map(|t| t.name.len()).max().unwrap_or(0);
    if text {
        eprintln!(
            "{} {} target{}, {jobs} at a time{}",
            if opts.rehearse {
                "rehearsing on"
            } else {
                "applying to"
            },
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            args.db
                .shard
                .map_or(String::new(), |s| format!(" (shard {s})"))
        );
    }
    let done = crate::pg::block_on(fleet::each(
        targets,
        jobs,
        args.fleet.fail_fast,
        |target| apply_one(project, opts, target),
        |d| {
            if text {
                println!("{}", line(d, width));
            }
        },
    ));
    if text {
        print_table(&done, width);
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&json_report(&done, args))?
        );
    }
    Ok(
        if done
            .iter()
            .any(|d| d.result.as_ref().is_none_or(|r| r.is_err()))
        {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}

/// One target's apply, its lines named after it.
fn apply_one<'a>(
    project: &'a Project,
    opts: &'a Options,
    target: &'a Target,
) -> impl std::future::Future<Output = Result<Report>> + 'a {
    let opts = Options {
        echo: Echo {
            target: Some(target.name.clone()),
        },
        ..opts.clone()
    };
    async move { apply(project, &target.database, &opts).await }
}

/// `staging  applied 3, 0 pending  412 ms` / `prod  FAILED: ...`.
fn line(d: &Done<'_, Report>, width: usize) -> String {
    let name = &d.target.name;
    match &d.result {
        Some(Ok(r)) => format!(
            "{name:width$}  applied {}, {} already applied, {} pending  {} ms",
            r.applied,
            r.already,
            r.left,
            d.took.as_millis()
        ),
        Some(Err(e)) => format!(
            "{name:width$}  FAILED after {} ms: {}",
            d.took.as_millis(),
            first_line(e)
        ),
        None => format!("{name:width$}  not started (--fail-fast after a failure)"),
    }
}

/// The headline of an error: the located SQL error when there is one.
fn first_line(e: &anyhow::Error) -> String {
    format!("{e:#}")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn state(d: &Done<'_, Report>) -> &'static str {
    match &d.result {
        Some(Ok(_)) => "ok",
        Some(Err(_)) => "failed",
        None => "not_started",
    }
}

fn print_table(done: &[Done<'_, Report>], width: usize) {
    let width = width.max("TARGET".len());
    println!();
    println!("{:width$}  STATE        APPLIED  PENDING  TIME", "TARGET");
    for d in done {
        let (applied, left) = match &d.result {
            Some(Ok(r)) => (r.applied.to_string(), r.left.to_string()),
            _ => ("-".to_string(), "-".to_string()),
        };
        println!(
            "{:width$}  {:11}  {applied:>7}  {left:>7}  {}",
            d.target.name,
            state(d),
            millis(d.took)
        );
    }
    let failed: Vec<&str> = done
        .iter()
        .filter(|d| d.failed())
        .map(|d| d.target.name.as_str())
        .collect();
    let skipped = done.iter().filter(|d| d.result.is_none()).count();
    println!(
        "{} of {} target{} ok{}{}",
        done.iter()
            .filter(|d| matches!(d.result, Some(Ok(_))))
            .count(),
        done.len(),
        if done.len() == 1 { "" } else { "s" },
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", failed.join(", "))
        },
        if skipped > 0 {
            format!("; {skipped} not started")
        } else {
            String::new()
        }
    );
    for d in done.iter().filter(|d| d.failed()) {
        if let Some(Err(e)) = &d.result {
            eprintln!("error on {}: {e:#}", d.target.name);
        }
    }
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// Per-target results, with what a merge of shards needs: the shard, the
/// options that matter and every target's outcome.
fn json_report(done: &[Done<'_, Report>], args: &Args) -> Value {
    let targets: Vec<Value> = done
        .iter()
        .map(|d| {
            let (report, error) = match &d.result {
                Some(Ok(r)) => (Some(*r), None),
                Some(Err(e)) => (None, Some(format!("{e:#}"))),
                None => (None, None),
            };
            json!({
                "name": d.target.name,
                "database": d.target.database.short_name(),
                "state": state(d),
                "applied": report.map(|r| r.applied),
                "already_applied": report.map(|r| r.already),
                "pending": report.map(|r| r.left),
                "error": error,
                "millis": d.took.as_millis() as u64,
            })
        })
        .collect();
    json!({
        "command": "apply",
        "rehearse": args.rehearse,
        "shard": args.db.shard.map(|s| s.to_string()),
        "ok": done.iter().all(|d| matches!(d.result, Some(Ok(_)))),
        "targets": targets,
    })
}
