//! `bench review`: the static review of a whole history against squawk on
//! the same files, at N and 2N files, so that both targets show in one
//! run: touchpoint's time against squawk's, and how the time grows when
//! the history doubles (linear is 2x; the review once grew 3.7x).

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use chrono::NaiveDate;
use xshell::{cmd, Shell};

use super::timing::{ms, time};
use crate::migration::render::{new_migration, NewFields};
use crate::migration::MigrationName;

/// Writes `count` migrations into `<dir>/migrations`, each creating a table
/// and changing the previous one the ways that once made the review read
/// every other file: a foreign key to the new table (NOT VALID), a type
/// change, SET NOT NULL, and a `timestamp` column for prefer-timestamptz.
pub fn generate(dir: &Path, count: usize) -> Result<()> {
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for i in 1..=count {
        let date = start + chrono::Days::new(i as u64 / 3);
        let table = format!("service_ops.bench_{i:05}");
        let prev = format!("service_ops.bench_{:05}", i.saturating_sub(1));
        let mut tables = vec![table.clone()];
        if i > 1 {
            tables.insert(0, prev.clone());
        }
        let fields = NewFields {
            title: format!("Bench table {i}"),
            issue: Some(format!("BENCH-{i}")),
            problem: Some("The benchmark needs many realistic files.".into()),
            solution: Some(format!("Create {table} and link the previous table to it.")),
            tables,
        };
        let mut body = format!(
            "SET lock_timeout = '5s';\nCREATE SCHEMA IF NOT EXISTS service_ops;\nCREATE TABLE IF NOT EXISTS {table} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    packet_id bigint NOT NULL,\n    note text,\n    seen_at timestamp,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
        );
        if i > 1 {
            body.push_str(&format!(
                "ALTER TABLE {prev} ADD CONSTRAINT fk_bench_{i} FOREIGN KEY (packet_id) REFERENCES {table} (id) NOT VALID,\n    ALTER COLUMN note TYPE varchar(40),\n    ALTER COLUMN note SET NOT NULL;\n"
            ));
        }
        let text = new_migration(&fields, date).replacen(
            "\n\n-- migrate:verify",
            &format!("\n{body}\n-- migrate:verify"),
            1,
        ) + &format!("DROP TABLE IF EXISTS {table};\n");
        let name = MigrationName::new(date, i as u32, &format!("bench_{i}"));
        std::fs::write(migrations.join(name.file_name()), text)?;
    }
    Ok(())
}

/// One size: touchpoint's time, squawk's (when installed), the MB.
struct Point {
    files: usize,
    mb: f64,
    ours: Duration,
    squawk: Option<Duration>,
}

fn measure(sh: &Shell, files: usize, runs: usize, squawk: bool) -> Result<Point> {
    let dir = tempfile::tempdir()?;
    generate(dir.path(), files)?;
    let migrations = dir.path().join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&migrations)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let bytes: u64 = names
        .iter()
        .map(|n| std::fs::metadata(migrations.join(n)).map_or(0, |m| m.len()))
        .sum();
    let exe = std::env::current_exe()?;
    let root = dir.path();
    let ours = time(runs, || {
        cmd!(
            sh,
            "{exe} migration review --all --no-stamp --static-only --format json --project-dir {root}"
        )
        .quiet()
        .ignore_status()
        .ignore_stdout()
        .run()
        .map_err(Into::into)
    })?;
    let squawk = if squawk {
        // Relative names keep the command line short at 8,000 files.
        let _in = sh.push_dir(&migrations);
        Some(time(runs, || {
            let names = &names;
            cmd!(sh, "squawk --reporter json {names...}")
                .quiet()
                .ignore_status()
                .ignore_stdout()
                .ignore_stderr()
                .run()
                .map_err(Into::into)
        })?)
    } else {
        None
    };
    Ok(Point {
        files,
        mb: bytes as f64 / 1e6,
        ours,
        squawk,
    })
}

pub fn run(files: usize) -> Result<()> {
    let sh = Shell::new()?;
    let runs = 3;
    let version = cmd!(sh, "squawk --version")
        .quiet()
        .ignore_stderr()
        .read()
        .ok();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "review --all --static-only --format json over generated migrations, {build} build, whole command, median of {runs}:"
    );
    let mut points = Vec::new();
    for n in [files, files * 2] {
        let p = measure(&sh, n, runs, version.is_some())?;
        let vs = p.squawk.map_or_else(String::new, |s| {
            format!(
                "; {} {}: {:.2}x",
                version.as_deref().unwrap_or("squawk").trim(),
                ms(s),
                p.ours.as_secs_f64() / s.as_secs_f64()
            )
        });
        println!(
            "  {:>6} files ({:.1} MB): touchpoint {}{vs}",
            p.files,
            p.mb,
            ms(p.ours)
        );
        points.push(p);
    }
    if let [a, b] = points.as_slice() {
        if let Some(s) = a.squawk {
            println!(
                "  at {} files touchpoint takes {:.2}x squawk's time (target: <= 1.0)",
                a.files,
                a.ours.as_secs_f64() / s.as_secs_f64()
            );
        }
        println!(
            "  {} files take {:.2}x the time of {} (target: <= 2.2; linear is 2.0)",
            b.files,
            b.ours.as_secs_f64() / a.ours.as_secs_f64(),
            a.files
        );
    }
    if version.is_none() {
        println!("  squawk not found: `pip install squawk-cli` (and its bin/ on PATH) for the comparison");
    }
    Ok(())
}
