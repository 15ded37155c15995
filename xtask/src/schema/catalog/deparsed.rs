//! The queries of the kinds the model holds as the statements that create
//! them ([`super::Deparsed`]): collations, aggregates, default privileges,
//! event triggers, foreign-data wrappers, servers, user mappings, rules,
//! publications, subscriptions, statistics objects, text search
//! dictionaries and configurations, operators, operator families and
//! operator classes, casts. Each query deparses on the server (names quoted by
//! `quote_ident`, values by `quote_literal`, types by `format_type`, all
//! schema-qualified under the read's empty `search_path`), so one text is
//! what sync writes, what drift compares and what the catch-up script
//! checks against the live catalogs.
//!
//! Every query answers the same columns: oid, schema, name, qualified name,
//! create, after, exists, drop, comment target, comment, relation, needs,
//! alter (what sets a wrapper's or server's settings on one whose options
//! were cleared: they have dependents a drop would refuse to leave; what
//! enables a rule again, or revokes an aggregate's grants and gives it back
//! to PUBLIC, which CREATE OR REPLACE leaves as they were; what gives an
//! existing text search dictionary its options and configuration exactly
//! its mappings).
//! Columns that only some versions have are read through `to_jsonb(row)`
//! (absent is NULL) or chosen by `server_version_num` (14 to 18).

use super::codes::DeparsedKind;
use super::queries::{grantee, not_extension_member, USER_NS};

/// The query that reads every object of `kind` on a server of `version`.
pub fn query(kind: DeparsedKind, version: i32) -> String {
    match kind {
        DeparsedKind::Collation => collations(),
        DeparsedKind::Aggregate => aggregates(),
        DeparsedKind::DefaultPrivileges => default_privileges(),
        DeparsedKind::EventTrigger => event_triggers(),
        DeparsedKind::ForeignDataWrapper => foreign_data_wrappers(),
        DeparsedKind::ForeignServer => foreign_servers(),
        DeparsedKind::UserMapping => user_mappings(),
        DeparsedKind::Rule => rules(),
        DeparsedKind::Publication => publications(version),
        DeparsedKind::Subscription => subscriptions(),
        DeparsedKind::Statistics => statistics(),
        DeparsedKind::TextSearchDictionary => text_search_dictionaries(),
        DeparsedKind::TextSearchConfiguration => text_search_configurations(),
        DeparsedKind::Operator => operators(),
        DeparsedKind::OperatorFamily => operator_families(),
        DeparsedKind::OperatorClass => operator_classes(),
        DeparsedKind::Cast => casts(),
    }
}

/// The current definition of the object `kind` named `qualified` (a SQL
/// literal), or NULL: what the catch-up script compares before it changes.
pub fn current_definition(kind: DeparsedKind, version: i32, qualified: &str) -> String {
    format!(
        "(SELECT CASE WHEN q.after = '' THEN q.\"create\" ELSE q.\"create\" || E'\\n' || q.after END FROM ({}) q WHERE q.qualified = {qualified})",
        query(kind, version)
    )
}

/// `OPTIONS (name 'value', ...)` of an options array, or `''`.
pub(super) fn options_clause(options: &str, leave_out: &str) -> String {
    format!(
        "coalesce(' OPTIONS (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value), ', ' ORDER BY o.ord)
                                                 FROM pg_catalog.pg_options_to_table({options}) WITH ORDINALITY o(option_name, option_value, ord)
                                                WHERE {leave_out}) || ')', '')"
    )
}

/// The columns every query ends with, in order, after its own FROM.
const COLUMNS: &str = "oid, schema, name, qualified, \"create\", after, \"exists\", \"drop\", comment_target, comment, relation, needs, \"alter\"";

/// Wraps the select list and FROM of a kind in the common column names.
fn shaped(select: &str) -> String {
    format!("SELECT {COLUMNS} FROM ({select}) k({COLUMNS})")
}

fn collations() -> String {
    shaped(&format!(
        "SELECT co.oid, n.nspname::text, co.collname::text, q.qn,
                'CREATE COLLATION IF NOT EXISTS ' || q.qn || ' (' || pg_catalog.concat_ws(', ',
                    'provider = ' || CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END,
                    CASE WHEN co.collprovider = 'c' AND co.collcollate::text = co.collctype::text
                         THEN 'locale = ' || pg_catalog.quote_literal(co.collcollate::text) END,
                    CASE WHEN co.collprovider = 'c' AND co.collcollate::text <> co.collctype::text
                         THEN 'lc_collate = ' || pg_catalog.quote_literal(co.collcollate::text)
                              || ', lc_ctype = ' || pg_catalog.quote_literal(co.collctype::text) END,
                    CASE WHEN co.collprovider <> 'c'
                         THEN 'locale = ' || pg_catalog.quote_literal(coalesce(q.j ->> 'colllocale', q.j ->> 'colliculocale', co.collcollate::text)) END,
                    'rules = ' || pg_catalog.quote_literal(q.j ->> 'collicurules'),
                    CASE WHEN NOT co.collisdeterministic THEN 'deterministic = false' END) || ');',
                '', NULL::text,
                'DROP COLLATION IF EXISTS ' || q.qn || ';',
                'COLLATION ' || q.qn, pg_catalog.obj_description(co.oid, 'pg_collation'), 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname) AS qn,
                                pg_catalog.to_jsonb(co) AS j) q
          WHERE {USER_NS} AND {}",
        not_extension_member("pg_collation", "co.oid")
    ))
}

