//! The SQL of every catalog query, one function per query: what
//! [`super::read`] sends, pipelined in three batches (the kinds held as
//! their statements are in `deparsed`).

/// Schemas that belong to the server, not to the user.
pub(super) const USER_NS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// Whether the object `(class, oid)` belongs to an extension.
pub(super) fn not_extension_member(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = 'pg_catalog.{class}'::regclass AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

pub(super) struct Queries {
    pub schemas: String,
    pub extensions: String,
    pub types: String,
    pub domain_checks: String,
    pub composite_attributes: String,
    pub sequences: String,
    pub sequence_owners: String,
    pub relations: String,
    pub columns: String,
    pub constraints: String,
    pub indexes: String,
    pub triggers: String,
    pub policies: String,
    pub grants: String,
    pub function_grants: String,
    pub functions: String,
    pub depends: String,
    pub owners: String,
    pub schema_grants: String,
    pub type_grants: String,
    pub column_grants: String,
    pub extension_grants: String,
    pub extension_members: String,
    pub unmodelled: String,
}

impl Queries {
    /// The queries for a server of `version` (`server_version_num`).
    pub(super) fn new(version: i32) -> Queries {
        // User relations: in a user schema, not an extension's.
        let rel_user = format!(
            "{USER_NS} AND {}",
            not_extension_member("pg_class", "c.oid")
        );
        Queries {
            schemas: schemas(),
            extensions: extensions(),
            types: types(version),
            domain_checks: domain_checks(),
            composite_attributes: composite_attributes(),
            sequences: sequences(&rel_user),
            sequence_owners: sequence_owners(),
            relations: relations(&rel_user),
            columns: columns(&rel_user, version),
            constraints: constraints(version),
            indexes: indexes(),
            triggers: triggers(),
            policies: policies(),
            grants: grants(&rel_user),
            function_grants: function_grants(),
            functions: functions(),
            depends: depends(),
            owners: owners(&rel_user),
            schema_grants: schema_grants(),
            type_grants: type_grants(),
            column_grants: column_grants(&rel_user),
            extension_grants: extension_grants(),
            extension_members: extension_members(),
            unmodelled: unmodelled(&rel_user),
        }
    }
}

/// The items of an options array as `OPTIONS (...)` lists them
/// (`name 'value'`), in their order; NULL without options.
fn option_items(options: &str) -> String {
    format!(
        "(SELECT pg_catalog.array_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value) ORDER BY o.ord)
            FROM pg_catalog.pg_options_to_table({options}) WITH ORDINALITY o(option_name, option_value, ord))"
    )
}

/// `COLLATE` name of `coll` when it is not the default of type `typ`.
fn collation_sql(coll: &str, typ: &str) -> String {
    format!(
        "CASE WHEN {coll} <> 0 AND {coll} <> (SELECT bt.typcollation FROM pg_catalog.pg_type bt WHERE bt.oid = {typ})
              THEN (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                      FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                     WHERE co.oid = {coll}) END"
    )
}

/// Schemas that are not the server's or an extension's.
fn schemas() -> String {
    format!(
        "SELECT n.oid, n.nspname::text, pg_catalog.obj_description(n.oid, 'pg_namespace')
                   FROM pg_catalog.pg_namespace n
                  WHERE {USER_NS} AND {}",
        not_extension_member("pg_namespace", "n.oid")
    )
}

/// Extensions but plpgsql (every database has it).
fn extensions() -> String {
    "SELECT x.oid, x.extname::text, n.nspname::text, pg_catalog.obj_description(x.oid, 'pg_extension')
                           FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
                          WHERE x.extname <> 'plpgsql'"
                .to_string()
}

