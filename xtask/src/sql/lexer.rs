//! The SQL lexer: turns migration text into tokens the way the PostgreSQL
//! server's scanner (`scan.l`) does, so the splitter and the checks never
//! mistake the inside of a string, comment or dollar-quoted body for SQL.
//!
//! Every byte of the input belongs to exactly one token, so any token or
//! statement maps back to the source for diagnostics. Malformed input
//! (unterminated quotes and comments, psql meta-commands) still tokenizes:
//! the offending construct runs to the end of input and a [`LexError`] is
//! reported beside it.
//!
//! Like the server, every non-ASCII character counts as an identifier
//! character. As a consequence token boundaries only ever fall on ASCII
//! bytes, the ends of the input or just after a leading BOM, so every span is
//! a valid `str` range.
//!
//! [`LineIndex`] and [`char_offset_to_byte`] turn byte offsets and server
//! error positions into the line and column a person reads.

use std::fmt;

/// A byte range into the source; `end` is exclusive.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Whitespace,
    /// `--` up to, not including, the line break.
    LineComment,
    /// `/* ... */`, nested comments included.
    BlockComment,
    /// Unquoted identifier or keyword.
    Word,
    /// `"..."` or `U&"..."`.
    QuotedIdent,
    /// `'...'`, `E'...'`, `U&'...'`, `B'...'`, `X'...'`, `N'...'`.
    String,
    /// `$$...$$` or `$tag$...$tag$`.
    DollarString,
    Number,
    /// A positional parameter, `$1`.
    Param,
    /// Operators, including `::` and `:=`.
    Operator,
    Semicolon,
    LParen,
    RParen,
    /// `[ ] , . :`
    Punct,
    /// A psql backslash command at the start of a line, up to the line break.
    PsqlMeta,
    /// A single character the server would reject (`\`, `{`, a lone `$`, ...).
    Unknown,
}

impl TokenKind {
    /// Whitespace and comments: what lies between the tokens that matter.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.span.start..self.span.end).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// The opening delimiter of the unterminated construct, or the offending text.
    pub span: Span,
    pub message: String,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LexError {}

/// Splits `src` into tokens covering it contiguously, plus the errors found.
pub fn tokenize(src: &str) -> (Vec<Token>, Vec<LexError>) {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        at_line_start: true,
        // Ordinary SQL averages a token every four to five bytes.
        tokens: Vec::with_capacity(src.len() / 4 + 8),
        errors: Vec::new(),
    };
    // Editors on Windows add a BOM; the server would read it as part of the
    // first identifier, but touchpoint strips it before sending.
    if src.starts_with('\u{feff}') {
        lx.pos = '\u{feff}'.len_utf8();
        lx.tokens.push(Token {
            kind: TokenKind::Whitespace,
            span: Span {
                start: 0,
                end: lx.pos,
            },
        });
    }
    while lx.pos < lx.bytes.len() {
        lx.token();
    }
    (lx.tokens, lx.errors)
}

const SPACE: u8 = 1;
const IDENT_START: u8 = 2;
const IDENT_CONT: u8 = 4;
const DIGIT: u8 = 8;
const OP: u8 = 16;

/// Byte classes from `scan.l`: `space`, `ident_start` (letters, `_` and every
/// byte >= 0x80), `ident_cont` (adds digits and `$`) and `op_chars`.
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut class = 0;
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            class |= SPACE;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            class |= IDENT_START | IDENT_CONT;
        }
        if c.is_ascii_digit() {
            class |= DIGIT | IDENT_CONT;
        }
        if c == b'$' {
            class |= IDENT_CONT;
        }
        if matches!(
            c,
            b'~' | b'!'
                | b'@'
                | b'#'
                | b'^'
                | b'&'
                | b'|'
                | b'`'
                | b'?'
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'%'
                | b'<'
                | b'>'
                | b'='
        ) {
            class |= OP;
        }
        table[i] = class;
        i += 1;
    }
    table
};

fn is(byte: u8, class: u8) -> bool {
    CLASS[byte as usize] & class != 0
}

/// How a quoted literal or identifier ends, and which token and error it makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoted {
    /// `'...'`, `U&'...'`, `N'...'`: `''` is a quote, backslash is literal.
    Standard,
    /// `E'...'`: backslash escapes the next byte as well.
    Escape,
    /// `B'...'`, `X'...'`: end at the first quote; the server reads
    /// `B'1''0'` as two literals.
    Bit,
    Hex,
    /// `"..."`, `U&"..."`: `""` is a quote.
    Ident,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Only whitespace since the last line break: a backslash here is psql's.
    at_line_start: bool,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
}

