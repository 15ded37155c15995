//! One body statement folded into a [`Store`]: CREATE / ALTER / DROP of
//! tables, indexes, enum types and domains, including what PostgreSQL does
//! implicitly (a primary key makes its columns NOT NULL, an unnamed
//! constraint or index gets the generated name, DROP COLUMN takes the
//! constraints and indexes on the column with it).

use super::{qualify, schema_of, Column, Constraint, Index, Kind, Store, Table};
use crate::review::ddl::{
    actions, add_action, alter_column, alter_table, bare, column_def, create_table,
    implies_not_null, is_constraint_start, table_constraint, type_change, type_text, Added,
    ColumnDef, TableConstraint,
};
use crate::review::stmt::{Section, Stmt};
use crate::sql::lexer::TokenKind;

pub fn apply<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    if s.section != Section::Body {
        return;
    }
    match (s.word(0), s.word(1)) {
        ("CREATE", _) => create(st, s),
        ("ALTER", "TABLE") => alter(st, s),
        ("ALTER", "INDEX") => alter_index(st, s),
        ("ALTER", "TYPE") => alter_type(st, s),
        ("DROP", _) => drop(st, s),
        _ => {}
    }
}

fn create<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let mut i = 1;
    while matches!(
        s.word(i),
        "UNLOGGED" | "TEMP" | "TEMPORARY" | "GLOBAL" | "LOCAL" | "OR" | "REPLACE" | "UNIQUE"
    ) {
        i += 1;
    }
    match s.word(i) {
        "TABLE" => new_table(st, s),
        "INDEX" => new_index(st, s, i + 1),
        "TYPE" => {
            let Some((name, after)) = s.name_at(i + 1) else {
                return;
            };
            if s.words_at(after, &["AS", "ENUM"]) {
                let values = s
                    .paren_items(after + 2)
                    .iter()
                    .filter_map(|r| s.toks.get(r.start))
                    .map(|t| unquote(&t.norm))
                    .collect();
                st.set_enum(qualify(&name), Some(values));
            }
        }
        "DOMAIN" => {
            if let Some((name, _)) = s.name_at(i + 1) {
                st.set_domain(qualify(&name), true);
            }
        }
        _ => {}
    }
}

fn unquote(literal: &str) -> String {
    literal
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .unwrap_or(literal)
        .replace("''", "'")
}

fn new_table<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let Some((name, _, items)) = create_table(s) else {
        return;
    };
    let q = qualify(&name);
    if st.table(&q).is_some() {
        // IF NOT EXISTS on a table that exists: nothing changes.
        return;
    }
    let mut t = Table::default();
    let mut constraints = Vec::new();
    for item in items {
        let first = s.word(item.start);
        if is_constraint_start(first) {
            constraints.extend(table_constraint(s, item.start, item.end));
        } else if first != "LIKE" {
            if let Some(def) = column_def(s, item.start, item.end) {
                add_column(&mut t, &q, s, &def);
            }
        }
    }
    for c in &constraints {
        add_constraint(&mut t, &q, s, c);
    }
    for name in t.indexes.keys() {
        st.set_index_owner(name.clone(), Some(q.clone()));
    }
    st.put_table(q, t);
}

/// Index names a change to one table added (`true`) or removed.
type IndexChanges = Vec<(String, bool)>;

fn record<S: Store + ?Sized>(st: &mut S, table: &str, changes: IndexChanges) {
    for (name, added) in changes {
        st.set_index_owner(name, added.then(|| table.to_string()));
    }
}

