//! What a newcomer meets first: the project found at run time wherever the
//! binary was built, one embedded cluster per project, and the hook
//! installed by the first command run in a clone.

use std::fs;
use std::path::Path;
use std::process::Output;

use git2::Repository;

use crate::support::{assert_code, bare_command, stderr, stdout};

fn new_in(cwd: &Path, env: &[(&str, &Path)], extra: &[&str]) -> Output {
    let mut cmd = bare_command(cwd);
    cmd.args(["migration", "new", "Add widgets"]).args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn migrations_in(dir: &Path) -> usize {
    fs::read_dir(dir.join("migrations")).map_or(0, |d| d.count())
}

/// A cargo workspace with an xtask member and a subdirectory.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path();
    fs::write(w.join("Cargo.toml"), "[workspace]\nmembers = [\"xtask\"]\n").unwrap();
    fs::create_dir_all(w.join("xtask/src")).unwrap();
    fs::write(w.join("xtask/Cargo.toml"), "[package]\nname = \"xtask\"\n").unwrap();
    fs::create_dir_all(w.join("app/src")).unwrap();
    ws
}

#[test]
fn the_project_is_the_workspace_found_at_run_time() {
    // From a subdirectory of a workspace: the workspace root.
    let ws = workspace();
    let o = new_in(&ws.path().join("app/src"), &[], &[]);
    assert_code(&o, 0);
    assert_eq!(migrations_in(ws.path()), 1);
    assert_eq!(migrations_in(&ws.path().join("app/src")), 0);

    // Run by cargo (CARGO_MANIFEST_DIR): that package's workspace, wherever
    // the current directory is.
    let elsewhere = tempfile::tempdir().unwrap();
    let o = new_in(
        elsewhere.path(),
        &[("CARGO_MANIFEST_DIR", &ws.path().join("xtask"))],
        &[],
    );
    assert_code(&o, 0);
    assert_eq!(migrations_in(ws.path()), 2);
    assert_eq!(migrations_in(elsewhere.path()), 0);

    // TOUCHPOINT_PROJECT_DIR wins over both.
    let o = new_in(
        &ws.path().join("app"),
        &[
            ("CARGO_MANIFEST_DIR", &ws.path().join("xtask")),
            ("TOUCHPOINT_PROJECT_DIR", elsewhere.path()),
        ],
        &[],
    );
    assert_code(&o, 0);
    assert_eq!(migrations_in(elsewhere.path()), 1);
    assert_eq!(migrations_in(ws.path()), 2);

    // A directory that does not exist is bad input.
    let o = new_in(ws.path(), &[], &["--project-dir", "/nonexistent/project"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("the project directory /nonexistent/project does not exist"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn two_projects_sharing_a_target_dir_get_two_clusters() {
    let shared = tempfile::tempdir().unwrap();
    let (one, two) = (workspace(), workspace());
    let own = |p: &Path| touchpoint::pg::cluster::embedded_dir(p, None);
    let in_shared = |p: &Path| touchpoint::pg::cluster::embedded_dir(p, Some(shared.path().into()));
    assert_eq!(own(one.path()), one.path().join("target/touchpoint-pg"));
    assert_ne!(in_shared(one.path()), in_shared(two.path()));
    assert!(in_shared(one.path()).starts_with(shared.path()));
    // CARGO_TARGET_DIR naming the project's own target/ is the plain case.
    assert_eq!(
        touchpoint::pg::cluster::embedded_dir(one.path(), Some(one.path().join("target").into())),
        own(one.path())
    );

    let db = |p: &Path, what: &str| {
        let o = bare_command(p)
            .args(["db", what])
            .env("CARGO_TARGET_DIR", shared.path())
            .output()
            .unwrap();
        assert_code(&o, 0);
        stdout(&o)
    };
    struct Stop<'a>(&'a dyn Fn(&Path, &str) -> String, [&'a Path; 2]);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            for p in self.1 {
                (self.0)(p, "stop");
            }
        }
    }
    let _stop = Stop(&db, [one.path(), two.path()]);
    db(one.path(), "start");
    db(two.path(), "start");
    let (s1, s2) = (db(one.path(), "status"), db(two.path(), "status"));
    assert!(
        s1.starts_with("running") && s2.starts_with("running"),
        "{s1}{s2}"
    );
    assert!(s1.contains(&one.path().display().to_string()), "{s1}");
    assert!(s2.contains(&two.path().display().to_string()), "{s2}");
    let data = |s: &str| {
        s.split("data ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(data(&s1), data(&s2));
    let urls = (db(one.path(), "url"), db(two.path(), "url"));
    assert_ne!(urls.0, urls.1);
}

/// A git repository; `extra` files make it look like another hook
/// manager's.
fn clone_with(extra: &[&str]) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    for f in extra {
        let path = dir.path().join(f);
        if f.ends_with('/') {
            fs::create_dir_all(path).unwrap();
        } else {
            fs::write(path, "").unwrap();
        }
    }
    (dir, repo)
}

/// `migration status --offline` in `dir` as a developer runs it (the hook
/// not opted out unless `env` says so).
fn first_command(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = bare_command(dir);
    cmd.env_remove("TOUCHPOINT_NO_HOOKS")
        .args(["migration", "status", "--offline"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert_code(&o, 0);
    o
}

fn hooks_path(repo: &Repository) -> Option<String> {
    repo.config()
        .unwrap()
        .snapshot()
        .unwrap()
        .get_string("core.hooksPath")
        .ok()
}

#[test]
fn the_first_command_in_a_clone_installs_the_hook_once() {
    let (dir, repo) = clone_with(&[]);
    let o = first_command(dir.path(), &[]);
    let said = stderr(&o);
    assert_eq!(
        said.lines()
            .filter(|l| l.contains("pre-commit hook"))
            .count(),
        1,
        "{said}"
    );
    assert!(
        said.contains("installed the pre-commit hook (core.hooksPath = .githooks)"),
        "{said}"
    );
    assert_eq!(hooks_path(&repo).as_deref(), Some(".githooks"));
    assert_eq!(
        fs::read_to_string(dir.path().join(".githooks/pre-commit")).unwrap(),
        touchpoint::hook::install::PRE_COMMIT
    );
    let o = first_command(dir.path(), &[]);
    assert!(!stderr(&o).contains("hook"), "said again: {}", stderr(&o));
}

#[test]
fn opting_out_of_the_hook_is_respected() {
    let (dir, repo) = clone_with(&[]);
    let o = first_command(dir.path(), &[("TOUCHPOINT_NO_HOOKS", "1")]);
    assert!(!stderr(&o).contains("hook"), "{}", stderr(&o));
    assert_eq!(hooks_path(&repo), None);
    assert!(!dir.path().join(".githooks").exists());

    let o = bare_command(dir.path())
        .args(["hooks", "uninstall"])
        .output()
        .unwrap();
    assert_code(&o, 0);
    let o = first_command(dir.path(), &[]);
    assert!(!stderr(&o).contains("hook"), "{}", stderr(&o));
    assert_eq!(hooks_path(&repo), None);

    // `hook install` takes the opt-out back.
    let o = bare_command(dir.path())
        .args(["hooks", "install"])
        .output()
        .unwrap();
    assert_code(&o, 0);
    assert_eq!(hooks_path(&repo).as_deref(), Some(".githooks"));
}

#[test]
fn another_hook_manager_is_left_alone_with_one_hint() {
    for (marks, named) in [
        (&[".husky/"][..], "husky"),
        (&[".pre-commit-config.yaml"][..], "pre-commit"),
        (&["lefthook.yml"][..], "lefthook"),
    ] {
        let (dir, repo) = clone_with(marks);
        let o = first_command(dir.path(), &[]);
        let said = stderr(&o);
        assert!(
            said.contains(named) && said.contains("left alone"),
            "{said}"
        );
        assert!(said.contains("docs/hook.md"), "{said}");
        assert_eq!(hooks_path(&repo), None, "{named}");
        assert!(!dir.path().join(".githooks").exists());
        let o = first_command(dir.path(), &[]);
        assert!(!stderr(&o).contains("hook"), "hinted twice: {}", stderr(&o));
    }
    let (dir, repo) = clone_with(&[]);
    repo.config()
        .unwrap()
        .set_str("core.hooksPath", ".husky")
        .unwrap();
    let o = first_command(dir.path(), &[]);
    assert!(
        stderr(&o).contains("core.hooksPath is `.husky`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(hooks_path(&repo).as_deref(), Some(".husky"));
}
