//! The pre-commit hook's judgement: given what the index holds (and what
//! HEAD held), which staged migration or `current_schema/` file skipped a
//! step of the workflow, and the command that fixes it.
//!
//! This module reads nothing itself: `git.rs` lists the index and hands out
//! blobs through [`Blobs`], so the checks run the same on a real repository
//! and on the in-memory fixtures of the unit tests. `report.rs` renders the
//! result. The rules and their fixes are documented in `docs/hook.md`.

pub mod git;
mod history;
pub mod install;
pub mod model;
pub mod report;

pub use model::*;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::migration::header::Stamp;
use crate::migration::name::slugify;
use crate::migration::name::NumberIndex;
use crate::migration::{Migration, MigrationName, StampState, Touchpoint};
use crate::review::{self, Severity};
use crate::schema::banner::{self, BannerState};

/// Judges `listing` (see the module docs). `today` dates the file names the
/// fixes suggest.
pub fn check(listing: &Listing, blobs: &dyn Blobs, today: NaiveDate) -> Report {
    let mut out = Vec::new();
    let names: Vec<Result<MigrationName, crate::migration::NameError>> = listing
        .migrations
        .iter()
        .map(|l| MigrationName::parse(&l.file_name))
        .collect();
    let numbers = NumberIndex::new(
        names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((n.as_ref().ok()?.number, i))),
    );
    let mut next_free = numbers.next_free();

    let mut judged = Vec::new();
    let mut migrations_checked = 0;
    for (i, listed) in listing.migrations.iter().enumerate() {
        if !listed.staged {
            continue;
        }
        migrations_checked += 1;
        let name = match &names[i] {
            Ok(n) => n,
            Err(e) => {
                let target = suggested_name(&listed.file_name, None, next_free, today);
                next_free += 1;
                out.push(error(
                    NAME_GRAMMAR,
                    &listed.path,
                    None,
                    e.to_string(),
                    format!("git mv {} {}{target}", listed.path, parent(&listed.path)),
                ));
                continue;
            }
        };
        let clash: Vec<&str> = numbers
            .others(name.number, &i)
            .map(|&j| listing.migrations[j].path.as_str())
            .collect();
        if !clash.is_empty() {
            let target = suggested_name(&listed.file_name, Some(name), next_free, today);
            next_free += 1;
            out.push(error(
                DUPLICATE_NUMBER,
                &listed.path,
                None,
                format!(
                    "NN {} is also used by {} (numbers are global: check the whole tree, merges included)",
                    name.number_text,
                    clash.join(", ")
                ),
                format!(
                    "cargo xtask migration renumber {}  (renames it to {}{target}: renumber the file that has not been applied anywhere; the checksum and stamps stay valid)",
                    listed.path,
                    parent(&listed.path)
                ),
            ));
        }
        let text = match blobs.index(&listed.path) {
            Ok(t) => t,
            Err(why) => {
                out.push(error(
                    REVIEW_ERROR,
                    &listed.path,
                    None,
                    format!("cannot be read: {why}"),
                    format!("save it as UTF-8 text, then `git add {}`", listed.path),
                ));
                continue;
            }
        };
        let m = match Migration::parse(name.clone(), &text) {
            Ok(m) => m,
            Err(e) => {
                out.push(error(
                    REVIEW_ERROR,
                    &listed.path,
                    Some(e.line),
                    e.message,
                    fix_and_review(&listed.path),
                ));
                continue;
            }
        };
        let head = if listed.in_head {
            blobs
                .head(&listed.path)
                .and_then(Result::ok)
                .and_then(|t| Migration::parse(name.clone(), &t).ok())
        } else {
            None
        };
        let (review, synced) = stamps(&listed.path, &m, head.as_ref(), &mut out);
        judged.push(Judged {
            path: listed.path.clone(),
            m,
            review,
            synced,
        });
    }

    static_review(listing, &names, blobs, &judged, &mut out);

    history::deletions(listing, blobs, &judged, &mut out);

    let schema_checked = schema(listing, blobs, &judged, &mut out);
    history::schema_deletions(listing, blobs, &judged, &mut out);

    out.sort_by(|a, b| {
        (&a.file, a.line.unwrap_or(0), a.rule).cmp(&(&b.file, b.line.unwrap_or(0), b.rule))
    });
    out.dedup();
    Report {
        findings: out,
        migrations_checked,
        schema_checked,
        all: false,
    }
}

