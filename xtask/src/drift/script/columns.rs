//! Columns: added where missing (NOT NULL afterwards when nothing fills
//! the existing rows), their type, default, nullability, generation and
//! identity options changed, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::drift::model::{Object, Source};
use crate::schema::catalog::{Column, GeneratedKind, RelKind, Relation};
use crate::schema::render::{
    add_not_valid_not_null, column_sql, column_sql_nullable, do_block, identity_sql,
};
use crate::sql::quote::{literal, Quoter};

use super::writer::{unless, DropStatement, Section, Writer};

/// `ADD COLUMN IF NOT EXISTS`, with its comment.
pub(super) fn add(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    column: &Column,
) {
    let quoter = &writer.quoter;
    let qn = quoter.qualified(&relation.schema, &relation.name);
    let definition = column_sql(quoter, relation, column);
    let rewrites = column.identity.is_some()
        || column.generated.is_some()
        || column
            .default
            .as_deref()
            .is_some_and(|default| default.contains('(') && default != "now()");
    let filled =
        column.default.is_some() || column.identity.is_some() || column.generated.is_some();
    // Without a value to fill existing rows with, NOT NULL comes after,
    // guarded; a NOT VALID one (18) comes after in any case.
    let later_not_null = column.not_null && !filled && !column.not_null_not_valid();
    let definition = if later_not_null {
        column_sql_nullable(quoter, relation, column)
    } else {
        definition
    };
    let risk = if rewrites {
        "-- RISK: an identity, a generated expression or a volatile default fills every existing row:\n\
         -- the table is rewritten under an ACCESS EXCLUSIVE lock (reads and writes wait).\n"
    } else {
        ""
    };
    let mut sql = format!(
        "-- {}\n{risk}ALTER TABLE {qn} ADD COLUMN IF NOT EXISTS {definition};\n",
        difference.id
    );
    if let Some(text) = &column.comment {
        sql += &format!(
            "COMMENT ON COLUMN {qn}.{} IS {};\n",
            quoter.ident(&column.name),
            literal(text)
        );
    }
    if later_not_null {
        let statement = not_null_statement(quoter, &qn, relation, column);
        sql += &set_not_null(quoter, &qn, &column.name, &statement);
    }
    sql += &add_not_valid_not_null(quoter, &qn, column);
    writer.push(Section::Columns, sql);
}

/// An aspect of a column both sides have; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    (relation, column): (&Relation, &Column),
    want: &Object,
    have: &Object,
) -> bool {
    let sql = match difference.aspect {
        Aspect::Type => retype(&writer.quoter, difference, relation, column, have),
        // A type change sets the default with the new type; an identity
        // added drops it.
        Aspect::Default if have.aspect(Aspect::Type) != want.aspect(Aspect::Type) => return true,
        Aspect::Default if column.identity.is_some() => return true,
        Aspect::Identity => return identity(writer, difference, (relation, column), have),
        // A column that stops being generated gets its default with that
        // (a generated column refuses SET DEFAULT).
        Aspect::Default
            if column.generated.is_none() && have.aspect(Aspect::Generated).is_some() =>
        {
            return regenerate(writer, difference, (relation, column), have).is_some();
        }
        Aspect::Default => {
            let (qn, col) = names(&writer.quoter, relation, column);
            let sql = match &column.default {
                Some(default) => {
                    format!("ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {default};")
                }
                None => format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;"),
            };
            format!("-- {}\n{sql}\n", difference.id)
        }
        Aspect::Nullability => {
            let had = match have.source {
                Source::Column(_, had) => Some(had),
                _ => None,
            };
            let sql = nullability(&writer.quoter, relation, column, had);
            // Only an inherited constraint's name differs: the parent's.
            if sql.is_empty() {
                return false;
            }
            // After the drops: a primary key dropped there holds it.
            if !column.not_null {
                writer.push(Section::Relaxed, format!("-- {}\n{sql}", difference.id));
                return true;
            }
            format!("-- {}\n{sql}", difference.id)
        }
        // Values written from now on; existing ones stay as they are.
        Aspect::Compression => {
            let (qn, col) = names(&writer.quoter, relation, column);
            let method = column.compression.as_deref().unwrap_or("default");
            format!(
                "-- {}\nALTER TABLE {qn} ALTER COLUMN {col} SET COMPRESSION {method};\n",
                difference.id
            )
        }
        Aspect::Storage => {
            let (qn, col) = names(&writer.quoter, relation, column);
            let keyword = relation.kind.keyword();
            let sql = match &column.storage {
                Some(storage) => format!("ALTER {keyword} {qn} ALTER COLUMN {col} SET STORAGE {storage};\n"),
                // The type's own, as the server where it runs has it.
                None => do_block(&format!(
                    "BEGIN\n    EXECUTE pg_catalog.format('ALTER {keyword} %s ALTER COLUMN %I SET STORAGE %s', {}, {},\n        \
                     (SELECT CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END\n           \
                     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid\n          \
                     WHERE a.attrelid = {}::regclass AND a.attname = {}));\nEND\n",
                    literal(&qn),
                    literal(&column.name),
                    literal(&qn),
                    literal(&column.name)
                )),
            };
            format!("-- {}\n{sql}", difference.id)
        }
        Aspect::Statistics => {
            let (qn, col) = names(&writer.quoter, relation, column);
            format!(
                "-- {}\nALTER {} {qn} ALTER COLUMN {col} SET STATISTICS {};\n",
                difference.id,
                relation.kind.keyword(),
                column.statistics.unwrap_or(-1)
            )
        }
        Aspect::Generated => match regenerate(writer, difference, (relation, column), have) {
            Some(sql) => sql,
            None => return false,
        },
        Aspect::IdentityOptions => {
            let Some(sequence) = &column.identity_sequence else {
                return false;
            };
            let (qn, col) = names(&writer.quoter, relation, column);
            let current = format!(
                "pg_catalog.pg_get_serial_sequence({}, {})",
                literal(&qn),
                literal(&column.name)
            );
            let alter = format!("ALTER TABLE {qn} ALTER COLUMN {col}");
            format!(
                "-- {}
{}",
                difference.id,
                sequence_bounds(&current, &alter, " SET", &sequence.options)
            )
        }
        _ => return false,
    };
    writer.push(Section::Columns, sql);
    true
}

