//! `schema_describe`: an object of `current_schema/` found by its marker
//! line (`-- table: service_ops.packet`), with its file, line and SQL, and
//! the objects whose name or SQL refers to it. What the workflow calls
//! verifying the current system before writing.

use std::path::Path;

use serde_json::{json, Value};

use crate::schema::layout::{Existing, Placed, SCHEMA_DIR};

/// One object of the files: `kind: name` split, and where it is.
struct Found<'a> {
    marker: &'a str,
    kind: &'a str,
    name: &'a str,
    placed: &'a Placed,
}

/// How closely a name answers the query; `None`: not at all.
fn closeness(name: &str, query: &str) -> Option<u8> {
    let bare = name.split('(').next().unwrap_or(name);
    if name == query {
        Some(0)
    } else if bare == query {
        Some(1)
    } else if bare.rsplit_once('.').is_some_and(|(_, last)| last == query) {
        Some(2)
    } else {
        None
    }
}

/// Whether `sql` names `name` as a whole identifier path.
fn mentions(sql: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '"';
    sql.match_indices(name).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

fn located(f: &Found) -> String {
    format!("{SCHEMA_DIR}/{}:{}", f.placed.file, f.placed.line)
}

/// The objects answering `query` (of `kind`, when given): a summary and the
/// structured content; or the error message, with names close to it.
pub fn describe(root: &Path, query: &str, kind: Option<&str>) -> Result<(String, Value), String> {
    let existing = Existing::load(root).map_err(|e| format!("{e:#}"))?;
    if existing.objects.is_empty() {
        return Err(format!(
            "{SCHEMA_DIR}/ has no objects: run migration_sync after applying the migrations (or read the migrations themselves)"
        ));
    }
    let (kind, query) = match query.trim().split_once(": ") {
        Some((k, q)) => (Some(k.trim()), q.trim()),
        None => (kind.map(str::trim), query.trim()),
    };
    let mut all: Vec<Found> = existing
        .objects
        .iter()
        .map(|(marker, placed)| {
            let (kind, name) = marker.split_once(": ").unwrap_or((marker, ""));
            Found {
                marker,
                kind,
                name,
                placed,
            }
        })
        .collect();
    all.sort_by(|a, b| (&a.placed.file, a.placed.line).cmp(&(&b.placed.file, b.placed.line)));
    let scored: Vec<(u8, &Found)> = all
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter_map(|f| closeness(f.name, query).map(|c| (c, f)))
        .collect();
    let Some(best) = scored.iter().map(|(c, _)| *c).min() else {
        return Err(not_found(&all, query, kind));
    };
    let matches: Vec<&Found> = scored
        .iter()
        .filter(|(c, _)| *c == best)
        .map(|(_, f)| *f)
        .collect();
    let mut summary = String::new();
    let mut objects = Vec::new();
    let mut related = Vec::new();
    for m in &matches {
        summary.push_str(&format!(
            "{}: {}\n-- {}\n{}\n",
            located(m),
            m.marker,
            m.marker,
            m.placed.sql.trim_end()
        ));
        objects.push(json!({
            "object": m.marker,
            "kind": m.kind,
            "name": m.name,
            "file": format!("{SCHEMA_DIR}/{}", m.placed.file),
            "line": m.placed.line,
            "sql": m.placed.sql,
        }));
        let bare = m.name.split('(').next().unwrap_or(m.name);
        let child = format!("{bare}.");
        for r in all.iter().filter(|r| r.marker != m.marker) {
            if r.name.starts_with(&child) || mentions(&r.placed.sql, bare) {
                related.push(json!({
                    "object": r.marker,
                    "file": format!("{SCHEMA_DIR}/{}", r.placed.file),
                    "line": r.placed.line,
                    "refers_to": m.marker,
                }));
                summary.push_str(&format!("  referred to by {}: {}\n", located(r), r.marker));
            }
        }
    }
    Ok((
        summary,
        json!({ "query": query, "objects": objects, "related": related }),
    ))
}

/// No object answers the query: the names that contain its last part.
fn not_found(all: &[Found], query: &str, kind: Option<&str>) -> String {
    let last = query.rsplit('.').next().unwrap_or(query).to_lowercase();
    let close: Vec<&str> = all
        .iter()
        .filter(|f| f.name.to_lowercase().contains(&last))
        .map(|f| f.marker)
        .take(10)
        .collect();
    format!(
        "no {} `{query}` in {SCHEMA_DIR}/{}",
        kind.unwrap_or("object"),
        if close.is_empty() {
            " (it may not exist yet, or current_schema/ is stale: migration_sync --check says)"
                .to_string()
        } else {
            format!("; close: {}", close.join(", "))
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_then_without_arguments_then_unqualified() {
        assert_eq!(
            closeness("service_ops.packet", "service_ops.packet"),
            Some(0)
        );
        assert_eq!(
            closeness(
                "service_ops.touch_updated_at()",
                "service_ops.touch_updated_at"
            ),
            Some(1)
        );
        assert_eq!(closeness("service_ops.packet", "packet"), Some(2));
        assert_eq!(closeness("service_ops.packet_decision", "packet"), None);
        assert!(mentions(
            "CREATE INDEX i ON service_ops.packet USING btree (x);",
            "service_ops.packet"
        ));
        assert!(!mentions(
            "REFERENCES service_ops.packet_decision(id)",
            "service_ops.packet"
        ));
    }
}
