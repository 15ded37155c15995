//! Dependents rebuilt around a change PostgreSQL refuses while they exist:
//! a column's type under a view, a policy or a rule; a routine dropped and
//! created again (a new result or argument names) under a policy, a rule
//! or a view; a view rebuilt under another view; an enum rebuilt under
//! routines. The actual side's dependency graph says what depends on what
//! (a column's users in particular); what is found is dropped before the
//! change, dependents first, unless the change is made already (so the
//! second run drops nothing), and created again after it from the expected
//! side's units, in their dependency order, with what the expected side
//! lacks. Views, materialized views, policies, rules, triggers, indexes
//! and routines are rebuilt so; nothing that holds data is.

use std::collections::{BTreeMap, BTreeSet};

use crate::drift::diff::{Change, Difference};
use crate::drift::kind::{Aspect, Kind, ObjectId};
use crate::drift::model::{Model, Object, Source};
use crate::schema::catalog::{ObjRef, Oid, TypeKind};
use crate::schema::render::{Unit, UnitKey};
use crate::sql::quote::literal;

use super::writer::{unless, Section, Writer};
use super::{columns, extra, functions, types};

/// What the plan rebuilds: ids dropped before the changes, and what the
/// script creates again after them.
#[derive(Default)]
pub(super) struct Rebuilt {
    /// Every dependent dropped (and created again when the expected side
    /// has it).
    pub ids: BTreeSet<ObjectId>,
}

impl Rebuilt {
    /// Whether the rebuild fixes `difference`: an object the expected side
    /// has, created again whole.
    pub fn fixes(&self, difference: &Difference) -> bool {
        difference.change == Change::Changed && self.ids.contains(&difference.id)
    }
}

/// A change dependents block, with the condition under which it is still
/// to be made.
struct Blocker {
    /// `column s.t.c`, `function s.f(int)`: for the comment.
    what: String,
    pending: String,
    /// The units that use it directly (and a view rebuilt itself: it is
    /// created again with its dependents, in their order).
    users: Vec<usize>,
    /// The object's own drop, after its dependents: what only the actual
    /// side has (it must be gone before they are created again: a routine
    /// of the same name makes their calls ambiguous).
    then_drop: Option<String>,
    /// A routine's oid on the actual side: domain checks that call it are
    /// dropped and added again around it.
    routine: Option<Oid>,
}

/// Finds the changes dependents block, drops the dependents before them
/// (section `Dependents`) and returns what was dropped; the caller creates
/// again what the expected side has, with what it lacks.
pub(super) fn plan(
    writer: &mut Writer,
    actual: &[Unit],
    differences: &[Difference],
    (want, have): (&Model, &Model),
) -> Rebuilt {
    let blockers: Vec<Blocker> = differences
        .iter()
        .filter_map(|d| {
            blocker(
                writer,
                actual,
                d,
                want.objects.get(&d.id),
                have.objects.get(&d.id),
            )
        })
        .collect();
    let mut rebuilt = Rebuilt::default();
    for b in blockers {
        let closure = dependents(actual, &b.users);
        let checks = b
            .routine
            .map_or_else(Vec::new, |oid| domain_checks(writer, oid));
        if closure.is_empty() && checks.is_empty() {
            continue;
        }
        let mut drops = String::new();
        for (domain, name) in &checks {
            drops += &format!("ALTER DOMAIN {domain} DROP CONSTRAINT IF EXISTS {name};\n");
        }
        let closure_ids: Vec<ObjectId> = closure
            .iter()
            .map(|&i| ObjectId::of_unit(&actual[i].key))
            .collect();
        // Dependents first: the reverse of the actual side's load order.
        for &i in closure.iter().rev() {
            let id = ObjectId::of_unit(&actual[i].key);
            let Some(object) = have.objects.get(&id) else {
                continue;
            };
            drops += &extra::statement(&writer.quoter, object).sql;
            drops += "\n";
            rebuilt.ids.insert(id);
        }
        drops += b.then_drop.as_deref().unwrap_or_default();
        let mut names: Vec<String> = closure_ids.iter().map(|id| id.to_string()).collect();
        names.extend(
            checks
                .iter()
                .map(|(domain, name)| format!("check {name} of domain {domain}")),
        );
        add_checks_again(writer, &checks);
        writer.push(
            Section::Dependents,
            format!(
                "-- For {}: {} (created again below)\n-- RISK: queries that use them fail until they are; a materialized view is filled again.\n{}",
                b.what,
                names.join(", "),
                unless(&format!("NOT ({})", b.pending), drops.trim_end())
            ),
        );
    }
    rebuilt
}