/// Identity added (the column's default dropped and NOT NULL set first, the
/// sequence moved past the values the column holds), dropped (before the
/// columns' section: a serial default may take the sequence's name), or
/// switched between ALWAYS and BY DEFAULT. Whether the script fixes it.
fn identity(
    writer: &mut Writer,
    difference: &Difference,
    (relation, column): (&Relation, &Column),
    have: &Object,
) -> bool {
    let quoter = &writer.quoter;
    let (qn, col) = names(quoter, relation, column);
    let is = |code: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = {}::regclass AND a.attname = {} AND NOT a.attisdropped AND a.attidentity = '{code}')",
            literal(&qn),
            literal(&column.name)
        )
    };
    let id = &difference.id;
    let Some(want) = column.identity else {
        let sql = format!(
            "-- {id}
-- RISK: the identity's sequence goes with it: inserts that leave the column out need a value.
             ALTER TABLE {qn} ALTER COLUMN {col} DROP IDENTITY IF EXISTS;
"
        );
        writer.push(Section::Prepare, sql);
        return true;
    };
    let code = want.code().to_string();
    let then = if have.aspect(Aspect::Identity).is_some() {
        format!(
            "ALTER TABLE {qn} ALTER COLUMN {col} SET GENERATED {};",
            want.sql()
        )
    } else {
        let Some(clause) = identity_sql(quoter, relation, column) else {
            return false;
        };
        format!(
            "ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;
             ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;
             ALTER TABLE {qn} ALTER COLUMN {col} ADD {clause};
             PERFORM pg_catalog.setval(pg_catalog.pg_get_serial_sequence({}, {}), m) FROM (SELECT max({col}) AS m FROM {qn}) s WHERE m IS NOT NULL;",
            literal(&qn),
            literal(&column.name)
        )
    };
    let sql = format!(
        "-- {id}
{}",
        unless(&is(&code), &then)
    );
    writer.push(Section::Columns, sql);
    true
}

/// `{alter}{set} MINVALUE ...` with the sequence's options, as a DO block;
/// see [`with_restart`].
pub(super) fn sequence_bounds(
    sequence: &str,
    alter: &str,
    set: &str,
    o: &crate::schema::catalog::SequenceOptions,
) -> String {
    let options = format!(
        "{set} INCREMENT BY {}{set} MINVALUE {}{set} MAXVALUE {}{set} START WITH {}{set} CACHE {}{set} {}",
        o.increment,
        o.min,
        o.max,
        o.start,
        o.cache,
        if o.cycle { "CYCLE" } else { "NO CYCLE" }
    );
    do_block(&format!(
        "BEGIN\n{}END\n",
        with_restart(sequence, &format!("{alter}{options}"), o)
    ))
}

