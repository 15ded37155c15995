//! Two models compared object by object: what the actual side lacks
//! (missing), has alone (extra), or has with an aspect changed.

use std::collections::BTreeSet;

use crate::outcome::Severity;

use super::kind::{Aspect, Kind, ObjectId};
use super::model::{Model, Object};
use super::noise::{rename_leftover, Renames};
use super::severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// The expected side has it, the actual side does not.
    Missing,
    /// Only the actual side has it.
    Extra,
    /// Both have it; `aspect` differs.
    Changed,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Missing => "missing",
            Change::Extra => "extra",
            Change::Changed => "changed",
        }
    }
}

/// One way the actual side differs from the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Stable id: `kind qualified.name`, e.g. `column service_ops.packet.status`.
    pub id: ObjectId,
    /// The table (or view) the object belongs to, for grouping.
    pub table: Option<String>,
    pub change: Change,
    /// What differs (`type`, `not null`, `default`, `values` ...);
    /// [`Aspect::Exists`] for missing and extra.
    pub aspect: Aspect,
    pub severity: Severity,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Why this is noise, when it is.
    pub noise: Option<String>,
}

impl Difference {
    pub fn kind(&self) -> Kind {
        self.id.kind
    }

    /// `missing`, `extra`, or `type changed`: what the report says.
    pub fn what(&self) -> String {
        match self.change {
            Change::Changed => format!("{} changed", self.aspect),
            c => c.label().to_string(),
        }
    }

    /// What matches the same difference between other sides.
    pub fn key(&self) -> (ObjectId, Aspect) {
        (self.id.clone(), self.aspect)
    }
}

/// The relations one side has and the other lacks, by name: each is one
/// difference, its columns, constraints, indexes, triggers and policies
/// go with it.
struct WholeRelations {
    /// The actual side lacks them.
    missing: BTreeSet<String>,
    /// Only the actual side has them.
    extra: BTreeSet<String>,
}

impl WholeRelations {
    fn new(expected: &Model, actual: &Model) -> WholeRelations {
        let lacked = |model: &Model, other: &Model| -> BTreeSet<String> {
            model
                .objects
                .values()
                .filter(|o| o.kind().is_relation() && !other.objects.contains_key(&o.id))
                .map(|o| o.name().to_string())
                .collect()
        };
        WholeRelations {
            missing: lacked(expected, actual),
            extra: lacked(actual, expected),
        }
    }

    /// A part of a relation in `relations`.
    fn part_of(o: &Object, relations: &BTreeSet<String>) -> bool {
        !o.kind().is_relation() && o.table.as_ref().is_some_and(|t| relations.contains(t))
    }

    fn goes_with_missing(&self, o: &Object) -> bool {
        Self::part_of(o, &self.missing)
    }

    fn goes_with_extra(&self, o: &Object) -> bool {
        Self::part_of(o, &self.extra)
    }
}

/// What differs from `expected` in `actual`, in id order, the aspects of
/// each object in their order.
pub(crate) fn diff(expected: &Model, actual: &Model) -> Vec<Difference> {
    let whole = WholeRelations::new(expected, actual);
    let missing: Vec<&ObjectId> = expected
        .objects
        .values()
        .filter(|o| !actual.objects.contains_key(&o.id) && !whole.goes_with_missing(o))
        .map(|o| &o.id)
        .collect();
    let extra: Vec<&ObjectId> = actual
        .objects
        .values()
        .filter(|o| !expected.objects.contains_key(&o.id) && !whole.goes_with_extra(o))
        .map(|o| &o.id)
        .collect();
    let renames = Renames::find(expected, actual, &missing, &extra);

    let mut out = Vec::new();
    let ids: BTreeSet<&ObjectId> = expected
        .objects
        .keys()
        .chain(actual.objects.keys())
        .collect();
    for id in ids {
        match (expected.objects.get(id), actual.objects.get(id)) {
            (Some(want), None) if !whole.goes_with_missing(want) => {
                out.push(match renames.renamed_to(id) {
                    Some(new) => renamed(want, &actual.objects[new]),
                    None => lacked(want),
                });
            }
            (None, Some(have)) if !whole.goes_with_extra(have) && !renames.is_new_name(id) => {
                out.push(only_actual(have));
            }
            (Some(want), Some(have)) => out.extend(changed(want, have, &renames)),
            _ => {}
        }
    }
    out
}

/// The same object under another name in the actual side: noise.
fn renamed(want: &Object, have: &Object) -> Difference {
    Difference {
        id: want.id.clone(),
        table: want.table.clone(),
        change: Change::Changed,
        aspect: Aspect::Name,
        severity: Severity::Info,
        expected: Some(want.name().to_string()),
        actual: Some(have.name().to_string()),
        noise: Some(rename_leftover(want.kind(), have.name())),
    }
}

fn lacked(want: &Object) -> Difference {
    Difference {
        id: want.id.clone(),
        table: want.table.clone(),
        change: Change::Missing,
        aspect: Aspect::Exists,
        severity: severity::of_missing(want),
        expected: Some(summary(want)),
        actual: None,
        noise: None,
    }
}

fn only_actual(have: &Object) -> Difference {
    Difference {
        id: have.id.clone(),
        table: have.table.clone(),
        change: Change::Extra,
        aspect: Aspect::Exists,
        severity: severity::of_extra(have),
        expected: None,
        actual: Some(summary(have)),
        noise: None,
    }
}

/// Each aspect that differs between the two sides' versions of an object.
fn changed(want: &Object, have: &Object, renames: &Renames) -> Vec<Difference> {
    let aspects: BTreeSet<Aspect> = want
        .aspects
        .keys()
        .chain(have.aspects.keys())
        .copied()
        .collect();
    let mut out = Vec::new();
    for aspect in aspects {
        let (expected, actual) = (want.aspect(aspect), have.aspect(aspect));
        if expected == actual {
            continue;
        }
        let noise = match (expected, actual) {
            (Some(x), Some(y)) => renames.noise(aspect, x, y),
            _ => None,
        };
        let severity = match noise {
            Some(_) => Severity::Info,
            None => severity::of_changed(aspect, want, have),
        };
        out.push(Difference {
            id: want.id.clone(),
            table: want.table.clone(),
            change: Change::Changed,
            aspect,
            severity,
            expected: expected.map(str::to_string),
            actual: actual.map(str::to_string),
            noise,
        });
    }
    out
}

/// One-line description of an object, for missing / extra.
fn summary(o: &Object) -> String {
    let get = |aspect| o.aspect(aspect).unwrap_or_default();
    match o.kind() {
        Kind::Column => {
            let mut s = get(Aspect::Type).to_string();
            if o.aspect(Aspect::Nullability) == Some("NOT NULL") {
                s += " NOT NULL";
            }
            if let Some(d) = o.aspect(Aspect::Default) {
                s += &format!(" DEFAULT {d}");
            }
            s
        }
        Kind::Constraint => format!("{} {}", get(Aspect::Type), get(Aspect::Definition)),
        Kind::Index | Kind::Trigger => get(Aspect::Definition).to_string(),
        Kind::Type => match o.aspect(Aspect::Values) {
            Some(v) => format!("enum ({v})"),
            None => get(Aspect::TypeKind).to_string(),
        },
        k => k.label().to_string(),
    }
}
