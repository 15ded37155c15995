use super::ddl::{actions, add_action, alter_table, Added};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// Syntax the target server does not have fails when the migration runs.
pub struct RequiresNewerServer;

impl Rule for RequiresNewerServer {
    fn id(&self) -> &'static str {
        "requires-newer-server"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "Syntax that the target PostgreSQL version does not have"
    }
    fn help(&self) -> &'static str {
        "write it the way the target supports (see the message), or raise server_version in touchpoint.conf once every database runs the newer version"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            for (at, what, major) in newer_syntax(s) {
                if cx.target.has(major) {
                    continue;
                }
                out.push(cx.finding(
                    self,
                    s.range(at.start, at.end),
                    format!(
                        "{what} needs PostgreSQL {major}+; the target is {}",
                        cx.target.describe()
                    ),
                ));
            }
        }
    }
}

/// `(token indexes to point at, what, the major it came in)` for each
/// newer form in `s`.
fn newer_syntax(s: &Stmt) -> Vec<(std::ops::Range<usize>, &'static str, u32)> {
    let mut out = Vec::new();
    if s.starts_with(&["CREATE", "OR", "REPLACE"])
        && (s.word(3) == "TRIGGER" || s.words_at(3, &["CONSTRAINT", "TRIGGER"]))
    {
        out.push((1..3, "CREATE OR REPLACE TRIGGER", 14));
    }
    if s.word(0) == "MERGE" {
        out.push((0..0, "MERGE", 15));
    }
    if let Some(at) = s.find(&["NULLS", "NOT", "DISTINCT"]) {
        out.push((at..at + 2, "NULLS NOT DISTINCT", 15));
    }
    if let Some((_, first)) = alter_table(s) {
        for r in actions(s, first) {
            if s.words_at(r.start, &["DETACH", "PARTITION"])
                && (r.start..r.end).any(|k| matches!(s.word(k), "CONCURRENTLY" | "FINALIZE"))
            {
                out.push((
                    r.start..r.start + 1,
                    "DETACH PARTITION ... CONCURRENTLY",
                    14,
                ));
            }
            match add_action(s, &r) {
                Some(Added::Constraint(c)) if c.kind == "NOT NULL" => {
                    out.push((
                        c.kind_at..c.kind_at + 1,
                        "a named NOT NULL constraint (ADD CONSTRAINT ... NOT NULL col)",
                        18,
                    ));
                }
                Some(Added::Column(d)) if d.generated.is_some_and(|(_, stored)| !stored) => {
                    let (at, _) = d.generated.unwrap_or_default();
                    out.push((
                        at..at,
                        "a virtual generated column (GENERATED ALWAYS AS (...) without STORED)",
                        18,
                    ));
                }
                _ => {}
            }
            if (r.start..r.end).any(|k| s.words_at(k, &["SET", "EXPRESSION"])) {
                out.push((r.start..r.start, "ALTER COLUMN ... SET EXPRESSION", 17));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql_on, spans};
    use crate::review::Target;

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.t (id bigint, x int) PARTITION BY RANGE (id);";

    #[test]
    fn newer_syntax_is_an_error_on_an_older_target_only() {
        let body = "CREATE OR REPLACE TRIGGER trg AFTER UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();\nCREATE UNIQUE INDEX IF NOT EXISTS u ON app.t (x) NULLS NOT DISTINCT;\nALTER TABLE app.t ADD CONSTRAINT x_nn NOT NULL x NOT VALID;\nALTER TABLE app.t ADD COLUMN IF NOT EXISTS y int GENERATED ALWAYS AS (x * 2);";
        let f = check_sql_on(Target::major(13), BEFORE, body);
        assert_eq!(
            spans(&f, "requires-newer-server"),
            ["1:8", "2:50", "3:39", "4:50"]
        );
        let f = check_sql_on(Target::major(17), BEFORE, body);
        assert_eq!(spans(&f, "requires-newer-server"), ["3:39", "4:50"]);
        let f = check_sql_on(Target::major(18), BEFORE, body);
        assert!(spans(&f, "requires-newer-server").is_empty(), "{f:?}");
        let f = check_sql_on(
            Target::major(13),
            BEFORE,
            "-- migrate:no-transaction\nALTER TABLE app.t DETACH PARTITION app.t_1 CONCURRENTLY;",
        );
        assert_eq!(spans(&f, "requires-newer-server"), ["2:19"]);
    }
}
