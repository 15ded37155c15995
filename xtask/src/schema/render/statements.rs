//! The statements units are made of, each safe to run twice: guarded DO
//! blocks, `CREATE TABLE` and its columns, comments, grants, the clauses
//! of sequences, views and indexes. The catch-up script writes its
//! statements with these too.

use std::collections::HashMap;

use crate::schema::catalog::{
    Column, Constraint, ConstraintKind, Grant, Oid, Relation, SequenceOptions,
};
use crate::sql::quote::{dollar_quoted, literal, Quoter};

use super::unit::UnitKey;

/// `DO` block around `body` (`BEGIN ... END` or `DECLARE ... END`), with a
/// dollar-quote tag that `body` cannot close early.
pub fn do_block(body: &str) -> String {
    format!("DO {};\n", dollar_quoted(&format!("\n{body}"), "do"))
}

/// `DO` block running `then` when `missing` (a SELECT) finds no row.
pub fn guarded(missing: &str, then: &str) -> String {
    let then = then
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("        {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    do_block(&format!(
        "BEGIN\n    IF NOT EXISTS ({missing}) THEN\n{then}\n    END IF;\nEND\n"
    ))
}

/// `COMMENT ON target IS ...;`, or nothing without a comment.
pub(super) fn comment(target: &str, text: &Option<String>) -> String {
    match text {
        Some(t) => format!("COMMENT ON {target} IS {};\n", literal(t)),
        None => String::new(),
    }
}

/// One `GRANT ... ON on TO ...;` per grant.
pub fn grants(on: &str, grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| {
            format!(
                "GRANT {} ON {on} TO {}{};\n",
                g.privileges.join(", "),
                g.grantee,
                if g.with_grant_option {
                    " WITH GRANT OPTION"
                } else {
                    ""
                }
            )
        })
        .collect()
}

/// `GRANT SELECT (c) ON TABLE t ...`: a column's grants (`column` is
/// `(c)`).
pub(super) fn column_grants(column: &str, on: &str, of_column: &[Grant]) -> String {
    let named: Vec<Grant> = of_column
        .iter()
        .map(|g| Grant {
            privileges: g
                .privileges
                .iter()
                .map(|p| format!("{p} {column}"))
                .collect(),
            ..g.clone()
        })
        .collect();
    grants(on, &named)
}

/// Sequence options that differ from what PostgreSQL picks by default.
pub fn sequence_options(o: &SequenceOptions, with_type: bool) -> Vec<String> {
    let (type_min, type_max) = match o.data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let ascending = o.increment > 0;
    let default_min = if ascending { 1 } else { type_min };
    let default_max = if ascending { type_max } else { -1 };
    let default_start = if ascending { o.min } else { o.max };
    let mut out = Vec::new();
    if with_type && o.data_type != "bigint" {
        out.push(format!("AS {}", o.data_type));
    }
    if o.start != default_start {
        out.push(format!("START WITH {}", o.start));
    }
    if o.increment != 1 {
        out.push(format!("INCREMENT BY {}", o.increment));
    }
    if o.min != default_min {
        out.push(format!("MINVALUE {}", o.min));
    }
    if o.max != default_max {
        out.push(format!("MAXVALUE {}", o.max));
    }
    if o.cache != 1 {
        out.push(format!("CACHE {}", o.cache));
    }
    if o.cycle {
        out.push("CYCLE".to_string());
    }
    out
}

/// `pg_get_indexdef`'s CREATE INDEX with IF NOT EXISTS.
pub fn index_if_not_exists(definition: &str) -> String {
    definition
        .replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
        .replacen(
            "CREATE UNIQUE INDEX ",
            "CREATE UNIQUE INDEX IF NOT EXISTS ",
            1,
        )
}

/// Constraints written inside CREATE TABLE: validated, declared here, and
/// not foreign keys (those go after every table they reference).
pub(super) fn inline_constraint(c: &Constraint) -> bool {
    c.is_local && c.validated && (c.kind.builds_index() || c.kind == ConstraintKind::Check)
}

/// `WITH (...)` options and the `WITH ... CHECK OPTION` clause of a view.
pub fn view_options(options: &[String]) -> (String, String) {
    let mut check = String::new();
    let mut rest = Vec::new();
    for o in options {
        match o.as_str() {
            "check_option=local" => check = "\n  WITH LOCAL CHECK OPTION".to_string(),
            "check_option=cascaded" => check = "\n  WITH CASCADED CHECK OPTION".to_string(),
            _ => rest.push(o.clone()),
        }
    }
    let opts = if rest.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", rest.join(", "))
    };
    (opts, check)
}

