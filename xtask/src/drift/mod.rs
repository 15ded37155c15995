//! Drift: what differs between two schemas read from the catalogs.
//!
//! [`compare`] flattens each [`Catalog`] into objects with named aspects (a
//! column's type, nullability, default ...; `model`) and reports, for every
//! object, whether the actual side lacks it (missing), has it alone
//! (extra), or has it with an aspect changed (`diff`). Each [`Difference`]
//! has a stable id (kind + qualified name), a severity (`severity`) and
//! what each side has. Noise (rename leftovers, expressions printed
//! differently; `noise`) is marked, never dropped: the caller decides
//! whether to show it. [`three_way`] says which of the database, the
//! migrations and `current_schema/` disagrees (`verdict`). [`script`]
//! writes the catch-up script.

mod diff;
mod kind;
mod model;
mod noise;
pub mod script;
mod severity;
mod verdict;

use crate::schema::catalog::Catalog;

pub use crate::outcome::Severity;
pub use diff::{Change, Difference};
pub use kind::{Aspect, Kind, ObjectId};
pub use model::Options;
pub use verdict::{three_way, Side, Verdict};

/// What differs from `expected` in `actual`.
pub fn compare(expected: &Catalog, actual: &Catalog, options: &Options) -> Vec<Difference> {
    diff::diff(
        &model::Model::new(expected, options),
        &model::Model::new(actual, options),
    )
}