/// `name = function` of an aggregate's support function, when it has one.
fn support(name: &str, oid: &str) -> String {
    format!("CASE WHEN {oid} <> 0 THEN '{name} = ' || {oid}::pg_catalog.regproc::text END")
}

/// `READ_ONLY` ... of `aggfinalmodify` / `aggmfinalmodify`.
fn modify(name: &str, function: &str, code: &str) -> String {
    format!(
        "CASE WHEN {function} <> 0 THEN '{name} = ' || CASE {code} WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END"
    )
}

/// Aggregates (ordered-set and hypothetical-set too): PostgreSQL has no
/// deparse function for them, so CREATE AGGREGATE is built from
/// `pg_aggregate`, every option that differs from the default named.
fn aggregates() -> String {
    let options = [
        "'SFUNC = ' || a.aggtransfn::pg_catalog.regproc::text".to_string(),
        "'STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL)".to_string(),
        "CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END".to_string(),
        support("FINALFUNC", "a.aggfinalfn"),
        "CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END".to_string(),
        modify("FINALFUNC_MODIFY", "a.aggfinalfn", "a.aggfinalmodify"),
        support("COMBINEFUNC", "a.aggcombinefn"),
        support("SERIALFUNC", "a.aggserialfn"),
        support("DESERIALFUNC", "a.aggdeserialfn"),
        "'INITCOND = ' || pg_catalog.quote_literal(a.agginitval)".to_string(),
        support("MSFUNC", "a.aggmtransfn"),
        support("MINVFUNC", "a.aggminvtransfn"),
        "CASE WHEN a.aggmtransfn <> 0 THEN 'MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END".to_string(),
        "CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END".to_string(),
        support("MFINALFUNC", "a.aggmfinalfn"),
        "CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END".to_string(),
        modify("MFINALFUNC_MODIFY", "a.aggmfinalfn", "a.aggmfinalmodify"),
        "'MINITCOND = ' || pg_catalog.quote_literal(a.aggminitval)".to_string(),
        "CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = OPERATOR(' || (SELECT pg_catalog.quote_ident(opn.nspname) || '.' || op.oprname
                   FROM pg_catalog.pg_operator op JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
                  WHERE op.oid = a.aggsortop) || ')' END".to_string(),
        "CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END".to_string(),
        "CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END".to_string(),
    ];
    shaped(&format!(
        "SELECT p.oid, n.nspname::text, p.proname || '(' || q.args || ')', q.qn || '(' || q.args || ')',
                'CREATE OR REPLACE AGGREGATE ' || q.qn || '('
                    || CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_arguments(p.oid) END
                    || E') (\\n    ' || pg_catalog.concat_ws(E',\\n    ', {}) || E'\\n);',
                {},
                NULL::text,
                'DROP AGGREGATE IF EXISTS ' || q.qn || '(' || q.args || ');',
                'AGGREGATE ' || q.qn || '(' || q.args || ')', pg_catalog.obj_description(p.oid, 'pg_proc'), 0::oid, NULL::text[],
                {} || CASE WHEN p.proacl IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(p.proacl) a WHERE a.grantee = 0)
                     THEN E'\nGRANT EXECUTE ON FUNCTION ' || p.oid::pg_catalog.regprocedure::text || ' TO PUBLIC;' ELSE '' END
           FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
           JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) AS qn,
                                CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_catalog.pg_get_function_identity_arguments(p.oid) END AS args) q
          WHERE {USER_NS} AND p.prokind = 'a' AND {}",
        options.join(",\n                    "),
        aggregate_grants(),
        revoke_every_grant("pg_catalog.quote_literal(p.oid::pg_catalog.regprocedure::text)"),
        not_extension_member("pg_proc", "p.oid")
    ))
}

/// A PL/pgSQL block that revokes every privilege of every role but the
/// owner on the routine whose signature `signature` gives as a literal:
/// CREATE OR REPLACE keeps an aggregate's grants, and its `after` only adds.
fn revoke_every_grant(signature: &str) -> String {
    format!(
        "E'DECLARE\n    g record;\nBEGIN\n    FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a WHERE p.oid = '
            || {signature} || '::pg_catalog.regprocedure AND a.grantee <> p.proowner LOOP'
            || E'\n        EXECUTE pg_catalog.format(''REVOKE ALL ON FUNCTION %s FROM %s'', ' || {signature}
            || ', CASE WHEN g.grantee = 0 THEN ''PUBLIC'' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END);\n    END LOOP;\nEND;'"
    )
}

/// An aggregate's grants when it has an ACL of its own: EXECUTE revoked
/// from PUBLIC when PUBLIC lacks it, then each other role's privileges
/// (the owner's are implicit, PUBLIC's EXECUTE is the default); `''` with
/// the default ACL, spelled out or not.
fn aggregate_grants() -> String {
    "CASE WHEN p.proacl IS NULL THEN '' ELSE pg_catalog.concat_ws(E'\\n',
         CASE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(p.proacl) a WHERE a.grantee = 0)
              THEN 'REVOKE ALL ON FUNCTION ' || p.oid::pg_catalog.regprocedure::text || ' FROM PUBLIC;' END,
         (SELECT pg_catalog.string_agg('GRANT ' || g.privileges || ' ON FUNCTION ' || p.oid::pg_catalog.regprocedure::text
                                       || ' TO ' || g.grantee || CASE WHEN g.grantable THEN ' WITH GRANT OPTION' ELSE '' END || ';',
                                       E'\\n' ORDER BY g.grantee, g.grantable)
            FROM (SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END AS grantee,
                         a.is_grantable AS grantable, pg_catalog.string_agg(a.privilege_type, ', ' ORDER BY a.ord) AS privileges
                    FROM pg_catalog.aclexplode(p.proacl) WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, ord)
                   WHERE a.grantee <> p.proowner AND NOT (a.grantee = 0 AND a.privilege_type = 'EXECUTE' AND NOT a.is_grantable)
                   GROUP BY 1, 2) g)) END"
        .to_string()
}

