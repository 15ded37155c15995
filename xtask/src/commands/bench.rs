//! `bench ...`: speed figures, each against a baseline measured in the same
//! run, printed as ratios. Benchmarks are never tests: a slow machine should
//! not fail the suite.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use xshell::{cmd, Shell};

use crate::flags::BenchCmd;
use crate::migration::render::{new_migration, NewFields};
use crate::migration::{Checksum, MigrationName};
use crate::pg::cluster::{scratch_base, tempfile_dir};
use crate::pg::{Cluster, Throwaway};
use crate::project::Project;

pub fn run(_project: &Project, cmd: BenchCmd) -> Result<()> {
    match cmd {
        BenchCmd::Status { files } => status(files),
        BenchCmd::DbStart => db_start(),
        BenchCmd::Apply { migrations } => apply(migrations),
        BenchCmd::Review { files } => review(files),
        BenchCmd::ReviewDynamic { migrations } => review_dynamic(migrations),
        BenchCmd::Sync { tables } => sync(tables),
        BenchCmd::Hook { migrations } => hook(migrations),
        BenchCmd::Drift { tables } => drift(tables),
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<Duration> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed());
    }
    Ok(median(samples))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Writes `count` realistic migrations into `<dir>/migrations`.
pub fn generate_migrations(dir: &Path, count: usize) -> Result<()> {
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for i in 1..=count {
        let date = start + chrono::Days::new(i as u64 / 3);
        let table = format!("service_ops.bench_{i:04}");
        let fields = NewFields {
            title: format!("Create bench table {i}"),
            issue: Some(format!("BENCH-{i}")),
            problem: Some("The benchmark needs many realistic files.".into()),
            solution: Some(format!("Create {table} with an index.")),
            tables: vec![table.clone()],
        };
        let mut text = new_migration(&fields, date);
        let body = format!(
            "CREATE SCHEMA IF NOT EXISTS service_ops;\nCREATE TABLE IF NOT EXISTS {table} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    packet_id bigint NOT NULL,\n    note text,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX IF NOT EXISTS idx_bench_{i:04}_packet ON {table} (packet_id);\n"
        );
        text = text.replacen(
            "\n\n-- migrate:verify",
            &format!("\n{body}\n-- migrate:verify"),
            1,
        );
        text.push_str(&format!("DROP TABLE IF EXISTS {table};\n"));
        let name = MigrationName::new(date, i as u32, &format!("create_bench_table_{i}"));
        std::fs::write(migrations.join(name.file_name()), text)?;
    }
    Ok(())
}

fn status(files: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    generate_migrations(dir.path(), files)?;
    let project = Project::new(dir.path());
    let runs = 7;

    // Baseline: the floor any offline status must pay, reading and hashing
    // every file.
    let floor = time(runs, || {
        let mut n = 0usize;
        for name in project.migration_file_names()? {
            let text = std::fs::read_to_string(project.migrations_dir().join(name))?;
            n += Checksum::of_normalized(&text).0[0] as usize;
        }
        Ok(n)
    })?;
    let in_process = time(runs, || {
        let set = project.load_migrations()?;
        Ok(crate::commands::status::render_text(&project, &set).len())
    })?;
    let exe = std::env::current_exe()?;
    let sh = Shell::new()?;
    let root = dir.path();
    let process = time(runs, || {
        cmd!(sh, "{exe} migration status --offline --project-dir {root}")
            .ignore_stdout()
            .quiet()
            .run()
            .context("status --offline failed")
    })?;
    let true_exe = time(runs, || cmd!(sh, "true").quiet().run().map_err(Into::into))?;
    println!(
        "migration status --offline over {files} generated files, median of {runs} warm runs:"
    );
    println!("  baseline: read + sha256 every file      {}", ms(floor));
    println!(
        "  status, in process                      {}  ({:.2}x baseline)",
        ms(in_process),
        in_process.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  status, whole command (binary start-up) {}  ({:.2}x baseline; spawning `true` costs {})",
        ms(process),
        process.as_secs_f64() / floor.as_secs_f64(),
        ms(true_exe)
    );
    println!("  target: whole command under 100 ms");
    Ok(())
}

