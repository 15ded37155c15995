use crate::review::{Context, Finding, Rule, Severity};

/// char(n) and varchar(n) put a length limit into the type.
pub struct PreferText;

impl Rule for PreferText {
    fn id(&self) -> &'static str {
        "prefer-text"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A column of type char(n) or varchar(n)"
    }
    fn help(&self) -> &'static str {
        "use text with a CHECK (length(col) <= n) constraint: the limit then changes by adding a new check NOT VALID and validating it, without touching the type (lowering a varchar(n) rewrites the table; char(n) also pads with blanks)"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in cx.type_uses() {
            let s = u.stmt;
            let text = &u.text;
            let t = &u.parsed;
            let message = match (t.base.as_str(), t.args.is_empty()) {
                ("char", _) => format!(
                    "{}.{} is {text}: values are blank-padded to a fixed length and the length is part of the type",
                    u.table, u.column
                ),
                ("varchar", false) => format!(
                    "{}.{} is {text}: the length limit is part of the type, and lowering it later rewrites the table",
                    u.table, u.column
                ),
                _ => continue,
            };
            out.push(cx.finding(self, s.range(u.ty.start, u.ty.end - 1), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_char_and_varchar_n() {
        let f = check_sql(
            "",
            "CREATE TABLE app.lines (\n    code char(3),\n    name character varying(40),\n    sku varchar(12)\n);",
        );
        assert_eq!(spans(&f, "prefer-text"), ["2:10", "3:10", "4:9"]);
    }

    #[test]
    fn passes_text_and_unlimited_varchar() {
        let f = check_sql(
            "",
            "CREATE TABLE app.lines (code text CHECK (length(code) <= 3), name varchar, \"char\" text);",
        );
        assert!(spans(&f, "prefer-text").is_empty(), "{f:?}");
    }
}
