//! The runner: what `apply`, `rollback`, `baseline`, `repair` and `status`
//! share about a database's history: the plan (files against the tracking
//! table) and where each file stands.

pub mod plan;
pub mod status;