fn db_start() -> Result<()> {
    let runs = 5;
    let base = scratch_base();
    println!(
        "time until a new cluster accepts connections, median of {runs}, in {}:",
        base.display()
    );

    let fresh = time(runs, || {
        let dir = tempfile_dir(&base, "touchpoint-bench-")?;
        let c = Cluster::in_dir(dir)?;
        c.start()?;
        c.remove()
    })?;
    // Warm the initdb cache before timing throwaway clusters.
    drop(Throwaway::start()?);
    let throwaway = time(runs, || Throwaway::start().map(drop))?;

    // Baseline: the same two server commands typed by hand.
    let bin = crate::pg::Binaries::find()?;
    let sh = Shell::new()?;
    let root =
        std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)?;
    let by_hand = time(runs, || {
        let dir = tempfile_dir(&base, "touchpoint-bench-hand-")?;
        let data = dir.join("data");
        let log = dir.join("log");
        let (initdb, pg_ctl) = (bin.bindir.join("initdb"), bin.bindir.join("pg_ctl"));
        let opts = format!("-c listen_addresses='' -k {} -c fsync=off", dir.display());
        let as_owner = |tool: &Path| {
            if root {
                sh.cmd("runuser").args(["-u", "postgres", "--"]).arg(tool)
            } else {
                sh.cmd(tool)
            }
        };
        if root {
            cmd!(sh, "chown postgres {dir}").quiet().run()?;
        }
        as_owner(&initdb)
            .args([
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
            ])
            .args(["--auth=trust", "--no-sync"])
            .quiet()
            .ignore_stdout()
            .run()?;
        as_owner(&pg_ctl)
            .args([
                "start".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
            ])
            .args(["-w", "-o", &opts])
            .quiet()
            .ignore_stdout()
            .run()?;
        as_owner(&pg_ctl)
            .args(["stop".as_ref(), "-D".as_ref(), data.as_os_str()])
            .args(["-m", "fast", "-w"])
            .quiet()
            .ignore_stdout()
            .run()?;
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })?;
    println!(
        "  baseline: initdb + pg_ctl start + stop by hand  {}",
        ms(by_hand)
    );
    println!(
        "  db start on a new cluster (+ stop, remove)      {}  ({:.2}x baseline)",
        ms(fresh),
        fresh.as_secs_f64() / by_hand.as_secs_f64()
    );
    println!(
        "  test cluster from the initdb cache (+ remove)   {}  ({:.2}x baseline)",
        ms(throwaway),
        throwaway.as_secs_f64() / by_hand.as_secs_f64()
    );
    println!("  target: about a second");
    Ok(())
}

