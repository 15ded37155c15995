//! Views and materialized views: replaced when their definition differs
//! (rebuilt whole with drops allowed), dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::{Object, Source};
use crate::schema::catalog::{RelKind, Relation};
use crate::schema::render::view_options;
use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// A view whose definition differs; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    have: &Object,
) -> bool {
    if difference.aspect == Aspect::Options {
        return options(writer, difference, relation, have);
    }
    if difference.aspect != Aspect::Definition {
        return false;
    }
    let definition = relation.view_definition.as_deref().unwrap_or_default();
    let sql = if writer.allow_drop {
        let Some(unit) = writer.expected_units.get(&difference.id) else {
            return false;
        };
        rebuild(difference, relation, definition, unit)
    } else if relation.kind == RelKind::View {
        let (options, check) = view_options(&relation.options);
        format!(
            "-- {}\n-- RISK: fails when the new definition drops or retypes a column the old one had (then drop the view first).\n\
             CREATE OR REPLACE VIEW {}{options} AS\n{}{check};\n",
            difference.id,
            difference.id.name,
            definition.trim_end().trim_end_matches(';')
        )
    } else {
        return false;
    };
    writer.push(Section::Later, sql);
    true
}

/// A view's options (`security_barrier`, `security_invoker`,
/// `check_option`) reset where only the actual side has them, then set.
fn options(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    have: &Object,
) -> bool {
    let Source::Relation(had) = have.source else {
        return false;
    };
    let keyword = relation.kind.keyword();
    let key = |o: &str| o.split_once('=').map_or(o, |(k, _)| k).to_string();
    let wanted: Vec<String> = relation.options.iter().map(|o| key(o)).collect();
    let reset: Vec<String> = had
        .options
        .iter()
        .map(|o| key(o))
        .filter(|k| !wanted.contains(k))
        .collect();
    let name = &difference.id.name;
    let mut sql = format!("-- {}\n", difference.id);
    if !reset.is_empty() {
        sql += &format!("ALTER {keyword} {name} RESET ({});\n", reset.join(", "));
    }
    if !relation.options.is_empty() {
        sql += &format!(
            "ALTER {keyword} {name} SET ({});\n",
            relation.options.join(", ")
        );
    }
    writer.push(Section::Later, sql);
    true
}

/// The view dropped unless its definition is the expected one, then
/// created by sync's unit (`unit`).
fn rebuild(difference: &Difference, relation: &Relation, definition: &str, unit: &str) -> String {
    let keyword = relation.kind.keyword();
    let name = &difference.id.name;
    let done = format!(
        "pg_catalog.pg_get_viewdef({}::regclass) = {}",
        literal(name),
        literal(definition)
    );
    format!(
        "-- {}\n-- RISK: drops and re-creates the {}: a view that uses it makes this fail (nothing changes then).\n{}{unit}",
        difference.id,
        keyword.to_lowercase(),
        unless(&done, &format!("DROP {keyword} {name};"))
    )
}

pub(super) fn drop(qn: &str, relation: &Relation) -> DropStatement {
    if relation.kind == RelKind::MaterializedView {
        DropStatement::new(
            format!("DROP MATERIALIZED VIEW IF EXISTS {qn};"),
            "deletes the view's stored rows; queries that use it fail",
        )
    } else {
        DropStatement::new(
            format!("DROP VIEW IF EXISTS {qn};"),
            "queries that use the view fail",
        )
    }
}