impl Lexer<'_> {
    /// The byte `ahead` positions on, or 0 past the end (never a byte tested for).
    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn error(&mut self, start: usize, end: usize, message: String) {
        self.errors.push(LexError {
            span: Span { start, end },
            message,
        });
    }

    /// Lexes one token at `self.pos`; always advances by at least one byte.
    fn token(&mut self) {
        let start = self.pos;
        let byte = self.bytes[start];
        let next = self.peek(1);
        let kind = match byte {
            _ if is(byte, SPACE) => self.whitespace(),
            b'-' if next == b'-' => {
                self.pos = self.line_end(start);
                TokenKind::LineComment
            }
            b'/' if next == b'*' => self.block_comment(),
            b'\'' => self.quoted(1, Quoted::Standard),
            b'"' => self.quoted(1, Quoted::Ident),
            b'e' | b'E' if next == b'\'' => self.quoted(2, Quoted::Escape),
            b'b' | b'B' if next == b'\'' => self.quoted(2, Quoted::Bit),
            b'x' | b'X' if next == b'\'' => self.quoted(2, Quoted::Hex),
            b'n' | b'N' if next == b'\'' => self.quoted(2, Quoted::Standard),
            b'u' | b'U' if next == b'&' && self.peek(2) == b'\'' => {
                self.quoted(3, Quoted::Standard)
            }
            b'u' | b'U' if next == b'&' && self.peek(2) == b'"' => self.quoted(3, Quoted::Ident),
            b'0'..=b'9' => self.number(),
            b'.' if next.is_ascii_digit() => self.number(),
            b'$' => self.dollar(),
            b'\\' => self.backslash(),
            b':' if next == b':' || next == b'=' => {
                self.pos += 2;
                TokenKind::Operator
            }
            b';' | b'(' | b')' | b'[' | b']' | b',' | b'.' | b':' => {
                self.pos += 1;
                match byte {
                    b';' => TokenKind::Semicolon,
                    b'(' => TokenKind::LParen,
                    b')' => TokenKind::RParen,
                    _ => TokenKind::Punct,
                }
            }
            _ if is(byte, IDENT_START) => {
                self.pos = self.skip(start + 1, IDENT_CONT);
                TokenKind::Word
            }
            _ if is(byte, OP) => self.operator(),
            // Only ASCII gets here: every byte >= 0x80 is an identifier byte.
            _ => {
                self.pos += 1;
                TokenKind::Unknown
            }
        };
        if kind != TokenKind::Whitespace {
            self.at_line_start = false;
        }
        self.tokens.push(Token {
            kind,
            span: Span {
                start,
                end: self.pos,
            },
        });
    }

    /// The first index at or after `from` whose byte is not in `class`.
    fn skip(&self, mut from: usize, class: u8) -> usize {
        while from < self.bytes.len() && is(self.bytes[from], class) {
            from += 1;
        }
        from
    }

    /// The index of the next `\n` or `\r` at or after `from`, or the end.
    fn line_end(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(self.bytes.len(), |i| from + i)
    }

    fn whitespace(&mut self) -> TokenKind {
        let end = self.skip(self.pos, SPACE);
        if self.bytes[self.pos..end]
            .iter()
            .any(|&b| b == b'\n' || b == b'\r')
        {
            self.at_line_start = true;
        }
        self.pos = end;
        TokenKind::Whitespace
    }

    fn block_comment(&mut self) -> TokenKind {
        let start = self.pos;
        let bytes = self.bytes;
        let mut depth = 1usize;
        let mut i = start + 2;
        while i + 1 < bytes.len() {
            match (bytes[i], bytes[i + 1]) {
                (b'*', b'/') => {
                    i += 2;
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i;
                        return TokenKind::BlockComment;
                    }
                }
                (b'/', b'*') => {
                    i += 2;
                    depth += 1;
                }
                _ => i += 1,
            }
        }
        self.pos = bytes.len();
        self.error(start, start + 2, "unterminated block comment".to_string());
        TokenKind::BlockComment
    }

    /// A quoted literal or identifier whose opening delimiter is `open` bytes
    /// long and ends with the quote character.
    fn quoted(&mut self, open: usize, style: Quoted) -> TokenKind {
        let start = self.pos;
        let bytes = self.bytes;
        let quote = bytes[start + open - 1];
        let mut i = start + open;
        while i < bytes.len() {
            let b = bytes[i];
            if b == quote {
                let doubled = bytes.get(i + 1) == Some(&quote);
                if doubled && matches!(style, Quoted::Standard | Quoted::Escape | Quoted::Ident) {
                    i += 2;
                    continue;
                }
                self.pos = i + 1;
                return style.kind();
            }
            // Skipping the escaped byte may land inside a multi-byte
            // character; harmless, as only an ASCII quote ends the token.
            i += if b == b'\\' && style == Quoted::Escape {
                2
            } else {
                1
            };
        }
        self.pos = bytes.len();
        let message = match style {
            Quoted::Standard | Quoted::Escape => "unterminated quoted string",
            Quoted::Bit => "unterminated bit string literal",
            Quoted::Hex => "unterminated hexadecimal string literal",
            Quoted::Ident => "unterminated quoted identifier",
        };
        self.error(start, start + open, message.to_string());
        style.kind()
    }

    /// `scan.l` numbers: decimal with `_` separators, fraction, exponent,
    /// and `0x`/`0o`/`0b` integers. Trailing letters are left for the next
    /// token (the server rejects them as junk; the split is unaffected).
    fn number(&mut self) -> TokenKind {
        let bytes = self.bytes;
        let start = self.pos;
        if bytes[start] == b'0' {
            let radix_digit: Option<fn(u8) -> bool> = match self.peek(1) {
                b'x' | b'X' => Some(|b| b.is_ascii_hexdigit()),
                b'o' | b'O' => Some(|b| matches!(b, b'0'..=b'7')),
                b'b' | b'B' => Some(|b| matches!(b, b'0' | b'1')),
                _ => None,
            };
            if let Some(ok) = radix_digit {
                let end = digits(bytes, start + 2, ok, true);
                if end > start + 2 {
                    self.pos = end;
                    return TokenKind::Number;
                }
            }
        }
        let dec = |b: u8| b.is_ascii_digit();
        let mut i = digits(bytes, start, dec, false);
        // `1..2` is an integer followed by `..`, as in PL/pgSQL ranges.
        if bytes.get(i) == Some(&b'.') && bytes.get(i + 1) != Some(&b'.') {
            i = digits(bytes, i + 1, dec, false);
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(bytes.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let end = digits(bytes, j, dec, false);
            if end > j {
                i = end;
            }
        }
        self.pos = i;
        TokenKind::Number
    }

    /// `$1`, `$$...$$`, `$tag$...$tag$`, or a lone `$`.
    fn dollar(&mut self) -> TokenKind {
        let bytes = self.bytes;
        let start = self.pos;
        if self.peek(1).is_ascii_digit() {
            self.pos = digits(bytes, start + 1, |b| b.is_ascii_digit(), false);
            return TokenKind::Param;
        }
        // A tag is an identifier without `$`: `$a$b$` opens with `$a$`.
        let mut tag_end = start + 1;
        if tag_end < bytes.len() && is(bytes[tag_end], IDENT_START) {
            tag_end = self.skip(tag_end + 1, IDENT_START | DIGIT);
        }
        if bytes.get(tag_end) != Some(&b'$') {
            self.pos = start + 1;
            return TokenKind::Unknown;
        }
        let body = tag_end + 1;
        let delimiter = &self.src[start..body];
        // `str::find` is linear (two-way search) whatever the tag length.
        match self.src[body..].find(delimiter) {
            Some(offset) => self.pos = body + offset + delimiter.len(),
            None => {
                self.pos = bytes.len();
                let message = format!("unterminated dollar-quoted string {delimiter}");
                self.error(start, body, message);
            }
        }
        TokenKind::DollarString
    }

    /// `scan.l`'s operator rule: a run of operator characters, cut before an
    /// embedded `/*` or `--`, and stripped of trailing `+`/`-` unless it
    /// contains a character only found in user-defined operators, so that
    /// `a=-1` is `a = -1`.
    fn operator(&mut self) -> TokenKind {
        let bytes = self.bytes;
        let start = self.pos;
        let mut end = start + 1;
        while end < bytes.len() && is(bytes[end], OP) {
            // The lexer only gets here when `start` does not open a comment,
            // so the cut never leaves an empty operator.
            if matches!((bytes[end - 1], bytes[end]), (b'/', b'*') | (b'-', b'-')) {
                end -= 1;
                break;
            }
            end += 1;
        }
        let plus_minus = |b: u8| b == b'+' || b == b'-';
        if end - start > 1
            && plus_minus(bytes[end - 1])
            && !bytes[start..end - 1]
                .iter()
                .any(|b| b"~!@#^&|`?%".contains(b))
        {
            while end - start > 1 && plus_minus(bytes[end - 1]) {
                end -= 1;
            }
        }
        self.pos = end;
        TokenKind::Operator
    }

    /// A backslash outside any literal is psql syntax, which the server
    /// rejects. At the start of a line the whole line is psql's.
    fn backslash(&mut self) -> TokenKind {
        let bytes = self.bytes;
        let start = self.pos;
        let name_end = if self.peek(1) == b'\\' {
            start + 2
        } else {
            let mut i = start + 1;
            while i < bytes.len() && !is(bytes[i], SPACE) && bytes[i] != b'\\' {
                i += 1;
            }
            i
        };
        let (kind, end) = if self.at_line_start {
            (TokenKind::PsqlMeta, self.line_end(start))
        } else {
            (TokenKind::Unknown, start + 1)
        };
        let message = if kind == TokenKind::PsqlMeta || name_end > start + 1 {
            let name: String = self.src[start..name_end].chars().take(32).collect();
            format!(
                "psql meta-command `{name}` is not SQL: touchpoint sends statements to the \
                 server, not to psql"
            )
        } else {
            "unexpected backslash outside a string or comment: it is not SQL \
             (backslash escapes need an E'...' string)"
                .to_string()
        };
        self.error(start, name_end, message);
        self.pos = end;
        kind
    }
}

