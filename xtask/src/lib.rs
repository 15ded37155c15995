//! touchpoint: the two-touchpoint PostgreSQL migration workflow, as a
//! `cargo xtask`. See `docs/ARCHITECTURE.md` for the map.

pub mod migration;