/// `alter` (which sets a sequence's bounds), with `RESTART WITH` the start
/// when the value the sequence stands at (`sequence` is an expression
/// naming it) lies outside the new bounds, which PostgreSQL refuses
/// otherwise: PL/pgSQL for a DO block.
fn with_restart(
    sequence: &str,
    alter: &str,
    o: &crate::schema::catalog::SequenceOptions,
) -> String {
    let at = format!(
        "coalesce(pg_catalog.pg_sequence_last_value({sequence}::regclass), (SELECT s.seqstart FROM pg_catalog.pg_sequence s WHERE s.seqrelid = {sequence}::regclass))"
    );
    format!(
        "IF {at} NOT BETWEEN {min} AND {max} THEN\n    {alter} RESTART WITH {start};\nELSE\n    {alter};\nEND IF;\n",
        min = o.min,
        max = o.max,
        start = o.start
    )
}

/// The table's and the column's names as SQL writes them.
fn names(quoter: &Quoter, relation: &Relation, column: &Column) -> (String, String) {
    (
        quoter.qualified(&relation.schema, &relation.name),
        quoter.ident(&column.name),
    )
}

/// `ALTER COLUMN ... TYPE`, unless the column has the type already; its
/// default dropped before and set again after.
fn retype(
    quoter: &Quoter,
    difference: &Difference,
    relation: &Relation,
    column: &Column,
    have: &Object,
) -> String {
    let (qn, col) = names(quoter, relation, column);
    let from = have.aspect(Aspect::Type).unwrap_or_default();
    let using = if from == "timestamp without time zone"
        && column.type_name == "timestamp with time zone"
    {
        format!("{col} AT TIME ZONE 'UTC'")
    } else {
        format!("{col}::{}", column.type_name)
    };
    let mut then = String::new();
    // The identity's bounds first: the sequence takes the column's type,
    // and refuses bounds the type cannot hold.
    if let (Some(sequence), Some(_)) = (&column.identity_sequence, have.aspect(Aspect::Identity)) {
        let o = &sequence.options;
        let current = format!(
            "pg_catalog.pg_get_serial_sequence({}, {})",
            literal(&qn),
            literal(&column.name)
        );
        let alter = format!(
            "ALTER TABLE {qn} ALTER COLUMN {col} SET MINVALUE {} SET MAXVALUE {} SET START WITH {}",
            o.min, o.max, o.start
        );
        then += &with_restart(&current, &alter, o);
    }
    if have.aspect(Aspect::Default).is_some() {
        then += &format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP DEFAULT;\n");
    }
    // A foreign table holds no rows to convert, a generated column's
    // values are computed again: USING is refused there.
    let using_clause = if relation.kind == RelKind::ForeignTable || column.generated.is_some() {
        String::new()
    } else {
        format!(" USING {using}")
    };
    then += &format!(
        "ALTER TABLE {qn} ALTER COLUMN {col} TYPE {}{using_clause};",
        column.type_name
    );
    if let Some(default) = &column.default {
        then += &format!("\nALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {default};");
    }
    let tz_note = if using.contains("AT TIME ZONE") {
        "\n-- The old values are read as UTC: if they were written in another time zone, change 'UTC'."
    } else {
        ""
    };
    let done = type_is(quoter, relation, column);
    format!(
        "-- {}: {from} -> {}\n-- RISK: rewrites {qn} under an ACCESS EXCLUSIVE lock (reads and writes wait) unless the types are\n\
         -- binary-compatible, and fails if a value does not convert.{tz_note}\n{}",
        difference.id,
        column.type_name,
        unless(&done, &then)
    )
}

/// A condition: the column has `column`'s type.
pub(super) fn type_is(quoter: &Quoter, relation: &Relation, column: &Column) -> String {
    let qn = quoter.qualified(&relation.schema, &relation.name);
    format!(
        "(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a WHERE a.attrelid = {}::regclass AND a.attname = {} AND NOT a.attisdropped) IS NOT DISTINCT FROM {}",
        literal(&qn),
        literal(&column.name),
        literal(&column.type_name)
    )
}

