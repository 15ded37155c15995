//! The catalog queries' rows turned into the model, one function per kind.
//! The one-letter codes are decoded here (through `codes`), once.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use tokio_postgres::{Client, Row};

use super::codes::{
    compression, ConstraintKind, DeparsedKind, GeneratedKind, Identity, PolicyCommand, RelKind,
    ReplicaIdentity, RoutineKind, TriggerEnabled,
};
use super::deparsed;
use super::model::{
    Attribute, Catalog, Column, Constraint, Deparsed, Extension, ForeignTable, Function, Generated,
    Grant, IdentitySequence, Index, NotNull, ObjRef, Oid, Owner, Policy, Relation, Schema,
    Sequence, SequenceOptions, Trigger, Type, TypeKind,
};
use super::queries::Queries;

/// Reads the catalogs inside the transaction the caller opened.
pub(super) async fn read_in(client: &Client, dependencies: bool) -> Result<Catalog> {
    Ok(Rows::fetch(client, dependencies).await?.decode())
}

/// Every query's answer.
struct Rows {
    version: i32,
    keywords: Vec<Row>,
    schemas: Vec<Row>,
    extensions: Vec<Row>,
    types: Vec<Row>,
    domain_checks: Vec<Row>,
    attributes: Vec<Row>,
    sequences: Vec<Row>,
    sequence_owners: Vec<Row>,
    relations: Vec<Row>,
    columns: Vec<Row>,
    constraints: Vec<Row>,
    indexes: Vec<Row>,
    triggers: Vec<Row>,
    policies: Vec<Row>,
    grants: Vec<Row>,
    function_grants: Vec<Row>,
    functions: Vec<Row>,
    depends: Vec<Row>,
    extension_members: Vec<Row>,
    unmodelled: Vec<Row>,
    owners: Vec<Row>,
    schema_grants: Vec<Row>,
    type_grants: Vec<Row>,
    column_grants: Vec<Row>,
    extension_grants: Vec<Row>,
    deparsed: Vec<(DeparsedKind, Vec<Row>)>,
}

