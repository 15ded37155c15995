//! migra, the baseline: whether it is installed, its statements for a pair
//! of databases, and the object each statement changes.

use anyhow::{Context, Result};

use super::objects::ReportedObject;
use crate::sql::lexer::TokenKind;

/// How to get the baseline `bench drift` compares with.
const MIGRA_INSTALL: &str = "pip install migra 'sqlalchemy<2' psycopg2-binary";

/// `migra --help` works: returns nothing, or says how to install it.
pub(super) fn migra_available() -> Result<()> {
    let out = std::process::Command::new("migra").arg("--help").output();
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => anyhow::bail!(
            "`migra --help` failed ({}): {}\nbench drift measures against migra; reinstall it with\n  {MIGRA_INSTALL}\n(tested with migra 3.0.1663481299, schemainspect 3.1.1663587362, sqlalchemy 1.4.54, psycopg2-binary 2.9.13, Python 3.11)",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => anyhow::bail!(
            "migra not found ({e}): bench drift measures against migra in the same run; install it with\n  {MIGRA_INSTALL}\n(tested with migra 3.0.1663481299, schemainspect 3.1.1663587362, sqlalchemy 1.4.54, psycopg2-binary 2.9.13, Python 3.11)"
        ),
    }
}

/// `migra --unsafe from target`: its statements (exit 0: none, 2: some).
pub(super) fn migra(from: &str, target: &str) -> Result<String> {
    let out = std::process::Command::new("migra")
        .args(["--unsafe", from, target])
        .output()
        .context("cannot run migra")?;
    match out.status.code() {
        Some(0 | 2) => Ok(String::from_utf8(out.stdout)?),
        _ => anyhow::bail!(
            "migra failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// A statement's significant tokens: words lower-cased, quoted identifiers
/// unquoted, everything else as written.
fn words(src: &str, tokens: &[crate::sql::lexer::Token]) -> Vec<(TokenKind, String)> {
    tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| {
            let text = t.text(src);
            let text = match t.kind {
                TokenKind::Word => text.to_ascii_lowercase(),
                TokenKind::QuotedIdent => text
                    .trim_start_matches("U&")
                    .trim_matches('"')
                    .replace("\"\"", "\""),
                _ => text.to_string(),
            };
            (t.kind, text)
        })
        .collect()
}

struct Cursor<'a> {
    tokens: &'a [(TokenKind, String)],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|(_, s)| s.as_str())
    }
    /// Consumes `words` when they come next.
    fn eat(&mut self, words: &[&str]) -> bool {
        let ok = words
            .iter()
            .enumerate()
            .all(|(k, w)| self.tokens.get(self.at + k).is_some_and(|(_, s)| s == w));
        if ok {
            self.at += words.len();
        }
        ok
    }
    fn eat_any(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat(&[w]))
    }
    /// `a`, `a.b`, `a.b.c`: one possibly qualified name.
    fn name(&mut self) -> Option<String> {
        let mut parts = Vec::new();
        loop {
            let (kind, text) = self.tokens.get(self.at)?;
            if !matches!(kind, TokenKind::Word | TokenKind::QuotedIdent) {
                break;
            }
            parts.push(text.clone());
            self.at += 1;
            if self.tokens.get(self.at).is_some_and(|(_, s)| s == ".") {
                self.at += 1;
            } else {
                break;
            }
        }
        (!parts.is_empty()).then(|| parts.join("."))
    }
    /// Skips to just after the next `word` (a keyword).
    fn skip_past(&mut self, word: &str) -> bool {
        while let Some((kind, s)) = self.tokens.get(self.at) {
            self.at += 1;
            if *kind == TokenKind::Word && s == word {
                return true;
            }
        }
        false
    }
}

/// The objects migra's statements change, one per statement, in order.
pub fn migra_objects(output: &str) -> Vec<ReportedObject> {
    let split = crate::sql::split::split(output);
    split
        .statements
        .iter()
        .filter_map(|s| {
            let tokens = words(output, &split.tokens[s.tokens.clone()]);
            let text = s.text(output).to_ascii_lowercase();
            let (object, table) = statement_object(&tokens)?;
            let mut reported = ReportedObject::new(object, table);
            reported.enum_rewrite = reported.object.starts_with("column ")
                && text.contains(" using ")
                && text.contains("::text::");
            Some(reported)
        })
        .collect()
}