fn apply(count: usize) -> Result<()> {
    let pg = Throwaway::start()?;
    let dir = tempfile::tempdir()?;
    generate_migrations(dir.path(), count)?;
    let project = Project::new(dir.path());
    let set = project.load_migrations()?;
    // The floor: the same SQL (bodies and verify queries) in one psql -1 run.
    let mut all = String::new();
    for m in &set.migrations {
        all.push_str(m.body_sql());
        all.push_str(m.verify_sql().unwrap_or(""));
    }
    let script = dir.path().join("all.sql");
    std::fs::write(&script, all)?;
    let sh = Shell::new()?;
    let exe = std::env::current_exe()?;
    let runs = 3;
    let mut n = 0;
    let mut fresh = |sh: &Shell| -> Result<String> {
        n += 1;
        let db = format!("bench_{n}");
        let admin = pg.url();
        let create = format!("CREATE DATABASE {db} TEMPLATE template0");
        cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
        Ok(pg.url_for(&db))
    };
    let mut floor = Vec::new();
    let mut stamped = Vec::new();
    let mut unstamped = Vec::new();
    for _ in 0..runs {
        let url = fresh(&sh)?;
        let t = Instant::now();
        cmd!(sh, "psql {url} -Xq -1 -v ON_ERROR_STOP=1 -f {script}")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()?;
        floor.push(t.elapsed());

        let url = fresh(&sh)?;
        let root = dir.path();
        let t = Instant::now();
        cmd!(
            sh,
            "{exe} migration apply --no-stamp --project-dir {root} --database-url {url}"
        )
        .quiet()
        .ignore_stdout()
        .run()?;
        unstamped.push(t.elapsed());

        // With stamps: a fresh copy of the files each time.
        let copy = tempfile::tempdir()?;
        generate_migrations(copy.path(), count)?;
        let root = copy.path();
        let url = fresh(&sh)?;
        let t = Instant::now();
        cmd!(
            sh,
            "{exe} migration apply --project-dir {root} --database-url {url}"
        )
        .quiet()
        .ignore_stdout()
        .run()?;
        stamped.push(t.elapsed());
    }
    let (floor, unstamped, stamped) = (median(floor), median(unstamped), median(stamped));
    let per = |d: Duration| (d.as_secs_f64() - floor.as_secs_f64()) * 1000.0 / count as f64;
    println!("apply {count} generated migrations into a fresh database, median of {runs}:");
    println!(
        "  floor: the same SQL (bodies + verify queries) through psql -1   {}",
        ms(floor)
    );
    println!(
        "  migration apply --no-stamp                                     {}  ({:.2}x floor, {:.2} ms overhead per migration)",
        ms(unstamped),
        unstamped.as_secs_f64() / floor.as_secs_f64(),
        per(unstamped)
    );
    println!(
        "  migration apply (stamps every file)                            {}  ({:.2}x floor, {:.2} ms overhead per migration)",
        ms(stamped),
        stamped.as_secs_f64() / floor.as_secs_f64(),
        per(stamped)
    );
    println!(
        "  target: ratio <= 1.2 and overhead well under 100 ms (aim: under 2 ms) per migration"
    );
    Ok(())
}

fn review(count: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    generate_migrations(dir.path(), count)?;
    let project = Project::new(dir.path());
    let names = project.migration_file_names()?;
    let paths: Vec<std::path::PathBuf> = names
        .iter()
        .map(|n| project.migrations_dir().join(n))
        .collect();
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let sh = Shell::new()?;
    let exe = std::env::current_exe()?;
    let root = dir.path();
    let runs = 3;
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
    let squawk = match cmd!(sh, "squawk --version").quiet().ignore_stderr().read() {
        Ok(v) => Some((
            v,
            time(runs, || {
                let paths_ref = &paths;
                cmd!(sh, "squawk --reporter json {paths_ref...}")
                    .quiet()
                    .ignore_status()
                    .ignore_stdout()
                    .ignore_stderr()
                    .run()
                    .map_err(Into::into)
            })?,
        )),
        Err(_) => None,
    };
    let rate = |d: Duration| {
        format!(
            "{:.1} MB/s, {:.0} files/s",
            bytes as f64 / 1e6 / d.as_secs_f64(),
            count as f64 / d.as_secs_f64()
        )
    };
    println!(
        "review {count} generated migrations ({:.1} MB), whole command, median of {runs}:",
        bytes as f64 / 1e6
    );
    println!(
        "  touchpoint review --all --static-only {}  ({})",
        ms(ours),
        rate(ours)
    );
    match squawk {
        Some((version, t)) => {
            println!("  {:<34}  {}  ({})", version.trim(), ms(t), rate(t));
            println!(
                "  ratio: touchpoint takes {:.2}x squawk's time (target: <= 1.0); touchpoint also folds the schema of the whole set and checks headers",
                ours.as_secs_f64() / t.as_secs_f64()
            );
        }
        None => println!("  squawk not found: `pip install squawk-cli` for the comparison"),
    }
    Ok(())
}