/// `ALTER DEFAULT PRIVILEGES`: an entry for all schemas replaces the
/// built-in defaults (so what they grant is revoked first), one for a
/// schema adds to them.
fn default_privileges() -> String {
    let grantee = grantee("a");
    let grants = |acl: &str| {
        format!(
            "(SELECT pg_catalog.string_agg(q.prefix || ' GRANT ' || g.privileges || ' ON ' || q.objects || ' TO ' || g.grantee
                                           || CASE WHEN g.grantable THEN ' WITH GRANT OPTION' ELSE '' END || ';', E'\\n' ORDER BY g.grantee, g.grantable)
                FROM (SELECT {grantee} AS grantee, a.is_grantable AS grantable,
                             pg_catalog.string_agg(a.privilege_type, ', ' ORDER BY a.ord) AS privileges
                        FROM pg_catalog.aclexplode({acl}) WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, ord)
                       GROUP BY 1, 2) g)"
        )
    };
    let revokes = |acl: &str| {
        format!(
            "(SELECT pg_catalog.string_agg(q.prefix || ' REVOKE ALL ON ' || q.objects || ' FROM ' || r.grantee || ';', E'\\n' ORDER BY r.grantee)
                FROM (SELECT DISTINCT {grantee} AS grantee
                        FROM pg_catalog.aclexplode({acl}) a) r)"
        )
    };
    let defaults = "pg_catalog.acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END, d.defaclrole)";
    shaped(&format!(
        "SELECT d.oid, coalesce(n.nspname::text, ''), q2.qualified, q2.qualified,
                pg_catalog.concat_ws(E'\\n', CASE WHEN d.defaclnamespace = 0 THEN {} END, {}),
                '', NULL::text,
                pg_catalog.concat_ws(E'\\n', {}, CASE WHEN d.defaclnamespace = 0 THEN {} END),
                NULL::text, NULL::text, 0::oid,
                CASE WHEN d.defaclnamespace <> 0 THEN ARRAY['pg_namespace:' || d.defaclnamespace::text] END, ''
           FROM pg_catalog.pg_default_acl d
           LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace,
                LATERAL (SELECT 'ALTER DEFAULT PRIVILEGES FOR ROLE ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.defaclrole))
                                || coalesce(' IN SCHEMA ' || pg_catalog.quote_ident(n.nspname), '') AS prefix,
                                CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                     WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' WHEN 'L' THEN 'LARGE OBJECTS' END AS objects) q,
                LATERAL (SELECT 'FOR ROLE ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(d.defaclrole))
                                || coalesce(' IN SCHEMA ' || pg_catalog.quote_ident(n.nspname), '') || ' ON ' || q.objects AS qualified) q2(qualified)
          WHERE n.oid IS NULL OR ({USER_NS})",
        revokes(defaults),
        grants("d.defaclacl"),
        revokes("d.defaclacl"),
        grants(defaults),
    ))
}

fn event_triggers() -> String {
    shaped(&format!(
        "SELECT e.oid, '', e.evtname::text, q.qn,
                'CREATE EVENT TRIGGER ' || q.qn || ' ON ' || pg_catalog.quote_ident(e.evtevent)
                    || coalesce(E'\\n    WHEN TAG IN (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(t.tag), ', ' ORDER BY t.ord)
                                                                     FROM pg_catalog.unnest(e.evttags) WITH ORDINALITY t(tag, ord)) || ')', '')
                    || E'\\n    EXECUTE FUNCTION ' || e.evtfoid::pg_catalog.regproc::text || '();',
                CASE e.evtenabled WHEN 'D' THEN 'ALTER EVENT TRIGGER ' || q.qn || ' DISABLE;'
                                  WHEN 'R' THEN 'ALTER EVENT TRIGGER ' || q.qn || ' ENABLE REPLICA;'
                                  WHEN 'A' THEN 'ALTER EVENT TRIGGER ' || q.qn || ' ENABLE ALWAYS;' ELSE '' END,
                'SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = ' || pg_catalog.quote_literal(e.evtname),
                'DROP EVENT TRIGGER IF EXISTS ' || q.qn || ';',
                'EVENT TRIGGER ' || q.qn, pg_catalog.obj_description(e.oid, 'pg_event_trigger'), 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_event_trigger e,
                LATERAL (SELECT pg_catalog.quote_ident(e.evtname) AS qn) q
          WHERE {}",
        not_extension_member("pg_event_trigger", "e.oid")
    ))
}

