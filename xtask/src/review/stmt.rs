//! Statements as review rules see them: the significant tokens of each
//! statement, with upper-cased keywords and absolute byte offsets into the
//! migration's source, including the statements inside `DO $$ ... $$`
//! blocks, which are lexed again and marked with the guard around them.

use std::ops::Range;

use crate::migration::Migration;
use crate::sql::lexer::{tokenize, Token, TokenKind};
use crate::sql::split::split;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Body,
    Verify,
    Rollback,
}

#[derive(Debug, Clone)]
pub struct StmtToken {
    pub kind: TokenKind,
    /// Byte range in [`Migration::source`].
    pub start: usize,
    pub end: usize,
    /// Words upper-cased; quoted identifiers without quotes (case kept);
    /// anything else as written.
    pub norm: String,
}

impl StmtToken {
    pub fn is_word(&self, w: &str) -> bool {
        self.kind == TokenKind::Word && self.norm == w
    }
}

/// How a statement inside a DO block is protected against a second run.
#[derive(Debug, Clone, Default)]
pub struct DoGuard {
    /// The block tests for existence (`IF NOT EXISTS (SELECT ...)`,
    /// `IF EXISTS`, `IF NOT FOUND`).
    pub checks_existence: bool,
    /// Names in `EXCEPTION WHEN ...` clauses, upper-cased (SQLSTATEs as
    /// written, e.g. `42710`).
    pub handlers: Vec<String>,
    /// The DO statement's range.
    pub range: Range<usize>,
}

impl DoGuard {
    /// Whether the block handles "already exists" for objects (42710) or
    /// tables (42P07) specifically.
    pub fn handles_duplicate(&self) -> bool {
        self.handlers.iter().any(|h| {
            matches!(
                h.as_str(),
                "DUPLICATE_OBJECT"
                    | "DUPLICATE_TABLE"
                    | "42710"
                    | "42P07"
                    | "DUPLICATE_COLUMN"
                    | "42701"
            )
        })
    }

    pub fn guarded(&self) -> bool {
        self.checks_existence || self.handles_duplicate()
    }
}

#[derive(Debug, Clone)]
pub struct Stmt {
    pub section: Section,
    /// Significant tokens (no whitespace or comments).
    pub toks: Vec<StmtToken>,
    pub start: usize,
    pub end: usize,
    /// Set when the statement sits inside a DO block.
    pub in_do: Option<DoGuard>,
}

impl Stmt {
    pub fn word(&self, i: usize) -> &str {
        self.toks
            .get(i)
            .filter(|t| t.kind == TokenKind::Word)
            .map_or("", |t| t.norm.as_str())
    }

    /// Whether the words at `i..` are `seq`.
    pub fn words_at(&self, i: usize, seq: &[&str]) -> bool {
        seq.iter()
            .enumerate()
            .all(|(k, w)| self.toks.get(i + k).is_some_and(|t| t.is_word(w)))
    }

    pub fn starts_with(&self, seq: &[&str]) -> bool {
        self.words_at(0, seq)
    }

    /// The first index where the words `seq` stand.
    pub fn find(&self, seq: &[&str]) -> Option<usize> {
        (0..self.toks.len()).find(|&i| self.words_at(i, seq))
    }

    pub fn find_from(&self, from: usize, seq: &[&str]) -> Option<usize> {
        (from..self.toks.len()).find(|&i| self.words_at(i, seq))
    }

    pub fn has(&self, seq: &[&str]) -> bool {
        self.find(seq).is_some()
    }

    /// A possibly qualified name at `i` (`a`, `a.b`, `"A".b`): the name
    /// lower-cased unless quoted, and the index after it.
    pub fn name_at(&self, i: usize) -> Option<(String, usize)> {
        let part = |t: &StmtToken| match t.kind {
            TokenKind::Word => Some(t.norm.to_ascii_lowercase()),
            TokenKind::QuotedIdent => Some(t.norm.clone()),
            _ => None,
        };
        let first = part(self.toks.get(i)?)?;
        if self.toks.get(i + 1).is_some_and(|t| t.norm == ".") {
            if let Some(second) = self.toks.get(i + 2).and_then(part) {
                return Some((format!("{first}.{second}"), i + 3));
            }
        }
        Some((first, i + 1))
    }

    /// Byte range of tokens `from..=to`.
    pub fn range(&self, from: usize, to: usize) -> Range<usize> {
        let a = self.toks.get(from).map_or(self.start, |t| t.start);
        let b = self
            .toks
            .get(to.min(self.toks.len().saturating_sub(1)))
            .map_or(self.end, |t| t.end);
        a..b.max(a)
    }

