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

pub(crate) const SPACE: u8 = 1;
pub(crate) const IDENT_START: u8 = 2;
const IDENT_CONT: u8 = 4;
const DIGIT: u8 = 8;
pub(crate) const OP: u8 = 16;

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

pub(crate) fn is(byte: u8, class: u8) -> bool {
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
pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
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

#[cfg(test)]
mod tests;
