//! The schema as `sync` and `drift` see it: read from the catalogs
//! (`catalog`), rendered as idempotent DDL (`render`), laid out in
//! `current_schema/` files (`layout`), each behind a generated banner
//! (`banner`).

pub mod banner;
pub mod catalog;
pub mod files;
pub mod layout;
pub mod render;
pub mod roundtrip;
pub mod snapshot;
