//! Everything that starts or talks to PostgreSQL.

pub mod cluster;

pub use cluster::{Binaries, Cluster, ClusterState, Throwaway};
pub mod exec;
