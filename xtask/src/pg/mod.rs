//! Everything that starts or talks to PostgreSQL.

pub mod cluster;

pub use cluster::{Binaries, Cluster, ClusterState, Throwaway};
pub mod connect;
pub mod exec;
pub mod legacy;
pub mod tracking;

/// Runs a future on a single-threaded runtime: commands are sequential, and
/// one thread keeps the connection task and the command side by side.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}
