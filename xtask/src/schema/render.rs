//! The catalog as units of idempotent DDL.
//!
//! A [`Unit`] is one object with everything that belongs to it (a table with
//! its columns, inline constraints, comments, grants, row-level security), as
//! statements that can run twice: `CREATE ... IF NOT EXISTS`, `CREATE OR
//! REPLACE`, or a DO block that checks the catalog first. Each unit knows the
//! units it needs (from `pg_depend`, plus a child's table), so [`order`] can
//! sort them so that they load into an empty database in sequence.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use super::catalog::{
    Catalog, Column, Constraint, Grant, ObjRef, RelKind, Relation, SequenceOptions, TypeKind,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Schema,
    Extension,
    Type,
    Sequence,
    Function,
    Procedure,
    Table,
    Index,
    Constraint,
    View,
    MaterializedView,
    Trigger,
    Policy,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Schema,
        Kind::Extension,
        Kind::Type,
        Kind::Sequence,
        Kind::Function,
        Kind::Procedure,
        Kind::Table,
        Kind::Index,
        Kind::Constraint,
        Kind::View,
        Kind::MaterializedView,
        Kind::Trigger,
        Kind::Policy,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Sequence => "sequence",
            Kind::Function => "function",
            Kind::Procedure => "procedure",
            Kind::Table => "table",
            Kind::Index => "index",
            Kind::Constraint => "constraint",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Trigger => "trigger",
            Kind::Policy => "policy",
        }
    }

    pub fn from_label(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.label() == s)
    }

    /// Where the kind goes among ready objects: schemas first, then what
    /// tables need, tables, what hangs off them, views last.
    fn phase(self) -> u8 {
        match self {
            Kind::Schema => 0,
            Kind::Extension => 1,
            Kind::Type => 2,
            Kind::Sequence => 3,
            Kind::Function | Kind::Procedure => 4,
            Kind::Table => 5,
            Kind::Index => 6,
            Kind::Constraint => 7,
            Kind::View | Kind::MaterializedView => 8,
            Kind::Trigger => 9,
            Kind::Policy => 10,
        }
    }
}

/// An object's identity: kind plus its name as SQL writes it (quoted where
/// needed). Ordered by schema, then name, then kind, in byte order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub kind: Kind,
    /// Raw (unquoted) schema name; empty for extensions.
    pub schema: String,
    /// Raw name; for children `table.child`, for functions `name(args)`.
    pub name: String,
    /// How SQL names it: `service_ops.packet`, `"Odd"."Name"`.
    pub qualified: String,
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.schema.as_bytes(), self.name.as_bytes(), self.kind).cmp(&(
            other.schema.as_bytes(),
            other.name.as_bytes(),
            other.kind,
        ))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Key {
    /// `table service_ops.packet`: also the marker line's text in the files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.qualified)
    }
}

#[derive(Debug, Clone)]
pub struct Unit {
    pub key: Key,
    /// The table (or view) a child object belongs to; placement follows it.
    pub parent: Option<Key>,
    /// Statements, each ending with `;` and a newline.
    pub sql: String,
    pub deps: BTreeSet<Key>,
}

/// Quoting the way `quote_ident` does, with the server's keyword list.
pub struct Quoter<'a> {
    keywords: &'a BTreeSet<String>,
}

impl Quoter<'_> {
    pub fn new(keywords: &BTreeSet<String>) -> Quoter<'_> {
        Quoter { keywords }
    }

    pub fn ident(&self, s: &str) -> String {
        let plain = !s.is_empty()
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !self.keywords.contains(s);
        if plain {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
    }

    pub fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A dollar-quote tag that does not occur in `body`.
fn dollar_tag(body: &str) -> String {
    let mut tag = "$do$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$do{n}$");
    }
    tag
}

