//! Helpers shared by rules.

use crate::review::stmt::Stmt;

/// The table a statement changes, and the token index of its name: CREATE /
/// ALTER / DROP TABLE, CREATE INDEX ... ON, TRUNCATE, INSERT INTO, UPDATE,
/// DELETE FROM (also inside `WITH` queries), COMMENT ON TABLE / COLUMN,
/// CREATE TRIGGER ... ON.
pub fn changed_tables(s: &Stmt) -> Vec<(String, usize)> {
    let skip_if = |i: usize, seq: &[&str]| if s.words_at(i, seq) { i + seq.len() } else { i };
    let mut at: Vec<usize> = Vec::new();
    match s.word(0) {
        "CREATE" => {
            let mut i = 1;
            while matches!(
                s.word(i),
                "OR" | "REPLACE" | "UNLOGGED" | "TEMP" | "TEMPORARY" | "UNIQUE" | "CONSTRAINT"
            ) {
                i += 1;
            }
            match s.word(i) {
                "TABLE" => at.push(skip_if(i + 1, &["IF", "NOT", "EXISTS"])),
                "INDEX" | "TRIGGER" => {
                    if let Some(on) = s.find_from(i, &["ON"]) {
                        at.push(skip_if(on + 1, &["ONLY"]));
                    }
                }
                _ => {}
            }
        }
        "ALTER" if s.word(1) == "TABLE" => {
            at.push(skip_if(skip_if(2, &["IF", "EXISTS"]), &["ONLY"]))
        }
        "DROP" if s.word(1) == "TABLE" => {
            let mut i = skip_if(2, &["IF", "EXISTS"]);
            // DROP TABLE a, b
            loop {
                at.push(i);
                let Some((_, next)) = s.name_at(i) else { break };
                if s.toks.get(next).is_some_and(|t| t.norm == ",") {
                    i = next + 1;
                } else {
                    break;
                }
            }
        }
        "TRUNCATE" => {
            // TRUNCATE [TABLE] [ONLY] a, [ONLY] b
            let mut i = skip_if(skip_if(1, &["TABLE"]), &["ONLY"]);
            while let Some((_, next)) = s.name_at(i) {
                at.push(i);
                if s.toks.get(next).is_some_and(|t| t.norm == ",") {
                    i = skip_if(next + 1, &["ONLY"]);
                } else {
                    break;
                }
            }
        }
        "INSERT" if s.word(1) == "INTO" => at.push(2),
        // Data-modifying CTEs: WITH moved AS (DELETE FROM a ... RETURNING *)
        // INSERT INTO b SELECT ... changes a and b.
        "WITH" => {
            for i in 1..s.toks.len() {
                let after = |w: &str| i > 0 && s.word(i - 1) == w;
                match s.word(i) {
                    "INSERT" if s.word(i + 1) == "INTO" => at.push(i + 2),
                    "DELETE" if s.word(i + 1) == "FROM" => at.push(skip_if(i + 2, &["ONLY"])),
                    // Not `FOR UPDATE`, `ON UPDATE`, `DO UPDATE` (ON CONFLICT).
                    "UPDATE" if !after("FOR") && !after("ON") && !after("DO") => {
                        at.push(skip_if(i + 1, &["ONLY"]))
                    }
                    _ => {}
                }
            }
        }
        "UPDATE" => at.push(skip_if(1, &["ONLY"])),
        "DELETE" if s.word(1) == "FROM" => at.push(skip_if(2, &["ONLY"])),
        "COMMENT" if s.words_at(1, &["ON", "TABLE"]) => at.push(3),
        "COMMENT" if s.words_at(1, &["ON", "COLUMN"]) => {
            // COMMENT ON COLUMN schema.table.column: drop the column part.
            if let Some((name, _)) = s.name_at(3) {
                let full = collect_dotted(s, 3);
                if full.len() >= 2 {
                    let table = full[..full.len() - 1].join(".");
                    return vec![(table, 3)];
                }
                return vec![(name, 3)];
            }
        }
        _ => {}
    }
    at.into_iter()
        .filter_map(|i| s.name_at(i).map(|(n, _)| (n, i)))
        .collect()
}

/// `a.b.c` as its parts.
fn collect_dotted(s: &Stmt, mut i: usize) -> Vec<String> {
    let mut parts = Vec::new();
    while let Some(t) = s.toks.get(i) {
        parts.push(t.norm.to_ascii_lowercase());
        if s.toks.get(i + 1).is_some_and(|t| t.norm == ".") {
            i += 2;
        } else {
            break;
        }
    }
    parts
}

