//! Statements taken apart: ALTER TABLE actions, column definitions and
//! table constraints (in CREATE TABLE and ALTER TABLE alike), type names.
//! No schema and no rule here: the schema fold and the rules both read
//! statements through these.

use std::ops::Range;

use crate::review::stmt::Stmt;
use crate::sql::lexer::TokenKind;

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

/// The type of a column whose type tokens are `from..to` (up to the first
/// constraint keyword), lower-cased with spaces collapsed, the form the
/// schema keeps, so that rules can compare a new type with the one the
/// schema knows.
pub fn type_text(s: &Stmt, from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut prev = "";
    for t in &s.toks[from.min(s.toks.len())..to.min(s.toks.len())] {
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Word if depth == 0 && COLUMN_STOP.contains(&t.norm.as_str()) => break,
            _ => {}
        }
        let tight = matches!(t.norm.as_str(), "(" | ")" | ",") || matches!(prev, "(" | ",");
        if !out.is_empty() && !tight {
            out.push(' ');
        }
        out.extend(t.norm.chars().map(|c| c.to_ascii_lowercase()));
        prev = &t.norm;
    }
    out
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

/// ALTER TABLE [IF EXISTS] [ONLY] name [*]: the table and the token index of
/// the first action.
pub fn alter_table(s: &Stmt) -> Option<(String, usize)> {
    if !s.starts_with(&["ALTER", "TABLE"]) {
        return None;
    }
    let mut i = 2;
    if s.words_at(i, &["IF", "EXISTS"]) {
        i += 2;
    }
    if s.word(i) == "ONLY" {
        i += 1;
    }
    let (name, mut k) = s.name_at(i)?;
    if s.toks.get(k).is_some_and(|t| t.norm == "*") {
        k += 1;
    }
    Some((name, k))
}

/// The actions of an ALTER TABLE starting at `from`: token index ranges,
/// split at top-level commas.
pub fn actions(s: &Stmt, from: usize) -> Vec<Range<usize>> {
    let len = stmt_len(s);
    let mut out = Vec::new();
    let mut k = from;
    while k < len {
        let end = item_end(s, k).min(len);
        out.push(k..end);
        k = end + 1;
    }
    out
}

/// The number of tokens without the closing `;`.
pub fn stmt_len(s: &Stmt) -> usize {
    let mut len = s.toks.len();
    while len > 0 && s.toks[len - 1].kind == TokenKind::Semicolon {
        len -= 1;
    }
    len
}

/// CREATE [UNLOGGED|TEMP] TABLE [IF NOT EXISTS] name (items): the table, the
/// token index of its name and the items (columns and table constraints).
pub fn create_table(s: &Stmt) -> Option<(String, usize, Vec<Range<usize>>)> {
    if s.word(0) != "CREATE" {
        return None;
    }
    let mut i = 1;
    while matches!(
        s.word(i),
        "UNLOGGED" | "TEMP" | "TEMPORARY" | "GLOBAL" | "LOCAL"
    ) {
        i += 1;
    }
    if s.word(i) != "TABLE" {
        return None;
    }
    i += 1;
    if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
        i += 3;
    }
    let (name, after) = s.name_at(i)?;
    let items = if s
        .toks
        .get(after)
        .is_some_and(|t| t.kind == TokenKind::LParen)
    {
        s.paren_items(after)
    } else {
        Vec::new()
    };
    Some((name, i, items))
}

/// One column definition: `name type [constraints]`.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    pub name: String,
    pub name_at: usize,
    /// Token range of the type.
    pub ty: Range<usize>,
    pub not_null: bool,
    /// Token range of the DEFAULT expression.
    pub default: Option<Range<usize>>,
    /// `GENERATED ... AS IDENTITY`.
    pub identity: Option<usize>,
    /// `GENERATED ALWAYS AS (expr)`, with whether it is STORED (without
    /// STORED it is VIRTUAL, PostgreSQL 18+).
    pub generated: Option<(usize, bool)>,
    pub primary_key: Option<usize>,
    pub unique: Option<usize>,
    pub references: Option<usize>,
    /// Token range of an inline CHECK expression (inside the parentheses).
    pub check: Option<Range<usize>>,
    /// `CONSTRAINT name` before an inline constraint: the constraint's kind
    /// (`PRIMARY KEY`, `UNIQUE`, `FOREIGN KEY`, `CHECK`, `NOT NULL`) and name.
    pub names: Vec<(&'static str, String)>,
}