fn foreign_data_wrappers() -> String {
    shaped(&format!(
        "SELECT w.oid, '', w.fdwname::text, q.qn,
                'CREATE FOREIGN DATA WRAPPER ' || q.qn
                    || coalesce(' HANDLER ' || nullif(w.fdwhandler, 0)::pg_catalog.regproc::text, '')
                    || coalesce(' VALIDATOR ' || nullif(w.fdwvalidator, 0)::pg_catalog.regproc::text, '')
                    || {} || ';',
                '',
                'SELECT 1 FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = ' || pg_catalog.quote_literal(w.fdwname),
                'DROP FOREIGN DATA WRAPPER IF EXISTS ' || q.qn || ';',
                'FOREIGN DATA WRAPPER ' || q.qn, pg_catalog.obj_description(w.oid, 'pg_foreign_data_wrapper'), 0::oid, NULL::text[],
                'ALTER FOREIGN DATA WRAPPER ' || q.qn
                    || coalesce(' HANDLER ' || nullif(w.fdwhandler, 0)::pg_catalog.regproc::text, ' NO HANDLER')
                    || coalesce(' VALIDATOR ' || nullif(w.fdwvalidator, 0)::pg_catalog.regproc::text, ' NO VALIDATOR')
                    || {} || ';'
           FROM pg_catalog.pg_foreign_data_wrapper w,
                LATERAL (SELECT pg_catalog.quote_ident(w.fdwname) AS qn) q
          WHERE {}",
        options_clause("w.fdwoptions", "true"),
        options_clause("w.fdwoptions", "true"),
        not_extension_member("pg_foreign_data_wrapper", "w.oid")
    ))
}

fn foreign_servers() -> String {
    shaped(&format!(
        "SELECT s.oid, '', s.srvname::text, q.qn,
                'CREATE SERVER IF NOT EXISTS ' || q.qn
                    || coalesce(' TYPE ' || pg_catalog.quote_literal(s.srvtype), '')
                    || coalesce(' VERSION ' || pg_catalog.quote_literal(s.srvversion), '')
                    || ' FOREIGN DATA WRAPPER ' || pg_catalog.quote_ident(w.fdwname) || {} || ';',
                '', NULL::text,
                'DROP SERVER IF EXISTS ' || q.qn || ';',
                'SERVER ' || q.qn, pg_catalog.obj_description(s.oid, 'pg_foreign_server'), 0::oid, NULL::text[],
                'ALTER SERVER ' || q.qn || ' VERSION ' || coalesce(pg_catalog.quote_literal(s.srvversion), 'NULL') || {} || ';'
           FROM pg_catalog.pg_foreign_server s
           JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw,
                LATERAL (SELECT pg_catalog.quote_ident(s.srvname) AS qn) q
          WHERE {}",
        options_clause("s.srvoptions", "true"),
        options_clause("s.srvoptions", "true"),
        not_extension_member("pg_foreign_server", "s.oid")
    ))
}

/// User mappings without their secrets: options whose name says password
/// or secret are left out (the catalog shows them only to the server's
/// owner anyway).
fn user_mappings() -> String {
    shaped(&format!(
        "SELECT u.umid, '', q.qn, q.qn,
                'CREATE USER MAPPING IF NOT EXISTS ' || q.qn || {} || ';',
                '', NULL::text,
                'DROP USER MAPPING IF EXISTS ' || q.qn || ';',
                NULL::text, NULL::text, 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_user_mappings u,
                LATERAL (SELECT 'FOR ' || CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(u.usename) END
                                || ' SERVER ' || pg_catalog.quote_ident(u.srvname) AS qn) q",
        options_clause(
            "u.umoptions",
            "o.option_name !~* '(password|secret)' OR o.option_name = 'password_required'"
        )
    ))
}

/// Rules but views' own `_RETURN`, from `pg_get_ruledef`.
fn rules() -> String {
    let clause = |code: &str, clause: &str| {
        format!("WHEN '{code}' THEN 'ALTER TABLE ' || q.tq || ' {clause} RULE ' || pg_catalog.quote_ident(r.rulename) || ';'")
    };
    shaped(&format!(
        "SELECT r.oid, n.nspname::text, c.relname || '.' || r.rulename, q.tq || '.' || pg_catalog.quote_ident(r.rulename),
                pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.pg_get_ruledef(r.oid), '^CREATE RULE', 'CREATE OR REPLACE RULE'), '[\\s;]+$', '') || ';',
                CASE r.ev_enabled {} {} {} ELSE '' END,
                NULL::text,
                'DROP RULE IF EXISTS ' || pg_catalog.quote_ident(r.rulename) || ' ON ' || q.tq || ';',
                'RULE ' || pg_catalog.quote_ident(r.rulename) || ' ON ' || q.tq, pg_catalog.obj_description(r.oid, 'pg_rewrite'),
                c.oid, NULL::text[],
                CASE WHEN r.ev_enabled = 'O' THEN 'ALTER TABLE ' || q.tq || ' ENABLE RULE ' || pg_catalog.quote_ident(r.rulename) || ';' ELSE '' END
           FROM pg_catalog.pg_rewrite r
           JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS tq) q
          WHERE {USER_NS} AND {} AND r.rulename <> '_RETURN'",
        clause("D", "DISABLE"),
        clause("R", "ENABLE REPLICA"),
        clause("A", "ENABLE ALWAYS"),
        not_extension_member("pg_class", "c.oid")
    ))
}

