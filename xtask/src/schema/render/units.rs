//! Every object of a catalog as a unit, kind by kind, with the catalog rows
//! each unit stands for (so `pg_depend` becomes dependencies between units).

use std::collections::{BTreeSet, HashMap};

use crate::schema::catalog::{
    Catalog, Constraint, Function, Index, ObjRef, Oid, Policy, PolicyCommand, RelKind, Relation,
    ReplicaIdentity, RoutineKind, Trigger, Type, TypeKind,
};
use crate::sql::quote::{literal, Quoter};

use super::statements::{
    column_grants, comment, grants, guarded, index_if_not_exists, inline_constraint,
    sequence_options, table_sql, view_options,
};
use super::unit::{Kind, Unit, UnitKey};

/// Renders every object of `cat` as units, in no particular order, with the
/// names of what could not be rendered (added to the catalog's unmodelled).
pub fn units(cat: &Catalog) -> (Vec<Unit>, Vec<(String, String)>) {
    let mut builder = Builder::new(cat);
    builder.schemas();
    builder.extensions();
    builder.types();
    builder.sequences();
    builder.functions();
    builder.relations();
    builder.deparsed();
    builder.finish()
}

struct Builder<'a> {
    catalog: &'a Catalog,
    quoter: Quoter<'a>,
    units: Vec<Unit>,
    /// The unit each catalog row belongs to.
    owners: HashMap<ObjRef, UnitKey>,
    /// Relations' keys by oid, for partitions, parents and sequence owners.
    relation_keys: HashMap<Oid, UnitKey>,
    /// What could not be rendered: (what, name).
    skipped: Vec<(String, String)>,
}

/// A relation's key.
fn relation_key(quoter: &Quoter, r: &Relation) -> UnitKey {
    let kind = match r.kind {
        RelKind::Table | RelKind::PartitionedTable => Kind::Table,
        RelKind::View => Kind::View,
        RelKind::MaterializedView => Kind::MaterializedView,
        RelKind::ForeignTable => Kind::ForeignTable,
    };
    UnitKey::new(
        kind,
        &r.schema,
        &r.name,
        quoter.qualified(&r.schema, &r.name),
    )
}

impl<'a> Builder<'a> {
    fn new(catalog: &'a Catalog) -> Builder<'a> {
        let quoter = Quoter::new(&catalog.keywords);
        let relation_keys = catalog
            .relations
            .iter()
            .map(|r| (r.oid, relation_key(&quoter, r)))
            .collect();
        Builder {
            catalog,
            quoter,
            units: Vec::new(),
            owners: HashMap::new(),
            relation_keys,
            skipped: Vec::new(),
        }
    }

    /// A child's key: `table.child` by name, `table.child` as SQL writes it.
    fn child_key(&self, kind: Kind, r: &Relation, name: &str) -> UnitKey {
        let qn = self.quoter.qualified(&r.schema, &r.name);
        UnitKey::new(
            kind,
            &r.schema,
            &format!("{}.{name}", r.name),
            format!("{qn}.{}", self.quoter.ident(name)),
        )
    }

    fn schemas(&mut self) {
        for s in &self.catalog.schemas {
            if s.name == "public" {
                continue;
            }
            let key = UnitKey::new(Kind::Schema, &s.name, "", self.quoter.ident(&s.name));
            self.owners
                .insert(ObjRef("pg_namespace", s.oid), key.clone());
            let mut sql = format!("CREATE SCHEMA IF NOT EXISTS {};\n", key.qualified);
            sql += &comment(&format!("SCHEMA {}", key.qualified), &s.comment);
            sql += &grants(&format!("SCHEMA {}", key.qualified), &s.grants);
            self.units.push(Unit::new(key, None, sql));
        }
    }

    fn extensions(&mut self) {
        for x in &self.catalog.extensions {
            let key = UnitKey::new(Kind::Extension, "", &x.name, self.quoter.ident(&x.name));
            self.owners
                .insert(ObjRef("pg_extension", x.oid), key.clone());
            let mut sql = format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n",
                key.qualified,
                self.quoter.ident(&x.schema)
            );
            for g in &x.grants {
                sql += g;
                sql += "\n";
            }
            self.units.push(Unit::new(key, None, sql));
        }
    }