/// `DO` block running `then` when `missing` (a SELECT) finds no row.
pub fn guarded(missing: &str, then: &str) -> String {
    let inner = format!(
        "BEGIN\n    IF NOT EXISTS ({missing}) THEN\n{}\n    END IF;\nEND\n",
        then.lines()
            .map(|l| if l.is_empty() {
                String::new()
            } else {
                format!("        {l}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    );
    let tag = dollar_tag(&inner);
    format!("DO {tag}\n{inner}{tag};\n")
}

fn comment(target: &str, text: &Option<String>) -> String {
    match text {
        Some(t) => format!("COMMENT ON {target} IS {};\n", literal(t)),
        None => String::new(),
    }
}

fn grants(on: &str, grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| {
            format!(
                "GRANT {} ON {on} TO {}{};\n",
                g.privileges.join(", "),
                g.grantee,
                if g.with_grant_option {
                    " WITH GRANT OPTION"
                } else {
                    ""
                }
            )
        })
        .collect()
}

/// Sequence options that differ from what PostgreSQL picks by default.
pub fn sequence_options(o: &SequenceOptions, with_type: bool) -> Vec<String> {
    let (type_min, type_max) = match o.data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let ascending = o.increment > 0;
    let default_min = if ascending { 1 } else { type_min };
    let default_max = if ascending { type_max } else { -1 };
    let default_start = if ascending { o.min } else { o.max };
    let mut out = Vec::new();
    if with_type && o.data_type != "bigint" {
        out.push(format!("AS {}", o.data_type));
    }
    if o.start != default_start {
        out.push(format!("START WITH {}", o.start));
    }
    if o.increment != 1 {
        out.push(format!("INCREMENT BY {}", o.increment));
    }
    if o.min != default_min {
        out.push(format!("MINVALUE {}", o.min));
    }
    if o.max != default_max {
        out.push(format!("MAXVALUE {}", o.max));
    }
    if o.cache != 1 {
        out.push(format!("CACHE {}", o.cache));
    }
    if o.cycle {
        out.push("CYCLE".to_string());
    }
    out
}

/// Renders every object of `cat` as units, in no particular order, with the
/// names of what could not be rendered (added to the catalog's unmodelled).
pub fn units(cat: &Catalog) -> (Vec<Unit>, Vec<(String, String)>) {
    let q = Quoter {
        keywords: &cat.keywords,
    };
    let mut skipped = Vec::new();
    let mut out: Vec<Unit> = Vec::new();
    let mut refs: HashMap<ObjRef, Key> = HashMap::new();
    let key = |kind: Kind, schema: &str, name: &str, qualified: String| Key {
        kind,
        schema: schema.to_string(),
        name: name.to_string(),
        qualified,
    };

    for s in &cat.schemas {
        if s.name == "public" {
            continue;
        }
        let k = key(Kind::Schema, &s.name, "", q.ident(&s.name));
        refs.insert(ObjRef("pg_namespace", s.oid), k.clone());
        let mut sql = format!("CREATE SCHEMA IF NOT EXISTS {};\n", k.qualified);
        sql += &comment(&format!("SCHEMA {}", k.qualified), &s.comment);
        out.push(unit(k, None, sql));
    }
    for x in &cat.extensions {
        let k = key(Kind::Extension, "", &x.name, q.ident(&x.name));
        refs.insert(ObjRef("pg_extension", x.oid), k.clone());
        let sql = format!(
            "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n",
            k.qualified,
            q.ident(&x.schema)
        );
        out.push(unit(k, None, sql));
    }
    for t in &cat.types {
        let qn = q.qualified(&t.schema, &t.name);
        let k = key(Kind::Type, &t.schema, &t.name, qn.clone());
        refs.insert(ObjRef("pg_type", t.oid), k.clone());
        let exists = format!(
            "SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = {} AND t.typname = {}",
            literal(&t.schema),
            literal(&t.name)
        );
        let (create, what) = match &t.kind {
            TypeKind::Enum { labels } => (
                format!(
                    "CREATE TYPE {qn} AS ENUM ({});",
                    labels
                        .iter()
                        .map(|l| literal(l))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "TYPE",
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
                            q.ident(name)
                        );
                    } else {
                        s += &format!(" CONSTRAINT {} {def}", q.ident(name));
                    }
                }
                (format!("{s};{later}"), "DOMAIN")
            }
            TypeKind::Composite { attributes } => (
                format!(
                    "CREATE TYPE {qn} AS ({});",
                    attributes
                        .iter()
                        .map(|(n, ty, coll)| match coll {
                            Some(c) => format!("{} {ty} COLLATE {c}", q.ident(n)),
                            None => format!("{} {ty}", q.ident(n)),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "TYPE",
            ),
        };
        if let TypeKind::Composite { .. } = t.kind {
            refs.insert(ObjRef("pg_class", t.relid), k.clone());
        }
        for oid in &t.constraint_oids {
            refs.insert(ObjRef("pg_constraint", *oid), k.clone());
        }
        let mut sql = guarded(&exists, &create);
        sql += &comment(&format!("{what} {qn}"), &t.comment);
        out.push(unit(k, None, sql));
    }

    let rel_key = |r: &Relation| {
        let kind = match r.kind {
            RelKind::Table | RelKind::PartitionedTable => Kind::Table,
            RelKind::View => Kind::View,
            RelKind::MaterializedView => Kind::MaterializedView,
        };
        key(kind, &r.schema, &r.name, q.qualified(&r.schema, &r.name))
    };
    let rel_names: HashMap<u32, Key> = cat.relations.iter().map(|r| (r.oid, rel_key(r))).collect();

    for s in &cat.sequences {
        let qn = q.qualified(&s.schema, &s.name);
        let k = key(Kind::Sequence, &s.schema, &s.name, qn.clone());
        refs.insert(ObjRef("pg_class", s.oid), k.clone());
        let opts = sequence_options(&s.options, true);
        let mut sql = if opts.is_empty() {
            format!("CREATE SEQUENCE IF NOT EXISTS {qn};\n")
        } else {
            format!("CREATE SEQUENCE IF NOT EXISTS {qn} {};\n", opts.join(" "))
        };
        sql += &comment(&format!("SEQUENCE {qn}"), &s.comment);
        sql += &grants(&format!("SEQUENCE {qn}"), &s.grants);
        out.push(unit(k, None, sql));
    }
    // OWNED BY goes with the table (it must exist first).
    let mut owned_by: HashMap<u32, Vec<String>> = HashMap::new();
    for s in &cat.sequences {
        if let Some((table, column)) = &s.owned_by {
            if let Some(t) = rel_names.get(table) {
                owned_by.entry(*table).or_default().push(format!(
                    "ALTER SEQUENCE {} OWNED BY {}.{};\n",
                    q.qualified(&s.schema, &s.name),
                    t.qualified,
                    q.ident(column)
                ));
            }
        }
    }

    for f in &cat.functions {
        let kind = if f.kind == 'p' {
            Kind::Procedure
        } else {
            Kind::Function
        };
        let signature = format!(
            "{}({})",
            q.qualified(&f.schema, &f.name),
            f.identity_arguments
        );
        let k = key(
            kind,
            &f.schema,
            &format!("{}({})", f.name, f.identity_arguments),
            signature.clone(),
        );
        refs.insert(ObjRef("pg_proc", f.oid), k.clone());
        let mut sql = format!("{};\n", f.definition);
        let what = if f.kind == 'p' {
            "PROCEDURE"
        } else {
            "FUNCTION"
        };
        sql += &comment(&format!("{what} {signature}"), &f.comment);
        out.push(unit(k, None, sql));
    }

    for r in &cat.relations {
        let k = rel_key(r);
        refs.insert(ObjRef("pg_class", r.oid), k.clone());
        let qn = k.qualified.clone();
        let mut sql = match r.kind {
            RelKind::Table | RelKind::PartitionedTable => {
                table_sql(&q, r, &rel_names, &mut skipped)
            }
            RelKind::View => {
                let (opts, check) = view_options(&r.options);
                let def = r.view_definition.clone().unwrap_or_default();
                format!(
                    "CREATE OR REPLACE VIEW {qn}{opts} AS\n{}{check};\n",
                    def.trim_end().trim_end_matches(';')
                )
            }
            RelKind::MaterializedView => {
                let (opts, _) = view_options(&r.options);
                let def = r.view_definition.clone().unwrap_or_default();
                format!(
                    "CREATE MATERIALIZED VIEW IF NOT EXISTS {qn}{opts} AS\n{};\n",
                    def.trim_end().trim_end_matches(';')
                )
            }
        };
        for line in owned_by.remove(&r.oid).unwrap_or_default() {
            sql += &line;
        }
        if r.row_security {
            sql += &format!("ALTER TABLE {qn} ENABLE ROW LEVEL SECURITY;\n");
        }
        if r.force_row_security {
            sql += &format!("ALTER TABLE {qn} FORCE ROW LEVEL SECURITY;\n");
        }
        let is_table = matches!(r.kind, RelKind::Table | RelKind::PartitionedTable);
        match r.replica_identity {
            'f' if is_table => sql += &format!("ALTER TABLE {qn} REPLICA IDENTITY FULL;\n"),
            'n' if is_table => sql += &format!("ALTER TABLE {qn} REPLICA IDENTITY NOTHING;\n"),
            'i' if is_table => {
                skipped.push(("replica identity using index".to_string(), qn.clone()))
            }
            _ => {}
        }
        let what = match r.kind {
            RelKind::View => "VIEW",
            RelKind::MaterializedView => "MATERIALIZED VIEW",
            _ => "TABLE",
        };
        sql += &comment(&format!("{what} {qn}"), &r.comment);
        for c in &r.columns {
            sql += &comment(&format!("COLUMN {qn}.{}", q.ident(&c.name)), &c.comment);
        }
        for c in r.constraints.iter().filter(|c| inline_constraint(c)) {
            sql += &comment(
                &format!("CONSTRAINT {} ON {qn}", q.ident(&c.name)),
                &c.comment,
            );
        }
        sql += &grants(&format!("TABLE {qn}"), &r.grants);
        let mut u = unit(k.clone(), None, sql);
        if let Some((parent, _)) = &r.partition_of {
            u.deps.extend(rel_names.get(parent).cloned());
        }
        for parent in &r.inherits {
            u.deps.extend(rel_names.get(parent).cloned());
        }
        out.push(u);

        for c in &r.constraints {
            if inline_constraint(c) {
                refs.insert(ObjRef("pg_constraint", c.oid), k.clone());
                continue;
            }
            if !c.is_local {
                continue;
            }
            let ck = key(
                Kind::Constraint,
                &r.schema,
                &format!("{}.{}", r.name, c.name),
                format!("{qn}.{}", q.ident(&c.name)),
            );
            refs.insert(ObjRef("pg_constraint", c.oid), ck.clone());
            let exists = format!(
                "SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {}::regclass AND conname = {}",
                literal(&qn),
                literal(&c.name)
            );
            let mut sql = guarded(
                &exists,
                &format!(
                    "ALTER TABLE {qn} ADD CONSTRAINT {} {};",
                    q.ident(&c.name),
                    c.definition
                ),
            );
            sql += &comment(
                &format!("CONSTRAINT {} ON {qn}", q.ident(&c.name)),
                &c.comment,
            );
            out.push(unit(ck, Some(k.clone()), sql));
        }
        for i in &r.indexes {
            if i.backs_constraint {
                refs.insert(ObjRef("pg_class", i.oid), k.clone());
                continue;
            }
            if i.attached_to_parent {
                continue;
            }
            if !i.valid {
                skipped.push((
                    "invalid index (a failed CREATE INDEX CONCURRENTLY?)".to_string(),
                    format!("{}.{}", q.ident(&r.schema), q.ident(&i.name)),
                ));
                continue;
            }
            let iq = q.qualified(&r.schema, &i.name);
            let ik = key(Kind::Index, &r.schema, &i.name, iq.clone());
            refs.insert(ObjRef("pg_class", i.oid), ik.clone());
            let def = index_if_not_exists(&i.definition).replacen(" ON ONLY ", " ON ", 1);
            let mut sql = format!("{def};\n");
            if i.clustered {
                sql += &format!("ALTER TABLE {qn} CLUSTER ON {};\n", q.ident(&i.name));
            }
            sql += &comment(&format!("INDEX {iq}"), &i.comment);
            out.push(unit(ik, Some(k.clone()), sql));
        }
        for t in &r.triggers {
            let tk = key(
                Kind::Trigger,
                &r.schema,
                &format!("{}.{}", r.name, t.name),
                format!("{qn}.{}", q.ident(&t.name)),
            );
            refs.insert(ObjRef("pg_trigger", t.oid), tk.clone());
            let exists = format!(
                "SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {}::regclass AND tgname = {}",
                literal(&qn),
                literal(&t.name)
            );
            let mut sql = guarded(&exists, &format!("{};", t.definition));
            let tn = q.ident(&t.name);
            match t.enabled {
                'D' => sql += &format!("ALTER TABLE {qn} DISABLE TRIGGER {tn};\n"),
                'R' => sql += &format!("ALTER TABLE {qn} ENABLE REPLICA TRIGGER {tn};\n"),
                'A' => sql += &format!("ALTER TABLE {qn} ENABLE ALWAYS TRIGGER {tn};\n"),
                _ => {}
            }
            sql += &comment(&format!("TRIGGER {tn} ON {qn}"), &t.comment);
            out.push(unit(tk, Some(k.clone()), sql));
        }
        for p in &r.policies {
            let pk = key(
                Kind::Policy,
                &r.schema,
                &format!("{}.{}", r.name, p.name),
                format!("{qn}.{}", q.ident(&p.name)),
            );
            refs.insert(ObjRef("pg_policy", p.oid), pk.clone());
            let mut create = format!("CREATE POLICY {} ON {qn}", q.ident(&p.name));
            if !p.permissive {
                create += " AS RESTRICTIVE";
            }
            let cmd = match p.command {
                'r' => " FOR SELECT",
                'a' => " FOR INSERT",
                'w' => " FOR UPDATE",
                'd' => " FOR DELETE",
                _ => "",
            };
            create += cmd;
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
                literal(&qn),
                literal(&p.name)
            );
            let mut sql = guarded(&exists, &format!("{create};"));
            sql += &comment(&format!("POLICY {} ON {qn}", q.ident(&p.name)), &p.comment);
            out.push(unit(pk, Some(k.clone()), sql));
        }
    }

    // Extension members stand for their extension.
    let ext_keys: HashMap<&str, Key> = out
        .iter()
        .filter(|u| u.key.kind == Kind::Extension)
        .map(|u| (u.key.name.as_str(), u.key.clone()))
        .collect();
    let mut deps: HashMap<Key, BTreeSet<Key>> = HashMap::new();
    for (from, to) in &cat.depends {
        let resolve = |r: &ObjRef| match cat.extension_members.get(r) {
            Some(ext) => ext_keys.get(ext.as_str()).cloned(),
            None => refs.get(r).cloned(),
        };
        if let (Some(a), Some(b)) = (resolve(from), resolve(to)) {
            if a != b {
                deps.entry(a).or_default().insert(b);
            }
        }
    }
    for u in &mut out {
        if let Some(d) = deps.remove(&u.key) {
            u.deps.extend(d);
        }
        if let Some(p) = &u.parent {
            u.deps.insert(p.clone());
        }
        u.deps.remove(&u.key.clone());
    }
    (out, skipped)
}

fn unit(key: Key, parent: Option<Key>, sql: String) -> Unit {
    Unit {
        key,
        parent,
        sql,
        deps: BTreeSet::new(),
    }
}

/// `pg_get_indexdef`'s CREATE INDEX with IF NOT EXISTS.
pub fn index_if_not_exists(definition: &str) -> String {
    definition
        .replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
        .replacen(
            "CREATE UNIQUE INDEX ",
            "CREATE UNIQUE INDEX IF NOT EXISTS ",
            1,
        )
}

/// Constraints written inside CREATE TABLE: validated, declared here, and
/// not foreign keys (those go after every table they reference).
fn inline_constraint(c: &Constraint) -> bool {
    c.is_local && c.validated && matches!(c.kind, 'p' | 'u' | 'c' | 'x')
}

/// `WITH (...)` options and the `WITH ... CHECK OPTION` clause of a view.
pub fn view_options(options: &[String]) -> (String, String) {
    let mut check = String::new();
    let mut rest = Vec::new();
    for o in options {
        match o.as_str() {
            "check_option=local" => check = "\n  WITH LOCAL CHECK OPTION".to_string(),
            "check_option=cascaded" => check = "\n  WITH CASCADED CHECK OPTION".to_string(),
            _ => rest.push(o.clone()),
        }
    }
    let opts = if rest.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", rest.join(", "))
    };
    (opts, check)
}

fn table_sql(
    q: &Quoter,
    r: &Relation,
    rel_names: &HashMap<u32, Key>,
    skipped: &mut Vec<(String, String)>,
) -> String {
    let qn = q.qualified(&r.schema, &r.name);
    let unlogged = if r.unlogged { "UNLOGGED " } else { "" };
    let mut items: Vec<String> = Vec::new();
    let partition = r.partition_of.as_ref();
    if partition.is_none() {
        for c in r.columns.iter().filter(|c| c.is_local) {
            items.push(column_sql(q, r, c));
        }
    } else if r.columns.iter().any(|c| c.is_local && c.default.is_some()) {
        skipped.push(("partition column default".to_string(), qn.clone()));
    }
    let mut inline: Vec<&Constraint> = r
        .constraints
        .iter()
        .filter(|c| inline_constraint(c))
        .collect();
    inline.sort_by_key(|c| (constraint_rank(c.kind), c.name.as_bytes()));
    for c in inline {
        items.push(format!("CONSTRAINT {} {}", q.ident(&c.name), c.definition));
    }
    let body = if items.is_empty() {
        String::new()
    } else {
        format!(
            "\n{}\n",
            items
                .iter()
                .map(|i| format!("    {i}"))
                .collect::<Vec<_>>()
                .join(",\n")
        )
    };
    let mut sql = match partition {
        Some((parent, bound)) => {
            let parent = rel_names
                .get(parent)
                .map(|k| k.qualified.clone())
                .unwrap_or_default();
            let cols = if body.is_empty() {
                String::new()
            } else {
                format!(" ({body})")
            };
            format!("CREATE {unlogged}TABLE IF NOT EXISTS {qn} PARTITION OF {parent}{cols} {bound}")
        }
        None => format!("CREATE {unlogged}TABLE IF NOT EXISTS {qn} ({body})"),
    };
    if !r.inherits.is_empty() {
        let parents: Vec<String> = r
            .inherits
            .iter()
            .filter_map(|p| rel_names.get(p).map(|k| k.qualified.clone()))
            .collect();
        sql += &format!(" INHERITS ({})", parents.join(", "));
    }
    if let Some(key) = &r.partition_key {
        sql += &format!(" PARTITION BY {key}");
    }
    if !r.options.is_empty() {
        sql += &format!(" WITH ({})", r.options.join(", "));
    }
    sql + ";\n"
}

fn constraint_rank(kind: char) -> u8 {
    match kind {
        'p' => 0,
        'u' => 1,
        'x' => 2,
        _ => 3,
    }
}

/// A column as CREATE TABLE and ADD COLUMN write it.
pub fn column_sql(q: &Quoter, r: &Relation, c: &Column) -> String {
    let mut s = format!("{} {}", q.ident(&c.name), c.type_name);
    if let Some(coll) = &c.collation {
        s += &format!(" COLLATE {coll}");
    }
    if let Some(expr) = &c.generated {
        s += &format!(" GENERATED ALWAYS AS ({expr}) STORED");
    }
    if let Some(mode) = c.identity {
        s += if mode == 'a' {
            " GENERATED ALWAYS AS IDENTITY"
        } else {
            " GENERATED BY DEFAULT AS IDENTITY"
        };
        if let Some((schema, name, opts)) = &c.identity_sequence {
            let mut o = Vec::new();
            if *schema != r.schema || *name != format!("{}_{}_seq", r.name, c.name) {
                o.push(format!("SEQUENCE NAME {}", q.qualified(schema, name)));
            }
            o.extend(sequence_options(opts, false));
            if !o.is_empty() {
                s += &format!(" ({})", o.join(" "));
            }
        }
    }
    if let Some(d) = &c.default {
        s += &format!(" DEFAULT {d}");
    }
    if c.not_null {
        s += " NOT NULL";
    }
    s
}

/// The units in load order, each with its file: a unit goes to its home
/// file, or later when something it needs lives in a later file. Within a
/// file, ready units come by phase (schemas, extensions, types, sequences,
/// functions, tables, indexes, constraints, views, triggers, policies), then
/// by schema, name and kind in byte order. A dependency cycle (possible with
/// functions and the tables they return) is broken at its smallest unit and
/// reported.
pub fn order(
    units: Vec<Unit>,
    home: impl Fn(&Unit) -> String,
) -> (Vec<(String, Unit)>, Vec<String>) {
    let mut warnings = Vec::new();
    let index: HashMap<Key, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.key.clone(), i))
        .collect();
    let deps: Vec<Vec<usize>> = units
        .iter()
        .map(|u| {
            u.deps
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    let homes: Vec<String> = units.iter().map(&home).collect();

    // Files: a unit's home or the latest file of what it needs.
    let order = kahn(&units, &deps, &mut warnings);
    let mut file: Vec<String> = homes;
    for &i in &order {
        for &d in &deps[i] {
            if file[d] > file[i] {
                file[i] = file[d].clone();
            }
        }
    }
    // Final order: by file, then the dependency order within the file.
    let mut rank: Vec<usize> = vec![0; units.len()];
    for (pos, &i) in order.iter().enumerate() {
        rank[i] = pos;
    }
    let mut all: Vec<usize> = (0..units.len()).collect();
    all.sort_by(|&a, &b| (&file[a], rank[a]).cmp(&(&file[b], rank[b])));
    let mut slots: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
    let out = all
        .into_iter()
        .map(|i| (file[i].clone(), slots[i].take().expect("each unit once")))
        .collect();
    (out, warnings)
}

/// Kahn's algorithm taking, among ready units, the one with the smallest
/// (phase, key).
fn kahn(units: &[Unit], deps: &[Vec<usize>], warnings: &mut Vec<String>) -> Vec<usize> {
    let n = units.len();
    let mut waiting: Vec<usize> = deps.iter().map(|d| d.len()).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            users[d].push(i);
        }
    }
    let sort_key = |i: usize| (units[i].key.kind.phase(), units[i].key.clone());
    let mut ready: BTreeMap<(u8, Key), usize> = BTreeMap::new();
    for (i, _) in waiting.iter().enumerate().filter(|(_, w)| **w == 0) {
        ready.insert(sort_key(i), i);
    }
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let i = match ready.pop_first() {
            Some((_, i)) => i,
            None => {
                // A cycle: take the smallest remaining unit.
                let i = (0..n)
                    .filter(|&i| !done[i])
                    .min_by_key(|&i| sort_key(i))
                    .expect("a unit remains");
                warnings.push(format!(
                    "dependency cycle through {}: placed it first; check that the files load",
                    units[i].key
                ));
                i
            }
        };
        if done[i] {
            continue;
        }
        done[i] = true;
        out.push(i);
        for &u in &users[i] {
            waiting[u] = waiting[u].saturating_sub(1);
            if waiting[u] == 0 && !done[u] {
                ready.insert(sort_key(u), u);
            }
        }
    }
    out
}
