//! Functions and procedures: replaced when their definition differs
//! (dropped and created, with drops allowed, when CREATE OR REPLACE
//! cannot), dropped.

use crate::drift::diff::Difference;
use crate::drift::kind::Aspect;
use crate::schema::catalog::Function;
use crate::schema::render::{do_block, grants};
use crate::sql::quote::literal;

use super::writer::{unless, DropStatement, Section, Writer};

/// A routine whose definition differs; whether the script changes it:
/// `CREATE OR REPLACE` when the signature allows it, else (drops allowed)
/// dropped and created again.
pub(super) fn alter(
    writer: &mut Writer,
    difference: &Difference,
    function: &Function,
    had: &Function,
) -> bool {
    if difference.aspect != Aspect::Definition {
        return false;
    }
    let replaceable = replaceable(function, had);
    let keyword = function.kind.keyword();
    let create = literal(&function.definition);
    let (risk, then) = if replaceable {
        (
            format!(
                "-- RISK: replaces the {}: callers run the new body.\n",
                keyword.to_lowercase()
            ),
            format!("EXECUTE {create};"),
        )
    } else if writer.allow_drop {
        (
            format!(
                "-- RISK: CREATE OR REPLACE cannot change its argument names, OUT arguments, result or defaults: the {}\n\
                 -- is dropped and created again (in one statement); what depends on it (a view, a trigger, a default,\n\
                 -- a policy) makes the DROP fail.\n",
                keyword.to_lowercase()
            ),
            format!(
                "EXECUTE {};\nEXECUTE {create};",
                literal(&format!("DROP {keyword} {}", difference.id.name))
            ),
        )
    } else {
        return false;
    };
    let mut sql = format!(
        "-- {}\n{risk}{}",
        difference.id,
        unless(&is_current(function), &then)
    );
    // Created again it has lost its comment, grants and owner, and got
    // what default privileges grant: the expected ones, as sync writes
    // them, then exactly the expected grants (in one block: callers never
    // go without).
    if !replaceable {
        if let Some(unit) = writer.expected_units.get(&difference.id) {
            sql += unit;
        }
        sql += &exact_grants(function, &difference.id.name);
    }
    writer.push(Section::Routines, sql);
    true
}

/// Whether `CREATE OR REPLACE` turns `had` into `function`: PostgreSQL
/// refuses to replace a routine whose argument names or modes, OUT
/// arguments or result change, or that would lose a default.
pub(super) fn replaceable(function: &Function, had: &Function) -> bool {
    function.signature == had.signature && function.defaults >= had.defaults
}

/// A condition: the routine is defined as `function`.
pub(super) fn is_current(function: &Function) -> String {
    format!("{} = {}", current(function), literal(&function.definition))
}

/// The routine's definition as the server has it, found by name and
/// identity argument types.
fn current(function: &Function) -> String {
    format!(
        "(SELECT pg_catalog.regexp_replace(pg_catalog.pg_get_functiondef(p.oid), '[\\s;]+$', '') FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = {} AND p.proname = {} AND pg_catalog.oidvectortypes(p.proargtypes) = {})",
        literal(&function.schema),
        literal(&function.name),
        literal(&function.identity_types)
    )
}

pub(super) fn drop(function: &Function, name: &str) -> DropStatement {
    DropStatement::new(
        format!("DROP {} IF EXISTS {name};", function.kind.keyword()),
        "callers of the function fail",
    )
}

/// A DO block that leaves the routine's privileges exactly `function`'s:
/// every grant to others than the owner revoked, the expected ones given.
fn exact_grants(function: &Function, name: &str) -> String {
    let keyword = function.kind.keyword();
    let grant = grants(&format!("{keyword} {name}"), &function.grants);
    do_block(&format!(
        "DECLARE\n    r record;\nBEGIN\n    \
         FOR r IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a\n              \
         WHERE p.oid = {}::regprocedure AND a.grantee <> p.proowner LOOP\n        \
         EXECUTE pg_catalog.format('REVOKE ALL ON {keyword} %s FROM %s', {}, CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);\n    \
         END LOOP;\n{grant}END\n",
        literal(name),
        literal(name)
    ))
}
