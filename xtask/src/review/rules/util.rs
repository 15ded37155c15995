//! Helpers shared by rules.

use crate::review::stmt::Stmt;

/// The table a statement changes, and the token index of its name: CREATE /
/// ALTER / DROP TABLE, CREATE INDEX ... ON, TRUNCATE, INSERT INTO, UPDATE,
/// DELETE FROM, COMMENT ON TABLE / COLUMN, CREATE TRIGGER ... ON.
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
        "TRUNCATE" => at.push(skip_if(skip_if(1, &["TABLE"]), &["ONLY"])),
        "INSERT" if s.word(1) == "INTO" => at.push(2),
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
