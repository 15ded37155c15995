//! The lexer's tests: tokens, spans, errors and positions.
use super::TokenKind::{
    BlockComment, DollarString, LParen, LineComment, Number, Operator, Param, PsqlMeta, Punct,
    QuotedIdent, RParen, Semicolon, Unknown, Whitespace, Word,
};
use super::*;
use crate::sql::fuzz::fuzz_one;

const STRING: TokenKind = TokenKind::String;

/// Tokens as (kind, text), checking the invariants on the way.
fn lex(src: &str) -> Vec<(TokenKind, &str)> {
    fuzz_one(src);
    let (tokens, _) = tokenize(src);
    tokens.iter().map(|t| (t.kind, t.text(src))).collect()
}

/// Significant tokens only.
fn sig(src: &str) -> Vec<(TokenKind, &str)> {
    lex(src)
        .into_iter()
        .filter(|(k, _)| !k.is_trivia())
        .collect()
}

fn errors(src: &str) -> Vec<String> {
    tokenize(src).1.into_iter().map(|e| e.message).collect()
}

#[test]
fn empty_input_has_no_tokens() {
    assert!(lex("").is_empty());
    assert!(errors("").is_empty());
}

#[test]
fn simple_statement() {
    assert_eq!(
        lex("SELECT a, b FROM t;"),
        vec![
            (Word, "SELECT"),
            (Whitespace, " "),
            (Word, "a"),
            (Punct, ","),
            (Whitespace, " "),
            (Word, "b"),
            (Whitespace, " "),
            (Word, "FROM"),
            (Whitespace, " "),
            (Word, "t"),
            (Semicolon, ";"),
        ]
    );
}

#[test]
fn line_comments_stop_before_the_line_break() {
    assert_eq!(
        lex("a -- c; 'x\nb"),
        vec![
            (Word, "a"),
            (Whitespace, " "),
            (LineComment, "-- c; 'x"),
            (Whitespace, "\n"),
            (Word, "b"),
        ]
    );
    assert_eq!(lex("--x\r\ny")[0], (LineComment, "--x"));
    assert_eq!(lex("--")[0], (LineComment, "--"));
}

#[test]
fn block_comments_nest() {
    assert_eq!(
        lex("/* a /* b */ c */x"),
        vec![(BlockComment, "/* a /* b */ c */"), (Word, "x")]
    );
    assert_eq!(lex("/**/;")[0], (BlockComment, "/**/"));
    assert_eq!(lex("/*/ */;")[0], (BlockComment, "/*/ */"));
    assert_eq!(lex("/* ; ' \" $$ */;")[1], (Semicolon, ";"));
    let deep = format!("{}{}", "/*".repeat(500), "*/".repeat(500));
    assert_eq!(lex(&deep), vec![(BlockComment, deep.as_str())]);
}

#[test]
fn unterminated_block_comment_runs_to_the_end() {
    let src = "SELECT 1; /* a /* b */ ;";
    assert_eq!(lex(src).last(), Some(&(BlockComment, "/* a /* b */ ;")));
    let (_, errs) = tokenize(src);
    assert_eq!(errs[0].message, "unterminated block comment");
    assert_eq!(errs[0].span, Span { start: 10, end: 12 });
    assert_eq!(errors("/*"), ["unterminated block comment"]);
    assert_eq!(errors("/*/"), ["unterminated block comment"]);
}

#[test]
fn standard_strings_double_quotes_and_keep_backslashes() {
    assert_eq!(sig("'it''s;'"), vec![(STRING, "'it''s;'")]);
    assert_eq!(sig(r"'C:\' ;"), vec![(STRING, r"'C:\'"), (Semicolon, ";")]);
    assert_eq!(sig("''"), vec![(STRING, "''")]);
    assert_eq!(sig("'a''''b'"), vec![(STRING, "'a''''b'")]);
}

#[test]
fn escape_strings_honour_backslashes() {
    assert_eq!(
        sig(r"E'it\'s;';"),
        vec![(STRING, r"E'it\'s;'"), (Semicolon, ";")]
    );
    assert_eq!(sig(r"e'\\' x"), vec![(STRING, r"e'\\'"), (Word, "x")]);
    assert_eq!(sig(r"E'a''b\\\''"), vec![(STRING, r"E'a''b\\\''")]);
    assert_eq!(sig("E'$$'"), vec![(STRING, "E'$$'")]);
    assert_eq!(sig("E'\\é'"), vec![(STRING, "E'\\é'")]);
    assert_eq!(errors(r"E'abc\'"), ["unterminated quoted string"]);
    assert_eq!(errors("E'\\"), ["unterminated quoted string"]);
}

