use super::ddl::walk_with_schema_if;
use super::util::same_transaction;
use crate::review::schema::{qualify, Store};
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
        // The schema is needed only to see which columns have the type.
        let adds = |s: &Stmt| s.starts_with(&["ALTER", "TYPE"]) && s.has(&["ADD", "VALUE"]);
        walk_with_schema_if(cx, adds, |s, schema| {
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
                return;
            }
            if added.is_empty() || s.word(0) == "COMMENT" {
                return;
            }
            for (k, t) in s.toks.iter().enumerate() {
                if t.kind != TokenKind::String {
                    continue;
                }
                let Some((ty, _, add)) = added.iter().find(|(ty, v, add)| {
                    *v == t.norm
                        && add.start < s.start
                        && same_transaction(cx, add, s)
                        && used_as(s, k, ty, schema)
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
        });
    }
}

/// Whether the string literal at `k` is used as a value of the enum `ty`
/// (qualified): cast to it (`'v'::ty`, `CAST('v' AS ty)`), or in a statement
/// over a table with a column of that type (an INSERT, UPDATE, DEFAULT or
/// CHECK). Any other equal string (a comment, a log message) is only text.
fn used_as(s: &Stmt, k: usize, ty: &str, schema: &dyn Store) -> bool {
    let is_ty = |i: usize| s.name_at(i).is_some_and(|(n, _)| qualify(&n) == ty);
    if s.toks.get(k + 1).is_some_and(|t| t.norm == "::") && is_ty(k + 2) {
        return true;
    }
    if s.words_at(k + 1, &["AS"])
        && k >= 2
        && s.toks[k - 1].norm == "("
        && s.word(k - 2) == "CAST"
        && is_ty(k + 2)
    {
        return true;
    }
    let has_column_of_type = |table: &str| {
        schema.table(&qualify(table)).is_some_and(|t| {
            t.columns
                .values()
                .any(|c| qualify(&c.ty.replace(' ', "").replace("[]", "")) == ty)
        })
    };
    (0..s.toks.len())
        .filter(|&i| matches!(s.toks[i].kind, TokenKind::Word | TokenKind::QuotedIdent))
        .filter_map(|i| s.name_at(i))
        .any(|(n, _)| has_column_of_type(&n))
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
    fn an_equal_string_that_is_not_the_enum_is_no_use() {
        let f = check_sql(
            &format!("{BEFORE}\nCREATE TABLE IF NOT EXISTS app.log (msg text);"),
            "ALTER TYPE app.status ADD VALUE 'HELD';\nCOMMENT ON COLUMN app.orders.status IS 'HELD';\nINSERT INTO app.log (msg) VALUES ('HELD');",
        );
        assert!(
            spans(&f, "enum-value-used-in-same-transaction").is_empty(),
            "{f:?}"
        );
        let f = check_sql(
            BEFORE,
            "ALTER TYPE app.status ADD VALUE 'HELD';\nSELECT CAST('HELD' AS app.status);\nALTER TABLE app.orders ALTER COLUMN status SET DEFAULT 'HELD';",
        );
        assert_eq!(
            spans(&f, "enum-value-used-in-same-transaction"),
            ["2:13", "3:56"]
        );
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
