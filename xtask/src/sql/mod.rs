//! Reading PostgreSQL SQL: tokens with byte spans and line:col positions,
//! and statements. Review rules, per-statement execution and the git hook
//! all see SQL through this module; the bundle's scripts quote text with
//! `quote`.

pub mod fuzz;
pub mod index;
pub mod lexer;
pub mod quote;
pub mod split;
