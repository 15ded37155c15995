//! What each tool found, as objects in one canonical form (see the
//! module above): drift's differences mapped, and what a table or a
//! constraint stands for folded into it.

use std::collections::{BTreeMap, BTreeSet};

use crate::drift::{Difference, Kind};

/// An object one tool reported, with the table it belongs to when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedObject {
    /// The canonical name.
    pub object: String,
    /// `schema.table` for columns, constraints, triggers, and indexes whose
    /// table is known.
    pub table: Option<String>,
    /// migra's `alter column ... using "c"::text::"s"."e"`: the column is
    /// re-typed only because migra re-creates the enum it uses.
    pub enum_rewrite: bool,
}

impl ReportedObject {
    pub(super) fn new(object: String, table: Option<String>) -> ReportedObject {
        let table = table.or_else(|| {
            let (class, name) = object.split_once(' ')?;
            matches!(class, "column" | "constraint" | "trigger")
                .then(|| name.rsplit_once('.').map(|(t, _)| t.to_string()))
                .flatten()
        });
        ReportedObject {
            object,
            table,
            enum_rewrite: false,
        }
    }
}

/// The canonical object of a drift difference: its kind folded into the
/// classes above, its name unquoted.
pub fn difference_object(d: &Difference) -> ReportedObject {
    let name: String = d.id.name.chars().filter(|c| *c != '"').collect();
    let class = match d.kind() {
        Kind::Constraint => "constraint",
        Kind::Index => "index",
        Kind::Column => "column",
        Kind::Trigger => "trigger",
        Kind::View | Kind::MaterializedView => "view",
        Kind::Function | Kind::Procedure => "function",
        Kind::Type => "type",
        Kind::Sequence => "sequence",
        Kind::Table | Kind::ForeignTable => "table",
        Kind::Schema
        | Kind::Extension
        | Kind::Policy
        | Kind::Aggregate
        | Kind::Collation
        | Kind::DefaultPrivileges
        | Kind::EventTrigger
        | Kind::ForeignDataWrapper
        | Kind::ForeignServer
        | Kind::Subscription
        | Kind::UserMapping
        | Kind::Rule
        | Kind::Statistics
        | Kind::Cast
        | Kind::Operator
        | Kind::OperatorClass
        | Kind::OperatorFamily
        | Kind::TextSearchConfiguration
        | Kind::TextSearchDictionary
        | Kind::Publication => {
            return ReportedObject::new(format!("{} {name}", d.kind()), d.table.clone())
        }
    };
    let mut table = d.table.clone();
    let name = match class {
        // Arguments and anything after the name go.
        "function" => name.split('(').next().unwrap_or("").trim().to_string(),
        // `schema.table.index` -> `schema.index`.
        "index" => {
            let parts: Vec<&str> = name.split('.').collect();
            if parts.len() == 3 {
                table = table.or_else(|| Some(format!("{}.{}", parts[0], parts[1])));
                format!("{}.{}", parts[0], parts[2])
            } else {
                name
            }
        }
        _ => name,
    };
    ReportedObject::new(format!("{class} {name}"), table)
}

/// What one tool found, as objects: sub-objects of a table the tool found
/// missing or extra folded into that table, and an index with the name of
/// a constraint (its backing index: migra writes both) into the
/// constraint.
#[derive(Debug, Default)]
pub struct Found {
    /// Object -> whether it is only there as migra's enum re-creation.
    pub objects: BTreeMap<String, bool>,
    pub folded: usize,
}

pub fn fold(reported: &[ReportedObject]) -> Found {
    let tables: BTreeSet<&str> = reported
        .iter()
        .filter_map(|o| o.object.strip_prefix("table "))
        .collect();
    let constraints: BTreeSet<(String, String)> = reported
        .iter()
        .filter_map(|o| o.object.strip_prefix("constraint "))
        .filter_map(|n| {
            let (schema, rest) = n.split_once('.')?;
            let name = rest.rsplit_once('.').map_or(rest, |(_, c)| c);
            Some((schema.to_string(), name.to_string()))
        })
        .collect();
    let mut found = Found::default();
    for o in reported {
        let backing = o
            .object
            .strip_prefix("index ")
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(s, n)| constraints.contains(&(s.to_string(), n.to_string())));
        let in_table = !o.object.starts_with("table ")
            && o.table.as_deref().is_some_and(|t| tables.contains(t));
        if backing || in_table {
            found.folded += 1;
            continue;
        }
        *found.objects.entry(o.object.clone()).or_insert(false) |= o.enum_rewrite;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_ids_fold_into_objects() {
        let object = |kind: Kind, name: &str| {
            let d = Difference {
                id: crate::drift::ObjectId::new(kind, name),
                table: None,
                change: crate::drift::Change::Missing,
                aspect: crate::drift::Aspect::Exists,
                severity: crate::drift::Severity::Error,
                expected: None,
                actual: None,
                noise: None,
            };
            difference_object(&d).object
        };
        assert_eq!(object(Kind::Index, "s.t.i"), "index s.i");
        assert_eq!(object(Kind::Constraint, "s.t.t_fk"), "constraint s.t.t_fk");
        assert_eq!(object(Kind::Function, "s.f(integer)"), "function s.f");
        assert_eq!(object(Kind::Type, "s.e"), "type s.e");
        assert_eq!(object(Kind::MaterializedView, "s.\"V\""), "view s.V");
        assert_eq!(object(Kind::Policy, "s.t.p"), "policy s.t.p");
    }
}
