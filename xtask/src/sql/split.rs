//! The statement splitter: cuts a migration into the statements the server
//! will run, at each top-level `;`, working on the lexer's tokens so that a
//! semicolon inside a string, comment, quoted identifier or dollar-quoted
//! body never splits.
//!
//! The one place a top-level `;` does not end a statement is a SQL-standard
//! routine body, `CREATE [OR REPLACE] {FUNCTION|PROCEDURE} ... BEGIN ATOMIC
//! ... END` (PostgreSQL 14+). Like psql's own scanner, the splitter only
//! looks for `BEGIN` (here: `BEGIN ATOMIC`) outside parentheses in a
//! statement that starts that way, then counts `CASE` ... `END` pairs to
//! find the `END` that closes the body. `BEGIN;` as a transaction, `END;`,
//! and `BEGIN` inside a `DO $$ ... $$` body are ordinary.
//!
//! A psql meta-command line (already an error from the lexer) ends the
//! statement before it, as it would in psql, and belongs to no statement.

use std::ops::Range;

use super::lexer::{tokenize, LexError, Span, Token, TokenKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// From the first significant token through the terminating `;`, or to
    /// the last significant token when the input ends first. Comments
    /// before the statement are not part of it.
    pub span: Span,
    /// The tokens in `span`, trivia included, as indices into [`Split::tokens`].
    pub tokens: Range<usize>,
    /// Whether a `;` ends the statement.
    pub terminated: bool,
}

impl Statement {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.span.start..self.span.end).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub tokens: Vec<Token>,
    pub statements: Vec<Statement>,
    /// The lexer's errors and the splitter's own, in source order.
    pub errors: Vec<LexError>,
}

pub fn split(src: &str) -> Split {
    let (tokens, mut errors) = tokenize(src);
    let mut statements = Vec::new();
    let mut current = Pending::default();
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            kind if kind.is_trivia() => {}
            TokenKind::PsqlMeta => current.finish(&tokens, &mut statements, false),
            TokenKind::Semicolon if current.atomic_depth == 0 => {
                // `;;` has nothing between the semicolons: no statement.
                if current.first.is_some() {
                    current.last = i;
                    current.finish(&tokens, &mut statements, true);
                }
            }
            _ => current.observe(i, token, src),
        }
    }
    if current.atomic_depth > 0 {
        errors.push(LexError {
            span: current.atomic_open,
            message: "`BEGIN ATOMIC` body is not closed by a matching `END` before the end \
                      of input"
                .to_string(),
        });
    }
    current.finish(&tokens, &mut statements, false);
    errors.sort_by_key(|e| e.span.start);
    Split {
        tokens,
        statements,
        errors,
    }
}

/// How far the statement's opening words match `CREATE [OR REPLACE]
/// {FUNCTION|PROCEDURE}`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Header {
    #[default]
    Start,
    Create,
    CreateOr,
    CreateOrReplace,
    Routine,
    Other,
}

/// The statement being gathered.
#[derive(Debug, Default)]
struct Pending {
    /// Index of its first significant token; `None` between statements.
    first: Option<usize>,
    /// Index of its last significant token so far.
    last: usize,
    header: Header,
    paren_depth: u32,
    /// A `BEGIN` at top level of a routine, waiting to see `ATOMIC`.
    begin: Option<Span>,
    /// 0 outside a `BEGIN ATOMIC` body; inside, 1 plus the open `CASE`s.
    atomic_depth: u32,
    /// `BEGIN ... ATOMIC`, for the error when the body never closes.
    atomic_open: Span,
}

