//! touchpoint in a team's own repository: a new cargo workspace whose
//! xtask depends on the `touchpoint` package by path and calls
//! `touchpoint::main()`, driven with the real `cargo xtask` through the
//! whole workflow and a commit through the hook. It acts on that
//! repository, with an embedded PostgreSQL of its own, and leaves this one
//! untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{assert_code, repo_root, stderr, stdout};

/// This test binary's target directory: the foreign workspace builds there
/// too, so the dependencies already built are reused.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A new workspace in `dir` using touchpoint as docs/adopting.md says.
fn foreign_workspace(dir: &Path) {
    let touchpoint = Path::new(env!("CARGO_MANIFEST_DIR"));
    // This workspace's profile (touchpoint a debug build, dependencies
    // optimised), so the build of this test run is reused.
    let profile = fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let mut profile = profile[profile.find("[profile").unwrap()..].to_string();
    // Under a workspace wrapper (CI's clippy-driver) this run's build of
    // touchpoint went through the wrapper, which a non-member does not: the
    // workspace builds its own, and at opt-level 0 that takes a third of the time.
    if std::env::var_os("RUSTC_WORKSPACE_WRAPPER").is_some() {
        let section = "[profile.dev.package.touchpoint]\nopt-level = 1";
        assert!(profile.contains(section), "the profile of touchpoint moved");
        profile = profile.replace(section, "[profile.dev.package.touchpoint]\nopt-level = 0");
    }
    let files = [
        (
            "Cargo.toml",
            format!("[workspace]\nmembers = [\"xtask\"]\nresolver = \"2\"\n\n{profile}"),
        ),
        (
            ".cargo/config.toml",
            "[alias]\nxtask = \"run --package xtask --quiet --\"\n".to_string(),
        ),
        (
            "xtask/Cargo.toml",
            format!(
                "[package]\nname = \"xtask\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\ntouchpoint = {{ path = {:?} }}\n",
                touchpoint.display().to_string()
            ),
        ),
        (
            "xtask/src/main.rs",
            "fn main() -> std::process::ExitCode {\n    touchpoint::main()\n}\n".to_string(),
        ),
        (".gitignore", "/target\n".to_string()),
    ];
    for (rel, text) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    // The same versions as this workspace, so nothing is fetched.
    fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// `program args` in `dir` as a developer runs it: cargo's own variables
/// of this test process removed, the shared target directory set, and no
/// TOUCHPOINT_* or database variables.
fn developer(dir: &Path, program: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        let cargo_own =
            key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_INCREMENTAL";
        if cargo_own
            || key.starts_with("TOUCHPOINT_")
            || key.starts_with("PG")
            || key.starts_with("GIT_")
            || key == "DATABASE_URL"
        {
            cmd.env_remove(&key);
        }
    }
    if let Some(bindir) = std::env::var_os("TOUCHPOINT_PG_BINDIR") {
        cmd.env("TOUCHPOINT_PG_BINDIR", bindir);
    }
    cmd.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_NET_OFFLINE", "true")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn cargo_xtask(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["xtask"];
    all.extend_from_slice(args);
    developer(dir, "cargo", &all)
}

/// Hashes of every file under this repository's migrations/ and
/// current_schema/.
fn own_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["migrations", "current_schema"] {
        for e in fs::read_dir(repo_root().join(sub)).unwrap() {
            let path = e.unwrap().path();
            files.push((path.clone(), fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

/// Stops and removes the foreign workspace's embedded cluster.
struct RemoveCluster<'a>(&'a Path);

impl Drop for RemoveCluster<'_> {
    fn drop(&mut self) {
        let _ = cargo_xtask(self.0, &["db", "stop"]);
        let dir =
            touchpoint::pg::cluster::embedded_dir(self.0, Some(target_dir().into_os_string()));
        let _ = fs::remove_dir_all(dir);
    }
}

const BODY: &str = "CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE IF NOT EXISTS app.widget (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);

-- migrate:verify
SELECT 'app.widget exists' AS check_name,
       CASE WHEN to_regclass('app.widget') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END AS result;

-- migrate:rollback
DROP TABLE IF EXISTS app.widget;
DROP SCHEMA IF EXISTS app;
";

#[test]
fn a_team_repository_runs_the_whole_workflow_on_its_own_files() {
    if developer(Path::new("/"), "git", &["--version"])
        .status
        .code()
        != Some(0)
    {
        eprintln!("skipped: git is not installed (.ci/setup installs it)");
        return;
    }
    let before = own_files();
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path();
    foreign_workspace(dir);
    assert_code(&developer(dir, "git", &["init", "-q"]), 0);
    let _cluster = RemoveCluster(dir);

    // The first command installs the hook, and says so.
    let o = cargo_xtask(
        dir,
        &[
            "migration",
            "new",
            "Create widgets",
            "--issue",
            "APP-1 widgets are kept in a spreadsheet",
            "--problem",
            "Nobody can query the widgets.",
            "--solution",
            "A widget table.",
            "--tables",
            "app.widget",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("installed the pre-commit hook"),
        "{}",
        stderr(&o)
    );
    assert!(dir.join(".githooks/pre-commit").is_file());
    let rel = stdout(&o).trim().to_string();
    assert!(
        rel.starts_with("migrations/") && rel.ends_with("_01_create_widgets.sql"),
        "{rel}"
    );
    let path = dir.join(&rel);
    // Keep the header as written, up to its closing rule; then the SQL.
    let text = fs::read_to_string(&path).unwrap();
    let close = text.match_indices("-- ====").nth(1).unwrap().0;
    let header = &text[..close + text[close..].find('\n').unwrap() + 1];
    fs::write(&path, format!("{header}{BODY}")).unwrap();

    let o = cargo_xtask(dir, &["migration", "review", &rel]);
    assert_code(&o, 0);
    assert!(stderr(&o).contains("dynamic review of"), "{}", stderr(&o));
    let o = cargo_xtask(dir, &["migration", "apply"]);
    assert_code(&o, 0);
    let o = cargo_xtask(dir, &["migration", "sync"]);
    assert_code(&o, 0);
    let schema: String = fs::read_dir(dir.join("current_schema"))
        .unwrap()
        .map(|e| fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(schema.contains("app.widget"), "{schema}");
    let o = cargo_xtask(dir, &["db", "status"]);
    assert!(
        stdout(&o).contains(&dir.canonicalize().unwrap().display().to_string())
            || stdout(&o).contains(&dir.display().to_string()),
        "db status names the project: {}",
        stdout(&o)
    );

    // A commit through the hook: blocked while a step is missing, then in.
    assert_code(&developer(dir, "git", &["add", "."]), 0);
    let o = developer(dir, "git", &["commit", "-qm", "widgets"]);
    assert_code(&o, 0);
    fs::write(
        &path,
        fs::read_to_string(&path)
            .unwrap()
            .replace("name text", "label text"),
    )
    .unwrap();
    assert_code(&developer(dir, "git", &["add", "."]), 0);
    let o = developer(dir, "git", &["commit", "-qm", "edit an executed migration"]);
    assert_code(&o, 1);
    assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains("hook/"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );

    assert_eq!(own_files(), before, "this repository was touched");
}