/// A file name that follows the grammar, for the `git mv` a fix suggests.
fn suggested_name(
    file_name: &str,
    parsed: Option<&MigrationName>,
    number: u32,
    today: NaiveDate,
) -> String {
    let (date, slug) = match parsed {
        Some(n) => (n.date, n.slug.clone()),
        None => {
            let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
            let date = stem
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            // Drop a leading date and number; keep the words.
            let rest = match date {
                Some(_) => &stem[10..],
                None => stem,
            };
            let rest =
                rest.trim_start_matches(|c: char| c == '_' || c == '-' || c.is_ascii_digit());
            (
                date.unwrap_or(today),
                slugify(rest).unwrap_or_else(|| "migration".into()),
            )
        }
    };
    MigrationName::new(date, number, &slug).file_name()
}

/// Checks the stamps of one staged migration against its staged body and
/// the body HEAD holds. Returns (needs the static review, is synced).
///
/// Which block a stamp that disagrees with the body gets:
/// - a ticked line without a date and checksum: `forged-stamp`;
/// - Reviewed with another checksum: `edited-after-review`;
/// - Executed with another checksum: `executed-changed`, unless the file is
///   committed and the checksum is neither the staged body's nor HEAD's:
///   then no version of the file in this repository was ever executed with
///   it, and it is `forged-stamp` (the same for Synced);
/// - an Executed stamp in HEAD over another body than the staged one:
///   `executed-changed` (the executed SQL changed, whatever the staged
///   stamp says).
fn stamps(
    path: &str,
    m: &Migration,
    head: Option<&Migration>,
    out: &mut Vec<HookFinding>,
) -> (bool, bool) {
    let mut check = StampCheck {
        path,
        m,
        head,
        staged: m.checksum.prefix(),
        head_sum: head.map(|h| h.checksum.prefix()),
        out,
    };
    let head_executed = head
        .filter(|h| matches!(h.stamp_state(Touchpoint::Executed), StampState::Current(_)))
        .map(|h| h.checksum.prefix());
    if let Some(prior) = head_executed.filter(|prior| *prior != check.staged) {
        let staged = check.staged.clone();
        check.block(
            EXECUTED_CHANGED,
            Touchpoint::Executed,
            format!(
                "HEAD has this migration executed with sha256:{prior}; the staged SQL is sha256:{staged}: an applied migration never changes"
            ),
            check.restore(),
        );
        return (false, false);
    }
    if let StampState::Unverifiable(text) = m.stamp_state(Touchpoint::Reviewed) {
        check.ticked_by_hand(Touchpoint::Reviewed, &text);
    }
    if let Some(synced) = check.executed() {
        return (false, synced);
    }
    check.reviewed();
    if let StampState::Unverifiable(text) = m.stamp_state(Touchpoint::Synced) {
        check.ticked_by_hand(Touchpoint::Synced, &text);
    }
    (true, false)
}

/// One staged migration's stamps, judged against its staged body and the
/// one HEAD holds ([`stamps`]).
struct StampCheck<'a> {
    path: &'a str,
    m: &'a Migration,
    head: Option<&'a Migration>,
    /// Checksum prefixes of the staged body and of HEAD's.
    staged: String,
    head_sum: Option<String>,
    out: &'a mut Vec<HookFinding>,
}

