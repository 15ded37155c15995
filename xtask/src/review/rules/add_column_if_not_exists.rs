use super::ddl;
use crate::review::{Context, Finding, Rule, Severity};

pub struct AddColumnIfNotExists;

impl Rule for AddColumnIfNotExists {
    fn id(&self) -> &'static str {
        "add-column-if-not-exists"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN without IF NOT EXISTS"
    }
    fn help(&self) -> &'static str {
        "write ALTER TABLE ... ADD COLUMN IF NOT EXISTS so that a second run is a no-op"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["ALTER", "TABLE"]))
        {
            if s.in_do.as_ref().is_some_and(|g| g.guarded()) {
                continue;
            }
            let Some((_, first)) = ddl::alter_table(s) else {
                continue;
            };
            for action in ddl::actions(s, first) {
                let k = action.start;
                if s.word(k) == "ADD"
                    && !matches!(
                        s.word(k + 1),
                        "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
                    )
                {
                    let c = k + 1 + usize::from(s.word(k + 1) == "COLUMN");
                    if !s.words_at(c, &["IF", "NOT", "EXISTS"]) {
                        out.push(cx.finding(self, s.range(k, c), "ADD COLUMN without IF NOT EXISTS fails when the migration runs a second time"));
                    }
                }
            }
        }
    }
}