impl Rows {
    /// All queries are sent before the first answer is read (tokio-postgres
    /// pipelines concurrent queries on one connection).
    /// The version comes first: some queries depend on it.
    async fn fetch(c: &Client, dependencies: bool) -> Result<Rows> {
        // A subscription's connection string is a superuser's to read.
        let probe = c
            .query_one(
                "SELECT current_setting('server_version_num')::int,
                        pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')",
                &[],
            )
            .await?;
        let (version, subscriptions_readable): (i32, bool) = (probe.get(0), probe.get(1));
        let q = Queries::new(version);
        let (keywords, schemas, extensions, types, domain_checks, attributes) = tokio::try_join!(
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
        let (sequences, sequence_owners, relations, columns, constraints, indexes, triggers) = tokio::try_join!(
            c.query(&q.sequences, &[]),
            c.query(&q.sequence_owners, &[]),
            c.query(&q.relations, &[]),
            c.query(&q.columns, &[]),
            c.query(&q.constraints, &[]),
            c.query(&q.indexes, &[]),
            c.query(&q.triggers, &[]),
        )?;
        let (
            policies,
            grants,
            function_grants,
            functions,
            depends,
            extension_members,
            mut unmodelled,
            owners,
        ) = tokio::try_join!(
            c.query(&q.policies, &[]),
            c.query(&q.grants, &[]),
            c.query(&q.function_grants, &[]),
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
            c.query(&q.owners, &[]),
        )?;
        if subscriptions_readable {
            // Where they can be read: a password in a connection string is
            // left out of what is written and said so.
            let passwords = "SELECT 'subscription password (left out)', s.subname::text FROM pg_catalog.pg_subscription s
                              WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                                AND s.subconninfo ~* 'password\\s*='";
            unmodelled.extend(c.query(passwords, &[]).await?);
        }
        let (schema_grants, type_grants, column_grants, extension_grants) = tokio::try_join!(
            c.query(&q.schema_grants, &[]),
            c.query(&q.type_grants, &[]),
            c.query(&q.column_grants, &[]),
            c.query(&q.extension_grants, &[])
        )?;
        // One query per kind held as its statements; some are versioned.
        let deparsed =
            futures_util::future::try_join_all(DeparsedKind::ALL.iter().map(|&kind| async move {
                if kind == DeparsedKind::Subscription && !subscriptions_readable {
                    return Ok((kind, Vec::new()));
                }
                let rows = c.query(&deparsed::query(kind, version), &[]).await?;
                Ok::<_, tokio_postgres::Error>((kind, rows))
            }))
            .await?;
        Ok(Rows {
            version,
            keywords,
            schemas,
            extensions,
            types,
            domain_checks,
            attributes,
            sequences,
            sequence_owners,
            relations,
            columns,
            constraints,
            indexes,
            triggers,
            policies,
            grants,
            function_grants,
            functions,
            depends,
            extension_members,
            unmodelled,
            owners,
            schema_grants,
            type_grants,
            column_grants,
            extension_grants,
            deparsed,
        })
    }

    fn decode(self) -> Catalog {
        let mut grants = Grants::new(&self.grants);
        let (sequences, mut identity_sequences) =
            sequences(&self.sequences, &self.sequence_owners, &mut grants);
        let mut relations = relations(&self.relations, &mut grants);
        let by_oid: HashMap<Oid, usize> = relations
            .iter()
            .enumerate()
            .map(|(i, r)| (r.oid, i))
            .collect();
        // Parts go to their relation: the oid in column `at` of their row.
        let relation_at = |row: &Row, at: usize| by_oid.get(&row.get::<_, Oid>(at)).copied();
        for row in &self.columns {
            if let Some(i) = relation_at(row, 0) {
                let table = relations[i].oid;
                let mut column = column(row, &mut identity_sequences, table);
                // From 17 a partition's column shows its parent's identity,
                // without a sequence of its own: it is the parent's.
                if relations[i].partition_of.is_some() && column.identity_sequence.is_none() {
                    column.identity = None;
                }
                relations[i].columns.push(column);
            }
        }
        for row in &self.constraints {
            if let Some(i) = relation_at(row, 1) {
                relations[i].constraints.push(constraint(row));
            }
        }
        for row in &self.column_grants {
            let name: String = row.get(1);
            let column = relation_at(row, 0)
                .and_then(|i| relations[i].columns.iter_mut().find(|c| c.name == name));
            if let Some(c) = column {
                add_grant(&mut c.grants, row.get(2), row.get(3), row.get(4));
            }
        }
        for row in &self.indexes {
            if let Some(i) = relation_at(row, 1) {
                relations[i].indexes.push(index(row));
            }
        }
        for row in &self.triggers {
            if let Some(i) = relation_at(row, 1) {
                relations[i].triggers.push(trigger(row));
            }
        }
        for row in &self.policies {
            if let Some(i) = relation_at(row, 1) {
                relations[i].policies.push(policy(row));
            }
        }
        let mut unmodelled: Vec<(String, String)> = self
            .unmodelled
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        unmodelled.sort();
        let mut schema_grants = Grants::new(&self.schema_grants);
        let mut schemas: Vec<Schema> = self.schemas.iter().map(schema).collect();
        for s in &mut schemas {
            s.grants = schema_grants.take(s.oid);
        }
        let mut type_grants = Grants::new(&self.type_grants);
        let mut types = types(&self.types, &self.domain_checks, &self.attributes);
        for t in &mut types {
            t.grants = type_grants.take(t.oid);
        }
        Catalog {
            server_version_num: self.version,
            keywords: self.keywords.iter().map(|r| r.get(0)).collect(),
            schemas,
            extensions: {
                let mut extensions: Vec<Extension> =
                    self.extensions.iter().map(extension).collect();
                for row in &self.extension_grants {
                    let name: String = row.get(0);
                    let (on, grantee, privilege, granted): (String, String, String, bool) =
                        (row.get(1), row.get(2), row.get(3), row.get(4));
                    if let Some(x) = extensions.iter_mut().find(|x| x.name == name) {
                        x.grants.push(if granted {
                            format!("GRANT {privilege} ON {on} TO {grantee};")
                        } else {
                            format!("REVOKE {privilege} ON {on} FROM {grantee};")
                        });
                    }
                }
                extensions
            },
            types,
            sequences,
            relations,
            functions: {
                let mut grants = Grants::new(&self.function_grants);
                self.functions
                    .iter()
                    .map(|r| function(r, &mut grants))
                    .collect()
            },
            deparsed: self
                .deparsed
                .iter()
                .flat_map(|(kind, rows)| rows.iter().map(|r| deparsed_row(*kind, r)))
                .collect(),
            depends: depends(&self.depends),
            column_depends: column_depends(&self.depends),
            owners: owners(&self.owners),
            owners_modelled: false,
            extension_members: extension_members(&self.extension_members),
            unmodelled,
        }
    }
}

fn schema(r: &Row) -> Schema {
    Schema {
        oid: r.get(0),
        name: r.get(1),
        comment: r.get(2),
        grants: Vec::new(),
    }
}

fn extension(r: &Row) -> Extension {
    Extension {
        oid: r.get(0),
        name: r.get(1),
        schema: r.get(2),
        comment: r.get(3),
        grants: Vec::new(),
    }
}

/// Enums, domains with their checks, composite types with their attributes.
fn types(rows: &[Row], domain_checks: &[Row], attributes: &[Row]) -> Vec<Type> {
    let mut checks: HashMap<Oid, Vec<(String, String)>> = HashMap::new();
    let mut check_oids: HashMap<Oid, Vec<Oid>> = HashMap::new();
    for r in domain_checks {
        checks
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2)));
        check_oids.entry(r.get(0)).or_default().push(r.get(3));
    }
    let mut attributes_of: HashMap<Oid, Vec<Attribute>> = HashMap::new();
    for r in attributes {
        attributes_of.entry(r.get(0)).or_default().push(Attribute {
            name: r.get(1),
            type_name: r.get(2),
            collation: r.get(3),
        });
    }
    rows.iter()
        .map(|r| {
            let oid: Oid = r.get(0);
            let relid: Oid = r.get(10);
            let kind = match r.get::<_, String>(3).as_str() {
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
                "r" => TypeKind::Range {
                    definition: r.get(11),
                },
                _ => TypeKind::Composite {
                    attributes: attributes_of.remove(&relid).unwrap_or_default(),
                },
            };
            Type {
                oid,
                relid,
                constraint_oids: check_oids.remove(&oid).unwrap_or_default(),
                schema: r.get(1),
                name: r.get(2),
                kind,
                comment: r.get(9),
                grants: Vec::new(),
            }
        })
        .collect()
}

