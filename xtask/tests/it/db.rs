//! `cargo xtask db ...` on a project in a temp dir: the embedded cluster's
//! whole life, as root and as an ordinary user.

use std::process::Command;

use crate::support::{assert_code, is_root, stdout, xtask};

fn psql(url: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([url, "-XAtqc", sql])
        .output()
        .expect("psql runs")
}

fn pid_alive(pid: &str) -> bool {
    touchpoint::pg::cluster::process_alive(pid.parse().unwrap())
}

/// Stops the project's cluster even when the test fails half-way.
struct StopOnDrop<'a>(&'a dyn Fn(&[&str]) -> std::process::Output);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = (self.0)(&["db", "stop"]);
    }
}

fn lifecycle(run: &dyn Fn(&[&str]) -> std::process::Output) {
    let _stop = StopOnDrop(run);
    let o = run(&["db", "status"]);
    assert_code(&o, 0);
    assert!(stdout(&o).starts_with("not created"), "{}", stdout(&o));

    let o = run(&["db", "start"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    assert!(out.starts_with("started in "), "{out}");
    let pid = out
        .split("(pid ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    assert!(pid_alive(&pid));

    let url = stdout(&run(&["db", "url"])).trim().to_string();
    assert!(!url.contains("password"));
    let o = psql(&url, "select 1");
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "1", "{o:?}");
    assert!(stdout(&run(&["db", "status"])).starts_with("running"));
    assert!(stdout(&run(&["db", "start"])).starts_with("already running"));

    psql(&url, "create table left_over (id int)");
    let o = run(&["db", "reset"]);
    assert_code(&o, 0);
    assert!(!pid_alive(&pid), "the old server is gone after reset");
    let o = psql(
        &url,
        "select count(*) from pg_class where relname = 'left_over'",
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "0",
        "reset gives an empty database"
    );

    let new_pid = stdout(&run(&["db", "status"]))
        .split("(pid ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string();
    let o = run(&["db", "stop"]);
    assert_code(&o, 0);
    assert!(!pid_alive(&new_pid), "db stop leaves no server process");
    assert!(stdout(&run(&["db", "status"])).starts_with("stopped"));
    assert!(stdout(&run(&["db", "stop"])).starts_with("not running"));
}

#[test]
fn db_lifecycle_as_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    lifecycle(&|args| xtask(&root, args));
}

/// As root, run the binary as the unprivileged `postgres` user, so both
/// paths (runuser, and the caller owning the server) are exercised here.
#[test]
fn db_lifecycle_as_an_ordinary_user() {
    if !is_root() {
        return; // db_lifecycle_as_the_caller already is this case
    }
    let dir = tempfile::Builder::new()
        .prefix("tp-user-")
        .tempdir_in("/tmp")
        .unwrap();
    let root = dir.path().to_path_buf();
    Command::new("chown")
        .args(["-R", "postgres"])
        .arg(&root)
        .status()
        .unwrap();
    std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let exe = env!("CARGO_BIN_EXE_touchpoint");
    let run = |args: &[&str]| {
        let cmd = crate::support::command(&root);
        let clean: Vec<_> = cmd
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(|v| v.to_owned())))
            .collect();
        let mut run = Command::new("runuser");
        run.args(["-u", "postgres", "--", exe])
            .args(cmd.get_args())
            .args(args)
            .current_dir("/tmp");
        for (k, v) in clean {
            match v {
                Some(v) => run.env(k, v),
                None => run.env_remove(k),
            };
        }
        run.output().unwrap()
    };
    lifecycle(&run);
}