/// `CREATE TABLE IF NOT EXISTS` with the table's own columns and inline
/// constraints; what cannot be said there is added to `skipped`.
pub(super) fn table_sql(
    quoter: &Quoter,
    (r, parent): (&Relation, Option<&Relation>),
    relation_keys: &HashMap<Oid, UnitKey>,
    skipped: &mut Vec<(String, String)>,
) -> String {
    let qn = quoter.qualified(&r.schema, &r.name);
    let unlogged = if r.unlogged { "UNLOGGED " } else { "" };
    let mut items: Vec<String> = Vec::new();
    let partition = r.partition_of.as_ref();
    if partition.is_none() {
        for c in r.columns.iter().filter(|c| c.is_local) {
            items.push(column_sql(quoter, r, c));
        }
    } else if r.columns.iter().any(|c| c.is_local && c.default.is_some()) {
        skipped.push(("partition column default".to_string(), qn.clone()));
    }
    items.extend(own_not_nulls(quoter, r, parent));
    let mut inline: Vec<&Constraint> = r
        .constraints
        .iter()
        .filter(|c| inline_constraint(c))
        .collect();
    inline.sort_by_key(|c| (constraint_rank(c.kind), c.name.as_bytes()));
    for c in inline {
        items.push(format!(
            "CONSTRAINT {} {}",
            quoter.ident(&c.name),
            c.definition
        ));
    }
    let body = if items.is_empty() {
        String::new()
    } else {
        format!(
            "\n{}\n",
            items
                .iter()
                .map(|i| format!("    {i}"))
                .collect::<Vec<_>>()
                .join(",\n")
        )
    };
    let table = if r.foreign.is_some() {
        "FOREIGN TABLE"
    } else {
        "TABLE"
    };
    let mut sql = match partition {
        Some((parent, bound)) => {
            let parent = relation_keys
                .get(parent)
                .map(|k| k.qualified.clone())
                .unwrap_or_default();
            let cols = if body.is_empty() {
                String::new()
            } else {
                format!(" ({body})")
            };
            format!(
                "CREATE {unlogged}{table} IF NOT EXISTS {qn} PARTITION OF {parent}{cols} {bound}"
            )
        }
        None => format!("CREATE {unlogged}{table} IF NOT EXISTS {qn} ({body})"),
    };
    if !r.inherits.is_empty() {
        let parents: Vec<String> = r
            .inherits
            .iter()
            .filter_map(|p| relation_keys.get(p).map(|k| k.qualified.clone()))
            .collect();
        sql += &format!(" INHERITS ({})", parents.join(", "));
    }
    if let Some(foreign) = &r.foreign {
        sql += &format!(" SERVER {}", foreign.server);
        if !foreign.options.is_empty() {
            sql += &format!(" OPTIONS ({})", foreign.options.join(", "));
        }
    }
    if let Some(key) = &r.partition_key {
        sql += &format!(" PARTITION BY {key}");
    }
    if !r.options.is_empty() {
        sql += &format!(" WITH ({})", r.options.join(", "));
    }
    sql += ";\n";
    if partition.is_none() {
        for c in &r.columns {
            sql += &add_not_valid_not_null(quoter, &qn, c);
        }
    }
    sql
}

/// `CONSTRAINT name NOT NULL column` for the NOT NULL constraints (18) a
/// child holds on columns it inherits under a name of its own: one it
/// declared, or a partition's that is not its parent's (a table attached as
/// a partition keeps the name it had; PARTITION OF gives the parent's).
fn own_not_nulls(quoter: &Quoter, r: &Relation, parent: Option<&Relation>) -> Vec<String> {
    let inherited_name = |column: &str| {
        parent?
            .columns
            .iter()
            .find(|c| c.name == column)?
            .not_null_constraint
            .as_ref()
            .map(|n| n.name.as_str())
    };
    r.columns
        .iter()
        .filter_map(|c| {
            let n = c.not_null_constraint.as_ref().filter(|n| n.validated)?;
            let own = match parent {
                Some(_) => inherited_name(&c.name) != Some(n.name.as_str()),
                None => !c.is_local && n.is_local,
            };
            own.then(|| {
                format!(
                    "CONSTRAINT {} NOT NULL {}",
                    quoter.ident(&n.name),
                    quoter.ident(&c.name)
                )
            })
        })
        .collect()
}

