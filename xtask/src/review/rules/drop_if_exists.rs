use super::ddl;
use crate::review::{Context, Finding, Rule, Severity};

pub struct DropIfExists;

impl Rule for DropIfExists {
    fn id(&self) -> &'static str {
        "drop-if-exists"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "DROP without IF EXISTS"
    }
    fn help(&self) -> &'static str {
        "write DROP ... IF EXISTS (and ALTER TABLE ... DROP COLUMN / CONSTRAINT IF EXISTS) so that a second run, or a rollback after a partial apply, does not fail"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .stmts
            .iter()
            .filter(|s| s.in_do.as_ref().is_none_or(|g| !g.guarded()))
        {
            if s.starts_with(&["DROP"]) {
                let mut i = 2;
                if s.word(1) == "MATERIALIZED" {
                    i = 3;
                }
                if s.word(i) == "CONCURRENTLY" {
                    i += 1;
                }
                if !s.words_at(i, &["IF", "EXISTS"]) && !matches!(s.word(1), "OWNED") {
                    out.push(cx.finding(
                        self,
                        s.range(0, 1),
                        format!(
                            "DROP {} without IF EXISTS fails when the object is already gone",
                            s.word(1)
                        ),
                    ));
                }
            } else if s.starts_with(&["ALTER", "TABLE"]) {
                let Some((_, first)) = ddl::alter_table(s) else {
                    continue;
                };
                for action in ddl::actions(s, first) {
                    let k = action.start;
                    if s.word(k) == "DROP" {
                        let c =
                            k + 1 + usize::from(matches!(s.word(k + 1), "COLUMN" | "CONSTRAINT"));
                        if s.word(k + 1) != "DEFAULT"
                            && s.word(k + 1) != "NOT"
                            && s.word(k + 1) != "EXPRESSION"
                            && s.word(k + 1) != "IDENTITY"
                            && !s.words_at(c, &["IF", "EXISTS"])
                        {
                            out.push(cx.finding(self, s.range(k, c), "ALTER TABLE ... DROP without IF EXISTS fails when it is already gone"));
                        }
                    }
                }
            }
        }
    }
}
