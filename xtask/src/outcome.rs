//! How a command ends, and the exit code that says so: 0 clean, 1 findings
//! or a failed run, 2 bad input or a question the command could not answer.
//! Every command returns an [`Outcome`] or an error; the error's type (not
//! the command) decides between 1 and 2.

use std::fmt;

/// How a command that ran to the end went: clean (exit 0) or with findings
/// it has printed (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
}

/// How much a finding matters, for every kind of finding touchpoint
/// reports (review rules, drift, the hook). Ordered: `Error` is the most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A remark or a measurement; never fails anything.
    Info,
    /// Worth a look: performance, hygiene, a risk that may be intended.
    Warning,
    /// Breaks something; fails the review, blocks the commit, is drift.
    Error,
}

impl Severity {
    /// The word reports print: `info`, `warning`, `error`.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// SARIF's name for it (`note` for info).
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The user asked for something that cannot be done as asked (exit 2).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// An error that leaves the command's question unanswered (exit 2), where
/// exit 1 would be read as an answer: `drift` exits 1 for "drift found", so
/// a drift check that could not run must not. Shown as the error it wraps.
#[derive(Debug)]
pub struct Unanswered(pub anyhow::Error);

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Unanswered {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// The exit code of a command's result.
pub fn exit_code(result: &anyhow::Result<Outcome>) -> u8 {
    match result {
        Ok(Outcome::Clean) => 0,
        Ok(Outcome::Findings) => 1,
        Err(e) if e.is::<BadInput>() || e.is::<Unanswered>() => 2,
        Err(_) => 1,
    }
}
