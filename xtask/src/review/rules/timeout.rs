//! Whether a timeout setting (`lock_timeout`, `statement_timeout`) is in
//! force before each statement of a body, as PostgreSQL would have it:
//! `SET` and `SET LOCAL` (void in a no-transaction file, where every
//! statement is its own transaction, except inside the DO block that sets
//! it), `RESET` and `RESET ALL`, `SET ... = 0` / `DEFAULT`, and
//! `set_config('name', 'value', is_local)` in a SELECT or a DO block.

use crate::review::stmt::Stmt;
use crate::review::Context;
use crate::sql::lexer::TokenKind;

/// What one statement does to the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// Set to a non-zero value (`true`) or switched off (`false`).
    Set {
        on: bool,
        local: bool,
    },
    Reset,
}

/// For each body statement (in [`Context::body_stmts`] order): whether
/// `setting` (lower case) holds a non-zero value before it.
pub fn in_force(cx: &Context<'_>, setting: &str) -> Vec<bool> {
    let mut out = Vec::new();
    // In force for the rest of the file, or only inside one DO block.
    let mut file_wide = false;
    let mut in_block: Option<(std::ops::Range<usize>, bool)> = None;
    for s in cx.body_stmts() {
        let block_on = match (&in_block, &s.in_do) {
            (Some((r, on)), Some(g)) if *r == g.range => Some(*on),
            _ => None,
        };
        out.push(block_on.unwrap_or(file_wide));
        let Some(change) = change(s, setting) else {
            continue;
        };
        let (on, local) = match change {
            Change::Set { on, local } => (on, local),
            Change::Reset => (false, false),
        };
        match &s.in_do {
            // A SET LOCAL (or set_config(..., true)) in a DO block of a
            // no-transaction file ends with the block.
            Some(g) if cx.m.no_transaction && local => in_block = Some((g.range.clone(), on)),
            _ if cx.m.no_transaction && local => {}
            _ => {
                file_wide = on;
                in_block = None;
            }
        }
    }
    out
}

fn change(s: &Stmt, setting: &str) -> Option<Change> {
    let upper = setting.to_ascii_uppercase();
    match s.word(0) {
        "SET" => {
            let local = s.word(1) == "LOCAL";
            let i = 1 + usize::from(matches!(s.word(1), "LOCAL" | "SESSION"));
            if s.word(i) != upper {
                return None;
            }
            let v = s.toks.get(i + 2)?;
            let on = !(is_zero(&v.norm) || v.kind == TokenKind::Word && v.norm == "DEFAULT");
            Some(Change::Set { on, local })
        }
        "RESET" if s.word(1) == upper || s.word(1) == "ALL" => Some(Change::Reset),
        _ => set_config(s, setting),
    }
}

/// `set_config('setting', 'value', is_local)` anywhere in the statement.
fn set_config(s: &Stmt, setting: &str) -> Option<Change> {
    let at = (0..s.toks.len()).find(|&i| {
        s.toks[i].is_word("SET_CONFIG")
            && s.toks
                .get(i + 2)
                .is_some_and(|t| t.kind == TokenKind::String && unquote(&t.norm) == setting)
    })?;
    let value = s.toks.get(at + 4)?;
    let on = value.kind == TokenKind::String && !is_zero(&value.norm);
    let local = s.toks.get(at + 6).is_some_and(|t| t.is_word("TRUE"));
    Some(Change::Set { on, local })
}

fn unquote(literal: &str) -> String {
    literal.trim_matches('\'').to_ascii_lowercase()
}

/// `0`, `'0'`, `'0ms'`, `'0s'`, `''`: no timeout.
fn is_zero(value: &str) -> bool {
    let v = unquote(value);
    let digits: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    v.trim().is_empty() || digits.parse::<f64>().is_ok_and(|n| n == 0.0)
}

#[cfg(test)]
mod tests {
    use super::is_zero;

    #[test]
    fn zero_values() {
        for v in ["0", "'0'", "'0ms'", "'0s'", "''", "'0.0min'"] {
            assert!(is_zero(v), "{v}");
        }
        for v in ["'5s'", "5000", "'1min'", "'0.5s'"] {
            assert!(!is_zero(v), "{v}");
        }
    }
}
