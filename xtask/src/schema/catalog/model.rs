//! The schema as the catalogs describe it: what [`super::read`] returns.
//! Expressions and definitions are the server's own text (`pg_get_expr`,
//! `pg_get_indexdef` ...); codes are decoded into the enums of `codes`.

use std::collections::{BTreeSet, HashMap};

use super::codes::{
    ConstraintKind, DeparsedKind, GeneratedKind, Identity, PolicyCommand, RelKind, ReplicaIdentity,
    RoutineKind, TriggerEnabled,
};

pub type Oid = u32;

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
    /// Collations, aggregates, rules, publications ...: objects held as the
    /// statements that create them.
    pub deparsed: Vec<Deparsed>,
    /// `(class, objid) -> (class, refobjid)`: normal dependencies between
    /// user objects, with column defaults and view rules resolved to their
    /// relation and array types to their element type.
    pub depends: Vec<(ObjRef, ObjRef)>,
    /// `(class, objid) -> (table oid, column)`: what depends on a column
    /// in particular (a view, a policy, a trigger's WHEN), resolved as in
    /// `depends`.
    pub column_depends: Vec<(ObjRef, Oid, String)>,
    /// `(class, oid) -> extension name` of every extension member.
    pub extension_members: HashMap<ObjRef, String>,
    /// `kind: name` of every object in the database that is not modelled.
    pub unmodelled: Vec<(String, String)>,
    /// Objects owned by a role other than the database's owner.
    pub owners: Vec<Owner>,
    /// Whether `owners` are part of the model (sync writes them, drift
    /// compares them): a project's choice, see [`Catalog::model_owners`].
    pub owners_modelled: bool,
}

/// An object owned by a role other than the database's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The object's catalog row.
    pub object: ObjRef,
    /// What `ALTER ... OWNER TO` names it as: `TABLE`, `DOMAIN`, `FUNCTION` ...
    pub keyword: String,
    /// Its name as SQL writes it, with argument types for a routine.
    pub name: String,
    /// The owner, as SQL writes it.
    pub role: String,
}

/// What the unmodelled list calls an owner other than the database owner.
pub const OWNER_NOT_MODELLED: &str = "owner other than the database owner";

impl Catalog {
    /// Owners become part of the model: sync writes `ALTER ... OWNER TO`,
    /// drift compares them and the catch-up script sets them. The roles
    /// must exist wherever the schema is loaded.
    pub fn model_owners(&mut self) {
        self.owners_modelled = true;
        self.unmodelled
            .retain(|(what, _)| what != OWNER_NOT_MODELLED);
    }

    /// The owner of `object` other than the database owner.
    pub fn owner_of(&self, object: &ObjRef) -> Option<&Owner> {
        let at = self
            .owners
            .binary_search_by(|o| o.object.cmp(object))
            .ok()?;
        Some(&self.owners[at])
    }
}

/// A catalog row: the catalog's name (`pg_class`, `pg_type` ...) and the oid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef(pub &'static str, pub Oid);

#[derive(Debug, Clone)]
pub struct Schema {
    pub oid: Oid,
    pub name: String,
    pub comment: Option<String>,
    /// Privileges granted to others than the owner.
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone)]
pub struct Extension {
    pub oid: Oid,
    pub name: String,
    pub schema: String,
    pub comment: Option<String>,
    /// Privileges on its objects that differ from those it gave them, as
    /// the statements that make them so (`GRANT ... ON FUNCTION ... TO
    /// ...;`, `REVOKE ... FROM ...;`), sorted.
    pub grants: Vec<String>,
}

/// `pg_type.typtype` of the types the model keeps, with what each holds.
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
        attributes: Vec<Attribute>,
    },
    /// A range: what `CREATE TYPE ... AS RANGE (...)` says (`subtype =
    /// ...`, the options that are not the default, the multirange's name).
    Range {
        definition: String,
    },
}

/// An attribute of a composite type.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub type_name: String,
    pub collation: Option<String>,
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
    /// Privileges of others than the owner; without an ACL, the built-in
    /// default (USAGE for PUBLIC), written out.
    pub grants: Vec<Grant>,
}

impl Type {
    /// Whether its privileges are the built-in default.
    pub fn default_grants(&self) -> bool {
        matches!(self.grants.as_slice(), [g] if g.grantee == "PUBLIC" && g.privileges == ["USAGE"] && !g.with_grant_option)
    }