/// The object one statement changes, and its table when the statement
/// names one; `None` for session settings (`set ...`).
fn statement_object(tokens: &[(TokenKind, String)]) -> Option<(String, Option<String>)> {
    let mut cursor = Cursor { tokens, at: 0 };
    let verb = cursor.peek()?.to_string();
    cursor.at += 1;
    let schema_of = |q: &str| q.rsplit_once('.').map_or("public", |(s, _)| s).to_string();
    let unqualified = |q: &str| q.rsplit_once('.').map_or(q, |(_, n)| n).to_string();
    let plain = |o: String| Some((o, None));
    let fallback = || {
        let head: Vec<&str> = tokens.iter().take(5).map(|(_, s)| s.as_str()).collect();
        plain(format!("other {}", head.join(" ")))
    };
    match verb.as_str() {
        "create" | "drop" | "alter" => {}
        "set" | "reset" => return None,
        "grant" | "revoke" => return plain("privilege".into()),
        "comment" => return plain("comment".into()),
        _ => return fallback(),
    }
    cursor.eat(&["or", "replace"]);
    cursor.eat_any(&[
        "unique",
        "materialized",
        "unlogged",
        "constraint",
        "temporary",
    ]);
    let what = cursor.peek()?.to_string();
    cursor.at += 1;
    cursor.eat_any(&["concurrently"]);
    cursor.eat(&["if", "not", "exists"]);
    cursor.eat(&["if", "exists"]);
    match what.as_str() {
        "table" => {
            cursor.eat_any(&["only"]);
            let table = cursor.name()?;
            if verb != "alter" {
                return plain(format!("table {table}"));
            }
            cursor.eat_any(&["add", "drop", "alter", "validate"]);
            if cursor.eat_any(&["column"]) {
                cursor.eat(&["if", "not", "exists"]);
                cursor.eat(&["if", "exists"]);
                return plain(format!("column {table}.{}", cursor.name()?));
            }
            if cursor.eat_any(&["constraint"]) {
                cursor.eat(&["if", "exists"]);
                return plain(format!("constraint {table}.{}", cursor.name()?));
            }
            if cursor.eat_any(&["enable", "disable"]) && cursor.eat_any(&["trigger"]) {
                return plain(format!("trigger {table}.{}", cursor.name()?));
            }
            plain(format!("table {table}"))
        }
        "index" => {
            let name = cursor.name()?;
            if verb == "create" {
                cursor.skip_past("on");
                cursor.eat_any(&["only"]);
                let table = cursor.name()?;
                Some((
                    format!("index {}.{}", schema_of(&table), unqualified(&name)),
                    Some(table),
                ))
            } else {
                plain(format!("index {name}"))
            }
        }
        "view" => plain(format!("view {}", cursor.name()?)),
        "function" | "procedure" => plain(format!("function {}", cursor.name()?)),
        "trigger" => {
            let name = cursor.name()?;
            cursor.skip_past("on");
            let table = cursor.name()?;
            plain(format!("trigger {table}.{}", unqualified(&name)))
        }
        "type" => {
            let name = cursor.name()?;
            let name = name
                .strip_suffix("__old_version_to_be_dropped")
                .unwrap_or(&name);
            plain(format!("type {name}"))
        }
        "sequence" => plain(format!("sequence {}", cursor.name()?)),
        "schema" => plain(format!("schema {}", cursor.name()?)),
        "extension" => plain(format!("extension {}", cursor.name()?)),
        _ => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::objects::fold;
    use super::*;

    #[test]
    fn migra_statements_map_to_objects() {
        let out = r#"drop view if exists "public"."v";

alter type "public"."e" rename to "e__old_version_to_be_dropped";

create type "public"."e" as enum ('a', 'c');

drop type "public"."e__old_version_to_be_dropped";

alter table "public"."t" add column "y" integer;

alter table "public"."t" alter column "x" set data type timestamp with time zone using "x"::timestamp with time zone;

alter table "public"."u" alter column p type "public"."e" using p::text::"public"."e";

alter table "public"."t" drop constraint "t_a_check";

alter table "public"."t" add constraint "t_b_fkey" FOREIGN KEY (b) REFERENCES t(id) not valid;

alter table "public"."t" validate constraint "t_b_fkey";

CREATE INDEX t_y_idx ON public.t USING btree (y);

drop index if exists "public"."t_z_idx";

drop trigger if exists "t_touch" on "public"."t";

CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch();

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION public.total()
 RETURNS numeric
 LANGUAGE sql
 STABLE
AS $function$ SELECT 1; SELECT 2 $function$
;

drop table "public"."gone";

create table "public"."new" ("id" bigint not null);

create sequence "public"."new_id_seq";

create or replace view "public"."v" as  SELECT t.id,
    1 AS k
   FROM t;
"#;
        let got: Vec<String> = migra_objects(out)
            .iter()
            .map(|o| format!("{}{}", o.object, if o.enum_rewrite { " *" } else { "" }))
            .collect();
        assert_eq!(
            got,
            [
                "view public.v",
                "type public.e",
                "type public.e",
                "type public.e",
                "column public.t.y",
                "column public.t.x",
                "column public.u.p *",
                "constraint public.t.t_a_check",
                "constraint public.t.t_b_fkey",
                "constraint public.t.t_b_fkey",
                "index public.t_y_idx",
                "index public.t_z_idx",
                "trigger public.t.t_touch",
                "trigger public.t.t_touch",
                "function public.total",
                "table public.gone",
                "table public.new",
                "sequence public.new_id_seq",
                "view public.v",
            ]
        );
    }

    #[test]
    fn sub_objects_fold_into_their_owner() {
        let out = r#"alter table "s"."gone" drop constraint "gone_pkey";
drop index if exists "s"."gone_pkey";
drop table "s"."gone";
create table "s"."new" ("id" bigint not null);
CREATE UNIQUE INDEX new_pkey ON s.new USING btree (id);
alter table "s"."new" add constraint "new_pkey" PRIMARY KEY using index "new_pkey";
alter table "s"."t" alter column "p" drop default;
alter table "s"."t" alter column p type "s"."e" using p::text::"s"."e";
alter table "s"."t" alter column "p" set default 'a'::s.e;
alter table "s"."t" alter column "q" set not null;
"#;
        let found = fold(&migra_objects(out));
        assert_eq!(found.folded, 4);
        let got: Vec<(&str, bool)> = found
            .objects
            .iter()
            .map(|(o, r)| (o.as_str(), *r))
            .collect();
        assert_eq!(
            got,
            [
                ("column s.t.p", true),
                ("column s.t.q", false),
                ("table s.gone", false),
                ("table s.new", false),
            ]
        );
    }
}