/// A generated column made the expected one: a stored expression dropped
/// (the values stay), an expression of the same kind set again (17+), or
/// else the column dropped and added again (drops allowed): PostgreSQL
/// cannot turn a column stored, virtual or generated in place. `None`
/// when the script leaves it.
fn regenerate(
    writer: &Writer,
    difference: &Difference,
    (relation, column): (&Relation, &Column),
    have: &Object,
) -> Option<String> {
    let quoter = &writer.quoter;
    let (qn, col) = names(quoter, relation, column);
    let had = match have.source {
        Source::Column(_, had) => had.generated.as_ref(),
        _ => None,
    };
    let id = &difference.id;
    match (&column.generated, had) {
        (None, Some(had)) if had.kind == GeneratedKind::Stored => {
            let mut sql = format!(
                "-- {id}\nALTER TABLE {qn} ALTER COLUMN {col} DROP EXPRESSION IF EXISTS;\n"
            );
            if let Some(default) = &column.default {
                sql += &format!("ALTER TABLE {qn} ALTER COLUMN {col} SET DEFAULT {default};\n");
            }
            return Some(sql);
        }
        (Some(want), Some(had))
            if want.kind == had.kind && writer.actual.server_version_num >= 170_000 =>
        {
            let risk = match want.kind {
                GeneratedKind::Stored => format!(
                    "-- RISK: rewrites {qn} under an ACCESS EXCLUSIVE lock (reads and writes wait).\n"
                ),
                GeneratedKind::Virtual => String::new(),
            };
            let set = format!(
                "ALTER TABLE {qn} ALTER COLUMN {col} SET EXPRESSION AS ({});",
                want.expression
            );
            return Some(format!(
                "-- {id}\n{risk}{}",
                unless(&generated_is(&qn, column), &set)
            ));
        }
        _ if !writer.allow_drop => return None,
        _ => {}
    }
    let mut then = format!(
        "ALTER TABLE {qn} DROP COLUMN {col};\nALTER TABLE {qn} ADD COLUMN {};",
        column_sql(quoter, relation, column)
    );
    if let Some(text) = &column.comment {
        then += &format!("\nCOMMENT ON COLUMN {qn}.{col} IS {};", literal(text));
    }
    Some(format!(
        "-- {id}\n-- RISK: PostgreSQL cannot change how a column is generated in place: the column is dropped\n\
         -- (its values, and the indexes, constraints and views that use it, with it) and added again,\n\
         -- which rewrites {qn} under an ACCESS EXCLUSIVE lock when the new column stores its values.\n{}",
        unless(&generated_is(&qn, column), &then)
    ))
}

/// A condition: the column is generated as `column` is (or plain, as it is).
fn generated_is(qn: &str, column: &Column) -> String {
    let (code, expression) = match &column.generated {
        Some(g) => (
            g.kind.code(),
            format!(
                " AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) = {}",
                literal(&g.expression)
            ),
        ),
        None => ("", String::new()),
    };
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = {}::regclass AND a.attname = {} AND NOT a.attisdropped AND a.attgenerated = '{code}'{expression})",
        literal(qn),
        literal(&column.name)
    )
}

/// `DROP NOT NULL`, or NOT NULL made the expected one: added (rows holding
/// NULL filled with the default first, when there is one), or (18) added
/// NOT VALID, renamed, validated, made NOT VALID again or [NO] INHERIT.
fn nullability(
    quoter: &Quoter,
    relation: &Relation,
    column: &Column,
    had: Option<&Column>,
) -> String {
    let (qn, col) = names(quoter, relation, column);
    if !column.not_null {
        let in_key = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.conrelid = {}::regclass AND c.contype = 'p' AND a.attname = {})",
            literal(&qn),
            literal(&column.name)
        );
        return unless(
            &in_key,
            &format!("ALTER TABLE {qn} ALTER COLUMN {col} DROP NOT NULL;"),
        );
    }
    // A foreign table's rows are elsewhere (reading them may not even be
    // possible): its NOT NULL is a declaration, set without a scan.
    if relation.kind == RelKind::ForeignTable {
        return format!("ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;\n");
    }
    let Some(had) = had.filter(|h| h.not_null) else {
        if column.not_null_not_valid() {
            return add_not_valid_not_null(quoter, &qn, column);
        }
        let statement = not_null_statement(quoter, &qn, relation, column);
        return fill_then_set_not_null(quoter, &qn, column, &statement);
    };
    let (Some(want), Some(have)) = (&column.not_null_constraint, &had.not_null_constraint) else {
        return String::new();
    };
    let name = quoter.ident(&want.name);
    let row = not_null_row(&qn, &column.name);
    let mut sql = String::new();
    if want.name != have.name && want.is_local && have.is_local {
        let rename = format!(
            "ALTER TABLE {qn} RENAME CONSTRAINT {} TO {name};",
            quoter.ident(&have.name)
        );
        sql += &unless(
            &format!("EXISTS ({row} AND c.conname = {})", literal(&want.name)),
            &rename,
        );
    }
    if want.validated && !have.validated {
        let statement = format!("ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;");
        sql += &fill_then_set_not_null(quoter, &qn, column, &statement);
    } else if !want.validated && have.validated {
        // In one DO block: the column never goes without its NOT NULL.
        let again = format!(
            "ALTER TABLE {qn} DROP CONSTRAINT {name};\n{}",
            add_not_valid_not_null(quoter, &qn, column).trim_end()
        );
        sql += &unless(&format!("EXISTS ({row} AND NOT c.convalidated)"), &again);
    }
    if want.no_inherit != have.no_inherit {
        let inherit = if want.no_inherit {
            "NO INHERIT"
        } else {
            "INHERIT"
        };
        sql += &format!("ALTER TABLE {qn} ALTER CONSTRAINT {name} {inherit};\n");
    }
    sql
}

