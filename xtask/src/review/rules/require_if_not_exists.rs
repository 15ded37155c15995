use crate::review::{Context, Finding, Rule, Severity};

/// Re-running a migration must not fail on what it created.
pub struct RequireIfNotExists;

impl Rule for RequireIfNotExists {
    fn id(&self) -> &'static str {
        "require-if-not-exists"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE TABLE / INDEX / SCHEMA / EXTENSION / SEQUENCE without IF NOT EXISTS"
    }
    fn help(&self) -> &'static str {
        "write CREATE ... IF NOT EXISTS so that a second run (a retry, a database that already has it) is a no-op instead of an error"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            if !s.starts_with(&["CREATE"]) || s.in_do.as_ref().is_some_and(|g| g.guarded()) {
                continue;
            }
            let mut i = 1;
            while matches!(s.word(i), "UNLOGGED" | "TEMP" | "TEMPORARY" | "UNIQUE") {
                i += 1;
            }
            let kind = s.word(i);
            if !matches!(
                kind,
                "TABLE" | "INDEX" | "SCHEMA" | "EXTENSION" | "SEQUENCE"
            ) {
                continue;
            }
            let mut k = i + 1;
            if kind == "INDEX" && s.word(k) == "CONCURRENTLY" {
                k += 1;
            }
            if kind == "INDEX" && s.word(k) == "ON" {
                // An unnamed index cannot say IF NOT EXISTS: a second run
                // adds another index under a generated name.
                out.push(cx.finding(self, s.range(0, i), "an unnamed CREATE INDEX creates one more index every time it runs: name it and add IF NOT EXISTS"));
                continue;
            }
            if !s.words_at(k, &["IF", "NOT", "EXISTS"]) {
                out.push(cx.finding(self, s.range(0, i), format!("CREATE {kind} without IF NOT EXISTS fails when the migration runs a second time")));
            }
        }
    }
}
