use crate::review::schema::Store;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// CREATE INDEX blocks writes (SHARE); DROP INDEX blocks reads and writes
/// (ACCESS EXCLUSIVE on the table); REINDEX blocks writes, and reads that
/// plan with the index, on a table that already has rows.
pub struct IndexWithoutConcurrently;

impl Rule for IndexWithoutConcurrently {
    fn id(&self) -> &'static str {
        "index-without-concurrently"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "CREATE / DROP INDEX or REINDEX without CONCURRENTLY on an existing table"
    }
    fn help(&self) -> &'static str {
        "use CREATE INDEX CONCURRENTLY (DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY) in a `-- migrate:no-transaction` file; CREATE INDEX takes a SHARE lock that blocks every write for the whole build, DROP INDEX an ACCESS EXCLUSIVE lock that blocks reads too. On a table created in the same migration it is fine"
    }
    fn walks(&self) -> bool {
        true
    }
    fn check_stmt(&self, cx: &Context<'_>, s: &Stmt, schema: &dyn Store, out: &mut Vec<Finding>) {
        let Some((verb, table)) = index_statement(s, schema) else {
            return;
        };
        if table.as_ref().is_some_and(|t| cx.created_here(t, s.start)) {
            return;
        }
        let on = table.map_or_else(String::new, |t| format!(" on {t}"));
        let effect = match verb {
            "CREATE INDEX" => "takes SHARE on the table: every write waits for the whole build",
            "DROP INDEX" => "takes ACCESS EXCLUSIVE on the table: reads and writes wait",
            _ => "takes SHARE on the table and ACCESS EXCLUSIVE on the index: writes, and reads that plan with the index, wait for the rebuild",
        };
        out.push(cx.finding(
            self,
            s.range(0, 1),
            format!("{verb}{on} without CONCURRENTLY {effect}"),
        ));
    }
}

/// The verb and, when known, the table of a non-concurrent index statement;
/// for DROP INDEX and REINDEX INDEX the table comes from the schema (the
/// earlier migrations and this body so far).
fn index_statement(s: &Stmt, schema: &dyn Store) -> Option<(&'static str, Option<String>)> {
    let skip = |i: usize, seq: &[&str]| if s.words_at(i, seq) { i + seq.len() } else { i };
    let table_of_index = |i: usize| {
        let (name, _) = s.name_at(i)?;
        schema.index(&name).map(|(t, _)| t.to_string())
    };
    if s.starts_with(&["CREATE"]) {
        let i = 1 + usize::from(s.word(1) == "UNIQUE");
        if s.word(i) != "INDEX" || s.word(i + 1) == "CONCURRENTLY" {
            return None;
        }
        let on = s.find_from(i, &["ON"])?;
        let t = skip(on + 1, &["ONLY"]);
        Some(("CREATE INDEX", s.name_at(t).map(|(n, _)| n)))
    } else if s.starts_with(&["DROP", "INDEX"]) && s.word(2) != "CONCURRENTLY" {
        Some(("DROP INDEX", table_of_index(skip(2, &["IF", "EXISTS"]))))
    } else if s.starts_with(&["REINDEX"]) && !s.has(&["CONCURRENTLY"]) {
        // REINDEX [ ( options ) ] { INDEX | TABLE | ... } name
        let mut k = 1;
        if s.toks.get(1).is_some_and(|t| t.norm == "(") {
            k = s.matching_paren(1)? + 1;
        }
        let table = match s.word(k) {
            "INDEX" => table_of_index(k + 1),
            "TABLE" => s.name_at(k + 1).map(|(n, _)| n),
            _ => None,
        };
        Some(("REINDEX", table))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);\nCREATE INDEX IF NOT EXISTS idx_note ON app.orders (note);";

    fn messages(body: &str) -> Vec<String> {
        check_sql(BEFORE, body)
            .into_iter()
            .filter(|f| f.rule == "index-without-concurrently")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn drop_index_and_reindex_name_their_table_and_lock() {
        assert_eq!(
            messages("DROP INDEX IF EXISTS app.idx_note;"),
            ["DROP INDEX on app.orders without CONCURRENTLY takes ACCESS EXCLUSIVE on the table: reads and writes wait"]
        );
        let m = messages("REINDEX INDEX app.idx_note;");
        assert!(
            m.len() == 1 && m[0].starts_with("REINDEX on app.orders "),
            "{m:?}"
        );
        let m = messages("REINDEX (VERBOSE) TABLE app.orders;");
        assert!(
            m.len() == 1 && m[0].starts_with("REINDEX on app.orders "),
            "{m:?}"
        );
    }

    #[test]
    fn an_index_of_a_table_created_in_the_same_migration_is_fine() {
        let f = check_sql(
            "",
            "CREATE TABLE app.t (id bigint, x int);\nCREATE INDEX i_x ON app.t (x);\nDROP INDEX app.i_x;\nCREATE INDEX i_x2 ON app.t (x);\nREINDEX INDEX app.i_x2;",
        );
        assert!(spans(&f, "index-without-concurrently").is_empty(), "{f:?}");
    }

    #[test]
    fn the_concurrent_forms_pass() {
        assert!(messages("REINDEX INDEX CONCURRENTLY app.idx_note;").is_empty());
        assert!(messages("DROP INDEX CONCURRENTLY IF EXISTS app.idx_note;").is_empty());
    }
}
