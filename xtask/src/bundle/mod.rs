//! `migration bundle`'s output, built without I/O: the psql scripts a DBA
//! runs by hand and the instructions that go with them.
//!
//! The main script holds every transactional migration in one transaction
//! that the DBA commits after reading the checks; `-- migrate:no-transaction`
//! migrations go in a second script, run after COMMIT; the rollback script
//! undoes them all in reverse order. Each records (or deletes) the tracking
//! row `apply` would, through the SQL of `pg::tracking`, so that `apply`,
//! `status` and `sync` see the bundle's migrations as applied.
//!
//! The same migrations and measurements give the same bytes: nothing in
//! the output depends on the clock or the machine.

pub mod instructions;
pub mod script;

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;

use crate::migration::Migration;
use crate::pg::tracking::TableName;
use crate::sql::lexer::TokenKind;
use crate::sql::split::split;

/// What to bundle, and what is known about it.
#[derive(Debug)]
pub struct Bundle<'a> {
    /// In NN order.
    pub migrations: Vec<&'a Migration>,
    /// Versions that must be recorded as applied before the bundle runs.
    pub before: Vec<String>,
    pub table: TableName,
    /// NN of the migrations bundled without a current Reviewed stamp
    /// (`--unreviewed`).
    pub unreviewed: Vec<String>,
    pub impact: Impact,
}

/// Locks and rewrites, as the dynamic review measured them.
#[derive(Debug, Clone)]
pub enum Impact {
    /// Why not (one line for the instructions).
    NotMeasured(String),
    Measured {
        /// Per version.
        migrations: BTreeMap<String, MeasuredMigration>,
        /// Relations that existed before the bundle's first migration: a
        /// lock on any other one blocks nobody (it is invisible until COMMIT).
        existing: std::collections::BTreeSet<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct MeasuredMigration {
    /// Statements that lock an existing relation or rewrite one, in order.
    pub statements: Vec<StatementImpact>,
    /// What went wrong on the throwaway copy (the dynamic review's errors).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct StatementImpact {
    pub line: usize,
    /// (relation, lock mode as in the docs: ACCESS EXCLUSIVE ...)
    pub locks: Vec<(String, String)>,
    pub rewrites: Vec<String>,
}

/// The files of a bundle: `(file name, text)`.
#[derive(Debug)]
pub struct Files {
    pub prefix: String,
    pub main: (String, String),
    pub no_transaction: Option<(String, String)>,
    pub rollback: (String, String),
    pub instructions: (String, String),
}

impl Files {
    pub fn all(&self) -> Vec<&(String, String)> {
        let mut v = vec![&self.main];
        v.extend(&self.no_transaction);
        v.push(&self.rollback);
        v.push(&self.instructions);
        v
    }
}

/// The suffixes of the files, after `<date>_<first>-<last>`.
pub const MAIN_SUFFIX: &str = "_migrations.sql";
pub const NO_TRANSACTION_SUFFIX: &str = "_no_transaction.sql";
pub const ROLLBACK_SUFFIX: &str = "_rollback.sql";
pub const INSTRUCTIONS_SUFFIX: &str = "_DBA_INSTRUCTIONS.md";

impl Bundle<'_> {
    /// `<date>_<first NN>-<last NN>`, the date being the newest header date
    /// among the migrations (the file name's date when a header has none).
    pub fn prefix(&self) -> String {
        let date = self
            .migrations
            .iter()
            .map(|m| header_date(m))
            .max()
            .unwrap_or(NaiveDate::MIN);
        let nn = |m: Option<&&Migration>| m.map_or(String::new(), |m| m.name.number_text.clone());
        format!(
            "{}_{}-{}",
            date.format("%Y-%m-%d"),
            nn(self.migrations.first()),
            nn(self.migrations.last())
        )
    }

    /// `migrations 01, 02 are not reviewed in their current form` (for
    /// `--unreviewed` bundles).
    pub fn unreviewed_phrase(&self) -> Option<String> {
        match self.unreviewed.as_slice() {
            [] => None,
            [one] => Some(format!(
                "migration {one} is not reviewed in its current form"
            )),
            many => Some(format!(
                "migrations {} are not reviewed in their current form",
                many.join(", ")
            )),
        }
    }

    pub fn transactional(&self) -> Vec<&Migration> {
        self.migrations
            .iter()
            .copied()
            .filter(|m| !m.no_transaction)
            .collect()
    }

    pub fn non_transactional(&self) -> Vec<&Migration> {
        self.migrations
            .iter()
            .copied()
            .filter(|m| m.no_transaction)
            .collect()
    }

    /// The order the scripts run them in: the main script's, then the
    /// second script's.
    pub fn run_order(&self) -> Vec<&Migration> {
        let mut v = self.transactional();
        v.extend(self.non_transactional());
        v
    }

    /// Every file of the bundle. Fails (naming file:line) when a section
    /// cannot be split into statements, as `apply` would.
    pub fn render(&self) -> anyhow::Result<Files> {
        for m in &self.migrations {
            for range in [Some(m.body.clone()), m.verify.clone(), m.rollback.clone()]
                .into_iter()
                .flatten()
            {
                pieces(m, range)?;
            }
        }
        let prefix = self.prefix();
        let names = Names::new(&prefix, !self.non_transactional().is_empty());
        let main = script::main(self, &names)?;
        let no_transaction = match &names.no_transaction {
            Some(name) => Some((name.clone(), script::no_transaction(self, &names)?)),
            None => None,
        };
        let rollback = script::rollback(self, &names)?;
        let instructions = instructions::render(self, &names)?;
        Ok(Files {
            main: (names.main.clone(), main),
            no_transaction,
            rollback: (names.rollback.clone(), rollback),
            instructions: (names.instructions.clone(), instructions),
            prefix,
        })
    }
}

/// The file names of one bundle.
#[derive(Debug, Clone)]
pub struct Names {
    pub prefix: String,
    pub main: String,
    pub no_transaction: Option<String>,
    pub rollback: String,
    pub instructions: String,
}

impl Names {
    fn new(prefix: &str, with_no_transaction: bool) -> Names {
        Names {
            prefix: prefix.to_string(),
            main: format!("{prefix}{MAIN_SUFFIX}"),
            no_transaction: with_no_transaction.then(|| format!("{prefix}{NO_TRANSACTION_SUFFIX}")),
            rollback: format!("{prefix}{ROLLBACK_SUFFIX}"),
            instructions: format!("{prefix}{INSTRUCTIONS_SUFFIX}"),
        }
    }
}

fn header_date(m: &Migration) -> NaiveDate {
    m.header
        .as_ref()
        .and_then(|h| NaiveDate::parse_from_str(h.date.value.trim(), "%Y-%m-%d").ok())
        .unwrap_or(m.name.date)
}

/// `migrations/<file>`, as people see it.
pub fn display(m: &Migration) -> String {
    format!("migrations/{}", m.name.file_name())
}

/// The title of a migration: its header's, else its slug.
pub fn title(m: &Migration) -> String {
    m.header
        .as_ref()
        .map(|h| h.title.value.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| m.name.slug.replace('_', " "))
}

/// One statement of a section, with the comments above it.
#[derive(Debug, Clone)]
pub struct Piece<'a> {
    /// Comment lines between the previous statement and this one, trimmed.
    pub lead: &'a str,
    /// The statement, through its `;` when it has one.
    pub text: &'a str,
    pub terminated: bool,
    /// 1-based line in the file.
    pub line: usize,
}