fn review_dynamic(count: usize) -> Result<()> {
    let pg = Throwaway::start()?;
    let dir = tempfile::tempdir()?;
    generate_migrations(dir.path(), count)?;
    let project = Project::new(dir.path());
    let set = project.load_migrations()?;
    let last = set.migrations.last().context("no migrations generated")?;
    let file = project.display_path(&last.name.file_name());
    let sh = Shell::new()?;
    let exe = std::env::current_exe()?;
    let root = dir.path();
    let url = pg.url();
    let review = || -> Result<Duration> {
        let t = Instant::now();
        cmd!(sh, "{exe} migration review {file} --no-stamp --format json --shadow-url {url} --project-dir {root}")
            .quiet()
            .ignore_status()
            .ignore_stdout()
            .ignore_stderr()
            .run()?;
        Ok(t.elapsed())
    };
    let first = review()?;
    let second = median(vec![review()?, review()?, review()?]);
    // The replay a review without templates would pay: every earlier
    // migration's body into a fresh database, in one psql run.
    let mut all = String::new();
    for m in &set.migrations[..count - 1] {
        all.push_str(m.body_sql());
    }
    let script = dir.path().join("history.sql");
    std::fs::write(&script, all)?;
    let admin = pg.url();
    let create = "CREATE DATABASE replay TEMPLATE template0";
    cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
    let replay_url = pg.url_for("replay");
    let t = Instant::now();
    cmd!(sh, "psql {replay_url} -Xq -v ON_ERROR_STOP=1 -f {script}")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()?;
    let replay = t.elapsed();
    println!("dynamic review of migration #{count} of a generated set:");
    println!(
        "  replay of the {} earlier migrations into a fresh database (psql)   {}",
        count - 1,
        ms(replay)
    );
    println!(
        "  first review (builds the history template)                        {}",
        ms(first)
    );
    println!(
        "  second review (clones the cached template), median of 3            {}  ({:.1}x faster than the replay)",
        ms(second),
        replay.as_secs_f64() / second.as_secs_f64()
    );
    println!("  target: second review under 3 s and at least 10x faster than the replay");
    Ok(())
}

/// A schema of `tables` tables: 20 enums, a key, 6 columns, a unique index
/// and an index per table, a foreign key to the previous table, a view per
/// 10 tables and a function per 10 tables.
pub fn generated_schema(tables: usize) -> String {
    let mut sql = String::from("CREATE SCHEMA bench;\n");
    for e in 0..20 {
        sql +=
            &format!("CREATE TYPE bench.state_{e} AS ENUM ('new', 'active', 'done', 'failed');\n");
    }
    for t in 0..tables {
        sql += &format!(
            "CREATE TABLE bench.t{t} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  code text NOT NULL,\n  state bench.state_{} NOT NULL DEFAULT 'new',\n  amount numeric(12,2) CHECK (amount >= 0),\n  created_at timestamptz NOT NULL DEFAULT now(),\n  parent_id bigint{}\n);\n",
            t % 20,
            if t == 0 { String::new() } else { format!(" REFERENCES bench.t{}(id)", t - 1) }
        );
        sql += &format!("CREATE UNIQUE INDEX t{t}_code ON bench.t{t} (code);\n");
        sql += &format!("CREATE INDEX t{t}_state_created ON bench.t{t} (state, created_at) WHERE state <> 'done';\n");
        sql += &format!("COMMENT ON TABLE bench.t{t} IS 'generated table {t}';\n");
        if t % 10 == 9 {
            sql += &format!("CREATE VIEW bench.v{t} AS SELECT id, code, amount FROM bench.t{t} WHERE state = 'active';\n");
            sql += &format!(
                "CREATE FUNCTION bench.total_{t}() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(amount), 0) FROM bench.t{t} $$;\n"
            );
        }
    }
    sql
}

