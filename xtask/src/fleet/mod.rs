//! Many databases: the targets a command runs on (URLs, a targets file,
//! environments of `touchpoint.conf`, a shard of them), and a piece of work
//! run on each with bounded parallelism, each target in its own connection.
//! One failing target never stops the others unless asked (`--fail-fast`).

pub mod run;
pub mod targets;

pub use run::{each, Done};
pub use targets::{Selection, Shard, Target};
