//! How much a difference matters: an error breaks what the code does
//! (inserts, `ON CONFLICT`, queries), a warning is worth a look, info is
//! harmless.

use std::collections::BTreeSet;

use crate::outcome::Severity;
use crate::schema::catalog::Column;

use super::kind::{Aspect, Kind};
use super::model::{Object, Source};

/// The expected side has `expected`, the actual side lacks it.
pub(super) fn of_missing(expected: &Object) -> Severity {
    match expected.source {
        Source::Index(_, i) if i.definition.starts_with("CREATE UNIQUE") => Severity::Error,
        Source::Index(..) => Severity::Warning,
        Source::Constraint(_, c) if c.kind.is_key() => Severity::Error,
        Source::Constraint(..) => Severity::Warning,
        _ => Severity::Error,
    }
}

/// Only the actual side has `actual`.
pub(super) fn of_extra(actual: &Object) -> Severity {
    match actual.source {
        // A column inserts cannot leave out breaks them.
        Source::Column(_, c) if required(c) => Severity::Error,
        Source::Column(..) => Severity::Info,
        Source::Index(..) | Source::Constraint(..) | Source::Trigger(..) | Source::Policy(..) => {
            Severity::Warning
        }
        _ => Severity::Info,
    }
}

/// NOT NULL with nothing that fills it.
fn required(c: &Column) -> bool {
    c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none()
}

/// Both sides have the object; `aspect` differs.
pub(super) fn of_changed(aspect: Aspect, expected: &Object, actual: &Object) -> Severity {
    match aspect {
        Aspect::Comment => return Severity::Info,
        Aspect::Grants | Aspect::Owner | Aspect::OwnerPrivileges => return Severity::Warning,
        _ => {}
    }
    match (expected.source, actual.source) {
        (Source::Sequence(_), _) => Severity::Info,
        (Source::Column(_, want), Source::Column(_, have)) => column(aspect, want, have),
        (Source::Type(want), Source::Type(have)) => match aspect {
            Aspect::Values => enum_values(want.enum_labels(), have.enum_labels()),
            Aspect::TypeKind | Aspect::Base | Aspect::Attributes => Severity::Error,
            _ => Severity::Warning,
        },
        (Source::Constraint(_, want), _) => match aspect {
            Aspect::Type => Severity::Error,
            // A key that changed breaks ON CONFLICT as a missing one does.
            Aspect::Definition if want.kind.is_key() => Severity::Error,
            _ => Severity::Warning,
        },
        (Source::Index(_, want), Source::Index(_, have)) => {
            let unique = |d: &str| d.starts_with("CREATE UNIQUE");
            if aspect == Aspect::Definition
                && (unique(&want.definition) || unique(&have.definition))
            {
                Severity::Error
            } else {
                Severity::Warning
            }
        }
        (Source::Policy(..), _) => Severity::Error,
        _ => relation(expected.kind(), aspect),
    }
}

fn column(aspect: Aspect, want: &Column, have: &Column) -> Severity {
    match aspect {
        Aspect::Type | Aspect::Identity | Aspect::Generated => Severity::Error,
        // NOT NULL where nullable is expected breaks inserts.
        Aspect::Nullability if !want.not_null => Severity::Error,
        // The database lost a default its NOT NULL column needs.
        Aspect::Default if want.default.is_some() && have.default.is_none() && have.not_null => {
            Severity::Error
        }
        _ => Severity::Warning,
    }
}

/// A value the migrations expect and the database lacks breaks inserts;
/// only extra values or another order do not.
fn enum_values(want: Option<&[String]>, have: Option<&[String]>) -> Severity {
    let have: BTreeSet<&String> = have.unwrap_or_default().iter().collect();
    if want.unwrap_or_default().iter().any(|l| !have.contains(l)) {
        Severity::Error
    } else {
        Severity::Warning
    }
}

fn relation(kind: Kind, aspect: Aspect) -> Severity {
    match (kind, aspect) {
        (Kind::View | Kind::MaterializedView, Aspect::Definition) => Severity::Error,
        (
            Kind::Table,
            Aspect::RowLevelSecurity
            | Aspect::PartitionKey
            | Aspect::PartitionOf
            | Aspect::Inherits,
        ) => Severity::Error,
        (Kind::Table, Aspect::Options) => Severity::Info,
        _ => Severity::Warning,
    }
}