impl ColumnDef {
    /// `DEFAULT NULL` counts as no default.
    pub fn has_default(&self, s: &Stmt) -> bool {
        self.default
            .as_ref()
            .is_some_and(|d| !(d.len() == 1 && s.word(d.start) == "NULL"))
    }

    pub fn type_text(&self, s: &Stmt) -> String {
        type_text(s, self.ty.start, self.ty.end)
    }

    /// The explicit name of the inline constraint of `kind`.
    pub fn name_of(&self, kind: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
    }

    /// The table the inline REFERENCES points at.
    pub fn referenced(&self, s: &Stmt) -> Option<String> {
        s.name_at(self.references? + 1).map(|(n, _)| n)
    }
}

fn skip(s: &Stmt, i: usize) -> usize {
    if s.toks.get(i).is_some_and(|t| t.kind == TokenKind::LParen) {
        s.matching_paren(i).map_or(s.toks.len(), |c| c + 1)
    } else {
        i + 1
    }
}

fn is_open(s: &Stmt, i: usize) -> bool {
    s.toks.get(i).is_some_and(|t| t.kind == TokenKind::LParen)
}

/// Parses the column definition whose name is at `name_at`, up to `end`.
pub fn column_def(s: &Stmt, name_at: usize, end: usize) -> Option<ColumnDef> {
    let t = s.toks.get(name_at)?;
    if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) {
        return None;
    }
    let name = if t.kind == TokenKind::Word {
        t.norm.to_ascii_lowercase()
    } else {
        t.norm.clone()
    };
    let mut i = name_at + 1;
    let ty_start = i;
    while i < end {
        if s.toks[i].kind == TokenKind::Word && COLUMN_STOP.contains(&s.toks[i].norm.as_str()) {
            break;
        }
        i = skip(s, i);
    }
    let mut def = ColumnDef {
        name,
        name_at,
        ty: ty_start..i.min(end),
        not_null: false,
        default: None,
        identity: None,
        generated: None,
        primary_key: None,
        unique: None,
        references: None,
        check: None,
        names: Vec::new(),
    };
    let mut pending: Option<String> = None;
    while i < end {
        if s.word(i) == "CONSTRAINT" {
            match s.name_at(i + 1) {
                Some((n, next)) => {
                    pending = Some(n);
                    i = next;
                }
                None => i += 1,
            }
            continue;
        }
        let (next, kind) = column_clause(s, i, end, &mut def);
        if let (Some(kind), Some(n)) = (kind, pending.take()) {
            def.names.push((kind, n));
        }
        i = next.max(i + 1);
    }
    Some(def)
}

/// One clause of a column definition at `i`: fills `def`, returns the index
/// after it and, for a constraint, its kind.
fn column_clause(
    s: &Stmt,
    i: usize,
    end: usize,
    def: &mut ColumnDef,
) -> (usize, Option<&'static str>) {
    match s.word(i) {
        "NOT" if s.word(i + 1) == "NULL" => {
            def.not_null = true;
            (i + 2, Some("NOT NULL"))
        }
        "DEFAULT" => {
            let start = i + 1;
            let mut j = start;
            while j < end {
                if j > start
                    && s.toks[j].kind == TokenKind::Word
                    && COLUMN_STOP.contains(&s.toks[j].norm.as_str())
                {
                    break;
                }
                j = skip(s, j);
            }
            def.default = Some(start..j.min(end));
            (j, None)
        }
        "GENERATED" => {
            let Some(as_at) = (i + 1..end.min(i + 4)).find(|&k| s.word(k) == "AS") else {
                return (i + 1, None);
            };
            if s.word(as_at + 1) == "IDENTITY" {
                def.identity = Some(i);
                // Sequence options in parentheses, if any.
                let next = if is_open(s, as_at + 2) {
                    skip(s, as_at + 2)
                } else {
                    as_at + 2
                };
                (next, None)
            } else if is_open(s, as_at + 1) {
                let close = s.matching_paren(as_at + 1).unwrap_or(end);
                def.generated = Some((i, s.word(close + 1) == "STORED"));
                (close + 1, None)
            } else {
                (as_at + 1, None)
            }
        }
        "PRIMARY" => {
            def.primary_key = Some(i);
            (i + 2, Some("PRIMARY KEY"))
        }
        "UNIQUE" => {
            def.unique = Some(i);
            (i + 1, Some("UNIQUE"))
        }
        "REFERENCES" => {
            def.references = Some(i);
            (i + 1, Some("FOREIGN KEY"))
        }
        "CHECK" if is_open(s, i + 1) => {
            let close = s.matching_paren(i + 1).unwrap_or(end);
            def.check = Some(i + 2..close);
            (close + 1, Some("CHECK"))
        }
        _ => (skip(s, i), None),
    }
}