/// The columns of `t` that the tokens `from..to` of `s` mention.
fn mentioned(t: &Table, s: &Stmt, from: usize, to: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tok in &s.toks[from.min(s.toks.len())..to.min(s.toks.len())] {
        let name = match tok.kind {
            TokenKind::Word => tok.norm.to_ascii_lowercase(),
            TokenKind::QuotedIdent => tok.norm.clone(),
            _ => continue,
        };
        if t.columns.contains_key(&name) && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A column and its inline constraints (named as PostgreSQL names them).
fn add_column(t: &mut Table, table: &str, s: &Stmt, def: &ColumnDef) -> IndexChanges {
    let mut changes = IndexChanges::new();
    let col = def.name.clone();
    let tb = bare(table);
    t.columns.insert(
        col.clone(),
        Column {
            ty: def.type_text(s),
            not_null: def.not_null || def.primary_key.is_some(),
        },
    );
    let named = |kind: &str, default: String| def.name_of(kind).map_or(default, str::to_string);
    let key = |kind: Kind| Constraint {
        kind,
        cols: vec![col.clone()],
        proves_not_null: Vec::new(),
        validated: true,
        references: None,
    };
    if def.primary_key.is_some() {
        let name = named("PRIMARY KEY", format!("{tb}_pkey"));
        changes.push((
            add_key_index(t, table, &name, std::slice::from_ref(&col)),
            true,
        ));
        t.constraints.insert(name, key(Kind::PrimaryKey));
    }
    if def.unique.is_some() {
        let name = named("UNIQUE", format!("{tb}_{col}_key"));
        changes.push((
            add_key_index(t, table, &name, std::slice::from_ref(&col)),
            true,
        ));
        t.constraints.insert(name, key(Kind::Unique));
    }
    if def.references.is_some() {
        let mut fk = key(Kind::ForeignKey);
        fk.references = def.referenced(s).map(|r| qualify(&r));
        t.constraints
            .insert(named("FOREIGN KEY", format!("{tb}_{col}_fkey")), fk);
    }
    if let Some(check) = &def.check {
        let mut c = key(Kind::Check);
        if implies_not_null(s, check, &col) {
            c.proves_not_null.push(col.clone());
        }
        t.constraints
            .insert(named("CHECK", format!("{tb}_{col}_check")), c);
    }
    changes
}

/// The index a primary key or unique constraint builds, under its name.
fn add_key_index(t: &mut Table, table: &str, name: &str, cols: &[String]) -> String {
    let key = format!("{}.{name}", schema_of(table));
    t.indexes.insert(
        key.clone(),
        Index {
            cols: cols.to_vec(),
            mentions: cols.to_vec(),
            unique: true,
        },
    );
    key
}

/// A table constraint, under its name or the one PostgreSQL generates.
fn add_constraint(t: &mut Table, table: &str, s: &Stmt, c: &TableConstraint) -> IndexChanges {
    let mut changes = IndexChanges::new();
    let tb = bare(table);
    let mut cols = c.cols.clone();
    if let Some(index) = &c.using_index {
        let key = format!("{}.{}", schema_of(table), bare(index));
        if let Some(i) = t.indexes.get(&key) {
            cols.clone_from(&i.cols);
        }
    }
    let mut proves_not_null = Vec::new();
    if let Some(expr) = &c.check {
        cols = mentioned(t, s, expr.start, expr.end);
        proves_not_null = cols
            .iter()
            .filter(|col| implies_not_null(s, expr, col))
            .cloned()
            .collect();
    }
    let (kind, generated) = match c.kind {
        "CHECK" if cols.len() == 1 => (Kind::Check, format!("{tb}_{}_check", cols[0])),
        "CHECK" => (Kind::Check, format!("{tb}_check")),
        "UNIQUE" => (Kind::Unique, format!("{tb}_{}_key", cols.join("_"))),
        "PRIMARY KEY" => (Kind::PrimaryKey, format!("{tb}_pkey")),
        "FOREIGN KEY" => (Kind::ForeignKey, format!("{tb}_{}_fkey", cols.join("_"))),
        "NOT NULL" => (
            Kind::NotNull,
            format!("{tb}_{}_not_null", cols.first().map_or("", String::as_str)),
        ),
        _ => (Kind::Exclude, format!("{tb}_excl")),
    };
    let name = c.name.as_ref().map_or(generated, |(n, _)| n.clone());
    if kind == Kind::PrimaryKey {
        for col in &cols {
            t.columns.entry(col.clone()).or_default().not_null = true;
        }
    }
    if matches!(kind, Kind::PrimaryKey | Kind::Unique) {
        if let Some(index) = &c.using_index {
            // The index is renamed after the constraint.
            let old = format!("{}.{}", schema_of(table), bare(index));
            t.indexes.remove(&old);
            changes.push((old, false));
        }
        changes.push((add_key_index(t, table, &name, &cols), true));
    }
    t.constraints.insert(
        name,
        Constraint {
            kind,
            cols,
            proves_not_null,
            validated: !c.not_valid,
            references: c.references.as_deref().map(qualify),
        },
    );
    changes
}

fn new_index<S: Store + ?Sized>(st: &mut S, s: &Stmt, mut i: usize) {
    if s.word(i) == "CONCURRENTLY" {
        i += 1;
    }
    let if_not_exists = s.words_at(i, &["IF", "NOT", "EXISTS"]);
    if if_not_exists {
        i += 3;
    }
    let name = (s.word(i) != "ON")
        .then(|| s.name_at(i).map(|(n, _)| n))
        .flatten();
    let Some(on) = s.find_from(i, &["ON"]) else {
        return;
    };
    let t = on + 1 + usize::from(s.word(on + 1) == "ONLY");
    let Some((table, after)) = s.name_at(t) else {
        return;
    };
    let q = qualify(&table);
    let Some(open) = (after..s.toks.len()).find(|&k| s.toks[k].kind == TokenKind::LParen) else {
        return;
    };
    let mut cols = Vec::new();
    for r in s.paren_items(open) {
        let plain = s.name_at(r.start).filter(|(_, next)| {
            *next >= r.end || matches!(s.word(*next), "ASC" | "DESC" | "NULLS" | "COLLATE")
        });
        match plain {
            Some((n, _)) => cols.push(n),
            None => break,
        }
    }
    let key = match name {
        Some(n) if n.contains('.') => n,
        Some(n) => format!("{}.{n}", schema_of(&q)),
        None => format!("{}.{}_{}_idx", schema_of(&q), bare(&q), cols.join("_")),
    };
    if if_not_exists && st.index_owner(&key).is_some() {
        return;
    }
    if st.table(&q).is_none() {
        st.put_table(q.clone(), Table::default());
    }
    let Some(table) = st.table_mut(&q) else {
        return;
    };
    let mut mentions = mentioned(table, s, open, s.toks.len());
    if mentions.is_empty() {
        mentions.clone_from(&cols);
    }
    let unique = s.word(1) == "UNIQUE";
    table.indexes.insert(
        key.clone(),
        Index {
            cols,
            mentions,
            unique,
        },
    );
    st.set_index_owner(key, Some(q));
}

fn alter<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let Some((name, first)) = alter_table(s) else {
        return;
    };
    let mut q = qualify(&name);
    if st.table(&q).is_none() {
        if s.words_at(2, &["IF", "EXISTS"]) {
            return;
        }
        // A table from before the history (a baseline): it exists.
        st.put_table(q.clone(), Table::default());
    }
    for r in actions(s, first) {
        if let Some(moved) = alter_action(st, s, &q, &r) {
            q = moved;
        }
    }
}

/// One ALTER TABLE action; returns the table's new name when it moves.
fn alter_action<S: Store + ?Sized>(
    st: &mut S,
    s: &Stmt,
    q: &str,
    r: &std::ops::Range<usize>,
) -> Option<String> {
    let k = r.start;
    if let Some(added) = add_action(s, r) {
        let t = st.table_mut(q)?;
        let changes = match added {
            Added::Column(def) => add_column(t, q, s, &def),
            Added::Constraint(c) => add_constraint(t, q, s, &c),
        };
        record(st, q, changes);
    } else if let Some(tc) = type_change(s, r) {
        let ty = type_text(s, tc.ty.start, tc.ty.end);
        st.table_mut(q)?.columns.entry(tc.column).or_default().ty = ty;
    } else if let Some((col, _, next)) = alter_column(s, r) {
        let t = st.table_mut(q)?;
        if s.words_at(next, &["SET", "NOT", "NULL"]) {
            t.columns.entry(col).or_default().not_null = true;
        } else if s.words_at(next, &["DROP", "NOT", "NULL"]) {
            t.columns.entry(col.clone()).or_default().not_null = false;
            t.constraints
                .retain(|_, c| !(c.kind == Kind::NotNull && c.cols.contains(&col)));
        }
    } else if s.word(k) == "DROP" {
        drop_from_table(st, s, q, k);
    } else if s.words_at(k, &["VALIDATE", "CONSTRAINT"]) {
        let (name, _) = s.name_at(k + 2)?;
        if let Some(c) = st.table_mut(q)?.constraints.get_mut(&name) {
            c.validated = true;
        }
    } else if s.word(k) == "RENAME" {
        return rename(st, s, q, k);
    } else if s.words_at(k, &["SET", "SCHEMA"]) {
        let (to, _) = s.name_at(k + 2)?;
        let moved = format!("{to}.{}", bare(q));
        move_table(st, q, &moved);
        return Some(moved);
    }
    None
}

/// `DROP [COLUMN] [IF EXISTS] c` or `DROP CONSTRAINT [IF EXISTS] c` at `k`.
fn drop_from_table<S: Store + ?Sized>(st: &mut S, s: &Stmt, q: &str, k: usize) {
    let what = s.word(k + 1);
    let mut c = k + 1 + usize::from(matches!(what, "COLUMN" | "CONSTRAINT"));
    if s.words_at(c, &["IF", "EXISTS"]) {
        c += 2;
    }
    let Some((name, _)) = s.name_at(c) else {
        return;
    };
    let Some(t) = st.table_mut(q) else {
        return;
    };
    let mut gone_indexes: Vec<String> = Vec::new();
    if what == "CONSTRAINT" {
        t.constraints.remove(&name);
        let index = format!("{}.{name}", schema_of(q));
        if t.indexes.remove(&index).is_some() {
            gone_indexes.push(index);
        }
    } else if matches!(what, "DEFAULT" | "NOT" | "EXPRESSION" | "IDENTITY") {
        return;
    } else {
        // DROP COLUMN takes the constraints and indexes on it along.
        t.columns.remove(&name);
        t.constraints.retain(|_, c| !c.cols.contains(&name));
        t.indexes.retain(|i, index| {
            let keep = !index.mentions.contains(&name) && !index.cols.contains(&name);
            if !keep {
                gone_indexes.push(i.clone());
            }
            keep
        });
    }
    for i in gone_indexes {
        st.set_index_owner(i, None);
    }
}

/// `RENAME TO t`, `RENAME CONSTRAINT a TO b`, `RENAME [COLUMN] a TO b`.
fn rename<S: Store + ?Sized>(st: &mut S, s: &Stmt, q: &str, k: usize) -> Option<String> {
    if s.word(k + 1) == "TO" {
        let (to, _) = s.name_at(k + 2)?;
        let moved = format!("{}.{}", schema_of(q), bare(&to));
        move_table(st, q, &moved);
        return Some(moved);
    }
    let is_constraint = s.word(k + 1) == "CONSTRAINT";
    let c = k + 1 + usize::from(matches!(s.word(k + 1), "COLUMN" | "CONSTRAINT"));
    let (old, next) = s.name_at(c)?;
    let (new, _) = s.name_at(next + 1)?;
    let t = st.table_mut(q)?;
    if is_constraint {
        let c = t.constraints.remove(&old)?;
        t.constraints.insert(new, c);
        return None;
    }
    let column = t.columns.remove(&old)?;
    t.columns.insert(new.clone(), column);
    let rename_in = |cols: &mut Vec<String>| {
        for c in cols.iter_mut().filter(|c| **c == old) {
            c.clone_from(&new);
        }
    };
    for c in t.constraints.values_mut() {
        rename_in(&mut c.cols);
        rename_in(&mut c.proves_not_null);
    }
    for i in t.indexes.values_mut() {
        rename_in(&mut i.cols);
        rename_in(&mut i.mentions);
    }
    None
}

/// A table under a new (qualified) name; its indexes follow it to its schema.
fn move_table<S: Store + ?Sized>(st: &mut S, from: &str, to: &str) {
    let Some(mut t) = st.take_table(from) else {
        return;
    };
    let indexes = std::mem::take(&mut t.indexes);
    for (name, index) in indexes {
        st.set_index_owner(name.clone(), None);
        let key = format!("{}.{}", schema_of(to), bare(&name));
        st.set_index_owner(key.clone(), Some(to.to_string()));
        t.indexes.insert(key, index);
    }
    st.put_table(to.to_string(), t);
}

fn alter_index<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let i = 2 + 2 * usize::from(s.words_at(2, &["IF", "EXISTS"]));
    let Some((name, next)) = s.name_at(i) else {
        return;
    };
    if !s.words_at(next, &["RENAME", "TO"]) {
        return;
    }
    let Some((to, _)) = s.name_at(next + 2) else {
        return;
    };
    let from = qualify(&name);
    let Some(owner) = st.index_owner(&from).map(str::to_string) else {
        return;
    };
    let to = format!("{}.{}", schema_of(&from), bare(&to));
    let Some(t) = st.table_mut(&owner) else {
        return;
    };
    if let Some(index) = t.indexes.remove(&from) {
        t.indexes.insert(to.clone(), index);
    }
    st.set_index_owner(from, None);
    st.set_index_owner(to, Some(owner));
}