/// Privileges by relation oid, handed out once each.
struct Grants {
    by_oid: HashMap<Oid, BTreeMap<(String, bool), Vec<String>>>,
}

impl Grants {
    fn new(rows: &[Row]) -> Grants {
        let mut by_oid: HashMap<Oid, BTreeMap<(String, bool), Vec<String>>> = HashMap::new();
        for r in rows {
            by_oid
                .entry(r.get(0))
                .or_default()
                .entry((r.get(1), r.get(3)))
                .or_default()
                .push(r.get(2));
        }
        Grants { by_oid }
    }

    /// The grants on `oid`, privileges in the order GRANT lists them.
    fn take(&mut self, oid: Oid) -> Vec<Grant> {
        let mut out: Vec<Grant> = self
            .by_oid
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
    }
}

/// `privilege` (with the grant option or not) added to `grantee`'s grant,
/// the grants kept in the order [`Grants::take`] gives.
fn add_grant(grants: &mut Vec<Grant>, grantee: String, privilege: String, with_grant_option: bool) {
    match grants
        .iter_mut()
        .find(|g| g.grantee == grantee && g.with_grant_option == with_grant_option)
    {
        Some(g) => {
            g.privileges.push(privilege);
            g.privileges.sort_by_key(|p| privilege_rank(p));
        }
        None => grants.push(Grant {
            grantee,
            privileges: vec![privilege],
            with_grant_option,
        }),
    }
    grants.sort();
}

/// An identity column's sequence, by (table oid, column name).
type IdentitySequences = HashMap<(Oid, String), IdentitySequence>;

/// Sequences of their own (serial ones with their `OWNED BY`), and the
/// sequences of identity columns, which belong to their column.
fn sequences(
    rows: &[Row],
    owner_rows: &[Row],
    grants: &mut Grants,
) -> (Vec<Sequence>, IdentitySequences) {
    let mut owners: HashMap<Oid, (Oid, String, String)> = HashMap::new();
    for r in owner_rows {
        owners.insert(r.get(0), (r.get(1), r.get(2), r.get(3)));
    }
    let mut sequences = Vec::new();
    let mut identity_sequences = IdentitySequences::new();
    for r in rows {
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
                let sequence = IdentitySequence {
                    schema: r.get(1),
                    name: r.get(2),
                    options,
                };
                identity_sequences.insert((table, column), sequence);
            }
            owner => sequences.push(Sequence {
                oid,
                schema: r.get(1),
                name: r.get(2),
                options,
                owned_by: owner.map(|(table, column, _)| (table, column)),
                comment: r.get(10),
                unlogged: r.get(11),
                grants: grants.take(oid),
            }),
        }
    }
    (sequences, identity_sequences)
}

