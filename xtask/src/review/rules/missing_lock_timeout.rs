use super::ddl::{actions, alter_table};
use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// An ACCESS EXCLUSIVE lock requested with no lock_timeout set waits behind
/// any long transaction, and every query on the table queues behind it.
pub struct MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn id(&self) -> &'static str {
        "missing-lock-timeout"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ACCESS EXCLUSIVE lock on an existing table with no lock_timeout set before it"
    }
    fn help(&self) -> &'static str {
        "start the body with `SET lock_timeout = '5s';` (SET LOCAL in a transactional migration works too): the statement then gives up instead of queueing behind a long transaction while every read and write on the table queues behind it; rerun the migration when it times out"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let Some((what, table)) = access_exclusive(cx, s) else {
                continue;
            };
            if table.as_ref().is_some_and(|t| cx.created_here(t, s.start)) {
                continue;
            }
            if cx
                .body_stmts()
                .filter_map(|e| timeout_set_at(cx, e))
                .any(|at| at < s.start)
            {
                return;
            }
            let on = table.map_or_else(String::new, |t| format!(" on {t}"));
            out.push(cx.finding(
                self,
                s.range(0, 1),
                format!("{what}{on} takes ACCESS EXCLUSIVE with no lock_timeout set before it: while it waits for the lock, every query on the table queues behind it"),
            ));
            return;
        }
    }
}

/// The statement's verb and table when it takes ACCESS EXCLUSIVE on a table.
fn access_exclusive(cx: &Context<'_>, s: &Stmt) -> Option<(String, Option<String>)> {
    let skip_if = |i: usize, seq: &[&str]| if s.words_at(i, seq) { i + seq.len() } else { i };
    let index_table = |i: usize| {
        s.name_at(i).and_then(|(n, _)| {
            let q = qualify(&n);
            cx.before.indexes.get(&q).map(|(t, _)| t.clone())
        })
    };
    match (s.word(0), s.word(1)) {
        ("ALTER", "TABLE") => {
            let (table, first) = alter_table(s)?;
            let acts = actions(s, first);
            let lighter = !acts.is_empty()
                && acts
                    .iter()
                    .all(|r| s.words_at(r.start, &["VALIDATE", "CONSTRAINT"]));
            (!lighter).then(|| ("ALTER TABLE".to_string(), Some(table)))
        }
        ("DROP", "TABLE") => {
            let i = skip_if(2, &["IF", "EXISTS"]);
            Some(("DROP TABLE".into(), s.name_at(i).map(|(n, _)| n)))
        }
        ("DROP", "INDEX") if s.word(2) != "CONCURRENTLY" => Some((
            "DROP INDEX".into(),
            index_table(skip_if(2, &["IF", "EXISTS"])),
        )),
        ("TRUNCATE", _) => {
            let i = skip_if(skip_if(1, &["TABLE"]), &["ONLY"]);
            Some(("TRUNCATE".into(), s.name_at(i).map(|(n, _)| n)))
        }
        ("ALTER", "INDEX") => Some((
            "ALTER INDEX".into(),
            index_table(skip_if(2, &["IF", "EXISTS"])),
        )),
        ("VACUUM", _) if super::vacuum_full_or_cluster::is_vacuum_full(s) => {
            Some(("VACUUM FULL".into(), None))
        }
        ("CLUSTER", _) => Some(("CLUSTER".into(), None)),
        ("REINDEX", kind) if !s.has(&["CONCURRENTLY"]) => {
            let table = match kind {
                "TABLE" => s.name_at(2).map(|(n, _)| n),
                "INDEX" => index_table(2),
                _ => None,
            };
            Some(("REINDEX".into(), table))
        }
        _ => None,
    }
}

/// The offset where `e` sets a non-zero lock_timeout that holds for the
/// statements after it.
fn timeout_set_at(cx: &Context<'_>, e: &Stmt) -> Option<usize> {
    if e.in_do.is_some() {
        return None;
    }
    if e.word(0) == "SET" {
        let local = e.word(1) == "LOCAL";
        let i = 1 + usize::from(matches!(e.word(1), "LOCAL" | "SESSION"));
        if e.word(i) != "LOCK_TIMEOUT" {
            return None;
        }
        if local && cx.m.no_transaction {
            return None; // each statement is its own transaction
        }
        let v = e.toks.get(i + 2)?;
        let value = v.norm.trim_matches('\'').trim();
        let zero =
            value == "0" || value.is_empty() || (v.kind == TokenKind::Word && v.norm == "DEFAULT");
        return (!zero).then_some(e.start);
    }
    // set_config('lock_timeout', ...) in a SELECT or a DO block.
    let text = e.text(&cx.m.source).to_ascii_lowercase();
    let at = text.find("lock_timeout")?;
    (text.contains("set_config") || text.contains("set ")).then_some(e.start + at)
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);";

    #[test]
    fn flags_the_first_access_exclusive_statement_once() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (id bigint);\nALTER TABLE app.lines ADD COLUMN IF NOT EXISTS qty int;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;\nTRUNCATE app.orders;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["3:1"]);
    }

    #[test]
    fn a_timeout_set_later_does_not_count() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;\nSET lock_timeout = '5s';",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["1:1"]);
        let f = check_sql(
            BEFORE,
            "SET lock_timeout = 0;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["2:1"]);
    }

    #[test]
    fn passes_with_a_timeout() {
        for set in [
            "SET lock_timeout = '5s';",
            "SET LOCAL lock_timeout TO '2s';",
            "SELECT set_config('lock_timeout', '3s', true);",
            "DO $$ BEGIN PERFORM set_config('lock_timeout', '3s', true); END $$;",
        ] {
            let f = check_sql(
                BEFORE,
                &format!("{set}\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;"),
            );
            assert!(spans(&f, "missing-lock-timeout").is_empty(), "{set}: {f:?}");
        }
    }

    #[test]
    fn set_local_does_nothing_without_a_transaction() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nSET LOCAL lock_timeout = '5s';\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["3:1"]);
    }
}
