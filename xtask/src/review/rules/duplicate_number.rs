use crate::review::{Context, Finding, Rule, Severity};

/// NN is a global sequence: two files with one NN make the order ambiguous.
pub struct DuplicateNumber;

impl Rule for DuplicateNumber {
    fn id(&self) -> &'static str {
        "duplicate-number"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "Another migration has the same NN"
    }
    fn help(&self) -> &'static str {
        "renumber this file to the next free NN (git mv), usually the one that came from the other branch"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let others: Vec<&str> = cx
            .numbers
            .others(cx.m.name.number, &cx.m.name.stem)
            .map(String::as_str)
            .collect();
        if !others.is_empty() {
            out.push(cx.finding(
                self,
                0..0,
                format!(
                    "NN {} is also used by {}",
                    cx.m.name.number_text,
                    others.join(", ")
                ),
            ));
        }
    }
}