impl Pending {
    fn observe(&mut self, i: usize, token: &Token, src: &str) {
        self.first.get_or_insert(i);
        self.last = i;
        let word = match token.kind {
            TokenKind::Word => token.text(src),
            TokenKind::LParen => {
                self.paren_depth += 1;
                ""
            }
            TokenKind::RParen => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
                ""
            }
            _ => "",
        };
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword);
        self.header = match self.header {
            Header::Start if is("create") => Header::Create,
            Header::Create if is("or") => Header::CreateOr,
            Header::CreateOr if is("replace") => Header::CreateOrReplace,
            Header::Create | Header::CreateOrReplace if is("function") || is("procedure") => {
                Header::Routine
            }
            Header::Routine => Header::Routine,
            _ => Header::Other,
        };
        if self.header != Header::Routine {
            return;
        }
        if self.atomic_depth > 0 {
            // `END` is reserved, so unquoted it only closes a CASE or the body.
            if is("case") {
                self.atomic_depth += 1;
            } else if is("end") {
                self.atomic_depth -= 1;
            }
            return;
        }
        let begin = self.begin.take();
        if self.paren_depth == 0 {
            if is("begin") {
                self.begin = Some(token.span);
            } else if let Some(begin) = begin.filter(|_| is("atomic")) {
                self.atomic_depth = 1;
                self.atomic_open = Span {
                    start: begin.start,
                    end: token.span.end,
                };
            }
        }
    }

    /// Records the statement gathered so far, if any, and starts afresh.
    fn finish(&mut self, tokens: &[Token], out: &mut Vec<Statement>, terminated: bool) {
        if let Some(first) = self.first {
            out.push(Statement {
                span: Span {
                    start: tokens[first].span.start,
                    end: tokens[self.last].span.end,
                },
                tokens: first..self.last + 1,
                terminated,
            });
        }
        *self = Pending::default();
    }
}

#[cfg(test)]
mod tests {
    use super::super::fuzz::fuzz_one;
    use super::*;

    /// The statements' texts, checking the invariants on the way.
    fn texts(src: &str) -> Vec<&str> {
        fuzz_one(src);
        split(src).statements.iter().map(|s| s.text(src)).collect()
    }

    fn terminated(src: &str) -> Vec<bool> {
        split(src).statements.iter().map(|s| s.terminated).collect()
    }

    #[test]
    fn splits_at_semicolons() {
        assert_eq!(
            texts("SELECT 1; SELECT 2;\nSELECT 3"),
            ["SELECT 1;", "SELECT 2;", "SELECT 3"]
        );
        assert_eq!(terminated("SELECT 1; SELECT 2"), [true, false]);
    }

    #[test]
    fn empty_inputs_and_empty_statements() {
        assert!(texts("").is_empty());
        assert!(texts(";").is_empty());
        assert!(texts(" ;; ;\n;").is_empty());
        assert!(texts("-- only a comment\n/* and another */\n").is_empty());
        assert_eq!(texts(";;SELECT 1;;"), ["SELECT 1;"]);
    }

