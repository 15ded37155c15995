//! Constraints of existing tables: foreign keys and checks added NOT VALID
//! and validated after, keys added with their index; validated, replaced
//! (with drops allowed) or dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{Constraint, ConstraintKind, Relation};
use crate::schema::render::guarded;
use crate::sql::quote::{literal, Quoter};

use super::writer::{unless, DropStatement, Section, Writer};

/// Where the constraint goes: foreign keys and checks after the keys and
/// indexes they may use.
fn section(constraint: &Constraint) -> Section {
    if constraint.kind.validates_later() {
        Section::Constraints
    } else {
        Section::Keys
    }
}

/// `SELECT 1` when the table has a constraint of that name.
fn exists(qn: &str, constraint: &Constraint) -> String {
    format!(
        "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND conname = {}",
        literal(qn),
        literal(&constraint.name)
    )
}

/// The constraint added unless the table has it, with its comment.
pub(super) fn add(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    constraint: &Constraint,
) {
    let quoter = &writer.quoter;
    let qn = quoter.qualified(&relation.schema, &relation.name);
    let name = quoter.ident(&constraint.name);
    let definition = constraint.definition.trim_end_matches(" NOT VALID");
    let exists = exists(&qn, constraint);
    let mut sql = if !constraint.enforced {
        // Never checked, so nothing to add NOT VALID and validate.
        let add = format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {definition};");
        format!("-- {}\n{}", difference.id, guarded(&exists, &add))
    } else if constraint.kind.validates_later() {
        let add = format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {definition} NOT VALID;");
        let mut sql = format!("-- {}\n{}", difference.id, guarded(&exists, &add));
        if constraint.validated {
            sql += &format!(
                "-- RISK: VALIDATE reads every row of {qn} (SHARE UPDATE EXCLUSIVE: writes go on) and fails on a row that breaks it.\n\
                 ALTER TABLE {qn} VALIDATE CONSTRAINT {name};\n"
            );
        }
        sql
    } else {
        let add = format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {definition};");
        format!(
            "-- {}\n-- RISK: builds an index on {qn} under an ACCESS EXCLUSIVE lock and fails on duplicates; on a big table\n\
             -- build it first with CREATE UNIQUE INDEX CONCURRENTLY and add the constraint USING INDEX.\n{}",
            difference.id,
            guarded(&exists, &add)
        )
    };
    if let Some(text) = &constraint.comment {
        sql += &format!(
            "COMMENT ON CONSTRAINT {name} ON {qn} IS {};\n",
            literal(text)
        );
    }
    writer.push(section(constraint), sql);
}

/// An aspect of a constraint both sides have; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    constraint: &Constraint,
) -> bool {
    let quoter = &writer.quoter;
    let qn = quoter.qualified(&relation.schema, &relation.name);
    let sql = match difference.aspect {
        Aspect::Validated if constraint.validated => {
            let sql = format!(
                "-- {}\n-- RISK: reads every row of {qn} and fails on a row that breaks it.\nALTER TABLE {qn} VALIDATE CONSTRAINT {};\n",
                difference.id,
                quoter.ident(&constraint.name)
            );
            writer.push(Section::Constraints, sql);
            return true;
        }
        // PostgreSQL 18 switches a foreign key in place; a check only by
        // replacing it.
        Aspect::Enforced if constraint.kind == ConstraintKind::ForeignKey => {
            enforce(quoter, difference, &qn, constraint)
        }
        // NOT VALID again: only by adding it again.
        Aspect::Definition | Aspect::Type | Aspect::Enforced | Aspect::Validated
            if writer.allow_drop =>
        {
            replace(quoter, difference, &qn, constraint)
                + &referencing_again(writer, &qn, constraint)
        }
        _ => return false,
    };
    writer.push(section(constraint), sql);
    true
}

