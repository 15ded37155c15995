//! Triggers (missing ones come from sync's units): replaced with drops
//! allowed when their definition differs, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{Relation, Trigger};
use crate::schema::render::guarded;
use crate::sql::quote::{literal, Quoter};

use super::writer::{unless, DropStatement, Section, Writer};

/// A trigger whose definition differs; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    trigger: &Trigger,
) -> bool {
    if difference.aspect != Aspect::Definition || !writer.allow_drop {
        return false;
    }
    let quoter = &writer.quoter;
    let qn = quoter.qualified(&relation.schema, &relation.name);
    let exists = format!(
        "SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {}::regclass AND tgname = {}",
        literal(&qn),
        literal(&trigger.name)
    );
    let differs = format!(
        "{exists} AND pg_catalog.pg_get_triggerdef(oid) <> {}",
        literal(&trigger.definition)
    );
    let sql = format!(
        "-- {}\n-- RISK: replaces the trigger.\n{}{}",
        difference.id,
        unless(
            &format!("NOT EXISTS ({differs})"),
            &format!("DROP TRIGGER {} ON {qn};", quoter.ident(&trigger.name))
        ),
        guarded(&exists, &format!("{};", trigger.definition))
    );
    writer.push(Section::Later, sql);
    true
}

pub(super) fn drop(quoter: &Quoter, relation: &Relation, trigger: &Trigger) -> DropStatement {
    DropStatement::new(
        format!(
            "DROP TRIGGER IF EXISTS {} ON {};",
            quoter.ident(&trigger.name),
            quoter.qualified(&relation.schema, &relation.name)
        ),
        "what the trigger did stops happening",
    )
}
