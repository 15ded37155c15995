//! `migration drift` over several targets: each compared in turn, a
//! section each, then which targets drift. Targets at the same migration
//! on the same server version share one replay, so a fleet costs one
//! catalog read per target. A target that cannot be checked does not stop
//! the others, but leaves the question unanswered (exit 2).

use anyhow::{anyhow, Result};
use serde_json::json;

use super::{examine, print, DriftSide, Options, Replays};
use crate::args::Format;
use crate::fleet::Target;
use crate::outcome::Outcome;
use crate::project::Project;

/// How one target's check ended.
enum Checked {
    Clean,
    Drift,
    /// The error is printed in the target's section.
    Failed,
}

pub(super) fn drift_all(project: &Project, targets: &[Target], opts: &Options) -> Result<Outcome> {
    // Bad migration files are bad input for every target: said once.
    if opts.from.is_empty() || opts.from.contains(&DriftSide::Migrations) {
        crate::shadow::load_set(project)?;
    }
    let json = opts.format == Format::Json;
    let mut replays = Replays::default();
    let mut checked = Vec::new();
    let mut sections = Vec::new();
    for target in targets {
        if !json {
            println!("== {} ==", target.name);
        }
        let result = examine(project, Some(&target.database), opts, &mut replays);
        let (state, section) = match result {
            Ok(examined) => {
                let report = examined.report();
                if !json {
                    print::print_text(opts, &report);
                }
                let state = match report.outcome() {
                    Outcome::Clean => Checked::Clean,
                    Outcome::Findings => Checked::Drift,
                };
                (state, print::report_json(&report))
            }
            Err(e) => {
                let message = format!("{e:#}");
                if !json {
                    println!("error: {message}");
                }
                (Checked::Failed, json!({ "error": message }))
            }
        };
        if !json {
            println!();
        }
        sections.push(json!({ "target": target.name, "result": section }));
        checked.push((target.name.as_str(), state));
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "targets": sections,
                "drifted": names(&checked, |c| matches!(c, Checked::Drift)),
                "failed": names(&checked, |c| matches!(c, Checked::Failed)),
            }))?
        );
    } else {
        print_summary(&checked);
    }
    outcome(&checked)
}

fn names(checked: &[(&str, Checked)], pick: fn(&Checked) -> bool) -> Vec<String> {
    checked
        .iter()
        .filter(|(_, c)| pick(c))
        .map(|(n, _)| n.to_string())
        .collect()
}

/// Which targets drift, which do not, which could not be checked.
fn print_summary(checked: &[(&str, Checked)]) {
    let drifted = names(checked, |c| matches!(c, Checked::Drift));
    let clean = names(checked, |c| matches!(c, Checked::Clean));
    let failed = names(checked, |c| matches!(c, Checked::Failed));
    let total = checked.len();
    if drifted.is_empty() {
        println!("no drift on {} of {total} targets", clean.len());
    } else {
        println!(
            "drift on {} of {total} targets: {}",
            drifted.len(),
            drifted.join(", ")
        );
        if !clean.is_empty() {
            println!("no drift: {}", clean.join(", "));
        }
    }
    if !failed.is_empty() {
        println!(
            "not checked ({}): {} (the error is in each one's section)",
            failed.len(),
            failed.join(", ")
        );
    }
}

/// Exit 2 when any target could not be checked (the answer is
/// incomplete), else 1 when any drifts.
fn outcome(checked: &[(&str, Checked)]) -> Result<Outcome> {
    let failed = names(checked, |c| matches!(c, Checked::Failed));
    if !failed.is_empty() {
        return Err(anyhow!(
            "drift could not be checked on {} of {} targets: {}",
            failed.len(),
            checked.len(),
            failed.join(", ")
        ));
    }
    Ok(
        if checked.iter().any(|(_, c)| matches!(c, Checked::Drift)) {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}
