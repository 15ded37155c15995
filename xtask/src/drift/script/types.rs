//! Types: an enum's missing values added in place; extra values or
//! another order need the type rebuilt, which only `--allow-drop` does.
//! Types are dropped with drops allowed.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{Attribute, Type, TypeKind};
use crate::schema::render::do_block;
use crate::sql::quote::{literal, Quoter};

use super::writer::{unless, DropStatement, Section, Writer};

/// An enum's values: missing ones added in place (ADD VALUE IF NOT EXISTS
/// BEFORE / AFTER a neighbour); extra ones or another order need the type
/// rebuilt, which only `allow_drop` does. Whether the script fixes them.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    want: &Type,
    have: &Type,
) -> bool {
    if let (TypeKind::Domain { .. }, TypeKind::Domain { .. }) = (&want.kind, &have.kind) {
        return domain(writer, difference, want, have);
    }
    if let (TypeKind::Composite { attributes: w }, TypeKind::Composite { attributes: h }) =
        (&want.kind, &have.kind)
    {
        return difference.aspect == Aspect::Attributes
            && attributes(writer, difference, want, (w, h));
    }
    if difference.aspect != Aspect::Values {
        return false;
    }
    let (Some(wanted), Some(had)) = (want.enum_labels(), have.enum_labels()) else {
        return false;
    };
    let qn = writer.quoter.qualified(&want.schema, &want.name);
    let (adds, present) = add_values(&qn, wanted, had);
    if !adds.is_empty() {
        writer.push(Section::EnumValues, format!("-- {}\n{adds}", difference.id));
    }
    if present == wanted {
        return true;
    }
    let removed: Vec<String> = present
        .iter()
        .filter(|l| !wanted.contains(l))
        .map(|l| literal(l))
        .collect();
    if !writer.allow_drop {
        writer.keep(
            difference.kind(),
            format!(
                "-- {}: the database's enum has {} (values {} / another order); rebuilding the type needs --allow-drop\n",
                difference.id,
                present.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", "),
                if removed.is_empty() { "in".to_string() } else { removed.join(", ") }
            ),
        );
        return false;
    }
    let users = users(writer, &qn);
    let block = rebuild(&writer.quoter, want, &qn, wanted);
    writer.push(
        Section::EnumValues,
        format!(
            "-- {}: rebuilt without {}{}\n-- RISK: rewrites every table with a column of the type (now: {}) under ACCESS EXCLUSIVE locks;\n\
             -- a row holding a removed value makes the conversion fail (nothing changes then): map those rows to a kept value first;\n-- a column default that uses a removed value is dropped (with a warning).\n{block}",
            difference.id,
            if removed.is_empty() { "the old order".to_string() } else { removed.join(", ") },
            if removed.is_empty() { "" } else { " and in the migrations' order" },
            if users.is_empty() { "no column".to_string() } else { users.join(", ") },
        ),
    );
    true
}

/// Whether making `have` the enum `want` takes a rebuild: it holds values
/// `want` lacks, or another order.
pub(super) fn rebuilds(want: &Type, have: &Type) -> bool {
    let (Some(wanted), Some(had)) = (want.enum_labels(), have.enum_labels()) else {
        return false;
    };
    let qn = String::new();
    add_values(&qn, wanted, had).1 != wanted
}

/// A condition: the enum has `enum_type`'s values in its order.
pub(super) fn labels_are(quoter: &Quoter, enum_type: &Type) -> String {
    let qn = quoter.qualified(&enum_type.schema, &enum_type.name);
    let labels = enum_type
        .enum_labels()
        .unwrap_or_default()
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "(SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = {}::regtype) IS NOT DISTINCT FROM ARRAY[{labels}]::text[]",
        literal(&qn)
    )
}

/// `ADD VALUE IF NOT EXISTS` for each value `had` lacks, placed after the
/// value before it (or before the one after it); and the values the type
/// has then, in their order.
fn add_values(qn: &str, wanted: &[String], had: &[String]) -> (String, Vec<String>) {
    let mut present: Vec<String> = had.to_vec();
    let mut adds = String::new();
    for (i, label) in wanted.iter().enumerate() {
        if present.contains(label) {
            continue;
        }
        let after = wanted[..i].iter().rev().find(|l| present.contains(l));
        let before = wanted[i + 1..].iter().find(|l| present.contains(l));
        let place = match (after, before) {
            (Some(a), _) => format!(" AFTER {}", literal(a)),
            (None, Some(b)) => format!(" BEFORE {}", literal(b)),
            (None, None) => String::new(),
        };
        adds += &format!(
            "ALTER TYPE {qn} ADD VALUE IF NOT EXISTS {}{place};\n",
            literal(label)
        );
        let at = match after {
            Some(a) => present
                .iter()
                .position(|l| l == a)
                .map_or(present.len(), |p| p + 1),
            None => before
                .and_then(|b| present.iter().position(|l| l == b))
                .unwrap_or(present.len()),
        };
        present.insert(at, label.clone());
    }
    (adds, present)
}