/// Enums, domains and standalone composite types.
fn types(version: i32) -> String {
    // PostgreSQL 14 gave each range a multirange type.
    let multirange = if version >= 140_000 {
        "'multirange_type_name = ' || r.rngmultitypid::regtype::text"
    } else {
        "NULL"
    };
    format!(
                "SELECT t.oid, n.nspname::text, t.typname::text, t.typtype::text,
                        (SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                           FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                        CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
                        {},
                        pg_catalog.pg_get_expr(t.typdefaultbin, 0),
                        t.typnotnull,
                        pg_catalog.obj_description(t.oid, 'pg_type'),
                        t.typrelid,
                        (SELECT pg_catalog.concat_ws(', ',
                                'subtype = ' || pg_catalog.format_type(r.rngsubtype, NULL),
                                CASE WHEN NOT oc.opcdefault THEN 'subtype_opclass = ' || pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(oc.opcname) END,
                                CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                     THEN 'collation = ' || pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
                                CASE WHEN r.rngcanonical <> 0 THEN 'canonical = ' || r.rngcanonical::regproc::text END,
                                CASE WHEN r.rngsubdiff <> 0 THEN 'subtype_diff = ' || r.rngsubdiff::regproc::text END,
                                {multirange})
                           FROM pg_catalog.pg_range r
                           JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc
                           JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
                           JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
                           LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
                           LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                          WHERE r.rngtypid = t.oid)
                   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {}
                    AND (t.typtype IN ('e', 'd', 'r')
                         OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))",
                collation_sql("t.typcollation", "t.typbasetype"),
                not_extension_member("pg_type", "t.oid")
            )
}

/// The CHECK constraints of domains.
fn domain_checks() -> String {
    "SELECT co.contypid, co.conname::text, pg_catalog.pg_get_constraintdef(co.oid), co.oid
                              FROM pg_catalog.pg_constraint co
                             WHERE co.contypid <> 0 AND co.contype = 'c'
                             ORDER BY co.contypid, co.conname"
        .to_string()
}

/// The attributes of composite types.
fn composite_attributes() -> String {
    format!(
        "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), {}
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  WHERE c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY a.attrelid, a.attnum",
        collation_sql("a.attcollation", "a.atttypid")
    )
}

/// Sequences with their options, and whether they are UNLOGGED (15+).
fn sequences(rel_user: &str) -> String {
    format!(
        "SELECT c.oid, n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL),
                        s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                        pg_catalog.obj_description(c.oid, 'pg_class'), c.relpersistence = 'u'
                   FROM pg_catalog.pg_sequence s
                   JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user}"
    )
}

/// What owns a sequence: a serial column (`a`) or an identity column (`i`).
fn sequence_owners() -> String {
    "SELECT d.objid, d.refobjid, a.attname::text, d.deptype::text
                                FROM pg_catalog.pg_depend d
                                JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                                JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                               WHERE d.classid = 'pg_catalog.pg_class'::regclass
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
                                 AND d.deptype IN ('a', 'i')"
                .to_string()
}

/// Tables, partitioned tables, views and materialized views.
fn relations(rel_user: &str) -> String {
    format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
                        c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, c.reloptions::text[],
                        CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
                        CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
                        CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
                        (SELECT pg_catalog.array_agg(i.inhparent ORDER BY i.inhseqno)
                           FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid),
                        ds.description,
                        (SELECT pg_catalog.quote_ident(fs.srvname) FROM pg_catalog.pg_foreign_table ft
                           JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver WHERE ft.ftrelid = c.oid),
                        (SELECT {} FROM pg_catalog.pg_foreign_table ft WHERE ft.ftrelid = c.oid),
                        CASE WHEN c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                              AND ARRAY(SELECT a.privilege_type::text FROM pg_catalog.aclexplode(c.relacl) a WHERE a.grantee = c.relowner ORDER BY 1)
                                  IS DISTINCT FROM ARRAY(SELECT a.privilege_type::text FROM pg_catalog.aclexplode(pg_catalog.acldefault('r', c.relowner)) a ORDER BY 1)
                             THEN ARRAY(SELECT a.privilege_type::text FROM pg_catalog.aclexplode(c.relacl) a WHERE a.grantee = c.relowner ORDER BY 1) END
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid
                         AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                option_items("ft.ftoptions")
            )
}

