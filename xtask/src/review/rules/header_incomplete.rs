use crate::migration::render::PLACEHOLDER_OPEN;
use crate::review::{Context, Finding, Rule, Severity};

/// The header: every field filled, the date the file's date.
pub struct HeaderIncomplete;

impl Rule for HeaderIncomplete {
    fn id(&self) -> &'static str {
        "header-incomplete"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "The header is missing, unfinished or dated wrongly"
    }
    fn help(&self) -> &'static str {
        "fill in Migration, Date (the file's date), Issue, PROBLEM, SOLUTION and AFFECTED TABLES (`none` when no table changes); `cargo xtask migration new` writes the header to start from"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(h) = &cx.m.header else {
            out.push(cx.finding(self, 0..0, "the file has no header block"));
            return;
        };
        let line_range = |line: usize| cx.line_range(line);
        let fields = [
            ("Migration", &h.title),
            ("Date", &h.date),
            ("Issue", &h.issue),
            ("PROBLEM", &h.problem),
            ("SOLUTION", &h.solution),
            ("AFFECTED TABLES", &h.affected_tables),
        ];
        for (name, field) in fields {
            if !field.is_present() {
                out.push(cx.finding(
                    self,
                    line_range(h.last_line),
                    format!("the header has no `{name}:` line"),
                ));
            } else if field.value.trim().is_empty() {
                out.push(cx.finding(self, line_range(field.line), format!("`{name}:` is empty")));
            } else if field.value.contains(PLACEHOLDER_OPEN)
                || (field.value.starts_with('[') && field.value.ends_with(']'))
            {
                out.push(cx.finding(
                    self,
                    line_range(field.line),
                    format!("`{name}:` still holds the template's placeholder"),
                ));
            }
        }
        if h.date.is_present() {
            let want = cx.m.name.date.format("%Y-%m-%d").to_string();
            if h.date.value.trim() != want && !h.date.value.trim().is_empty() {
                out.push(cx.finding(
                    self,
                    line_range(h.date.line),
                    format!(
                        "`Date: {}` differs from the file name's date {want}",
                        h.date.value.trim()
                    ),
                ));
            }
        }
        for (line, text) in &h.unknown_lines {
            if text.contains(PLACEHOLDER_OPEN) {
                out.push(cx.finding(
                    self,
                    line_range(*line),
                    "a line of the header still holds the template's placeholder",
                ));
            }
        }
    }
}