    #[test]
    fn trivia_between_statements_belongs_to_none() {
        let src = "-- lead\nSELECT 1 /* in */ ; -- trail\n\n/* b */ SELECT 2 -- end";
        assert_eq!(texts(src), ["SELECT 1 /* in */ ;", "SELECT 2"]);
        let s = split(src);
        let first = &s.statements[0];
        let kinds: Vec<TokenKind> = s.tokens[first.tokens.clone()]
            .iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Word,
                TokenKind::Whitespace,
                TokenKind::Number,
                TokenKind::Whitespace,
                TokenKind::BlockComment,
                TokenKind::Whitespace,
                TokenKind::Semicolon
            ]
        );
        assert_eq!(s.statements[0].span, Span { start: 8, end: 27 });
    }

    #[test]
    fn semicolons_inside_literals_and_comments_do_not_split() {
        let src = "SELECT 'a;b', E'it\\'s;', 'it''s;', \"c;d\", $$e;f$$, $fn$ g; $$ ; $$ $fn$, \
                   U&'d\\0061t\\+000061;' /* h; /* i; */ j; */ -- k;\n;";
        assert_eq!(texts(src), [src]);
        assert_eq!(texts("SELECT 1 -- ;\n+ 1;"), ["SELECT 1 -- ;\n+ 1;"]);
    }

    #[test]
    fn begin_atomic_bodies_hold_their_semicolons() {
        let src = "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n\
                   BEGIN ATOMIC\n\
                   \x20 SELECT CASE WHEN a > 0 THEN 1 ELSE CASE WHEN a < 0 THEN -1 END END;\n\
                   \x20 SELECT (CASE a WHEN 0 THEN 0 END);\n\
                   END;\n\
                   SELECT 3;";
        let stmts = texts(src);
        assert_eq!(stmts.len(), 2);
        assert!(stmts[0].starts_with("CREATE") && stmts[0].ends_with("\nEND;"));
        assert_eq!(stmts[1], "SELECT 3;");
        assert!(split(src).errors.is_empty());
    }

    #[test]
    fn begin_atomic_variants() {
        let procedure = "create procedure p() language sql begin /* x */ atomic insert into t \
                         values (1); insert into t values (2); end; select 1;";
        assert_eq!(texts(procedure).len(), 2);
        let empty = "CREATE FUNCTION f() RETURNS void BEGIN ATOMIC END; SELECT 1;";
        assert_eq!(texts(empty).len(), 2);
        let or_replace = "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC SELECT 1; END; SELECT 2;";
        assert_eq!(texts(or_replace).len(), 2);
    }

    #[test]
    fn begin_outside_a_routine_body_is_ordinary() {
        let src = "BEGIN; BEGIN TRANSACTION; BEGIN ISOLATION LEVEL SERIALIZABLE; END; \
                   begin work; commit;";
        assert_eq!(texts(src).len(), 6);
        // Not at the top level of the routine, or not followed by ATOMIC.
        let param = "CREATE FUNCTION f(begin int, atomic int) RETURNS int RETURN 1; SELECT 2;";
        assert_eq!(texts(param).len(), 2);
        let not_atomic = "CREATE FUNCTION f() RETURNS int BEGIN; SELECT 2;";
        assert_eq!(texts(not_atomic).len(), 2);
        // Not a routine.
        let table = "CREATE TABLE begin (atomic int); SELECT 1;";
        assert_eq!(texts(table).len(), 2);
        let trigger = "CREATE TRIGGER t BEGIN ATOMIC; SELECT 1;";
        assert_eq!(texts(trigger).len(), 2);
    }

    #[test]
    fn dollar_quoted_bodies_are_opaque() {
        let src = "DO $$ BEGIN PERFORM 1; END $$;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n\
                   BEGIN\n  RETURN 1;\nEND;\n$body$;\nEND;";
        assert_eq!(texts(src).len(), 3);
    }

    #[test]
    fn unclosed_begin_atomic_runs_to_the_end() {
        let src = "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;";
        assert_eq!(texts(src), [src]);
        assert_eq!(terminated(src), [false]);
        let errors = split(src).errors;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span.start, src.find("BEGIN").unwrap());
        assert!(errors[0].message.contains("BEGIN ATOMIC"));
    }

    #[test]
    fn psql_meta_commands_end_the_statement() {
        let src = "SELECT 1\n\\gset\nSELECT 2;\n\\i other.sql\n";
        assert_eq!(texts(src), ["SELECT 1", "SELECT 2;"]);
        assert_eq!(terminated(src), [false, true]);
        assert_eq!(split(src).errors.len(), 2);
    }

    #[test]
    fn unterminated_literals_swallow_the_rest() {
        let src = "SELECT 1; SELECT 'abc; SELECT 2;";
        assert_eq!(texts(src), ["SELECT 1;", "SELECT 'abc; SELECT 2;"]);
        assert_eq!(terminated(src), [true, false]);
        assert_eq!(split(src).errors.len(), 1);
    }

    #[test]
    fn crlf_and_multibyte_text() {
        let src = "\u{feff}SELECT 'é';\r\n-- 日本\r\nSELECT \"🦀\";\r\n";
        assert_eq!(texts(src), ["SELECT 'é';", "SELECT \"🦀\";"]);
    }

    #[test]
    fn errors_are_in_source_order() {
        let src = "\\i a.sql\nCREATE FUNCTION f() BEGIN ATOMIC SELECT 'x";
        let errors = split(src).errors;
        assert_eq!(errors.len(), 3);
        assert!(errors
            .windows(2)
            .all(|w| w[0].span.start <= w[1].span.start));
    }
}
