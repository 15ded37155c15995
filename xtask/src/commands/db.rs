//! `db start|stop|status|url|reset`: the embedded throwaway PostgreSQL.

use std::time::Instant;

use anyhow::Result;

use crate::outcome::Outcome;
use crate::pg::{Cluster, ClusterState};
use crate::project::Project;

/// The embedded throwaway PostgreSQL under target/ (start, stop, url ...).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create (first time) and start the cluster; prints how to connect.
    Start,
    /// Stop the cluster; no server process is left behind.
    Stop,
    /// Say whether the cluster is running, stopped or not created.
    Status,
    /// Print a connection URL that psql and touchpoint accept
    /// (psql "$(cargo xtask db url)").
    Url,
    /// Delete the cluster and start an empty one.
    Reset,
}

impl Command {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        run(project, self).map(|()| Outcome::Clean)
    }
}

fn run(project: &Project, cmd: Command) -> Result<()> {
    let cluster = Cluster::embedded(&project.root)?;
    match cmd {
        Command::Start => {
            if cluster.state() == ClusterState::Running {
                println!("already running: {}", describe(&cluster));
                return Ok(());
            }
            let t = Instant::now();
            cluster.start()?;
            println!(
                "started in {} ms: {}",
                t.elapsed().as_millis(),
                describe(&cluster)
            );
            println!("connect with: psql \"$(cargo xtask db url)\"");
        }
        Command::Stop => {
            if cluster.state() == ClusterState::Running {
                cluster.stop()?;
                println!("stopped (data kept in {})", cluster.data.display());
            } else {
                println!("not running");
            }
        }
        Command::Status => match cluster.state() {
            ClusterState::Running => println!(
                "running: the embedded PostgreSQL of {}: {}",
                project.root.display(),
                describe(&cluster)
            ),
            ClusterState::Stopped => println!(
                "stopped: the embedded PostgreSQL of {}: data in {}; start it with `cargo xtask db start`",
                project.root.display(),
                cluster.data.display()
            ),
            ClusterState::NotCreated => println!(
                "not created: the embedded PostgreSQL of {}; `cargo xtask db start` creates it in {}",
                project.root.display(),
                cluster.dir.display()
            ),
        },
        Command::Url => {
            if cluster.state() != ClusterState::Running {
                eprintln!("note: the embedded PostgreSQL is not running; start it with `cargo xtask db start`");
            }
            println!("{}", cluster.url());
        }
        Command::Reset => {
            let t = Instant::now();
            cluster.remove()?;
            cluster.start()?;
            println!(
                "reset in {} ms: a new, empty cluster is running: {}",
                t.elapsed().as_millis(),
                describe(&cluster)
            );
        }
    }
    Ok(())
}

fn describe(c: &Cluster) -> String {
    format!(
        "PostgreSQL {} (pid {}), data {}, socket {}, log {}",
        c.bin.major,
        c.pid().map_or_else(|| "?".to_string(), |p| p.to_string()),
        c.data.display(),
        c.socket_dir.display(),
        c.log.display()
    )
}
