//! Rendering findings: for people (file:line:col, the line, a caret, the
//! help), JSON, GitHub workflow annotations and SARIF 2.1.0.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{rules, Finding, Severity};

/// `source_of` gives each finding's file text, for quoting the line.
pub fn text<'a>(findings: &[Finding], source_of: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::new();
    for f in findings {
        if f.severity == Severity::Info {
            let _ = writeln!(
                out,
                "{}[{}]: {}:{}: {}",
                f.severity.key(),
                f.rule,
                f.file,
                f.start.line,
                f.message
            );
            continue;
        }
        let _ = writeln!(out, "{}[{}]: {}", f.severity.key(), f.rule, f.message);
        let _ = writeln!(out, "  --> {}:{}:{}", f.file, f.start.line, f.start.col);
        if let Some(src) = source_of(&f.file) {
            let line = src.lines().nth(f.start.line as usize - 1).unwrap_or("");
            let gutter = f.start.line.to_string().len();
            let width = if f.end.line == f.start.line {
                (f.end.col.saturating_sub(f.start.col)).max(1) as usize
            } else {
                line.chars()
                    .count()
                    .saturating_sub(f.start.col as usize - 1)
                    .max(1)
            };
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{} | {line}", f.start.line);
            let _ = writeln!(
                out,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(f.start.col as usize - 1),
                "^".repeat(width.min(120))
            );
        }
        let _ = writeln!(out, "  = help: {}", f.help);
        let _ = writeln!(out, "  = see: docs/rules/{}.md", f.rule);
        out.push('\n');
    }
    out
}

/// The findings as a JSON array, pretty-printed the way serde_json prints
/// it, written directly: building a `serde_json::Value` of every finding
/// cost more than the review itself on a large history.
pub fn json(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for (i, f) in findings.iter().enumerate() {
        let pos = |out: &mut String, key: &str, at: &crate::sql::lexer::LineCol, last: bool| {
            let _ = write!(
                out,
                "    \"{key}\": {{\n      \"column\": {},\n      \"line\": {}\n    }}{}\n",
                at.col,
                at.line,
                if last { "" } else { "," }
            );
        };
        out.push_str("  {\n");
        pos(&mut out, "end", &f.end, false);
        for (key, value) in [
            ("file", f.file.as_str()),
            ("help", f.help),
            ("message", f.message.as_str()),
            ("rule", f.rule),
            ("severity", f.severity.key()),
        ] {
            out.push_str("    \"");
            out.push_str(key);
            out.push_str("\": ");
            json_string(&mut out, value);
            out.push_str(",\n");
        }
        pos(&mut out, "start", &f.start, true);
        out.push_str(if i + 1 == findings.len() {
            "  }\n"
        } else {
            "  },\n"
        });
    }
    out.push(']');
    out
}

/// `value` as a JSON string, escaped as serde_json escapes it.
fn json_string(out: &mut String, value: &str) {
    out.push('"');
    let mut from = 0;
    for (i, b) in value.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[from..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escaped);
        }
        from = i + 1;
    }
    out.push_str(&value[from..]);
    out.push('"');
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=...,line=...::message` lines for GitHub Actions.
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            if f.severity == Severity::Info {
                "notice"
            } else {
                f.severity.key()
            },
            escape_property(&f.file),
            f.start.line,
            f.start.col,
            f.end.line,
            f.end.col,
            escape_property(f.rule),
            escape_data(&format!("{} (help: {})", f.message, f.help))
        );
    }
    out
}

pub fn sarif(findings: &[Finding]) -> Value {
    let rules: Vec<Value> = rules::ALL
        .iter()
        .chain(super::dynamic::RULES)
        .map(|r| {
            json!({
                "id": r.id(),
                "shortDescription": { "text": r.summary() },
                "help": { "text": r.help() },
                "helpUri": format!("docs/rules/{}.md", r.id()),
                "defaultConfiguration": { "level": r.severity().sarif_level() },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "level": f.severity.sarif_level(),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file },
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.col,
                            "endLine": f.end.line,
                            "endColumn": f.end.col,
                        }
                    }
                }]
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "touchpoint", "informationUri": "docs/rules/", "rules": rules } },
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::LineCol;

    #[test]
    fn json_is_what_serde_json_prints() {
        let f = Finding {
            rule: "drop-if-exists",
            severity: Severity::Error,
            message: "a \"quoted\" \\ back\nslash\t\u{1} and é".into(),
            help: "help",
            file: "migrations/x.sql".into(),
            start: LineCol { line: 3, col: 1 },
            end: LineCol { line: 3, col: 12 },
            offset: 0,
        };
        let findings = vec![f.clone(), f];
        let want: Vec<Value> = findings
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule,
                    "severity": f.severity.key(),
                    "message": f.message,
                    "help": f.help,
                    "file": f.file,
                    "start": { "line": f.start.line, "column": f.start.col },
                    "end": { "line": f.end.line, "column": f.end.col },
                })
            })
            .collect();
        assert_eq!(
            json(&findings),
            serde_json::to_string_pretty(&want).unwrap()
        );
        assert_eq!(json(&[]), "[]");
    }
}
