//! Where a migration stands in the workflow, judged from its stamps alone,
//! and the command that moves it on.

use super::{Migration, StampState, Touchpoint};

/// Where a migration stands in the workflow, judged from its stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    NotReviewed,
    /// Reviewed, then the executable part changed.
    ReviewStale,
    Reviewed,
    /// Executed, then the executable part changed: an applied migration
    /// must never change.
    ChangedAfterApply,
    /// A ticked line without a verifiable date and checksum.
    Unverifiable(Touchpoint),
    Executed,
    /// Synced, then the executable part changed.
    SyncStale,
    Synced,
}

impl Progress {
    pub fn of(m: &Migration) -> Progress {
        use StampState::*;
        match m.stamp_state(Touchpoint::Executed) {
            Stale(_) => return Progress::ChangedAfterApply,
            Unverifiable(_) => return Progress::Unverifiable(Touchpoint::Executed),
            Current(_) => {
                return match m.stamp_state(Touchpoint::Synced) {
                    Current(_) => Progress::Synced,
                    Stale(_) => Progress::SyncStale,
                    Unverifiable(_) => Progress::Unverifiable(Touchpoint::Synced),
                    Open | NoLine => Progress::Executed,
                }
            }
            Open | NoLine => {}
        }
        match m.stamp_state(Touchpoint::Reviewed) {
            Current(_) => Progress::Reviewed,
            Stale(_) => Progress::ReviewStale,
            Unverifiable(_) => Progress::Unverifiable(Touchpoint::Reviewed),
            Open | NoLine => Progress::NotReviewed,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Progress::NotReviewed => "not_reviewed",
            Progress::ReviewStale => "review_stale",
            Progress::Reviewed => "reviewed",
            Progress::ChangedAfterApply => "changed_after_apply",
            Progress::Unverifiable(Touchpoint::Reviewed) => "reviewed_unverifiable",
            Progress::Unverifiable(Touchpoint::Executed) => "executed_unverifiable",
            Progress::Unverifiable(Touchpoint::Synced) => "synced_unverifiable",
            Progress::Executed => "executed",
            Progress::SyncStale => "sync_stale",
            Progress::Synced => "synced",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Progress::NotReviewed => "not reviewed",
            Progress::ReviewStale => "review stale: changed after review",
            Progress::Reviewed => "reviewed, not executed",
            Progress::ChangedAfterApply => "CHANGED AFTER APPLY",
            Progress::Unverifiable(Touchpoint::Reviewed) => "Reviewed ticked without a stamp",
            Progress::Unverifiable(Touchpoint::Executed) => "Executed ticked without a stamp",
            Progress::Unverifiable(Touchpoint::Synced) => "Synced ticked without a stamp",
            Progress::Executed => "executed, not synced",
            Progress::SyncStale => "sync stale: changed after sync",
            Progress::Synced => "done",
        }
    }

    /// The command (or action) that moves the migration forward.
    pub fn next(self, m: &Migration, file: &str) -> Option<String> {
        let nn = &m.name.number_text;
        Some(match self {
            Progress::NotReviewed
            | Progress::ReviewStale
            | Progress::Unverifiable(Touchpoint::Reviewed) => {
                format!("cargo xtask migration review {file}")
            }
            Progress::Reviewed => "cargo xtask migration apply".to_string(),
            Progress::ChangedAfterApply => format!(
                "restore the applied text (git log -p {file}) and put the change in a new migration: cargo xtask migration new \"...\""
            ),
            Progress::Unverifiable(Touchpoint::Executed) => {
                "cargo xtask migration status (compare with the database's tracking table)".to_string()
            }
            Progress::Executed | Progress::SyncStale | Progress::Unverifiable(Touchpoint::Synced) => {
                format!("cargo xtask migration sync --for {nn}")
            }
            Progress::Synced => return None,
        })
    }
}