/// Publications: their tables (with column lists and row filters from 15)
/// and schemas (from 15), what they publish.
fn publications(version: i32) -> String {
    let (columns, filter, schemas) = if version >= 150000 {
        (
            "(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
                FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::pg_catalog.int2[]))",
            "pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)",
            "(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(sn.nspname), ', ' ORDER BY sn.nspname),
                     pg_catalog.array_agg('pg_namespace:' || pn.pnnspid::text)
                FROM pg_catalog.pg_publication_namespace pn JOIN pg_catalog.pg_namespace sn ON sn.oid = pn.pnnspid
               WHERE pn.pnpubid = p.oid)",
        )
    } else {
        (
            "NULL::text",
            "NULL::text",
            "(SELECT NULL::text, NULL::text[])",
        )
    };
    shaped(&format!(
        "SELECT p.oid, '', p.pubname::text, q.qn,
                'CREATE PUBLICATION ' || q.qn
                    || CASE WHEN p.puballtables THEN ' FOR ALL TABLES'
                            ELSE coalesce(' FOR ' || nullif(pg_catalog.concat_ws(', ', 'TABLE ' || t.list, 'TABLES IN SCHEMA ' || s.list), ''), '') END
                    || ' WITH (publish = ' || pg_catalog.quote_literal(pg_catalog.concat_ws(', ',
                           CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                           CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END))
                    || CASE WHEN p.pubviaroot THEN ', publish_via_partition_root = true' ELSE '' END
                    || CASE WHEN pg_catalog.to_jsonb(p) ->> 'pubgencols' IN ('s', 'true') THEN ', publish_generated_columns = stored' ELSE '' END
                    || ');',
                '',
                'SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ' || pg_catalog.quote_literal(p.pubname),
                'DROP PUBLICATION IF EXISTS ' || q.qn || ';',
                'PUBLICATION ' || q.qn, pg_catalog.obj_description(p.oid, 'pg_publication'), 0::oid,
                pg_catalog.array_cat(t.needs, s.needs), ''
           FROM pg_catalog.pg_publication p,
                LATERAL (SELECT pg_catalog.quote_ident(p.pubname) AS qn) q,
                LATERAL (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(tc.relname)
                                                      || coalesce(' (' || {columns} || ')', '')
                                                      || coalesce(' WHERE (' || {filter} || ')', ''),
                                                      ', ' ORDER BY tn.nspname, tc.relname),
                                pg_catalog.array_agg('pg_class:' || pr.prrelid::text)
                           FROM pg_catalog.pg_publication_rel pr
                           JOIN pg_catalog.pg_class tc ON tc.oid = pr.prrelid
                           JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
                          WHERE pr.prpubid = p.oid) t(list, needs),
                LATERAL {schemas} s(list, needs)"
    ))
}

/// Subscriptions of this database, created without connecting (`connect =
/// false`: no publisher needed, and disabled until someone enables them),
/// the password left out of the connection string (and named in the
/// unmodelled list). Read only where the connection string is readable (a
/// superuser): elsewhere they are listed as not modelled.
fn subscriptions() -> String {
    let conninfo = "pg_catalog.btrim(pg_catalog.regexp_replace(s.subconninfo, '(^|\\s)(sslpassword|password)\\s*=\\s*(''([^''\\\\]|\\\\.)*''|\\S+)', '', 'g'))";
    shaped(&format!(
        "SELECT s.oid, '', s.subname::text, q.qn,
                'CREATE SUBSCRIPTION ' || q.qn || ' CONNECTION ' || pg_catalog.quote_literal({conninfo})
                    || ' PUBLICATION ' || pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(p) FROM pg_catalog.unnest(s.subpublications) p), ', ')
                    || ' WITH (connect = false, slot_name = ' || coalesce(pg_catalog.quote_literal(s.subslotname::text), 'NONE')
                    || CASE WHEN s.subbinary THEN ', binary = true' ELSE '' END
                    || ', streaming = ' || CASE j.j ->> 'substream' WHEN 'true' THEN 'on' WHEN 't' THEN 'on' WHEN 'p' THEN 'parallel' ELSE 'off' END
                    || CASE WHEN s.subsynccommit <> 'off' THEN ', synchronous_commit = ' || pg_catalog.quote_literal(s.subsynccommit) ELSE '' END
                    || CASE WHEN coalesce(j.j ->> 'subtwophasestate', 'd') <> 'd' THEN ', two_phase = true' ELSE '' END
                    || CASE WHEN j.j ->> 'subdisableonerr' = 'true' THEN ', disable_on_error = true' ELSE '' END
                    || CASE WHEN coalesce(j.j ->> 'suborigin', 'any') <> 'any' THEN ', origin = ' || pg_catalog.quote_literal(j.j ->> 'suborigin') ELSE '' END
                    || CASE WHEN j.j ->> 'subpasswordrequired' = 'false' THEN ', password_required = false' ELSE '' END
                    || CASE WHEN j.j ->> 'subrunasowner' = 'true' THEN ', run_as_owner = true' ELSE '' END
                    || CASE WHEN j.j ->> 'subfailover' = 'true' THEN ', failover = true' ELSE '' END
                    || ');',
                '',
                'SELECT 1 FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()) AND subname = ' || pg_catalog.quote_literal(s.subname),
                'DO $sub$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database()) AND subname = ' || pg_catalog.quote_literal(s.subname)
                    || ') THEN ALTER SUBSCRIPTION ' || q.qn || ' DISABLE; ALTER SUBSCRIPTION ' || q.qn || ' SET (slot_name = NONE); DROP SUBSCRIPTION '
                    || q.qn || '; END IF; END $sub$;',
                'SUBSCRIPTION ' || q.qn, pg_catalog.obj_description(s.oid, 'pg_subscription'), 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_subscription s,
                LATERAL (SELECT pg_catalog.quote_ident(s.subname) AS qn) q,
                LATERAL (SELECT pg_catalog.to_jsonb(s) AS j) j
          WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())"
    ))
}

