//! One module per command; each has a `run` the binary calls.

pub mod adopt;
pub mod apply;
pub mod baseline;
pub mod bench;
pub mod bench_drift;
pub mod bundle;
pub mod corpus;
pub mod db;
pub mod drift;
pub mod fuzz;
pub mod hook;
pub mod hooks;
pub mod new;
pub mod new_rule;
pub mod plan;
pub mod repair;
pub mod review;
pub mod rollback;
pub mod status;
pub mod sync;
