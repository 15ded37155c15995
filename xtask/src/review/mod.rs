//! `migration review`, static part: rules that read a migration (and the
//! schema the earlier migrations leave) without a database, each with a
//! stable id, a severity, a message, a help text with the safe alternative
//! and a span. The pre-commit hook runs the same engine.
//!
//! A finding is silenced by `-- review: ignore <rule-id> -- <reason>` on the
//! line above its statement, or `-- review: ignore-file <rule-id> -- <reason>`
//! anywhere; the reason is required, and an ignore that names no rule or
//! silences nothing is itself a finding.

pub mod dynamic;
pub mod report;
pub mod rules;
pub mod schema;
pub mod stmt;

use std::ops::Range;

use crate::migration::Migration;
use crate::sql::lexer::{tokenize, LineCol, LineIndex, TokenKind};
use schema::Schema;
use stmt::Stmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A measurement or remark; never fails a review.
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: &'static str,
    /// Path relative to the project root.
    pub file: String,
    pub start: LineCol,
    pub end: LineCol,
    /// Byte offset of the start in the migration's source.
    pub offset: usize,
}

/// A rule: one file under `rules/`, one page under `docs/rules/`.
pub trait Rule: Sync {
    fn id(&self) -> &'static str;
    fn severity(&self) -> Severity;
    /// What is wrong, in one line (the page title).
    fn summary(&self) -> &'static str;
    /// The safe alternative.
    fn help(&self) -> &'static str;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// What a rule sees of one migration.
pub struct Context<'a> {
    pub m: &'a Migration,
    pub file: &'a str,
    pub stmts: &'a [Stmt],
    pub lines: &'a LineIndex<'a>,
    /// The schema the earlier migrations leave.
    pub before: &'a Schema,
    /// Every migration of the set, for rules about the set (NN clashes).
    pub set: &'a [Migration],
    /// Tables created by this migration's body, with the offset of the
    /// statement creating each.
    pub created: Vec<(String, usize)>,
}

impl Context<'_> {
    pub fn finding(
        &self,
        rule: &dyn Rule,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        let start = self.lines.line_col(range.start);
        let mut end = self.lines.line_col(range.end.max(range.start));
        if end.line == start.line && end.col <= start.col {
            end.col = start.col + 1;
        }
        Finding {
            rule: rule.id(),
            severity: rule.severity(),
            message: message.into(),
            help: rule.help(),
            file: self.file.to_string(),
            start,
            end,
            offset: range.start,
        }
    }

    /// The byte range of 1-based line `line` (without its line break).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start: usize = (1..line)
            .map(|l| self.lines.line_text(l as u32).len() + 1)
            .sum();
        start..start + self.lines.line_text(line as u32).len()
    }

    /// Whether `table` was created earlier in this same migration, before
    /// the byte offset `at` (then locks and rewrites on it are harmless).
    pub fn created_here(&self, table: &str, at: usize) -> bool {
        let q = schema::qualify(table);
        self.created.iter().any(|(t, off)| *t == q && *off < at)
    }

    /// Whether the table existed before this migration.
    pub fn existing_table(&self, table: &str, at: usize) -> bool {
        !self.created_here(table, at)
    }

    pub fn body_stmts(&self) -> impl Iterator<Item = &Stmt> {
        self.stmts
            .iter()
            .filter(|s| s.section == stmt::Section::Body)
    }
}

#[derive(Debug)]
struct Ignore {
    rule: String,
    file_wide: bool,
    line: usize,
    /// The byte range it silences (the next statement), for line ignores.
    target: Option<Range<usize>>,
    has_reason: bool,
    range: Range<usize>,
    used: std::cell::Cell<bool>,
}

fn ignores(m: &Migration, stmts: &[Stmt], lines: &LineIndex<'_>) -> Vec<Ignore> {
    let (tokens, _) = tokenize(&m.source);
    let mut out = Vec::new();
    for t in tokens.iter().filter(|t| t.kind == TokenKind::LineComment) {
        let text = t.text(&m.source);
        let Some(rest) = text
            .strip_prefix("--")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix("review:"))
        else {
            continue;
        };
        let rest = rest.trim();
        let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (false, r)
        } else {
            (false, rest)
        };
        let (rule, reason) = rest.split_once("--").unwrap_or((rest, ""));
        let line = lines.line_col(t.span.start).line as usize;
        let target = stmts
            .iter()
            .filter(|s| s.in_do.is_none() && s.start > t.span.end)
            .min_by_key(|s| s.start)
            .map(|s| s.start..s.end);
        out.push(Ignore {
            rule: rule.trim().to_string(),
            file_wide,
            line,
            target,
            has_reason: !reason.trim().is_empty(),
            range: t.span.start..t.span.end,
            used: std::cell::Cell::new(false),
        });
    }
    out
}

