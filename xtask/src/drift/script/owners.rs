//! Owners (when the project compares them): `ALTER ... OWNER TO` the
//! expected role, or back to the database's owner.

use crate::drift::diff::Difference;
use crate::drift::model::{Object, Source};
use crate::schema::catalog::{ObjRef, Owner};
use crate::sql::quote::literal;

use super::writer::{Section, Writer};

/// An owner that differs; whether the script changes it.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    want: &Object,
    have: &Object,
) -> bool {
    let wanted = row(want).and_then(|r| writer.expected.owner_of(&r));
    let had = row(have).and_then(|r| writer.actual.owner_of(&r));
    let Some(Owner { keyword, name, .. }) = wanted.or(had) else {
        return false;
    };
    let sql = match wanted {
        Some(o) => format!("ALTER {keyword} {name} OWNER TO {};\n", o.role),
        // Back to the database's owner, whoever that is where it runs.
        None => format!(
            "DO $do$ BEGIN EXECUTE pg_catalog.format({}, (SELECT pg_catalog.pg_get_userbyid(d.datdba) FROM pg_catalog.pg_database d WHERE d.datname = current_database())); END $do$;\n",
            literal(&format!(
                "ALTER {keyword} {} OWNER TO %I",
                name.replace('%', "%%")
            ))
        ),
    };
    writer.push(
        Section::TableSettings,
        format!(
            "-- {}\n-- RISK: the new owner may change, grant and drop it; the old one loses that.\n{sql}",
            difference.id
        ),
    );
    true
}

/// The catalog row `object` stands for.
fn row(object: &Object) -> Option<ObjRef> {
    Some(match object.source {
        Source::Schema(s) => ObjRef("pg_namespace", s.oid),
        Source::Type(t) => ObjRef("pg_type", t.oid),
        Source::Sequence(s) => ObjRef("pg_class", s.oid),
        Source::Relation(r) => ObjRef("pg_class", r.oid),
        Source::Function(f) => ObjRef("pg_proc", f.oid),
        Source::Deparsed(d) => ObjRef(d.kind.class(), d.oid),
        _ => return None,
    })
}