impl StampCheck<'_> {
    fn line_of(&self, tp: Touchpoint) -> Option<usize> {
        self.m
            .header
            .as_ref()
            .and_then(|h| h.touchpoint_item(tp).map(|i| i.line).or(Some(h.last_line)))
    }

    fn block(&mut self, rule: &'static str, tp: Touchpoint, message: String, fix: String) {
        let line = self.line_of(tp);
        self.out.push(error(rule, self.path, line, message, fix));
    }

    /// How to undo a change to an executed migration.
    fn restore(&self) -> String {
        if self.head.is_some() {
            format!(
                "git checkout HEAD -- {}, then put the change in a new migration: cargo xtask migration new \"<title>\"",
                self.path
            )
        } else {
            format!(
                "restore the text that was applied, or, when it only ran on your development database, roll it back there first (cargo xtask migration rollback --to {}) and review and apply it again; a change to SQL that ran elsewhere goes in a new migration: cargo xtask migration new \"<title>\"",
                self.m.name.number.saturating_sub(1)
            )
        }
    }

    /// A stale stamp on a committed file that matches neither body.
    fn never_matched(&self, s: &Stamp) -> bool {
        self.head.is_some() && Some(&s.checksum_prefix) != self.head_sum.as_ref()
    }

    fn forged(&mut self, tp: Touchpoint, why: String) {
        let (path, nn) = (self.path, &self.m.name.number_text);
        let fix = match tp {
            Touchpoint::Reviewed => review_and_add(path),
            Touchpoint::Executed => format!(
                "reopen the line (`--   [ ] Executed`), run `cargo xtask migration apply` against the database it ran on (it stamps migrations it finds applied), then git add {path}"
            ),
            Touchpoint::Synced => {
                format!("cargo xtask migration sync --for {nn} && git add {path} current_schema/")
            }
        };
        self.block(
            FORGED_STAMP,
            tp,
            format!("the {} stamp {why}", tp.label()),
            fix,
        );
    }

    fn ticked_by_hand(&mut self, tp: Touchpoint, text: &str) {
        self.forged(
            tp,
            format!("`[x] {text}` has no date and checksum: it was ticked by hand"),
        );
    }

    /// The Executed stamp; `Some(synced)` when the migration is executed
    /// (or blocked as such), `None` when it is not executed yet.
    fn executed(&mut self) -> Option<bool> {
        let staged = self.staged.clone();
        match self.m.stamp_state(Touchpoint::Executed) {
            StampState::Unverifiable(text) => self.ticked_by_hand(Touchpoint::Executed, &text),
            StampState::Stale(s) if self.never_matched(&s) => self.forged(
                Touchpoint::Executed,
                format!(
                    "says sha256:{}, which is neither the staged SQL (sha256:{staged}) nor the SQL in HEAD (sha256:{}): no command stamped it on this file",
                    s.checksum_prefix,
                    self.head_sum.as_deref().unwrap_or("")
                ),
            ),
            StampState::Stale(s) => self.block(
                EXECUTED_CHANGED,
                Touchpoint::Executed,
                format!(
                    "was executed with sha256:{}, the staged SQL is sha256:{staged}: an applied migration never changes",
                    s.checksum_prefix
                ),
                self.restore(),
            ),
            StampState::Current(_) => return Some(self.synced()),
            StampState::Open | StampState::NoLine => return None,
        }
        Some(false)
    }

    /// The Synced stamp of an executed migration: whether it is current.
    fn synced(&mut self) -> bool {
        let staged = self.staged.clone();
        let (path, nn) = (self.path, self.m.name.number_text.clone());
        let why = match self.m.stamp_state(Touchpoint::Synced) {
            StampState::Current(_) => return true,
            StampState::Unverifiable(text) => {
                self.ticked_by_hand(Touchpoint::Synced, &text);
                return false;
            }
            StampState::Stale(s) if self.never_matched(&s) => {
                self.forged(
                    Touchpoint::Synced,
                    format!(
                        "says sha256:{}, which is neither the staged SQL (sha256:{staged}) nor the SQL in HEAD: no command stamped it on this file",
                        s.checksum_prefix
                    ),
                );
                return false;
            }
            StampState::Stale(s) => format!(
                "its Synced stamp is for sha256:{}, not the executed sha256:{staged}",
                s.checksum_prefix
            ),
            StampState::Open | StampState::NoLine => {
                "it is executed but has no Synced stamp: current_schema/ does not show it yet"
                    .into()
            }
        };
        self.block(
            NOT_SYNCED,
            Touchpoint::Synced,
            why,
            format!("cargo xtask migration sync --for {nn} && git add {path} current_schema/"),
        );
        false
    }

    /// The Reviewed stamp of a migration not executed yet.
    fn reviewed(&mut self) {
        let staged = self.staged.clone();
        let path = self.path;
        match self.m.stamp_state(Touchpoint::Reviewed) {
            StampState::Open | StampState::NoLine => self.block(
                NOT_REVIEWED,
                Touchpoint::Reviewed,
                "has no Reviewed stamp: it was never reviewed".into(),
                review_and_add(path),
            ),
            StampState::Stale(s) => self.block(
                EDITED_AFTER_REVIEW,
                Touchpoint::Reviewed,
                format!(
                    "was reviewed as sha256:{}, the staged SQL is sha256:{staged}: it changed after review",
                    s.checksum_prefix
                ),
                review_and_add(path),
            ),
            // Current is fine; Unverifiable was reported already.
            StampState::Current(_) | StampState::Unverifiable(_) => {}
        }
    }
}

