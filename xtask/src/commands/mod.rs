//! One module per command; each has a `run` the binary calls.

pub mod bench;
pub mod db;
pub mod fuzz;
pub mod new;
pub mod status;
