//! Schemas and extensions (missing ones come from sync's units): dropped,
//! never with what they hold.

use super::writer::DropStatement;

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