/// Extended statistics objects, from `pg_get_statisticsobjdef` (expressions
/// from 14), with their statistics target when it is not the default
/// (`-1` up to 16, NULL from 17).
fn statistics() -> String {
    shaped(&format!(
        "SELECT s.oid, n.nspname::text, s.stxname::text, q.qn,
                pg_catalog.regexp_replace(pg_catalog.pg_get_statisticsobjdef(s.oid), '^CREATE STATISTICS ', 'CREATE STATISTICS IF NOT EXISTS ') || ';',
                CASE WHEN (q.j ->> 'stxstattarget')::int >= 0
                     THEN 'ALTER STATISTICS ' || q.qn || ' SET STATISTICS ' || (q.j ->> 'stxstattarget') || ';' ELSE '' END,
                NULL::text,
                'DROP STATISTICS IF EXISTS ' || q.qn || ';',
                'STATISTICS ' || q.qn, pg_catalog.obj_description(s.oid, 'pg_statistic_ext'), s.stxrelid, NULL::text[], ''
           FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(s.stxname) AS qn,
                                pg_catalog.to_jsonb(s) AS j) q
          WHERE {USER_NS} AND {}",
        not_extension_member("pg_statistic_ext", "s.oid")
    ))
}

/// A SELECT finding the object `name_column` names in `catalog` under the
/// schema of `nsp_column` (more conditions may follow): text search
/// objects, operators and their classes and families have no IF NOT EXISTS.
fn exists_in(catalog: &str, alias: &str, name_column: &str, nsp_column: &str) -> String {
    format!(
        "'SELECT 1 FROM pg_catalog.{catalog} x JOIN pg_catalog.pg_namespace xn ON xn.oid = x.{nsp_column} WHERE xn.nspname = '
                    || pg_catalog.quote_literal(n.nspname) || ' AND x.{name_column} = ' || pg_catalog.quote_literal({alias}.{name_column})"
    )
}

/// Text search dictionaries: their template and the options they were
/// created with (`dictinitoption` holds them as CREATE wrote them). `alter`
/// gives an existing one these options in one statement (configurations
/// use it: it cannot be dropped): each option it has now is named without
/// a value, which removes it, then these are set.
fn text_search_dictionaries() -> String {
    shaped(&format!(
        "SELECT d.oid, n.nspname::text, d.dictname::text, q.qn,
                'CREATE TEXT SEARCH DICTIONARY ' || q.qn || E' (\\n    TEMPLATE = '
                    || pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.tmplname)
                    || coalesce(E',\\n    ' || d.dictinitoption, '') || E'\\n);',
                '',
                {},
                'DROP TEXT SEARCH DICTIONARY IF EXISTS ' || q.qn || ';',
                'TEXT SEARCH DICTIONARY ' || q.qn, pg_catalog.obj_description(d.oid, 'pg_ts_dict'), 0::oid, NULL::text[],
                'EXECUTE ''ALTER TEXT SEARCH DICTIONARY ' || q.qn || ' ('' || pg_catalog.concat_ws('', '', '
                    || '(SELECT pg_catalog.string_agg(m[1], '', '') FROM pg_catalog.regexp_matches((SELECT d.dictinitoption FROM pg_catalog.pg_ts_dict d WHERE d.oid = '
                    || pg_catalog.quote_literal(q.qn) || '::pg_catalog.regdictionary), ''(?:^|, )(\"(?:[^\"]|\"\")+\"|\\w+) = '', ''g'') m), '
                    || coalesce(pg_catalog.quote_literal(d.dictinitoption), 'NULL') || ') || '')'';'
           FROM pg_catalog.pg_ts_dict d
           JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
           JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
           JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(d.dictname) AS qn) q
          WHERE {USER_NS} AND {}",
        exists_in("pg_ts_dict", "d", "dictname", "dictnamespace"),
        not_extension_member("pg_ts_dict", "d.oid")
    ))
}

/// Text search configurations: created on their parser with a mapping per
/// token type (the dictionaries in the order they are tried), in one guarded
/// `create`; `alter` drops every mapping the parser's token types can have
/// and adds these, on an existing configuration.
fn text_search_configurations() -> String {
    shaped(&format!(
        "SELECT c.oid, n.nspname::text, c.cfgname::text, q.qn,
                'CREATE TEXT SEARCH CONFIGURATION ' || q.qn || ' (PARSER = '
                    || pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname) || ');'
                    || coalesce(E'\\n' || m.mappings, ''),
                '',
                {},
                'DROP TEXT SEARCH CONFIGURATION IF EXISTS ' || q.qn || ';',
                'TEXT SEARCH CONFIGURATION ' || q.qn, pg_catalog.obj_description(c.oid, 'pg_ts_config'), 0::oid, NULL::text[],
                'ALTER TEXT SEARCH CONFIGURATION ' || q.qn || ' DROP MAPPING IF EXISTS FOR '
                    || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(t.alias), ', ' ORDER BY t.tokid)
                          FROM pg_catalog.ts_token_type(c.cfgparser) t) || ';'
                    || coalesce(E'\\n' || m.mappings, '')
           FROM pg_catalog.pg_ts_config c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
           JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
           JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.cfgname) AS qn) q,
                LATERAL (SELECT pg_catalog.string_agg('ALTER TEXT SEARCH CONFIGURATION ' || q.qn || ' ADD MAPPING FOR '
                                                      || pg_catalog.quote_ident(g.alias) || ' WITH ' || g.dictionaries || ';',
                                                      E'\\n' ORDER BY g.tokid)
                           FROM (SELECT t.tokid, t.alias,
                                        pg_catalog.string_agg(pg_catalog.quote_ident(dn.nspname) || '.' || pg_catalog.quote_ident(dd.dictname),
                                                              ', ' ORDER BY mp.mapseqno) AS dictionaries
                                   FROM pg_catalog.pg_ts_config_map mp
                                   JOIN pg_catalog.pg_ts_dict dd ON dd.oid = mp.mapdict
                                   JOIN pg_catalog.pg_namespace dn ON dn.oid = dd.dictnamespace
                                   JOIN pg_catalog.ts_token_type(c.cfgparser) t ON t.tokid = mp.maptokentype
                                  WHERE mp.mapcfg = c.oid
                                  GROUP BY t.tokid, t.alias) g) m(mappings)
          WHERE {USER_NS} AND {}",
        exists_in("pg_ts_config", "c", "cfgname", "cfgnamespace"),
        not_extension_member("pg_ts_config", "c.oid")
    ))
}

