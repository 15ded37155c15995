//! The catalog as units of idempotent DDL.
//!
//! A [`Unit`] is one object with everything that belongs to it (a table with
//! its columns, inline constraints, comments, grants, row-level security), as
//! statements that can run twice: `CREATE ... IF NOT EXISTS`, `CREATE OR
//! REPLACE`, or a DO block that checks the catalog first. Each unit knows the
//! units it needs (from `pg_depend`, plus a child's table), so [`order`] can
//! sort them so that they load into an empty database in sequence.
//!
//! `unit` holds what a unit is, `units` builds them kind by kind from the
//! statements of `statements`, and `order` sorts them.

mod order;
mod statements;
mod unit;
mod units;

pub use order::order;
pub use statements::{
    add_not_valid_not_null, column_sql, column_sql_nullable, do_block, grants, guarded,
    identity_sql, index_if_not_exists, not_null_text, sequence_options, view_options,
};
pub use unit::{Kind, Unit, UnitKey};
pub use units::units;
