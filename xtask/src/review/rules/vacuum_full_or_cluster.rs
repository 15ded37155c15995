use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE.
pub struct VacuumFullOrCluster;

/// `VACUUM FULL ...` or `VACUUM (FULL [true], ...) ...`.
pub fn is_vacuum_full(s: &Stmt) -> bool {
    if s.word(0) != "VACUUM" {
        return false;
    }
    if s.toks.get(1).is_some_and(|t| t.kind == TokenKind::LParen) {
        return s.paren_items(1).iter().any(|r| {
            s.word(r.start) == "FULL"
                && !matches!(
                    s.toks.get(r.start + 1).map(|t| t.norm.as_str()),
                    Some("FALSE" | "OFF" | "0")
                )
        });
    }
    (1..s.toks.len())
        .take_while(|&i| s.toks[i].kind == TokenKind::Word)
        .any(|i| s.word(i) == "FULL")
}

impl Rule for VacuumFullOrCluster {
    fn id(&self) -> &'static str {
        "vacuum-full-or-cluster"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "VACUUM FULL or CLUSTER in a migration"
    }
    fn help(&self) -> &'static str {
        "leave table maintenance to operations: pg_repack (or pg_squeeze) rebuilds a table and its indexes online with only brief locks; plain VACUUM, which a migration rarely needs, does not block reads or writes"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let what = if is_vacuum_full(s) {
                "VACUUM FULL"
            } else if s.word(0) == "CLUSTER" {
                "CLUSTER"
            } else {
                continue;
            };
            out.push(cx.finding(
                self,
                s.range(0, 0),
                format!("{what} rewrites the table and all its indexes while holding ACCESS EXCLUSIVE: no read or write gets through until it ends"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_vacuum_full_and_cluster() {
        let f = check_sql(
            "",
            "-- migrate:no-transaction\nVACUUM FULL app.orders;\nVACUUM (FULL, ANALYZE) app.orders;\nCLUSTER app.orders USING orders_pkey;",
        );
        assert_eq!(spans(&f, "vacuum-full-or-cluster"), ["2:1", "3:1", "4:1"]);
    }

    #[test]
    fn passes_plain_vacuum() {
        let f = check_sql(
            "",
            "-- migrate:no-transaction\nVACUUM ANALYZE app.orders;\nVACUUM (FULL false) app.orders;\nALTER TABLE app.orders CLUSTER ON orders_pkey;",
        );
        assert!(spans(&f, "vacuum-full-or-cluster").is_empty(), "{f:?}");
    }
}
