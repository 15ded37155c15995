//! touchpoint: the two-touchpoint PostgreSQL migration workflow, as a
//! `cargo xtask`. See `docs/ARCHITECTURE.md` for the map; the layers, from
//! the top: `cli` -> `commands` (and `dev`) -> `args` -> the services
//! (`hook`, `bundle`, `runner`, `drift`, `review`, `shadow`, `schema`) ->
//! `pg` -> `project` -> `migration`, `sql`, `outcome`.

pub mod args;
pub mod bundle;
pub mod cli;
pub mod commands;
pub mod dev;
pub mod drift;
pub mod fleet;
pub mod hook;
pub mod migration;
pub mod outcome;
pub mod pg;
pub mod project;
pub mod review;
pub mod runner;
pub mod schema;
pub mod shadow;
pub mod sql;

pub use cli::main;
