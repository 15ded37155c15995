//! `bench ...`: speed figures, each against a baseline measured in the same
//! run, printed as ratios. Benchmarks are never tests: a slow machine should
//! not fail the suite.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::migration::{Checksum, MigrationName};
use crate::pg::cluster::{scratch_base, tempfile_dir};
use crate::pg::{Cluster, Throwaway};
use crate::project::Project;

mod drift;
mod fleet;
mod generate;
mod review;
mod timing;

use generate::{generate_migrations, generated_schema};
use timing::{median, ms, time};

/// Benchmarks for developers of touchpoint; each prints figures as
/// ratios against a baseline measured in the same run.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// `migration status --offline` over generated migration files, against
    /// reading and hashing the same files.
    Status {
        #[arg(long, default_value_t = 1000)]
        files: usize,
    },
    /// Time for a new throwaway cluster to accept connections, against
    /// initdb plus pg_ctl start run by hand.
    DbStart,
    /// `migration apply` of generated migrations into a fresh database,
    /// against the same SQL run through `psql -1`.
    Apply {
        #[arg(long, default_value_t = 500)]
        migrations: usize,
    },
    /// `migration apply` of generated migrations to many databases on one
    /// server, with `--jobs 1` against `--jobs 4`.
    Fleet {
        #[arg(long, default_value_t = 100)]
        databases: usize,
        #[arg(long, default_value_t = 30)]
        migrations: usize,
    },
    /// `migration review --all --static-only` over N and 2N generated
    /// files, against squawk (`pip install squawk-cli`) on the same files:
    /// the ratio to squawk, and time(2N) / time(N).
    Review {
        #[arg(long, default_value_t = 4000)]
        files: usize,
    },
    /// The dynamic review of the last migration of a generated set, first
    /// (building the history template) and again (reusing it), against
    /// replaying the history into a fresh database.
    ReviewDynamic {
        #[arg(long, default_value_t = 500)]
        migrations: usize,
    },
    /// `migration sync` of a generated schema (tables with keys, indexes,
    /// foreign keys, enums, views, functions) into an empty current_schema/,
    /// against `pg_dump --schema-only` of the same database.
    Sync {
        #[arg(long, default_value_t = 1000)]
        tables: usize,
    },
    /// `hook pre-commit` in a git repository of generated migrations with
    /// one staged, against `git diff --cached` and `git status` there.
    Hook {
        #[arg(long, default_value_t = 1000)]
        migrations: usize,
    },
    /// `migration drift` between two generated schemas of that many tables
    /// with about 50 differences, against migra (`pip install migra
    /// 'sqlalchemy<2' psycopg2-binary`) on the same pair.
    Drift {
        #[arg(long, default_value_t = 1000)]
        tables: usize,
    },
}

impl Command {
    pub fn run(self, _project: &Project) -> Result<crate::outcome::Outcome> {
        run(self).map(|()| crate::outcome::Outcome::Clean)
    }
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Status { files } => status(files),
        Command::DbStart => db_start(),
        Command::Apply { migrations } => apply(migrations),
        Command::Fleet {
            databases,
            migrations,
        } => fleet::run(databases, migrations),
        Command::Review { files } => review::run(files),
        Command::ReviewDynamic { migrations } => review_dynamic(migrations),
        Command::Sync { tables } => sync(tables),
        Command::Hook { migrations } => hook(migrations),
        Command::Drift { tables } => drift::run(tables),
    }
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
        Ok(crate::runner::status::render_text(&project, &set).len())
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
        let git = crate::hook::git::GitRepo::open(root)?;
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