impl Quoted {
    fn kind(self) -> TokenKind {
        if self == Quoted::Ident {
            TokenKind::QuotedIdent
        } else {
            TokenKind::String
        }
    }
}

/// `scan.l`'s digit runs: digits with single `_` separators between them
/// (and, for `0x`/`0o`/`0b`, before the first). Returns where the run ends.
fn digits(bytes: &[u8], mut i: usize, ok: fn(u8) -> bool, leading_underscore: bool) -> usize {
    let first = i;
    loop {
        match bytes.get(i) {
            Some(&b) if ok(b) => i += 1,
            Some(b'_')
                if (i > first || leading_underscore)
                    && bytes.get(i + 1).is_some_and(|&b| ok(b)) =>
            {
                i += 2
            }
            _ => return i,
        }
    }
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Maps byte offsets to lines and columns. Lines end at `\n`, `\r\n` or a
/// lone `\r`, as editors count them.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    src: &'a str,
    /// Byte offset where each line starts; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(src: &'a str) -> Self {
        let bytes = src.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex { src, starts }
    }

    /// Number of lines; an empty source has one, empty, line.
    pub fn line_count(&self) -> u32 {
        to_u32(self.starts.len())
    }

    /// Offsets past the end clamp to the end; offsets inside a multi-byte
    /// character count as that character.
    pub fn line_col(&self, byte: usize) -> LineCol {
        let byte = floor_char_boundary(self.src, byte.min(self.src.len()));
        let line = self.starts.partition_point(|&s| s <= byte) - 1;
        let col = self.src[self.starts[line]..byte].chars().count() + 1;
        LineCol {
            line: to_u32(line + 1),
            col: to_u32(col),
        }
    }

    /// The text of 1-based `line` without its line break; "" when out of range.
    pub fn line_text(&self, line: u32) -> &'a str {
        let Some(index) = (line as usize).checked_sub(1) else {
            return "";
        };
        let Some(&start) = self.starts.get(index) else {
            return "";
        };
        let end = self.starts.get(index + 1).map_or(self.src.len(), |&next| {
            let bytes = self.src.as_bytes();
            let mut end = next;
            if end > start && bytes[end - 1] == b'\n' {
                end -= 1;
            }
            if end > start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            end
        });
        &self.src[start..end]
    }
}