fn sync(tables: usize) -> Result<()> {
    let pg = Throwaway::start()?;
    let sh = Shell::new()?;
    let admin = pg.url();
    cmd!(sh, "psql {admin} -Xq -c 'CREATE DATABASE bench'")
        .quiet()
        .run()?;
    let url = pg.url_for("bench");
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("schema.sql");
    std::fs::write(&script, generated_schema(tables))?;
    cmd!(sh, "psql {url} -Xq -v ON_ERROR_STOP=1 -f {script}")
        .quiet()
        .run()?;
    let bin = crate::pg::cluster::Binaries::find()?;
    let pg_dump = bin.bindir.join("pg_dump");
    let exe = std::env::current_exe()?;
    let runs = 5;
    let mut dump = Vec::new();
    let mut synced = Vec::new();
    let mut bytes = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let out = cmd!(sh, "{pg_dump} --schema-only -d {url}")
            .quiet()
            .read()?;
        dump.push(t.elapsed());
        bytes.0 = out.len();

        let project = tempfile::tempdir()?;
        let root = project.path();
        let t = Instant::now();
        cmd!(
            sh,
            "{exe} migration sync --no-downstream --project-dir {root} --database-url {url}"
        )
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()?;
        synced.push(t.elapsed());
        bytes.1 = std::fs::read_dir(root.join("current_schema"))?
            .filter_map(|e| e.ok())
            .map(|e| e.metadata().map_or(0, |m| m.len() as usize))
            .sum();
    }
    let (dump, synced) = (median(dump), median(synced));
    println!("sync of a generated schema of {tables} tables (keys, indexes, foreign keys, enums, views, functions), median of {runs}:");
    println!(
        "  baseline: pg_dump --schema-only            {:>8.1} ms  ({} KiB)",
        dump.as_secs_f64() * 1000.0,
        bytes.0 / 1024
    );
    println!(
        "  migration sync into an empty current_schema/ {:>6.1} ms  ({} KiB)  = {:.2}x pg_dump's time",
        synced.as_secs_f64() * 1000.0,
        bytes.1 / 1024,
        synced.as_secs_f64() / dump.as_secs_f64()
    );
    Ok(())
}

