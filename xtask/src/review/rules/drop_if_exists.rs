use super::ddl;
use crate::review::{Context, Finding, Rule, Severity};

pub struct DropIfExists;

/// Whether IF EXISTS follows the object kind, however many words the kind
/// takes (`DROP FOREIGN DATA WRAPPER IF EXISTS`, `DROP TEXT SEARCH
/// CONFIGURATION IF EXISTS`, `DROP INDEX CONCURRENTLY IF EXISTS`): the
/// words before it are keywords, never a name, which a dot, a quote or a
/// comma would give away.
fn has_if_exists(s: &crate::review::stmt::Stmt) -> bool {
    (1..s.toks.len().min(7))
        .take_while(|&i| s.toks[i].kind == crate::sql::lexer::TokenKind::Word)
        .any(|i| s.words_at(i, &["IF", "EXISTS"]))
}

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
                if !has_if_exists(s) && !matches!(s.word(1), "OWNED") {
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

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn if_exists_after_a_kind_of_several_words() {
        for sql in [
            "DROP FOREIGN TABLE IF EXISTS app.remote;",
            "DROP EVENT TRIGGER IF EXISTS audit_ddl;",
            "DROP TEXT SEARCH CONFIGURATION IF EXISTS app.cfg;",
            "DROP FOREIGN DATA WRAPPER IF EXISTS fdw;",
            "DROP MATERIALIZED VIEW IF EXISTS app.m;",
            "DROP INDEX CONCURRENTLY IF EXISTS app.i;",
            "DROP USER MAPPING IF EXISTS FOR app_user SERVER s;",
        ] {
            let f = check_sql("", sql);
            assert!(spans(&f, "drop-if-exists").is_empty(), "{sql}: {f:?}");
        }
        for sql in [
            "DROP FOREIGN TABLE app.remote;",
            "DROP TEXT SEARCH CONFIGURATION app.cfg;",
            "DROP TABLE app.t, app.u;",
        ] {
            let f = check_sql("", sql);
            assert_eq!(spans(&f, "drop-if-exists"), ["1:1"], "{sql}");
        }
    }
}