fn alter_type<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let Some((name, after)) = s.name_at(2) else {
        return;
    };
    let q = qualify(&name);
    let Some(mut values) = st.enum_values(&q).map(<[String]>::to_vec) else {
        if s.words_at(after, &["ADD", "VALUE"]) {
            // An enum from before the history.
            st.set_enum(q.clone(), Some(Vec::new()));
            return alter_type(st, s);
        }
        return;
    };
    if s.words_at(after, &["ADD", "VALUE"]) {
        let k = after + 2 + 3 * usize::from(s.words_at(after + 2, &["IF", "NOT", "EXISTS"]));
        if let Some(v) = s.toks.get(k).filter(|t| t.kind == TokenKind::String) {
            let v = unquote(&v.norm);
            if !values.contains(&v) {
                values.push(v);
            }
        }
    } else if s.words_at(after, &["RENAME", "VALUE"]) {
        let (Some(old), Some(new)) = (s.toks.get(after + 2), s.toks.get(after + 4)) else {
            return;
        };
        let (old, new) = (unquote(&old.norm), unquote(&new.norm));
        for v in values.iter_mut().filter(|v| **v == old) {
            v.clone_from(&new);
        }
    } else if s.words_at(after, &["RENAME", "TO"]) {
        if let Some((to, _)) = s.name_at(after + 2) {
            st.set_enum(q.clone(), None);
            st.set_enum(format!("{}.{}", schema_of(&q), bare(&to)), Some(values));
        }
        return;
    }
    st.set_enum(q, Some(values));
}

