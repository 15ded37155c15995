use crate::review::{Context, Finding, Rule, Severity};

pub struct RequireOrReplace;

impl Rule for RequireOrReplace {
    fn id(&self) -> &'static str {
        "require-or-replace"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE FUNCTION / PROCEDURE / VIEW / TRIGGER without OR REPLACE"
    }
    fn help(&self) -> &'static str {
        "write CREATE OR REPLACE (triggers: PostgreSQL 14+; before that DROP TRIGGER IF EXISTS first) so that a second run replaces instead of failing"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts().filter(|s| s.starts_with(&["CREATE"])) {
            if s.in_do.as_ref().is_some_and(|g| g.guarded()) {
                continue;
            }
            let mut i = 1;
            if s.word(1) == "CONSTRAINT" {
                i = 2;
            }
            let kind = s.word(i);
            if matches!(kind, "FUNCTION" | "PROCEDURE" | "VIEW" | "TRIGGER") {
                out.push(cx.finding(
                    self,
                    s.range(0, i),
                    format!("CREATE {kind} without OR REPLACE fails when it exists"),
                ));
            }
        }
    }
}
