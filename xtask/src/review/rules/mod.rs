//! The rules, one file each; `ALL` is the registry the engine runs and the
//! docs test checks against `docs/rules/`.

mod add_column_if_not_exists;
mod add_column_inline_constraint;
mod add_column_not_null_without_default;
mod add_exclusion_constraint;
mod affected_tables;
mod alter_column_type;
mod alter_column_type_dependents;
mod backfill_in_same_transaction;
mod breaking_changes;
mod concurrent_index_needs_drop;
mod concurrently_in_transaction;
mod constraint_not_valid;
mod ddl;
mod destructive_without_rollback;
mod detach_partition_without_concurrently;
mod domain_constraints;
mod drop_if_exists;
mod duplicate_number;
mod enum_value_used_in_same_transaction;
mod execute_ddl;
mod explicit_transaction;
mod foreign_key_without_index;
mod header_incomplete;
mod identifier_too_long;
pub mod ignore;
mod index_without_concurrently;
mod locks;
mod missing_lock_timeout;
mod multiple_alters;
mod no_emoji;
mod opt_in;
mod prefer_bigint_keys;
mod prefer_jsonb;
mod prefer_text;
mod prefer_timestamptz;
mod primary_key_using_nullable_index;
mod rename;
mod require_if_not_exists;
mod require_or_replace;
mod requires_newer_server;
mod set_not_null;
mod stored_generated_column;
mod timeout;
mod truncate_drop_database;
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
    &add_column_inline_constraint::AddColumnInlineConstraint,
    &backfill_in_same_transaction::BackfillInSameTransaction,
    &add_exclusion_constraint::AddExclusionConstraint,
    &detach_partition_without_concurrently::DetachPartitionWithoutConcurrently,
    &primary_key_using_nullable_index::PrimaryKeyUsingNullableIndex,
    &alter_column_type_dependents::AlterColumnTypeDependents,
    &domain_constraints::DomainConstraintNotValid,
    &domain_constraints::CreateDomainWithConstraint,
    &breaking_changes::DropColumn,
    &breaking_changes::DropTable,
    &breaking_changes::DropNotNull,
    &breaking_changes::DropForeignKey,
    &truncate_drop_database::TruncateCascade,
    &truncate_drop_database::DropDatabase,
    &execute_ddl::ExecuteDdl,
    &requires_newer_server::RequiresNewerServer,
    &opt_in::MissingStatementTimeout,
    &opt_in::PreferIdentity,
    &opt_in::BigintKeyColumns,
    &opt_in::EnumValueWithoutPosition,
    &ignore::UnknownIgnore,
    &ignore::UnusedIgnore,
    &ignore::IgnoreWithoutReason,
];

/// The ids of the rules that are off unless `[review] enable` names them.
pub fn opt_in_ids() -> Vec<&'static str> {
    ALL.iter().filter(|r| r.opt_in()).map(|r| r.id()).collect()
}