/// `a, b, c` from `i` on: the names.
pub fn name_list(s: &Stmt, mut i: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    while let Some((name, next)) = s.name_at(i) {
        out.push((name, i));
        if s.toks.get(next).is_some_and(|t| t.norm == ",") {
            i = next + 1;
        } else {
            break;
        }
    }
    out
}

fn drop<S: Store + ?Sized>(st: &mut S, s: &Stmt) {
    let kind = s.word(1);
    let mut i = 2 + usize::from(kind == "MATERIALIZED");
    if s.word(i) == "CONCURRENTLY" {
        i += 1;
    }
    if s.words_at(i, &["IF", "EXISTS"]) {
        i += 2;
    }
    for (name, _) in name_list(s, i) {
        let q = qualify(&name);
        match kind {
            "TABLE" => {
                if let Some(t) = st.take_table(&q) {
                    for index in t.indexes.keys() {
                        st.set_index_owner(index.clone(), None);
                    }
                }
            }
            "INDEX" => {
                if let Some(owner) = st.index_owner(&q).map(str::to_string) {
                    if let Some(t) = st.table_mut(&owner) {
                        t.indexes.remove(&q);
                    }
                    st.set_index_owner(q, None);
                }
            }
            "TYPE" => st.set_enum(q, None),
            "DOMAIN" => st.set_domain(q, false),
            _ => {}
        }
    }
}
