//! Comments on any object: set to the expected text, or removed.

use crate::drift::diff::Difference;
use crate::drift::model::{Object, Source};
use crate::sql::quote::{literal, Quoter};

use super::writer::{Section, Writer};

/// `COMMENT ON ... IS` the expected text (or NULL).
pub(super) fn alter(writer: &mut Writer, difference: &Difference, want: &Object) {
    let target = target(&writer.quoter, want);
    let value = difference
        .expected
        .as_deref()
        .map_or("NULL".to_string(), literal);
    writer.push(
        Section::TableSettings,
        format!("-- {}\nCOMMENT ON {target} IS {value};\n", difference.id),
    );
}

/// How `COMMENT ON` names the object.
fn target(quoter: &Quoter, o: &Object) -> String {
    let name = o.name();
    match o.source {
        Source::Column(r, c) => format!(
            "COLUMN {}.{}",
            quoter.qualified(&r.schema, &r.name),
            quoter.ident(&c.name)
        ),
        Source::Relation(r) => format!("{} {name}", r.kind.keyword()),
        Source::Index(r, i) => format!("INDEX {}", quoter.qualified(&r.schema, &i.name)),
        Source::Constraint(r, c) => format!(
            "CONSTRAINT {} ON {}",
            quoter.ident(&c.name),
            quoter.qualified(&r.schema, &r.name)
        ),
        Source::Function(f) => format!("{} {name}", f.kind.keyword()),
        Source::Schema(_) => format!("SCHEMA {name}"),
        Source::Sequence(_) => format!("SEQUENCE {name}"),
        Source::Type(t) => format!("{} {name}", t.keyword()),
        Source::Trigger(r, t) => format!(
            "TRIGGER {} ON {}",
            quoter.ident(&t.name),
            quoter.qualified(&r.schema, &r.name)
        ),
        Source::Policy(r, p) => format!(
            "POLICY {} ON {}",
            quoter.ident(&p.name),
            quoter.qualified(&r.schema, &r.name)
        ),
        Source::Extension(_) => format!("EXTENSION {name}"),
        Source::Deparsed(d) => d.comment_target.clone().unwrap_or_default(),
    }
}