/// Whether two body statements run in one transaction: always in a
/// transactional file; in a no-transaction file only inside one DO block.
pub fn same_transaction(
    cx: &crate::review::Context<'_>,
    a: &crate::review::stmt::Stmt,
    b: &crate::review::stmt::Stmt,
) -> bool {
    if !cx.m.no_transaction {
        return true;
    }
    matches!((&a.in_do, &b.in_do), (Some(x), Some(y)) if x.range == y.range)
}

/// Reviews `body` as the body of `2026-01-02_02_test.sql` (no header, so
/// line 1 is the body's first line; verify and rollback sections follow it)
/// after folding `before`, the body of an earlier migration, into the
/// schema. For the rules' unit tests.
#[cfg(test)]
pub fn check_sql(before: &str, body: &str) -> Vec<crate::review::Finding> {
    check_sql_with(&crate::review::Options::default(), before, body)
}

/// [`check_sql`] for a target server.
#[cfg(test)]
pub fn check_sql_on(
    target: crate::review::Target,
    before: &str,
    body: &str,
) -> Vec<crate::review::Finding> {
    let opts = crate::review::Options {
        target,
        ..Default::default()
    };
    check_sql_with(&opts, before, body)
}

/// [`check_sql`] with options (a target, opt-in rules).
#[cfg(test)]
pub fn check_sql_with(
    opts: &crate::review::Options,
    before: &str,
    body: &str,
) -> Vec<crate::review::Finding> {
    use crate::migration::{Migration, MigrationName};
    use crate::review::schema::Schema;
    use crate::review::stmt;

    let first = Migration::parse(
        MigrationName::parse("2026-01-01_01_before.sql").expect("name"),
        &format!("{before}\n"),
    )
    .expect("before parses");
    let mut schema = Schema::default();
    for s in stmt::statements(&first).iter() {
        schema.apply(s);
    }
    let text = format!("{body}\n-- migrate:verify\nSELECT 1;\n-- migrate:rollback\nSELECT 1;\n");
    check_file_with(opts, schema, first, &text)
}

/// [`check_sql`] with the whole text of the reviewed file (its own verify
/// and rollback sections).
#[cfg(test)]
pub fn check_file(before: &str, text: &str) -> Vec<crate::review::Finding> {
    use crate::migration::{Migration, MigrationName};
    use crate::review::schema::Schema;

    let first = Migration::parse(
        MigrationName::parse("2026-01-01_01_before.sql").expect("name"),
        &format!("{before}\n"),
    )
    .expect("before parses");
    let mut schema = Schema::default();
    for s in crate::review::stmt::statements(&first).iter() {
        schema.apply(s);
    }
    check_file_with(&crate::review::Options::default(), schema, first, text)
}

#[cfg(test)]
fn check_file_with(
    opts: &crate::review::Options,
    schema: crate::review::schema::Schema,
    first: crate::migration::Migration,
    text: &str,
) -> Vec<crate::review::Finding> {
    use crate::migration::{Migration, MigrationName};
    let m = Migration::parse(
        MigrationName::parse("2026-01-02_02_test.sql").expect("name"),
        text,
    )
    .expect("body parses");
    let set = vec![first, m.clone()];
    crate::review::review_one_with(&m, "migrations/2026-01-02_02_test.sql", &schema, &set, opts)
}

/// The `line:col` starts of the findings of `rule`.
#[cfg(test)]
pub fn spans(findings: &[crate::review::Finding], rule: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| format!("{}:{}", f.start.line, f.start.col))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::changed_tables;
    use crate::migration::{Migration, MigrationName};
    use crate::review::stmt;

    fn tables(sql: &str) -> Vec<String> {
        let m = Migration::parse(
            MigrationName::parse("2026-01-01_01_t.sql").expect("name"),
            &format!("{sql}\n"),
        )
        .expect("parses");
        stmt::statements(&m)
            .iter()
            .flat_map(changed_tables)
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn data_modifying_ctes_change_their_tables() {
        assert_eq!(
            tables("WITH moved AS (DELETE FROM ONLY a.old WHERE x RETURNING *) INSERT INTO a.archive SELECT * FROM moved;"),
            ["a.old", "a.archive"]
        );
        assert_eq!(
            tables("WITH t AS (SELECT id FROM a.p FOR UPDATE) UPDATE a.q SET n = 1 FROM t WHERE q.id = t.id;"),
            ["a.q"]
        );
        assert_eq!(
            tables("WITH t AS (SELECT 1) INSERT INTO a.r VALUES (1) ON CONFLICT (id) DO UPDATE SET n = 2;"),
            ["a.r"]
        );
        assert!(tables("WITH t AS (SELECT 1) SELECT * FROM t;").is_empty());
    }
}