/// The checks of domains (domain and check name, both quoted) that call
/// the routine `oid` on the actual side.
fn domain_checks(writer: &Writer, oid: Oid) -> Vec<(String, String)> {
    let calls: BTreeSet<Oid> = writer
        .actual
        .depends
        .iter()
        .filter(|(from, to)| from.0 == "pg_constraint" && *to == ObjRef("pg_proc", oid))
        .map(|(from, _)| from.1)
        .collect();
    let mut found = Vec::new();
    for t in &writer.actual.types {
        let TypeKind::Domain { checks, .. } = &t.kind else {
            continue;
        };
        for (check_oid, (name, _)) in t.constraint_oids.iter().zip(checks) {
            if calls.contains(check_oid) {
                found.push((
                    writer.quoter.qualified(&t.schema, &t.name),
                    writer.quoter.ident(name),
                ));
            }
        }
    }
    found
}

/// The domain checks dropped for a routine, added again after it as the
/// expected domain has them, unless they are there; a check the expected
/// side lacks (its domain goes, or it does) is not.
fn add_checks_again(writer: &mut Writer, checks: &[(String, String)]) {
    for (domain, name) in checks {
        let expected = writer.expected.types.iter().find_map(|t| match &t.kind {
            TypeKind::Domain { checks, .. }
                if writer.quoter.qualified(&t.schema, &t.name) == *domain =>
            {
                checks
                    .iter()
                    .find(|(n, _)| writer.quoter.ident(n) == *name)
                    .map(|(_, d)| d.clone())
            }
            _ => None,
        });
        let Some(expected) = expected else {
            continue;
        };
        let exists = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE contypid = {}::regtype AND conname = {})",
            literal(domain),
            literal(name.trim_matches('"'))
        );
        let add = format!("ALTER DOMAIN {domain} ADD CONSTRAINT {name} {expected};");
        writer.push(
            Section::Later,
            format!(
                "-- check {name} of domain {domain}, dropped for a routine above\n-- RISK: checks the values every column of the domain holds.\n{}",
                unless(&exists, &add)
            ),
        );
    }
}

