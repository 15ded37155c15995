//! The header block every migration opens with (the workflow's template plus the
//! TOUCHPOINTS block) and its stamps.
//!
//! Parsing is lenient: a missing or empty field is recorded as empty so that
//! `status` can still list the file and `review` can say exactly what is
//! missing. Stamping edits one line in place and keeps everything else,
//! including the file's line endings, byte for byte.

use std::fmt;

use chrono::NaiveDate;

use super::checksum::{Checksum, STAMP_PREFIX_LEN};

/// `-- ` followed by 76 `=`: the rule that opens and closes a header.
pub const RULE: &str =
    "-- ============================================================================";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub title: Field,
    pub date: Field,
    pub issue: Field,
    pub problem: Field,
    pub solution: Field,
    pub affected_tables: Field,
    pub source_of_truth: Vec<CheckItem>,
    pub downstream: Vec<CheckItem>,
    pub touchpoints: Vec<CheckItem>,
    /// Lines inside the block that fit no field or list (1-based line, text).
    pub unknown_lines: Vec<(usize, String)>,
    /// 1-based line of the closing rule.
    pub last_line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    /// Text after `KEY:`, continuation lines joined by one space.
    pub value: String,
    /// 1-based line of the key, 0 when the field is absent.
    pub line: usize,
}