/// Runs the static review over the staged migrations that are not executed,
/// folding the schema through the earlier migrations of the index.
fn static_review(
    listing: &Listing,
    names: &[Result<MigrationName, crate::migration::NameError>],
    blobs: &dyn Blobs,
    judged: &[Judged],
    out: &mut Vec<HookFinding>,
) {
    let wanted: Vec<&Judged> = judged.iter().filter(|j| j.review).collect();
    let Some(last) = wanted.iter().map(|j| j.m.name.number).max() else {
        return;
    };
    let mut set: Vec<(String, Migration)> = Vec::new();
    let staged: HashMap<&str, &Judged> = judged.iter().map(|j| (j.path.as_str(), j)).collect();
    for (listed, name) in listing.migrations.iter().zip(names) {
        let Ok(name) = name else { continue };
        if name.number > last {
            continue;
        }
        if let Some(j) = staged.get(listed.path.as_str()) {
            set.push((listed.path.clone(), j.m.clone()));
            continue;
        }
        // Earlier migrations only feed the schema fold; one that cannot be
        // read is its own commit's problem (and --all reports it).
        if let Some(m) = blobs
            .index(&listed.path)
            .ok()
            .and_then(|t| Migration::parse(name.clone(), &t).ok())
        {
            set.push((listed.path.clone(), m));
        }
    }
    set.sort_by(|a, b| (a.1.name.number, &a.1.name.stem).cmp(&(b.1.name.number, &b.1.name.stem)));
    let paths: HashMap<String, String> = set
        .iter()
        .map(|(p, m)| (m.name.stem.clone(), p.clone()))
        .collect();
    let indexes: Vec<usize> = set
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| staged.get(p.as_str()).is_some_and(|j| j.review))
        .map(|(i, _)| i)
        .collect();
    let migrations: Vec<Migration> = set.into_iter().map(|(_, m)| m).collect();
    // The target and the opt-in rules of the touchpoint.conf being
    // committed; no database: the newest server unless it says otherwise.
    let opts = blobs
        .index(&format!(
            "{}{}",
            listing.prefix,
            crate::project::conf::CONFIG_FILE
        ))
        .ok()
        .and_then(|text| crate::project::conf::Conf::parse(&text).ok())
        .and_then(|conf| review::Options::from_conf(&conf, &review::rules::opt_in_ids()).ok())
        .unwrap_or_default();
    let results = review::review_set(
        &migrations,
        &indexes,
        |m| paths[&m.name.stem].clone(),
        &opts,
    );
    for (_, findings) in results {
        for f in findings {
            // The hook's own check sees the whole tree, merges included.
            if f.rule == "duplicate-number" {
                continue;
            }
            let path = f.file.clone();
            let (rule, severity) = match f.severity {
                Severity::Error if f.rule == "header-incomplete" => {
                    (HEADER_INCOMPLETE, Severity::Error)
                }
                Severity::Error => (REVIEW_ERROR, Severity::Error),
                Severity::Warning => (f.rule, Severity::Warning),
                Severity::Info => continue,
            };
            let fix = if severity == Severity::Error {
                format!(
                    "{} (docs/rules/{}.md); then: {}",
                    f.help,
                    f.rule,
                    review_and_add(&path)
                )
            } else {
                format!(
                    "{} (docs/rules/{}.md); warnings do not block",
                    f.help, f.rule
                )
            };
            out.push(HookFinding {
                rule,
                severity,
                file: path,
                line: Some(f.start.line as usize),
                message: if rule == f.rule {
                    f.message
                } else {
                    format!("[{}] {}", f.rule, f.message)
                },
                fix,
            });
        }
    }
}