/// Columns with their defaults, identities and generated expressions; from
/// 18 with their NOT NULL constraint (a `pg_constraint` row of its own,
/// named, maybe NOT VALID or NO INHERIT: `attnotnull` is true for a NOT
/// VALID one too); from 14 with their compression method.
fn columns(rel_user: &str, version: i32) -> String {
    let (not_null, not_null_join) = if version >= 180_000 {
        (
            "nn.conname::text, nn.convalidated, nn.connoinherit, nn.conislocal",
            "LEFT JOIN pg_catalog.pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum",
        )
    } else {
        ("NULL::text, NULL::bool, NULL::bool, NULL::bool", "")
    };
    let compression = if version >= 140_000 {
        "a.attcompression::text"
    } else {
        "''"
    };
    format!(
                "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                        pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                        a.attislocal, {}, ds.description, {}, {not_null}, {compression},
                        CASE WHEN c.relkind IN ('r', 'p', 'm') AND a.attstorage <> ty.typstorage
                             THEN CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END END,
                        CASE WHEN c.relkind IN ('r', 'p', 'm') AND a.attstattarget >= 0 THEN a.attstattarget::int END
                   FROM pg_catalog.pg_attribute a
                   JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                   JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = a.attrelid
                         AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = a.attnum
                   {not_null_join}
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY a.attrelid, a.attnum",
                collation_sql("a.attcollation", "a.atttypid"),
                option_items("a.attfdwoptions")
            )
}

/// Table constraints (not domains'). From 18 a check or foreign key may be
/// NOT ENFORCED (`conenforced`; `convalidated` is false then too).
fn constraints(version: i32) -> String {
    let enforced = if version >= 180_000 {
        "co.conenforced"
    } else {
        "true"
    };
    format!(
        "SELECT co.oid, co.conrelid, co.conname::text, co.contype::text,
                                 pg_catalog.pg_get_constraintdef(co.oid), co.convalidated, co.conislocal,
                                 co.conindid, ds.description, {enforced}
                            FROM pg_catalog.pg_constraint co
                            LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = co.oid
                                  AND ds.classoid = 'pg_catalog.pg_constraint'::regclass AND ds.objsubid = 0
                           WHERE co.conrelid <> 0 AND co.contype IN ('p', 'u', 'f', 'c', 'x')
                           ORDER BY co.conrelid, co.conname"
    )
}

/// Indexes, marked when they back a constraint or a parent's index.
fn indexes() -> String {
    format!(
                "SELECT i.indexrelid, i.indrelid, ci.relname::text,
                        CASE WHEN backs.conindid IS NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid) ELSE '' END,
                        i.indisvalid, backs.conindid IS NOT NULL, h.inhrelid IS NOT NULL, i.indisclustered,
                        ds.description, i.indisreplident
                   FROM pg_catalog.pg_index i
                   JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid
                   LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = i.indexrelid
                         AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0
                   JOIN pg_catalog.pg_namespace n ON n.oid = ci.relnamespace
                   LEFT JOIN (SELECT DISTINCT co.conindid, co.conrelid FROM pg_catalog.pg_constraint co
                               WHERE co.contype IN ('p', 'u', 'x')) backs
                          ON backs.conindid = i.indexrelid AND backs.conrelid = i.indrelid
                   LEFT JOIN (SELECT DISTINCT inhrelid FROM pg_catalog.pg_inherits) h ON h.inhrelid = i.indexrelid
                  WHERE {USER_NS}
                  ORDER BY i.indrelid, ci.relname"
            )
}

/// Triggers a user made (not internal, not cloned to partitions).
fn triggers() -> String {
    "SELECT t.oid, t.tgrelid, t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid),
                              t.tgenabled::text, pg_catalog.obj_description(t.oid, 'pg_trigger')
                         FROM pg_catalog.pg_trigger t
                        WHERE NOT t.tgisinternal AND t.tgparentid = 0
                        ORDER BY t.tgrelid, t.tgname"
        .to_string()
}

/// Row level security policies.
fn policies() -> String {
    "SELECT p.oid, p.polrelid, p.polname::text, p.polpermissive, p.polcmd::text,
                              (SELECT pg_catalog.array_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                                        ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END
                                                   ORDER BY 1)
                                 FROM pg_catalog.unnest(p.polroles) r),
                              pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                              pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
                              pg_catalog.obj_description(p.oid, 'pg_policy')
                         FROM pg_catalog.pg_policy p
                        ORDER BY p.polrelid, p.polname"
                .to_string()
}