/// The constraint dropped and added again, unless its definition is the
/// expected one already.
fn replace(quoter: &Quoter, difference: &Difference, qn: &str, constraint: &Constraint) -> String {
    let name = quoter.ident(&constraint.name);
    let definition = constraint.definition.trim_end_matches(" NOT VALID");
    let differs = format!(
        "{} AND pg_catalog.pg_get_constraintdef(oid) <> {}",
        exists(qn, constraint),
        literal(&constraint.definition)
    );
    let later = constraint.kind.validates_later();
    let (risk, not_valid) = if !constraint.enforced {
        (": between the two statements the old rule is gone", "")
    } else if later {
        (
            ": between the two statements the old rule is gone",
            " NOT VALID",
        )
    } else {
        (
            ": builds its index under an ACCESS EXCLUSIVE lock and fails on duplicates",
            "",
        )
    };
    // A key takes the foreign keys that reference it (added again below).
    let cascade = if is_key(constraint) { " CASCADE" } else { "" };
    let then = format!(
        "ALTER TABLE {qn} DROP CONSTRAINT {name}{cascade};\nALTER TABLE {qn} ADD CONSTRAINT {name} {definition}{not_valid};"
    );
    let mut sql = format!(
        "-- {}\n-- RISK: replaces the constraint{risk}.\n{}",
        difference.id,
        unless(&format!("NOT EXISTS ({differs})"), &then)
    );
    if constraint.validated && later {
        sql += &format!("ALTER TABLE {qn} VALIDATE CONSTRAINT {name};\n");
    }
    sql
}

/// A primary key, unique or exclusion constraint: foreign keys may use it.
fn is_key(constraint: &Constraint) -> bool {
    matches!(
        constraint.kind,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
    )
}

/// After a key of `qn` was replaced (dropped with CASCADE): the expected
/// side's foreign keys that reference `qn`, each added again NOT VALID and
/// validated, unless its table has it or does not exist yet.
fn referencing_again(writer: &Writer, qn: &str, key: &Constraint) -> String {
    if !is_key(key) {
        return String::new();
    }
    let quoter = &writer.quoter;
    let references = format!(" REFERENCES {qn}(");
    let mut sql = String::new();
    for r in &writer.expected.relations {
        let table = quoter.qualified(&r.schema, &r.name);
        for fk in r
            .constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::ForeignKey && c.definition.contains(&references))
        {
            let name = quoter.ident(&fk.name);
            let definition = fk.definition.trim_end_matches(" NOT VALID");
            let skip = format!(
                "SELECT 1 WHERE pg_catalog.to_regclass({table_lit}) IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = pg_catalog.to_regclass({table_lit}) AND conname = {})",
                literal(&fk.name),
                table_lit = literal(&table)
            );
            let add = format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID;");
            sql += &format!(
                "-- foreign key {name} of {table}, dropped with the key it references\n{}",
                guarded(&skip, &add)
            );
            if fk.validated {
                sql += &format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};\n");
            }
        }
    }
    sql
}

/// `ALTER CONSTRAINT ... [NOT] ENFORCED` of a foreign key, unless it is so
/// already.
fn enforce(quoter: &Quoter, difference: &Difference, qn: &str, constraint: &Constraint) -> String {
    let name = quoter.ident(&constraint.name);
    let (keyword, risk) = if constraint.enforced {
        (
            "ENFORCED",
            format!(
                "-- RISK: validates: reads every row of {qn} and fails on a row that breaks it.\n"
            ),
        )
    } else {
        ("NOT ENFORCED", String::new())
    };
    let done = format!(
        "EXISTS ({} AND conenforced = {})",
        exists(qn, constraint),
        constraint.enforced
    );
    format!(
        "-- {}\n{risk}{}",
        difference.id,
        unless(
            &done,
            &format!("ALTER TABLE {qn} ALTER CONSTRAINT {name} {keyword};")
        )
    )
}

pub(super) fn drop(quoter: &Quoter, relation: &Relation, constraint: &Constraint) -> DropStatement {
    DropStatement::new(
        format!(
            "ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {};",
            quoter.qualified(&relation.schema, &relation.name),
            quoter.ident(&constraint.name)
        ),
        "the rule it enforced no longer holds for new rows",
    )
}
