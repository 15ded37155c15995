//! The migration model: file names, the header, the sections, directives,
//! the checksum and stamps.
//!
//! **Architecture Invariant:** this module does no I/O. It turns a file name
//! and the file's text into a [`Migration`]; reading directories, talking to
//! Postgres and writing files happen elsewhere.

pub mod checksum;
pub mod header;
pub mod name;
pub mod progress;
pub mod render;
pub mod retired;

use std::fmt;
use std::ops::Range;

pub use checksum::Checksum;
pub use header::{Header, StampState, Touchpoint};
pub use name::{MigrationName, NameError};

pub const VERIFY_MARKER: &str = "-- migrate:verify";
pub const ROLLBACK_MARKER: &str = "-- migrate:rollback";
pub const NO_TRANSACTION: &str = "-- migrate:no-transaction";

#[derive(Debug, Clone)]
pub struct Migration {
    pub name: MigrationName,
    /// The file's text with the BOM removed and CRLF turned into LF; every
    /// range below is a byte range into it, and its lines are the file's lines.
    pub source: String,
    pub header: Option<Header>,
    pub no_transaction: bool,
    pub body: Range<usize>,
    pub verify: Option<Range<usize>>,
    pub rollback: Option<Range<usize>>,
    pub checksum: Checksum,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line the problem is on.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

impl Migration {
    /// Parses one migration file. `text` is the file as read from disk.
    pub fn parse(name: MigrationName, text: &str) -> Result<Migration, ParseError> {
        let source = checksum::normalize(text).into_owned();
        let header = header::parse(&source).map_err(|e| ParseError {
            line: match e {
                header::HeaderError::Unclosed => 1,
                header::HeaderError::NotAComment { line } => line,
            },
            message: e.to_string(),
        })?;
        let exec_start = match &header {
            Some(h) => line_start(&source, h.last_line + 1),
            None => 0,
        };
        let checksum = Checksum::of_normalized(&source[exec_start..]);

        let mut verify_marker: Option<(usize, Range<usize>)> = None;
        let mut rollback_marker: Option<(usize, Range<usize>)> = None;
        let mut no_transaction = false;
        let mut seen_sql = false;
        let mut offset = exec_start;
        let first_line = header.as_ref().map_or(1, |h| h.last_line + 1);
        for (this_line, raw) in (first_line..).zip(source[exec_start..].split_inclusive('\n')) {
            let range = offset..offset + raw.len();
            offset += raw.len();
            let line = raw.trim();
            if !line.starts_with("--") {
                seen_sql |=
                    !line.is_empty() && verify_marker.is_none() && rollback_marker.is_none();
                continue;
            }
            let Some(directive) = line
                .strip_prefix("--")
                .map(str::trim_start)
                .and_then(|l| l.strip_prefix("migrate:"))
            else {
                continue;
            };
            let err = |message: String| ParseError {
                line: this_line,
                message,
            };
            match directive.trim_end() {
                "verify" => {
                    if verify_marker.is_some() {
                        return Err(err(format!(
                            "a second `{VERIFY_MARKER}` line; a file has one verify section"
                        )));
                    }
                    verify_marker = Some((this_line, range));
                }
                "rollback" => {
                    if rollback_marker.is_some() {
                        return Err(err(format!(
                            "a second `{ROLLBACK_MARKER}` line; a file has one rollback section"
                        )));
                    }
                    rollback_marker = Some((this_line, range));
                }
                "no-transaction" => {
                    if seen_sql
                        || no_transaction
                        || verify_marker.is_some()
                        || rollback_marker.is_some()
                    {
                        return Err(err(format!(
                            "`{NO_TRANSACTION}` must be the first line of the body, right after the header"
                        )));
                    }
                    no_transaction = true;
                }
                other => {
                    return Err(err(format!(
                        "unknown directive `-- migrate:{other}`; the directives are `{NO_TRANSACTION}`, `{VERIFY_MARKER}` and `{ROLLBACK_MARKER}`"
                    )));
                }
            }
        }

        let end = source.len();
        let (body, verify, rollback) = match (verify_marker, rollback_marker) {
            (None, None) => (exec_start..end, None, None),
            (Some((_, v)), None) => (exec_start..v.start, Some(v.end..end), None),
            (None, Some((_, r))) => (exec_start..r.start, None, Some(r.end..end)),
            (Some((_, v)), Some((_, r))) if v.start < r.start => {
                (exec_start..v.start, Some(v.end..r.start), Some(r.end..end))
            }
            (Some((_, v)), Some((_, r))) => {
                (exec_start..r.start, Some(v.end..end), Some(r.end..v.start))
            }
        };
        Ok(Migration {
            name,
            source,
            header,
            no_transaction,
            body,
            verify,
            rollback,
            checksum,
        })
    }

    pub fn body_sql(&self) -> &str {
        &self.source[self.body.clone()]
    }

    pub fn verify_sql(&self) -> Option<&str> {
        self.verify.clone().map(|r| &self.source[r])
    }

    pub fn rollback_sql(&self) -> Option<&str> {
        self.rollback.clone().map(|r| &self.source[r])
    }

    /// 1-based line of a byte offset into [`Migration::source`].
    pub fn line_of(&self, offset: usize) -> usize {
        self.source[..offset.min(self.source.len())]
            .matches('\n')
            .count()
            + 1
    }

    pub fn stamp_state(&self, tp: Touchpoint) -> StampState {
        match &self.header {
            Some(h) => h.stamp_state(tp, &self.checksum),
            None => StampState::NoLine,
        }
    }
}

/// Byte offset where 1-based line `line` starts (or the end of `text`).
fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// The reason of a `-- irreversible: <reason>` line in rollback SQL, the
/// way a migration says its rollback cannot restore what it removed. The
/// one reader of that line (review, rollback and the bundle ask it).
pub fn irreversible_reason(rollback_sql: &str) -> Option<String> {
    rollback_sql.lines().find_map(|l| {
        l.trim()
            .strip_prefix("-- irreversible:")
            .map(|r| r.trim().to_string())
    })
}

#[cfg(test)]
mod tests;