/// A table constraint: `[CONSTRAINT name] CHECK (...) | UNIQUE (...) |
/// PRIMARY KEY (...) | FOREIGN KEY (...) REFERENCES ... | EXCLUDE ...`.
#[derive(Debug, Clone)]
pub struct TableConstraint {
    /// The name and its token index.
    pub name: Option<(String, usize)>,
    /// `CHECK`, `UNIQUE`, `PRIMARY KEY`, `FOREIGN KEY`, `EXCLUDE` or `NOT NULL`
    /// (PostgreSQL 18: `CONSTRAINT x NOT NULL col`).
    pub kind: &'static str,
    pub kind_at: usize,
    /// The column list (UNIQUE, PRIMARY KEY, FOREIGN KEY, NOT NULL).
    pub cols: Vec<String>,
    /// Token range of the CHECK expression (inside the parentheses).
    pub check: Option<Range<usize>>,
    pub not_valid: bool,
    /// `USING INDEX name`: the index.
    pub using_index: Option<String>,
    /// FOREIGN KEY ... REFERENCES table: the table.
    pub references: Option<String>,
    /// `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15+): the index of NULLS.
    pub nulls_not_distinct: Option<usize>,
}

/// Parses a table constraint starting at `at` (CONSTRAINT or the kind word).
pub fn table_constraint(s: &Stmt, at: usize, end: usize) -> Option<TableConstraint> {
    let mut i = at;
    let mut name = None;
    if s.word(i) == "CONSTRAINT" {
        let (n, next) = s.name_at(i + 1)?;
        name = Some((n, i + 1));
        i = next;
    }
    let (kind, words) = match s.word(i) {
        "CHECK" => ("CHECK", 1),
        "UNIQUE" => ("UNIQUE", 1),
        "PRIMARY" => ("PRIMARY KEY", 2),
        "FOREIGN" => ("FOREIGN KEY", 2),
        "EXCLUDE" => ("EXCLUDE", 1),
        "NOT" if s.word(i + 1) == "NULL" => ("NOT NULL", 2),
        _ => return None,
    };
    let kind_at = i;
    let mut p = i + words;
    let mut nulls_not_distinct = None;
    if s.word(p) == "NULLS" {
        if s.word(p + 1) == "NOT" {
            nulls_not_distinct = Some(p);
        }
        p += 1 + usize::from(s.word(p + 1) == "NOT") + 1;
    }
    let mut cols = Vec::new();
    let mut check = None;
    if kind == "NOT NULL" {
        cols.extend(s.name_at(p).map(|(n, _)| n));
    } else if is_open(s, p) {
        if kind == "CHECK" {
            check = s.matching_paren(p).map(|c| p + 1..c);
        } else if kind != "EXCLUDE" {
            cols = s
                .paren_items(p)
                .iter()
                .filter_map(|r| s.name_at(r.start).map(|(n, _)| n))
                .collect();
        }
    }
    // One pass for the clauses after the columns.
    let (mut using_index, mut references, mut not_valid) = (None, None, false);
    for k in p..end.min(s.toks.len()) {
        match s.word(k) {
            "USING" if s.word(k + 1) == "INDEX" && kind != "EXCLUDE" => {
                using_index = s.name_at(k + 2).map(|(n, _)| n);
            }
            "REFERENCES" if kind == "FOREIGN KEY" && references.is_none() => {
                references = s.name_at(k + 1).map(|(n, _)| n);
            }
            "NOT" if s.word(k + 1) == "VALID" => not_valid = true,
            _ => {}
        }
    }
    Some(TableConstraint {
        name,
        kind,
        kind_at,
        cols,
        check,
        not_valid,
        using_index,
        references,
        nulls_not_distinct,
    })
}