    /// How `COMMENT ON` and `DROP` name it: `DOMAIN` or `TYPE`.
    pub fn keyword(&self) -> &'static str {
        match self.kind {
            TypeKind::Domain { .. } => "DOMAIN",
            TypeKind::Enum { .. } | TypeKind::Composite { .. } | TypeKind::Range { .. } => "TYPE",
        }
    }

    /// An enum's labels in their order; `None` for other kinds.
    pub fn enum_labels(&self) -> Option<&[String]> {
        match &self.kind {
            TypeKind::Enum { labels } => Some(labels),
            _ => None,
        }
    }
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
    pub unlogged: bool,
    pub comment: Option<String>,
    pub grants: Vec<Grant>,
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
    pub replica_identity: ReplicaIdentity,
    pub options: Vec<String>,
    pub partition_key: Option<String>,
    /// Parent oid and bound, for a partition.
    pub partition_of: Option<(Oid, String)>,
    /// Parents by `INHERITS`, in order (not for partitions).
    pub inherits: Vec<Oid>,
    pub view_definition: Option<String>,
    /// A foreign table's server and options.
    pub foreign: Option<ForeignTable>,
    pub comment: Option<String>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub triggers: Vec<Trigger>,
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
    /// What the owner keeps when some of its own privileges were revoked
    /// (`None`: all of them).
    pub owner_privileges: Option<Vec<String>>,
}

/// Where a foreign table's rows live.
#[derive(Debug, Clone)]
pub struct ForeignTable {
    /// The server's name, quoted.
    pub server: String,
    /// `OPTIONS (...)` items as SQL writes them (`schema_name 'x'`).
    pub options: Vec<String>,
}

/// The sequence behind an identity column.
#[derive(Debug, Clone)]
pub struct IdentitySequence {
    pub schema: String,
    pub name: String,
    pub options: SequenceOptions,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    pub collation: Option<String>,
    /// `attnotnull`: NULL is refused, by a validated constraint or (18) a
    /// NOT VALID one.
    pub not_null: bool,
    /// The NOT NULL constraint's own row (PostgreSQL 18); `None` before.
    pub not_null_constraint: Option<NotNull>,
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// The identity column's sequence.
    pub identity_sequence: Option<IdentitySequence>,
    /// A generated column's expression and kind.
    pub generated: Option<Generated>,
    /// Declared in this table (not only inherited).
    pub is_local: bool,
    /// A foreign table column's `OPTIONS (...)` items, as SQL writes them.
    pub fdw_options: Vec<String>,
    /// `COMPRESSION pglz` / `lz4` set on the column (14+).
    pub compression: Option<String>,
    /// `SET STORAGE` other than the type's (`PLAIN`, `EXTERNAL` ...).
    pub storage: Option<String>,
    /// `SET STATISTICS` when set.
    pub statistics: Option<i32>,
    /// Privileges on the column itself (`GRANT SELECT (c)`), the owner's
    /// own left out.
    pub grants: Vec<Grant>,
    pub comment: Option<String>,
}

/// A NOT NULL constraint as PostgreSQL 18 keeps it: a `pg_constraint` row
/// with a name, which may be NOT VALID (existing rows not checked yet) or
/// NO INHERIT, and which a child may inherit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotNull {
    pub name: String,
    pub validated: bool,
    pub no_inherit: bool,
    /// Declared on this table (not only inherited from a parent).
    pub is_local: bool,
}

impl NotNull {
    /// The name when it is one of the table's own and not the one
    /// PostgreSQL gives (`<table>_<column>_not_null`, as pg_dump decides).
    pub fn custom_name(&self, table: &str, column: &str) -> Option<&str> {
        let default = format!("{table}_{column}_not_null");
        (self.is_local && self.name != default).then_some(self.name.as_str())
    }
}

impl Column {
    /// NOT NULL declared but not proven for the existing rows (18).
    pub fn not_null_not_valid(&self) -> bool {
        self.not_null
            && self
                .not_null_constraint
                .as_ref()
                .is_some_and(|n| !n.validated)
    }
}

/// What a generated column computes, and whether it stores the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub expression: String,
    pub kind: GeneratedKind,
}

