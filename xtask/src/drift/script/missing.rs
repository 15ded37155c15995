//! What the actual side lacks: whole objects come from sync's units in
//! their dependency order, parts of existing tables from their kind.

use std::collections::BTreeSet;

use crate::drift::diff::Difference;
use crate::drift::kind::{Aspect, Kind, ObjectId};
use crate::drift::model::{Object, Source};
use crate::schema::render::{self, Unit, UnitKey};

use super::writer::{Section, Writer};
use super::{columns, constraints, indexes, sequences};

/// The objects `missing` names, and the parts of a missing table (its
/// foreign keys, indexes, triggers, policies: not differences of their
/// own), as sync renders them, in load order; and the dependents dropped
/// for a change (`again`), created after every change. Returns the ids
/// written.
pub(super) fn create_whole(
    writer: &mut Writer,
    units: Vec<Unit>,
    missing: &BTreeSet<&ObjectId>,
    again: &BTreeSet<&ObjectId>,
) -> BTreeSet<ObjectId> {
    let is_missing = |id: ObjectId| missing.contains(&id) || again.contains(&id);
    let wanted: Vec<Unit> = units
        .into_iter()
        .filter(|u| {
            is_missing(ObjectId::of_unit(&u.key))
                || u.parent
                    .as_ref()
                    .is_some_and(|p| is_missing(ObjectId::of_unit(p)))
        })
        .collect();
    let (ordered, _) = render::order(wanted, |_| String::new());
    let mut created = BTreeSet::new();
    // What is created after every change: the dependents created again,
    // what is part of them or needs them, and parts of views (an index
    // of a materialized view is built after it).
    let mut late: BTreeSet<UnitKey> = BTreeSet::new();
    for (_, u) in ordered {
        let id = ObjectId::of_unit(&u.key);
        let is_late = again.contains(&id)
            || u.deps.iter().any(|d| late.contains(d))
            || u.parent.as_ref().is_some_and(|p| {
                late.contains(p)
                    || matches!(p.kind, render::Kind::View | render::Kind::MaterializedView)
            });
        if is_late {
            late.insert(u.key.clone());
            writer.push(Section::Later, format!("-- {id}\n{}", u.sql));
            created.insert(id);
            continue;
        }
        let table_missing = u
            .parent
            .as_ref()
            .is_some_and(|p| is_missing(ObjectId::new(Kind::Table, p.qualified.clone())));
        let section = match id.kind {
            Kind::Index | Kind::Statistics => Section::Indexes,
            // A constraint of an existing table is added NOT VALID below.
            Kind::Constraint if !table_missing => continue,
            Kind::Constraint => Section::Constraints,
            Kind::View
            | Kind::MaterializedView
            | Kind::Trigger
            | Kind::Policy
            | Kind::Rule
            | Kind::EventTrigger
            | Kind::Publication
            | Kind::Subscription
            | Kind::DefaultPrivileges => Section::Later,
            _ => Section::Create,
        };
        writer.push(section, format!("-- {id}\n{}", u.sql));
        created.insert(id);
    }
    created
}

/// A difference the actual side lacks; whether the script fixes it:
/// created whole above, with its table, or added as a part of an existing
/// table.
pub(super) fn add(
    writer: &mut Writer,
    difference: &Difference,
    want: Option<&Object>,
    created: &BTreeSet<ObjectId>,
    missing: &BTreeSet<&ObjectId>,
) -> bool {
    let missing_table = |table: &str| missing.contains(&ObjectId::new(Kind::Table, table));
    if created.contains(&difference.id) {
        // A sequence's OWNED BY is rendered with its table: when the table
        // exists, say it here.
        let owner = want.and_then(|o| o.aspect(Aspect::OwnedBy));
        if let Some(owner) = owner.filter(|_| difference.kind() == Kind::Sequence) {
            let table = owner.rsplit_once('.').map_or("", |(t, _)| t);
            if !missing_table(table) {
                sequences::owned_by(writer, difference, owner);
            }
        }
        return true;
    }
    // Parts of a table the script creates come with it.
    if difference.table.as_deref().is_some_and(missing_table) {
        return true;
    }
    match want.map(|o| o.source) {
        Some(Source::Column(r, c)) => {
            columns::add(writer, difference, r, c);
            true
        }
        Some(Source::Constraint(r, c)) => {
            constraints::add(writer, difference, r, c);
            true
        }
        Some(Source::Index(_, i)) => indexes::add(writer, difference, i),
        _ => false,
    }
}
