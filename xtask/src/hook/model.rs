//! What the hook works with: the rules, a finding and the report, what the
//! index holds (`Listing`), how blobs are read (`Blobs`), and the small
//! helpers every check uses. No I/O.

use crate::migration::Migration;
use crate::review::Severity;

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
    (
        EXECUTED_DELETED,
        "an executed migration is deleted without being retired",
    ),
    (
        EXECUTED_RENAMED,
        "an executed migration is renamed: databases know it by its old name",
    ),
    (
        SCHEMA_DELETED,
        "a current_schema/ file is deleted, and sync did not remove it",
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
pub const EXECUTED_DELETED: &str = "hook/executed-deleted";
pub const EXECUTED_RENAMED: &str = "hook/executed-renamed";
pub const SCHEMA_DELETED: &str = "hook/schema-deleted";

/// One thing the hook found. Errors block the commit; warnings are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookFinding {
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
    pub findings: Vec<HookFinding>,
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
    /// `current_schema/` files HEAD has and the index does not.
    pub deleted_schema: Vec<String>,
    /// `migrations/RETIRED` in the index, when there is one.
    pub retired: Option<String>,
}

/// The contents, read on demand.
pub trait Blobs {
    /// The staged text of `path`; `Err` says why it cannot be read as text.
    fn index(&self, path: &str) -> anyhow::Result<String>;
    /// The text of `path` in HEAD, when HEAD has it.
    fn head(&self, path: &str) -> Option<anyhow::Result<String>>;
    /// `current_schema/*.sql` files whose working-tree content differs from
    /// the index (modified, new or deleted): output of a sync left unstaged.
    fn unstaged_schema(&self) -> anyhow::Result<Vec<(String, &'static str)>>;
}

/// A parsed staged migration and what its stamps asked for.
pub struct Judged {
    pub path: String,
    pub m: Migration,
    /// Not executed: the static review applies to it.
    pub review: bool,
    /// Executed and synced: `current_schema/` must be committed with it.
    pub synced: bool,
}

pub fn error(
    rule: &'static str,
    file: &str,
    line: Option<usize>,
    message: String,
    fix: String,
) -> HookFinding {
    HookFinding {
        rule,
        severity: Severity::Error,
        file: file.to_string(),
        line,
        message,
        fix,
    }
}

/// `sub/migrations/` of `sub/migrations/x.sql`.
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

pub fn review_and_add(path: &str) -> String {
    format!("cargo xtask migration review {path} && git add {path}")
}

pub fn fix_and_review(path: &str) -> String {
    format!("fix it, then: {}", review_and_add(path))
}
