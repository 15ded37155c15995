use crate::review::{Context, Finding, Rule, Severity};

/// `json` keeps the text as written and cannot be indexed or compared.
pub struct PreferJsonb;

impl Rule for PreferJsonb {
    fn id(&self) -> &'static str {
        "prefer-jsonb"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A column of type json"
    }
    fn help(&self) -> &'static str {
        "use jsonb: it is parsed once on write, supports equality, GIN indexes and the containment operators; keep json only when the exact text (key order, duplicate keys, whitespace) must be preserved"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in cx.type_uses() {
            let s = u.stmt;
            if u.parsed.base != "json" {
                continue;
            }
            out.push(cx.finding(
                self,
                s.range(u.ty.start, u.ty.end - 1),
                format!(
                    "{}.{} is json: it is re-parsed on every access, has no equality operator and cannot be indexed with GIN",
                    u.table, u.column
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_json() {
        let f = check_sql(
            "",
            "CREATE TABLE app.events (id bigint, payload json NOT NULL, tags json[]);",
        );
        assert_eq!(spans(&f, "prefer-jsonb"), ["1:45", "1:65"]);
    }

    #[test]
    fn passes_jsonb() {
        let f = check_sql(
            "",
            "CREATE TABLE app.events (id bigint, payload jsonb NOT NULL);",
        );
        assert!(spans(&f, "prefer-jsonb").is_empty());
    }
}
