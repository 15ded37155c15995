use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// A value added with ALTER TYPE ... ADD VALUE cannot be used before the
/// transaction that added it commits.
pub struct EnumValueUsedInSameTransaction;

impl Rule for EnumValueUsedInSameTransaction {
    fn id(&self) -> &'static str {
        "enum-value-used-in-same-transaction"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "A new enum value used in the transaction that adds it"
    }
    fn help(&self) -> &'static str {
        "add the value in a migration of its own and use it (INSERT, UPDATE, DEFAULT, CHECK, casts) in a later one, or make the adding migration `-- migrate:no-transaction` so that ALTER TYPE ... ADD VALUE commits by itself"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // (type, literal as written, the ADD VALUE statement)
        let mut added: Vec<(String, String, &Stmt)> = Vec::new();
        for s in cx.body_stmts() {
            // ADD VALUE ... BEFORE / AFTER a new value is allowed.
            if s.starts_with(&["ALTER", "TYPE"]) {
                if let Some((name, after)) = s.name_at(2) {
                    if s.words_at(after, &["ADD", "VALUE"]) {
                        let mut k = after + 2;
                        if s.words_at(k, &["IF", "NOT", "EXISTS"]) {
                            k += 3;
                        }
                        // Even for a type created in the same transaction
                        // (PostgreSQL 12+).
                        if let Some(v) = s.toks.get(k).filter(|t| t.kind == TokenKind::String) {
                            added.push((qualify(&name), v.norm.clone(), s));
                        }
                    }
                }
                continue;
            }
            for t in s.toks.iter().filter(|t| t.kind == TokenKind::String) {
                let Some((ty, _, add)) = added.iter().find(|(_, v, add)| {
                    *v == t.norm && add.start < s.start && same_transaction(cx, add, s)
                }) else {
                    continue;
                };
                let line = cx.lines.line_col(add.start).line;
                out.push(cx.finding(
                    self,
                    t.start..t.end,
                    format!("{} is added to {ty} on line {line} in the same transaction: PostgreSQL rejects this use (unsafe use of new value) until that transaction commits", t.norm),
                ));
            }
        }
    }
}

fn same_transaction(cx: &Context<'_>, a: &Stmt, b: &Stmt) -> bool {
    if !cx.m.no_transaction {
        return true;
    }
    matches!((&a.in_do, &b.in_do), (Some(x), Some(y)) if x.range == y.range)
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TYPE app.status AS ENUM ('NEW', 'DONE');\nCREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, status app.status);";

    #[test]
    fn flags_a_use_after_add_value() {
        let f = check_sql(
            BEFORE,
            "ALTER TYPE app.status ADD VALUE IF NOT EXISTS 'HELD' AFTER 'NEW';\nUPDATE app.orders SET status = 'HELD' WHERE id = 1;",
        );
        assert_eq!(spans(&f, "enum-value-used-in-same-transaction"), ["2:32"]);
    }

    #[test]
    fn passes_without_transaction_and_for_add_value_after() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nALTER TYPE app.status ADD VALUE IF NOT EXISTS 'HELD';\nUPDATE app.orders SET status = 'HELD' WHERE id = 1;",
        );
        assert!(spans(&f, "enum-value-used-in-same-transaction").is_empty());
        let f = check_sql(
            BEFORE,
            "ALTER TYPE app.status ADD VALUE 'HELD';\nALTER TYPE app.status ADD VALUE 'RELEASED' AFTER 'HELD';",
        );
        assert!(spans(&f, "enum-value-used-in-same-transaction").is_empty());
    }

    #[test]
    fn a_type_created_in_the_same_transaction_is_no_exception() {
        let f = check_sql(
            "",
            "CREATE TYPE app.kind AS ENUM ('A');\nALTER TYPE app.kind ADD VALUE 'B';\nSELECT 'B'::app.kind;",
        );
        assert_eq!(spans(&f, "enum-value-used-in-same-transaction"), ["3:8"]);
    }
}
