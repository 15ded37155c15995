//! The pre-commit hook's judgement: given what the index holds (and what
//! HEAD held), which staged migration or `current_schema/` file skipped a
//! step of the workflow, and the command that fixes it.
//!
//! This module reads nothing itself: `git.rs` lists the index and hands out
//! blobs through [`Blobs`], so the checks run the same on a real repository
//! and on the in-memory fixtures of the unit tests. `report.rs` renders the
//! result. The rules and their fixes are documented in `docs/hook.md`.

pub mod git;
pub mod report;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::migration::header::Stamp;
use crate::migration::name::slugify;
use crate::migration::{Migration, MigrationName, StampState, Touchpoint};
use crate::review::{self, Severity};
use crate::schema::banner::{self, BannerState};

/// Every rule that blocks a commit, with what it means (docs/hook.md has a
/// section per id; a test keeps the two in step).
pub const RULES: &[(&str, &str)] = &[
    (
        NAME_GRAMMAR,
        "a migration file name breaks YYYY-MM-DD_NN_slug.sql",
    ),
    (
        DUPLICATE_NUMBER,
        "another migration in the tree has the same NN",
    ),
    (REVIEW_ERROR, "the static review finds an error"),
    (
        HEADER_INCOMPLETE,
        "the header is missing, unfinished or dated wrongly",
    ),
    (NOT_REVIEWED, "the migration has no Reviewed stamp"),
    (
        EDITED_AFTER_REVIEW,
        "the SQL changed after the Reviewed stamp",
    ),
    (EXECUTED_CHANGED, "the SQL of an executed migration changed"),
    (
        NOT_SYNCED,
        "an executed migration has no current Synced stamp",
    ),
    (
        SCHEMA_NOT_STAGED,
        "current_schema/ is not staged or committed with the sync",
    ),
    (
        SCHEMA_HAND_EDITED,
        "a current_schema/ file no longer matches its generated banner",
    ),
    (
        FORGED_STAMP,
        "a stamp no touchpoint command wrote for any version of this file",
    ),
];

pub const NAME_GRAMMAR: &str = "hook/name-grammar";
pub const DUPLICATE_NUMBER: &str = "hook/duplicate-number";
pub const REVIEW_ERROR: &str = "hook/review-error";
pub const HEADER_INCOMPLETE: &str = "hook/header-incomplete";
pub const NOT_REVIEWED: &str = "hook/not-reviewed";
pub const EDITED_AFTER_REVIEW: &str = "hook/edited-after-review";
pub const EXECUTED_CHANGED: &str = "hook/executed-changed";
pub const NOT_SYNCED: &str = "hook/not-synced";
pub const SCHEMA_NOT_STAGED: &str = "hook/schema-not-staged";
pub const SCHEMA_HAND_EDITED: &str = "hook/schema-hand-edited";
pub const FORGED_STAMP: &str = "hook/forged-stamp";
/// A warning: an executed migration is deleted.
pub const EXECUTED_DELETED: &str = "hook/executed-deleted";

/// One thing the hook found. Errors block the commit; warnings are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A `hook/...` id, or the review rule's id for review warnings.
    pub rule: &'static str,
    pub severity: Severity,
    /// Path from the top of the repository, as `git add` takes it.
    pub file: String,
    /// 1-based line, when the finding is on one.
    pub line: Option<usize>,
    pub message: String,
    /// The command (or commands) that fix it.
    pub fix: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Migrations and `current_schema/` files judged.
    pub migrations_checked: usize,
    pub schema_checked: usize,
    /// `--all`: the whole tree was judged, not only what differs from HEAD.
    pub all: bool,
}

impl Report {
    pub fn blocked(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// A `*.sql` file directly under `migrations/` or `current_schema/` in the
/// index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Path from the top of the repository.
    pub path: String,
    pub file_name: String,
    /// Judged by this run: differs from HEAD (or every file, with --all).
    pub staged: bool,
    /// HEAD has a file at this path.
    pub in_head: bool,
}

/// What the index holds, without the contents.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Where the project sits in the repository: `""`, or `"sub/dir/"`.
    pub prefix: String,
    pub migrations: Vec<Listed>,
    pub schema: Vec<Listed>,
    /// Migrations HEAD has and the index does not (staged deletions).
    pub deleted: Vec<String>,
}