impl Generated {
    /// `GENERATED ALWAYS AS (...) STORED` or `... VIRTUAL`: the keyword is
    /// always written, so that a virtual column never comes back stored
    /// and PostgreSQL 18's default never decides.
    pub fn sql(&self) -> String {
        format!(
            "GENERATED ALWAYS AS ({}) {}",
            self.expression,
            self.kind.sql()
        )
    }
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub oid: Oid,
    pub name: String,
    pub kind: ConstraintKind,
    pub definition: String,
    /// False for a NOT VALID constraint, and for a NOT ENFORCED one.
    pub validated: bool,
    /// False for a NOT ENFORCED check or foreign key (18).
    pub enforced: bool,
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
    /// The table's replica identity (`REPLICA IDENTITY USING INDEX`).
    pub replica_identity: bool,
}

#[derive(Debug, Clone)]
pub struct Trigger {
    pub oid: Oid,
    pub name: String,
    pub definition: String,
    pub enabled: TriggerEnabled,
    pub comment: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub oid: Oid,
    pub name: String,
    pub permissive: bool,
    pub command: PolicyCommand,
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
    /// The identity arguments' types only (`integer, text`): what the
    /// routine is known by, as `DROP FUNCTION` takes it. A parameter
    /// renamed is the same routine.
    pub identity_types: String,
    /// Every argument's mode, name and type, and the result: what
    /// `CREATE OR REPLACE` cannot change.
    pub signature: String,
    /// How many arguments have defaults (`CREATE OR REPLACE` cannot remove
    /// one).
    pub defaults: i16,
    pub kind: RoutineKind,
    /// `pg_get_functiondef`: `CREATE OR REPLACE ...` without the final `;`.
    pub definition: String,
    pub comment: Option<String>,
    /// Privileges of roles other than the owner; without an ACL of its
    /// own, the default: EXECUTE for PUBLIC.
    pub grants: Vec<Grant>,
}

impl Function {
    /// Whether its privileges are PostgreSQL's default (EXECUTE for PUBLIC
    /// only), which nothing needs to say.
    pub fn default_grants(&self) -> bool {
        matches!(self.grants.as_slice(), [g] if g.grantee == "PUBLIC" && g.privileges == ["EXECUTE"] && !g.with_grant_option)
    }
}

/// An object held as the statements that create it, as the catalog query
/// deparses it (PostgreSQL's `pg_get_ruledef` where there is one, else built
/// from the catalog row): what the renderer writes and drift compares.
#[derive(Debug, Clone)]
pub struct Deparsed {
    pub oid: Oid,
    pub kind: DeparsedKind,
    /// Raw schema name; empty for objects of the whole database.
    pub schema: String,
    /// Raw name: `name(arguments)` for an aggregate, `table.rule` for a rule.
    pub name: String,
    /// How SQL names it: `s.agg(integer)`, `s.t.rule`, `FOR ROLE r ON TABLES`.
    pub qualified: String,
    /// The `CREATE` statement, `;` included; it may need `exists` as a guard.
    pub create: String,
    /// Statements that complete it (`ALTER ... DISABLE`), each with its `;`.
    pub after: String,
    /// A SELECT that finds the object, when `create` fails on one that
    /// exists; `None` when `create` can run twice.
    pub exists: Option<String>,
    /// The statements that drop (or undo) it.
    pub drop: String,
    /// `COMMENT ON` target (`COLLATION s.c`); `None` for kinds without one.
    pub comment_target: Option<String>,
    pub comment: Option<String>,
    /// The relation a rule or a statistics object belongs to.
    pub relation: Option<Oid>,
    /// What it needs besides `pg_depend`: a publication's tables and
    /// schemas, default privileges' schema, an operator class's family, the
    /// operators and functions of a class's or family's members.
    pub needs: Vec<ObjRef>,
    /// For a wrapper or a server: the `ALTER` that gives one whose options
    /// were cleared this definition; for an enabled rule, what enables it
    /// (CREATE OR REPLACE keeps a disabled one disabled); for an aggregate,
    /// what revokes its grants (it keeps them too); for a text search
    /// dictionary, what sets these options; for a configuration, what drops
    /// its mappings and adds these. Empty for others.
    pub alter: String,
}

impl Deparsed {
    /// What drift compares: the statements that make it.
    pub fn definition(&self) -> String {
        if self.after.is_empty() {
            self.create.clone()
        } else {
            format!("{}\n{}", self.create, self.after)
        }
    }
}

impl Catalog {
    pub fn relation(&self, oid: Oid) -> Option<&Relation> {
        self.relations.iter().find(|r| r.oid == oid)
    }
}