/// The columns of the actual side that use the type (or an array of it).
fn users(writer: &Writer, qn: &str) -> Vec<String> {
    let quoter = &writer.quoter;
    let array = format!("{qn}[]");
    writer
        .actual
        .relations
        .iter()
        .flat_map(|r| {
            let table = quoter.qualified(&r.schema, &r.name);
            r.columns
                .iter()
                .filter(|c| c.type_name == qn || c.type_name == array)
                .map(move |c| format!("{table}.{}", quoter.ident(&c.name)))
        })
        .collect()
}

/// The type renamed away, created with the expected values, every column
/// that uses it converted, the old type dropped; nothing when the values
/// are right already. The columns are found when the script runs, so that
/// tables it created above, and columns added since it was written, are
/// converted too. A domain or composite type over the enum makes DROP TYPE
/// fail and the whole block changes nothing.
fn rebuild(quoter: &Quoter, enum_type: &Type, qn: &str, wanted: &[String]) -> String {
    let old = quoter.qualified(
        &enum_type.schema,
        &format!("{}__touchpoint_old", enum_type.name),
    );
    let labels = wanted
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(", ");
    let done = labels_are(quoter, enum_type);
    do_block(&format!(
        "DECLARE\n    col record;\nBEGIN\n    IF {done} THEN\n        RETURN;\n    END IF;\n\
         \x20   ALTER TYPE {qn} RENAME TO {old_name};\n    CREATE TYPE {qn} AS ENUM ({labels});\n\
         \x20   FOR col IN\n        SELECT a.attrelid::regclass::text AS tbl, pg_catalog.quote_ident(a.attname) AS name,\n\
         \x20              a.atttypid = {old_lit}::regtype AS scalar, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS def\n\
         \x20         FROM pg_catalog.pg_attribute a\n\
         \x20         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')\n\
         \x20         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum\n\
         \x20        WHERE a.atttypid IN ({old_lit}::regtype, {old_array}::regtype) AND NOT a.attisdropped AND a.attinhcount = 0\n\
         \x20   LOOP\n\
         \x20       IF col.def IS NOT NULL THEN\n\
         \x20           EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT', col.tbl, col.name);\n\
         \x20       END IF;\n\
         \x20       EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s', col.tbl, col.name,\n\
         \x20           CASE WHEN col.scalar THEN {qn_lit} ELSE {qn_array} END, col.name,\n\
         \x20           CASE WHEN col.scalar THEN '' ELSE '[]' END, CASE WHEN col.scalar THEN {qn_lit} ELSE {qn_array} END);\n\
         \x20       IF col.def IS NOT NULL THEN\n\
         \x20           BEGIN\n\
         \x20               EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s', col.tbl, col.name,\n\
         \x20                   pg_catalog.replace(col.def, {old_lit}, {qn_lit}));\n\
         \x20           EXCEPTION WHEN invalid_text_representation THEN\n\
         \x20               RAISE WARNING 'the default of %.% (%) uses a removed value: dropped', col.tbl, col.name, col.def;\n\
         \x20           END;\n\
         \x20       END IF;\n\
         \x20   END LOOP;\n    DROP TYPE {old};\nEND\n",
        old_name = quoter.ident(&format!("{}__touchpoint_old", enum_type.name)),
        old_lit = literal(&old),
        old_array = literal(&format!("{old}[]")),
        qn_lit = literal(qn),
        qn_array = literal(&format!("{qn}[]")),
    ))
}

pub(super) fn drop(name: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP TYPE IF EXISTS {name};"),
        "fails while a column uses the type (nothing is dropped with it)",
    )
}

/// A domain's default, NOT NULL or checks made the expected ones: a check
/// only the actual side has (or with another definition) dropped, a
/// missing one added (it checks the values columns of the domain hold).
/// Whether the script fixes the difference.
fn domain(writer: &mut Writer, difference: &Difference, want: &Type, have: &Type) -> bool {
    let (
        TypeKind::Domain {
            default,
            not_null,
            checks,
            ..
        },
        TypeKind::Domain { checks: had, .. },
    ) = (&want.kind, &have.kind)
    else {
        return false;
    };
    let qn = writer.quoter.qualified(&want.schema, &want.name);
    let sql = match difference.aspect {
        Aspect::Default => match default {
            Some(d) => format!("ALTER DOMAIN {qn} SET DEFAULT {d};\n"),
            None => format!("ALTER DOMAIN {qn} DROP DEFAULT;\n"),
        },
        Aspect::Nullability if *not_null => format!(
            "-- RISK: checks every column of the domain for NULLs (fails on one).\nALTER DOMAIN {qn} SET NOT NULL;\n"
        ),
        Aspect::Nullability => format!("ALTER DOMAIN {qn} DROP NOT NULL;\n"),
        Aspect::Checks => domain_checks(writer, &qn, checks, had),
        _ => return false,
    };
    writer.push(Section::Constraints, format!("-- {}\n{sql}", difference.id));
    true
}