/// The `current_schema/` checks. Returns how many files were judged.
fn schema(
    listing: &Listing,
    blobs: &dyn Blobs,
    judged: &[Judged],
    out: &mut Vec<HookFinding>,
) -> usize {
    let synced: Vec<&Judged> = judged.iter().filter(|j| j.synced).collect();
    let schema_dir = format!("{}current_schema/", listing.prefix);
    let add = format!("git add {schema_dir}");
    let mut checked = 0;
    for listed in &listing.schema {
        // A synced migration vouches for the whole directory, so every file
        // is judged then; otherwise the files that changed.
        if !listed.staged && synced.is_empty() {
            continue;
        }
        checked += 1;
        let text = match blobs.index(&listed.path) {
            Ok(t) => t,
            Err(why) => {
                out.push(error(
                    SCHEMA_HAND_EDITED,
                    &listed.path,
                    None,
                    format!("cannot be read: {why}"),
                    format!("cargo xtask migration sync && {add}"),
                ));
                continue;
            }
        };
        let why = match banner::check(&text) {
            BannerState::Intact => continue,
            BannerState::Missing => {
                "has no generated banner: it was not written by `cargo xtask migration sync`"
                    .to_string()
            }
            BannerState::Edited { recorded, actual } => format!(
                "was edited by hand: its banner records content-sha256 {}..., the content is {}...",
                &recorded[..recorded.len().min(12)],
                &actual[..12]
            ),
        };
        let undo = if listed.in_head {
            format!(" (or drop the edit: git checkout HEAD -- {})", listed.path)
        } else {
            String::new()
        };
        out.push(error(
            SCHEMA_HAND_EDITED,
            &listed.path,
            Some(1),
            why,
            format!("cargo xtask migration sync && {add}{undo}; change the schema with a migration, never by hand"),
        ));
    }

    // Sync output left out of the index: one block per file, fixed by
    // `git add`.
    let mut unstaged = Vec::new();
    let touched = listing.schema.iter().any(|s| s.staged);
    if !synced.is_empty() || touched {
        match blobs.unstaged_schema() {
            Ok(changes) => {
                for (path, how) in changes {
                    out.push(error(
                        SCHEMA_NOT_STAGED,
                        &path,
                        None,
                        format!(
                            "is {how} in the working tree but not staged: the commit would hold another current_schema/ than the sync wrote"
                        ),
                        add.clone(),
                    ));
                    unstaged.push(path);
                }
            }
            Err(e) => out.push(error(
                SCHEMA_NOT_STAGED,
                &schema_dir,
                None,
                format!("cannot compare the working tree with the index: {e:#}"),
                format!("git status {schema_dir}"),
            )),
        }
    }

    // Files the synced migrations name that are nowhere: sync again.
    for j in &synced {
        let Some(h) = &j.m.header else { continue };
        let resync = format!(
            "cargo xtask migration sync --for {} && git add {} {schema_dir}",
            j.m.name.number_text, j.path
        );
        // What sync wrote in SOURCE OF TRUTH: the files it changed, or
        // `current_schema/ unchanged: ...`.
        let named: Vec<(usize, String)> = h
            .source_of_truth
            .iter()
            .filter(|i| i.checked)
            .filter_map(|i| Some((i.line, i.text.split_whitespace().next()?)))
            .filter(|(_, w)| w.starts_with("current_schema/"))
            .map(|(line, w)| (line, format!("{}{w}", listing.prefix)))
            .collect();
        if listing.schema.is_empty() && named.is_empty() && unstaged.is_empty() {
            out.push(error(
                SCHEMA_NOT_STAGED,
                &j.path,
                None,
                format!("is synced but the index has no {schema_dir} files: the sync output was not committed"),
                resync,
            ));
            continue;
        }
        let mut missing: Vec<&(usize, String)> = named
            .iter()
            .filter(|(_, f)| f.ends_with(".sql"))
            .filter(|(_, f)| !listing.schema.iter().any(|s| s.path == *f))
            .filter(|(_, f)| !unstaged.contains(f))
            .collect();
        missing.dedup_by(|a, b| a.1 == b.1);
        if let Some((line, _)) = missing.first() {
            let files: Vec<&str> = missing.iter().map(|(_, f)| f.as_str()).collect();
            out.push(error(
                SCHEMA_NOT_STAGED,
                &j.path,
                Some(*line),
                format!(
                    "names {} as updated by the sync, but neither the index nor the working tree has {}",
                    files.join(", "),
                    if files.len() == 1 { "it" } else { "them" }
                ),
                resync,
            ));
        }
    }
    checked
}

#[cfg(test)]
mod tests;
