//! The schema as the migrations before the reviewed one leave it, folded
//! from their statements (not from a database): tables and their columns
//! with types, indexes, constraints and whether they are validated, enum
//! types and their values. Rules ask it "did this table exist before this
//! migration?" or "what type did this column have?" instead of guessing.
//!
//! Unqualified names are taken to be in `public`, as with the default
//! search_path.

use std::collections::{BTreeMap, BTreeSet};

use super::stmt::{Section, Stmt};
use crate::sql::lexer::TokenKind;

#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column name -> type as written (lower-cased, spaces collapsed).
    pub columns: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// Index name (qualified) -> (table, columns).
    pub indexes: BTreeMap<String, (String, Vec<String>)>,
    /// Constraint name -> (table, validated).
    pub constraints: BTreeMap<String, (String, bool)>,
    pub enums: BTreeMap<String, Vec<String>>,
    /// Tables created by the statements folded since [`Schema::mark`].
    pub created_since_mark: BTreeSet<String>,
}

pub fn qualify(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("public.{name}")
    }
}

/// Words that end a column's type and start one of its constraints.
pub const COLUMN_STOP: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "REFERENCES",
    "UNIQUE",
    "CHECK",
    "GENERATED",
    "COLLATE",
    "CONSTRAINT",
];

/// Type tokens of a column definition, up to the first constraint keyword.
fn column_type(s: &Stmt, from: usize, to: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut depth = 0;
    for t in &s.toks[from..to] {
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Word if depth == 0 && COLUMN_STOP.contains(&t.norm.as_str()) => break,
            _ => {}
        }
        parts.push(t.norm.to_ascii_lowercase());
    }
    parts
        .join(" ")
        .replace(" ( ", "(")
        .replace(" )", ")")
        .replace(" , ", ",")
}

/// The type of a column whose type tokens are `from..to`, in the form
/// [`Table::columns`] keeps it (lower-cased, spaces collapsed), so that
/// rules can compare a new type with the one the schema knows.
pub fn type_text(s: &Stmt, from: usize, to: usize) -> String {
    column_type(s, from, to)
}

impl Schema {
    /// Forgets which tables were created "in this migration".
    pub fn mark(&mut self) {
        self.created_since_mark.clear();
    }

    pub fn has_table(&self, name: &str) -> bool {
        self.tables.contains_key(&qualify(name))
    }

    pub fn created_here(&self, name: &str) -> bool {
        self.created_since_mark.contains(&qualify(name))
    }

    pub fn column_type(&self, table: &str, column: &str) -> Option<&str> {
        self.tables
            .get(&qualify(table))?
            .columns
            .get(column)
            .map(String::as_str)
    }

    /// Folds one body statement into the model.
    pub fn apply(&mut self, s: &Stmt) {
        if s.section != Section::Body {
            return;
        }
        if s.starts_with(&["CREATE"]) {
            let mut i = 1;
            while matches!(
                s.word(i),
                "UNLOGGED" | "TEMP" | "TEMPORARY" | "OR" | "REPLACE" | "UNIQUE"
            ) {
                i += 1;
            }
            match s.word(i) {
                "TABLE" => self.create_table(s, i + 1),
                "INDEX" => self.create_index(s, i + 1),
                "TYPE" => {
                    if let Some((name, after)) = s.name_at(i + 1) {
                        if s.words_at(after, &["AS", "ENUM"]) {
                            let values = s
                                .paren_items(after + 2)
                                .iter()
                                .filter_map(|r| s.toks.get(r.start))
                                .map(|t| t.norm.trim_matches('\'').to_string())
                                .collect();
                            self.enums.insert(qualify(&name), values);
                        }
                    }
                }
                _ => {}
            }
        } else if s.starts_with(&["ALTER", "TABLE"]) {
            self.alter_table(s);
        } else if s.starts_with(&["ALTER", "TYPE"]) {
            if let Some((name, after)) = s.name_at(2) {
                if s.words_at(after, &["ADD", "VALUE"]) {
                    let mut k = after + 2;
                    if s.words_at(k, &["IF", "NOT", "EXISTS"]) {
                        k += 3;
                    }
                    if let Some(v) = s.toks.get(k) {
                        let values = self.enums.entry(qualify(&name)).or_default();
                        let v = v.norm.trim_matches('\'').to_string();
                        if !values.contains(&v) {
                            values.push(v);
                        }
                    }
                }
            }
        } else if s.starts_with(&["DROP", "TABLE"]) {
            let mut i = 2;
            if s.words_at(i, &["IF", "EXISTS"]) {
                i += 2;
            }
            if let Some((name, _)) = s.name_at(i) {
                self.tables.remove(&qualify(&name));
            }
        }
    }