/// The largest character boundary of `s` at or below `i` (which is at most `s.len()`).
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The byte offset of the 1-based character position `char_pos_1based` in
/// `s`, as in a server error's `position`. One past the last character maps
/// to `s.len()` (the server points there for "at end of input").
pub fn char_offset_to_byte(s: &str, char_pos_1based: usize) -> Option<usize> {
    let index = char_pos_1based.checked_sub(1)?;
    let mut seen = 0;
    for (byte, _) in s.char_indices() {
        if seen == index {
            return Some(byte);
        }
        seen += 1;
    }
    (seen == index).then_some(s.len())
}

/// Runs the lexer and splitter on `input` and panics if any invariant is
/// broken: tokens cover the input contiguously, non-empty, on character
/// boundaries; errors lie within the input; statements are in order, do
/// not overlap, start and end on significant tokens; line lookups agree.
#[doc(hidden)]
pub fn fuzz_one(input: &str) {
    let (tokens, errors) = tokenize(input);
    let bytes = input.as_bytes();
    let mut at = 0;
    let mut prev: Option<TokenKind> = None;
    for (i, token) in tokens.iter().enumerate() {
        let Span { start, end } = token.span;
        assert_eq!(start, at, "token {i} {token:?} is not contiguous");
        assert!(start < end, "token {i} {token:?} is empty");
        assert!(end <= input.len(), "token {i} {token:?} is past the end");
        assert!(
            input.is_char_boundary(end),
            "token {i} {token:?} splits a char"
        );
        let text = &input[start..end];
        let first = bytes[start];
        let shape_ok = match token.kind {
            TokenKind::Whitespace => {
                text.bytes().all(|b| is(b, SPACE)) || (start == 0 && text == "\u{feff}")
            }
            TokenKind::LineComment => text.starts_with("--") && !text.contains(['\n', '\r']),
            TokenKind::BlockComment => text.starts_with("/*"),
            TokenKind::Word => is(first, IDENT_START),
            TokenKind::QuotedIdent | TokenKind::String => text.contains(['\'', '"']),
            TokenKind::DollarString => text.starts_with('$') && text.len() >= 2,
            TokenKind::Number => first.is_ascii_digit() || first == b'.',
            TokenKind::Param => {
                text.starts_with('$') && text[1..].bytes().all(|b| b.is_ascii_digit() || b == b'_')
            }
            TokenKind::Operator => text.bytes().all(|b| is(b, OP) || b == b':'),
            TokenKind::Semicolon => text == ";",
            TokenKind::LParen => text == "(",
            TokenKind::RParen => text == ")",
            TokenKind::Punct => text.len() == 1 && b"[],.:".contains(&first),
            TokenKind::PsqlMeta => text.starts_with('\\') && !text.contains(['\n', '\r']),
            TokenKind::Unknown => text.len() == 1,
        };
        assert!(
            shape_ok,
            "token {i} {token:?} has the wrong shape: {text:?}"
        );
        // Greedy rules never leave two words or two whitespace runs adjacent.
        let after_bom = i == 1 && input.starts_with('\u{feff}');
        if prev == Some(token.kind) && !after_bom {
            assert!(
                !matches!(token.kind, TokenKind::Word | TokenKind::Whitespace),
                "token {i} {token:?} should have merged with the one before"
            );
        }
        prev = Some(token.kind);
        at = end;
    }
    assert_eq!(at, input.len(), "tokens do not cover the input");
    for error in &errors {
        let Span { start, end } = error.span;
        assert!(
            start < end && end <= input.len(),
            "bad error span {error:?}"
        );
        assert!(input.is_char_boundary(start) && input.is_char_boundary(end));
    }

    let split = super::split::split(input);
    assert_eq!(split.tokens, tokens, "split must use the lexer's tokens");
    assert!(split.errors.len() >= errors.len());
    let mut after = 0;
    let mut after_token = 0;
    for stmt in &split.statements {
        let range = stmt.tokens.clone();
        assert!(
            range.start < range.end && range.end <= tokens.len(),
            "{stmt:?}"
        );
        assert!(range.start >= after_token, "statements overlap: {stmt:?}");
        let first = tokens[range.start];
        let last = tokens[range.end - 1];
        assert_eq!(stmt.span.start, first.span.start, "{stmt:?}");
        assert_eq!(stmt.span.end, last.span.end, "{stmt:?}");
        assert!(
            stmt.span.start >= after,
            "statements out of order: {stmt:?}"
        );
        assert!(
            !first.kind.is_trivia() && !last.kind.is_trivia(),
            "{stmt:?}"
        );
        assert!(tokens[range.clone()]
            .iter()
            .all(|t| t.kind != TokenKind::PsqlMeta));
        if stmt.terminated {
            assert_eq!(last.kind, TokenKind::Semicolon, "{stmt:?}");
        }
        assert!(!stmt.text(input).is_empty());
        after = stmt.span.end;
        after_token = range.end;
    }
    // Every significant token outside a statement is a separator.
    let mut inside = vec![false; tokens.len()];
    for stmt in &split.statements {
        inside[stmt.tokens.clone()].fill(true);
    }
    for (token, inside) in tokens.iter().zip(inside) {
        assert!(
            inside
                || token.kind.is_trivia()
                || matches!(token.kind, TokenKind::Semicolon | TokenKind::PsqlMeta),
            "significant token {token:?} outside every statement"
        );
    }

    let index = LineIndex::new(input);
    let probes = [0, input.len() / 2, input.len()];
    for byte in probes {
        let lc = index.line_col(byte);
        assert!(lc.line >= 1 && lc.line <= index.line_count());
        let line = index.line_text(lc.line);
        assert!(
            lc.col as usize <= line.chars().count() + 2,
            "{lc:?} {line:?}"
        );
        let byte = floor_char_boundary(input, byte);
        let char_pos = input[..byte].chars().count() + 1;
        assert_eq!(char_offset_to_byte(input, char_pos), Some(byte));
    }
}

