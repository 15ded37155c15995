//! What rules share beyond taking statements apart ([`crate::review::ddl`],
//! re-exported here): the schema as it stands before each statement of the
//! reviewed migration.

pub use crate::review::ddl::*;
use crate::review::schema::{Store, View};
use crate::review::stmt::Stmt;
use crate::review::Context;

/// Calls `f` with each body statement and the schema as it stands before
/// it (the earlier migrations plus this body's earlier statements) when a
/// statement of the body satisfies `needed`; otherwise `f` sees the schema
/// before the migration for every statement (folding the body costs more
/// than most rules). Rules that always need the schema statement by
/// statement use [`crate::review::Rule::check_stmt`] instead, which shares
/// one walk.
pub fn walk_with_schema_if<'a>(
    cx: &'a Context<'_>,
    needed: impl Fn(&Stmt) -> bool,
    mut f: impl FnMut(&'a Stmt, &dyn Store),
) {
    if !cx.body_stmts().any(needed) {
        for s in cx.body_stmts() {
            f(s, cx.before);
        }
        return;
    }
    let mut view = View::new(cx.before);
    for s in cx.body_stmts() {
        f(s, &view);
        view.apply(s);
    }
}
