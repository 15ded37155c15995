//! An aspect of an object both sides have, handed to what the script does
//! for the object's kind (comments and grants for any kind).

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::{Object, Source};

use super::policies;
use super::writer::Writer;
use super::{columns, comments, constraints, deparsed, functions, grants, indexes, owners};
use super::{schemas, sequences, tables, triggers, types, views};

/// Writes what makes the actual side's aspect the expected one; whether
/// the script fixes the difference.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    want: &Object,
    have: &Object,
) -> bool {
    match difference.aspect {
        Aspect::Comment => {
            comments::alter(writer, difference, want);
            return true;
        }
        Aspect::Grants => return grants::alter(writer, difference, want, have),
        Aspect::Owner => return owners::alter(writer, difference, want, have),
        _ => {}
    }
    match want.source {
        Source::Column(r, c) => columns::alter(writer, difference, (r, c), want, have),
        Source::Sequence(s) => sequences::alter(writer, difference, s, want),
        Source::Type(t) => match have.source {
            Source::Type(had) => types::alter(writer, difference, t, had),
            _ => false,
        },
        Source::Constraint(r, c) => constraints::alter(writer, difference, r, c),
        Source::Index(r, i) => indexes::alter(writer, difference, r, i),
        Source::Relation(r) if r.kind.has_columns() => tables::alter(writer, difference, r, have),
        Source::Relation(r) => views::alter(writer, difference, r, have),
        Source::Function(f) => match have.source {
            Source::Function(had) => functions::alter(writer, difference, f, had),
            _ => false,
        },
        Source::Trigger(r, t) => triggers::alter(writer, difference, r, t),
        Source::Policy(r, p) => policies::alter(writer, difference, r, p),
        Source::Deparsed(d) => deparsed::alter(writer, difference, d),
        Source::Extension(_) => schemas::move_extension(writer, difference, want),
        Source::Schema(_) => false,
    }
}
