//! Statements the runner treats specially, recognised once for everyone
//! (the runner, the bundle's scripts and the review rules).

/// A `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY]
/// table` statement, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrentIndex {
    pub unique: bool,
    pub if_not_exists: bool,
    /// The index name as the catalog holds it (unquoted, or folded to
    /// lower case).
    pub index: String,
    /// The table, as written (`schema.name` or `name`).
    pub table: String,
}

impl ConcurrentIndex {
    /// The position of the index name among the statement's words.
    pub fn name_word(&self) -> usize {
        3 + usize::from(self.unique) + 3 * usize::from(self.if_not_exists)
    }
}

/// The CREATE INDEX CONCURRENTLY that `sql` starts with, if it does (and
/// names its index): the one recogniser, for the runner, the bundle's
/// scripts and the review.
pub fn concurrent_index(sql: &str) -> Option<ConcurrentIndex> {
    let parts = crate::sql::split::split(sql);
    let words: Vec<&str> = parts
        .tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| t.text(sql))
        .take(16)
        .collect();
    let mut i = 0;
    let eat = |kw: &str, i: &mut usize| {
        let hit = words.get(*i).is_some_and(|w| w.eq_ignore_ascii_case(kw));
        *i += usize::from(hit);
        hit
    };
    if !eat("create", &mut i) {
        return None;
    }
    let unique = eat("unique", &mut i);
    if !(eat("index", &mut i) && eat("concurrently", &mut i)) {
        return None;
    }
    let if_not_exists = eat("if", &mut i);
    if if_not_exists && !(eat("not", &mut i) && eat("exists", &mut i)) {
        return None;
    }
    let index = identifier(words.get(i)?);
    i += 1;
    if index.eq_ignore_ascii_case("on") || !eat("on", &mut i) {
        return None; // unnamed: nothing to look for
    }
    eat("only", &mut i);
    let mut table = words.get(i)?.to_string();
    if words.get(i + 1) == Some(&".") {
        table = format!("{table}.{}", words.get(i + 2)?);
    }
    Some(ConcurrentIndex {
        unique,
        if_not_exists,
        index,
        table,
    })
}

/// An identifier as the catalog holds it: `"Quoted"` keeps its case (inner
/// quotes undoubled), anything else is folded to lower case.
fn identifier(word: &str) -> String {
    match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => word.to_ascii_lowercase(),
    }
}
