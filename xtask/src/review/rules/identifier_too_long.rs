use super::ddl::{
    actions, add_action, alter_table, column_def, create_table, is_constraint_start,
    table_constraint, Added,
};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1) with only
/// a NOTICE.
pub struct IdentifierTooLong;

const MAX: usize = 63;

impl Rule for IdentifierTooLong {
    fn id(&self) -> &'static str {
        "identifier-too-long"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A created identifier longer than 63 bytes"
    }
    fn help(&self) -> &'static str {
        "shorten the name to 63 bytes or fewer: PostgreSQL silently truncates longer names, so the object exists under a different name than the one the verify queries, the rollback and the code use, and two long names can collide"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            for (what, i) in created_names(s) {
                let Some(t) = s.toks.get(i) else { continue };
                let name = match t.kind {
                    TokenKind::Word => t.norm.to_ascii_lowercase(),
                    TokenKind::QuotedIdent => t.norm.clone(),
                    _ => continue,
                };
                if name.len() <= MAX {
                    continue;
                }
                let mut cut = MAX;
                while !name.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push(cx.finding(
                    self,
                    t.start..t.end,
                    format!(
                        "{what} name {name} is {} bytes: PostgreSQL truncates it to {}",
                        name.len(),
                        &name[..cut]
                    ),
                ));
            }
        }
    }
}

/// Token indexes of every part of the (possibly qualified) name at `i`.
fn parts(s: &Stmt, i: usize) -> Vec<usize> {
    let mut out = vec![i];
    if s.toks.get(i + 1).is_some_and(|t| t.norm == ".") {
        out.push(i + 2);
    }
    out
}

/// The names a statement creates, with what they name.
fn created_names(s: &Stmt) -> Vec<(&'static str, usize)> {
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    let skip_if = |i: usize, seq: &[&str]| if s.words_at(i, seq) { i + seq.len() } else { i };
    if let Some((_, name_at, items)) = create_table(s) {
        out.extend(parts(s, name_at).into_iter().map(|i| ("table", i)));
        for item in items {
            if is_constraint_start(s.word(item.start)) {
                if let Some((_, at)) =
                    table_constraint(s, item.start, item.end).and_then(|c| c.name)
                {
                    out.push(("constraint", at));
                }
            } else if let Some(def) = column_def(s, item.start, item.end) {
                out.push(("column", def.name_at));
                if let Some(c) = (def.ty.end..item.end).find(|&k| s.word(k) == "CONSTRAINT") {
                    out.push(("constraint", c + 1));
                }
            }
        }
        return out;
    }
    if s.word(0) == "CREATE" {
        let mut i = 1;
        while matches!(
            s.word(i),
            "OR" | "REPLACE" | "UNIQUE" | "MATERIALIZED" | "TEMP" | "TEMPORARY" | "RECURSIVE"
        ) {
            i += 1;
        }
        let what = match s.word(i) {
            "INDEX" => "index",
            "TYPE" => "type",
            "SCHEMA" => "schema",
            "VIEW" => "view",
            "SEQUENCE" => "sequence",
            "FUNCTION" | "PROCEDURE" => "function",
            "TRIGGER" => "trigger",
            _ => return out,
        };
        let mut k = skip_if(i + 1, &["CONCURRENTLY"]);
        k = skip_if(k, &["IF", "NOT", "EXISTS"]);
        if what == "index" && s.word(k) == "ON" {
            return out;
        }
        out.extend(parts(s, k).into_iter().map(|p| (what, p)));
        return out;
    }
    if let Some((_, first)) = alter_table(s) {
        for r in actions(s, first) {
            match add_action(s, &r) {
                Some(Added::Column(def)) => out.push(("column", def.name_at)),
                Some(Added::Constraint(c)) => {
                    if let Some((_, at)) = c.name {
                        out.push(("constraint", at));
                    }
                }
                None if s.word(r.start) == "RENAME" => {
                    if let Some(to) = (r.start..r.end).find(|&k| s.word(k) == "TO") {
                        let what = match s.word(r.start + 1) {
                            "TO" => "table",
                            "CONSTRAINT" => "constraint",
                            _ => "column",
                        };
                        out.push((what, to + 1));
                    }
                }
                None => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_long_names() {
        let long = "a".repeat(64);
        let f = check_sql(
            "",
            &format!("CREATE TABLE app.t_{long} (id bigint);\nCREATE INDEX IF NOT EXISTS idx_{long} ON app.x (id);\nALTER TABLE app.x ADD COLUMN IF NOT EXISTS c_{long} int;"),
        );
        assert_eq!(spans(&f, "identifier-too-long"), ["1:18", "2:28", "3:44"]);
    }

    #[test]
    fn passes_63_bytes() {
        let name = "a".repeat(63);
        let f = check_sql("", &format!("CREATE TABLE app.{name} ({name} bigint);"));
        assert!(spans(&f, "identifier-too-long").is_empty());
    }
}