/// The role an `aclexplode` row `alias` is for: `PUBLIC` or its quoted
/// name.
pub(super) fn grantee(alias: &str) -> String {
    format!("CASE WHEN {alias}.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid({alias}.grantee)) END")
}

/// Privileges on relations, the owner's own left out.
fn grants(rel_user: &str) -> String {
    format!(
        "SELECT c.oid,
                        {grantee_a},
                        a.privilege_type::text, a.is_grantable
                   FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                        pg_catalog.aclexplode(c.relacl) a
                  WHERE c.relacl IS NOT NULL AND a.grantee <> c.relowner AND {rel_user}
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')",
        grantee_a = grantee("a"),
    )
}

/// Privileges on columns of their own, the owner's left out.
fn column_grants(rel_user: &str) -> String {
    format!(
        "SELECT a.attrelid, a.attname::text,
                {grantee_x},
                x.privilege_type::text, x.is_grantable
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                pg_catalog.aclexplode(a.attacl) x
          WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND x.grantee <> c.relowner AND {rel_user}
          ORDER BY 1, 2",
        grantee_x = grantee("x"),
    )
}

/// Privileges on an extension's objects that differ from those the
/// extension gave them (`pg_init_privs`, else the built-in default): the
/// extension, what SQL names the object by (`FUNCTION public.f(text)`),
/// the grantee, the privilege, and whether it was granted (or revoked).
fn extension_grants() -> String {
    format!(
        "SELECT x.extname::text, m.named,
            {},
            g.privilege_type::text, g.granted
       FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
       JOIN LATERAL (
            SELECT 'FUNCTION ' || p.oid::pg_catalog.regprocedure::text AS named, p.proacl AS acl,
                   pg_catalog.acldefault('f', p.proowner) AS initial
              FROM pg_catalog.pg_proc p WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
            UNION ALL
            SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || c.oid::pg_catalog.regclass::text, c.relacl,
                   pg_catalog.acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::\"char\", c.relowner)
              FROM pg_catalog.pg_class c WHERE d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
                   AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')) m ON true
       LEFT JOIN pg_catalog.pg_init_privs ip ON ip.classoid = d.classid AND ip.objoid = d.objid AND ip.objsubid = 0
       JOIN LATERAL (
            (SELECT a.grantee, a.privilege_type, true AS granted FROM pg_catalog.aclexplode(coalesce(m.acl, m.initial)) a
             EXCEPT
             SELECT a.grantee, a.privilege_type, true FROM pg_catalog.aclexplode(coalesce(ip.initprivs, m.initial)) a)
            UNION ALL
            (SELECT a.grantee, a.privilege_type, false FROM pg_catalog.aclexplode(coalesce(ip.initprivs, m.initial)) a
             EXCEPT
             SELECT a.grantee, a.privilege_type, false FROM pg_catalog.aclexplode(coalesce(m.acl, m.initial)) a)) g ON true
      WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
      ORDER BY 1, 2, 3, 4",
        grantee("g")
    )
}

/// Privileges on schemas (but `public`), the owner's own left out.
fn schema_grants() -> String {
    format!(
        "SELECT n.oid,
                {grantee_a},
                a.privilege_type::text, a.is_grantable
           FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
          WHERE n.nspacl IS NOT NULL AND a.grantee <> n.nspowner AND {USER_NS} AND n.nspname <> 'public'",
        grantee_a = grantee("a"),
    )
}

/// Privileges on enums, domains, composite and range types, the owner's
/// own left out; a type without an ACL has the built-in default (USAGE for
/// PUBLIC), written out so that revoking it is a difference.
fn type_grants() -> String {
    format!(
        "SELECT t.oid,
                {grantee_a},
                a.privilege_type::text, a.is_grantable
           FROM pg_catalog.pg_type t
           JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace,
                pg_catalog.aclexplode(coalesce(t.typacl, pg_catalog.acldefault('T', t.typowner))) a
          WHERE a.grantee <> t.typowner AND {USER_NS} AND {} AND t.typtype IN ('e', 'd', 'c', 'r')
            AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')",
        not_extension_member("pg_type", "t.oid"),
        grantee_a = grantee("a"),
    )
}

/// Privileges on functions and procedures, the owner's own left out; a
/// routine without an ACL has the built-in default (EXECUTE for PUBLIC),
/// written out so that revoking it is a difference like any other.
fn function_grants() -> String {
    format!(
        "SELECT p.oid,
                {grantee_a},
                a.privilege_type::text, a.is_grantable
           FROM pg_catalog.pg_proc p
           JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace,
                pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
          WHERE a.grantee <> p.proowner AND {USER_NS} AND {} AND p.prokind IN ('f', 'p', 'w')",
        not_extension_member("pg_proc", "p.oid"),
        grantee_a = grantee("a"),
    )
}

/// Functions and procedures: not an extension's, and not the constructors
/// a range type makes (and from 14 its multirange type), which depend on
/// their type internally and are created with it.
fn functions() -> String {
    format!(
                "SELECT p.oid, n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid),
                        p.prokind::text, pg_catalog.pg_get_functiondef(p.oid),
                        pg_catalog.obj_description(p.oid, 'pg_proc'), pg_catalog.oidvectortypes(p.proargtypes),
                        coalesce((SELECT pg_catalog.string_agg(coalesce(x.m::text, 'i') || ' ' || coalesce(x.n, '') || ' ' || pg_catalog.format_type(x.t, NULL), ', ' ORDER BY x.o)
                           FROM ROWS FROM (pg_catalog.unnest(coalesce(p.proallargtypes, p.proargtypes::pg_catalog.oid[])),
                                          pg_catalog.unnest(p.proargmodes), pg_catalog.unnest(p.proargnames))
                                WITH ORDINALITY x(t, m, n, o)), '')
                          || ' -> ' || coalesce(pg_catalog.pg_get_function_result(p.oid), ''),
                        p.pronargdefaults
                   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE {USER_NS} AND {} AND p.prokind IN ('f', 'p', 'w')
                    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend di WHERE di.classid = 'pg_catalog.pg_proc'::regclass
                                       AND di.objid = p.oid AND di.deptype = 'i')",
                not_extension_member("pg_proc", "p.oid")
            )
}