impl Piece<'_> {
    /// The statement without its `;`.
    pub fn unterminated(&self) -> &str {
        let t = self.text.trim_end();
        t.strip_suffix(';').unwrap_or(t).trim_end()
    }

    /// The statement with a `;` (added when the file has none).
    pub fn terminated_text(&self) -> String {
        if self.terminated {
            self.text.to_string()
        } else {
            format!("{};", self.text)
        }
    }

    /// The first significant word, lowercased (`select`, `with` ...).
    pub fn first_word(&self) -> String {
        let parts = split(self.text);
        parts
            .tokens
            .iter()
            .find(|t| !t.kind.is_trivia())
            .map(|t| t.text(self.text).to_ascii_lowercase())
            .unwrap_or_default()
    }
}

/// The statements of `range` with the comments above each.
pub fn pieces(m: &Migration, range: Range<usize>) -> anyhow::Result<Vec<Piece<'_>>> {
    let sql = &m.source[range.clone()];
    let parts = split(sql);
    if let Some(e) = parts.errors.first() {
        let line = m.line_of(range.start + e.span.start);
        anyhow::bail!("{}:{line}: {}", display(m), e.message);
    }
    let mut out = Vec::new();
    let mut prev = 0;
    for s in &parts.statements {
        let lead = sql[prev..s.span.start].trim();
        out.push(Piece {
            lead,
            text: &sql[s.span.start..s.span.end],
            terminated: s.terminated,
            line: m.line_of(range.start + s.span.start),
        });
        prev = s.span.end;
    }
    Ok(out)
}

/// A section as written, without the blank lines around it, ending with a
/// `;` (added on a line of its own when the last statement has none).
pub fn verbatim(m: &Migration, range: Range<usize>) -> String {
    let text = m.source[range].trim_end();
    let start = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map_or(text.len(), |(i, _)| {
            text[..i].rfind('\n').map_or(0, |n| n + 1)
        });
    let text = &text[start..];
    let parts = split(text);
    match parts.statements.last() {
        Some(s) if !s.terminated => format!("{text}\n;"),
        _ => text.to_string(),
    }
}

/// Why the migration's rollback cannot run, if it cannot.
pub fn no_rollback(m: &Migration) -> Option<String> {
    let sql = m.rollback_sql().unwrap_or("");
    if !split(sql).statements.is_empty() {
        return None;
    }
    Some(match crate::migration::irreversible_reason(sql) {
        Some(r) => format!("{} is marked irreversible: {r}", m.name.stem),
        None => format!("{} has no rollback SQL", m.name.stem),
    })
}

/// The name a verify statement gives its check, when it is written as
/// `SELECT '<name>' ...` (what `apply` prints as the first column).
pub fn check_name(piece: &Piece) -> Option<String> {
    let parts = split(piece.text);
    let mut words = parts.tokens.iter().filter(|t| !t.kind.is_trivia());
    let first = words.next()?;
    if !first.text(piece.text).eq_ignore_ascii_case("select") {
        return None;
    }
    let second = words.next()?;
    let text = second.text(piece.text);
    if second.kind != TokenKind::String || !text.starts_with('\'') {
        return None;
    }
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    // The literal must be the whole first column (`SELECT 'a' || x` computes
    // the name), and a second column must follow (with one column, `apply`
    // names the check by its line).
    let mut next = words.next()?;
    if next.text(piece.text).eq_ignore_ascii_case("as") {
        next = words.next()?;
    }
    if matches!(next.kind, TokenKind::Word | TokenKind::QuotedIdent) {
        next = words.next()?;
    }
    (next.text(piece.text) == ",").then(|| inner.replace("''", "'"))
}

#[cfg(test)]
mod tests;
