//! The audit report (`--format markdown`): what people otherwise write by
//! hand after a drift check, for a ticket or a change review. The verdict
//! first, then the tracking tables, the drift by table, what was noise and
//! why, what was not compared, and what to do next.

use std::fmt::Write as _;

use super::print::{by_table, describe};
use super::Report;
use crate::drift::{Severity, Side, Verdict};

pub(super) fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let database = report.sides[0].label.as_str();
    let _ = writeln!(out, "# Drift audit: {}\n", escape(database));
    let _ = writeln!(
        out,
        "{}, touchpoint {}: {}.\n",
        crate::args::today(),
        env!("CARGO_PKG_VERSION"),
        report
            .sides
            .iter()
            .map(|s| escape(&s.label))
            .collect::<Vec<_>>()
            .join(" against ")
    );
    let _ = writeln!(out, "{}\n", verdict(report));
    section(&mut out, "Tracking tables", report.bookkeeping);
    drift_by_table(&mut out, report);
    noise(&mut out, report);
    section(
        &mut out,
        "Not compared (kinds touchpoint does not model)",
        &report.unmodelled,
    );
    section(&mut out, "Notes", report.notes);
    section(&mut out, "What to do next", &next_steps(report));
    out
}

fn verdict(report: &Report) -> String {
    let real = &report.real;
    if real.is_empty() {
        return format!(
            "**Verdict: no drift.** {} noise finding(s) were kept apart (below).",
            report.noise.len()
        );
    }
    let count = |s: Severity| real.iter().filter(|v| v.difference.severity == s).count();
    format!(
        "**Verdict: drift.** {} difference(s): {} error, {} warning, {} info.",
        real.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    )
}

/// A heading and a bullet a line; nothing when there are no lines.
fn section(out: &mut String, title: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    for l in lines {
        let _ = writeln!(out, "- {}", escape(l));
    }
    out.push('\n');
}

fn drift_by_table(out: &mut String, report: &Report) {
    if report.real.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Drift by table\n");
    for (title, items) in by_table(&report.real) {
        let _ = writeln!(out, "### {}\n", escape(title.trim_start()));
        table(out, &items, report);
    }
}

fn table(out: &mut String, items: &[&Verdict], report: &Report) {
    let _ = writeln!(out, "| Severity | Object | Difference |\n|---|---|---|");
    for v in items {
        let d = &v.difference;
        let _ = writeln!(
            out,
            "| {} | `{}` | {} |",
            d.severity.key(),
            d.id,
            describe(v, report.sides)
                .iter()
                .map(|l| escape(l))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    out.push('\n');
}

fn noise(out: &mut String, report: &Report) {
    if report.noise.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Noise (not drift)\n\n{} finding(s) that are not drift: rename leftovers and expressions the server printed differently.\n",
        report.noise.len()
    );
    let _ = writeln!(
        out,
        "| Object | Difference | Why it is noise |\n|---|---|---|"
    );
    for v in &report.noise {
        let d = &v.difference;
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            d.id,
            escape(&d.what()),
            escape(d.noise.as_deref().unwrap_or_default())
        );
    }
    out.push('\n');
}

/// The commands that settle what was found, by the side that disagrees.
fn next_steps(report: &Report) -> Vec<String> {
    if let Some((path, s)) = report.script {
        return vec![format!(
            "Read `{path}` (it fixes {} difference(s) and lists {} it leaves), RISK comments first; turn it into a migration (`cargo xtask migration new`) rather than running it by hand, then run drift again.",
            s.fixed,
            s.left.len()
        )];
    }
    if report.real.is_empty() {
        return vec!["Nothing to fix. Run the check again after the next deployment.".into()];
    }
    let by = |side: Side| report.real.iter().any(|v| v.odd_one == Some(side));
    let mut steps = Vec::new();
    if by(Side::Database) {
        steps.push("The database drifted: `cargo xtask migration drift --script catch_up.sql` writes an idempotent script that brings it back (add `--allow-drop` to drop what only it has); review it as a migration.".into());
    }
    if by(Side::Schema) {
        steps.push("current_schema/ is stale or was edited by hand: `cargo xtask migration sync --from migrations`.".into());
    }
    if by(Side::Migrations) {
        steps.push("The database and current_schema/ agree on something no migration does: write the migration (`cargo xtask migration new`).".into());
    }
    if report.real.iter().any(|v| v.odd_one.is_none()) {
        steps.push("All three sides differ on some objects: decide which is right for each, then use the steps above.".into());
    }
    steps
}

/// Text safe inside a Markdown table cell or list item.
fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