/// Normal dependencies between user objects, with the column when the
/// object depended on is one.
fn depends() -> String {
    // Column defaults and view rules are resolved to their relation,
    // array types to their element, row types to their relation; all
    // by joins (no per-row subqueries: pg_depend is the big table).
    "SELECT CASE WHEN ad.oid IS NOT NULL OR rw.oid IS NOT NULL THEN 'pg_class' ELSE d.classid::regclass::text END,
                             coalesce(ad.adrelid, rw.ev_class, d.objid),
                             CASE WHEN coalesce(nullif(el.typrelid, 0), nullif(ty.typrelid, 0)) IS NOT NULL THEN 'pg_class'
                                  ELSE d.refclassid::regclass::text END,
                             coalesce(nullif(el.typrelid, 0), el.oid, nullif(ty.typrelid, 0), d.refobjid),
                             col.attname::text
                        FROM pg_catalog.pg_depend d
                        LEFT JOIN pg_catalog.pg_attrdef ad
                               ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = d.objid
                        LEFT JOIN pg_catalog.pg_rewrite rw
                               ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = d.objid AND rw.rulename = '_RETURN'
                        LEFT JOIN pg_catalog.pg_type ty
                               ON d.refclassid = 'pg_catalog.pg_type'::regclass AND ty.oid = d.refobjid
                        LEFT JOIN pg_catalog.pg_type el
                               ON ty.typcategory = 'A' AND ty.typelem <> 0 AND el.oid = ty.typelem
                        LEFT JOIN pg_catalog.pg_attribute col
                               ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0
                              AND col.attrelid = d.refobjid AND col.attnum = d.refobjsubid
                       WHERE d.deptype = 'n' AND d.objid >= 16384 AND d.refobjid >= 16384"
                .to_string()
}

