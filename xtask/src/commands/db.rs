//! `db start|stop|status|url|reset`: the embedded throwaway PostgreSQL.

use std::time::Instant;

use anyhow::Result;

use crate::flags::DbCmd;
use crate::pg::{Cluster, ClusterState};
use crate::project::Project;

pub fn run(project: &Project, cmd: DbCmd) -> Result<()> {
    let cluster = Cluster::embedded(&project.root)?;
    match cmd {
        DbCmd::Start => {
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
        DbCmd::Stop => {
            if cluster.state() == ClusterState::Running {
                cluster.stop()?;
                println!("stopped (data kept in {})", cluster.data.display());
            } else {
                println!("not running");
            }
        }
        DbCmd::Status => match cluster.state() {
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
        DbCmd::Url => {
            if cluster.state() != ClusterState::Running {
                eprintln!("note: the embedded PostgreSQL is not running; start it with `cargo xtask db start`");
            }
            println!("{}", cluster.url());
        }
        DbCmd::Reset => {
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