/// The NOT NULL constraint row of `column` (18), as a SELECT to add
/// conditions on `c` to.
fn not_null_row(qn: &str, column: &str) -> String {
    format!(
        "SELECT 1 FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.conrelid = {}::regclass AND c.contype = 'n' AND a.attname = {}",
        literal(qn),
        literal(column)
    )
}

/// `statement` (which makes the column NOT NULL) after rows holding NULL
/// got the column's default, when there is one.
fn fill_then_set_not_null(quoter: &Quoter, qn: &str, column: &Column, statement: &str) -> String {
    let col = quoter.ident(&column.name);
    let fill = match &column.default {
        Some(_) => format!(
            "-- Rows holding NULL get the column's default first.\n\
             -- RISK: updates those rows (row locks; on a big table, batch it by hand first).\n\
             UPDATE {qn} SET {col} = DEFAULT WHERE {col} IS NULL;\n"
        ),
        None => String::new(),
    };
    format!(
        "{fill}{}",
        set_not_null(quoter, qn, &column.name, statement)
    )
}

/// What makes the column NOT NULL: `SET NOT NULL`, or (18) `ADD CONSTRAINT`
/// when the constraint has a name of its own or is NO INHERIT.
fn not_null_statement(quoter: &Quoter, qn: &str, relation: &Relation, column: &Column) -> String {
    let col = quoter.ident(&column.name);
    match &column.not_null_constraint {
        Some(n) if n.custom_name(&relation.name, &column.name).is_some() || n.no_inherit => {
            let no_inherit = if n.no_inherit { " NO INHERIT" } else { "" };
            format!(
                "ALTER TABLE {qn} ADD CONSTRAINT {} NOT NULL {col}{no_inherit};",
                quoter.ident(&n.name)
            )
        }
        _ => format!("ALTER TABLE {qn} ALTER COLUMN {col} SET NOT NULL;"),
    }
}

/// `statement` making the column NOT NULL, only when no row holds NULL:
/// otherwise a warning, the script goes on, and drift still reports the
/// column.
fn set_not_null(quoter: &Quoter, qn: &str, column: &str, statement: &str) -> String {
    let col = quoter.ident(column);
    let block = do_block(&format!(
        "BEGIN\n    IF EXISTS (SELECT 1 FROM {qn} WHERE {col} IS NULL) THEN\n        \
         RAISE WARNING 'left: % holds NULL in some rows; fill them, then run the script again', {};\n    \
         ELSE\n        {statement}\n    END IF;\nEND\n",
        literal(&format!("{qn}.{col}"))
    ));
    format!(
        "-- RISK: SET NOT NULL scans {qn} under an ACCESS EXCLUSIVE lock. While a row holds NULL it is\n\
         -- skipped with a warning: fill those rows, then run the script again.\n{block}"
    )
}

pub(super) fn drop(quoter: &Quoter, relation: &Relation, column: &Column) -> DropStatement {
    DropStatement::new(
        format!(
            "ALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {};",
            quoter.qualified(&relation.schema, &relation.name),
            quoter.ident(&column.name)
        ),
        "deletes the column's data; code that reads or writes it fails",
    )
}