/// xorshift64 seeded through splitmix64, so that nearby seeds (and 0) give
/// unrelated streams.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        XorShift((z ^ (z >> 31)) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform-enough in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A char boundary of `s` at or below a random offset.
    fn boundary(&mut self, s: &str) -> usize {
        floor_char_boundary(s, self.below(s.len() + 1))
    }

    fn char(&mut self) -> char {
        let code = match self.below(8) {
            0..=4 => self.below(0x80),
            5 => 0x80 + self.below(0x780),
            6 => 0x800 + self.below(0xF800),
            _ => 0x10000 + self.below(0x10_0000),
        };
        char::from_u32(code as u32).unwrap_or('\u{fffd}')
    }
}

/// The most bytes one corpus slice or duplication adds to a fuzz input.
const FUZZ_WINDOW: usize = 8192;

/// The pieces lexing and splitting are most likely to get wrong.
const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "\"\"",
    "$$",
    "$a$",
    "$fn$",
    "$_$",
    "$é$",
    "$1",
    "$1$",
    "$",
    "E'",
    "e'",
    "\\'",
    "\\\\",
    "U&'",
    "u&\"",
    "UESCAPE '!'",
    "B'",
    "X'",
    "N'",
    "/*",
    "*/",
    "/*/",
    "--",
    "\\",
    "\\i other.sql\n",
    "\\set ON_ERROR_STOP on\n",
    " \\gset",
    ";",
    ";;",
    "BEGIN",
    " ATOMIC ",
    "begin atomic",
    "END",
    " end ",
    "CASE",
    " case ",
    "WHEN 1 THEN 2 ",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql ",
    "CREATE OR REPLACE PROCEDURE p() ",
    "create or replace function ",
    "BEGIN TRANSACTION;",
    "SELECT ",
    "1",
    ".5",
    "1e10",
    "0x1F",
    "1_000",
    "1..2",
    "::",
    "->>",
    "=-",
    "+/*",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    ":",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\u{b}",
    "é",
    "日本",
    "🦀",
    "\u{feff}",
    "\u{a0}",
    "\u{0}",
    "{",
    "}",
    "a$b$",
    "DO $$ BEGIN END $$;",
];

