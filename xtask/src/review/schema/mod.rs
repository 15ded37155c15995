//! The schema as the migrations before the reviewed one leave it, folded
//! from their statements (not from a database): tables, their columns with
//! types and nullability, their constraints (kind, columns, validated),
//! their indexes, enum types with their values, and domains. Rules ask it
//! "did this table exist before this migration?", "what type did this
//! column have?" or "does a validated CHECK prove this column NOT NULL?"
//! instead of guessing or reading earlier files again.
//!
//! [`Schema`] is the fold of the whole history, built once for a review;
//! a [`View`] layers one migration's body over it, copying only the tables
//! the body touches, so walking a body statement by statement never copies
//! the whole schema. Both answer the same questions through [`Store`].
//!
//! Unqualified names are taken to be in `public`, as with the default
//! search_path.

mod fold;

use std::collections::{BTreeMap, BTreeSet};

use super::stmt::Stmt;

/// `name` -> `public.name`; qualified names as they are.
pub fn qualify(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("public.{name}")
    }
}

/// The schema part of a qualified name.
pub fn schema_of(qualified: &str) -> &str {
    qualified.split_once('.').map_or("public", |(s, _)| s)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// As written (lower-cased, spaces collapsed).
    pub ty: String,
    pub not_null: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Check,
    Unique,
    PrimaryKey,
    ForeignKey,
    Exclude,
    /// PostgreSQL 18's named NOT NULL constraint.
    NotNull,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub kind: Kind,
    /// Key, foreign-key and NOT NULL columns; for a CHECK, the table's
    /// columns it mentions.
    pub cols: Vec<String>,
    /// For a CHECK: the columns it proves NOT NULL (`col IS NOT NULL` at
    /// the top level, no OR).
    pub proves_not_null: Vec<String>,
    pub validated: bool,
    /// For a foreign key: the referenced table (qualified).
    pub references: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The key's leading plain columns, in order (up to the first
    /// expression).
    pub cols: Vec<String>,
    /// Every column of the table the index mentions (key, expressions,
    /// INCLUDE, WHERE).
    pub mentions: Vec<String>,
    pub unique: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: BTreeMap<String, Column>,
    /// By name (PostgreSQL's generated name for unnamed ones).
    pub constraints: BTreeMap<String, Constraint>,
    /// By qualified index name.
    pub indexes: BTreeMap<String, Index>,
}

impl Table {
    /// Primary key and unique constraint columns, and unique index keys.
    pub fn keys(&self) -> impl Iterator<Item = &[String]> {
        let constraints = self
            .constraints
            .values()
            .filter(|c| matches!(c.kind, Kind::PrimaryKey | Kind::Unique))
            .map(|c| c.cols.as_slice());
        let indexes = self
            .indexes
            .values()
            .filter(|i| i.unique)
            .map(|i| i.cols.as_slice());
        constraints.chain(indexes)
    }

    /// Whether the column is NOT NULL, or a validated CHECK (or, on 18, a
    /// validated NOT NULL constraint) proves it.
    pub fn proven_not_null(&self, col: &str) -> bool {
        self.columns.get(col).is_some_and(|c| c.not_null)
            || self.constraints.values().any(|c| {
                c.validated
                    && match c.kind {
                        Kind::Check => c.proves_not_null.iter().any(|n| n == col),
                        Kind::NotNull => c.cols.iter().any(|n| n == col),
                        _ => false,
                    }
            })
    }
}

/// The fold of a history. Build it with [`Schema::apply`].
#[derive(Debug, Clone, Default)]
pub struct Schema {
    tables: BTreeMap<String, Table>,
    /// Qualified index name -> its table.
    index_owner: BTreeMap<String, String>,
    enums: BTreeMap<String, Vec<String>>,
    domains: BTreeSet<String>,
}

impl Schema {
    /// Folds one body statement into the model.
    pub fn apply(&mut self, s: &Stmt) {
        fold::apply(self, s);
    }
}

/// Where the fold writes and the rules read: the whole [`Schema`], or a
/// [`View`] over it. Names are qualified.
pub trait Store {
    fn table(&self, name: &str) -> Option<&Table>;
    /// The table to change in place (a view copies it first).
    fn table_mut(&mut self, name: &str) -> Option<&mut Table>;
    fn put_table(&mut self, name: String, table: Table);
    fn take_table(&mut self, name: &str) -> Option<Table>;
    fn index_owner(&self, index: &str) -> Option<&str>;
    fn set_index_owner(&mut self, index: String, table: Option<String>);
    fn enum_values(&self, name: &str) -> Option<&[String]>;
    fn set_enum(&mut self, name: String, values: Option<Vec<String>>);
    fn has_domain(&self, name: &str) -> bool;
    fn set_domain(&mut self, name: String, exists: bool);

    fn has_table(&self, name: &str) -> bool {
        self.table(&qualify(name)).is_some()
    }

    fn column(&self, table: &str, column: &str) -> Option<&Column> {
        self.table(&qualify(table))?.columns.get(column)
    }

    fn column_type(&self, table: &str, column: &str) -> Option<&str> {
        self.column(table, column).map(|c| c.ty.as_str())
    }

