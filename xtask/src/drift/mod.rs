//! Drift: what differs between two schemas read from the catalogs.
//!
//! [`compare`] flattens each [`Catalog`] into objects with named aspects (a
//! column's type, nullability, default ...) and reports, for every object,
//! whether the actual side lacks it (missing), has it alone (extra), or has
//! it with an aspect changed. Each finding has a stable id (kind + qualified
//! name), a severity and what each side has. Noise (rename leftovers,
//! expressions printed differently) is marked, never dropped: the caller
//! decides whether to show it. [`three_way`] says which of the database,
//! the migrations and `current_schema/` disagrees. [`script`] writes the
//! catch-up script.

pub mod script;

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::catalog::{
    Catalog, Column, Constraint, Function, Index, Policy, RelKind, Relation, Trigger, Type,
    TypeKind,
};
use crate::schema::render::{sequence_options, Quoter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Cosmetic.
    Info,
    /// Performance or hygiene.
    Warning,
    /// Would break code.
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// The expected side has it, the actual side does not.
    Missing,
    /// Only the actual side has it.
    Extra,
    /// Both have it; `aspect` differs.
    Changed,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Missing => "missing",
            Change::Extra => "extra",
            Change::Changed => "changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable id: `kind qualified.name`, e.g. `column service_ops.packet.status`.
    pub id: String,
    pub kind: &'static str,
    /// The table (or view) the object belongs to, for grouping.
    pub table: Option<String>,
    pub change: Change,
    /// What differs (`type`, `not null`, `default`, `values` ...); `exists`
    /// for missing and extra.
    pub aspect: String,
    pub severity: Severity,
    pub expected: Option<String>,
    pub actual: Option<String>,
    /// Why this is noise, when it is.
    pub noise: Option<String>,
}

impl Finding {
    /// `missing`, `extra`, or `type changed`: what the report says.
    pub fn what(&self) -> String {
        match self.change {
            Change::Changed => format!("{} changed", self.aspect),
            c => c.label().to_string(),
        }
    }

    /// The key three-way comparison matches findings by.
    fn key(&self) -> (String, String) {
        (self.id.clone(), self.aspect.clone())
    }
}

/// What [`compare`] leaves out.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Tables (raw schema, raw name) left out on both sides: touchpoint's
    /// tracking table, a legacy tool's.
    pub ignore_tables: Vec<(String, String)>,
}

