//! Rendering findings: for people (file:line:col, the line, a caret, the
//! help), JSON, GitHub workflow annotations and SARIF 2.1.0.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{rules, Finding, Severity};

/// `sources` gives each finding's file text, for quoting the line.
pub fn text(findings: &[Finding], source_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for f in findings {
        if f.severity == Severity::Note {
            let _ = writeln!(
                out,
                "note[{}]: {}:{}: {}",
                f.rule, f.file, f.start.line, f.message
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

pub fn json(findings: &[Finding]) -> Value {
    Value::Array(
        findings
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
            .collect(),
    )
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
            if f.severity == Severity::Note {
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
                "defaultConfiguration": { "level": r.severity().key() },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "level": match f.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "note" },
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