/// The change `difference` asks for, when dependents can block it.
fn blocker(
    writer: &Writer,
    actual: &[Unit],
    difference: &Difference,
    wanted: Option<&Object>,
    had: Option<&Object>,
) -> Option<Blocker> {
    let id = &difference.id;
    let users_of = |id: &ObjectId| -> Vec<usize> {
        actual
            .iter()
            .enumerate()
            .filter(|(_, u)| u.deps.iter().any(|d| ObjectId::of_unit(d) == *id))
            .map(|(i, _)| i)
            .collect()
    };
    let pending = match (difference.change, difference.aspect, wanted, had) {
        (Change::Changed, Aspect::Type, Some(w), _) => {
            let Source::Column(relation, column) = w.source else {
                return None;
            };
            let table = ObjectId::new(
                Kind::Table,
                writer.quoter.qualified(&relation.schema, &relation.name),
            );
            let users = actual
                .iter()
                .enumerate()
                .filter(|(_, u)| {
                    u.column_deps
                        .iter()
                        .any(|(t, c)| c == &column.name && ObjectId::of_unit(t) == table)
                })
                .map(|(i, _)| i)
                .collect();
            return Some(Blocker {
                what: id.to_string(),
                pending: format!("NOT {}", columns::type_is(&writer.quoter, relation, column)),
                users,
                then_drop: None,
                routine: None,
            });
        }
        (Change::Changed, Aspect::Definition, Some(w), Some(h)) => match (w.source, h.source) {
            (Source::Function(f), Source::Function(had))
                if writer.allow_drop && !functions::replaceable(f, had) =>
            {
                format!("NOT {}", functions::is_current(f))
            }
            (Source::Relation(r), _) if writer.allow_drop && !r.kind.has_columns() => {
                let definition = r.view_definition.as_deref().unwrap_or_default();
                let itself = actual.iter().position(|u| ObjectId::of_unit(&u.key) == *id);
                return Some(Blocker {
                    what: id.to_string(),
                    pending: format!(
                        "pg_catalog.pg_get_viewdef(pg_catalog.to_regclass({})) IS DISTINCT FROM {}",
                        literal(&id.name),
                        literal(definition)
                    ),
                    users: itself.into_iter().collect(),
                    then_drop: None,
                    routine: None,
                });
            }
            _ => return None,
        },
        (Change::Changed, Aspect::Values, Some(w), Some(h)) if writer.allow_drop => {
            match (w.source, h.source) {
                (Source::Type(t), Source::Type(had)) if types::rebuilds(t, had) => {
                    format!("NOT {}", types::labels_are(&writer.quoter, t))
                }
                _ => return None,
            }
        }
        (Change::Extra, _, _, Some(h)) if writer.allow_drop => {
            let pending = match h.source {
                Source::Function(_) => {
                    format!(
                        "pg_catalog.to_regprocedure({}) IS NOT NULL",
                        literal(&id.name)
                    )
                }
                Source::Relation(r) if !r.kind.has_columns() => {
                    format!("pg_catalog.to_regclass({}) IS NOT NULL", literal(&id.name))
                }
                _ => return None,
            };
            let users = users_of(id);
            // What holds rows (a table's check or default, a domain) keeps
            // it until the drops, which take them in dependency order.
            if users.iter().any(|&i| !rebuildable(&actual[i].key)) {
                return None;
            }
            return Some(Blocker {
                what: id.to_string(),
                pending,
                users,
                then_drop: Some(extra::statement(&writer.quoter, h).sql),
                routine: routine_oid(h),
            });
        }
        _ => return None,
    };
    Some(Blocker {
        what: id.to_string(),
        pending,
        users: users_of(id),
        then_drop: None,
        routine: had.and_then(routine_oid),
    })
}

/// The oid of a routine on the actual side.
fn routine_oid(object: &Object) -> Option<Oid> {
    match object.source {
        Source::Function(f) => Some(f.oid),
        _ => None,
    }
}

/// The kinds rebuilt around a change: they hold no data of their own.
fn rebuildable(key: &UnitKey) -> bool {
    matches!(
        Kind::from(key.kind),
        Kind::View
            | Kind::MaterializedView
            | Kind::Policy
            | Kind::Rule
            | Kind::Trigger
            | Kind::Index
            | Kind::Function
            | Kind::Procedure
    )
}

/// `users` and everything that depends on them, in the actual side's
/// order (a unit's index), as long as each is rebuildable.
fn dependents(actual: &[Unit], users: &[usize]) -> Vec<usize> {
    let index: BTreeMap<&UnitKey, usize> = actual
        .iter()
        .enumerate()
        .map(|(i, u)| (&u.key, i))
        .collect();
    let mut needed_by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, u) in actual.iter().enumerate() {
        for d in &u.deps {
            if let Some(&j) = index.get(d) {
                needed_by.entry(j).or_default().push(i);
            }
        }
    }
    let mut found = BTreeSet::new();
    let mut queue: Vec<usize> = users.to_vec();
    while let Some(i) = queue.pop() {
        if !rebuildable(&actual[i].key) || !found.insert(i) {
            continue;
        }
        queue.extend(needed_by.get(&i).into_iter().flatten());
    }
    found.into_iter().collect()
}
