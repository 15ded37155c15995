//! The integration tests: one crate, linked once. Each module tests one
//! command or area through the real binary, a real PostgreSQL and real git
//! repositories; `support` holds what they share.

mod support;

mod adopt;
mod adopting;
mod apply;
mod apply_concurrency;
mod bundle;
mod cli;
mod db;
mod demo_set;
mod drift;
mod first_run;
mod fleet;
mod hook;
mod kinds;
mod lexer_corpus;
mod mcp;
mod new_rule;
mod pg18;
mod review_cli;
mod review_dynamic;
mod review_rules;
mod sync;
mod tidy;
mod tls;
mod versions;
