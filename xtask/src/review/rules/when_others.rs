use crate::review::{Context, Finding, Rule, Severity};

/// `EXCEPTION WHEN OTHERS` hides every error, not only "already exists".
pub struct WhenOthers;

impl Rule for WhenOthers {
    fn id(&self) -> &'static str {
        "when-others"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "EXCEPTION WHEN OTHERS in a DO block"
    }
    fn help(&self) -> &'static str {
        "catch only what you expect: WHEN duplicate_object (42710) or duplicate_table (42P07) THEN NULL; better, test for existence with IF NOT EXISTS (SELECT ...) first. WHEN OTHERS also swallows typos, lock timeouts and data errors, and the migration then 'succeeds' without doing its work"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .stmts
            .iter()
            .filter(|s| s.in_do.is_none() && s.starts_with(&["DO"]))
        {
            if let Some(at) = when_others_at(cx, s.start, s.end) {
                out.push(cx.finding(
                    self,
                    at..at + "OTHERS".len(),
                    "WHEN OTHERS swallows every error in this block",
                ));
            }
        }
    }
}

/// The offset of `OTHERS` in a `WHEN OTHERS` handler of the DO statement:
/// the body is lexed, so the words in its comments and strings do not count.
fn when_others_at(cx: &Context<'_>, start: usize, end: usize) -> Option<usize> {
    use crate::sql::lexer::{tokenize, TokenKind};
    let (tokens, _) = tokenize(&cx.m.source[start..end]);
    let body = tokens.iter().find(|t| t.kind == TokenKind::DollarString)?;
    let text = &cx.m.source[start + body.span.start..start + body.span.end];
    let tag = text[1..].find('$').map_or(1, |i| i + 2);
    let inner = &text[tag..text.len().saturating_sub(tag).max(tag)];
    let (inner_tokens, _) = tokenize(inner);
    let words: Vec<_> = inner_tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    words.windows(2).find_map(|w| {
        let is = |t: &crate::sql::lexer::Token, kw: &str| {
            t.kind == TokenKind::Word && t.text(inner).eq_ignore_ascii_case(kw)
        };
        (is(w[0], "WHEN") && is(w[1], "OTHERS"))
            .then(|| start + body.span.start + tag + w[1].span.start)
    })
}