/// A deterministic fuzz input: random fragments, random characters and
/// slices of `corpus` samples, spliced, duplicated and truncated.
#[doc(hidden)]
pub fn fuzz_input(seed: u64, corpus: &[&str]) -> String {
    let mut rng = XorShift::new(seed);
    let mut out = String::new();
    for _ in 0..1 + rng.below(32) {
        match rng.below(16) {
            0..=7 => out.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]),
            8..=10 => {
                for _ in 0..1 + rng.below(4) {
                    out.push(rng.char());
                }
            }
            11..=13 if !corpus.is_empty() => {
                let sample = corpus[rng.below(corpus.len())];
                let (from, to) = match rng.below(4) {
                    0 => (0, sample.len()),
                    1 => (0, rng.boundary(sample)),
                    2 => (rng.boundary(sample), sample.len()),
                    _ => {
                        let (a, b) = (rng.boundary(sample), rng.boundary(sample));
                        (a.min(b), a.max(b))
                    }
                };
                // Whole huge samples belong to the corpus test; a window of
                // them keeps iterations fast.
                let to = floor_char_boundary(sample, to.min(from + FUZZ_WINDOW));
                out.push_str(&sample[from..to]);
            }
            14 if out.len() < FUZZ_WINDOW => {
                let (a, b) = (rng.boundary(&out), rng.boundary(&out));
                let chunk = out[a.min(b)..a.max(b)].to_string();
                out.push_str(&chunk);
            }
            _ => {
                let word = ["x", "\"q\"", "'s'", " ", "\n", "-- c\n", "/* c */", ";"];
                out.push_str(word[rng.below(word.len())]);
            }
        }
    }
    if rng.below(4) == 0 {
        let cut = rng.boundary(&out);
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::TokenKind::{
        BlockComment, DollarString, LParen, LineComment, Number, Operator, Param, PsqlMeta, Punct,
        QuotedIdent, RParen, Semicolon, Unknown, Whitespace, Word,
    };
    use super::*;

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

    #[test]
    fn fuzz_input_is_deterministic() {
        let corpus = [
            "SELECT 1;",
            "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END;",
        ];
        assert_eq!(fuzz_input(7, &corpus), fuzz_input(7, &corpus));
        let distinct: std::collections::HashSet<String> =
            (0..50).map(|seed| fuzz_input(seed, &corpus)).collect();
        assert!(distinct.len() > 40);
    }

    /// Samples for the fuzzer to mutate; the corpus files are added when
    /// built by cargo.
    const SEED_CORPUS: &[&str] = &[
        "SELECT 1; SELECT 'a;b', \"c;d\", $$e;f$$, E'g\\';h' -- i;\n/* j; /* k; */ */ ;",
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN a > 0 THEN 1 ELSE CASE WHEN a < 0 THEN -1 END END;\n  SELECT 2;\nEND;\nSELECT 3;",
        "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\nBEGIN ISOLATION LEVEL SERIALIZABLE; END;",
        "DO $do$\nBEGIN\n  EXECUTE $q$ SELECT 1; $q$;\nEND\n$do$;\n",
        "\\set ON_ERROR_STOP on\r\nSELECT 1 \\gset\r\n\\i x.sql\r\n",
        "SELECT U&'d\\0061t\\+000061' UESCAPE '\\', B'1', X'f', N'n', $1, $1$, a$b$;",
        "\u{feff}-- é 日本 🦀\nSELECT 'é', \"日本\", 🦀;",
    ];

    fn corpus() -> Vec<String> {
        let mut samples: Vec<String> = SEED_CORPUS.iter().map(|s| s.to_string()).collect();
        if let Some(dir) = option_env!("CARGO_MANIFEST_DIR") {
            let dir = std::path::Path::new(dir).join("tests/lexer_corpus");
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    samples.push(text);
                }
            }
        }
        samples
    }

    fn fuzz_seed(seed: u64, corpus: &[&str]) {
        let input = fuzz_input(seed, corpus);
        if std::panic::catch_unwind(|| fuzz_one(&input)).is_err() {
            panic!("fuzz_one failed for seed {seed}, input {input:?}");
        }
    }

    #[test]
    fn fuzz_twenty_thousand() {
        let samples = corpus();
        let corpus: Vec<&str> = samples.iter().map(|s| s.as_str()).collect();
        for seed in 0..20_000 {
            fuzz_seed(seed, &corpus);
        }
    }

    /// `TOUCHPOINT_FUZZ_SECS=60 cargo test --release -p touchpoint fuzz_for_a_while -- --ignored --nocapture`
    #[test]
    #[ignore = "long-running: set TOUCHPOINT_FUZZ_SECS"]
    fn fuzz_for_a_while() {
        let secs: u64 = std::env::var("TOUCHPOINT_FUZZ_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        let first: u64 = std::env::var("TOUCHPOINT_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1 << 32);
        let samples = corpus();
        let corpus: Vec<&str> = samples.iter().map(|s| s.as_str()).collect();
        let started = std::time::Instant::now();
        let budget = std::time::Duration::from_secs(secs);
        let mut seed = first;
        while started.elapsed() < budget {
            fuzz_seed(seed, &corpus);
            seed += 1;
        }
        println!(
            "fuzzed {} inputs (seeds {first}..{seed}) in {:.1?}",
            seed - first,
            started.elapsed()
        );
    }
}