/// The contents, read on demand.
pub trait Blobs {
    /// The staged text of `path`; `Err` says why it cannot be read as text.
    fn index(&self, path: &str) -> Result<String, String>;
    /// The text of `path` in HEAD, when HEAD has it.
    fn head(&self, path: &str) -> Option<Result<String, String>>;
    /// `current_schema/*.sql` files whose working-tree content differs from
    /// the index (modified, new or deleted): output of a sync left unstaged.
    fn unstaged_schema(&self) -> anyhow::Result<Vec<(String, &'static str)>>;
}

/// A parsed staged migration and what its stamps asked for.
struct Judged {
    path: String,
    m: Migration,
    /// Not executed: the static review applies to it.
    review: bool,
    /// Executed and synced: `current_schema/` must be committed with it.
    synced: bool,
}

/// Judges `listing` (see the module docs). `today` dates the file names the
/// fixes suggest.
pub fn check(listing: &Listing, blobs: &dyn Blobs, today: NaiveDate) -> Report {
    let mut out = Vec::new();
    let names: Vec<Result<MigrationName, crate::migration::NameError>> = listing
        .migrations
        .iter()
        .map(|l| MigrationName::parse(&l.file_name))
        .collect();
    let mut next_free = names
        .iter()
        .filter_map(|n| n.as_ref().ok())
        .map(|n| n.number)
        .max()
        .unwrap_or(0)
        + 1;
    let mut by_number: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Ok(n) = n {
            by_number.entry(n.number).or_default().push(i);
        }
    }

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
        let clash: Vec<&str> = by_number[&name.number]
            .iter()
            .filter(|&&j| j != i)
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
                    "git mv {} {}{target}  (renumber the file that has not been applied anywhere; the checksum and stamps stay valid)",
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

    for path in &listing.deleted {
        let executed = blobs.head(path).and_then(Result::ok).and_then(|t| {
            let name = MigrationName::parse(path.rsplit('/').next()?).ok()?;
            let m = Migration::parse(name, &t).ok()?;
            matches!(m.stamp_state(Touchpoint::Executed), StampState::Current(_)).then_some(())
        });
        if executed.is_some() {
            out.push(Finding {
                rule: EXECUTED_DELETED,
                severity: Severity::Warning,
                file: path.clone(),
                line: None,
                message: "an executed migration is deleted: databases that ran it will report it missing".into(),
                fix: format!("git checkout HEAD -- {path}  (or, when it is on purpose: cargo xtask migration repair --reason \"...\" on each database)"),
            });
        }
    }

