//! Row level security policies (missing ones come from sync's units): their
//! roles and expressions altered, dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::{Policy, Relation};
use crate::sql::quote::Quoter;

use super::writer::{DropStatement, Section, Writer};

/// A policy's roles, USING or WITH CHECK that differ; whether the script
/// changes them.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    relation: &Relation,
    policy: &Policy,
) -> bool {
    if !matches!(
        difference.aspect,
        Aspect::Using | Aspect::WithCheck | Aspect::Roles
    ) {
        return false;
    }
    let quoter = &writer.quoter;
    let roles = if policy.roles.is_empty() {
        "PUBLIC".to_string()
    } else {
        policy.roles.join(", ")
    };
    let mut sql = format!(
        "ALTER POLICY {} ON {} TO {roles}",
        quoter.ident(&policy.name),
        quoter.qualified(&relation.schema, &relation.name)
    );
    if let Some(using) = &policy.using {
        sql += &format!(" USING ({using})");
    }
    if let Some(check) = &policy.with_check {
        sql += &format!(" WITH CHECK ({check})");
    }
    writer.push(Section::Later, format!("-- {}\n{sql};\n", difference.id));
    true
}

pub(super) fn drop(quoter: &Quoter, relation: &Relation, policy: &Policy) -> DropStatement {
    DropStatement::new(
        format!(
            "DROP POLICY IF EXISTS {} ON {};",
            quoter.ident(&policy.name),
            quoter.qualified(&relation.schema, &relation.name)
        ),
        "rows the policy let through (or kept out) change",
    )
}
