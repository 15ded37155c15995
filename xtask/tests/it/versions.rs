//! PostgreSQL versions: the throwaway servers touchpoint replays on follow
//! the target's major when binaries for it are at hand, and say so when
//! they are not.

use touchpoint::pg::cluster::Binaries;

use crate::support::{assert_code, command, copy_dir, demo_project, fixture_dir, stderr};

/// The demo fixture with its current_schema/ and `server_version`.
fn project(server_version: u32) -> tempfile::TempDir {
    let project = demo_project();
    copy_dir(
        &fixture_dir().join("current_schema"),
        &project.path().join("current_schema"),
    );
    std::fs::write(
        project.path().join("touchpoint.conf"),
        format!("server_version = {server_version}\n"),
    )
    .unwrap();
    project
}

/// `sync --check`, then the embedded clusters it left stopped.
fn sync_check(dir: &std::path::Path) -> std::process::Output {
    run_and_stop(dir, &["migration", "sync", "--check"])
}

/// The command, then the embedded clusters it left stopped.
fn run_and_stop(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let o = command(dir).args(args).output().unwrap();
    for cluster in std::fs::read_dir(dir.join("target"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let data = cluster.path().join("data");
        if data.is_dir() {
            let _ = touchpoint::pg::Cluster::in_dir(cluster.path()).map(|c| c.stop());
        }
    }
    o
}

#[test]
fn a_replay_says_when_no_binaries_of_the_target_major_are_at_hand() {
    let project = project(99);
    let o = sync_check(project.path());
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("the target runs PostgreSQL 99, but no 99 server binaries are at hand"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains(".ci/pg-fetch 99"), "{}", stderr(&o));
}

#[test]
fn a_replay_runs_on_the_target_major_when_its_binaries_are_at_hand() {
    let default = Binaries::find().unwrap().major;
    let Some(other) = (14..=18)
        .filter(|m| *m != default)
        .find(|m| Binaries::for_major(*m).is_some())
    else {
        eprintln!(
            "skipped: no PostgreSQL binaries besides {default} (bash .ci/pg-fetch 18 fetches some)"
        );
        return;
    };
    let project = project(other);
    let o = sync_check(project.path());
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains(&format!("starting the embedded PostgreSQL {other}")),
        "{}",
        stderr(&o)
    );
    assert!(project
        .path()
        .join(format!("target/touchpoint-pg-{other}/data/PG_VERSION"))
        .is_file());

    // The target's own major: no other cluster, no note.
    let project = self::project(default);
    let o = sync_check(project.path());
    assert_code(&o, 0);
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
}

#[test]
fn drift_without_a_database_replays_for_the_configured_major() {
    let project = project(99);
    let o = run_and_stop(
        project.path(),
        &[
            "migration",
            "drift",
            "--from",
            "migrations",
            "--from",
            "schema",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("the target runs PostgreSQL 99, but no 99 server binaries are at hand"),
        "{}",
        stderr(&o)
    );
}