/// A column's NOT NULL as drift reports it and snapshots list it: `NOT
/// NULL`, with (18) its own name, `NO INHERIT` and `NOT VALID`; `None` for
/// a nullable column.
pub fn not_null_text(quoter: &Quoter, table: &Relation, column: &Column) -> Option<String> {
    if !column.not_null {
        return None;
    }
    let Some(n) = &column.not_null_constraint else {
        return Some("NOT NULL".to_string());
    };
    let mut text = match n.custom_name(&table.name, &column.name) {
        Some(name) => format!("CONSTRAINT {} NOT NULL", quoter.ident(name)),
        None => "NOT NULL".to_string(),
    };
    if n.no_inherit {
        text += " NO INHERIT";
    }
    if !n.validated {
        text += " NOT VALID";
    }
    Some(text)
}

/// `ALTER TABLE ... ADD CONSTRAINT name NOT NULL column NOT VALID;` for a
/// column whose NOT NULL is not validated (18), as pg_dump writes it after
/// the table (a column definition cannot say NOT VALID); empty otherwise.
/// PostgreSQL takes the same statement again as a no-op.
pub fn add_not_valid_not_null(quoter: &Quoter, qn: &str, column: &Column) -> String {
    match &column.not_null_constraint {
        Some(n) if column.not_null_not_valid() && n.is_local => {
            let no_inherit = if n.no_inherit { " NO INHERIT" } else { "" };
            format!(
                "ALTER TABLE {qn} ADD CONSTRAINT {} NOT NULL {}{no_inherit} NOT VALID;\n",
                quoter.ident(&n.name),
                quoter.ident(&column.name)
            )
        }
        _ => String::new(),
    }
}

/// Inline constraints in CREATE TABLE: primary key, unique, exclusion,
/// then checks.
fn constraint_rank(kind: ConstraintKind) -> u8 {
    match kind {
        ConstraintKind::PrimaryKey => 0,
        ConstraintKind::Unique => 1,
        ConstraintKind::Exclusion => 2,
        _ => 3,
    }
}

/// A column as CREATE TABLE and ADD COLUMN write it: a NOT VALID NOT NULL
/// is left to [`add_not_valid_not_null`].
pub fn column_sql(quoter: &Quoter, table: &Relation, column: &Column) -> String {
    let mut sql = column_sql_nullable(quoter, table, column);
    if !column.not_null_not_valid() {
        if let Some(not_null) = not_null_text(quoter, table, column) {
            sql += &format!(" {not_null}");
        }
    }
    sql
}

/// `GENERATED ... AS IDENTITY` with the sequence's name (unless it is the
/// default one) and options, for an identity column.
pub fn identity_sql(quoter: &Quoter, table: &Relation, column: &Column) -> Option<String> {
    let identity = column.identity?;
    let mut sql = format!("GENERATED {} AS IDENTITY", identity.sql());
    if let Some(sequence) = &column.identity_sequence {
        let mut options = Vec::new();
        if sequence.schema != table.schema
            || sequence.name != format!("{}_{}_seq", table.name, column.name)
        {
            options.push(format!(
                "SEQUENCE NAME {}",
                quoter.qualified(&sequence.schema, &sequence.name)
            ));
        }
        options.extend(sequence_options(&sequence.options, false));
        if !options.is_empty() {
            sql += &format!(" ({})", options.join(" "));
        }
    }
    Some(sql)
}

/// [`column_sql`] without the NOT NULL.
pub fn column_sql_nullable(quoter: &Quoter, table: &Relation, column: &Column) -> String {
    let mut sql = format!("{} {}", quoter.ident(&column.name), column.type_name);
    if let Some(method) = &column.compression {
        sql += &format!(" COMPRESSION {method}");
    }
    if !column.fdw_options.is_empty() {
        sql += &format!(" OPTIONS ({})", column.fdw_options.join(", "));
    }
    if let Some(coll) = &column.collation {
        sql += &format!(" COLLATE {coll}");
    }
    if let Some(generated) = &column.generated {
        sql += &format!(" {}", generated.sql());
    }
    if let Some(identity) = identity_sql(quoter, table, column) {
        sql += &format!(" {identity}");
    }
    if let Some(d) = &column.default {
        sql += &format!(" DEFAULT {d}");
    }
    sql
}
