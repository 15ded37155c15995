//! The files of `current_schema/` for a catalog: units rendered, placed
//! where they already are (or where `touchpoint.conf` says), ordered so the
//! files load in name order; what could not be modelled named in warnings.

use std::collections::BTreeMap;

use crate::pg::tracking::TableName;
use crate::schema::catalog::Catalog;
use crate::schema::layout::{self, Config, Existing, SCHEMA_DIR};
use crate::schema::render::{self, Kind, Unit};

/// What `sync` computed: the files, and what it could not model.
pub struct Rendered {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

/// Renders the files for `cat`, keeping objects where `existing` has them.
pub fn render(
    cat: &Catalog,
    config: &Config,
    existing: &Existing,
    tracking: &TableName,
) -> Rendered {
    let (mut units, skipped) = render::units(cat);
    let tracking_key = format!("{}.{}", tracking.schema, tracking.name);
    let is_tracking = |u: &Unit| {
        let own = (u.key.kind == Kind::Table).then(|| format!("{}.{}", u.key.schema, u.key.name));
        let parent = u
            .parent
            .as_ref()
            .map(|p| format!("{}.{}", p.schema, p.name));
        own.as_deref() == Some(tracking_key.as_str())
            || parent.as_deref() == Some(tracking_key.as_str())
    };
    units.retain(|u| !is_tracking(u));
    let homes = layout::homes(&units, config, existing);
    let (ordered, mut warnings) = render::order(units, |u| {
        homes
            .get(&u.key.to_string())
            .cloned()
            .unwrap_or_else(|| layout::FOUNDATIONS.to_string())
    });
    let mut unmodelled: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, name) in cat.unmodelled.iter().chain(&skipped) {
        unmodelled
            .entry(kind.clone())
            .or_default()
            .push(name.clone());
    }
    for (kind, names) in unmodelled {
        let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
        let more = if names.len() > 5 {
            format!(" and {} more", names.len() - 5)
        } else {
            String::new()
        };
        warnings.push(format!(
            "not modelled, left out of {SCHEMA_DIR}/: {} {kind}{}: {}{more}",
            names.len(),
            if names.len() == 1 { "" } else { "(s)" },
            shown.join(", ")
        ));
    }
    Rendered {
        files: layout::render_files(&ordered),
        warnings,
    }
}
