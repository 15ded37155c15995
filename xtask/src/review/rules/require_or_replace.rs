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
            if !matches!(kind, "FUNCTION" | "PROCEDURE" | "VIEW" | "TRIGGER") {
                continue;
            }
            let message = if kind == "TRIGGER" {
                // A DROP TRIGGER IF EXISTS of it earlier in the body makes
                // a rerun work on any version.
                let name = s.name_at(i + 1).map(|(n, _)| n);
                let dropped = name.as_ref().is_some_and(|n| {
                    cx.body_stmts().take_while(|d| d.start < s.start).any(|d| {
                        d.starts_with(&["DROP", "TRIGGER", "IF", "EXISTS"])
                            && d.name_at(4).is_some_and(|(m, _)| m == *n)
                    })
                });
                if dropped {
                    continue;
                }
                if cx.target.has(14) {
                    "CREATE TRIGGER without OR REPLACE fails when it exists".to_string()
                } else {
                    // CREATE OR REPLACE TRIGGER came in 14.
                    format!("CREATE TRIGGER fails when it exists; {} has no CREATE OR REPLACE TRIGGER (14+): put DROP TRIGGER IF EXISTS ... ON ... before it", cx.target.describe())
                }
            } else {
                format!("CREATE {kind} without OR REPLACE fails when it exists")
            };
            out.push(cx.finding(self, s.range(0, i), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql_on, spans};
    use crate::review::Target;

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.t (id bigint);";
    const TRIGGER: &str =
        "CREATE TRIGGER trg AFTER UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.f();";

    #[test]
    fn trigger_advice_follows_the_target() {
        let f = check_sql_on(Target::major(18), BEFORE, TRIGGER);
        assert_eq!(spans(&f, "require-or-replace"), ["1:1"]);
        assert!(
            !f.iter()
                .any(|f| f.message.contains("DROP TRIGGER IF EXISTS")),
            "{f:?}"
        );
        let f = check_sql_on(Target::major(13), BEFORE, TRIGGER);
        let m: Vec<&str> = f
            .iter()
            .filter(|f| f.rule == "require-or-replace")
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            m.len() == 1
                && m[0].contains("PostgreSQL 13 ")
                && m[0].contains("DROP TRIGGER IF EXISTS"),
            "{m:?}"
        );
        // The form that reruns on 13.
        for target in [13, 18] {
            let f = check_sql_on(
                Target::major(target),
                BEFORE,
                &format!("DROP TRIGGER IF EXISTS trg ON app.t;\n{TRIGGER}"),
            );
            assert!(
                spans(&f, "require-or-replace").is_empty(),
                "{target}: {f:?}"
            );
        }
    }
}
