//! Quoting text into SQL that touchpoint writes for others to run (the
//! bundle's psql scripts): string literals and dollar-quoted strings whose
//! content reaches the server byte for byte.

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
    fn psql_arguments_escape_backslashes_and_quotes() {
        assert_eq!(psql_quoted("O'Brien \\n"), "'O''Brien \\\\n'");
        assert_eq!(psql_quoted("two\nlines"), "'two lines'");
    }
}