/// Objects owned by a role other than the database's owner: catalog, oid,
/// the keyword `ALTER ... OWNER TO` takes, the name, the role (both quoted).
/// An owned sequence follows its table; objects of the whole database
/// owned by the bootstrap superuser are left out as the unmodelled list
/// leaves them.
fn owners(rel_user: &str) -> String {
    let q = |s: &str| format!("pg_catalog.quote_ident({s})");
    format!(
        "WITH dba AS (SELECT d.datdba AS oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
         SELECT 'pg_class', c.oid,
                CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                               WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                {ns} || '.' || {rel}, {relowner}
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner <> (SELECT oid FROM dba)
            AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                                                 AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
         UNION ALL
         SELECT 'pg_namespace', n.oid, 'SCHEMA', {ns}, {nspowner}
           FROM pg_catalog.pg_namespace n
          WHERE {USER_NS} AND n.nspname <> 'public' AND n.nspowner <> (SELECT oid FROM dba)
         UNION ALL
         SELECT 'pg_proc', p.oid, CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
                {ns} || '.' || {proname} || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', {proowner}
           FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
          WHERE {USER_NS} AND {proc} AND p.proowner <> (SELECT oid FROM dba)
         UNION ALL
         SELECT 'pg_type', t.oid, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, {ns} || '.' || {typname}, {typowner}
           FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
          WHERE {USER_NS} AND {typ} AND t.typtype IN ('e', 'd', 'c', 'r') AND t.typowner <> (SELECT oid FROM dba)
            AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
         UNION ALL
         SELECT o.class, o.oid, o.keyword, o.name, {owner}
           FROM (SELECT 'pg_collation' AS class, co.oid, 'COLLATION' AS keyword, {ns} || '.' || {collname} AS name, co.collowner AS owner
                   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
                  WHERE {USER_NS}
                 UNION ALL SELECT 'pg_event_trigger', e.oid, 'EVENT TRIGGER', {evtname}, e.evtowner FROM pg_catalog.pg_event_trigger e
                 UNION ALL SELECT 'pg_foreign_data_wrapper', w.oid, 'FOREIGN DATA WRAPPER', {fdwname}, w.fdwowner FROM pg_catalog.pg_foreign_data_wrapper w
                  WHERE {fdw}
                 UNION ALL SELECT 'pg_foreign_server', s.oid, 'SERVER', {srvname}, s.srvowner FROM pg_catalog.pg_foreign_server s
                  WHERE {srv}
                 UNION ALL SELECT 'pg_publication', p.oid, 'PUBLICATION', {pubname}, p.pubowner FROM pg_catalog.pg_publication p
                 UNION ALL SELECT 'pg_statistic_ext', s.oid, 'STATISTICS', {ns} || '.' || {stxname}, s.stxowner
                   FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
                  WHERE {USER_NS}
                 UNION ALL SELECT 'pg_ts_dict', d.oid, 'TEXT SEARCH DICTIONARY', {ns} || '.' || {dictname}, d.dictowner
                   FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
                  WHERE {USER_NS}
                 UNION ALL SELECT 'pg_ts_config', c.oid, 'TEXT SEARCH CONFIGURATION', {ns} || '.' || {cfgname}, c.cfgowner
                   FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
                  WHERE {USER_NS}
                 UNION ALL SELECT 'pg_operator', o.oid, 'OPERATOR', {ns} || '.' || o.oprname || ' ('
                                  || coalesce(pg_catalog.format_type(nullif(o.oprleft, 0), NULL), 'NONE') || ', ' || pg_catalog.format_type(o.oprright, NULL) || ')', o.oprowner
                   FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                  WHERE {USER_NS} AND o.oprcode <> 0 AND {op}
                 UNION ALL SELECT 'pg_opfamily', f.oid, 'OPERATOR FAMILY', {ns} || '.' || {opfname} || ' USING ' || {amname}, f.opfowner
                   FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
                  WHERE {USER_NS} AND {opf}
                 UNION ALL SELECT 'pg_opclass', c.oid, 'OPERATOR CLASS', {ns} || '.' || {opcname} || ' USING ' || {amname}, c.opcowner
                   FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
                  WHERE {USER_NS} AND {opc}
                 UNION ALL SELECT 'pg_subscription', s.oid, 'SUBSCRIPTION', {subname}, s.subowner FROM pg_catalog.pg_subscription s
                  WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())) o
          WHERE o.owner <> (SELECT oid FROM dba) AND o.owner <> 10",
        ns = q("n.nspname"),
        rel = q("c.relname"),
        relowner = q("pg_catalog.pg_get_userbyid(c.relowner)"),
        nspowner = q("pg_catalog.pg_get_userbyid(n.nspowner)"),
        proname = q("p.proname"),
        proowner = q("pg_catalog.pg_get_userbyid(p.proowner)"),
        typname = q("t.typname"),
        typowner = q("pg_catalog.pg_get_userbyid(t.typowner)"),
        owner = q("pg_catalog.pg_get_userbyid(o.owner)"),
        collname = q("co.collname"),
        evtname = q("e.evtname"),
        fdwname = q("w.fdwname"),
        srvname = q("s.srvname"),
        pubname = q("p.pubname"),
        subname = q("s.subname"),
        stxname = q("s.stxname"),
        dictname = q("d.dictname"),
        cfgname = q("c.cfgname"),
        opfname = q("f.opfname"),
        opcname = q("c.opcname"),
        amname = q("am.amname"),
        op = not_extension_member("pg_operator", "o.oid"),
        opf = not_extension_member("pg_opfamily", "f.oid"),
        opc = not_extension_member("pg_opclass", "c.oid"),
        proc = not_extension_member("pg_proc", "p.oid"),
        typ = not_extension_member("pg_type", "t.oid"),
        fdw = not_extension_member("pg_foreign_data_wrapper", "w.oid"),
        srv = not_extension_member("pg_foreign_server", "s.oid"),
    )
}