    /// The index of the `)` matching the `(` at `open`.
    pub fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0i32;
        for (i, t) in self.toks.iter().enumerate().skip(open) {
            match t.kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Splits the tokens between `open` and its matching `)` at top-level
    /// commas: index ranges of the items.
    pub fn paren_items(&self, open: usize) -> Vec<Range<usize>> {
        let Some(close) = self.matching_paren(open) else {
            return Vec::new();
        };
        let mut items = Vec::new();
        let mut depth = 0;
        let mut start = open + 1;
        for i in open + 1..close {
            match self.toks[i].kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => depth -= 1,
                TokenKind::Punct if depth == 0 && self.toks[i].norm == "," => {
                    items.push(start..i);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < close {
            items.push(start..close);
        }
        items
    }

    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

fn stmt_token(t: &Token, src: &str, base: usize) -> StmtToken {
    let text = t.text(src);
    let norm = match t.kind {
        TokenKind::Word => text.to_ascii_uppercase(),
        TokenKind::QuotedIdent => text
            .trim_start_matches("U&")
            .trim_matches('"')
            .replace("\"\"", "\""),
        _ => text.to_string(),
    };
    StmtToken {
        kind: t.kind,
        start: base + t.span.start,
        end: base + t.span.end,
        norm,
    }
}

fn toks_of(src: &str, base: usize) -> Vec<StmtToken> {
    let (tokens, _) = tokenize(src);
    tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| stmt_token(t, src, base))
        .collect()
}

/// Every statement of the migration's sections, DO-block contents included
/// (after the DO statement itself). Each section is lexed once; only the
/// bodies of DO blocks are lexed again, on their own.
pub fn statements(m: &Migration) -> Vec<Stmt> {
    let mut out = Vec::new();
    let sections = [
        (Section::Body, Some(m.body.clone())),
        (Section::Verify, m.verify.clone()),
        (Section::Rollback, m.rollback.clone()),
    ];
    for (section, range) in sections {
        let Some(range) = range else { continue };
        let sql = &m.source[range.clone()];
        let parts = split(sql);
        for s in &parts.statements {
            let toks = parts.tokens[s.tokens.clone()]
                .iter()
                .filter(|t| !t.kind.is_trivia())
                .map(|t| stmt_token(t, sql, range.start))
                .collect();
            let stmt = Stmt {
                section,
                start: range.start + s.span.start,
                end: range.start + s.span.end,
                toks,
                in_do: None,
            };
            let inner = if stmt.starts_with(&["DO"]) {
                do_block(&stmt, &m.source)
            } else {
                Vec::new()
            };
            out.push(stmt);
            out.extend(inner.into_iter().map(|mut i| {
                i.section = section;
                i
            }));
        }
    }
    out
}

/// Words that end a PL/pgSQL control clause, after which a new SQL statement
/// may start inside a block.
const STARTERS: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"];
const SQL_VERBS: &[&str] = &[
    "CREATE", "ALTER", "DROP", "COMMENT", "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE",
    "GRANT", "REVOKE", "EXECUTE", "REINDEX", "REFRESH", "LOCK", "CLUSTER", "SET", "RESET",
    "PERFORM", "SELECT", "CALL",
];

fn do_block(stmt: &Stmt, source: &str) -> Vec<Stmt> {
    let Some(body) = stmt.toks.iter().find(|t| t.kind == TokenKind::DollarString) else {
        return Vec::new();
    };
    let text = &source[body.start..body.end];
    let tag_len = text[1..].find('$').map_or(1, |i| i + 2);
    let inner_start = body.start + tag_len;
    let inner_end = body.end.saturating_sub(tag_len).max(inner_start);
    let inner = &source[inner_start..inner_end];
    let toks = toks_of(inner, inner_start);
    let mut guard = DoGuard {
        range: stmt.start..stmt.end,
        ..DoGuard::default()
    };
    // Control IFs open and close around statements; a statement is guarded
    // when an enclosing IF (or ELSIF) tests EXISTS or FOUND. `DROP TABLE IF
    // EXISTS` is not a control IF: a control IF starts a statement.
    let mut open_ifs: Vec<bool> = Vec::new();
    let mut guarded_at = vec![false; toks.len()];
    for (i, t) in toks.iter().enumerate() {
        let starts_statement = i == 0
            || toks[i - 1].kind == TokenKind::Semicolon
            || STARTERS.contains(&toks[i - 1].norm.as_str());
        let condition_tests_existence = || {
            toks[i + 1..]
                .iter()
                .take_while(|c| !c.is_word("THEN"))
                .any(|c| c.is_word("EXISTS") || c.is_word("FOUND"))
        };
        if t.is_word("IF") && starts_statement {
            open_ifs.push(condition_tests_existence());
        } else if t.is_word("ELSIF") {
            if let Some(top) = open_ifs.last_mut() {
                *top = *top || condition_tests_existence();
            }
        } else if t.is_word("IF") && i > 0 && toks[i - 1].is_word("END") {
            open_ifs.pop();
        }
        guarded_at[i] = open_ifs.iter().any(|g| *g);
    }
    for (i, t) in toks.iter().enumerate() {
        if t.is_word("WHEN") {
            let mut k = 1;
            while let Some(n) = toks.get(i + k) {
                match n.kind {
                    TokenKind::Word if n.norm == "THEN" => break,
                    TokenKind::Word if n.norm == "OR" || n.norm == "SQLSTATE" => {}
                    TokenKind::Word => guard.handlers.push(n.norm.clone()),
                    TokenKind::String => guard
                        .handlers
                        .push(n.norm.trim_matches('\'').to_ascii_uppercase()),
                    _ => {}
                }
                k += 1;
            }
        }
    }
    // Inner statements: from a SQL verb that follows a starter word or `;`
    // up to the next `;`.
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let prev_ok = i == 0
            || toks[i - 1].kind == TokenKind::Semicolon
            || STARTERS.contains(&toks[i - 1].norm.as_str());
        if prev_ok && toks[i].kind == TokenKind::Word && SQL_VERBS.contains(&toks[i].norm.as_str())
        {
            let end = (i..toks.len())
                .find(|&k| toks[k].kind == TokenKind::Semicolon)
                .unwrap_or(toks.len());
            let slice: Vec<StmtToken> = toks[i..end].to_vec();
            let mut own = guard.clone();
            own.checks_existence = guarded_at[i];
            out.push(Stmt {
                section: Section::Body,
                start: slice.first().map_or(inner_start, |t| t.start),
                end: slice.last().map_or(inner_start, |t| t.end),
                toks: slice,
                in_do: Some(own),
            });
            i = end;
        }
        i += 1;
    }
    out
}