/// Reviews one migration against the schema the earlier ones leave.
pub fn review_one(m: &Migration, file: &str, before: &Schema, set: &[Migration]) -> Vec<Finding> {
    review_statements(m, &stmt::statements(m), file, before, set)
}

/// Tables the body creates that did not exist before, with the offset of
/// the statement creating each.
fn created_tables(stmts: &[Stmt], before: &Schema) -> Vec<(String, usize)> {
    let mut created: Vec<(String, usize)> = Vec::new();
    for s in stmts
        .iter()
        .filter(|s| s.section == stmt::Section::Body && s.starts_with(&["CREATE"]))
    {
        let mut i = 1;
        while matches!(s.word(i), "UNLOGGED" | "TEMP" | "TEMPORARY") {
            i += 1;
        }
        if s.word(i) != "TABLE" {
            continue;
        }
        i += 1;
        if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
            i += 3;
        }
        if let Some((name, _)) = s.name_at(i) {
            let q = schema::qualify(&name);
            if !before.has_table(&q) && !created.iter().any(|(t, _)| *t == q) {
                created.push((q, s.start));
            }
        }
    }
    created
}

fn review_statements(
    m: &Migration,
    stmts: &[Stmt],
    file: &str,
    before: &Schema,
    set: &[Migration],
) -> Vec<Finding> {
    let lines = LineIndex::new(&m.source);
    let created = created_tables(stmts, before);
    let cx = Context {
        m,
        file,
        stmts,
        lines: &lines,
        before,
        set,
        created,
    };
    let mut raw = Vec::new();
    for rule in rules::ALL {
        rule.check(&cx, &mut raw);
    }
    let ignores = ignores(m, stmts, &lines);
    let mut kept: Vec<Finding> = raw
        .into_iter()
        .filter(|f| {
            let offset = f.offset;
            let silenced = ignores.iter().find(|ig| {
                ig.rule == f.rule
                    && ig.has_reason
                    && (ig.file_wide || ig.target.as_ref().is_some_and(|r| r.contains(&offset)))
            });
            if let Some(ig) = silenced {
                ig.used.set(true);
                false
            } else {
                true
            }
        })
        .collect();
    for ig in &ignores {
        let known = rules::ALL.iter().any(|r| r.id() == ig.rule);
        let (rule, message): (&dyn Rule, String) = if !known {
            (
                &rules::ignore::UnknownIgnore,
                format!(
                    "`{}` is not a rule id; see docs/rules/ for the ids",
                    ig.rule
                ),
            )
        } else if !ig.has_reason {
            (
                &rules::ignore::IgnoreWithoutReason,
                format!("the ignore of `{}` gives no reason after `--`", ig.rule),
            )
        } else if !ig.used.get() {
            (
                &rules::ignore::UnusedIgnore,
                format!(
                    "the ignore of `{}` on line {} silences nothing{}",
                    ig.rule,
                    ig.line,
                    if ig.file_wide {
                        " in this file"
                    } else {
                        " in the statement below it"
                    }
                ),
            )
        } else {
            continue;
        };
        kept.push(cx.finding(rule, ig.range.clone(), message));
    }
    kept.sort_by(|a, b| {
        (a.start.line, a.start.col, a.rule).cmp(&(b.start.line, b.start.col, b.rule))
    });
    kept
}

/// Reviews the migrations at `indexes` of the (NN-ordered) set, folding the
/// schema through the set once.
pub fn review_set(
    set: &[Migration],
    indexes: &[usize],
    display: impl Fn(&Migration) -> String,
) -> Vec<(usize, Vec<Finding>)> {
    let wanted: std::collections::BTreeSet<usize> = indexes.iter().copied().collect();
    let mut schema = Schema::default();
    let mut out = Vec::new();
    let last = wanted.iter().next_back().copied().unwrap_or(0);
    for (i, m) in set.iter().enumerate().take(last + 1) {
        let stmts = stmt::statements(m);
        if wanted.contains(&i) {
            out.push((i, review_statements(m, &stmts, &display(m), &schema, set)));
        }
        for s in &stmts {
            schema.apply(s);
        }
    }
    out
}
