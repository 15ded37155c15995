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

/// The offset of `OTHERS` in a `WHEN OTHERS` of the DO statement's text.
fn when_others_at(cx: &Context<'_>, start: usize, end: usize) -> Option<usize> {
    let (tokens, _) = crate::sql::lexer::tokenize(&cx.m.source[start..end]);
    let body = tokens
        .iter()
        .find(|t| t.kind == crate::sql::lexer::TokenKind::DollarString)?;
    let text = &cx.m.source[start + body.span.start..start + body.span.end];
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("WHEN") {
        let at = from + i;
        let rest = upper[at + 4..].trim_start();
        if rest.starts_with("OTHERS")
            && !rest[6..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            let offset = at + 4 + (upper[at + 4..].len() - rest.len());
            return Some(start + body.span.start + offset);
        }
        from = at + 4;
    }
    None
}
