//! One module per user command. Each defines its arguments (`Args`, or a
//! `Cmd` of subcommands) and the `run` they own; what two commands share
//! lives in a layer below. A command never imports another.

pub mod adopt;
pub mod apply;
pub mod baseline;
pub mod bundle;
pub mod db;
pub mod drift;
pub mod hook;
pub mod mcp;
pub mod new;
pub mod renumber;
pub mod repair;
pub mod retire;
pub mod review;
pub mod rollback;
pub mod status;
pub mod sync;
