//! `dev bench fleet`: `migration apply` of generated migrations to many
//! databases on one server, one at a time (`--jobs 1`) and four at a time
//! (`--jobs 4`), on fresh databases each, in the same run.

use std::time::Instant;

use anyhow::Result;
use xshell::{cmd, Shell};

use super::generate::generate_migrations;
use super::timing::ms;
use crate::pg::Throwaway;

pub fn run(databases: usize, migrations: usize) -> Result<()> {
    let pg = Throwaway::start()?;
    let dir = tempfile::tempdir()?;
    generate_migrations(dir.path(), migrations)?;
    let sh = Shell::new()?;
    let exe = std::env::current_exe()?;
    let admin = pg.url();
    let mut timings = Vec::new();
    for jobs in [1usize, 4] {
        let mut lines = String::new();
        for i in 0..databases {
            let db = format!("tenant_{jobs}_{i:04}");
            let create = format!("CREATE DATABASE {db} TEMPLATE template0");
            cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
            lines.push_str(&format!("{db} = {}\n", pg.url_for(&db)));
        }
        let targets = dir.path().join(format!("targets_{jobs}.txt"));
        std::fs::write(&targets, lines)?;
        let (root, n) = (dir.path(), jobs.to_string());
        let t = Instant::now();
        cmd!(
            sh,
            "{exe} migration apply --no-stamp --project-dir {root} --targets {targets} --jobs {n}"
        )
        .env("TOUCHPOINT_NO_HOOKS", "1")
        .quiet()
        .ignore_stdout()
        .run()?;
        timings.push(t.elapsed());
    }
    println!(
        "apply {migrations} generated migrations to {databases} databases on one server (2 cores here):"
    );
    println!("  --jobs 1   {}", ms(timings[0]));
    println!("  --jobs 4   {}", ms(timings[1]));
    println!(
        "  speed-up   {:.2}x (target: at least 1.5x)",
        timings[0].as_secs_f64() / timings[1].as_secs_f64()
    );
    Ok(())
}