/// Relations without their columns, constraints, indexes, triggers and
/// policies (attached afterwards).
fn relations(rows: &[Row], grants: &mut Grants) -> Vec<Relation> {
    rows.iter()
        .map(|r| {
            let oid: Oid = r.get(0);
            let partition_bound: Option<String> = r.get(11);
            let parents: Vec<Oid> = r.get::<_, Option<Vec<Oid>>>(12).unwrap_or_default();
            let (partition_of, inherits) = match partition_bound {
                Some(bound) if !parents.is_empty() => (Some((parents[0], bound)), Vec::new()),
                _ => (None, parents),
            };
            Relation {
                oid,
                schema: r.get(1),
                name: r.get(2),
                kind: RelKind::decode(&r.get::<_, String>(3)),
                unlogged: r.get::<_, String>(4) == "u",
                row_security: r.get(5),
                force_row_security: r.get(6),
                replica_identity: ReplicaIdentity::decode(&r.get::<_, String>(7)),
                options: r.get::<_, Option<Vec<String>>>(8).unwrap_or_default(),
                partition_key: r.get(9),
                view_definition: r.get(10),
                partition_of,
                inherits,
                comment: r.get(13),
                foreign: r.get::<_, Option<String>>(14).map(|server| ForeignTable {
                    server,
                    options: r.get::<_, Option<Vec<String>>>(15).unwrap_or_default(),
                }),
                columns: Vec::new(),
                constraints: Vec::new(),
                indexes: Vec::new(),
                triggers: Vec::new(),
                policies: Vec::new(),
                grants: grants.take(oid),
                owner_privileges: r.get::<_, Option<Vec<String>>>(16).map(|mut p| {
                    p.sort_by_key(|p| privilege_rank(p));
                    p
                }),
            }
        })
        .collect()
}

/// A column of the relation `table`; a generated column's expression comes
/// in the default's place.
fn column(r: &Row, identity_sequences: &mut IdentitySequences, table: Oid) -> Column {
    let name: String = r.get(1);
    let expression: Option<String> = r.get(4);
    let (default, generated) = match GeneratedKind::decode(&r.get::<_, String>(6)) {
        Some(kind) => (
            None,
            expression.map(|expression| Generated { expression, kind }),
        ),
        None => (expression, None),
    };
    Column {
        type_name: r.get(2),
        not_null: r.get(3),
        identity: Identity::decode(&r.get::<_, String>(5)),
        identity_sequence: identity_sequences.remove(&(table, name.clone())),
        generated,
        default,
        is_local: r.get(7),
        collation: r.get(8),
        comment: r.get(9),
        fdw_options: r.get::<_, Option<Vec<String>>>(10).unwrap_or_default(),
        not_null_constraint: r.get::<_, Option<String>>(11).map(|name| NotNull {
            name,
            validated: r.get(12),
            no_inherit: r.get(13),
            is_local: r.get(14),
        }),
        compression: compression(&r.get::<_, String>(15)),
        storage: r.get(16),
        statistics: r.get(17),
        grants: Vec::new(),
        name,
    }
}

fn constraint(r: &Row) -> Constraint {
    Constraint {
        oid: r.get(0),
        name: r.get(2),
        kind: ConstraintKind::decode(&r.get::<_, String>(3)),
        definition: r.get(4),
        validated: r.get(5),
        is_local: r.get(6),
        index: r.get::<_, Option<Oid>>(7).filter(|&o| o != 0),
        comment: r.get(8),
        enforced: r.get(9),
    }
}

fn index(r: &Row) -> Index {
    Index {
        oid: r.get(0),
        name: r.get(2),
        definition: r.get(3),
        valid: r.get(4),
        backs_constraint: r.get(5),
        attached_to_parent: r.get(6),
        clustered: r.get(7),
        comment: r.get(8),
        replica_identity: r.get(9),
    }
}

fn trigger(r: &Row) -> Trigger {
    Trigger {
        oid: r.get(0),
        name: r.get(2),
        definition: r.get(3),
        enabled: TriggerEnabled::decode(&r.get::<_, String>(4)),
        comment: r.get(5),
    }
}

