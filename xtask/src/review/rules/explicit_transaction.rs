use crate::review::stmt::Section;
use crate::review::{Context, Finding, Rule, Severity};

/// BEGIN / COMMIT / ROLLBACK in a body: the runner owns the transaction.
pub struct ExplicitTransaction;

impl Rule for ExplicitTransaction {
    fn id(&self) -> &'static str {
        "explicit-transaction"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "BEGIN, COMMIT or ROLLBACK in a migration body"
    }
    fn help(&self) -> &'static str {
        "remove it: apply runs the body, the verify queries and the tracking row in one transaction; a COMMIT in the body would commit half a migration without its record"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.in_do.is_none() && s.section == Section::Body)
        {
            let verb = s.word(0);
            let is_tx = match verb {
                "BEGIN" | "START" | "COMMIT" | "END" | "ROLLBACK" | "ABORT" => {
                    !(verb == "START" && s.word(1) != "TRANSACTION")
                }
                _ => false,
            };
            if is_tx && !s.words_at(1, &["ATOMIC"]) {
                out.push(cx.finding(
                    self,
                    s.range(0, 0),
                    format!(
                        "`{}` in the body: the runner owns the transaction",
                        s.toks[0].norm
                    ),
                ));
            }
        }
    }
}