/// A type as a guard compares it: `'app.t'::pg_catalog.regtype`, or `0`
/// for none (oids differ from one database to another).
fn type_literal(oid: &str) -> String {
    format!(
        "coalesce(pg_catalog.quote_literal(pg_catalog.format_type(nullif({oid}, 0), NULL)) || '::pg_catalog.regtype', '0')"
    )
}

/// An access method as a guard compares it, by name.
fn method_literal(name: &str) -> String {
    format!(
        "'(SELECT a.oid FROM pg_catalog.pg_am a WHERE a.amname = ' || pg_catalog.quote_literal({name}) || ')'"
    )
}

/// `OPERATOR(schema.name)` of an operator's oid column, for the options
/// that name another operator.
fn operator_ref(oid: &str) -> String {
    format!(
        "(SELECT 'OPERATOR(' || pg_catalog.quote_ident(rn.nspname) || '.' || r.oprname || ')'
            FROM pg_catalog.pg_operator r JOIN pg_catalog.pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = {oid})"
    )
}

/// Operators, but shells (an operator named as another's commutator and
/// never defined): each option that is not the default. The guard finds a
/// defined one only, so that a shell another operator left is filled in.
fn operators() -> String {
    let types = "coalesce(pg_catalog.format_type(nullif(o.oprleft, 0), NULL), 'NONE') || ', ' || pg_catalog.format_type(o.oprright, NULL)";
    let options = [
        "'FUNCTION = ' || o.oprcode::pg_catalog.regproc::text".to_string(),
        "CASE WHEN o.oprleft <> 0 THEN 'LEFTARG = ' || pg_catalog.format_type(o.oprleft, NULL) END"
            .to_string(),
        "'RIGHTARG = ' || pg_catalog.format_type(o.oprright, NULL)".to_string(),
        format!("'COMMUTATOR = ' || {}", operator_ref("nullif(o.oprcom, 0)")),
        format!("'NEGATOR = ' || {}", operator_ref("nullif(o.oprnegate, 0)")),
        "'RESTRICT = ' || nullif(o.oprrest, 0)::pg_catalog.regproc::text".to_string(),
        "'JOIN = ' || nullif(o.oprjoin, 0)::pg_catalog.regproc::text".to_string(),
        "CASE WHEN o.oprcanhash THEN 'HASHES' END".to_string(),
        "CASE WHEN o.oprcanmerge THEN 'MERGES' END".to_string(),
    ];
    shaped(&format!(
        "SELECT o.oid, n.nspname::text, o.oprname || ' (' || q.types || ')', q.qn || ' (' || q.types || ')',
                'CREATE OPERATOR ' || q.qn || E' (\\n    ' || pg_catalog.concat_ws(E',\\n    ', {}) || E'\\n);',
                '',
                {} || ' AND x.oprleft = ' || {} || ' AND x.oprright = ' || {} || ' AND x.oprcode <> 0',
                'DROP OPERATOR IF EXISTS ' || q.qn || ' (' || q.types || ');',
                'OPERATOR ' || q.qn || ' (' || q.types || ')', pg_catalog.obj_description(o.oid, 'pg_operator'), 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || o.oprname AS qn, {types} AS types) q
          WHERE {USER_NS} AND o.oprcode <> 0 AND {}",
        options.join(",\n                    "),
        exists_in("pg_operator", "o", "oprname", "oprnamespace"),
        type_literal("o.oprleft"),
        type_literal("o.oprright"),
        not_extension_member("pg_operator", "o.oid")
    ))
}