impl Field {
    pub fn is_present(&self) -> bool {
        self.line != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckItem {
    pub checked: bool,
    pub text: String,
    /// 1-based line in the file.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Touchpoint {
    Reviewed,
    Executed,
    Synced,
}

impl Touchpoint {
    pub const ALL: [Touchpoint; 3] = [
        Touchpoint::Reviewed,
        Touchpoint::Executed,
        Touchpoint::Synced,
    ];

    /// The words on the header line.
    pub fn label(self) -> &'static str {
        match self {
            Touchpoint::Reviewed => "Reviewed",
            Touchpoint::Executed => "Executed",
            Touchpoint::Synced => "Source of truth synced",
        }
    }

    /// The key used in JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Touchpoint::Reviewed => "reviewed",
            Touchpoint::Executed => "executed",
            Touchpoint::Synced => "synced",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub date: NaiveDate,
    /// The first 12 hex digits of the checksum the tool saw.
    pub checksum_prefix: String,
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sha256:{}",
            self.date.format("%Y-%m-%d"),
            self.checksum_prefix
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampState {
    /// The header has no line for this touchpoint.
    NoLine,
    /// `[ ]`: the step has not been done.
    Open,
    /// `[x]` with a checksum equal to the file's.
    Current(Stamp),
    /// `[x]` with another checksum: the executable part changed after the step.
    Stale(Stamp),
    /// `[x]` without a date and checksum (ticked by hand) or with a garbled one.
    Unverifiable(String),
}

impl Header {
    pub fn touchpoint_item(&self, tp: Touchpoint) -> Option<&CheckItem> {
        self.touchpoints
            .iter()
            .find(|i| item_label(&i.text) == Some(tp))
    }

    pub fn stamp_state(&self, tp: Touchpoint, checksum: &Checksum) -> StampState {
        let Some(item) = self.touchpoint_item(tp) else {
            return StampState::NoLine;
        };
        if !item.checked {
            return StampState::Open;
        }
        match parse_stamp(&item.text[tp.label().len()..]) {
            Some(stamp) if stamp.checksum_prefix == checksum.prefix() => StampState::Current(stamp),
            Some(stamp) => StampState::Stale(stamp),
            None => StampState::Unverifiable(item.text.clone()),
        }
    }
}

fn item_label(text: &str) -> Option<Touchpoint> {
    Touchpoint::ALL.into_iter().find(|tp| {
        text.strip_prefix(tp.label())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// ` 2026-11-22 sha256:1a2b3c4d5e6f` (leading space optional).
fn parse_stamp(rest: &str) -> Option<Stamp> {
    let mut words = rest.split_whitespace();
    let date = NaiveDate::parse_from_str(words.next()?, "%Y-%m-%d").ok()?;
    let prefix = words.next()?.strip_prefix("sha256:")?;
    let valid = prefix.len() == STAMP_PREFIX_LEN
        && prefix
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (valid && words.next().is_none()).then(|| Stamp {
        date,
        checksum_prefix: prefix.to_string(),
    })
}

pub fn is_rule(line: &str) -> bool {
    let line = line.trim_end();
    line.strip_prefix("--")
        .map(|rest| rest.trim_start())
        .is_some_and(|rest| rest.len() >= 10 && rest.bytes().all(|b| b == b'='))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// The opening rule has no closing rule.
    Unclosed,
    /// A line inside the block does not start with `--`.
    NotAComment { line: usize },
}

enum List {
    SourceOfTruth,
    Downstream,
    Touchpoints,
}

enum Open {
    Nothing,
    Field(&'static str),
    List(List),
}

/// Parses the header at the top of `text` (normalised: no BOM, LF endings).
/// Returns `Ok(None)` when the first line is not a rule (no header at all).
pub fn parse(text: &str) -> Result<Option<Header>, HeaderError> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, first)) if is_rule(first) => {}
        _ => return Ok(None),
    }
    let mut h = Header::default();
    let mut open = Open::Nothing;
    for (i, raw) in lines {
        let line_no = i + 1;
        if is_rule(raw) {
            h.last_line = line_no;
            return Ok(Some(h));
        }
        let Some(content) = raw.trim_end().strip_prefix("--") else {
            return Err(HeaderError::NotAComment { line: line_no });
        };
        let trimmed = content.trim();
        if trimmed.is_empty() {
            open = Open::Nothing;
            continue;
        }
        if let Some(item) = trimmed.strip_prefix('[') {
            if let Some((mark, rest)) = item.split_once(']') {
                let checked = match mark {
                    " " | "" => Some(false),
                    "x" | "X" => Some(true),
                    _ => None,
                };
                if let (Some(checked), Open::List(list)) = (checked, &open) {
                    let item = CheckItem {
                        checked,
                        text: rest.trim().to_string(),
                        line: line_no,
                    };
                    match list {
                        List::SourceOfTruth => h.source_of_truth.push(item),
                        List::Downstream => h.downstream.push(item),
                        List::Touchpoints => h.touchpoints.push(item),
                    }
                    continue;
                }
            }
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            let key_upper = key.trim().to_ascii_uppercase();
            let field = match key_upper.as_str() {
                "MIGRATION" => Some(("title", &mut h.title)),
                "DATE" => Some(("date", &mut h.date)),
                "ISSUE" => Some(("issue", &mut h.issue)),
                "PROBLEM" => Some(("problem", &mut h.problem)),
                "SOLUTION" => Some(("solution", &mut h.solution)),
                "AFFECTED TABLES" => Some(("affected_tables", &mut h.affected_tables)),
                _ => None,
            };
            if let Some((name, field)) = field {
                field.value = value.trim().to_string();
                field.line = line_no;
                open = Open::Field(name);
                continue;
            }
            let list = match key_upper.as_str() {
                "SOURCE OF TRUTH SCHEMA UPDATED" => Some(List::SourceOfTruth),
                "DOWNSTREAM UPDATES" => Some(List::Downstream),
                "TOUCHPOINTS" => Some(List::Touchpoints),
                _ => None,
            };
            if let (Some(list), true) = (list, value.trim().is_empty()) {
                open = Open::List(list);
                continue;
            }
        }
        // An indented line continues the field above it.
        if let (Open::Field(name), true) = (&open, content.starts_with("  ")) {
            let field = match *name {
                "title" => &mut h.title,
                "date" => &mut h.date,
                "issue" => &mut h.issue,
                "problem" => &mut h.problem,
                "solution" => &mut h.solution,
                _ => &mut h.affected_tables,
            };
            if !field.value.is_empty() {
                field.value.push(' ');
            }
            field.value.push_str(trimmed);
            continue;
        }
        h.unknown_lines.push((line_no, trimmed.to_string()));
    }
    Err(HeaderError::Unclosed)
}

impl Header {
    /// Tables named in AFFECTED TABLES (`none` means an empty list).
    pub fn affected_tables(&self) -> Vec<String> {
        let value = self.affected_tables.value.trim();
        if value.eq_ignore_ascii_case("none") {
            return Vec::new();
        }
        value
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// The normalised text, its header, and the line ending to write, for an
/// edit of the header of `original`.
fn editable(original: &str) -> Result<(String, Header, &'static str), StampError> {
    let normalized = super::checksum::normalize(original);
    let header = match parse(&normalized) {
        Ok(Some(h)) => h,
        Ok(None) => return Err(StampError::NoHeader),
        Err(e) => return Err(StampError::BadHeader(e)),
    };
    let eol = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Ok((normalized.into_owned(), header, eol))
}

/// Ticks `tp` in the header of `original` (the file as it is on disk: BOM and
/// CRLF are kept) with `date` and `checksum`, adding the TOUCHPOINTS block
/// when the header predates it. Returns the new file text.
pub fn set_stamp(
    original: &str,
    tp: Touchpoint,
    date: NaiveDate,
    checksum: &Checksum,
) -> Result<String, StampError> {
    let (_, header, eol) = editable(original)?;
    let stamped = format!(
        "--   [x] {} {}",
        tp.label(),
        Stamp {
            date,
            checksum_prefix: checksum.prefix()
        }
    );
    // Lines of the original keep their own endings; line numbers are the
    // same as in the normalised text because only CR before LF was removed.
    // Line 1 is the opening rule, so a BOM is never on a line we touch.
    let mut lines: Vec<String> = original.split_inclusive('\n').map(str::to_string).collect();
    if let Some(item) = header.touchpoint_item(tp) {
        let line = &mut lines[item.line - 1];
        let ending = line_ending(line);
        *line = format!("{stamped}{ending}");
    } else if let Some(last) = header.touchpoints.last() {
        // The block exists but lacks this line: add it at the block's end.
        lines.insert(last.line, format!("{stamped}{eol}"));
    } else {
        let mut block = format!("--{eol}-- TOUCHPOINTS:{eol}");
        for other in Touchpoint::ALL {
            if other == tp {
                block.push_str(&format!("{stamped}{eol}"));
            } else {
                block.push_str(&format!("--   [ ] {}{eol}", other.label()));
            }
        }
        lines.insert(header.last_line - 1, block);
    }
    Ok(lines.concat())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampError {
    NoHeader,
    BadHeader(HeaderError),
}

impl fmt::Display for StampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StampError::NoHeader => write!(
                f,
                "the file has no header block to stamp; start it with the header `cargo xtask migration new` writes"
            ),
            StampError::BadHeader(e) => write!(f, "the header cannot be stamped: {e}"),
        }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Unclosed => write!(
                f,
                "the header's opening `-- ====` rule has no closing rule; end the header with a line of `-- ` and 76 `=`"
            ),
            HeaderError::NotAComment { .. } => write!(
                f,
                "this line is inside the header (which opens at line 1) but is not a `--` comment; close the header with its `-- ====` rule first"
            ),
        }
    }
}

/// Reopens `tp` (`[x] ... ` back to `[ ] <label>`), as after a rollback.
/// Returns the text unchanged when the line is open or absent.
pub fn clear_stamp(original: &str, tp: Touchpoint) -> Result<String, StampError> {
    let normalized = super::checksum::normalize(original);
    let header = match parse(&normalized) {
        Ok(Some(h)) => h,
        Ok(None) => return Err(StampError::NoHeader),
        Err(e) => return Err(StampError::BadHeader(e)),
    };
    let Some(item) = header.touchpoint_item(tp).filter(|i| i.checked) else {
        return Ok(original.to_string());
    };
    let mut lines: Vec<String> = original.split_inclusive('\n').map(str::to_string).collect();
    let line = &mut lines[item.line - 1];
    let ending = line_ending(line);
    *line = format!("--   [ ] {}{ending}", tp.label());
    Ok(lines.concat())
}

/// The end-of-line characters `line` carries (`""` on a last line without one).
fn line_ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// Replaces the SOURCE OF TRUTH SCHEMA UPDATED items with `items`, each
/// ticked (`--   [x] <item>`), adding the block before TOUCHPOINTS (or the
/// closing rule) when the header lacks it. Other lines are kept byte for
/// byte.
pub fn set_source_of_truth(original: &str, items: &[String]) -> Result<String, StampError> {
    let (normalized, header, eol) = editable(original)?;
    let mut lines: Vec<String> = original.split_inclusive('\n').map(str::to_string).collect();
    let key_line = normalized.lines().take(header.last_line).position(|l| {
        l.trim_start_matches('-')
            .trim()
            .to_ascii_uppercase()
            .starts_with("SOURCE OF TRUTH SCHEMA UPDATED:")
    });
    let new_items: Vec<String> = items.iter().map(|i| format!("--   [x] {i}{eol}")).collect();
    match key_line {
        Some(k) => {
            // Items are the checklist lines right after the key line.
            let old: Vec<usize> = header.source_of_truth.iter().map(|i| i.line - 1).collect();
            for &i in old.iter().rev() {
                lines.remove(i);
            }
            for (n, item) in new_items.into_iter().enumerate() {
                lines.insert(k + 1 + n, item);
            }
        }
        None => {
            let before = header
                .touchpoints
                .first()
                .map_or(header.last_line - 1, |t| t.line - 2);
            let mut block = vec![format!("-- SOURCE OF TRUTH SCHEMA UPDATED:{eol}")];
            block.extend(new_items);
            block.push(format!("--{eol}"));
            for (n, l) in block.into_iter().enumerate() {
                lines.insert(before + n, l);
            }
        }
    }
    Ok(lines.concat())
}

/// Ticks the checklist item on 1-based `line` (`[ ]` -> `[x]`).
pub fn tick_line(original: &str, line: usize) -> String {
    let mut lines: Vec<String> = original.split_inclusive('\n').map(str::to_string).collect();
    if let Some(l) = lines.get_mut(line.wrapping_sub(1)) {
        *l = l.replacen("[ ]", "[x]", 1);
    }
    lines.concat()
}