    /// The table of an index (`name` as written: unqualified is `public`)
    /// and the index.
    fn index(&self, name: &str) -> Option<(&str, &Index)> {
        let q = qualify(name);
        let owner = self.index_owner(&q)?;
        let index = self.table(owner)?.indexes.get(&q)?;
        Some((owner, index))
    }

    /// Whether `name` is an enum type.
    fn is_enum(&self, name: &str) -> bool {
        self.enum_values(&qualify(name)).is_some()
    }
}

impl Store for Schema {
    fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
    fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(name)
    }
    fn put_table(&mut self, name: String, table: Table) {
        self.tables.insert(name, table);
    }
    fn take_table(&mut self, name: &str) -> Option<Table> {
        self.tables.remove(name)
    }
    fn index_owner(&self, index: &str) -> Option<&str> {
        self.index_owner.get(index).map(String::as_str)
    }
    fn set_index_owner(&mut self, index: String, table: Option<String>) {
        match table {
            Some(t) => self.index_owner.insert(index, t),
            None => self.index_owner.remove(&index),
        };
    }
    fn enum_values(&self, name: &str) -> Option<&[String]> {
        self.enums.get(name).map(Vec::as_slice)
    }
    fn set_enum(&mut self, name: String, values: Option<Vec<String>>) {
        match values {
            Some(v) => self.enums.insert(name, v),
            None => self.enums.remove(&name),
        };
    }
    fn has_domain(&self, name: &str) -> bool {
        self.domains.contains(name)
    }
    fn set_domain(&mut self, name: String, exists: bool) {
        if exists {
            self.domains.insert(name);
        } else {
            self.domains.remove(&name);
        }
    }
}

/// What one body changed, copied out of the schema under it: a table or
/// name the body touched (`None` records a drop).
#[derive(Debug, Default)]
pub struct Delta {
    tables: BTreeMap<String, Option<Table>>,
    index_owner: BTreeMap<String, Option<String>>,
    enums: BTreeMap<String, Option<Vec<String>>>,
    domains: BTreeMap<String, bool>,
}

/// A schema plus what one body changed: what the body touches is copied
/// into the view on first write; the rest is read from the schema
/// underneath.
#[derive(Debug)]
pub struct View<'a> {
    base: &'a Schema,
    delta: Delta,
}

impl<'a> View<'a> {
    pub fn new(base: &'a Schema) -> View<'a> {
        View {
            base,
            delta: Delta::default(),
        }
    }

    /// Folds one body statement into the view.
    pub fn apply(&mut self, s: &Stmt) {
        fold::apply(self, s);
    }

    /// What the body changed, for [`Schema::merge`].
    pub fn into_delta(self) -> Delta {
        self.delta
    }
}

impl Schema {
    /// Makes what a view recorded part of the schema (the same as folding
    /// its body's statements, without folding them again).
    pub fn merge(&mut self, delta: Delta) {
        for (name, t) in delta.tables {
            match t {
                Some(t) => self.tables.insert(name, t),
                None => self.tables.remove(&name),
            };
        }
        for (name, owner) in delta.index_owner {
            self.set_index_owner(name, owner);
        }
        for (name, values) in delta.enums {
            self.set_enum(name, values);
        }
        for (name, exists) in delta.domains {
            self.set_domain(name, exists);
        }
    }
}

impl Store for View<'_> {
    fn table(&self, name: &str) -> Option<&Table> {
        match self.delta.tables.get(name) {
            Some(t) => t.as_ref(),
            None => self.base.table(name),
        }
    }
    fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        if !self.delta.tables.contains_key(name) {
            let copy = self.base.table(name)?.clone();
            self.delta.tables.insert(name.to_string(), Some(copy));
        }
        self.delta.tables.get_mut(name)?.as_mut()
    }
    fn put_table(&mut self, name: String, table: Table) {
        self.delta.tables.insert(name, Some(table));
    }
    fn take_table(&mut self, name: &str) -> Option<Table> {
        let here = self.delta.tables.insert(name.to_string(), None);
        match here {
            Some(t) => t,
            None => self.base.table(name).cloned(),
        }
    }
    fn index_owner(&self, index: &str) -> Option<&str> {
        match self.delta.index_owner.get(index) {
            Some(t) => t.as_deref(),
            None => self.base.index_owner(index),
        }
    }
    fn set_index_owner(&mut self, index: String, table: Option<String>) {
        self.delta.index_owner.insert(index, table);
    }
    fn enum_values(&self, name: &str) -> Option<&[String]> {
        match self.delta.enums.get(name) {
            Some(v) => v.as_deref(),
            None => self.base.enum_values(name),
        }
    }
    fn set_enum(&mut self, name: String, values: Option<Vec<String>>) {
        self.delta.enums.insert(name, values);
    }
    fn has_domain(&self, name: &str) -> bool {
        match self.delta.domains.get(name) {
            Some(d) => *d,
            None => self.base.has_domain(name),
        }
    }
    fn set_domain(&mut self, name: String, exists: bool) {
        self.delta.domains.insert(name, exists);
    }
}

#[cfg(test)]
mod tests;
