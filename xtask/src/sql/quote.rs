//! Quoting text into SQL that touchpoint writes or runs: identifiers,
//! string literals and dollar-quoted strings whose content reaches the
//! server byte for byte, and psql arguments. The one place that does it.

use std::collections::BTreeSet;

/// `"name"`: an identifier quoted whatever it holds, inner quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Identifiers quoted only where the server's `quote_ident` would quote
/// them, with the server's own keyword list: what `sync` writes reads like
/// what a person writes (`service_ops.packet`, `"Odd"."select"`).
pub struct Quoter<'a> {
    /// Keywords `quote_ident` quotes (every category but unreserved).
    keywords: &'a BTreeSet<String>,
}

impl<'a> Quoter<'a> {
    pub fn new(keywords: &'a BTreeSet<String>) -> Quoter<'a> {
        Quoter { keywords }
    }

    /// `name` as is when it is lower case letters, digits and `_` (not
    /// starting with a digit) and not a keyword; else [`ident`].
    pub fn ident(&self, name: &str) -> String {
        let plain = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !self.keywords.contains(name);
        if plain {
            name.to_string()
        } else {
            ident(name)
        }
    }

    /// `schema.name`, each part quoted where needed.
    pub fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

/// `'text'` with quotes doubled. Only for text without a backslash, which
/// `standard_conforming_strings = off` would read as an escape; anything
/// else goes through [`dollar_quoted`].
pub fn literal(text: &str) -> String {
    if text.contains('\\') {
        return dollar_quoted(text, "touchpoint");
    }
    format!("'{}'", text.replace('\'', "''"))
}

/// `$tag$text$tag$` with a tag that cannot end the string early: the first
/// `$tag$` in `text` followed by the closing tag is the closing tag itself
/// (a text ending in `$tag` would otherwise close at the wrong place).
/// `base` is a plain identifier (letters, digits, `_`).
pub fn dollar_quoted(text: &str, base: &str) -> String {
    let closes_at_end = |tag: &str| format!("{text}{tag}").find(tag) == Some(text.len());
    let mut tag = format!("${base}$");
    let mut n = 0;
    while !closes_at_end(&tag) {
        n += 1;
        tag = format!("${base}_{n}$");
    }
    format!("{tag}{text}{tag}")
}

/// Text for a psql meta-command argument in single quotes (`\echo '...'`):
/// psql reads backslash escapes there, so backslashes and quotes are
/// doubled; line breaks become spaces (a meta-command ends at the line).
pub fn psql_quoted(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("'{}'", one_line.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_quotes_and_avoid_backslash_escapes() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "$touchpoint$a\\b$touchpoint$");
    }

    #[test]
    fn dollar_tags_never_occur_in_the_text() {
        assert_eq!(dollar_quoted("x", "t"), "$t$x$t$");
        assert_eq!(dollar_quoted("a $t$ b", "t"), "$t_1$a $t$ b$t_1$");
        // A text ending in `$t` would close early with `$t$`.
        assert_eq!(dollar_quoted("a $t", "t"), "$t_1$a $t$t_1$");
        assert_eq!(dollar_quoted("", "t"), "$t$$t$");
        assert_eq!(
            dollar_quoted("$t$ and $t_1$", "t"),
            "$t_2$$t$ and $t_1$$t_2$"
        );
    }

    #[test]
    fn quoter_quotes_only_what_quote_ident_would() {
        let keywords: BTreeSet<String> = ["select".to_string()].into();
        let q = Quoter::new(&keywords);
        assert_eq!(q.ident("packet_2"), "packet_2");
        assert_eq!(q.ident("_x"), "_x");
        assert_eq!(q.ident("select"), "\"select\"");
        assert_eq!(q.ident("Odd \"Name\""), "\"Odd \"\"Name\"\"\"");
        assert_eq!(q.ident("2x"), "\"2x\"");
        assert_eq!(q.ident(""), "\"\"");
        assert_eq!(q.qualified("s", "select"), "s.\"select\"");
    }

    #[test]
    fn psql_arguments_escape_backslashes_and_quotes() {
        assert_eq!(psql_quoted("O'Brien \\n"), "'O''Brien \\\\n'");
        assert_eq!(psql_quoted("two\nlines"), "'two lines'");
    }
}