/// What an ALTER TABLE ... ADD action adds.
#[derive(Debug, Clone)]
pub enum Added {
    Column(ColumnDef),
    Constraint(TableConstraint),
}

/// `ADD [COLUMN] [IF NOT EXISTS] col ...` or `ADD [CONSTRAINT x] ...`.
pub fn add_action(s: &Stmt, r: &Range<usize>) -> Option<Added> {
    if s.word(r.start) != "ADD" {
        return None;
    }
    let k = r.start + 1;
    if is_constraint_start(s.word(k)) {
        return table_constraint(s, k, r.end).map(Added::Constraint);
    }
    let mut c = k + usize::from(s.word(k) == "COLUMN");
    if s.words_at(c, &["IF", "NOT", "EXISTS"]) {
        c += 3;
    }
    column_def(s, c, r.end).map(Added::Column)
}

/// `ALTER [COLUMN] col ...`: the column, its token index and the index after
/// it.
pub fn alter_column(s: &Stmt, r: &Range<usize>) -> Option<(String, usize, usize)> {
    if s.word(r.start) != "ALTER" {
        return None;
    }
    let k = r.start + 1;
    if s.word(k) == "CONSTRAINT" {
        return None;
    }
    let c = k + usize::from(s.word(k) == "COLUMN");
    let (name, next) = s.name_at(c)?;
    (next <= r.end).then_some((name, c, next))
}

/// `ALTER [COLUMN] col [SET DATA] TYPE t [COLLATE c] [USING expr]`: the
/// column, the type's token range and the USING expression's.
pub struct TypeChange {
    pub column: String,
    pub ty: Range<usize>,
    pub using: Option<Range<usize>>,
}

pub fn type_change(s: &Stmt, r: &Range<usize>) -> Option<TypeChange> {
    let (column, _, next) = alter_column(s, r)?;
    let ty_at = if s.word(next) == "TYPE" {
        next + 1
    } else if s.words_at(next, &["SET", "DATA", "TYPE"]) {
        next + 3
    } else {
        return None;
    };
    let mut i = ty_at;
    while i < r.end && !matches!(s.word(i), "USING" | "COLLATE") {
        i = skip(s, i);
    }
    let ty = ty_at..i.min(r.end);
    let using = (ty_at..r.end)
        .find(|&k| s.word(k) == "USING")
        .map(|u| u + 1..r.end);
    Some(TypeChange { column, ty, using })
}

/// A column type where a rule can see it: in CREATE TABLE, ADD COLUMN or
/// ALTER COLUMN ... TYPE.
pub struct TypeUse<'a> {
    pub stmt: &'a Stmt,
    pub table: String,
    pub column: String,
    /// Token range of the type (never empty).
    pub ty: Range<usize>,
    /// The type as written, the form the schema keeps ([`type_text`]).
    pub text: String,
    pub parsed: SqlType,
}

/// Every column type the statements write.
pub fn type_uses<'a>(body: impl Iterator<Item = &'a Stmt>) -> Vec<TypeUse<'a>> {
    let mut out = Vec::new();
    let mut push = |stmt: &'a Stmt, table: &str, column: String, ty: Range<usize>| {
        if ty.is_empty() {
            return;
        }
        let text = type_text(stmt, ty.start, ty.end);
        out.push(TypeUse {
            stmt,
            table: table.to_string(),
            column,
            ty,
            parsed: SqlType::parse(&text),
            text,
        });
    };
    for s in body {
        if let Some((table, _, items)) = create_table(s) {
            for item in items {
                if is_constraint_start(s.word(item.start)) || s.word(item.start) == "LIKE" {
                    continue;
                }
                if let Some(def) = column_def(s, item.start, item.end) {
                    push(s, &table, def.name, def.ty);
                }
            }
        } else if let Some((table, first)) = alter_table(s) {
            for r in actions(s, first) {
                if let Some(Added::Column(def)) = add_action(s, &r) {
                    push(s, &table, def.name, def.ty);
                } else if let Some(tc) = type_change(s, &r) {
                    push(s, &table, tc.column, tc.ty);
                }
            }
        }
    }
    out
}