/// The members (`OPERATOR n op(types)`, `FUNCTION n (types) f(args)`) that
/// `pg_depend` ties to the object `class`/`oid` (an operator class, or a
/// family for its loose members), in strategy and support number order.
fn members(class: &str, oid: &str) -> String {
    format!(
        "(SELECT pg_catalog.string_agg(m.member, E',\\n    ' ORDER BY m.kind, m.number)
            FROM (SELECT 1 AS kind, ao.amopstrategy AS number,
                         'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text
                         || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' || pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(sf.opfname) ELSE '' END AS member
                    FROM pg_catalog.pg_depend d
                    JOIN pg_catalog.pg_amop ao ON ao.oid = d.objid
                    LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
                    LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                   WHERE d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.{class}'::pg_catalog.regclass AND d.refobjid = {oid}
                  UNION ALL
                  SELECT 2, ap.amprocnum,
                         'FUNCTION ' || ap.amprocnum || ' (' || pg_catalog.format_type(ap.amproclefttype, NULL) || ', '
                         || pg_catalog.format_type(ap.amprocrighttype, NULL) || ') ' || ap.amproc::pg_catalog.regprocedure::text
                    FROM pg_catalog.pg_depend d
                    JOIN pg_catalog.pg_amproc ap ON ap.oid = d.objid
                   WHERE d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.{class}'::pg_catalog.regclass AND d.refobjid = {oid}) m)"
    )
}

/// What the members `pg_depend` ties to `class`/`oid` use: their operators
/// and functions (`pg_depend` has them on the members, not on the class or
/// family).
fn member_needs(class: &str, oid: &str) -> String {
    format!(
        "ARRAY(SELECT 'pg_operator:' || ao.amopopr::text
                 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_amop ao ON ao.oid = d.objid
                WHERE d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.{class}'::pg_catalog.regclass AND d.refobjid = {oid}
               UNION ALL
               SELECT 'pg_proc:' || ap.amproc::oid::text
                 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_amproc ap ON ap.oid = d.objid
                WHERE d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.{class}'::pg_catalog.regclass AND d.refobjid = {oid})"
    )
}

/// Operator families, with their loose members (those no operator class
/// holds) added in the same guarded `create`. A class's own family is one
/// too: the class then goes into it.
fn operator_families() -> String {
    shaped(&format!(
        "SELECT f.oid, n.nspname::text, f.opfname || ' USING ' || am.amname, q.qn,
                'CREATE OPERATOR FAMILY ' || q.qn || ';' || coalesce(E'\\nALTER OPERATOR FAMILY ' || q.qn || E' ADD\\n    ' || {} || ';', ''),
                '',
                {} || ' AND x.opfmethod = ' || {},
                'DROP OPERATOR FAMILY IF EXISTS ' || q.qn || ';',
                'OPERATOR FAMILY ' || q.qn, pg_catalog.obj_description(f.oid, 'pg_opfamily'), 0::oid, {}, ''
           FROM pg_catalog.pg_opfamily f
           JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
           JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(f.opfname) || ' USING ' || pg_catalog.quote_ident(am.amname) AS qn) q
          WHERE {USER_NS} AND {}",
        members("pg_opfamily", "f.oid"),
        exists_in("pg_opfamily", "f", "opfname", "opfnamespace"),
        method_literal("am.amname"),
        member_needs("pg_opfamily", "f.oid"),
        not_extension_member("pg_opfamily", "f.oid")
    ))
}

/// Operator classes: their type, access method, family (named when it is
/// not the class's own), members and storage type.
fn operator_classes() -> String {
    shaped(&format!(
        "SELECT c.oid, n.nspname::text, c.opcname || ' USING ' || am.amname, q.qn,
                'CREATE OPERATOR CLASS ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname)
                    || CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END
                    || ' FOR TYPE ' || pg_catalog.format_type(c.opcintype, NULL) || ' USING ' || pg_catalog.quote_ident(am.amname)
                    || CASE WHEN f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace
                            THEN ' FAMILY ' || pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname) ELSE '' END
                    || E' AS\\n    ' || pg_catalog.concat_ws(E',\\n    ', {},
                           CASE WHEN c.opckeytype <> 0 THEN 'STORAGE ' || pg_catalog.format_type(c.opckeytype, NULL) END) || ';',
                '',
                {} || ' AND x.opcmethod = ' || {},
                'DROP OPERATOR CLASS IF EXISTS ' || q.qn || ';',
                'OPERATOR CLASS ' || q.qn, pg_catalog.obj_description(c.oid, 'pg_opclass'), 0::oid,
                ARRAY['pg_opfamily:' || c.opcfamily::text] || {}, ''
           FROM pg_catalog.pg_opclass c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
           JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
           JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
           JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace,
                LATERAL (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.opcname) || ' USING ' || pg_catalog.quote_ident(am.amname) AS qn) q
          WHERE {USER_NS} AND {}",
        members("pg_opclass", "c.oid"),
        exists_in("pg_opclass", "c", "opcname", "opcnamespace"),
        method_literal("am.amname"),
        member_needs("pg_opclass", "c.oid"),
        not_extension_member("pg_opclass", "c.oid")
    ))
}

/// Casts created by users: not the built-in ones, not an extension's, not
/// those a range type makes to its multirange (internal to its function).
fn casts() -> String {
    shaped(&format!(
        "SELECT c.oid, '', q.qn, q.qn,
                'CREATE CAST ' || q.qn || CASE c.castmethod
                    WHEN 'f' THEN ' WITH FUNCTION ' || c.castfunc::pg_catalog.regprocedure::text
                    WHEN 'i' THEN ' WITH INOUT' ELSE ' WITHOUT FUNCTION' END
                    || CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END || ';',
                '',
                'SELECT 1 FROM pg_catalog.pg_cast WHERE castsource = ' || {} || ' AND casttarget = ' || {},
                'DROP CAST IF EXISTS ' || q.qn || ';',
                'CAST ' || q.qn, pg_catalog.obj_description(c.oid, 'pg_cast'), 0::oid, NULL::text[], ''
           FROM pg_catalog.pg_cast c,
                LATERAL (SELECT '(' || pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) || ')' AS qn) q
          WHERE c.oid >= 16384 AND {}
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                               AND i.objid = c.oid AND i.deptype = 'i')",
        type_literal("c.castsource"),
        type_literal("c.casttarget"),
        not_extension_member("pg_cast", "c.oid")
    ))
}
