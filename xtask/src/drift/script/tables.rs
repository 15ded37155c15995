//! Tables (missing ones come whole from sync's units): row level security
//! switched, a foreign table's options set, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::{Object, Source};
use crate::schema::catalog::{Relation, ReplicaIdentity};

use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// A table setting that differs; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    have: &Object,
) -> bool {
    if let (Aspect::Options, Some(foreign)) = (difference.aspect, &relation.foreign) {
        foreign_options(writer, difference, relation, &foreign.options);
        return true;
    }
    if difference.aspect == Aspect::OwnerPrivileges {
        owner_privileges(writer, difference, relation);
        return true;
    }
    if difference.aspect == Aspect::ReplicaIdentity {
        replica_identity(writer, difference, relation);
        return true;
    }
    if difference.aspect == Aspect::PartitionOf {
        return partition_of(writer, difference, relation, have);
    }
    let verb = match difference.aspect {
        Aspect::RowLevelSecurity if relation.row_security => "ENABLE",
        Aspect::RowLevelSecurity => "DISABLE",
        Aspect::ForcedRowLevelSecurity if relation.force_row_security => "FORCE",
        Aspect::ForcedRowLevelSecurity => "NO FORCE",
        _ => return false,
    };
    let qn = writer.quoter.qualified(&relation.schema, &relation.name);
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\nALTER TABLE {qn} {verb} ROW LEVEL SECURITY;\n",
            difference.id
        ),
    );
    true
}

/// A partition detached from the parent it has (before anything is
/// created) and attached to the expected one with the expected bounds
/// (after the columns and constraints), unless it is so already.
fn partition_of(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    have: &Object,
) -> bool {
    let qn = writer.quoter.qualified(&relation.schema, &relation.name);
    let want = relation.partition_of.as_ref().and_then(|(_, bound)| {
        let text = difference.expected.as_deref()?;
        Some((text.strip_suffix(&format!(" {bound}"))?, bound.as_str()))
    });
    let is_expected = match want {
        Some((parent, bound)) => format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhrelid = {}::regclass AND i.inhparent = {}::regclass AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = {})",
            literal(&qn),
            literal(parent),
            literal(bound)
        ),
        None => format!(
            "NOT (SELECT relispartition FROM pg_catalog.pg_class WHERE oid = {}::regclass)",
            literal(&qn)
        ),
    };
    let id = &difference.id;
    if let Some(had) = have.aspect(Aspect::PartitionOf) {
        let parent = match &have.source {
            Source::Relation(r) => r
                .partition_of
                .as_ref()
                .and_then(|(_, bound)| had.strip_suffix(&format!(" {bound}"))),
            _ => None,
        };
        let Some(parent) = parent else {
            return false;
        };
        let detach = format!(
            "IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = {}::regclass AND inhparent = {}::regclass) THEN\n    \
             ALTER TABLE {parent} DETACH PARTITION {qn};\nEND IF;",
            literal(&qn),
            literal(parent)
        );
        let sql = format!(
            "-- {id}\n-- RISK: queries of {parent} no longer see the rows of {qn}.\n{}",
            unless(&is_expected, &detach)
        );
        writer.push(Section::Prepare, sql);
    }
    if let Some((parent, bound)) = want {
        let attach = format!("ALTER TABLE {parent} ATTACH PARTITION {qn} {bound};");
        let sql = format!(
            "-- {id}\n-- RISK: scans {qn} to check its rows fit the bounds (under a SHARE UPDATE EXCLUSIVE lock on\n\
             -- {parent}, ACCESS EXCLUSIVE on {qn}); a row outside them makes it fail.\n{}",
            unless(&is_expected, &attach)
        );
        writer.push(Section::TableSettings, sql);
    }
    true
}

/// The owner's own privileges made the expected ones (all of them, or what
/// it keeps): granted and revoked to whoever owns the table where it runs.
fn owner_privileges(writer: &mut Writer, difference: &Difference, relation: &Relation) {
    let qn = writer.quoter.qualified(&relation.schema, &relation.name);
    // A format string: the table's name with its `%` doubled.
    let table = qn.replace('%', "%%");
    let statements = match &relation.owner_privileges {
        None => format!("GRANT ALL ON TABLE {table} TO %I"),
        Some(kept) if kept.is_empty() => format!("REVOKE ALL ON TABLE {table} FROM %I"),
        Some(kept) => format!(
            "REVOKE ALL ON TABLE {table} FROM %1$I; GRANT {} ON TABLE {table} TO %1$I",
            kept.join(", ")
        ),
    };
    let sql = format!(
        "DO $do$ BEGIN EXECUTE pg_catalog.format({}, (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = {}::regclass)); END $do$;\n",
        literal(&statements),
        literal(&qn)
    );
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\n-- RISK: the owner gains or loses these privileges on its own table.\n{sql}",
            difference.id
        ),
    );
}

/// `REPLICA IDENTITY` as the expected side has it (after the indexes).
fn replica_identity(writer: &mut Writer, difference: &Difference, relation: &Relation) {
    let qn = writer.quoter.qualified(&relation.schema, &relation.name);
    let what = match relation.replica_identity {
        ReplicaIdentity::Default => "DEFAULT".to_string(),
        ReplicaIdentity::Full => "FULL".to_string(),
        ReplicaIdentity::Nothing => "NOTHING".to_string(),
        ReplicaIdentity::Index => match relation.indexes.iter().find(|i| i.replica_identity) {
            Some(i) => format!("USING INDEX {}", writer.quoter.ident(&i.name)),
            None => "DEFAULT".to_string(),
        },
    };
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\nALTER TABLE {qn} REPLICA IDENTITY {what};\n",
            difference.id
        ),
    );
}

/// A foreign table's options: the current ones dropped, the expected
/// ones added, unless they are the expected ones already.
fn foreign_options(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    options: &[String],
) {
    let qn = writer.quoter.qualified(&relation.schema, &relation.name);
    let current = format!(
        "(SELECT pg_catalog.array_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value) ORDER BY o.ord) FROM pg_catalog.pg_foreign_table ft, pg_catalog.pg_options_to_table(ft.ftoptions) WITH ORDINALITY o(option_name, option_value, ord) WHERE ft.ftrelid = {}::regclass)",
        literal(&qn)
    );
    let expected = if options.is_empty() {
        "NULL".to_string()
    } else {
        format!(
            "ARRAY[{}]",
            options
                .iter()
                .map(|o| literal(o))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut then = format!(
        "DECLARE\n    o record;\nBEGIN\n    FOR o IN SELECT option_name FROM pg_catalog.pg_foreign_table ft, pg_catalog.pg_options_to_table(ft.ftoptions) WHERE ft.ftrelid = {}::regclass LOOP\n        EXECUTE pg_catalog.format('ALTER FOREIGN TABLE %s OPTIONS (DROP %I)', {}, o.option_name);\n    END LOOP;\n",
        literal(&qn),
        literal(&qn)
    );
    if !options.is_empty() {
        then += &format!(
            "    ALTER FOREIGN TABLE {qn} OPTIONS ({});\n",
            options.join(", ")
        );
    }
    then += "END;";
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\n{}",
            difference.id,
            unless(
                &format!("{current} IS NOT DISTINCT FROM {expected}::text[]"),
                &then
            )
        ),
    );
}

pub(super) fn drop(qn: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP TABLE IF EXISTS {qn};"),
        "deletes the table and every row in it",
    )
}

pub(super) fn drop_foreign(qn: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP FOREIGN TABLE IF EXISTS {qn};"),
        "queries of the foreign table fail (the remote rows stay)",
    )
}
