//! Tables (missing ones come whole from sync's units): row level security
//! switched, a foreign table's options set, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::Relation;

use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// A table setting that differs; whether the script changes it.
pub(super) fn alter(writer: &mut Writer, difference: &Difference, relation: &Relation) -> bool {
    if let (Aspect::Options, Some(foreign)) = (difference.aspect, &relation.foreign) {
        foreign_options(writer, difference, relation, &foreign.options);
        return true;
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