    fn create_table(&mut self, s: &Stmt, mut i: usize) {
        if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
            i += 3;
        }
        let Some((name, after)) = s.name_at(i) else {
            return;
        };
        let name = qualify(&name);
        let mut table = Table::default();
        if s.toks
            .get(after)
            .is_some_and(|t| t.kind == TokenKind::LParen)
        {
            for item in s.paren_items(after) {
                let first = s.word(item.start);
                if matches!(
                    first,
                    "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE" | "LIKE"
                ) {
                    continue;
                }
                if let Some((col, next)) = s.name_at(item.start) {
                    table.columns.insert(col, column_type(s, next, item.end));
                }
            }
        }
        if !self.tables.contains_key(&name) {
            self.created_since_mark.insert(name.clone());
        }
        self.tables.entry(name).or_insert(table);
    }

    fn create_index(&mut self, s: &Stmt, mut i: usize) {
        if s.word(i) == "CONCURRENTLY" {
            i += 1;
        }
        if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
            i += 3;
        }
        let index = if s.word(i) == "ON" {
            None
        } else {
            s.name_at(i).map(|(n, _)| n)
        };
        let Some(on) = s.find_from(i, &["ON"]) else {
            return;
        };
        let mut t = on + 1;
        if s.word(t) == "ONLY" {
            t += 1;
        }
        let Some((table, after)) = s.name_at(t) else {
            return;
        };
        let open = (after..s.toks.len()).find(|&k| s.toks[k].kind == TokenKind::LParen);
        let columns = open
            .map(|o| {
                s.paren_items(o)
                    .iter()
                    .filter_map(|r| s.name_at(r.start).map(|(n, _)| n))
                    .collect()
            })
            .unwrap_or_default();
        let schema = qualify(&table)
            .split('.')
            .next()
            .unwrap_or("public")
            .to_string();
        let key = index.map_or_else(
            || format!("{}_idx", qualify(&table)),
            |n| {
                if n.contains('.') {
                    n
                } else {
                    format!("{schema}.{n}")
                }
            },
        );
        self.indexes.insert(key, (qualify(&table), columns));
    }

    fn alter_table(&mut self, s: &Stmt) {
        let mut i = 2;
        if s.words_at(i, &["IF", "EXISTS"]) {
            i += 2;
        }
        if s.word(i) == "ONLY" {
            i += 1;
        }
        let Some((name, mut k)) = s.name_at(i) else {
            return;
        };
        let table = qualify(&name);
        while k < s.toks.len() {
            if s.words_at(k, &["ADD", "COLUMN"])
                || (s.word(k) == "ADD"
                    && !matches!(
                        s.word(k + 1),
                        "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
                    ))
            {
                let mut c = k + 1 + usize::from(s.word(k + 1) == "COLUMN");
                if s.words_at(c, &["IF", "NOT", "EXISTS"]) {
                    c += 3;
                }
                if let Some((col, next)) = s.name_at(c) {
                    let end = item_end(s, next);
                    let ty = column_type(s, next, end);
                    self.tables
                        .entry(table.clone())
                        .or_default()
                        .columns
                        .insert(col, ty);
                }
            } else if s.words_at(k, &["ALTER", "COLUMN"])
                || (s.word(k) == "ALTER" && s.word(k + 1) != "CONSTRAINT")
            {
                let c = k + 1 + usize::from(s.word(k + 1) == "COLUMN");
                if let Some((col, next)) = s.name_at(c) {
                    let ty_at = if s.word(next) == "TYPE" {
                        Some(next + 1)
                    } else if s.words_at(next, &["SET", "DATA", "TYPE"]) {
                        Some(next + 3)
                    } else {
                        None
                    };
                    if let Some(t) = ty_at {
                        let end = (t..item_end(s, t))
                            .find(|&x| s.word(x) == "USING")
                            .unwrap_or(item_end(s, t));
                        let ty = column_type(s, t, end);
                        self.tables
                            .entry(table.clone())
                            .or_default()
                            .columns
                            .insert(col, ty);
                    }
                }
            } else if s.words_at(k, &["DROP", "COLUMN"]) {
                let mut c = k + 2;
                if s.words_at(c, &["IF", "EXISTS"]) {
                    c += 2;
                }
                if let Some((col, _)) = s.name_at(c) {
                    if let Some(t) = self.tables.get_mut(&table) {
                        t.columns.remove(&col);
                    }
                }
            } else if s.words_at(k, &["ADD", "CONSTRAINT"]) {
                if let Some((cname, _)) = s.name_at(k + 2) {
                    let end = item_end(s, k);
                    let not_valid = (k..end).any(|x| s.words_at(x, &["NOT", "VALID"]));
                    self.constraints.insert(cname, (table.clone(), !not_valid));
                }
            } else if s.words_at(k, &["VALIDATE", "CONSTRAINT"]) {
                if let Some((cname, _)) = s.name_at(k + 2) {
                    self.constraints.insert(cname, (table.clone(), true));
                }
            }
            k = item_end(s, k) + 1;
        }
    }
}

/// The index of the `,` ending the ALTER TABLE action at `from` (or the end).
pub fn item_end(s: &Stmt, from: usize) -> usize {
    let mut depth = 0;
    for i in from..s.toks.len() {
        match s.toks[i].kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Punct if depth == 0 && s.toks[i].norm == "," => return i,
            _ => {}
        }
    }
    s.toks.len()
}
