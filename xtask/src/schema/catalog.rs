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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Context, Result};
use tokio_postgres::Client;

pub type Oid = u32;

/// Schemas that belong to the server, not to the user.
const USER_NS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// Whether the object `(class, oid)` belongs to an extension.
fn not_extension_member(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend xd WHERE xd.classid = 'pg_catalog.{class}'::regclass AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

#[derive(Debug, Default, Clone)]
pub struct Catalog {
    pub server_version_num: i32,
    /// Keywords that `quote_ident` quotes (every category but unreserved).
    pub keywords: BTreeSet<String>,
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub types: Vec<Type>,
    pub sequences: Vec<Sequence>,
    pub relations: Vec<Relation>,
    pub functions: Vec<Function>,
    /// `(class, objid) -> (class, refobjid)`: normal dependencies between
    /// user objects, with column defaults and view rules resolved to their
    /// relation and array types to their element type.
    pub depends: Vec<(ObjRef, ObjRef)>,
    /// `(class, oid) -> extension name` of every extension member.
    pub extension_members: HashMap<ObjRef, String>,
    /// `kind: name` of every object in the database that is not modelled.
    pub unmodelled: Vec<(String, String)>,
}

/// A catalog row: the catalog's name (`pg_class`, `pg_type` ...) and the oid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef(pub &'static str, pub Oid);

#[derive(Debug, Clone)]
pub struct Schema {
    pub oid: Oid,
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Extension {
    pub oid: Oid,
    pub name: String,
    pub schema: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Enum {
        labels: Vec<String>,
    },
    Domain {
        base: String,
        collation: Option<String>,
        default: Option<String>,
        not_null: bool,
        /// (name, definition) of each CHECK, definition with NOT VALID kept.
        checks: Vec<(String, String)>,
    },
    Composite {
        /// (name, type, collation)
        attributes: Vec<(String, String, Option<String>)>,
    },
}

#[derive(Debug, Clone)]
pub struct Type {
    pub oid: Oid,
    /// The `pg_class` row of a composite type (0 for others).
    pub relid: Oid,
    /// A domain's CHECK constraints (what depends on them is the domain's).
    pub constraint_oids: Vec<Oid>,
    pub schema: String,
    pub name: String,
    pub kind: TypeKind,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOptions {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone)]
pub struct Sequence {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub options: SequenceOptions,
    /// (table oid, column) for `OWNED BY` (serial columns).
    pub owned_by: Option<(Oid, String)>,
    pub comment: Option<String>,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub kind: RelKind,
    pub unlogged: bool,
    pub row_security: bool,
    pub force_row_security: bool,
    /// `d` default, `n` nothing, `f` full, `i` index.
    pub replica_identity: char,
    pub options: Vec<String>,
    pub partition_key: Option<String>,
    /// Parent oid and bound, for a partition.
    pub partition_of: Option<(Oid, String)>,
    /// Parents by `INHERITS`, in order (not for partitions).
    pub inherits: Vec<Oid>,
    pub view_definition: Option<String>,
    pub comment: Option<String>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub triggers: Vec<Trigger>,
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    pub collation: Option<String>,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` always, `d` by default.
    pub identity: Option<char>,
    /// The identity column's sequence.
    pub identity_sequence: Option<(String, String, SequenceOptions)>,
    pub generated: Option<String>,
    /// Declared in this table (not only inherited).
    pub is_local: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub oid: Oid,
    pub name: String,
    /// `p` primary, `u` unique, `f` foreign, `c` check, `x` exclusion, `t` trigger.
    pub kind: char,
    pub definition: String,
    pub validated: bool,
    pub is_local: bool,
    /// The index that enforces a primary / unique / exclusion constraint.
    pub index: Option<Oid>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub oid: Oid,
    pub name: String,
    /// `pg_get_indexdef`; empty for an index that backs a constraint (the
    /// constraint stands for it).
    pub definition: String,
    pub valid: bool,
    /// Enforces a primary key, unique or exclusion constraint.
    pub backs_constraint: bool,
    /// A partition's index attached to its parent's index.
    pub attached_to_parent: bool,
    pub clustered: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Trigger {
    pub oid: Oid,
    pub name: String,
    pub definition: String,
    /// `O` origin (enabled), `D` disabled, `R` replica, `A` always.
    pub enabled: char,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub oid: Oid,
    pub name: String,
    pub permissive: bool,
    /// `r` select, `a` insert, `w` update, `d` delete, `*` all.
    pub command: char,
    /// Quoted role names, `PUBLIC` for everyone.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

/// Privileges a role holds on a relation (the owner's own are implicit).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Quoted role name or `PUBLIC`.
    pub grantee: String,
    pub privileges: Vec<String>,
    pub with_grant_option: bool,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub identity_arguments: String,
    /// `f` function, `p` procedure.
    pub kind: char,
    /// `pg_get_functiondef`: `CREATE OR REPLACE ...` without the final `;`.
    pub definition: String,
    pub comment: Option<String>,
}

impl Catalog {
    pub fn relation(&self, oid: Oid) -> Option<&Relation> {
        self.relations.iter().find(|r| r.oid == oid)
    }
}

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
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = ''",
        )
        .await
        .context("cannot open a read-only transaction to read the catalogs")?;
    let catalog = read_in(client, dependencies).await;
    let ended = client.batch_execute("ROLLBACK").await;
    let catalog = catalog.context("cannot read the schema from the catalogs")?;
    ended?;
    Ok(catalog)
}

async fn read_in(c: &Client, dependencies: bool) -> Result<Catalog> {
    let q = Queries::new();
    // All queries are sent before the first answer is read (tokio-postgres
    // pipelines concurrent queries on one connection).
    let (version, keywords, schemas, extensions, types, domain_checks, attributes) = tokio::try_join!(
        c.query_one("SELECT current_setting('server_version_num')::int", &[]),
        c.query(
            "SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'",
            &[]
        ),
        c.query(&q.schemas, &[]),
        c.query(&q.extensions, &[]),
        c.query(&q.types, &[]),
        c.query(&q.domain_checks, &[]),
        c.query(&q.composite_attributes, &[]),
    )?;
    let (sequences, owned, relations, columns, constraints, indexes, triggers) = tokio::try_join!(
        c.query(&q.sequences, &[]),
        c.query(&q.sequence_owners, &[]),
        c.query(&q.relations, &[]),
        c.query(&q.columns, &[]),
        c.query(&q.constraints, &[]),
        c.query(&q.indexes, &[]),
        c.query(&q.triggers, &[]),
    )?;
    let (policies, grants, functions, depends, members, unmodelled) = tokio::try_join!(
        c.query(&q.policies, &[]),
        c.query(&q.grants, &[]),
        c.query(&q.functions, &[]),
        async {
            if dependencies {
                c.query(&q.depends, &[]).await
            } else {
                Ok(Vec::new())
            }
        },
        c.query(&q.extension_members, &[]),
        c.query(&q.unmodelled, &[]),
    )?;

    let mut cat = Catalog {
        server_version_num: version.get(0),
        keywords: keywords.iter().map(|r| r.get(0)).collect(),
        ..Catalog::default()
    };
    cat.schemas = schemas
        .iter()
        .map(|r| Schema {
            oid: r.get(0),
            name: r.get(1),
            comment: r.get(2),
        })
        .collect();
    cat.extensions = extensions
        .iter()
        .map(|r| Extension {
            oid: r.get(0),
            name: r.get(1),
            schema: r.get(2),
            comment: r.get(3),
        })
        .collect();

    let mut checks: HashMap<Oid, Vec<(String, String)>> = HashMap::new();
    let mut check_oids: HashMap<Oid, Vec<Oid>> = HashMap::new();
    for r in &domain_checks {
        checks
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2)));
        check_oids.entry(r.get(0)).or_default().push(r.get(3));
    }
    let mut attrs: HashMap<Oid, Vec<(String, String, Option<String>)>> = HashMap::new();
    for r in &attributes {
        attrs
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2), r.get(3)));
    }
    for r in &types {
        let oid: Oid = r.get(0);
        let typtype: String = r.get(3);
        let kind = match typtype.as_str() {
            "e" => TypeKind::Enum {
                labels: r.get::<_, Option<Vec<String>>>(4).unwrap_or_default(),
            },
            "d" => TypeKind::Domain {
                base: r.get(5),
                collation: r.get(6),
                default: r.get(7),
                not_null: r.get(8),
                checks: checks.remove(&oid).unwrap_or_default(),
            },
            _ => TypeKind::Composite {
                attributes: attrs.remove(&r.get::<_, Oid>(10)).unwrap_or_default(),
            },
        };
        cat.types.push(Type {
            oid,
            relid: r.get(10),
            constraint_oids: check_oids.remove(&oid).unwrap_or_default(),
            schema: r.get(1),
            name: r.get(2),
            kind,
            comment: r.get(9),
        });
    }

    let mut grants_of: HashMap<Oid, BTreeMap<(String, bool), Vec<String>>> = HashMap::new();
    for r in &grants {
        grants_of
            .entry(r.get(0))
            .or_default()
            .entry((r.get(1), r.get(3)))
            .or_default()
            .push(r.get(2));
    }
    let mut take_grants = |oid: Oid| -> Vec<Grant> {
        let mut out: Vec<Grant> = grants_of
            .remove(&oid)
            .unwrap_or_default()
            .into_iter()
            .map(|((grantee, with_grant_option), mut privileges)| {
                privileges.sort_by_key(|p| privilege_rank(p));
                privileges.dedup();
                Grant {
                    grantee,
                    privileges,
                    with_grant_option,
                }
            })
            .collect();
        out.sort();
        out
    };

    let mut owners: HashMap<Oid, (Oid, String, String)> = HashMap::new();
    for r in &owned {
        owners.insert(r.get(0), (r.get(1), r.get(2), r.get(3)));
    }
    let mut identity_sequences: HashMap<(Oid, String), (String, String, SequenceOptions)> =
        HashMap::new();
    for r in &sequences {
        let oid: Oid = r.get(0);
        let options = SequenceOptions {
            data_type: r.get(3),
            start: r.get(4),
            increment: r.get(5),
            min: r.get(6),
            max: r.get(7),
            cache: r.get(8),
            cycle: r.get(9),
        };
        match owners.remove(&oid) {
            Some((table, column, deptype)) if deptype == "i" => {
                identity_sequences.insert((table, column), (r.get(1), r.get(2), options));
            }
            owner => cat.sequences.push(Sequence {
                oid,
                schema: r.get(1),
                name: r.get(2),
                options,
                owned_by: owner.map(|(t, c, _)| (t, c)),
                comment: r.get(10),
                grants: take_grants(oid),
            }),
        }
    }

    let mut by_oid: HashMap<Oid, usize> = HashMap::new();
    for r in &relations {
        let oid: Oid = r.get(0);
        let kind = match r.get::<_, String>(3).as_str() {
            "p" => RelKind::PartitionedTable,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            _ => RelKind::Table,
        };
        let partition_bound: Option<String> = r.get(11);
        let parents: Vec<Oid> = r.get::<_, Option<Vec<Oid>>>(12).unwrap_or_default();
        let (partition_of, inherits) = match partition_bound {
            Some(bound) if !parents.is_empty() => (Some((parents[0], bound)), Vec::new()),
            _ => (None, parents),
        };
        by_oid.insert(oid, cat.relations.len());
        cat.relations.push(Relation {
            oid,
            schema: r.get(1),
            name: r.get(2),
            kind,
            unlogged: r.get::<_, String>(4) == "u",
            row_security: r.get(5),
            force_row_security: r.get(6),
            replica_identity: r.get::<_, String>(7).chars().next().unwrap_or('d'),
            options: r.get::<_, Option<Vec<String>>>(8).unwrap_or_default(),
            partition_key: r.get(9),
            view_definition: r.get(10),
            partition_of,
            inherits,
            comment: r.get(13),
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
            grants: take_grants(oid),
        });
    }
    for r in &columns {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(0)) else {
            continue;
        };
        let name: String = r.get(1);
        let identity: String = r.get(5);
        let generated: String = r.get(6);
        let default: Option<String> = r.get(4);
        let rel = &mut cat.relations[i];
        let identity_sequence = identity_sequences.remove(&(rel.oid, name.clone()));
        rel.columns.push(Column {
            type_name: r.get(2),
            not_null: r.get(3),
            identity: identity.chars().next(),
            identity_sequence,
            generated: if generated.is_empty() {
                None
            } else {
                default.clone()
            },
            default: if generated.is_empty() { default } else { None },
            is_local: r.get(7),
            collation: r.get(8),
            comment: r.get(9),
            name,
        });
    }
    for r in &constraints {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(1)) else {
            continue;
        };
        let kind: String = r.get(3);
        cat.relations[i].constraints.push(Constraint {
            oid: r.get(0),
            name: r.get(2),
            kind: kind.chars().next().unwrap_or('c'),
            definition: r.get(4),
            validated: r.get(5),
            is_local: r.get(6),
            index: r.get::<_, Option<Oid>>(7).filter(|&o| o != 0),
            comment: r.get(8),
        });
    }
    for r in &indexes {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(1)) else {
            continue;
        };
        cat.relations[i].indexes.push(Index {
            oid: r.get(0),
            name: r.get(2),
            definition: r.get(3),
            valid: r.get(4),
            backs_constraint: r.get(5),
            attached_to_parent: r.get(6),
            clustered: r.get(7),
            comment: r.get(8),
        });
    }
    for r in &triggers {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(1)) else {
            continue;
        };
        cat.relations[i].triggers.push(Trigger {
            oid: r.get(0),
            name: r.get(2),
            definition: r.get(3),
            enabled: r.get::<_, String>(4).chars().next().unwrap_or('O'),
            comment: r.get(5),
        });
    }
    for r in &policies {
        let Some(&i) = by_oid.get(&r.get::<_, Oid>(1)) else {
            continue;
        };
        cat.relations[i].policies.push(Policy {
            oid: r.get(0),
            name: r.get(2),
            permissive: r.get(3),
            command: r.get::<_, String>(4).chars().next().unwrap_or('*'),
            roles: r.get::<_, Option<Vec<String>>>(5).unwrap_or_default(),
            using: r.get(6),
            with_check: r.get(7),
            comment: r.get(8),
        });
    }
    cat.functions = functions
        .iter()
        .map(|r| Function {
            oid: r.get(0),
            schema: r.get(1),
            name: r.get(2),
            identity_arguments: r.get(3),
            kind: r.get::<_, String>(4).chars().next().unwrap_or('f'),
            definition: r
                .get::<_, String>(5)
                .trim_end()
                .trim_end_matches(';')
                .to_string(),
            comment: r.get(6),
        })
        .collect();

    for r in &members {
        if let Some(class) = class_name(r.get(0)) {
            cat.extension_members
                .insert(ObjRef(class, r.get(1)), r.get(2));
        }
    }
    for r in &depends {
        if let (Some(a), Some(b)) = (class_name(r.get(0)), class_name(r.get(2))) {
            cat.depends.push((ObjRef(a, r.get(1)), ObjRef(b, r.get(3))));
        }
    }
    cat.unmodelled = unmodelled.iter().map(|r| (r.get(0), r.get(1))).collect();
    cat.unmodelled.sort();
    Ok(cat)
}

/// The catalogs dependencies are kept for; others are not objects `sync` renders.
fn class_name(s: &str) -> Option<&'static str> {
    Some(match s.strip_prefix("pg_catalog.").unwrap_or(s) {
        "pg_class" => "pg_class",
        "pg_type" => "pg_type",
        "pg_proc" => "pg_proc",
        "pg_constraint" => "pg_constraint",
        "pg_trigger" => "pg_trigger",
        "pg_policy" => "pg_policy",
        "pg_namespace" => "pg_namespace",
        "pg_extension" => "pg_extension",
        _ => return None,
    })
}

fn privilege_rank(p: &str) -> usize {
    [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "USAGE",
    ]
    .iter()
    .position(|x| *x == p)
    .unwrap_or(99)
}

struct Queries {
    schemas: String,
    extensions: String,
    types: String,
    domain_checks: String,
    composite_attributes: String,
    sequences: String,
    sequence_owners: String,
    relations: String,
    columns: String,
    constraints: String,
    indexes: String,
    triggers: String,
    policies: String,
    grants: String,
    functions: String,
    depends: String,
    extension_members: String,
    unmodelled: String,
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

impl Queries {
    fn new() -> Queries {
        let rel_user = format!(
            "{USER_NS} AND {}",
            not_extension_member("pg_class", "c.oid")
        );
        Queries {
            schemas: format!(
                "SELECT n.oid, n.nspname::text, pg_catalog.obj_description(n.oid, 'pg_namespace')
                   FROM pg_catalog.pg_namespace n
                  WHERE {USER_NS} AND {}",
                not_extension_member("pg_namespace", "n.oid")
            ),
            extensions: "SELECT x.oid, x.extname::text, n.nspname::text, pg_catalog.obj_description(x.oid, 'pg_extension')
                           FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
                          WHERE x.extname <> 'plpgsql'"
                .to_string(),
            types: format!(
                "SELECT t.oid, n.nspname::text, t.typname::text, t.typtype::text,
                        (SELECT pg_catalog.array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                           FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid),
                        CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
                        {},
                        pg_catalog.pg_get_expr(t.typdefaultbin, 0),
                        t.typnotnull,
                        pg_catalog.obj_description(t.oid, 'pg_type'),
                        t.typrelid
                   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {}
                    AND (t.typtype IN ('e', 'd')
                         OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))",
                collation_sql("t.typcollation", "t.typbasetype"),
                not_extension_member("pg_type", "t.oid")
            ),
            domain_checks: "SELECT co.contypid, co.conname::text, pg_catalog.pg_get_constraintdef(co.oid), co.oid
                              FROM pg_catalog.pg_constraint co
                             WHERE co.contypid <> 0 AND co.contype = 'c'
                             ORDER BY co.contypid, co.conname"
                .to_string(),
            composite_attributes: format!(
                "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), {}
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                  WHERE c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY a.attrelid, a.attnum",
                collation_sql("a.attcollation", "a.atttypid")
            ),
            sequences: format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL),
                        s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                        pg_catalog.obj_description(c.oid, 'pg_class')
                   FROM pg_catalog.pg_sequence s
                   JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user}"
            ),
            sequence_owners: "SELECT d.objid, d.refobjid, a.attname::text, d.deptype::text
                                FROM pg_catalog.pg_depend d
                                JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                                JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                               WHERE d.classid = 'pg_catalog.pg_class'::regclass
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
                                 AND d.deptype IN ('a', 'i')"
                .to_string(),
            relations: format!(
                "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
                        c.relrowsecurity, c.relforcerowsecurity, c.relreplident::text, c.reloptions::text[],
                        CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
                        CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
                        CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
                        (SELECT pg_catalog.array_agg(i.inhparent ORDER BY i.inhseqno)
                           FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid),
                        ds.description
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid
                         AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm')"
            ),
            columns: format!(
                "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                        pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                        a.attislocal, {}, ds.description
                   FROM pg_catalog.pg_attribute a
                   JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = a.attrelid
                         AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = a.attnum
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
                  ORDER BY a.attrelid, a.attnum",
                collation_sql("a.attcollation", "a.atttypid")
            ),
            constraints: "SELECT co.oid, co.conrelid, co.conname::text, co.contype::text,
                                 pg_catalog.pg_get_constraintdef(co.oid), co.convalidated, co.conislocal,
                                 co.conindid, ds.description
                            FROM pg_catalog.pg_constraint co
                            LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = co.oid
                                  AND ds.classoid = 'pg_catalog.pg_constraint'::regclass AND ds.objsubid = 0
                           WHERE co.conrelid <> 0 AND co.contype IN ('p', 'u', 'f', 'c', 'x')
                           ORDER BY co.conrelid, co.conname"
                .to_string(),
            indexes: format!(
                "SELECT i.indexrelid, i.indrelid, ci.relname::text,
                        CASE WHEN backs.conindid IS NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid) ELSE '' END,
                        i.indisvalid, backs.conindid IS NOT NULL, h.inhrelid IS NOT NULL, i.indisclustered,
                        ds.description
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
            ),
            triggers: "SELECT t.oid, t.tgrelid, t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid),
                              t.tgenabled::text, pg_catalog.obj_description(t.oid, 'pg_trigger')
                         FROM pg_catalog.pg_trigger t
                        WHERE NOT t.tgisinternal AND t.tgparentid = 0
                        ORDER BY t.tgrelid, t.tgname"
                .to_string(),
            policies: "SELECT p.oid, p.polrelid, p.polname::text, p.polpermissive, p.polcmd::text,
                              (SELECT pg_catalog.array_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                                        ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END
                                                   ORDER BY 1)
                                 FROM pg_catalog.unnest(p.polroles) r),
                              pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                              pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
                              pg_catalog.obj_description(p.oid, 'pg_policy')
                         FROM pg_catalog.pg_policy p
                        ORDER BY p.polrelid, p.polname"
                .to_string(),
            grants: format!(
                "SELECT c.oid,
                        CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                        a.privilege_type::text, a.is_grantable
                   FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
                        pg_catalog.aclexplode(c.relacl) a
                  WHERE c.relacl IS NOT NULL AND a.grantee <> c.relowner AND {rel_user}
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            ),
            functions: format!(
                "SELECT p.oid, n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid),
                        p.prokind::text, pg_catalog.pg_get_functiondef(p.oid),
                        pg_catalog.obj_description(p.oid, 'pg_proc')
                   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE {USER_NS} AND {} AND p.prokind IN ('f', 'p')",
                not_extension_member("pg_proc", "p.oid")
            ),
            // Column defaults and view rules are resolved to their relation,
            // array and row types to the type or relation they stand for.
            // Column defaults and view rules are resolved to their relation,
            // array types to their element, row types to their relation; all
            // by joins (no per-row subqueries: pg_depend is the big table).
            depends: "SELECT CASE WHEN ad.oid IS NOT NULL OR rw.oid IS NOT NULL THEN 'pg_class' ELSE d.classid::regclass::text END,
                             coalesce(ad.adrelid, rw.ev_class, d.objid),
                             CASE WHEN coalesce(nullif(el.typrelid, 0), nullif(ty.typrelid, 0)) IS NOT NULL THEN 'pg_class'
                                  ELSE d.refclassid::regclass::text END,
                             coalesce(nullif(el.typrelid, 0), el.oid, nullif(ty.typrelid, 0), d.refobjid)
                        FROM pg_catalog.pg_depend d
                        LEFT JOIN pg_catalog.pg_attrdef ad
                               ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND ad.oid = d.objid
                        LEFT JOIN pg_catalog.pg_rewrite rw
                               ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND rw.oid = d.objid
                        LEFT JOIN pg_catalog.pg_type ty
                               ON d.refclassid = 'pg_catalog.pg_type'::regclass AND ty.oid = d.refobjid
                        LEFT JOIN pg_catalog.pg_type el
                               ON ty.typcategory = 'A' AND ty.typelem <> 0 AND el.oid = ty.typelem
                       WHERE d.deptype = 'n' AND d.objid >= 16384 AND d.refobjid >= 16384"
                .to_string(),
            extension_members: "SELECT d.classid::regclass::text, d.objid, x.extname::text
                                  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
                                 WHERE d.deptype = 'e'"
                .to_string(),
            unmodelled: format!(
                "SELECT 'aggregate', n.nspname || '.' || p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE {USER_NS} AND p.prokind IN ('a', 'w') AND {proc}
                 UNION ALL
                 SELECT 'operator', n.nspname || '.' || o.oprname FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
                  WHERE {USER_NS} AND {op}
                 UNION ALL
                 SELECT 'collation', n.nspname || '.' || co.collname FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
                  WHERE {USER_NS} AND {coll}
                 UNION ALL
                 SELECT CASE t.typtype WHEN 'r' THEN 'range type' WHEN 'm' THEN 'multirange type' ELSE 'base type' END,
                        n.nspname || '.' || t.typname
                   FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {typ} AND t.typtype IN ('r', 'b') AND t.typcategory <> 'A'
                 UNION ALL
                 SELECT CASE c.relkind WHEN 'f' THEN 'foreign table' ELSE 'relation kind ' || c.relkind::text END,
                        n.nspname || '.' || c.relname
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND c.relkind = 'f'
                 UNION ALL
                 SELECT 'rule', n.nspname || '.' || c.relname || '.' || r.rulename
                   FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND r.rulename <> '_RETURN'
                 UNION ALL
                 SELECT 'statistics object', n.nspname || '.' || s.stxname FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
                  WHERE {USER_NS}
                 UNION ALL
                 SELECT 'text search configuration', n.nspname || '.' || t.cfgname FROM pg_catalog.pg_ts_config t JOIN pg_catalog.pg_namespace n ON n.oid = t.cfgnamespace
                  WHERE {USER_NS}
                 UNION ALL
                 SELECT 'text search dictionary', n.nspname || '.' || t.dictname FROM pg_catalog.pg_ts_dict t JOIN pg_catalog.pg_namespace n ON n.oid = t.dictnamespace
                  WHERE {USER_NS}
                 UNION ALL
                 SELECT 'event trigger', e.evtname FROM pg_catalog.pg_event_trigger e
                  WHERE {evt}
                 UNION ALL
                 SELECT 'publication', p.pubname FROM pg_catalog.pg_publication p
                 UNION ALL
                 SELECT 'default privileges', coalesce(n.nspname, '(all schemas)') || ' for ' || pg_catalog.pg_get_userbyid(d.defaclrole)
                   FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
                 UNION ALL
                 SELECT 'grant on function', n.nspname || '.' || p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                  WHERE {USER_NS} AND {proc} AND p.proacl IS NOT NULL
                 UNION ALL
                 SELECT 'grant on schema', n.nspname FROM pg_catalog.pg_namespace n
                  WHERE {USER_NS} AND n.nspacl IS NOT NULL AND n.nspname <> 'public'
                 UNION ALL
                 SELECT 'grant on type', n.nspname || '.' || t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                  WHERE {USER_NS} AND {typ} AND t.typacl IS NOT NULL
                 UNION ALL
                 SELECT 'column grant', n.nspname || '.' || c.relname || '.' || a.attname
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND a.attacl IS NOT NULL AND a.attnum > 0
                 UNION ALL
                 SELECT 'column storage or statistics setting', n.nspname || '.' || c.relname || '.' || a.attname
                   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                  WHERE {rel_user} AND c.relkind IN ('r', 'p', 'm') AND a.attnum > 0 AND NOT a.attisdropped
                    AND (a.attstattarget >= 0 OR a.attstorage <> t.typstorage)
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
                 SELECT 'privileges revoked from the owner', n.nspname || '.' || c.relname
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE {rel_user} AND c.relacl IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(c.relacl) a WHERE a.grantee = c.relowner)
                 UNION ALL
                 SELECT 'foreign data wrapper', w.fdwname FROM pg_catalog.pg_foreign_data_wrapper w
                  WHERE {fdw}
                 UNION ALL
                 SELECT 'foreign server', s.srvname FROM pg_catalog.pg_foreign_server s
                 UNION ALL
                 SELECT 'user mapping', s.srvname || ' for ' || coalesce(pg_catalog.pg_get_userbyid(u.umuser), 'PUBLIC')
                   FROM pg_catalog.pg_user_mapping u JOIN pg_catalog.pg_foreign_server s ON s.oid = u.umserver
                 UNION ALL
                 SELECT 'grant on an extension''s object', n.nspname || '.' || p.proname
                   FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                   JOIN pg_catalog.pg_depend xd ON xd.classid = 'pg_catalog.pg_proc'::regclass AND xd.objid = p.oid AND xd.deptype = 'e'
                   LEFT JOIN pg_catalog.pg_init_privs ip ON ip.classoid = 'pg_catalog.pg_proc'::regclass AND ip.objoid = p.oid AND ip.objsubid = 0
                  WHERE p.proacl IS DISTINCT FROM ip.initprivs
                 UNION ALL
                 SELECT 'grant on an extension''s object', n.nspname || '.' || c.relname
                   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_catalog.pg_depend xd ON xd.classid = 'pg_catalog.pg_class'::regclass AND xd.objid = c.oid AND xd.deptype = 'e'
                   LEFT JOIN pg_catalog.pg_init_privs ip ON ip.classoid = 'pg_catalog.pg_class'::regclass AND ip.objoid = c.oid AND ip.objsubid = 0
                  WHERE c.relacl IS DISTINCT FROM ip.initprivs
                 UNION ALL
                 SELECT 'security label', s.provider || ' on ' || s.objoid::text FROM pg_catalog.pg_seclabel s",
                proc = not_extension_member("pg_proc", "p.oid"),
                op = not_extension_member("pg_operator", "o.oid"),
                coll = not_extension_member("pg_collation", "co.oid"),
                typ = not_extension_member("pg_type", "t.oid"),
                evt = not_extension_member("pg_event_trigger", "e.oid"),
                fdw = not_extension_member("pg_foreign_data_wrapper", "w.oid"),
            ),
        }
    }
}
