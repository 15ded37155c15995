//! Every catalog query touchpoint makes about a schema lives here.
//!
//! [`read`] runs inside one `READ ONLY`, `REPEATABLE READ` transaction with an
//! empty `search_path`, so every name the server prints (`format_type`,
//! `pg_get_expr`, `pg_get_indexdef` ...) is schema-qualified and the picture is
//! one consistent snapshot. System schemas (`pg_*`, `information_schema`) and
//! objects that belong to an extension (`pg_depend.deptype = 'e'`) are left
//! out. Kinds that are not modelled are listed in [`Catalog::unmodelled`],
//! never silently dropped. The queries are bulk (one per kind, never one per
//! object), so a 1,000-table database costs the same dozen round trips.
//!
//! `queries` holds the SQL, `decode` turns the rows into the `model`, and
//! PostgreSQL's one-letter codes become the enums of `codes` there, once.

mod codes;
mod decode;
mod deparsed;
mod model;
mod queries;

use anyhow::{Context, Result};
use tokio_postgres::Client;

pub use deparsed::current_definition;

pub use codes::{
    ConstraintKind, DeparsedChange, DeparsedKind, GeneratedKind, Identity, PolicyCommand, RelKind,
    ReplicaIdentity, RoutineKind, TriggerEnabled,
};
pub use model::{
    Attribute, Catalog, Column, Constraint, Deparsed, Extension, ForeignTable, Function, Generated,
    Grant, IdentitySequence, Index, NotNull, ObjRef, Oid, Owner, Policy, Relation, Schema,
    Sequence, SequenceOptions, Trigger, Type, TypeKind,
};

/// Reads the schema of the database `client` is connected to. The session
/// must not be inside a transaction: the read opens (and ends) its own.
pub async fn read(client: &Client) -> Result<Catalog> {
    read_with(client, true).await
}

/// [`read`] without the dependencies between objects (`depends` stays
/// empty): what comparing two schemas needs; only ordering DDL needs more.
pub async fn read_for_compare(client: &Client) -> Result<Catalog> {
    read_with(client, false).await
}

async fn read_with(client: &Client, dependencies: bool) -> Result<Catalog> {
    // JIT off: the columns query's estimated cost (its per-row subqueries)
    // passes `jit_above_cost`, and compiling it costs more than it saves
    // (40 of 100 ms on a 1,000-table database; `dev bench drift`).
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''; SET LOCAL jit = off",
        )
        .await
        .context("cannot open a read-only transaction to read the catalogs")?;
    let catalog = decode::read_in(client, dependencies).await;
    let ended = client.batch_execute("ROLLBACK").await;
    let catalog = catalog.context("cannot read the schema from the catalogs")?;
    ended?;
    Ok(catalog)
}
