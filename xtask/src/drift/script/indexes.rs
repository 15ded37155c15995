//! Indexes: created where missing, rebuilt (with drops allowed) when their
//! definition differs, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{Index, Relation};
use crate::schema::render::index_if_not_exists;
use crate::sql::quote::{literal, Quoter};

use super::writer::{unless, DropStatement, Section, Writer};

/// `CREATE INDEX IF NOT EXISTS`; whether the script adds it (an invalid
/// index, a failed concurrent build, is not copied).
pub(super) fn add(writer: &mut Writer, difference: &Difference, index: &Index) -> bool {
    if !index.valid {
        return false;
    }
    let definition = index_if_not_exists(&index.definition);
    writer.push(
        Section::Indexes,
        format!(
            "-- {}\n-- RISK: blocks writes to the table while the index builds; on a busy table run it\n\
             -- by hand as CREATE INDEX CONCURRENTLY first (this statement then does nothing).\n{definition};\n",
            difference.id
        ),
    );
    true
}

/// An index whose definition differs, rebuilt when drops are allowed;
/// whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    index: &Index,
) -> bool {
    if difference.aspect != Aspect::Definition || !writer.allow_drop {
        return false;
    }
    let name = writer.quoter.qualified(&relation.schema, &index.name);
    let differs = format!(
        "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND pg_catalog.pg_get_indexdef(c.oid) <> {}",
        literal(&relation.schema),
        literal(&index.name),
        literal(&index.definition)
    );
    let definition = index_if_not_exists(&index.definition);
    writer.push(
        Section::Indexes,
        format!(
            "-- {}\n-- RISK: drops and rebuilds the index; the table's writes wait while it builds.\n{}{definition};\n",
            difference.id,
            unless(&format!("NOT EXISTS ({differs})"), &format!("DROP INDEX {name};"))
        ),
    );
    true
}

pub(super) fn drop(quoter: &Quoter, relation: &Relation, index: &Index) -> DropStatement {
    DropStatement::new(
        format!(
            "DROP INDEX IF EXISTS {};",
            quoter.qualified(&relation.schema, &index.name)
        ),
        "takes an ACCESS EXCLUSIVE lock on the table; queries that used the index get slower",
    )
}