#[test]
fn unicode_strings_and_identifiers() {
    assert_eq!(
        sig(r"U&'d\0061t\+000061'"),
        vec![(STRING, r"U&'d\0061t\+000061'")]
    );
    assert_eq!(sig(r#"u&"d\0061t""#), vec![(QuotedIdent, r#"u&"d\0061t""#)]);
    assert_eq!(
        sig("U&'d!0061t' UESCAPE '!'"),
        vec![(STRING, "U&'d!0061t'"), (Word, "UESCAPE"), (STRING, "'!'")]
    );
    // Not followed by a quote: an identifier and an operator.
    assert_eq!(
        sig("U&1"),
        vec![(Word, "U"), (Operator, "&"), (Number, "1")]
    );
}

#[test]
fn prefixed_strings() {
    assert_eq!(sig("B'101'"), vec![(STRING, "B'101'")]);
    assert_eq!(sig("x'1F'"), vec![(STRING, "x'1F'")]);
    assert_eq!(sig("N'abc'"), vec![(STRING, "N'abc'")]);
    // As in the server, a bit string ends at the first quote.
    assert_eq!(sig("B'10''01'"), vec![(STRING, "B'10'"), (STRING, "'01'")]);
    // The prefix only counts at the start of a token.
    assert_eq!(sig("xE'a'"), vec![(Word, "xE"), (STRING, "'a'")]);
    assert_eq!(errors("B'1"), ["unterminated bit string literal"]);
    assert_eq!(errors("X'1"), ["unterminated hexadecimal string literal"]);
}

#[test]
fn adjacent_strings_are_separate_tokens() {
    assert_eq!(sig("'a'\n'b'"), vec![(STRING, "'a'"), (STRING, "'b'")]);
}

#[test]
fn quoted_identifiers() {
    assert_eq!(sig(r#""a""b;""#), vec![(QuotedIdent, r#""a""b;""#)]);
    assert_eq!(
        sig("\"日本\".x"),
        vec![(QuotedIdent, "\"日本\""), (Punct, "."), (Word, "x")]
    );
    assert_eq!(errors("\"abc"), ["unterminated quoted identifier"]);
}

#[test]
fn dollar_quoted_strings() {
    assert_eq!(sig("$$a;b$$;")[0], (DollarString, "$$a;b$$"));
    assert_eq!(
        sig("$fn$ x $$ ; $$ y $fn$;"),
        vec![(DollarString, "$fn$ x $$ ; $$ y $fn$"), (Semicolon, ";")]
    );
    assert_eq!(
        sig("$a$ $b$ inner $b$ $a$"),
        vec![(DollarString, "$a$ $b$ inner $b$ $a$")]
    );
    assert_eq!(sig("$_x1$ ' $_x1$"), vec![(DollarString, "$_x1$ ' $_x1$")]);
    assert_eq!(sig("$é$ ; $é$"), vec![(DollarString, "$é$ ; $é$")]);
    // The closing tag may follow identifier characters.
    assert_eq!(sig("$q$abc$q$"), vec![(DollarString, "$q$abc$q$")]);
    // Tags are case-sensitive.
    assert_eq!(
        errors("$a$ x $A$"),
        ["unterminated dollar-quoted string $a$"]
    );
}

#[test]
fn dollar_signs_that_do_not_open_a_string() {
    assert_eq!(sig("a$b$ c"), vec![(Word, "a$b$"), (Word, "c")]);
    assert_eq!(sig("$1"), vec![(Param, "$1")]);
    assert_eq!(sig("$12,"), vec![(Param, "$12"), (Punct, ",")]);
    assert_eq!(sig("$1$"), vec![(Param, "$1"), (Unknown, "$")]);
    assert_eq!(
        sig("$abc d"),
        vec![(Unknown, "$"), (Word, "abc"), (Word, "d")]
    );
    assert_eq!(sig("$"), vec![(Unknown, "$")]);
    assert_eq!(sig("$1$$x$$"), vec![(Param, "$1"), (DollarString, "$$x$$")]);
    assert!(errors("$1$ a $1$").is_empty());
}

#[test]
fn unterminated_dollar_strings_name_their_tag() {
    let src = "DO $fn$ BEGIN; END $$;";
    assert_eq!(
        lex(src).last(),
        Some(&(DollarString, "$fn$ BEGIN; END $$;"))
    );
    let (_, errs) = tokenize(src);
    assert_eq!(errs[0].message, "unterminated dollar-quoted string $fn$");
    assert_eq!(errs[0].span, Span { start: 3, end: 7 });
    assert_eq!(errors("$$"), ["unterminated dollar-quoted string $$"]);
}

#[test]
fn numbers() {
    for n in [
        "42", "3.14", ".5", "1e10", "1.5e-3", "2E+7", "1.", "0x1F", "0o17", "0b101", "1_000",
        "0x_ff",
    ] {
        assert_eq!(sig(n), vec![(Number, n)], "{n}");
    }
    assert_eq!(
        sig("1..2"),
        vec![(Number, "1"), (Punct, "."), (Number, ".2")]
    );
    assert_eq!(sig("1e"), vec![(Number, "1"), (Word, "e")]);
    assert_eq!(sig("0x"), vec![(Number, "0"), (Word, "x")]);
    assert_eq!(sig("1__0"), vec![(Number, "1"), (Word, "__0")]);
    assert_eq!(sig("1.x"), vec![(Number, "1."), (Word, "x")]);
}

#[test]
fn operators_and_punctuation() {
    assert_eq!(
        sig("a::int->>'k'||b<=c"),
        vec![
            (Word, "a"),
            (Operator, "::"),
            (Word, "int"),
            (Operator, "->>"),
            (STRING, "'k'"),
            (Operator, "||"),
            (Word, "b"),
            (Operator, "<="),
            (Word, "c"),
        ]
    );
    assert_eq!(
        sig("x := f(a[1]).b : c"),
        vec![
            (Word, "x"),
            (Operator, ":="),
            (Word, "f"),
            (LParen, "("),
            (Word, "a"),
            (Punct, "["),
            (Number, "1"),
            (Punct, "]"),
            (RParen, ")"),
            (Punct, "."),
            (Word, "b"),
            (Punct, ":"),
            (Word, "c"),
        ]
    );
    assert_eq!(
        sig("a=-1"),
        vec![(Word, "a"), (Operator, "="), (Operator, "-"), (Number, "1")]
    );
    assert_eq!(sig("@-"), vec![(Operator, "@-")]);
    assert_eq!(
        sig("? ` ~"),
        vec![(Operator, "?"), (Operator, "`"), (Operator, "~")]
    );
}

#[test]
fn operators_stop_before_comments() {
    assert_eq!(
        lex("+/* c */"),
        vec![(Operator, "+"), (BlockComment, "/* c */")]
    );
    assert_eq!(lex("*--c"), vec![(Operator, "*"), (LineComment, "--c")]);
    assert_eq!(lex("<=--c"), vec![(Operator, "<="), (LineComment, "--c")]);
    assert_eq!(lex("-/**/"), vec![(Operator, "-"), (BlockComment, "/**/")]);
}

#[test]
fn psql_meta_commands_at_line_start() {
    let src = "\\set ON_ERROR_STOP on\nSELECT 1;\n  \\i foo.sql\r\n\\\\";
    assert_eq!(
        sig(src),
        vec![
            (PsqlMeta, "\\set ON_ERROR_STOP on"),
            (Word, "SELECT"),
            (Number, "1"),
            (Semicolon, ";"),
            (PsqlMeta, "\\i foo.sql"),
            (PsqlMeta, "\\\\"),
        ]
    );
    let errs = errors(src);
    assert_eq!(errs.len(), 3);
    assert_eq!(
        errs[1],
        "psql meta-command `\\i` is not SQL: touchpoint sends statements to the server, \
         not to psql"
    );
    assert!(errs[2].contains("`\\\\`"));
}

#[test]
fn backslash_mid_line_is_unknown() {
    assert_eq!(
        sig("SELECT 1 \\gset"),
        vec![
            (Word, "SELECT"),
            (Number, "1"),
            (Unknown, "\\"),
            (Word, "gset")
        ]
    );
    assert!(errors("SELECT 1 \\gset")[0].contains("`\\gset`"));
    assert!(errors("SELECT 1 \\ x")[0].starts_with("unexpected backslash"));
    assert_eq!(sig("/* c */ \\x")[0], (Unknown, "\\"));
    // Inside literals and comments a backslash is just content.
    assert!(errors("SELECT '\\'; -- \\x\n/* \\ */ $$\\$$").is_empty());
}

#[test]
fn byte_order_mark() {
    assert_eq!(
        lex("\u{feff}SELECT 1"),
        vec![
            (Whitespace, "\u{feff}"),
            (Word, "SELECT"),
            (Whitespace, " "),
            (Number, "1")
        ]
    );
    assert_eq!(lex("\u{feff}\\i x")[1], (PsqlMeta, "\\i x"));
    // Elsewhere it is an identifier character, as on the server.
    assert_eq!(sig("a \u{feff}b"), vec![(Word, "a"), (Word, "\u{feff}b")]);
}

#[test]
fn non_ascii_identifiers_and_unknown_characters() {
    assert_eq!(
        sig("café 日本 🦀x"),
        vec![(Word, "café"), (Word, "日本"), (Word, "🦀x")]
    );
    assert_eq!(
        sig("{}\u{0}"),
        vec![(Unknown, "{"), (Unknown, "}"), (Unknown, "\u{0}")]
    );
    assert_eq!(lex("\u{b}\u{c}"), vec![(Whitespace, "\u{b}\u{c}")]);
}

#[test]
fn unterminated_everything_at_eof() {
    for (src, message) in [
        ("SELECT 'abc", "unterminated quoted string"),
        ("SELECT E'abc\\'", "unterminated quoted string"),
        ("SELECT U&'abc", "unterminated quoted string"),
        ("SELECT \"abc", "unterminated quoted identifier"),
        ("SELECT $x$abc$x", "unterminated dollar-quoted string $x$"),
        ("SELECT /* /* */", "unterminated block comment"),
    ] {
        let tokens = lex(src);
        assert_eq!(tokens.len(), 3, "{src}");
        assert_eq!(errors(src), [message], "{src}");
    }
}

#[test]
fn line_index_lf_crlf_and_cr() {
    let src = "ab\r\ncd\nef\rgh";
    let index = LineIndex::new(src);
    assert_eq!(index.line_count(), 4);
    assert_eq!(index.line_col(0), LineCol { line: 1, col: 1 });
    assert_eq!(index.line_col(2), LineCol { line: 1, col: 3 });
    assert_eq!(index.line_col(3), LineCol { line: 1, col: 4 });
    assert_eq!(index.line_col(4), LineCol { line: 2, col: 1 });
    assert_eq!(index.line_col(8), LineCol { line: 3, col: 2 });
    assert_eq!(index.line_col(10), LineCol { line: 4, col: 1 });
    assert_eq!(index.line_col(11), LineCol { line: 4, col: 2 });
    assert_eq!(index.line_col(99), LineCol { line: 4, col: 3 });
    let lines: Vec<&str> = (0..=5).map(|l| index.line_text(l)).collect();
    assert_eq!(lines, ["", "ab", "cd", "ef", "gh", ""]);
    let trailing = LineIndex::new("x\r\n");
    assert_eq!(trailing.line_count(), 2);
    assert_eq!(trailing.line_text(1), "x");
    assert_eq!(trailing.line_text(2), "");
    assert_eq!(LineIndex::new("").line_col(0), LineCol { line: 1, col: 1 });
}

#[test]
fn line_index_counts_columns_in_chars() {
    let src = "-- é\r\nSELECT '日本', 🦀x;";
    let index = LineIndex::new(src);
    let x = src.find('x').unwrap();
    assert_eq!(index.line_col(x), LineCol { line: 2, col: 15 });
    // Inside a multi-byte character counts as that character.
    let crab = src.find('🦀').unwrap();
    assert_eq!(index.line_col(crab + 2), index.line_col(crab));
    assert_eq!(index.line_text(1), "-- é");
    assert_eq!(index.line_text(2), "SELECT '日本', 🦀x;");
}

#[test]
fn char_offsets_map_to_bytes() {
    let s = "aé日🦀b";
    let expected = [
        None,
        Some(0),
        Some(1),
        Some(3),
        Some(6),
        Some(10),
        Some(11),
        None,
    ];
    for (pos, want) in expected.into_iter().enumerate() {
        assert_eq!(char_offset_to_byte(s, pos), want, "position {pos}");
    }
    assert_eq!(char_offset_to_byte("", 1), Some(0));
    assert_eq!(char_offset_to_byte("", 2), None);
}
