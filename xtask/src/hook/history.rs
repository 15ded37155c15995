//! The history the repository keeps: an executed migration is never
//! deleted or renamed unless it is retired on purpose (`migrations/RETIRED`
//! in the same commit), and a `current_schema/` file disappears only when
//! sync removed it.

use std::collections::BTreeSet;

use super::model::{error, Blobs, HookFinding, Judged, Listing};
use super::{EXECUTED_DELETED, EXECUTED_RENAMED, SCHEMA_DELETED};
use crate::migration::retired::{self, Retired};
use crate::migration::{Migration, MigrationName, StampState, Touchpoint};
use crate::schema::layout::Existing;

/// Deleted (or renamed) migrations that HEAD has executed.
pub fn deletions(
    listing: &Listing,
    blobs: &dyn Blobs,
    judged: &[Judged],
    out: &mut Vec<HookFinding>,
) {
    if listing.deleted.is_empty() {
        return;
    }
    let retired = retired_entries(listing, blobs);
    for path in &listing.deleted {
        let Some(m) = executed_in_head(path, blobs) else {
            continue; // never executed: deleting or renaming it is fine
        };
        if retired::covers(&retired, &m.name.stem, &m.checksum) {
            continue;
        }
        let file = path.rsplit('/').next().unwrap_or(path);
        let retire = format!(
            "or retire it on purpose: cargo xtask migration retire {path} --reason \"...\", then `cargo xtask migration repair --reason \"...\"` on each database that ran it"
        );
        let renamed = judged
            .iter()
            .find(|j| j.m.checksum == m.checksum && !listed_in_head(listing, &j.path));
        match renamed {
            Some(new) => out.push(error(
                EXECUTED_RENAMED,
                &new.path,
                None,
                format!(
                    "is {file} renamed, and that migration was executed: every database that ran it knows it as {}, so the next `migration apply` there runs it again as {}",
                    m.name.stem, new.m.name.stem
                ),
                format!("git mv {} {path}  (keep the executed name); {retire}", new.path),
            )),
            None => out.push(error(
                EXECUTED_DELETED,
                path,
                None,
                "an executed migration is deleted: every database that ran it reports it missing (`migration status`), and `migration apply` stops there".to_string(),
                format!("restore it: git checkout HEAD -- {path}; {retire}"),
            )),
        }
    }
}

/// The migration HEAD holds at `path`, when its Executed stamp is current.
fn executed_in_head(path: &str, blobs: &dyn Blobs) -> Option<Migration> {
    let text = blobs.head(path)?.ok()?;
    let name = MigrationName::parse(path.rsplit('/').next()?).ok()?;
    let m = Migration::parse(name, &text).ok()?;
    matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_)).then_some(m)
}

fn listed_in_head(listing: &Listing, path: &str) -> bool {
    listing
        .migrations
        .iter()
        .any(|l| l.path == path && l.in_head)
}

/// What the staged `migrations/RETIRED` records.
fn retired_entries(listing: &Listing, blobs: &dyn Blobs) -> Vec<Retired> {
    listing
        .retired
        .as_ref()
        .and_then(|path| blobs.index(path).ok())
        .map(|text| retired::parse(&text))
        .unwrap_or_default()
}

/// Deleted `current_schema/` files: allowed when sync removed them, that is
/// when every object they held is in another staged file (the layout moved
/// it) or a migration synced in this commit names the file in its SOURCE OF
/// TRUTH lines (the objects were dropped).
pub fn schema_deletions(
    listing: &Listing,
    blobs: &dyn Blobs,
    judged: &[Judged],
    out: &mut Vec<HookFinding>,
) {
    if listing.deleted_schema.is_empty() {
        return;
    }
    let staged = staged_objects(listing, blobs);
    for path in &listing.deleted_schema {
        let named_by_sync = judged.iter().filter(|j| j.synced).any(|j| {
            j.m.header.as_ref().is_some_and(|h| {
                h.source_of_truth.iter().any(|i| {
                    i.text
                        .split_whitespace()
                        .next()
                        .is_some_and(|f| f.starts_with("current_schema/") && path.ends_with(f))
                })
            })
        });
        let held = head_objects(path, blobs);
        let moved = !held.is_empty() && held.iter().all(|o| staged.contains(o));
        if named_by_sync || moved {
            continue;
        }
        out.push(error(
            SCHEMA_DELETED,
            path,
            None,
            "is deleted, but not by sync: its objects are in no other current_schema/ file and no migration synced in this commit removed them; current_schema/ must be what sync writes".to_string(),
            format!(
                "cargo xtask migration sync && git add {}current_schema/  (or restore it: git checkout HEAD -- {path})",
                listing.prefix
            ),
        ));
    }
}

/// The object markers (`table: s.t`) of HEAD's version of `path`.
fn head_objects(path: &str, blobs: &dyn Blobs) -> BTreeSet<String> {
    let Some(Ok(text)) = blobs.head(path) else {
        return BTreeSet::new();
    };
    let mut existing = Existing::default();
    existing.add("deleted.sql", text);
    existing.objects.into_keys().collect()
}

/// Every object marker in the staged `current_schema/` files.
fn staged_objects(listing: &Listing, blobs: &dyn Blobs) -> BTreeSet<String> {
    let mut existing = Existing::default();
    for listed in &listing.schema {
        if let Ok(text) = blobs.index(&listed.path) {
            existing.add(&listed.file_name, text);
        }
    }
    existing.objects.into_keys().collect()
}
