//! The rules, one file each; `ALL` is the registry the engine runs and the
//! docs test checks against `docs/rules/`.

mod add_column_if_not_exists;
mod affected_tables;
mod concurrent_index_needs_drop;
mod concurrently_in_transaction;
mod destructive_without_rollback;
mod drop_if_exists;
mod duplicate_number;
mod explicit_transaction;
mod header_incomplete;
pub mod ignore;
mod index_without_concurrently;
mod no_emoji;
mod require_if_not_exists;
mod require_or_replace;
mod unguarded_add_constraint;
mod unguarded_create_type;
pub mod util;
mod verify_missing;
mod when_others;

use super::Rule;

pub static ALL: &[&dyn Rule] = &[
    &header_incomplete::HeaderIncomplete,
    &duplicate_number::DuplicateNumber,
    &no_emoji::NoEmoji,
    &affected_tables::AffectedTables,
    &destructive_without_rollback::DestructiveWithoutRollback,
    &verify_missing::VerifyMissing,
    &explicit_transaction::ExplicitTransaction,
    &require_if_not_exists::RequireIfNotExists,
    &add_column_if_not_exists::AddColumnIfNotExists,
    &drop_if_exists::DropIfExists,
    &unguarded_create_type::UnguardedCreateType,
    &unguarded_add_constraint::UnguardedAddConstraint,
    &when_others::WhenOthers,
    &require_or_replace::RequireOrReplace,
    &concurrent_index_needs_drop::ConcurrentIndexNeedsDrop,
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &index_without_concurrently::IndexWithoutConcurrently,
    &ignore::UnknownIgnore,
    &ignore::UnusedIgnore,
    &ignore::IgnoreWithoutReason,
];
