//! Sequences (missing ones come from sync's units): their options and
//! owner set, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::Object;
use crate::schema::catalog::Sequence;

use crate::sql::quote::literal;

use super::columns;
use super::writer::{DropStatement, Section, Writer};

/// A sequence's options or owner that differ; whether the script changes
/// them.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    sequence: &Sequence,
    want: &Object,
) -> bool {
    match difference.aspect {
        Aspect::Options => {
            let o = &sequence.options;
            let name = &difference.id.name;
            let alter = format!("ALTER SEQUENCE {name} AS {}", o.data_type);
            let sql = columns::sequence_bounds(&literal(name), &alter, "", o);
            writer.push(Section::Columns, format!("-- {}\n{sql}", difference.id));
            true
        }
        Aspect::Unlogged => {
            let persistence = if sequence.unlogged {
                "UNLOGGED"
            } else {
                "LOGGED"
            };
            writer.push(
                Section::Columns,
                format!(
                    "-- {}\nALTER SEQUENCE {} SET {persistence};\n",
                    difference.id, difference.id.name
                ),
            );
            true
        }
        Aspect::OwnedBy => {
            let owner = want.aspect(Aspect::OwnedBy).unwrap_or("NONE");
            owned_by(writer, difference, owner);
            true
        }
        _ => false,
    }
}

/// `ALTER SEQUENCE ... OWNED BY` (`NONE` or `table.column`).
pub(super) fn owned_by(writer: &mut Writer, difference: &Difference, owner: &str) {
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\nALTER SEQUENCE {} OWNED BY {owner};\n",
            difference.id, difference.id.name
        ),
    );
}

pub(super) fn drop(name: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP SEQUENCE IF EXISTS {name};"),
        "defaults that use the sequence fail",
    )
}
