//! What only the actual side has: dropped with drops allowed (what depends
//! on an object first), else listed as kept.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use crate::drift::diff::{Change, Difference};
use crate::drift::kind::{Kind, ObjectId};
use crate::drift::model::{Object, Source};
use crate::schema::catalog::{ConstraintKind, RelKind};
use crate::schema::render::{self, Unit, UnitKey};
use crate::sql::quote::Quoter;

use super::writer::{drop_rank, DropOrder, DropStatement, Writer};
use super::{columns, constraints, deparsed, functions, indexes, policies, schemas};
use super::{sequences, tables, triggers, types, views};

/// Where each drop goes: drops run in the reverse of the order the actual
/// side's objects would be created in, so that what depends on an object
/// goes first.
pub(super) struct DropPlan {
    /// Each whole object's place in the actual side's load order, counting
    /// what its parts need as its own (a table comes after the tables its
    /// foreign keys reference).
    position: HashMap<ObjectId, usize>,
    /// Tables only the actual side has: their parts go with them.
    extra_tables: BTreeSet<ObjectId>,
}

impl DropPlan {
    /// From the actual side's units in load order.
    pub(super) fn new(actual: &[Unit], differences: &[Difference]) -> DropPlan {
        let parents: HashMap<&UnitKey, &UnitKey> = actual
            .iter()
            .filter_map(|u| Some((&u.key, u.parent.as_ref()?)))
            .collect();
        let top = |key: &UnitKey| -> UnitKey { (*parents.get(key).unwrap_or(&key)).clone() };
        let mut wholes: HashMap<UnitKey, Unit> = actual
            .iter()
            .filter(|u| u.parent.is_none())
            .map(|u| (u.key.clone(), Unit::new(u.key.clone(), None, String::new())))
            .collect();
        for u in actual {
            let own = u.parent.clone().unwrap_or_else(|| u.key.clone());
            let needs: BTreeSet<UnitKey> = u.deps.iter().map(top).filter(|d| *d != own).collect();
            if let Some(whole) = wholes.get_mut(&own) {
                whole.deps.extend(needs);
            }
        }
        let (ordered, _) = render::order(wholes.into_values().collect(), |_| String::new());
        let position = ordered
            .iter()
            .enumerate()
            .map(|(i, (_, u))| (ObjectId::of_unit(&u.key), i))
            .collect();
        let extra_tables = differences
            .iter()
            .filter(|d| d.change == Change::Extra && d.kind() == Kind::Table)
            .map(|d| d.id.clone())
            .collect();
        DropPlan {
            position,
            extra_tables,
        }
    }

    fn order(&self, difference: &Difference) -> DropOrder {
        match self.position.get(&difference.id) {
            Some(p) => DropOrder {
                position: Reverse(*p),
                whole: 1,
                rank: 0,
            },
            None => {
                let table = difference.table.as_ref().and_then(|t| {
                    self.position
                        .get(&ObjectId::new(Kind::Table, t.clone()))
                        .copied()
                });
                DropOrder {
                    position: Reverse(table.unwrap_or(0)),
                    whole: 0,
                    rank: drop_rank(difference.kind()),
                }
            }
        }
    }

    /// A part of a table only the actual side has: dropped with it. A
    /// foreign key is dropped of its own (it may reference another table).
    fn goes_with_its_table(&self, have: &Object) -> bool {
        let Some(table) = &have.table else {
            return false;
        };
        let foreign_key =
            matches!(have.source, Source::Constraint(_, c) if c.kind == ConstraintKind::ForeignKey);
        !have.kind().is_relation()
            && !foreign_key
            && self
                .extra_tables
                .contains(&ObjectId::new(Kind::Table, table.clone()))
    }
}

/// Drops what only the actual side has when drops are allowed, else lists
/// it as kept; whether the script fixes the difference.
pub(super) fn drop_or_keep(
    writer: &mut Writer,
    difference: &Difference,
    have: &Object,
    plan: &DropPlan,
) -> bool {
    if plan.goes_with_its_table(have) {
        return writer.allow_drop;
    }
    let drop = statement(&writer.quoter, have);
    if writer.allow_drop {
        let sql = format!(
            "-- {}\n-- RISK: {}.\n{}\n",
            difference.id, drop.risk, drop.sql
        );
        writer.drop(plan.order(difference), sql);
    } else {
        writer.keep(
            difference.kind(),
            format!("-- {} (would be: {})\n", difference.id, drop.sql),
        );
    }
    writer.allow_drop
}

/// The statement that drops `have`, from its kind.
pub(super) fn statement(quoter: &Quoter, have: &Object) -> DropStatement {
    let name = have.name();
    match have.source {
        Source::Relation(r) if r.kind.is_table() => {
            tables::drop(&quoter.qualified(&r.schema, &r.name))
        }
        Source::Relation(r) if r.kind == RelKind::ForeignTable => {
            tables::drop_foreign(&quoter.qualified(&r.schema, &r.name))
        }
        Source::Relation(r) => views::drop(&quoter.qualified(&r.schema, &r.name), r),
        Source::Column(r, c) => columns::drop(quoter, r, c),
        Source::Constraint(r, c) => constraints::drop(quoter, r, c),
        Source::Index(r, i) => indexes::drop(quoter, r, i),
        Source::Trigger(r, t) => triggers::drop(quoter, r, t),
        Source::Policy(r, p) => policies::drop(quoter, r, p),
        Source::Function(f) => functions::drop(f, name),
        Source::Sequence(_) => sequences::drop(name),
        Source::Type(_) => types::drop(name),
        Source::Extension(_) => schemas::drop_extension(name),
        Source::Schema(_) => schemas::drop_schema(name),
        Source::Deparsed(d) => deparsed::drop(d),
    }
}
