//! The hook's findings for people (each with its fix), as JSON, and as
//! GitHub workflow annotations.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::model::{HookFinding, Report};
use crate::review::Severity;

fn location(f: &HookFinding) -> String {
    match f.line {
        Some(line) => format!("{}:{line}", f.file),
        None => f.file.clone(),
    }
}

pub fn text(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{}[{}]: {}: {}",
            f.severity.key(),
            f.rule,
            location(f),
            f.message
        );
        let _ = writeln!(out, "  fix: {}", f.fix);
    }
    let (errors, warnings) = (r.count(Severity::Error), r.count(Severity::Warning));
    if r.migrations_checked + r.schema_checked == 0 && r.findings.is_empty() {
        if r.all {
            out.push_str("hook: no migrations or current_schema/ files in the index\n");
        }
        return out;
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        out,
        "hook: {} and {} checked{}: {}, {}{}",
        plural(r.migrations_checked, "migration", "migrations"),
        plural(
            r.schema_checked,
            "current_schema/ file",
            "current_schema/ files"
        ),
        if r.all { " (the whole tree)" } else { "" },
        plural(errors, "block", "blocks"),
        plural(warnings, "warning", "warnings"),
        match (errors > 0, r.all) {
            (true, false) => "; the commit is blocked (docs/hook.md explains each rule)",
            (true, true) => "; fix them on a branch (docs/hook.md explains each rule)",
            _ => "",
        }
    );
    out
}

pub fn json(r: &Report) -> Value {
    json!({
        "blocked": r.blocked(),
        "all": r.all,
        "migrations_checked": r.migrations_checked,
        "schema_files_checked": r.schema_checked,
        "findings": r.findings.iter().map(|f| json!({
            "rule": f.rule,
            "severity": f.severity.key(),
            "file": f.file,
            "line": f.line,
            "message": f.message,
            "fix": f.fix,
        })).collect::<Vec<_>>(),
    })
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=...,line=...,title=...::message (fix: ...)` lines.
pub fn github(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let _ = writeln!(
            out,
            "::{} file={},line={},title={}::{}",
            if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            },
            escape_property(&f.file),
            f.line.unwrap_or(1),
            escape_property(f.rule),
            escape_data(&format!("{} (fix: {})", f.message, f.fix))
        );
    }
    out
}
