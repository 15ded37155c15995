//! The rules, one file each; `ALL` is the registry the engine runs and the
//! docs test checks against `docs/rules/`.

mod add_column_if_not_exists;
mod add_column_not_null_without_default;
mod affected_tables;
mod alter_column_type;
mod concurrent_index_needs_drop;
mod concurrently_in_transaction;
mod constraint_not_valid;
mod ddl;
mod destructive_without_rollback;
mod drop_if_exists;
mod duplicate_number;
mod enum_value_used_in_same_transaction;
mod explicit_transaction;
mod foreign_key_without_index;
mod header_incomplete;
mod identifier_too_long;
pub mod ignore;
mod index_without_concurrently;
mod missing_lock_timeout;
mod multiple_alters;
mod no_emoji;
mod prefer_bigint_keys;
mod prefer_jsonb;
mod prefer_text;
mod prefer_timestamptz;
mod rename;
mod require_if_not_exists;
mod require_or_replace;
mod set_not_null;
mod stored_generated_column;
mod unguarded_add_constraint;
mod unguarded_create_type;
mod unique_without_index;
pub mod util;
mod vacuum_full_or_cluster;
mod validate_in_same_transaction;
mod verify_missing;
mod volatile_default;
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
    &constraint_not_valid::ConstraintNotValid,
    &validate_in_same_transaction::ValidateInSameTransaction,
    &set_not_null::SetNotNull,
    &add_column_not_null_without_default::AddColumnNotNullWithoutDefault,
    &volatile_default::VolatileDefault,
    &stored_generated_column::StoredGeneratedColumn,
    &alter_column_type::AlterColumnType,
    &unique_without_index::UniqueWithoutIndex,
    &missing_lock_timeout::MissingLockTimeout,
    &multiple_alters::MultipleAlters,
    &rename::Rename,
    &vacuum_full_or_cluster::VacuumFullOrCluster,
    &enum_value_used_in_same_transaction::EnumValueUsedInSameTransaction,
    &prefer_timestamptz::PreferTimestamptz,
    &prefer_text::PreferText,
    &prefer_bigint_keys::PreferBigintKeys,
    &prefer_jsonb::PreferJsonb,
    &identifier_too_long::IdentifierTooLong,
    &foreign_key_without_index::ForeignKeyWithoutIndex,
    &ignore::UnknownIgnore,
    &ignore::UnusedIgnore,
    &ignore::IgnoreWithoutReason,
];
