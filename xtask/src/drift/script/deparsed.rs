//! Kinds held as their statements (collations, aggregates, default
//! privileges, event triggers, foreign-data wrappers, servers, user
//! mappings, rules, publications, subscriptions, statistics objects, text
//! search dictionaries and configurations, operators, operator families and
//! classes, casts; missing ones come from sync's units): a changed one is
//! made the expected one (how depends on its kind, see
//! [`DeparsedKind::change`]) only while the live catalogs still deparse it
//! to something else; dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{current_definition, Deparsed, DeparsedChange, DeparsedKind};
use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// An object whose definition differs; whether the script changes it.
pub(super) fn alter(writer: &mut Writer, difference: &Difference, want: &Deparsed) -> bool {
    if difference.aspect != Aspect::Definition {
        return false;
    }
    let change = want.kind.change();
    let (then, risk) = match change {
        DeparsedChange::Replace => (
            format!("{}\n{}", want.create, line(&want.alter)),
            "replaces it; what uses it sees the new definition at once",
        ),
        DeparsedChange::ResetOptions {
            catalog,
            options,
            name,
            keyword,
        } => (
            format!(
                "DECLARE\n    o record;\nBEGIN\n    FOR o IN SELECT option_name FROM pg_catalog.pg_options_to_table((SELECT {options} FROM pg_catalog.{catalog} WHERE {name} = {})) LOOP\n        EXECUTE pg_catalog.format('ALTER {keyword} %s OPTIONS (DROP %I)', {}, o.option_name);\n    END LOOP;\n    {}\nEND;\n",
                literal(&want.name),
                literal(&want.qualified),
                want.alter
            ),
            "its options are cleared and set again: what uses it may fail in between",
        ),
        DeparsedChange::Alter => (
            line(&want.alter),
            "what uses it sees the new definition at once; indexes and stored columns built with the old one are not rebuilt",
        ),
        DeparsedChange::Recreate if want.kind.drop_is_harmless() || writer.allow_drop => (
            format!("{}\n{}\n", want.drop, want.create),
            risk(want.kind),
        ),
        DeparsedChange::Recreate | DeparsedChange::Left => return false,
    };
    let mut then = then;
    if !want.after.is_empty() {
        then += &format!("{}\n", want.after);
    }
    // A drop took the comment with it.
    if let (DeparsedChange::Recreate, Some(target), Some(text)) =
        (change, &want.comment_target, &want.comment)
    {
        then += &format!("COMMENT ON {target} IS {};\n", literal(text));
    }
    let current = current_definition(
        want.kind,
        writer.actual.server_version_num,
        &literal(&want.qualified),
    );
    let sql = format!(
        "-- {}\n-- RISK: {risk}.\n{}",
        difference.id,
        unless(
            &format!(
                "{current} IS NOT DISTINCT FROM {}",
                literal(&want.definition())
            ),
            then.trim_end()
        )
    );
    writer.push(Section::Later, sql);
    true
}

/// `sql` as a line of its own, or nothing.
fn line(sql: &str) -> String {
    if sql.is_empty() {
        String::new()
    } else {
        format!("{sql}\n")
    }
}

/// Default privileges in a schema go with the schema: dropping them is
/// skipped once it is gone (a second run, after the schema's own drop).
pub(super) fn drop(have: &Deparsed) -> DropStatement {
    let sql = if have.kind == DeparsedKind::DefaultPrivileges && !have.schema.is_empty() {
        unless(
            &format!(
                "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {})",
                literal(&have.schema)
            ),
            &have.drop,
        )
        .trim_end()
        .to_string()
    } else {
        have.drop.clone()
    };
    DropStatement::new(sql, risk(have.kind))
}

/// What dropping (or dropping and creating again) an object of `kind` risks.
fn risk(kind: DeparsedKind) -> &'static str {
    match kind {
        DeparsedKind::Collation => "fails while a column, index or type uses the collation",
        DeparsedKind::Aggregate => "queries and views using the aggregate fail",
        DeparsedKind::DefaultPrivileges => {
            "objects created later get other grants (existing ones keep theirs)"
        }
        DeparsedKind::EventTrigger => "what the event trigger did stops happening",
        DeparsedKind::ForeignDataWrapper => "fails while a server uses the wrapper",
        DeparsedKind::ForeignServer => {
            "fails while a foreign table or user mapping uses the server"
        }
        DeparsedKind::UserMapping => "the role loses its credentials on the server",
        DeparsedKind::Rule => "what the rule rewrote runs as written again",
        DeparsedKind::Publication => {
            "subscribers of the publication stop receiving changes until it is back"
        }
        DeparsedKind::Subscription => {
            "replication stops; created again it is disabled and has no slot: enable it and set its slot by hand"
        }
        DeparsedKind::Statistics => "the planner lacks these statistics until the next ANALYZE",
        DeparsedKind::Operator => "fails while an operator class, index, view or constraint uses it",
        DeparsedKind::OperatorFamily | DeparsedKind::OperatorClass => "fails while an index uses it",
        DeparsedKind::Cast => "fails while a view, default or routine uses the cast; queries relying on it fail",
        DeparsedKind::TextSearchDictionary => {
            "fails while a text search configuration uses the dictionary"
        }
        DeparsedKind::TextSearchConfiguration => {
            "fails while a column, index or function uses the configuration"
        }
    }
}