/// Where an object comes from, for the catch-up script.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Src<'a> {
    Schema,
    Extension,
    Type(&'a Type),
    Sequence(&'a crate::schema::catalog::Sequence),
    Relation(&'a Relation),
    Column(&'a Relation, &'a Column),
    Constraint(&'a Relation, &'a Constraint),
    Index(&'a Relation, &'a Index),
    Trigger(&'a Relation, &'a Trigger),
    Policy(&'a Relation, &'a Policy),
    Function(&'a Function),
}

pub(crate) struct Obj<'a> {
    pub kind: &'static str,
    /// The object's name as SQL writes it (`s.t.c` for a column).
    pub name: String,
    pub table: Option<String>,
    pub aspects: BTreeMap<&'static str, String>,
    pub src: Src<'a>,
}

/// A catalog as objects by id.
pub(crate) struct Model<'a> {
    pub objects: BTreeMap<String, Obj<'a>>,
}

fn grants_text(grants: &[crate::schema::catalog::Grant]) -> Option<String> {
    if grants.is_empty() {
        return None;
    }
    Some(
        grants
            .iter()
            .map(|g| {
                format!(
                    "{} to {}{}",
                    g.privileges.join(", "),
                    g.grantee,
                    if g.with_grant_option {
                        " with grant option"
                    } else {
                        ""
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn constraint_type(kind: char) -> &'static str {
    match kind {
        'p' => "primary key",
        'u' => "unique",
        'f' => "foreign key",
        'c' => "check",
        'x' => "exclusion",
        _ => "trigger",
    }
}

impl<'a> Model<'a> {
    pub(crate) fn new(cat: &'a Catalog, opts: &Options) -> Model<'a> {
        let q = Quoter::new(&cat.keywords);
        let mut objects = BTreeMap::new();
        let mut add = |obj: Obj<'a>| {
            objects.insert(format!("{} {}", obj.kind, obj.name), obj);
        };
        let ignored = |schema: &str, name: &str| {
            opts.ignore_tables
                .iter()
                .any(|(s, n)| s == schema && n == name)
        };
        let put = |m: &mut BTreeMap<&'static str, String>, k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k, v);
            }
        };

        for s in &cat.schemas {
            let mut a = BTreeMap::new();
            put(&mut a, "comment", s.comment.clone());
            add(Obj {
                kind: "schema",
                name: q.ident(&s.name),
                table: None,
                aspects: a,
                src: Src::Schema,
            });
        }
        for x in &cat.extensions {
            let mut a = BTreeMap::new();
            a.insert("schema", q.ident(&x.schema));
            add(Obj {
                kind: "extension",
                name: q.ident(&x.name),
                table: None,
                aspects: a,
                src: Src::Extension,
            });
        }
        for t in &cat.types {
            let mut a = BTreeMap::new();
            match &t.kind {
                TypeKind::Enum { labels } => {
                    a.insert("kind", "enum".to_string());
                    a.insert(
                        "values",
                        labels
                            .iter()
                            .map(|l| crate::schema::render::literal(l))
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                }
                TypeKind::Domain {
                    base,
                    collation,
                    default,
                    not_null,
                    checks,
                } => {
                    a.insert("kind", "domain".to_string());
                    a.insert("base", base.clone());
                    put(&mut a, "collation", collation.clone());
                    put(&mut a, "default", default.clone());
                    if *not_null {
                        a.insert("not null", "NOT NULL".to_string());
                    }
                    if !checks.is_empty() {
                        let mut c: Vec<String> =
                            checks.iter().map(|(n, d)| format!("{n} {d}")).collect();
                        c.sort();
                        a.insert("checks", c.join("; "));
                    }
                }
                TypeKind::Composite { attributes } => {
                    a.insert("kind", "composite".to_string());
                    a.insert(
                        "attributes",
                        attributes
                            .iter()
                            .map(|(n, ty, coll)| match coll {
                                Some(c) => format!("{} {ty} COLLATE {c}", q.ident(n)),
                                None => format!("{} {ty}", q.ident(n)),
                            })
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                }
            }
            put(&mut a, "comment", t.comment.clone());
            add(Obj {
                kind: "type",
                name: q.qualified(&t.schema, &t.name),
                table: None,
                aspects: a,
                src: Src::Type(t),
            });
        }
        // Relations by oid, looked up once per sequence, partition, parent.
        let by_oid: std::collections::HashMap<u32, &Relation> =
            cat.relations.iter().map(|r| (r.oid, r)).collect();
        let rel_name = |oid: u32| {
            by_oid
                .get(&oid)
                .map(|r| q.qualified(&r.schema, &r.name))
                .unwrap_or_else(|| format!("(relation {oid})"))
        };
        for s in &cat.sequences {
            if let Some((table, _)) = &s.owned_by {
                if let Some(r) = by_oid.get(table) {
                    if ignored(&r.schema, &r.name) {
                        continue;
                    }
                }
            }
            let mut a = BTreeMap::new();
            let o = sequence_options(&s.options, true);
            if !o.is_empty() {
                a.insert("options", o.join(" "));
            }
            if let Some((table, column)) = &s.owned_by {
                a.insert(
                    "owned by",
                    format!("{}.{}", rel_name(*table), q.ident(column)),
                );
            }
            put(&mut a, "comment", s.comment.clone());
            put(&mut a, "grants", grants_text(&s.grants));
            add(Obj {
                kind: "sequence",
                name: q.qualified(&s.schema, &s.name),
                table: None,
                aspects: a,
                src: Src::Sequence(s),
            });
        }
        for f in &cat.functions {
            let mut a = BTreeMap::new();
            a.insert("definition", f.definition.clone());
            put(&mut a, "comment", f.comment.clone());
            add(Obj {
                kind: if f.kind == 'p' {
                    "procedure"
                } else {
                    "function"
                },
                name: format!(
                    "{}({})",
                    q.qualified(&f.schema, &f.name),
                    f.identity_arguments
                ),
                table: None,
                aspects: a,
                src: Src::Function(f),
            });
        }
        for r in &cat.relations {
            if ignored(&r.schema, &r.name) {
                continue;
            }
            let qn = q.qualified(&r.schema, &r.name);
            let kind = match r.kind {
                RelKind::Table | RelKind::PartitionedTable => "table",
                RelKind::View => "view",
                RelKind::MaterializedView => "materialized view",
            };
            let mut a = BTreeMap::new();
            if r.kind == RelKind::PartitionedTable {
                a.insert("partition key", r.partition_key.clone().unwrap_or_default());
            }
            if r.unlogged {
                a.insert("unlogged", "UNLOGGED".to_string());
            }
            if r.row_security {
                a.insert("row level security", "ENABLED".to_string());
            }
            if r.force_row_security {
                a.insert("forced row level security", "FORCED".to_string());
            }
            if let Some((parent, bound)) = &r.partition_of {
                a.insert("partition of", format!("{} {bound}", rel_name(*parent)));
            }
            if !r.inherits.is_empty() {
                a.insert(
                    "inherits",
                    r.inherits
                        .iter()
                        .map(|p| rel_name(*p))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            if !r.options.is_empty() {
                a.insert("options", r.options.join(", "));
            }
            if kind == "table" && r.replica_identity != 'd' {
                a.insert("replica identity", r.replica_identity.to_string());
            }
            put(&mut a, "definition", r.view_definition.clone());
            put(&mut a, "comment", r.comment.clone());
            put(&mut a, "grants", grants_text(&r.grants));
            add(Obj {
                kind,
                name: qn.clone(),
                table: Some(qn.clone()),
                aspects: a,
                src: Src::Relation(r),
            });
            if kind == "table" {
                for c in &r.columns {
                    let mut a = BTreeMap::new();
                    a.insert("type", c.type_name.clone());
                    put(&mut a, "collation", c.collation.clone());
                    a.insert(
                        "not null",
                        if c.not_null { "NOT NULL" } else { "NULL" }.to_string(),
                    );
                    put(&mut a, "default", c.default.clone());
                    put(
                        &mut a,
                        "identity",
                        c.identity
                            .map(|m| if m == 'a' { "ALWAYS" } else { "BY DEFAULT" }.to_string()),
                    );
                    put(&mut a, "generated", c.generated.clone());
                    if let Some((_, _, o)) = &c.identity_sequence {
                        let o = sequence_options(o, true);
                        if !o.is_empty() {
                            a.insert("identity options", o.join(" "));
                        }
                    }
                    put(&mut a, "comment", c.comment.clone());
                    add(Obj {
                        kind: "column",
                        name: format!("{qn}.{}", q.ident(&c.name)),
                        table: Some(qn.clone()),
                        aspects: a,
                        src: Src::Column(r, c),
                    });
                }
            }
            // Constraints and indexes a partition inherits from its parent
            // are the parent's: compared there.
            for c in r.constraints.iter().filter(|c| c.is_local) {
                let mut a = BTreeMap::new();
                a.insert("type", constraint_type(c.kind).to_string());
                a.insert(
                    "definition",
                    c.definition.trim_end_matches(" NOT VALID").to_string(),
                );
                if !c.validated {
                    a.insert("validated", "NOT VALID".to_string());
                }
                put(&mut a, "comment", c.comment.clone());
                add(Obj {
                    kind: "constraint",
                    name: format!("{qn}.{}", q.ident(&c.name)),
                    table: Some(qn.clone()),
                    aspects: a,
                    src: Src::Constraint(r, c),
                });
            }
            for i in r
                .indexes
                .iter()
                .filter(|i| !i.backs_constraint && !i.attached_to_parent)
            {
                let mut a = BTreeMap::new();
                a.insert("definition", i.definition.clone());
                if !i.valid {
                    a.insert("valid", "INVALID".to_string());
                }
                put(&mut a, "comment", i.comment.clone());
                add(Obj {
                    kind: "index",
                    name: q.qualified(&r.schema, &i.name),
                    table: Some(qn.clone()),
                    aspects: a,
                    src: Src::Index(r, i),
                });
            }
            for t in &r.triggers {
                let mut a = BTreeMap::new();
                a.insert("definition", t.definition.clone());
                if t.enabled != 'O' {
                    a.insert(
                        "enabled",
                        match t.enabled {
                            'D' => "DISABLED",
                            'R' => "ENABLE REPLICA",
                            _ => "ENABLE ALWAYS",
                        }
                        .to_string(),
                    );
                }
                put(&mut a, "comment", t.comment.clone());
                add(Obj {
                    kind: "trigger",
                    name: format!("{qn}.{}", q.ident(&t.name)),
                    table: Some(qn.clone()),
                    aspects: a,
                    src: Src::Trigger(r, t),
                });
            }
            for p in &r.policies {
                let mut a = BTreeMap::new();
                a.insert(
                    "permissive",
                    if p.permissive {
                        "PERMISSIVE"
                    } else {
                        "RESTRICTIVE"
                    }
                    .to_string(),
                );
                a.insert(
                    "command",
                    match p.command {
                        'r' => "SELECT",
                        'a' => "INSERT",
                        'w' => "UPDATE",
                        'd' => "DELETE",
                        _ => "ALL",
                    }
                    .to_string(),
                );
                a.insert("roles", p.roles.join(", "));
                put(&mut a, "using", p.using.clone());
                put(&mut a, "with check", p.with_check.clone());
                put(&mut a, "comment", p.comment.clone());
                add(Obj {
                    kind: "policy",
                    name: format!("{qn}.{}", q.ident(&p.name)),
                    table: Some(qn.clone()),
                    aspects: a,
                    src: Src::Policy(r, p),
                });
            }
        }
        // A schema that holds nothing but left-out tables (a tracking table's
        // own schema) is bookkeeping too.
        for (schema, _) in &opts.ignore_tables {
            if schema == "public" {
                continue;
            }
            let prefix = format!("{}.", q.ident(schema));
            if !objects.values().any(|o| o.name.starts_with(&prefix)) {
                objects.remove(&format!("schema {}", q.ident(schema)));
            }
        }
        Model { objects }
    }
}

/// Aspects holding an expression the server prints (its spacing,
/// parentheses and casts are the server's choice).
fn is_expression(aspect: &str) -> bool {
    matches!(
        aspect,
        "default"
            | "definition"
            | "using"
            | "with check"
            | "generated"
            | "checks"
            | "partition key"
    )
}

/// An expression with comments, spacing, letter case outside quotes and
/// redundant outer parentheses taken away: equal when only the printing
/// differs.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut pending_space = false;
    let punct = |c: char| "(),;:=<>+-*/[]|&.".contains(c);
    let push = |out: &mut String, c: char, pending: &mut bool| {
        if *pending && !out.is_empty() {
            let last = out.chars().last().unwrap_or(' ');
            if !punct(last) && !punct(c) {
                out.push(' ');
            }
        }
        *pending = false;
        out.push(c);
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            pending_space = true;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            pending_space = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            push(&mut out, c, &mut pending_space);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            continue;
        }
        push(&mut out, c.to_ascii_lowercase(), &mut pending_space);
        i += 1;
    }
    let mut s = out.trim_end_matches(';').to_string();
    while s.starts_with('(') && s.ends_with(')') && wraps_whole(&s) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

/// Whether the first parenthesis of `s` closes at its end.
fn wraps_whole(s: &str) -> bool {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i == s.len() - 1;
                    }
                }
                _ => {}
            },
        }
    }
    false
}

/// An index definition without the index's name.
fn index_shape(def: &str) -> String {
    match def.find("INDEX ") {
        Some(at) => {
            let rest = &def[at + 6..];
            match rest.find(" ON ") {
                Some(on) => format!("{}{}", &def[..at + 6], &rest[on + 1..]),
                None => def.to_string(),
            }
        }
        None => def.to_string(),
    }
}

/// What identifies an object apart from its name, for rename leftovers.
fn shape(o: &Obj) -> Option<String> {
    let a = &o.aspects;
    match o.kind {
        "index" => Some(format!(
            "{:?} {}",
            o.table,
            index_shape(a.get("definition")?)
        )),
        "constraint" => Some(format!(
            "{:?} {} {}",
            o.table,
            a.get("type")?,
            a.get("definition")?
        )),
        "sequence" => Some(format!("{:?} {:?}", a.get("options"), a.get("owned by")?)),
        _ => None,
    }
}

/// One-line description of an object, for missing / extra.
fn summary(o: &Obj) -> String {
    let a = &o.aspects;
    match o.kind {
        "column" => {
            let mut s = a.get("type").cloned().unwrap_or_default();
            if a.get("not null").map(String::as_str) == Some("NOT NULL") {
                s += " NOT NULL";
            }
            if let Some(d) = a.get("default") {
                s += &format!(" DEFAULT {d}");
            }
            s
        }
        "constraint" => format!(
            "{} {}",
            a.get("type").cloned().unwrap_or_default(),
            a.get("definition").cloned().unwrap_or_default()
        ),
        "index" | "trigger" => a.get("definition").cloned().unwrap_or_default(),
        "type" => match a.get("values") {
            Some(v) => format!("enum ({v})"),
            None => a.get("kind").cloned().unwrap_or_default(),
        },
        k => k.to_string(),
    }
}

fn enum_labels(s: &str) -> Vec<String> {
    s.split(", ").map(str::to_string).collect()
}

fn severity(change: Change, aspect: &str, e: Option<&Obj>, a: Option<&Obj>) -> Severity {
    use Severity::*;
    let obj = e.or(a).expect("one side has it");
    let get = |o: Option<&Obj>, k: &str| o.and_then(|o| o.aspects.get(k)).cloned();
    match change {
        Change::Missing => match obj.kind {
            "index" => {
                if get(e, "definition").is_some_and(|d| d.starts_with("CREATE UNIQUE")) {
                    Error
                } else {
                    Warning
                }
            }
            "constraint" => match get(e, "type").as_deref() {
                Some("primary key" | "unique") => Error,
                _ => Warning,
            },
            _ => Error,
        },
        Change::Extra => match obj.kind {
            "column" => {
                let required = get(a, "not null").as_deref() == Some("NOT NULL")
                    && get(a, "default").is_none()
                    && get(a, "identity").is_none()
                    && get(a, "generated").is_none();
                if required {
                    Error
                } else {
                    Info
                }
            }
            "index" | "constraint" | "trigger" | "policy" => Warning,
            _ => Info,
        },
        Change::Changed => match (obj.kind, aspect) {
            (_, "comment") => Info,
            (_, "grants") => Warning,
            ("sequence", _) => Info,
            ("column", "type" | "identity" | "generated") => Error,
            ("column", "not null") => {
                if get(e, "not null").as_deref() == Some("NULL") {
                    Error
                } else {
                    Warning
                }
            }
            ("column", "default") => {
                if get(e, "default").is_some()
                    && get(a, "default").is_none()
                    && get(a, "not null").as_deref() == Some("NOT NULL")
                {
                    Error
                } else {
                    Warning
                }
            }
            ("type", "values") => {
                let want = get(e, "values")
                    .map(|v| enum_labels(&v))
                    .unwrap_or_default();
                let have: BTreeSet<String> = get(a, "values")
                    .map(|v| enum_labels(&v))
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                if want.iter().any(|l| !have.contains(l)) {
                    Error
                } else {
                    Warning
                }
            }
            ("type", "kind" | "base" | "attributes") => Error,
            ("constraint", "type") => Error,
            // A key or unique index that changed breaks ON CONFLICT as a
            // missing one does.
            ("constraint", "definition")
                if matches!(get(e, "type").as_deref(), Some("primary key" | "unique")) =>
            {
                Error
            }
            ("index", "definition")
                if get(e, "definition").is_some_and(|d| d.starts_with("CREATE UNIQUE"))
                    || get(a, "definition").is_some_and(|d| d.starts_with("CREATE UNIQUE")) =>
            {
                Error
            }
            ("view" | "materialized view", "definition") => Error,
            ("policy", _) => Error,
            ("table", "row level security" | "partition key" | "partition of" | "inherits") => {
                Error
            }
            ("table", "options") => Info,
            _ => Warning,
        },
    }
}

/// What differs from `expected` in `actual`.
pub fn compare(expected: &Catalog, actual: &Catalog, opts: &Options) -> Vec<Finding> {
    diff(&Model::new(expected, opts), &Model::new(actual, opts))
}

pub(crate) fn diff(e: &Model, a: &Model) -> Vec<Finding> {
    // A table (or view) one side lacks is one finding: its columns,
    // constraints, indexes, triggers and policies go with it.
    let whole = |m: &Model, other: &Model| -> BTreeSet<String> {
        m.objects
            .iter()
            .filter(|(k, o)| matches!(o.src, Src::Relation(_)) && !other.objects.contains_key(*k))
            .map(|(_, o)| o.name.clone())
            .collect()
    };
    let (gone, added) = (whole(e, a), whole(a, e));
    let part_of = |o: &Obj, set: &BTreeSet<String>| {
        !matches!(o.src, Src::Relation(_)) && o.table.as_ref().is_some_and(|t| set.contains(t))
    };
    let missing: Vec<&String> = e
        .objects
        .iter()
        .filter(|(k, o)| !a.objects.contains_key(*k) && !part_of(o, &gone))
        .map(|(k, _)| k)
        .collect();
    let extra: Vec<&String> = a
        .objects
        .iter()
        .filter(|(k, o)| !e.objects.contains_key(*k) && !part_of(o, &added))
        .map(|(k, _)| k)
        .collect();
    // Rename leftovers: a missing and an extra object of one kind, on one
    // table, identical but for the name.
    let mut renamed: BTreeMap<&String, &String> = BTreeMap::new();
    let mut taken: BTreeSet<&String> = BTreeSet::new();
    for m in &missing {
        let mo = &e.objects[*m];
        let Some(ms) = shape(mo) else { continue };
        if let Some(x) = extra.iter().find(|x| {
            let xo = &a.objects[**x];
            !taken.contains(**x) && xo.kind == mo.kind && shape(xo).as_deref() == Some(&ms)
        }) {
            taken.insert(x);
            renamed.insert(m, x);
        }
    }
    // A sequence's new name in the actual side, for nextval() defaults.
    let seq_renames: Vec<(String, String)> = renamed
        .iter()
        .filter(|(m, _)| e.objects[**m].kind == "sequence")
        .map(|(m, x)| (e.objects[*m].name.clone(), a.objects[*x].name.clone()))
        .collect();

    let mut out = Vec::new();
    let ids: BTreeSet<&String> = e.objects.keys().chain(a.objects.keys()).collect();
    for id in ids {
        let (eo, ao) = (e.objects.get(id), a.objects.get(id));
        if eo.is_some_and(|o| ao.is_none() && part_of(o, &gone))
            || ao.is_some_and(|o| eo.is_none() && part_of(o, &added))
        {
            continue;
        }
        match (eo, ao) {
            (Some(eo), None) => {
                if let Some(x) = renamed.get(id) {
                    let xo = &a.objects[*x];
                    out.push(Finding {
                        id: id.clone(),
                        kind: eo.kind,
                        table: eo.table.clone(),
                        change: Change::Changed,
                        aspect: "name".to_string(),
                        severity: Severity::Info,
                        expected: Some(eo.name.clone()),
                        actual: Some(xo.name.clone()),
                        noise: Some(format!(
                            "rename leftover: the database has the same {} as {}",
                            eo.kind, xo.name
                        )),
                    });
                    continue;
                }
                out.push(Finding {
                    id: id.clone(),
                    kind: eo.kind,
                    table: eo.table.clone(),
                    change: Change::Missing,
                    aspect: "exists".to_string(),
                    severity: severity(Change::Missing, "exists", Some(eo), None),
                    expected: Some(summary(eo)),
                    actual: None,
                    noise: None,
                });
            }
            (None, Some(ao)) => {
                if taken.contains(id) {
                    continue;
                }
                out.push(Finding {
                    id: id.clone(),
                    kind: ao.kind,
                    table: ao.table.clone(),
                    change: Change::Extra,
                    aspect: "exists".to_string(),
                    severity: severity(Change::Extra, "exists", None, Some(ao)),
                    expected: None,
                    actual: Some(summary(ao)),
                    noise: None,
                });
            }
            (Some(eo), Some(ao)) => {
                let aspects: BTreeSet<&&str> = eo.aspects.keys().chain(ao.aspects.keys()).collect();
                for aspect in aspects {
                    let ev = eo.aspects.get(*aspect);
                    let av = ao.aspects.get(*aspect);
                    if ev == av {
                        continue;
                    }
                    let noise = match (ev, av) {
                        (Some(x), Some(y)) => {
                            let mut renamed_x = x.clone();
                            for (from, to) in &seq_renames {
                                renamed_x = renamed_x.replace(from.as_str(), to.as_str());
                            }
                            if renamed_x == *y {
                                Some("rename leftover: the sequence it uses has another name in the database".to_string())
                            } else if is_expression(aspect) && normalize(x) == normalize(y) {
                                Some("the same expression, printed differently".to_string())
                            } else {
                                None
                            }
                        }
                        _ => None,
                    };
                    out.push(Finding {
                        id: id.clone(),
                        kind: eo.kind,
                        table: eo.table.clone(),
                        change: Change::Changed,
                        aspect: aspect.to_string(),
                        severity: if noise.is_some() {
                            Severity::Info
                        } else {
                            severity(Change::Changed, aspect, Some(eo), Some(ao))
                        },
                        expected: ev.cloned(),
                        actual: av.cloned(),
                        noise,
                    });
                }
            }
            (None, None) => unreachable!("ids come from the two sides"),
        }
    }
    out
}

/// The side of a three-way comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Database,
    Migrations,
    Schema,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Database => "database",
            Side::Migrations => "migrations",
            Side::Schema => "current_schema/",
        }
    }
}

