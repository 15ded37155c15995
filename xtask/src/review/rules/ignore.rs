//! The findings about ignore comments themselves. They are raised by the
//! engine (`review_one`), which is the only place that sees every ignore.

use crate::review::{Context, Finding, Rule, Severity};

pub struct UnknownIgnore;
pub struct UnusedIgnore;
pub struct IgnoreWithoutReason;

impl Rule for UnknownIgnore {
    fn id(&self) -> &'static str {
        "unknown-ignore"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "An ignore comment names a rule that does not exist"
    }
    fn help(&self) -> &'static str {
        "use a rule id from docs/rules/ (e.g. `-- review: ignore rename -- <reason>`), or remove the comment"
    }
    fn check(&self, _: &Context<'_>, _: &mut Vec<Finding>) {}
}

impl Rule for UnusedIgnore {
    fn id(&self) -> &'static str {
        "unused-ignore"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "An ignore comment silences nothing"
    }
    fn help(&self) -> &'static str {
        "remove the comment: the statement below it no longer has that finding (put a line ignore directly above the statement it is for)"
    }
    fn check(&self, _: &Context<'_>, _: &mut Vec<Finding>) {}
}

impl Rule for IgnoreWithoutReason {
    fn id(&self) -> &'static str {
        "ignore-without-reason"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "An ignore comment gives no reason"
    }
    fn help(&self) -> &'static str {
        "say why after `--`: `-- review: ignore <rule-id> -- <reason>`; the reason is what the next reader needs"
    }
    fn check(&self, _: &Context<'_>, _: &mut Vec<Finding>) {}
}
