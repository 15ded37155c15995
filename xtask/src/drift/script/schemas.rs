//! Schemas and extensions (missing ones come from sync's units): an
//! extension moved to its schema; dropped, never with what they hold.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::Object;
use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// An extension in another schema: moved there (`SET SCHEMA`) when it is
/// relocatable, else (drops allowed) dropped and created there; each only
/// while it is elsewhere. Whether the script fixes the difference.
pub(super) fn move_extension(writer: &mut Writer, difference: &Difference, want: &Object) -> bool {
    let (Aspect::Schema, Some(schema)) = (difference.aspect, want.aspect(Aspect::Schema)) else {
        return false;
    };
    let name = &difference.id.name;
    let raw = name.trim_matches('"').replace("\"\"", "\"");
    let row = format!(
        "FROM pg_catalog.pg_extension e WHERE e.extname = {}",
        literal(&raw)
    );
    let there = format!(
        "(SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = {}) = {}",
        literal(&raw),
        literal(schema)
    );
    let other_way = if writer.allow_drop {
        format!("DROP EXTENSION {name};\n    CREATE EXTENSION {name} WITH SCHEMA {schema};")
    } else {
        format!(
            "RAISE WARNING 'left: extension {} cannot be moved in place; --allow-drop drops and creates it', {};",
            "%",
            literal(name)
        )
    };
    let then = format!(
        "IF (SELECT e.extrelocatable {row}) THEN\n    ALTER EXTENSION {name} SET SCHEMA {schema};\nELSE\n    {other_way}\nEND IF;"
    );
    writer.push(
        Section::Moved,
        format!(
            "-- {}\n-- RISK: what uses the extension's objects by their old schema's name fails; dropped and created\n\
             -- again (not relocatable), it fails while objects use it.\n{}",
            difference.id,
            unless(&there, &then)
        ),
    );
    true
}

pub(super) fn drop_schema(name: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP SCHEMA IF EXISTS {name};"),
        "fails while the schema holds objects (nothing is dropped with it)",
    )
}

pub(super) fn drop_extension(name: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP EXTENSION IF EXISTS {name};"),
        "fails while objects use the extension (nothing is dropped with it)",
    )
}