    fn types(&mut self) {
        for t in &self.catalog.types {
            let qn = self.quoter.qualified(&t.schema, &t.name);
            let key = UnitKey::new(Kind::Type, &t.schema, &t.name, qn.clone());
            self.owners.insert(ObjRef("pg_type", t.oid), key.clone());
            if let TypeKind::Composite { .. } = t.kind {
                self.owners.insert(ObjRef("pg_class", t.relid), key.clone());
            }
            for oid in &t.constraint_oids {
                self.owners
                    .insert(ObjRef("pg_constraint", *oid), key.clone());
            }
            let exists = format!(
                "SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = {} AND t.typname = {}",
                literal(&t.schema),
                literal(&t.name)
            );
            let mut sql = guarded(&exists, &self.create_type(t, &qn));
            sql += &comment(&format!("{} {qn}", t.keyword()), &t.comment);
            if !t.default_grants() {
                if !t.grants.iter().any(|g| g.grantee == "PUBLIC") {
                    sql += &format!("REVOKE ALL ON TYPE {qn} FROM PUBLIC;\n");
                }
                sql += &grants(&format!("TYPE {qn}"), &t.grants);
            }
            self.units.push(Unit::new(key, None, sql));
        }
    }

    /// `CREATE TYPE` or `CREATE DOMAIN` (with its NOT VALID checks added
    /// after it).
    fn create_type(&self, t: &Type, qn: &str) -> String {
        let quoter = &self.quoter;
        match &t.kind {
            TypeKind::Enum { labels } => format!(
                "CREATE TYPE {qn} AS ENUM ({});",
                labels
                    .iter()
                    .map(|l| literal(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeKind::Domain {
                base,
                collation,
                default,
                not_null,
                checks,
            } => {
                let mut s = format!("CREATE DOMAIN {qn} AS {base}");
                if let Some(c) = collation {
                    s += &format!(" COLLATE {c}");
                }
                if let Some(d) = default {
                    s += &format!(" DEFAULT {d}");
                }
                if *not_null {
                    s += " NOT NULL";
                }
                let mut later = String::new();
                for (name, def) in checks {
                    if def.ends_with(" NOT VALID") {
                        later += &format!(
                            "\nALTER DOMAIN {qn} ADD CONSTRAINT {} {def};",
                            quoter.ident(name)
                        );
                    } else {
                        s += &format!(" CONSTRAINT {} {def}", quoter.ident(name));
                    }
                }
                format!("{s};{later}")
            }
            TypeKind::Range { definition } => format!("CREATE TYPE {qn} AS RANGE ({definition});"),
            TypeKind::Composite { attributes } => format!(
                "CREATE TYPE {qn} AS ({});",
                attributes
                    .iter()
                    .map(|a| match &a.collation {
                        Some(c) => format!("{} {} COLLATE {c}", quoter.ident(&a.name), a.type_name),
                        None => format!("{} {}", quoter.ident(&a.name), a.type_name),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn sequences(&mut self) {
        for s in &self.catalog.sequences {
            let qn = self.quoter.qualified(&s.schema, &s.name);
            let key = UnitKey::new(Kind::Sequence, &s.schema, &s.name, qn.clone());
            self.owners.insert(ObjRef("pg_class", s.oid), key.clone());
            let options = sequence_options(&s.options, true);
            let unlogged = if s.unlogged { "UNLOGGED " } else { "" };
            let mut sql = if options.is_empty() {
                format!("CREATE {unlogged}SEQUENCE IF NOT EXISTS {qn};\n")
            } else {
                format!(
                    "CREATE {unlogged}SEQUENCE IF NOT EXISTS {qn} {};\n",
                    options.join(" ")
                )
            };
            sql += &comment(&format!("SEQUENCE {qn}"), &s.comment);
            sql += &grants(&format!("SEQUENCE {qn}"), &s.grants);
            self.units.push(Unit::new(key, None, sql));
        }
    }

    /// `ALTER SEQUENCE ... OWNED BY` by the owning table's oid: it goes with
    /// the table (which must exist first).
    fn sequence_owners(&self) -> HashMap<Oid, Vec<String>> {
        let mut owned_by: HashMap<Oid, Vec<String>> = HashMap::new();
        for s in &self.catalog.sequences {
            let Some((table, column)) = &s.owned_by else {
                continue;
            };
            if let Some(t) = self.relation_keys.get(table) {
                owned_by.entry(*table).or_default().push(format!(
                    "ALTER SEQUENCE {} OWNED BY {}.{};\n",
                    self.quoter.qualified(&s.schema, &s.name),
                    t.qualified,
                    self.quoter.ident(column)
                ));
            }
        }
        owned_by
    }

    fn functions(&mut self) {
        for f in &self.catalog.functions {
            let key = self.function_key(f);
            self.owners.insert(ObjRef("pg_proc", f.oid), key.clone());
            let mut sql = format!("{};\n", f.definition);
            let on = format!("{} {}", f.kind.keyword(), key.qualified);
            sql += &comment(&on, &f.comment);
            if !f.default_grants() {
                if !f.grants.iter().any(|g| g.grantee == "PUBLIC") {
                    sql += &format!("REVOKE ALL ON {on} FROM PUBLIC;\n");
                }
                sql += &grants(&on, &f.grants);
            }
            self.units.push(Unit::new(key, None, sql));
        }
    }

    /// `schema.name(identity argument types)`.
    fn function_key(&self, f: &Function) -> UnitKey {
        let kind = match f.kind {
            RoutineKind::Function => Kind::Function,
            RoutineKind::Procedure => Kind::Procedure,
        };
        let signature = format!(
            "{}({})",
            self.quoter.qualified(&f.schema, &f.name),
            f.identity_types
        );
        let name = format!("{}({})", f.name, f.identity_types);
        UnitKey::new(kind, &f.schema, &name, signature)
    }

    fn relations(&mut self) {
        let mut owned_by = self.sequence_owners();
        for r in &self.catalog.relations {
            let key = self.relation(r, owned_by.remove(&r.oid).unwrap_or_default());
            for c in &r.constraints {
                self.constraint(r, c, &key);
            }
            for i in &r.indexes {
                self.index(r, i, &key);
            }
            for t in &r.triggers {
                self.trigger(r, t, &key);
            }
            for p in &r.policies {
                self.policy(r, p, &key);
            }
        }
    }

    /// The relation's own unit: CREATE with columns and inline constraints,
    /// sequences it owns, row level security, replica identity, comments
    /// and grants. Returns its key.
    fn relation(&mut self, r: &Relation, owned_by: Vec<String>) -> UnitKey {
        let key = self.relation_keys[&r.oid].clone();
        self.owners.insert(ObjRef("pg_class", r.oid), key.clone());
        let qn = key.qualified.clone();
        let mut sql = self.create_relation(r, &qn);
        sql.extend(owned_by);
        if r.row_security {
            sql += &format!("ALTER TABLE {qn} ENABLE ROW LEVEL SECURITY;\n");
        }
        if r.force_row_security {
            sql += &format!("ALTER TABLE {qn} FORCE ROW LEVEL SECURITY;\n");
        }
        sql += &self.replica_identity(r, &qn);
        sql += &column_settings(&self.quoter, r, &qn);
        sql += &comment(&format!("{} {qn}", r.kind.keyword()), &r.comment);
        for c in &r.columns {
            let target = format!("COLUMN {qn}.{}", self.quoter.ident(&c.name));
            sql += &comment(&target, &c.comment);
        }
        for c in r.constraints.iter().filter(|c| inline_constraint(c)) {
            let target = format!("CONSTRAINT {} ON {qn}", self.quoter.ident(&c.name));
            sql += &comment(&target, &c.comment);
        }
        sql += &grants(&format!("TABLE {qn}"), &r.grants);
        sql += &owner_privileges(&qn, r);
        for c in &r.columns {
            let column = format!("({})", self.quoter.ident(&c.name));
            sql += &column_grants(&column, &format!("TABLE {qn}"), &c.grants);
        }
        let mut unit = Unit::new(key.clone(), None, sql);
        let parents = r.partition_of.iter().map(|(p, _)| p).chain(&r.inherits);
        for parent in parents {
            unit.deps.extend(self.relation_keys.get(parent).cloned());
        }
        self.units.push(unit);
        key
    }

    fn create_relation(&mut self, r: &Relation, qn: &str) -> String {
        let definition = r.view_definition.as_deref().unwrap_or_default();
        let definition = definition.trim_end().trim_end_matches(';');
        match r.kind {
            RelKind::Table | RelKind::PartitionedTable | RelKind::ForeignTable => {
                let parent = r
                    .partition_of
                    .as_ref()
                    .and_then(|(p, _)| self.catalog.relation(*p));
                table_sql(
                    &self.quoter,
                    (r, parent),
                    &self.relation_keys,
                    &mut self.skipped,
                )
            }
            RelKind::View => {
                let (opts, check) = view_options(&r.options);
                format!("CREATE OR REPLACE VIEW {qn}{opts} AS\n{definition}{check};\n")
            }
            RelKind::MaterializedView => {
                let (opts, _) = view_options(&r.options);
                format!("CREATE MATERIALIZED VIEW IF NOT EXISTS {qn}{opts} AS\n{definition};\n")
            }
        }
    }

    /// `REPLICA IDENTITY FULL` or `NOTHING` of a table; one using an index
    /// is not rendered.
    fn replica_identity(&mut self, r: &Relation, qn: &str) -> String {
        if !r.kind.is_table() {
            return String::new();
        }
        match r.replica_identity {
            ReplicaIdentity::Full => format!("ALTER TABLE {qn} REPLICA IDENTITY FULL;\n"),
            ReplicaIdentity::Nothing => format!("ALTER TABLE {qn} REPLICA IDENTITY NOTHING;\n"),
            // An index of a key constraint is there with the table; another
            // index says it after it is built.
            ReplicaIdentity::Index => match r.indexes.iter().find(|i| i.replica_identity) {
                Some(i) if i.backs_constraint => format!(
                    "ALTER TABLE {qn} REPLICA IDENTITY USING INDEX {};\n",
                    self.quoter.ident(&i.name)
                ),
                _ => String::new(),
            },
            ReplicaIdentity::Default => String::new(),
        }
    }

    /// A constraint added after its table (an inline one is the table's).
    fn constraint(&mut self, r: &Relation, c: &Constraint, table: &UnitKey) {
        if inline_constraint(c) {
            self.owners
                .insert(ObjRef("pg_constraint", c.oid), table.clone());
            return;
        }
        if !c.is_local {
            return;
        }
        let qn = &table.qualified;
        let key = self.child_key(Kind::Constraint, r, &c.name);
        self.owners
            .insert(ObjRef("pg_constraint", c.oid), key.clone());
        let name = self.quoter.ident(&c.name);
        let exists = format!(
            "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND conname = {}",
            literal(qn),
            literal(&c.name)
        );
        let add = format!("ALTER TABLE {qn} ADD CONSTRAINT {name} {};", c.definition);
        let mut sql = guarded(&exists, &add);
        sql += &comment(&format!("CONSTRAINT {name} ON {qn}"), &c.comment);
        self.units.push(Unit::new(key, Some(table.clone()), sql));
    }

    /// An index of its own (one that backs a constraint is the table's).
    fn index(&mut self, r: &Relation, i: &Index, table: &UnitKey) {
        if i.backs_constraint {
            self.owners.insert(ObjRef("pg_class", i.oid), table.clone());
            return;
        }
        if i.attached_to_parent {
            return;
        }
        let iq = self.quoter.qualified(&r.schema, &i.name);
        if !i.valid {
            let what = "invalid index (a failed CREATE INDEX CONCURRENTLY?)".to_string();
            self.skipped.push((what, iq));
            return;
        }
        let key = UnitKey::new(Kind::Index, &r.schema, &i.name, iq.clone());
        self.owners.insert(ObjRef("pg_class", i.oid), key.clone());
        let def = index_if_not_exists(&i.definition).replacen(" ON ONLY ", " ON ", 1);
        let mut sql = format!("{def};\n");
        if i.clustered {
            let name = self.quoter.ident(&i.name);
            sql += &format!("ALTER TABLE {} CLUSTER ON {name};\n", table.qualified);
        }
        if i.replica_identity {
            let name = self.quoter.ident(&i.name);
            sql += &format!(
                "ALTER TABLE {} REPLICA IDENTITY USING INDEX {name};\n",
                table.qualified
            );
        }
        sql += &comment(&format!("INDEX {iq}"), &i.comment);
        self.units.push(Unit::new(key, Some(table.clone()), sql));
    }

    fn trigger(&mut self, r: &Relation, t: &Trigger, table: &UnitKey) {
        let qn = &table.qualified;
        let key = self.child_key(Kind::Trigger, r, &t.name);
        self.owners.insert(ObjRef("pg_trigger", t.oid), key.clone());
        let exists = format!(
            "SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {}::regclass AND tgname = {}",
            literal(qn),
            literal(&t.name)
        );
        let mut sql = guarded(&exists, &format!("{};", t.definition));
        let name = self.quoter.ident(&t.name);
        if let Some(clause) = t.enabled.clause() {
            sql += &format!("ALTER TABLE {qn} {clause} TRIGGER {name};\n");
        }
        sql += &comment(&format!("TRIGGER {name} ON {qn}"), &t.comment);
        self.units.push(Unit::new(key, Some(table.clone()), sql));
    }

    fn policy(&mut self, r: &Relation, p: &Policy, table: &UnitKey) {
        let qn = &table.qualified;
        let key = self.child_key(Kind::Policy, r, &p.name);
        self.owners.insert(ObjRef("pg_policy", p.oid), key.clone());
        let name = self.quoter.ident(&p.name);
        let mut create = format!("CREATE POLICY {name} ON {qn}");
        if !p.permissive {
            create += " AS RESTRICTIVE";
        }
        if p.command != PolicyCommand::All {
            create += &format!(" FOR {}", p.command.sql());
        }
        if !(p.roles.is_empty() || p.roles == ["PUBLIC"]) {
            create += &format!(" TO {}", p.roles.join(", "));
        }
        if let Some(u) = &p.using {
            create += &format!(" USING ({u})");
        }
        if let Some(w) = &p.with_check {
            create += &format!(" WITH CHECK ({w})");
        }
        let exists = format!(
            "SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = {}::regclass AND polname = {}",
            literal(qn),
            literal(&p.name)
        );
        let mut sql = guarded(&exists, &format!("{create};"));
        sql += &comment(&format!("POLICY {name} ON {qn}"), &p.comment);
        self.units.push(Unit::new(key, Some(table.clone()), sql));
    }

    /// Objects held as their statements: the CREATE (guarded when it
    /// cannot run twice), what completes it, its comment. A rule goes
    /// with its relation.
    fn deparsed(&mut self) {
        for d in &self.catalog.deparsed {
            let key = UnitKey::new(
                Kind::of_deparsed(d.kind),
                &d.schema,
                &d.name,
                d.qualified.clone(),
            );
            self.owners
                .insert(ObjRef(d.kind.class(), d.oid), key.clone());
            let mut sql = match &d.exists {
                Some(exists) => guarded(exists, &d.create),
                None => format!("{}\n", d.create),
            };
            if !d.after.is_empty() {
                sql += &format!("{}\n", d.after);
            }
            if let Some(target) = &d.comment_target {
                sql += &comment(target, &d.comment);
            }
            let parent = d.relation.and_then(|r| self.relation_keys.get(&r).cloned());
            let mut unit = Unit::new(key, parent, sql);
            for need in &d.needs {
                unit.deps.extend(self.owners.get(need).cloned());
            }
            self.units.push(unit);
        }
    }

    /// The units with their dependencies (see [`Builder::dependencies`])
    /// and a child's table.
    fn finish(mut self) -> (Vec<Unit>, Vec<(String, String)>) {
        self.owners_set();
        let mut deps = self.dependencies();
        let mut columns = self.column_dependencies();
        for u in &mut self.units {
            if let Some(d) = deps.remove(&u.key) {
                u.deps.extend(d);
            }
            if let Some(c) = columns.remove(&u.key) {
                u.column_deps = c;
            }
            if let Some(p) = &u.parent {
                u.deps.insert(p.clone());
            }
            u.deps.remove(&u.key.clone());
        }
        matviews_after_routines(&mut self.units);
        (self.units, self.skipped)
    }

    /// `ALTER ... OWNER TO` at the end of each owned object's unit, when
    /// the project models owners.
    fn owners_set(&mut self) {
        if !self.catalog.owners_modelled {
            return;
        }
        let mut statements: HashMap<UnitKey, String> = HashMap::new();
        for o in &self.catalog.owners {
            if let Some(key) = self.owners.get(&o.object) {
                let sql = format!("ALTER {} {} OWNER TO {};\n", o.keyword, o.name, o.role);
                statements.entry(key.clone()).or_default().push_str(&sql);
            }
        }
        for u in &mut self.units {
            if let Some(sql) = statements.remove(&u.key) {
                u.sql += &sql;
            }
        }
    }

    /// The columns each unit uses in particular.
    fn column_dependencies(&self) -> HashMap<UnitKey, BTreeSet<(UnitKey, String)>> {
        let mut deps: HashMap<UnitKey, BTreeSet<(UnitKey, String)>> = HashMap::new();
        for (from, table, column) in &self.catalog.column_depends {
            let (Some(unit), Some(table)) = (self.owners.get(from), self.relation_keys.get(table))
            else {
                continue;
            };
            if unit != table {
                let entry = deps.entry(unit.clone()).or_default();
                entry.insert((table.clone(), column.clone()));
            }
        }
        deps
    }

    /// What each unit needs: `pg_depend` between the rows the units stand
    /// for, an extension's members standing for the extension.
    fn dependencies(&self) -> HashMap<UnitKey, BTreeSet<UnitKey>> {
        let extensions: HashMap<&str, &UnitKey> = self
            .units
            .iter()
            .filter(|u| u.key.kind == Kind::Extension)
            .map(|u| (u.key.name.as_str(), &u.key))
            .collect();
        let unit_of = |r: &ObjRef| match self.catalog.extension_members.get(r) {
            Some(extension) => extensions.get(extension.as_str()).copied(),
            None => self.owners.get(r),
        };
        let mut deps: HashMap<UnitKey, BTreeSet<UnitKey>> = HashMap::new();
        for (from, to) in &self.catalog.depends {
            if let (Some(a), Some(b)) = (unit_of(from), unit_of(to)) {
                if a != b {
                    deps.entry(a.clone()).or_default().insert(b.clone());
                }
            }
        }
        deps
    }
}

/// `SET STORAGE` and `SET STATISTICS` of the columns that have them.
fn column_settings(quoter: &Quoter, r: &Relation, qn: &str) -> String {
    let mut sql = String::new();
    for c in &r.columns {
        let alter = format!(
            "ALTER {} ONLY {qn} ALTER COLUMN {}",
            r.kind.keyword(),
            quoter.ident(&c.name)
        );
        if let Some(storage) = &c.storage {
            sql += &format!("{alter} SET STORAGE {storage};\n");
        }
        if let Some(n) = c.statistics {
            sql += &format!("{alter} SET STATISTICS {n};\n");
        }
    }
    sql
}

/// A materialized view runs its query when it is created, and a routine's
/// SQL body may call another routine without `pg_depend` saying so: a
/// materialized view whose query reaches a routine (through views too)
/// comes after every routine that does not itself need it (which would
/// make a cycle), as if it needed them all.
fn matviews_after_routines(units: &mut [Unit]) {
    let index: HashMap<UnitKey, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.key.clone(), i))
        .collect();
    let is_routine = |u: &Unit| matches!(u.key.kind, Kind::Function | Kind::Procedure);
    let routines: Vec<usize> = (0..units.len())
        .filter(|&i| is_routine(&units[i]))
        .collect();
    if routines.is_empty() {
        return;
    }
    let matviews: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].key.kind == Kind::MaterializedView)
        .collect();
    for m in matviews {
        let needs = closure(units, &index, m, |u| u.deps.iter().cloned().collect());
        if !needs.iter().any(|&i| is_routine(&units[i])) {
            continue;
        }
        // What needs the view, with the edges added so far.
        let key = units[m].key.clone();
        let mut users: HashMap<UnitKey, Vec<UnitKey>> = HashMap::new();
        for u in units.iter() {
            for d in &u.deps {
                users.entry(d.clone()).or_default().push(u.key.clone());
            }
        }
        let needed_by = closure(units, &index, m, |u| {
            users.get(&u.key).cloned().unwrap_or_default()
        });
        let add: Vec<UnitKey> = routines
            .iter()
            .filter(|r| !needed_by.contains(r))
            .map(|&r| units[r].key.clone())
            .collect();
        units[m].deps.extend(add);
        units[m].deps.remove(&key);
    }
}

/// The units `start` reaches through `next` (not itself unless by a cycle).
fn closure(
    units: &[Unit],
    index: &HashMap<UnitKey, usize>,
    start: usize,
    next: impl Fn(&Unit) -> Vec<UnitKey>,
) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        for k in next(&units[i]) {
            if let Some(&j) = index.get(&k) {
                if seen.insert(j) {
                    stack.push(j);
                }
            }
        }
    }
    seen
}

/// What the owner keeps of its own privileges, when some were revoked: all
/// revoked from whoever creates the table (its owner then), what it keeps
/// granted back.
fn owner_privileges(qn: &str, r: &Relation) -> String {
    let Some(kept) = &r.owner_privileges else {
        return String::new();
    };
    let mut sql = format!("REVOKE ALL ON TABLE {qn} FROM CURRENT_USER;\n");
    if !kept.is_empty() {
        sql += &format!("GRANT {} ON TABLE {qn} TO CURRENT_USER;\n", kept.join(", "));
    }
    sql
}