/// Whether a CREATE TABLE item starting with `w` is a table constraint.
pub fn is_constraint_start(w: &str) -> bool {
    matches!(
        w,
        "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
    )
}

/// A type name, canonical: aliases folded (`int4` and `integer` are
/// `integer`, `character varying` is `varchar`, `timestamp with time zone`
/// is `timestamptz`), modifiers split off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlType {
    pub base: String,
    pub args: Vec<String>,
    pub array: bool,
}

impl SqlType {
    pub fn parse(text: &str) -> SqlType {
        let mut t = text
            .to_ascii_lowercase()
            .replace(" . ", ".")
            .replace(" [", "[")
            .replace("[ ", "[");
        let mut array = false;
        if let Some(i) = t.find('[') {
            array = true;
            t.truncate(i);
        }
        if let Some(rest) = t.strip_suffix(" array") {
            array = true;
            t = rest.to_string();
        }
        let t = t.strip_prefix("pg_catalog.").unwrap_or(&t).to_string();
        let (base, args) = match (t.find('('), t.find(')')) {
            (Some(o), Some(c)) if o < c => {
                let args = t[o + 1..c]
                    .split(',')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                (format!("{} {}", t[..o].trim(), t[c + 1..].trim()), args)
            }
            _ => (t.clone(), Vec::new()),
        };
        let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
        let base = match base.as_str() {
            "int" | "integer" | "int4" => "integer",
            "int8" | "bigint" => "bigint",
            "int2" | "smallint" => "smallint",
            "serial" | "serial4" => "serial",
            "bigserial" | "serial8" => "bigserial",
            "smallserial" | "serial2" => "smallserial",
            "character varying" | "varchar" => "varchar",
            "character" | "char" | "bpchar" => "char",
            "timestamp" | "timestamp without time zone" => "timestamp",
            "timestamptz" | "timestamp with time zone" => "timestamptz",
            "time" | "time without time zone" => "time",
            "timetz" | "time with time zone" => "timetz",
            "decimal" | "numeric" => "numeric",
            "float8" | "double precision" => "double precision",
            "float" if args.is_empty() => "double precision",
            "float4" | "real" => "real",
            "bool" | "boolean" => "boolean",
            "bit varying" | "varbit" => "varbit",
            other => other,
        }
        .to_string();
        SqlType { base, args, array }
    }

    /// The first modifier as a number (`varchar(20)` -> 20).
    pub fn arg(&self, i: usize) -> Option<u64> {
        self.args.get(i).and_then(|a| a.parse().ok())
    }

    pub fn display(&self) -> String {
        let mut out = self.base.clone();
        if !self.args.is_empty() {
            out.push_str(&format!("({})", self.args.join(",")));
        }
        if self.array {
            out.push_str("[]");
        }
        out
    }
}

/// Whether the token at `i` is the word or quoted name `name` (lower-case
/// for words).
pub fn is_name(s: &Stmt, i: usize, name: &str) -> bool {
    s.toks.get(i).is_some_and(|t| match t.kind {
        TokenKind::Word => t.norm.eq_ignore_ascii_case(name),
        TokenKind::QuotedIdent => t.norm == name,
        _ => false,
    })
}

/// The last part of a possibly qualified name.
pub fn bare(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Whether the tokens `r` (a CHECK expression) imply `col IS NOT NULL`: the
/// test appears at the top level and no OR weakens it.
pub fn implies_not_null(s: &Stmt, r: &Range<usize>, col: &str) -> bool {
    let has_or = r.clone().any(|k| s.word(k) == "OR");
    let has_test = r
        .clone()
        .any(|k| is_name(s, k, col) && s.words_at(k + 1, &["IS", "NOT", "NULL"]));
    has_test && !has_or
}
