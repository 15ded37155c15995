//! Privileges on tables, views, sequences, functions and procedures: the expected ones granted;
//! those only the actual side grants revoked with drops allowed, else kept.

use std::collections::BTreeMap;

use crate::drift::diff::Difference;
use crate::drift::model::{Object, Source};
use crate::schema::catalog::Grant;

use super::writer::{DropOrder, Section, Writer};

/// (grantee, privilege) -> with grant option.
type Privileges = BTreeMap<(String, String), bool>;

fn privileges(grants: &[Grant]) -> Privileges {
    grants
        .iter()
        .flat_map(|g| {
            g.privileges
                .iter()
                .map(move |p| ((g.grantee.clone(), p.clone()), g.with_grant_option))
        })
        .collect()
}

/// Grants and revokes that make the actual side's privileges the expected
/// ones; whether the script fixes them (revokes need drops allowed).
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    want: &Object,
    have: &Object,
) -> bool {
    if let (Source::Extension(x), Source::Extension(had)) = (want.source, have.source) {
        return extension(writer, difference, &x.grants, &had.grants);
    }
    let (on, wanted, had) = match (want.source, have.source) {
        (Source::Relation(r), Source::Relation(x)) => {
            (format!("TABLE {}", want.name()), &r.grants, &x.grants)
        }
        (Source::Sequence(r), Source::Sequence(x)) => {
            (format!("SEQUENCE {}", want.name()), &r.grants, &x.grants)
        }
        (Source::Column(r, c), Source::Column(_, x)) => (
            format!("TABLE {}", writer.quoter.qualified(&r.schema, &r.name)),
            &c.grants,
            &x.grants,
        ),
        (Source::Schema(s), Source::Schema(x)) => {
            (format!("SCHEMA {}", want.name()), &s.grants, &x.grants)
        }
        (Source::Type(t), Source::Type(x)) => {
            (format!("TYPE {}", want.name()), &t.grants, &x.grants)
        }
        (Source::Function(f), Source::Function(x)) => (
            format!("{} {}", f.kind.keyword(), want.name()),
            &f.grants,
            &x.grants,
        ),
        _ => return false,
    };
    let (wanted, had) = match (want.source, have.source) {
        // A column's privileges name it: `SELECT (c)`.
        (Source::Column(_, c), _) => {
            let of = |p: Privileges| -> Privileges {
                p.into_iter()
                    .map(|((g, p), o)| ((g, format!("{p} ({})", writer.quoter.ident(&c.name))), o))
                    .collect()
            };
            (of(privileges(wanted)), of(privileges(had)))
        }
        _ => (privileges(wanted), privileges(had)),
    };
    let grants = grants(&on, &wanted, &had);
    let revokes = revokes(&on, &wanted, &had);
    if !grants.is_empty() {
        writer.push(
            Section::TableSettings,
            format!("-- {}\n{grants}", difference.id),
        );
    }
    if revokes.is_empty() {
        return true;
    }
    if writer.allow_drop {
        writer.drop(
            DropOrder::FIRST,
            format!(
                "-- {}\n-- RISK: roles lose these privileges; what they run with them fails.\n{revokes}",
                difference.id
            ),
        );
        return true;
    }
    writer.keep(
        difference.kind(),
        format!(
            "-- {}: privileges only the database grants (would be: {})\n",
            difference.id,
            revokes.trim_end().replace('\n', " ")
        ),
    );
    false
}

/// What `had` lacks of `wanted`, or holds without the grant option.
fn grants(on: &str, wanted: &Privileges, had: &Privileges) -> String {
    let mut sql = String::new();
    for ((grantee, privilege), option) in wanted {
        if had.get(&(grantee.clone(), privilege.clone())) != Some(option) {
            let option = if *option { " WITH GRANT OPTION" } else { "" };
            sql += &format!("GRANT {privilege} ON {on} TO {grantee}{option};\n");
        }
    }
    sql
}

/// What `had` holds beyond `wanted`: privileges, or the grant option.
fn revokes(on: &str, wanted: &Privileges, had: &Privileges) -> String {
    let mut sql = String::new();
    for ((grantee, privilege), option) in had {
        match wanted.get(&(grantee.clone(), privilege.clone())) {
            None => sql += &format!("REVOKE {privilege} ON {on} FROM {grantee};\n"),
            Some(false) if *option => {
                sql += &format!("REVOKE GRANT OPTION FOR {privilege} ON {on} FROM {grantee};\n")
            }
            _ => {}
        }
    }
    sql
}

/// An extension's objects' privileges (statements relative to what the
/// extension gave them): what the expected side grants or revokes and the
/// actual side does not, done; what only the actual side did, undone
/// (revokes need drops allowed).
fn extension(
    writer: &mut Writer,
    difference: &Difference,
    want: &[String],
    had: &[String],
) -> bool {
    let mut sql = String::new();
    for statement in want.iter().filter(|s| !had.contains(s)) {
        sql += statement;
        sql += "\n";
    }
    let undo: Vec<String> = had
        .iter()
        .filter(|s| !want.contains(s))
        .map(|s| match s.strip_prefix("GRANT ") {
            Some(rest) => format!("REVOKE {}", rest.replacen(" TO ", " FROM ", 1)),
            None => format!(
                "GRANT {}",
                s.trim_start_matches("REVOKE ")
                    .replacen(" FROM ", " TO ", 1)
            ),
        })
        .collect();
    let revokes = undo.iter().any(|s| s.starts_with("REVOKE "));
    if revokes && !writer.allow_drop {
        return false;
    }
    for statement in undo {
        sql += &statement;
        sql += "\n";
    }
    writer.push(
        Section::TableSettings,
        format!("-- {}\n{sql}", difference.id),
    );
    true
}