/// What belongs to which extension.
fn extension_members() -> String {
    "SELECT d.classid::regclass::text, d.objid, x.extname::text
                                  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
                                 WHERE d.deptype = 'e'"
                .to_string()
}

/// Objects of kinds the model does not hold, by kind and name.
fn unmodelled(rel_user: &str) -> String {
    format!(
                "SELECT 'base type', n.nspname || '.' || t.typname
                   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {typ} AND t.typtype = 'b' AND t.typcategory <> 'A'
                 UNION ALL
                 SELECT 'text search parser', n.nspname || '.' || t.prsname FROM pg_catalog.pg_ts_parser t JOIN pg_catalog.pg_namespace n ON n.oid = t.prsnamespace
                  WHERE {USER_NS} AND {prs}
                 UNION ALL
                 SELECT 'text search template', n.nspname || '.' || t.tmplname FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
                  WHERE {USER_NS} AND {tmpl}
                 UNION ALL
                 SELECT 'conversion', n.nspname || '.' || v.conname FROM pg_catalog.pg_conversion v JOIN pg_catalog.pg_namespace n ON n.oid = v.connamespace
                  WHERE {USER_NS} AND {conv}
                 UNION ALL
                 SELECT 'access method', a.amname FROM pg_catalog.pg_am a WHERE a.oid >= 16384 AND {am}
                 UNION ALL
                 SELECT 'procedural language', l.lanname FROM pg_catalog.pg_language l WHERE l.oid >= 16384 AND {lang}
                 UNION ALL
                 SELECT 'transform', pg_catalog.format_type(t.trftype, NULL) || ' ' || l.lanname
                   FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang
                  WHERE {trf}
                 UNION ALL
                 SELECT 'tablespace', n.nspname || '.' || c.relname
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND c.reltablespace <> 0
                 UNION ALL
                 SELECT 'owner other than the database owner', n.nspname || '.' || c.relname || ' (' || pg_catalog.pg_get_userbyid(c.relowner) || ')'
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                    AND c.relowner <> (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                 UNION ALL
                 SELECT 'owner other than the database owner', n.nspname || ' (' || pg_catalog.pg_get_userbyid(n.nspowner) || ')'
                   FROM pg_catalog.pg_namespace n
                  WHERE {USER_NS} AND n.nspname <> 'public'
                    AND n.nspowner <> (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                 UNION ALL
                 SELECT 'owner other than the database owner', n.nspname || '.' || p.proname || ' (' || pg_catalog.pg_get_userbyid(p.proowner) || ')'
                   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE {USER_NS} AND {proc}
                    AND p.proowner <> (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                 UNION ALL
                 SELECT 'owner other than the database owner', n.nspname || '.' || t.typname || ' (' || pg_catalog.pg_get_userbyid(t.typowner) || ')'
                   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {typ} AND t.typtype IN ('e', 'd', 'c', 'r') AND t.typrelid = 0
                    AND t.typowner <> (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                 UNION ALL
                 SELECT 'owner other than the database owner', o.what || ' ' || o.name || ' (' || pg_catalog.pg_get_userbyid(o.owner) || ')'
                   FROM (SELECT 'collation' AS what, n.nspname || '.' || co.collname AS name, co.collowner AS owner
                           FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
                          WHERE {USER_NS}
                         UNION ALL SELECT 'event trigger', e.evtname, e.evtowner FROM pg_catalog.pg_event_trigger e
                         UNION ALL SELECT 'foreign data wrapper', w.fdwname, w.fdwowner FROM pg_catalog.pg_foreign_data_wrapper w
                         UNION ALL SELECT 'server', s.srvname, s.srvowner FROM pg_catalog.pg_foreign_server s
                         UNION ALL SELECT 'publication', p.pubname, p.pubowner FROM pg_catalog.pg_publication p
                         UNION ALL SELECT 'statistics', n.nspname || '.' || s.stxname, s.stxowner
                           FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
                          WHERE {USER_NS}
                         UNION ALL SELECT 'text search dictionary', n.nspname || '.' || d.dictname, d.dictowner
                           FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
                          WHERE {USER_NS}
                         UNION ALL SELECT 'text search configuration', n.nspname || '.' || c.cfgname, c.cfgowner
                           FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
                          WHERE {USER_NS}
                         UNION ALL SELECT 'operator', n.nspname || '.' || o.oprname, o.oprowner
                           FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                          WHERE {USER_NS} AND o.oprcode <> 0 AND {op}
                         UNION ALL SELECT 'operator family', n.nspname || '.' || f.opfname, f.opfowner
                           FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
                          WHERE {USER_NS} AND {opf}
                         UNION ALL SELECT 'operator class', n.nspname || '.' || c.opcname, c.opcowner
                           FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
                          WHERE {USER_NS} AND {opc}
                         UNION ALL SELECT 'foreign table', n.nspname || '.' || c.relname, c.relowner
                           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                          WHERE {rel_user} AND c.relkind = 'f') o
                  WHERE o.owner <> (SELECT d.datdba FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                    AND o.owner <> 10
                 UNION ALL
                 SELECT 'user mapping secret (left out)', u.srvname || ' for ' || u.usename || ': ' || o.option_name
                   FROM pg_catalog.pg_user_mappings u, pg_catalog.pg_options_to_table(u.umoptions) o
                  WHERE o.option_name ~* '(password|secret)' AND o.option_name <> 'password_required'
                 UNION ALL
                 SELECT 'subscription (its connection needs a superuser to read)', s.subname FROM pg_catalog.pg_subscription s
                  WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                    AND NOT pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')
                 UNION ALL
                 SELECT 'security label', s.provider || ' on ' || s.objoid::text FROM pg_catalog.pg_seclabel s",
                proc = not_extension_member("pg_proc", "p.oid"),
                typ = not_extension_member("pg_type", "t.oid"),
                prs = not_extension_member("pg_ts_parser", "t.oid"),
                op = not_extension_member("pg_operator", "o.oid"),
                opf = not_extension_member("pg_opfamily", "f.oid"),
                opc = not_extension_member("pg_opclass", "c.oid"),
                conv = not_extension_member("pg_conversion", "v.oid"),
                am = not_extension_member("pg_am", "a.oid"),
                lang = not_extension_member("pg_language", "l.oid"),
                trf = not_extension_member("pg_transform", "t.oid"),
                tmpl = not_extension_member("pg_ts_template", "t.oid"),
            )
}
