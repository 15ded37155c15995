//! The fuzz harness of the lexer and the splitter: generated inputs, and the
//! invariants every input must keep. `cargo xtask dev fuzz` runs it for a
//! while; the tests run a fixed number of seeds.

use super::lexer::{
    char_offset_to_byte, floor_char_boundary, is, tokenize, LineIndex, Span, TokenKind,
    IDENT_START, OP, SPACE,
};

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
    use super::*;

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