/// A git repository (made with git2) holding `count` committed generated
/// migrations and one more, reviewed, staged: what a developer commits.
fn hook_repository(dir: &Path, count: usize) -> Result<()> {
    use git2::{IndexAddOption, Repository, Signature};
    generate_migrations(dir, count + 1)?;
    let project = Project::new(dir);
    let names = project.migration_file_names()?;
    let staged = names.last().context("no migrations generated")?.clone();
    let staged_path = project.migrations_dir().join(&staged);
    // Generated files have no verify query; the staged one needs one to
    // pass review.
    let table = format!("service_ops.bench_{:04}", count + 1);
    let text = std::fs::read_to_string(&staged_path)?.replacen(
        "-- migrate:verify\n",
        &format!("-- migrate:verify\nSELECT '{table} exists', CASE WHEN to_regclass('{table}') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\n"),
        1,
    );
    std::fs::remove_file(&staged_path)?;
    let repo = Repository::init(dir)?;
    let mut index = repo.index()?;
    index.add_all(["migrations"], IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = Signature::now("bench", "bench@example.com")?;
    repo.commit(Some("HEAD"), &sig, &sig, "generated migrations", &tree, &[])?;
    let m = crate::migration::Migration::parse(MigrationName::parse(&staged)?, &text)?;
    let today = chrono::Local::now().date_naive();
    let reviewed = crate::migration::header::set_stamp(
        &text,
        crate::migration::Touchpoint::Reviewed,
        today,
        &m.checksum,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(&staged_path, reviewed)?;
    index.add_path(Path::new(&format!("migrations/{staged}")))?;
    index.write()?;
    Ok(())
}

fn hook(count: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    hook_repository(dir.path(), count)?;
    let root = dir.path();
    let sh = Shell::new()?;
    sh.change_dir(root);
    let exe = std::env::current_exe()?;
    let verdict = cmd!(sh, "{exe} hook pre-commit --project-dir {root}")
        .quiet()
        .ignore_status()
        .output()?;
    let said = String::from_utf8_lossy(&verdict.stdout).into_owned();
    if !verdict.status.success() {
        eprint!("{said}");
        anyhow::bail!(
            "the hook blocks the generated commit; the benchmark wants the path that passes"
        );
    }
    let summary = said.lines().last().unwrap_or("").to_string();
    let runs = 21;
    let warm = |f: &mut dyn FnMut() -> Result<()>| -> Result<Duration> {
        f()?;
        f()?;
        time(runs, f)
    };
    let ours = warm(&mut || {
        cmd!(sh, "{exe} hook pre-commit --project-dir {root}")
            .quiet()
            .ignore_status()
            .ignore_stdout()
            .run()
            .map_err(Into::into)
    })?;
    let in_process = warm(&mut || {
        let git = crate::hook::git::Git::open(root)?;
        let r = crate::hook::check(&git.listing(false), &git, chrono::Local::now().date_naive());
        anyhow::ensure!(
            r.migrations_checked == 1,
            "the staged migration was not judged"
        );
        Ok(())
    })?;
    let diff = warm(&mut || {
        cmd!(sh, "git diff --cached --name-only")
            .quiet()
            .ignore_stdout()
            .run()
            .map_err(Into::into)
    })?;
    let status = warm(&mut || {
        cmd!(sh, "git status --porcelain")
            .quiet()
            .ignore_stdout()
            .run()
            .map_err(Into::into)
    })?;
    let ratio = |d: Duration, base: Duration| d.as_secs_f64() / base.as_secs_f64();
    println!(
        "hook pre-commit on a repository of {count} committed migrations and 1 staged (reviewed) one, median of {runs} warm runs:"
    );
    println!("  verdict: {summary}");
    println!("  baseline: git diff --cached --name-only   {}", ms(diff));
    println!(
        "  baseline: git status --porcelain          {}  ({:.2}x git diff --cached)",
        ms(status),
        ratio(status, diff)
    );
    println!(
        "  hook pre-commit, whole command            {}  ({:.2}x git diff --cached, {:.2}x git status)",
        ms(ours),
        ratio(ours, diff),
        ratio(ours, status)
    );
    println!(
        "  hook pre-commit, in process (no start-up) {}  (reads the index, HEAD, and the {count} earlier migrations the review folds)",
        ms(in_process)
    );
    println!("  target: whole command under 300 ms");
    Ok(())
}

/// How to get the baseline `bench drift` compares with.
const MIGRA_INSTALL: &str = "pip install migra 'sqlalchemy<2' psycopg2-binary";

/// `migra --help` works: returns nothing, or says how to install it.
fn migra_available() -> Result<()> {
    let out = std::process::Command::new("migra").arg("--help").output();
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => anyhow::bail!(
            "`migra --help` failed ({}): {}\nbench drift measures against migra; reinstall it with\n  {MIGRA_INSTALL}\n(tested with migra 3.0.1663481299, schemainspect 3.1.1663587362, sqlalchemy 1.4.54, psycopg2-binary 2.9.13, Python 3.11)",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => anyhow::bail!(
            "migra not found ({e}): bench drift measures against migra in the same run; install it with\n  {MIGRA_INSTALL}\n(tested with migra 3.0.1663481299, schemainspect 3.1.1663587362, sqlalchemy 1.4.54, psycopg2-binary 2.9.13, Python 3.11)"
        ),
    }
}

/// `migra --unsafe from target`: its statements (exit 0: none, 2: some).
fn migra(from: &str, target: &str) -> Result<String> {
    let out = std::process::Command::new("migra")
        .args(["--unsafe", from, target])
        .output()
        .context("cannot run migra")?;
    match out.status.code() {
        Some(0 | 2) => Ok(String::from_utf8(out.stdout)?),
        _ => anyhow::bail!(
            "migra failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// touchpoint's drift as a command does it: connect to both, read both
/// catalogs concurrently, compare.
fn drift_once(
    expected: &crate::pg::connect::Database,
    actual: &crate::pg::connect::Database,
) -> Result<Vec<crate::drift::Finding>> {
    use crate::schema::catalog;
    crate::pg::block_on(async {
        let (a, b) = tokio::try_join!(
            expected.connect("touchpoint bench drift"),
            actual.connect("touchpoint bench drift")
        )?;
        let (cat_a, cat_b) =
            tokio::try_join!(catalog::read_for_compare(&a), catalog::read_for_compare(&b))?;
        Ok(crate::drift::compare(
            &cat_a,
            &cat_b,
            &crate::drift::Options::default(),
        ))
    })
}

/// `migration drift` between two generated schemas against migra.
fn drift(tables: usize) -> Result<()> {
    use super::bench_drift::{finding_object, fold, migra_objects, pair, MIN_TABLES};
    use crate::pg::connect::Database;
    use std::collections::BTreeSet;

    anyhow::ensure!(
        tables >= MIN_TABLES,
        "bench drift needs --tables {MIN_TABLES} or more to spread its 50 differences"
    );
    migra_available()?;
    let pair = pair(tables);
    let pg = Throwaway::start()?;
    let sh = Shell::new()?;
    let admin = pg.url();
    let dir = tempfile::tempdir()?;
    let load = |db: &str, sql: &str| -> Result<()> {
        let create = format!("CREATE DATABASE {db}");
        cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
        let script = dir.path().join(format!("{db}.sql"));
        std::fs::write(&script, sql)?;
        let url = pg.url_for(db);
        // Statement by statement: one transaction for 1,000 tables runs out
        // of lock slots.
        cmd!(sh, "psql {url} -Xq -v ON_ERROR_STOP=1 -f {script}")
            .quiet()
            .run()
            .with_context(|| format!("cannot load the generated schema into {db}"))
    };
    load("drift_a", &pair.a)?;
    load("drift_b", &pair.b)?;
    let create = "CREATE DATABASE drift_a2 TEMPLATE drift_a";
    cmd!(sh, "psql {admin} -Xq -c {create}").quiet().run()?;
    let (url_a, url_b, url_a2) = (
        pg.url_for("drift_a"),
        pg.url_for("drift_b"),
        pg.url_for("drift_a2"),
    );
    let (db_a, db_b, db_a2) = (
        Database::from_conninfo(&url_a, |_| None)?,
        Database::from_conninfo(&url_b, |_| None)?,
        Database::from_conninfo(&url_a2, |_| None)?,
    );

    // Warm both sides once (and keep what each found).
    let findings = drift_once(&db_a, &db_b)?;
    let same_ours = drift_once(&db_a, &db_a2)?;
    let ours = time(5, || drift_once(&db_a, &db_b))?;
    let ours_same = time(5, || drift_once(&db_a, &db_a2))?;
    let (cat_a, cat_b) = crate::pg::block_on(async {
        let (a, b) = tokio::try_join!(
            db_a.connect("touchpoint bench drift"),
            db_b.connect("touchpoint bench drift")
        )?;
        tokio::try_join!(
            crate::schema::catalog::read_for_compare(&a),
            crate::schema::catalog::read_for_compare(&b)
        )
    })?;
    let read_one = time(5, || {
        crate::pg::block_on(async {
            let a = db_a.connect("touchpoint bench drift").await?;
            crate::schema::catalog::read_for_compare(&a).await
        })
    })?;
    let compare_only = time(5, || {
        Ok(crate::drift::compare(&cat_a, &cat_b, &crate::drift::Options::default()).len())
    })?;

    let statements = migra(&url_a, &url_b)?;
    let runs = 3;
    let theirs = time(runs, || migra(&url_a, &url_b))?;
    let same_start = Instant::now();
    let same_theirs = migra(&url_a, &url_a2)?;
    let theirs_same = same_start.elapsed();
    let startup = time(runs, || {
        cmd!(sh, "migra --help")
            .quiet()
            .ignore_stdout()
            .run()
            .map_err(Into::into)
    })?;

    // What each found, as objects.
    let noise = findings.iter().filter(|f| f.noise.is_some()).count();
    let ours_found = fold(
        &findings
            .iter()
            .filter(|f| f.noise.is_none())
            .map(finding_object)
            .collect::<Vec<_>>(),
    );
    let migra_list = migra_objects(&statements);
    let theirs_found = fold(&migra_list);
    let (ours_objects, theirs_objects) = (&ours_found.objects, &theirs_found.objects);
    let planted: BTreeSet<&String> = pair.planted.iter().map(|p| &p.object).collect();
    let found_ours = planted
        .iter()
        .filter(|p| ours_objects.contains_key(**p))
        .count();
    let found_theirs = planted
        .iter()
        .filter(|p| theirs_objects.contains_key(**p))
        .count();

    let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
    println!(
        "drift between two generated schemas of {tables} tables (keys, indexes, foreign keys, checks, enums, views, functions, triggers) with {} planted differences:",
        pair.planted.len()
    );
    println!(
        "  baseline: migra --unsafe A B (Python CLI), median of {runs}    {:>9}  ({} statements)",
        ms(theirs),
        migra_list.len()
    );
    println!(
        "    migra --help alone (Python start-up and imports), median of {runs}  {}",
        ms(startup)
    );
    println!(
        "    migra on an identical pair (A vs a copy of A), once      {:>9}  ({} statements)",
        ms(theirs_same),
        migra_objects(&same_theirs).len()
    );
    println!(
        "  touchpoint drift: connect + read both catalogs + compare, median of 5  {:>9}  ({} findings, {noise} marked noise)  = {ratio:.1}x faster than migra (target: >= 10x)",
        ms(ours),
        findings.len()
    );
    println!(
        "    connect + read one catalog alone, median of 5            {:>9}",
        ms(read_one)
    );
    println!(
        "    compare alone (catalogs in memory), median of 5          {:>9}",
        ms(compare_only)
    );
    println!(
        "    on the identical pair, median of 5                       {:>9}  ({} findings)",
        ms(ours_same),
        same_ours.len()
    );

    let n = pair.planted.len();
    println!("  planted differences found: touchpoint {found_ours}/{n}, migra {found_theirs}/{n}");
    let ours_set: BTreeSet<&String> = ours_objects.keys().collect();
    let theirs_set: BTreeSet<&String> = theirs_objects.keys().collect();
    let both = ours_set.intersection(&theirs_set).count();
    // Objects nobody planted first: they are what needs reading.
    let mut only_ours: Vec<&String> = ours_set.difference(&theirs_set).copied().collect();
    let mut only_theirs: Vec<&String> = theirs_set.difference(&ours_set).copied().collect();
    only_ours.sort_by_key(|o| (planted.contains(o), *o));
    only_theirs.sort_by_key(|o| (planted.contains(o), *o));
    let rewrites = only_theirs
        .iter()
        .filter(|o| theirs_objects.get(**o) == Some(&true))
        .count();
    let verdict = if only_ours.is_empty() && only_theirs.is_empty() {
        "yes".to_string()
    } else if only_ours.is_empty() && only_theirs.len() == rewrites {
        format!("yes, apart from {rewrites} column(s) migra re-types only to re-create an enum")
    } else {
        "no".to_string()
    };
    println!(
        "  objects: touchpoint {} (+{} folded into their table or constraint), migra {} (+{} folded); both {both}; same differences: {verdict}",
        ours_set.len(),
        ours_found.folded,
        theirs_set.len(),
        theirs_found.folded,
    );
    let show = |title: &str, list: &[&String], note: &dyn Fn(&str) -> String| {
        if list.is_empty() {
            return;
        }
        println!("  {title} ({}):", list.len());
        for o in list.iter().take(9) {
            println!("    {o}{}", note(o));
        }
        if list.len() > 9 {
            println!("    ... and {} more", list.len() - 9);
        }
    };
    let planted_note = |o: &str| {
        if planted.iter().any(|p| p.as_str() == o) {
            "  (planted)".to_string()
        } else {
            String::new()
        }
    };
    show("only touchpoint found", &only_ours, &planted_note);
    show("only migra found", &only_theirs, &|o: &str| {
        if theirs_objects.get(o) == Some(&true) {
            "  (re-typed to re-create an enum)".into()
        } else {
            planted_note(o)
        }
    });
    let missed = |set: &dyn Fn(&str) -> bool| -> Vec<String> {
        pair.planted
            .iter()
            .filter(|p| !set(&p.object))
            .map(|p| format!("{} ({})", p.object, p.what))
            .collect()
    };
    for (who, list) in [
        ("touchpoint", missed(&|o| ours_objects.contains_key(o))),
        ("migra", missed(&|o| theirs_objects.contains_key(o))),
    ] {
        if !list.is_empty() {
            println!(
                "  planted, missed by {who}: {}{}",
                list.iter().take(4).cloned().collect::<Vec<_>>().join(", "),
                if list.len() > 4 {
                    format!(" and {} more", list.len() - 4)
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(())
}
