use crate::review::stmt::Section;
use crate::review::{Context, Finding, Rule, Severity};

/// Every migration proves itself with verify queries.
pub struct VerifyMissing;

impl Rule for VerifyMissing {
    fn id(&self) -> &'static str {
        "verify-missing"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "No verify query"
    }
    fn help(&self) -> &'static str {
        "add `-- migrate:verify` with queries whose last column is 'PASS' or 'FAIL', e.g. SELECT 'packet.region exists', CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END FROM information_schema.columns WHERE ...; apply rolls back on any FAIL"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let has_query = cx
            .stmts
            .iter()
            .any(|s| s.section == Section::Verify && s.in_do.is_none());
        if has_query {
            return;
        }
        let (range, what) = match &cx.m.verify {
            Some(r) => (
                r.start.saturating_sub(1)..r.start.saturating_sub(1),
                "the verify section has no query",
            ),
            None => (
                cx.m.body.start..cx.m.body.start,
                "there is no `-- migrate:verify` section",
            ),
        };
        out.push(cx.finding(self, range, what));
    }
}
