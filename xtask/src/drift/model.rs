//! A catalog flattened into objects by id, each with its aspects as text
//! (what the report shows) and the catalog entry it comes from (what the
//! catch-up script writes SQL from).

use std::collections::{BTreeMap, HashMap};

use crate::schema::catalog::{
    Catalog, Column, Constraint, Deparsed, Extension, Function, Grant, Index, ObjRef, Oid, Policy,
    RelKind, Relation, ReplicaIdentity, RoutineKind, Schema, Sequence, Trigger, TriggerEnabled,
    Type, TypeKind,
};
use crate::schema::render::{self, sequence_options};
use crate::sql::quote::{literal, Quoter};

use super::kind::{Aspect, Kind, ObjectId};

/// What [`super::compare`] leaves out.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Tables (raw schema, raw name) left out on both sides: touchpoint's
    /// tracking table, a legacy tool's.
    pub ignore_tables: Vec<(String, String)>,
    /// Compare owners (other than the database's owner): the project's
    /// `owners = true`.
    pub owners: bool,
}

/// The catalog entry an object comes from, for the catch-up script.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    Schema(&'a Schema),
    Extension(&'a Extension),
    Type(&'a Type),
    Sequence(&'a Sequence),
    Relation(&'a Relation),
    Column(&'a Relation, &'a Column),
    Constraint(&'a Relation, &'a Constraint),
    Index(&'a Relation, &'a Index),
    Trigger(&'a Relation, &'a Trigger),
    Policy(&'a Relation, &'a Policy),
    Function(&'a Function),
    /// Collations, aggregates, rules ...: held as their statements.
    Deparsed(&'a Deparsed),
}

pub(crate) type Aspects = BTreeMap<Aspect, String>;

pub(crate) struct Object<'a> {
    pub id: ObjectId,
    /// The table (or view) the object belongs to, as SQL names it.
    pub table: Option<String>,
    pub aspects: Aspects,
    pub source: Source<'a>,
}

impl Object<'_> {
    pub fn kind(&self) -> Kind {
        self.id.kind
    }

    /// The object's name as SQL writes it (`s.t.c` for a column).
    pub fn name(&self) -> &str {
        &self.id.name
    }

    pub fn aspect(&self, aspect: Aspect) -> Option<&str> {
        self.aspects.get(&aspect).map(String::as_str)
    }
}

/// A catalog as objects by id.
pub(crate) struct Model<'a> {
    pub objects: BTreeMap<ObjectId, Object<'a>>,
}

impl<'a> Model<'a> {
    pub(crate) fn new(catalog: &'a Catalog, options: &Options) -> Model<'a> {
        let mut flattener = Flattener {
            catalog,
            quoter: Quoter::new(&catalog.keywords),
            options,
            relations: catalog.relations.iter().map(|r| (r.oid, r)).collect(),
            objects: BTreeMap::new(),
        };
        flattener.schemas();
        flattener.extensions();
        flattener.types();
        flattener.sequences();
        flattener.functions();
        for r in &catalog.relations {
            flattener.relation(r);
        }
        flattener.deparsed();
        flattener.leave_out_bookkeeping_schemas();
        Model {
            objects: flattener.objects,
        }
    }
}

/// Sets `aspect` when there is a value.
fn put(aspects: &mut Aspects, aspect: Aspect, value: Option<String>) {
    if let Some(value) = value {
        aspects.insert(aspect, value);
    }
}

/// `privileges to grantee[ with grant option]; ...`, or `None` without any.
fn grants_text(grants: &[Grant]) -> Option<String> {
    if grants.is_empty() {
        return None;
    }
    let each: Vec<String> = grants
        .iter()
        .map(|g| {
            let option = if g.with_grant_option {
                " with grant option"
            } else {
                ""
            };
            format!("{} to {}{option}", g.privileges.join(", "), g.grantee)
        })
        .collect();
    Some(each.join("; "))
}

struct Flattener<'a, 'o> {
    catalog: &'a Catalog,
    quoter: Quoter<'a>,
    options: &'o Options,
    /// Relations by oid, looked up for sequences, partitions and parents.
    relations: HashMap<Oid, &'a Relation>,
    objects: BTreeMap<ObjectId, Object<'a>>,
}

impl<'a> Flattener<'a, '_> {
    fn add(
        &mut self,
        kind: Kind,
        name: String,
        table: Option<String>,
        aspects: Aspects,
        source: Source<'a>,
    ) {
        let id = ObjectId::new(kind, name);
        let object = Object {
            id: id.clone(),
            table,
            aspects,
            source,
        };
        self.objects.insert(id, object);
    }

    fn ignored(&self, schema: &str, name: &str) -> bool {
        self.options
            .ignore_tables
            .iter()
            .any(|(s, n)| s == schema && n == name)
    }

    fn relation_name(&self, oid: Oid) -> String {
        self.relations
            .get(&oid)
            .map(|r| self.quoter.qualified(&r.schema, &r.name))
            .unwrap_or_else(|| format!("(relation {oid})"))
    }

    /// The object's owner, when the project models owners and it is not
    /// the database's owner.
    fn owner(&self, class: &'static str, oid: Oid, aspects: &mut Aspects) {
        if !self.options.owners {
            return;
        }
        let owner = self.catalog.owner_of(&ObjRef(class, oid));
        put(aspects, Aspect::Owner, owner.map(|o| o.role.clone()));
    }

    fn schemas(&mut self) {
        for s in &self.catalog.schemas {
            let mut aspects = Aspects::new();
            put(&mut aspects, Aspect::Comment, s.comment.clone());
            put(&mut aspects, Aspect::Grants, grants_text(&s.grants));
            self.owner("pg_namespace", s.oid, &mut aspects);
            let name = self.quoter.ident(&s.name);
            self.add(Kind::Schema, name, None, aspects, Source::Schema(s));
        }
    }

    fn extensions(&mut self) {
        for x in &self.catalog.extensions {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Schema, self.quoter.ident(&x.schema));
            if !x.grants.is_empty() {
                aspects.insert(Aspect::Grants, x.grants.join(" "));
            }
            let name = self.quoter.ident(&x.name);
            self.add(Kind::Extension, name, None, aspects, Source::Extension(x));
        }
    }

    fn types(&mut self) {
        for t in &self.catalog.types {
            let mut aspects = self.type_aspects(&t.kind);
            put(&mut aspects, Aspect::Comment, t.comment.clone());
            // The default (USAGE for PUBLIC) is said like any grant, so
            // that a revoke from PUBLIC is a difference.
            put(&mut aspects, Aspect::Grants, grants_text(&t.grants));
            self.owner("pg_type", t.oid, &mut aspects);
            let name = self.quoter.qualified(&t.schema, &t.name);
            self.add(Kind::Type, name, None, aspects, Source::Type(t));
        }
    }

    fn type_aspects(&self, kind: &TypeKind) -> Aspects {
        let mut aspects = Aspects::new();
        match kind {
            TypeKind::Enum { labels } => {
                aspects.insert(Aspect::TypeKind, "enum".to_string());
                let values: Vec<String> = labels.iter().map(|l| literal(l)).collect();
                aspects.insert(Aspect::Values, values.join(", "));
            }
            TypeKind::Domain {
                base,
                collation,
                default,
                not_null,
                checks,
            } => {
                aspects.insert(Aspect::TypeKind, "domain".to_string());
                aspects.insert(Aspect::Base, base.clone());
                put(&mut aspects, Aspect::Collation, collation.clone());
                put(&mut aspects, Aspect::Default, default.clone());
                if *not_null {
                    aspects.insert(Aspect::Nullability, "NOT NULL".to_string());
                }
                if !checks.is_empty() {
                    let mut each: Vec<String> =
                        checks.iter().map(|(n, d)| format!("{n} {d}")).collect();
                    each.sort();
                    aspects.insert(Aspect::Checks, each.join("; "));
                }
            }
            TypeKind::Range { definition } => {
                aspects.insert(Aspect::TypeKind, "range".to_string());
                aspects.insert(Aspect::Definition, definition.clone());
            }
            TypeKind::Composite { attributes } => {
                aspects.insert(Aspect::TypeKind, "composite".to_string());
                let each: Vec<String> = attributes
                    .iter()
                    .map(|a| {
                        let name = self.quoter.ident(&a.name);
                        match &a.collation {
                            Some(c) => format!("{name} {} COLLATE {c}", a.type_name),
                            None => format!("{name} {}", a.type_name),
                        }
                    })
                    .collect();
                aspects.insert(Aspect::Attributes, each.join(", "));
            }
        }
        aspects
    }

    fn sequences(&mut self) {
        for s in &self.catalog.sequences {
            let owner = s.owned_by.as_ref();
            if owner
                .and_then(|(table, _)| self.relations.get(table))
                .is_some_and(|r| self.ignored(&r.schema, &r.name))
            {
                continue;
            }
            let mut aspects = Aspects::new();
            let options = sequence_options(&s.options, true);
            if !options.is_empty() {
                aspects.insert(Aspect::Options, options.join(" "));
            }
            if let Some((table, column)) = owner {
                let owner = format!(
                    "{}.{}",
                    self.relation_name(*table),
                    self.quoter.ident(column)
                );
                aspects.insert(Aspect::OwnedBy, owner);
            }
            if s.unlogged {
                aspects.insert(Aspect::Unlogged, "UNLOGGED".to_string());
            }
            put(&mut aspects, Aspect::Comment, s.comment.clone());
            put(&mut aspects, Aspect::Grants, grants_text(&s.grants));
            self.owner("pg_class", s.oid, &mut aspects);
            let name = self.quoter.qualified(&s.schema, &s.name);
            self.add(Kind::Sequence, name, None, aspects, Source::Sequence(s));
        }
    }

    fn functions(&mut self) {
        for f in &self.catalog.functions {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Definition, f.definition.clone());
            put(&mut aspects, Aspect::Comment, f.comment.clone());
            // The default (EXECUTE for PUBLIC) is said like any grant, so
            // that a revoke from PUBLIC is a difference.
            put(&mut aspects, Aspect::Grants, grants_text(&f.grants));
            self.owner("pg_proc", f.oid, &mut aspects);
            let kind = match f.kind {
                RoutineKind::Procedure => Kind::Procedure,
                RoutineKind::Function => Kind::Function,
            };
            // By argument types: a renamed parameter is a changed
            // definition, not another routine.
            let name = format!(
                "{}({})",
                self.quoter.qualified(&f.schema, &f.name),
                f.identity_types
            );
            self.add(kind, name, None, aspects, Source::Function(f));
        }
    }

    /// A relation and its parts: columns (of tables), constraints and
    /// indexes declared on it, triggers and policies.
    fn relation(&mut self, r: &'a Relation) {
        if self.ignored(&r.schema, &r.name) {
            return;
        }
        let qn = self.quoter.qualified(&r.schema, &r.name);
        let kind = match r.kind {
            RelKind::Table | RelKind::PartitionedTable => Kind::Table,
            RelKind::View => Kind::View,
            RelKind::MaterializedView => Kind::MaterializedView,
            RelKind::ForeignTable => Kind::ForeignTable,
        };
        let aspects = self.relation_aspects(r);
        self.add(
            kind,
            qn.clone(),
            Some(qn.clone()),
            aspects,
            Source::Relation(r),
        );
        if r.kind.has_columns() {
            self.columns(r, &qn);
        }
        self.constraints(r, &qn);
        self.indexes(r, &qn);
        self.triggers(r, &qn);
        self.policies(r, &qn);
    }

    fn relation_aspects(&self, r: &Relation) -> Aspects {
        let mut aspects = Aspects::new();
        let kept = r.owner_privileges.as_ref().map(|p| match p.as_slice() {
            [] => "none".to_string(),
            _ => p.join(", "),
        });
        put(&mut aspects, Aspect::OwnerPrivileges, kept);
        self.owner("pg_class", r.oid, &mut aspects);
        if r.kind == RelKind::PartitionedTable {
            let key = r.partition_key.clone().unwrap_or_default();
            aspects.insert(Aspect::PartitionKey, key);
        }
        if r.unlogged {
            aspects.insert(Aspect::Unlogged, "UNLOGGED".to_string());
        }
        if r.row_security {
            aspects.insert(Aspect::RowLevelSecurity, "ENABLED".to_string());
        }
        if r.force_row_security {
            aspects.insert(Aspect::ForcedRowLevelSecurity, "FORCED".to_string());
        }
        if let Some((parent, bound)) = &r.partition_of {
            let parent = self.relation_name(*parent);
            aspects.insert(Aspect::PartitionOf, format!("{parent} {bound}"));
        }
        if !r.inherits.is_empty() {
            let parents: Vec<String> = r.inherits.iter().map(|p| self.relation_name(*p)).collect();
            aspects.insert(Aspect::Inherits, parents.join(", "));
        }
        if !r.options.is_empty() {
            aspects.insert(Aspect::Options, r.options.join(", "));
        }
        if let Some(foreign) = &r.foreign {
            aspects.insert(Aspect::Server, foreign.server.clone());
            if !foreign.options.is_empty() {
                aspects.insert(Aspect::Options, foreign.options.join(", "));
            }
        }
        if r.kind.is_table() && r.replica_identity != ReplicaIdentity::Default {
            let mut code = r.replica_identity.code().to_string();
            if let Some(i) = r.indexes.iter().find(|i| i.replica_identity) {
                code += &format!(" {}", self.quoter.ident(&i.name));
            }
            aspects.insert(Aspect::ReplicaIdentity, code);
        }
        put(&mut aspects, Aspect::Definition, r.view_definition.clone());
        put(&mut aspects, Aspect::Comment, r.comment.clone());
        put(&mut aspects, Aspect::Grants, grants_text(&r.grants));
        aspects
    }

    fn columns(&mut self, r: &'a Relation, qn: &str) {
        for c in &r.columns {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Type, c.type_name.clone());
            put(&mut aspects, Aspect::Collation, c.collation.clone());
            put(&mut aspects, Aspect::Compression, c.compression.clone());
            put(&mut aspects, Aspect::Storage, c.storage.clone());
            put(&mut aspects, Aspect::Grants, grants_text(&c.grants));
            put(
                &mut aspects,
                Aspect::Statistics,
                c.statistics.map(|n| n.to_string()),
            );
            let nullability = render::not_null_text(&self.quoter, r, c);
            let nullability = nullability.unwrap_or_else(|| "NULL".to_string());
            aspects.insert(Aspect::Nullability, nullability);
            put(&mut aspects, Aspect::Default, c.default.clone());
            let identity = c.identity.map(|i| i.sql().to_string());
            put(&mut aspects, Aspect::Identity, identity);
            // The kind with the expression: a stored column and a virtual
            // one are different columns (one is rewritten into the table).
            let generated = c.generated.as_ref().map(|g| g.sql());
            put(&mut aspects, Aspect::Generated, generated);
            if !c.fdw_options.is_empty() {
                aspects.insert(Aspect::Options, c.fdw_options.join(", "));
            }
            if let Some(sequence) = &c.identity_sequence {
                let options = sequence_options(&sequence.options, true);
                if !options.is_empty() {
                    aspects.insert(Aspect::IdentityOptions, options.join(" "));
                }
            }
            put(&mut aspects, Aspect::Comment, c.comment.clone());
            let name = format!("{qn}.{}", self.quoter.ident(&c.name));
            let table = Some(qn.to_string());
            self.add(Kind::Column, name, table, aspects, Source::Column(r, c));
        }
    }

    /// Constraints declared on the relation: those a partition inherits
    /// from its parent are the parent's, compared there.
    fn constraints(&mut self, r: &'a Relation, qn: &str) {
        for c in r.constraints.iter().filter(|c| c.is_local) {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Type, c.kind.label().to_string());
            let definition = c.definition.trim_end_matches(" NOT VALID");
            let definition = definition.trim_end_matches(" NOT ENFORCED");
            aspects.insert(Aspect::Definition, definition.to_string());
            // A NOT ENFORCED one is not validated either: it is not NOT VALID.
            if !c.enforced {
                aspects.insert(Aspect::Enforced, "NOT ENFORCED".to_string());
            } else if !c.validated {
                aspects.insert(Aspect::Validated, "NOT VALID".to_string());
            }
            put(&mut aspects, Aspect::Comment, c.comment.clone());
            let name = format!("{qn}.{}", self.quoter.ident(&c.name));
            let table = Some(qn.to_string());
            self.add(
                Kind::Constraint,
                name,
                table,
                aspects,
                Source::Constraint(r, c),
            );
        }
    }

    /// Indexes of their own: one backing a constraint is the constraint,
    /// a partition's attached one is its parent's.
    fn indexes(&mut self, r: &'a Relation, qn: &str) {
        let own = r
            .indexes
            .iter()
            .filter(|i| !i.backs_constraint && !i.attached_to_parent);
        for i in own {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Definition, i.definition.clone());
            if !i.valid {
                aspects.insert(Aspect::Valid, "INVALID".to_string());
            }
            put(&mut aspects, Aspect::Comment, i.comment.clone());
            let name = self.quoter.qualified(&r.schema, &i.name);
            let table = Some(qn.to_string());
            self.add(Kind::Index, name, table, aspects, Source::Index(r, i));
        }
    }

    fn triggers(&mut self, r: &'a Relation, qn: &str) {
        for t in &r.triggers {
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Definition, t.definition.clone());
            let enabled = match t.enabled {
                TriggerEnabled::Origin => None,
                TriggerEnabled::Disabled => Some("DISABLED"),
                TriggerEnabled::Replica => Some("ENABLE REPLICA"),
                TriggerEnabled::Always => Some("ENABLE ALWAYS"),
            };
            put(&mut aspects, Aspect::Enabled, enabled.map(str::to_string));
            put(&mut aspects, Aspect::Comment, t.comment.clone());
            let name = format!("{qn}.{}", self.quoter.ident(&t.name));
            let table = Some(qn.to_string());
            self.add(Kind::Trigger, name, table, aspects, Source::Trigger(r, t));
        }
    }

    fn policies(&mut self, r: &'a Relation, qn: &str) {
        for p in &r.policies {
            let mut aspects = Aspects::new();
            let permissive = if p.permissive {
                "PERMISSIVE"
            } else {
                "RESTRICTIVE"
            };
            aspects.insert(Aspect::Permissive, permissive.to_string());
            aspects.insert(Aspect::Command, p.command.sql().to_string());
            aspects.insert(Aspect::Roles, p.roles.join(", "));
            put(&mut aspects, Aspect::Using, p.using.clone());
            put(&mut aspects, Aspect::WithCheck, p.with_check.clone());
            put(&mut aspects, Aspect::Comment, p.comment.clone());
            let name = format!("{qn}.{}", self.quoter.ident(&p.name));
            let table = Some(qn.to_string());
            self.add(Kind::Policy, name, table, aspects, Source::Policy(r, p));
        }
    }

    /// Objects held as their statements: compared by those statements and
    /// their comment. A rule of a left-out table is left out with it.
    fn deparsed(&mut self) {
        for d in &self.catalog.deparsed {
            let relation = d.relation.and_then(|oid| self.relations.get(&oid).copied());
            if relation.is_some_and(|r| self.ignored(&r.schema, &r.name)) {
                continue;
            }
            let mut aspects = Aspects::new();
            aspects.insert(Aspect::Definition, d.definition());
            put(&mut aspects, Aspect::Comment, d.comment.clone());
            self.owner(d.kind.class(), d.oid, &mut aspects);
            let table = relation.map(|r| self.quoter.qualified(&r.schema, &r.name));
            let kind = Kind::from(render::Kind::of_deparsed(d.kind));
            self.add(
                kind,
                d.qualified.clone(),
                table,
                aspects,
                Source::Deparsed(d),
            );
        }
    }

    /// A schema that holds nothing but left-out tables (a tracking table's
    /// own schema) is bookkeeping too.
    fn leave_out_bookkeeping_schemas(&mut self) {
        for (schema, _) in &self.options.ignore_tables {
            if schema == "public" {
                continue;
            }
            let name = self.quoter.ident(schema);
            let prefix = format!("{name}.");
            if !self.objects.values().any(|o| o.name().starts_with(&prefix)) {
                self.objects.remove(&ObjectId::new(Kind::Schema, name));
            }
        }
    }
}