fn policy(r: &Row) -> Policy {
    Policy {
        oid: r.get(0),
        name: r.get(2),
        permissive: r.get(3),
        command: PolicyCommand::decode(&r.get::<_, String>(4)),
        roles: r.get::<_, Option<Vec<String>>>(5).unwrap_or_default(),
        using: r.get(6),
        with_check: r.get(7),
        comment: r.get(8),
    }
}

fn function(r: &Row, grants: &mut Grants) -> Function {
    Function {
        grants: grants.take(r.get(0)),
        oid: r.get(0),
        schema: r.get(1),
        name: r.get(2),
        identity_arguments: r.get(3),
        kind: RoutineKind::decode(&r.get::<_, String>(4)),
        definition: r
            .get::<_, String>(5)
            .trim_end()
            .trim_end_matches(';')
            .to_string(),
        comment: r.get(6),
        identity_types: r.get(7),
        signature: r.get(8),
        defaults: r.get(9),
    }
}

/// A row of a `deparsed` query (see there for the columns).
fn deparsed_row(kind: DeparsedKind, r: &Row) -> Deparsed {
    let needs: Vec<String> = r.get::<_, Option<Vec<String>>>(11).unwrap_or_default();
    Deparsed {
        oid: r.get(0),
        kind,
        schema: r.get(1),
        name: r.get(2),
        qualified: r.get(3),
        create: r.get(4),
        after: r.get(5),
        exists: r.get(6),
        drop: r.get(7),
        comment_target: r.get(8),
        comment: r.get(9),
        relation: r.get::<_, Option<Oid>>(10).filter(|&o| o != 0),
        needs: needs
            .iter()
            .filter_map(|n| {
                let (class, oid) = n.split_once(':')?;
                Some(ObjRef(class_name(class)?, oid.parse().ok()?))
            })
            .collect(),
        alter: r.get(12),
    }
}

fn extension_members(rows: &[Row]) -> HashMap<ObjRef, String> {
    rows.iter()
        .filter_map(|r| Some((ObjRef(class_name(r.get(0))?, r.get(1)), r.get(2))))
        .collect()
}

fn depends(rows: &[Row]) -> Vec<(ObjRef, ObjRef)> {
    rows.iter()
        .filter_map(|r| {
            let from = ObjRef(class_name(r.get(0))?, r.get(1));
            let to = ObjRef(class_name(r.get(2))?, r.get(3));
            Some((from, to))
        })
        .collect()
}

/// Sorted by object, for [`Catalog::owner_of`].
fn owners(rows: &[Row]) -> Vec<Owner> {
    let mut owners: Vec<Owner> = rows
        .iter()
        .filter_map(|r| {
            Some(Owner {
                object: ObjRef(class_name(r.get(0))?, r.get(1)),
                keyword: r.get(2),
                name: r.get(3),
                role: r.get(4),
            })
        })
        .collect();
    owners.sort_by(|a, b| a.object.cmp(&b.object));
    owners
}

fn column_depends(rows: &[Row]) -> Vec<(ObjRef, Oid, String)> {
    rows.iter()
        .filter_map(|r| {
            let column: Option<String> = r.get(4);
            let from = ObjRef(class_name(r.get(0))?, r.get(1));
            Some((from, r.get(3), column?))
        })
        .collect()
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
        "pg_collation" => "pg_collation",
        "pg_default_acl" => "pg_default_acl",
        "pg_event_trigger" => "pg_event_trigger",
        "pg_foreign_data_wrapper" => "pg_foreign_data_wrapper",
        "pg_foreign_server" => "pg_foreign_server",
        "pg_user_mapping" => "pg_user_mapping",
        "pg_rewrite" => "pg_rewrite",
        "pg_publication" => "pg_publication",
        "pg_subscription" => "pg_subscription",
        "pg_statistic_ext" => "pg_statistic_ext",
        "pg_ts_dict" => "pg_ts_dict",
        "pg_ts_config" => "pg_ts_config",
        "pg_operator" => "pg_operator",
        "pg_opfamily" => "pg_opfamily",
        "pg_opclass" => "pg_opclass",
        "pg_cast" => "pg_cast",
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
        "CREATE",
        "EXECUTE",
    ]
    .iter()
    .position(|x| *x == p)
    .unwrap_or(99)
}