    let schema_checked = schema(listing, blobs, &judged, &mut out);

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

fn error(
    rule: &'static str,
    file: &str,
    line: Option<usize>,
    message: String,
    fix: String,
) -> Finding {
    Finding {
        rule,
        severity: Severity::Error,
        file: file.to_string(),
        line,
        message,
        fix,
    }
}

/// `sub/migrations/` of `sub/migrations/x.sql`.
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

fn review_and_add(path: &str) -> String {
    format!("cargo xtask migration review {path} && git add {path}")
}

fn fix_and_review(path: &str) -> String {
    format!("fix it, then: {}", review_and_add(path))
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
    out: &mut Vec<Finding>,
) -> (bool, bool) {
    let nn = &m.name.number_text;
    let line_of = |tp: Touchpoint| {
        m.header
            .as_ref()
            .and_then(|h| h.touchpoint_item(tp).map(|i| i.line).or(Some(h.last_line)))
    };
    let staged = m.checksum.prefix();
    let head_sum = head.map(|h| h.checksum.prefix());
    let head_executed = head
        .filter(|h| matches!(h.stamp_state(Touchpoint::Executed), StampState::Current(_)))
        .map(|h| h.checksum.prefix());
    let restore = || {
        if head.is_some() {
            format!(
                "git checkout HEAD -- {path}, then put the change in a new migration: cargo xtask migration new \"<title>\""
            )
        } else {
            format!(
                "restore the text that was applied, or, when it only ran on your development database, roll it back there first (cargo xtask migration rollback --to {}) and review and apply it again; a change to SQL that ran elsewhere goes in a new migration: cargo xtask migration new \"<title>\"",
                m.name.number.saturating_sub(1)
            )
        }
    };
    // A stale stamp on a committed file that matches neither body.
    let never_matched = |s: &Stamp| head.is_some() && Some(&s.checksum_prefix) != head_sum.as_ref();
    let forged_fix = |tp: Touchpoint| {
        match tp {
        Touchpoint::Reviewed => review_and_add(path),
        Touchpoint::Executed => format!(
            "reopen the line (`--   [ ] Executed`), run `cargo xtask migration apply` against the database it ran on (it stamps migrations it finds applied), then git add {path}"
        ),
        Touchpoint::Synced => format!(
            "cargo xtask migration sync --for {nn} && git add {path} current_schema/"
        ),
    }
    };
    let forged = |tp: Touchpoint, why: String, out: &mut Vec<Finding>| {
        out.push(error(
            FORGED_STAMP,
            path,
            line_of(tp),
            format!("the {} stamp {why}", tp.label()),
            forged_fix(tp),
        ));
    };

    if let Some(prior) = &head_executed {
        if *prior != staged {
            out.push(error(
                EXECUTED_CHANGED,
                path,
                line_of(Touchpoint::Executed),
                format!(
                    "HEAD has this migration executed with sha256:{prior}; the staged SQL is sha256:{staged}: an applied migration never changes"
                ),
                restore(),
            ));
            return (false, false);
        }
    }
    if let StampState::Unverifiable(text) = m.stamp_state(Touchpoint::Reviewed) {
        forged(
            Touchpoint::Reviewed,
            format!("`[x] {text}` has no date and checksum: it was ticked by hand"),
            out,
        );
    }
    match m.stamp_state(Touchpoint::Executed) {
        StampState::Unverifiable(text) => {
            forged(
                Touchpoint::Executed,
                format!("`[x] {text}` has no date and checksum: it was ticked by hand"),
                out,
            );
            return (false, false);
        }
        StampState::Stale(s) if never_matched(&s) => {
            forged(
                Touchpoint::Executed,
                format!(
                    "says sha256:{}, which is neither the staged SQL (sha256:{staged}) nor the SQL in HEAD (sha256:{}): no command stamped it on this file",
                    s.checksum_prefix,
                    head_sum.as_deref().unwrap_or("")
                ),
                out,
            );
            return (false, false);
        }
        StampState::Stale(s) => {
            out.push(error(
                EXECUTED_CHANGED,
                path,
                line_of(Touchpoint::Executed),
                format!(
                    "was executed with sha256:{}, the staged SQL is sha256:{staged}: an applied migration never changes",
                    s.checksum_prefix
                ),
                restore(),
            ));
            return (false, false);
        }
        StampState::Current(_) => {
            let synced = match m.stamp_state(Touchpoint::Synced) {
                StampState::Current(_) => true,
                StampState::Unverifiable(text) => {
                    forged(
                        Touchpoint::Synced,
                        format!("`[x] {text}` has no date and checksum: it was ticked by hand"),
                        out,
                    );
                    false
                }
                StampState::Stale(s) if never_matched(&s) => {
                    forged(
                        Touchpoint::Synced,
                        format!(
                            "says sha256:{}, which is neither the staged SQL (sha256:{staged}) nor the SQL in HEAD: no command stamped it on this file",
                            s.checksum_prefix
                        ),
                        out,
                    );
                    false
                }
                state => {
                    let why = match state {
                        StampState::Stale(s) => format!(
                            "its Synced stamp is for sha256:{}, not the executed sha256:{staged}",
                            s.checksum_prefix
                        ),
                        _ => "it is executed but has no Synced stamp: current_schema/ does not show it yet".into(),
                    };
                    out.push(error(
                        NOT_SYNCED,
                        path,
                        line_of(Touchpoint::Synced),
                        why,
                        format!(
                            "cargo xtask migration sync --for {nn} && git add {path} current_schema/"
                        ),
                    ));
                    false
                }
            };
            return (false, synced);
        }
        StampState::Open | StampState::NoLine => {}
    }

    match m.stamp_state(Touchpoint::Reviewed) {
        StampState::Current(_) => {}
        StampState::Open | StampState::NoLine => out.push(error(
            NOT_REVIEWED,
            path,
            line_of(Touchpoint::Reviewed),
            "has no Reviewed stamp: it was never reviewed".into(),
            review_and_add(path),
        )),
        StampState::Stale(s) => out.push(error(
            EDITED_AFTER_REVIEW,
            path,
            line_of(Touchpoint::Reviewed),
            format!(
                "was reviewed as sha256:{}, the staged SQL is sha256:{staged}: it changed after review",
                s.checksum_prefix
            ),
            review_and_add(path),
        )),
        // Reported above, executed or not.
        StampState::Unverifiable(_) => {}
    }
    if let StampState::Unverifiable(text) = m.stamp_state(Touchpoint::Synced) {
        forged(
            Touchpoint::Synced,
            format!("`[x] {text}` has no date and checksum: it was ticked by hand"),
            out,
        );
    }
    (true, false)
}

/// Runs the static review over the staged migrations that are not executed,
/// folding the schema through the earlier migrations of the index.
fn static_review(
    listing: &Listing,
    names: &[Result<MigrationName, crate::migration::NameError>],
    blobs: &dyn Blobs,
    judged: &[Judged],
    out: &mut Vec<Finding>,
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
    let results = review::review_set(&migrations, &indexes, |m| paths[&m.name.stem].clone());
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
                Severity::Note => continue,
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
            out.push(Finding {
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
    out: &mut Vec<Finding>,
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