/// One difference among the three sides.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The difference, as the migrations (expected) against the side that
    /// disagrees (or against the database when all three differ).
    pub finding: Finding,
    /// The side alone with its value; `None` when all three differ.
    pub odd_one: Option<Side>,
    /// What the database, the migrations and current_schema/ have.
    pub database: Option<String>,
    pub migrations: Option<String>,
    pub schema: Option<String>,
}

/// The database, the migrations and current_schema/ compared: for each
/// difference, which side disagrees with the other two.
pub fn three_way(
    db: &Catalog,
    migrations: &Catalog,
    schema: &Catalog,
    opts: &Options,
) -> Vec<Verdict> {
    let (d, m, s) = (
        Model::new(db, opts),
        Model::new(migrations, opts),
        Model::new(schema, opts),
    );
    let index = |v: Vec<Finding>| -> BTreeMap<(String, String), Finding> {
        v.into_iter().map(|f| (f.key(), f)).collect()
    };
    let (md, sd, ms) = (diff(&m, &d), diff(&s, &d), diff(&m, &s));
    // Noise counts as agreement when deciding which side is the odd one
    // out; a difference that is noise in every pair is reported as noise.
    let real = |v: &[Finding]| index(v.iter().filter(|f| f.noise.is_none()).cloned().collect());
    let noisy = |v: &[Finding]| index(v.iter().filter(|f| f.noise.is_some()).cloned().collect());
    let (rmd, rsd, rms) = (real(&md), real(&sd), real(&ms));
    let mut out = verdicts(&rmd, &rsd, &rms, &BTreeSet::new());
    let taken: BTreeSet<(String, String)> = rmd
        .keys()
        .chain(rsd.keys())
        .chain(rms.keys())
        .cloned()
        .collect();
    out.extend(verdicts(&noisy(&md), &noisy(&sd), &noisy(&ms), &taken));
    out
}