/// The checks `want` (name, definition) has that `had` lacks added, those
/// only `had` has (or with another definition) dropped.
fn domain_checks(
    writer: &Writer,
    qn: &str,
    want: &[(String, String)],
    had: &[(String, String)],
) -> String {
    let exists = |name: &str, definition: Option<&str>| {
        let same = definition.map_or(String::new(), |d| {
            format!(" AND pg_catalog.pg_get_constraintdef(oid) = {}", literal(d))
        });
        format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE contypid = {}::regtype AND conname = {}{same})",
            literal(qn),
            literal(name)
        )
    };
    let mut sql = String::new();
    for (name, definition) in had.iter().filter(|c| !want.contains(c)) {
        let drop = format!(
            "ALTER DOMAIN {qn} DROP CONSTRAINT {};",
            writer.quoter.ident(name)
        );
        sql += &unless(&format!("NOT {}", exists(name, Some(definition))), &drop);
    }
    for (name, definition) in want.iter().filter(|c| !had.contains(c)) {
        let exists = exists(name, None);
        let add = format!(
            "ALTER DOMAIN {qn} ADD CONSTRAINT {} {definition};",
            writer.quoter.ident(name)
        );
        sql += &format!(
            "-- RISK: checks the values every column of the domain holds (fails on one that breaks it).\n{}",
            unless(&exists, &add)
        );
    }
    sql
}

/// A composite type's attributes made the expected ones in place (ALTER
/// TYPE ... CASCADE reaches typed tables too): one only the actual side has
/// dropped (drops allowed: columns of the type lose its values), one of
/// another type altered, a missing one added at the end. Whether the
/// script fixes the difference: not when the order would still differ.
fn attributes(
    writer: &mut Writer,
    difference: &Difference,
    want: &Type,
    (wanted, had): (&[Attribute], &[Attribute]),
) -> bool {
    let kept: Vec<&str> = had
        .iter()
        .filter(|h| wanted.iter().any(|w| w.name == h.name))
        .map(|h| h.name.as_str())
        .collect();
    let dropped = had.len() - kept.len();
    let added = wanted.iter().filter(|w| !kept.contains(&w.name.as_str()));
    let order: Vec<&str> = kept
        .iter()
        .copied()
        .chain(added.map(|w| w.name.as_str()))
        .collect();
    let in_order = order
        .iter()
        .copied()
        .eq(wanted.iter().map(|w| w.name.as_str()));
    if !in_order || (dropped > 0 && !writer.allow_drop) {
        return false;
    }
    let quoter = &writer.quoter;
    let qn = quoter.qualified(&want.schema, &want.name);
    // PostgreSQL refuses ALTER ATTRIBUTE ... TYPE while a table's column
    // is of the type (CASCADE or not).
    let retyped = wanted.iter().any(|w| {
        had.iter()
            .any(|h| h.name == w.name && h.type_name != w.type_name)
    });
    if retyped && !users(writer, &qn).is_empty() {
        return false;
    }
    let attribute = |name: &str, extra: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = (SELECT typrelid FROM pg_catalog.pg_type WHERE oid = {}::regtype) AND a.attname = {} AND NOT a.attisdropped{extra})",
            literal(&qn),
            literal(name)
        )
    };
    let typed = |a: &Attribute| match &a.collation {
        Some(c) => format!("{} COLLATE {c}", a.type_name),
        None => a.type_name.clone(),
    };
    let mut sql = format!("-- {}\n", difference.id);
    for h in had.iter().filter(|h| !kept.contains(&h.name.as_str())) {
        sql += &format!(
            "-- RISK: columns of the type lose the attribute's values.\nALTER TYPE {qn} DROP ATTRIBUTE IF EXISTS {} CASCADE;\n",
            quoter.ident(&h.name)
        );
    }
    for w in wanted {
        let name = quoter.ident(&w.name);
        let same_type = format!(
            " AND pg_catalog.format_type(a.atttypid, a.atttypmod) = {}",
            literal(&w.type_name)
        );
        let then = if kept.contains(&w.name.as_str()) {
            if had.iter().any(|h| h.name == w.name && typed(h) == typed(w)) {
                continue;
            }
            format!(
                "ALTER TYPE {qn} ALTER ATTRIBUTE {name} TYPE {} CASCADE;",
                typed(w)
            )
        } else {
            format!("ALTER TYPE {qn} ADD ATTRIBUTE {name} {} CASCADE;", typed(w))
        };
        sql += &unless(&attribute(&w.name, &same_type), &then);
    }
    writer.push(Section::Columns, sql);
    true
}
