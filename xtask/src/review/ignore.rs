//! Ignore comments: `-- review: ignore <rule-id> -- <reason>` silences the
//! rule on the statement below it, `-- review: ignore-file <rule-id> --
//! <reason>` in the whole file; an ignore naming no rule, giving no reason
//! or silencing nothing is itself a finding.

use std::ops::Range;

use super::stmt::Stmt;
use super::{rules, Context, Finding, Rule};
use crate::migration::Migration;
use crate::sql::lexer::{tokenize, LineIndex, TokenKind};

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
    // Most files have none: lexing the whole file again only when one may
    // be there.
    if !m.source.contains("review:") {
        return Vec::new();
    }
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

/// The findings the file's ignore comments leave, plus the findings about
/// the ignores themselves.
pub fn apply(cx: &Context<'_>, raw: Vec<Finding>) -> Vec<Finding> {
    let ignores = ignores(cx.m, cx.stmts, cx.lines);
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
    kept
}