type Indexed = BTreeMap<(String, String), Finding>;

/// The verdicts for the keys of three pairwise comparisons (migrations
/// against database, current_schema/ against database, migrations against
/// current_schema/), leaving out `skip`.
fn verdicts(
    md: &Indexed,
    sd: &Indexed,
    ms: &Indexed,
    skip: &BTreeSet<(String, String)>,
) -> Vec<Verdict> {
    let keys: BTreeSet<&(String, String)> = md.keys().chain(sd.keys()).chain(ms.keys()).collect();
    let mut out = Vec::new();
    for k in keys.into_iter().filter(|k| !skip.contains(*k)) {
        let (a, b, c) = (md.get(k), sd.get(k), ms.get(k));
        // Each pair that differs gives two sides' values; a pair that is
        // absent agrees.
        let mut mv = a
            .map(|f| f.expected.clone())
            .or(c.map(|f| f.expected.clone()));
        let mut dv = a.map(|f| f.actual.clone()).or(b.map(|f| f.actual.clone()));
        let sv = c
            .map(|f| f.actual.clone())
            .or(b.map(|f| f.expected.clone()));
        if mv.is_none() {
            mv = dv.clone().or(sv.clone());
        }
        if dv.is_none() {
            dv = mv.clone();
        }
        let sv = sv.or(mv.clone());
        let (odd, finding) = match (a, b, c) {
            (Some(f), Some(_), None) | (Some(f), None, None) | (None, Some(f), None) => {
                (Some(Side::Database), f.clone())
            }
            (None, Some(_), Some(f)) | (None, None, Some(f)) => (Some(Side::Schema), f.clone()),
            (Some(f), None, Some(_)) => (Some(Side::Migrations), f.clone()),
            (Some(f), Some(_), Some(_)) => (None, f.clone()),
            (None, None, None) => continue,
        };
        out.push(Verdict {
            finding,
            odd_one: odd,
            database: dv.flatten(),
            migrations: mv.flatten(),
            schema: sv.flatten(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_ignores_spacing_case_comments_and_outer_parentheses() {
        assert_eq!(normalize("((a > 0))"), normalize("a>0"));
        assert_eq!(
            normalize("BEGIN\n  RETURN NEW; -- done\nEND"),
            normalize("begin return new; end")
        );
        assert_ne!(normalize("'A'"), normalize("'a'"));
        assert_ne!(normalize("(a) + (b)"), normalize("a + b"));
        assert_eq!(normalize("(a) + (b)"), normalize("( a )+( b )"));
    }

    #[test]
    fn index_shape_drops_only_the_name() {
        assert_eq!(
            index_shape("CREATE UNIQUE INDEX old_t_x ON public.t USING btree (x)"),
            "CREATE UNIQUE INDEX ON public.t USING btree (x)"
        );
    }
}
