//! Rules a project switches on in touchpoint.conf (`[review] enable =
//! ...`): house style more than hazards, or too strict for every project.

use super::ddl::{
    actions, add_action, alter_table, column_def, create_table, is_constraint_start,
    table_constraint, Added, ColumnDef, SqlType,
};
use super::timeout::in_force;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

pub struct MissingStatementTimeout;
pub struct PreferIdentity;
pub struct BigintKeyColumns;
pub struct EnumValueWithoutPosition;

impl Rule for MissingStatementTimeout {
    fn id(&self) -> &'static str {
        "missing-statement-timeout"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A migration that runs statements with no statement_timeout in force"
    }
    fn help(&self) -> &'static str {
        "start the body with `SET statement_timeout = '60s';` (next to lock_timeout): a statement that runs longer than planned then fails and rolls back instead of holding its locks; before a statement that must run long (CREATE INDEX CONCURRENTLY), `SET statement_timeout = 0;` makes that a visible choice"
    }
    fn opt_in(&self) -> bool {
        true
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let protected = in_force(cx, "statement_timeout");
        let first = cx.body_stmts().zip(protected).find(|(s, on)| {
            !on && !matches!(s.word(0), "SET" | "RESET") && !s.has(&["SET_CONFIG"])
        });
        if let Some((s, _)) = first {
            out.push(cx.finding(self, s.range(0, 1), "no statement_timeout is in force here: a statement that runs long holds its locks for as long as it runs".to_string()));
        }
    }
}

impl Rule for PreferIdentity {
    fn id(&self) -> &'static str {
        "prefer-identity"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A serial, bigserial or smallserial column"
    }
    fn help(&self) -> &'static str {
        "write `bigint GENERATED ALWAYS AS IDENTITY`: the sequence then belongs to the column (permissions, dumps, ALTER ... RESTART follow it) and explicit inserts of ids need OVERRIDING SYSTEM VALUE"
    }
    fn opt_in(&self) -> bool {
        true
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in cx
            .type_uses()
            .iter()
            .filter(|u| u.parsed.base.ends_with("serial"))
        {
            out.push(cx.finding(
                self,
                u.stmt.range(u.ty.start, u.ty.end.saturating_sub(1)),
                format!("{}.{} is {}: an identity column does the same with the sequence tied to the column", u.table, u.column, u.parsed.base),
            ));
        }
    }
}

/// Columns of a CREATE TABLE or ADD COLUMN that are keys (PRIMARY KEY,
/// UNIQUE, FOREIGN KEY), with their definitions.
fn key_columns(s: &Stmt) -> Vec<(String, ColumnDef)> {
    let mut out = Vec::new();
    if let Some((table, _, items)) = create_table(s) {
        let mut keys: Vec<String> = Vec::new();
        let mut defs = Vec::new();
        for item in items {
            if is_constraint_start(s.word(item.start)) {
                if let Some(c) = table_constraint(s, item.start, item.end) {
                    if matches!(c.kind, "PRIMARY KEY" | "UNIQUE" | "FOREIGN KEY") {
                        keys.extend(c.cols);
                    }
                }
            } else if let Some(def) = column_def(s, item.start, item.end) {
                defs.push(def);
            }
        }
        for def in defs {
            let inline =
                def.primary_key.is_some() || def.unique.is_some() || def.references.is_some();
            if inline || keys.contains(&def.name) {
                out.push((table.clone(), def));
            }
        }
    } else if let Some((table, first)) = alter_table(s) {
        for r in actions(s, first) {
            if let Some(Added::Column(def)) = add_action(s, &r) {
                if def.primary_key.is_some() || def.unique.is_some() || def.references.is_some() {
                    out.push((table.clone(), def));
                }
            }
        }
    }
    out
}

impl Rule for BigintKeyColumns {
    fn id(&self) -> &'static str {
        "bigint-key-columns"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A key column (primary, unique or foreign key) of type integer or smallint"
    }
    fn help(&self) -> &'static str {
        "make key columns bigint: widening a key later rewrites the table, its indexes and every table referencing it; generated keys are prefer-bigint-keys' (on by default)"
    }
    fn opt_in(&self) -> bool {
        true
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            for (table, def) in key_columns(s) {
                if def.ty.is_empty() || def.identity.is_some() {
                    continue;
                }
                let t = SqlType::parse(&def.type_text(s));
                // Generated ones: prefer-bigint-keys.
                let generated = def
                    .default
                    .as_ref()
                    .is_some_and(|d| (d.start..d.end).any(|k| s.word(k) == "NEXTVAL"));
                if !matches!(t.base.as_str(), "integer" | "smallint") || generated {
                    continue;
                }
                out.push(cx.finding(
                    self,
                    s.range(def.ty.start, def.ty.end.saturating_sub(1)),
                    format!("key column {table}.{} is {}: widening it later rewrites {table} and every table referencing it", def.name, t.base),
                ));
            }
        }
    }
}

impl Rule for EnumValueWithoutPosition {
    fn id(&self) -> &'static str {
        "enum-value-without-position"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ALTER TYPE ... ADD VALUE without BEFORE or AFTER"
    }
    fn help(&self) -> &'static str {
        "say where the value goes (ADD VALUE 'x' AFTER 'y'): an enum's order drives <, > and ORDER BY, and a value appended at the end may sort after values it belongs before"
    }
    fn opt_in(&self) -> bool {
        true
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["ALTER", "TYPE"]))
        {
            let Some(at) = s.find(&["ADD", "VALUE"]) else {
                continue;
            };
            if !s.has(&["BEFORE"]) && !s.has(&["AFTER"]) {
                out.push(cx.finding(self, s.range(at, at + 1), "the new value goes after every existing one: comparisons and ORDER BY on the type sort it last".to_string()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, check_sql_with, spans};
    use crate::review::Options;

    fn with(ids: &[&str]) -> Options {
        Options {
            enabled: ids.iter().map(ToString::to_string).collect(),
            ..Options::default()
        }
    }

    const BODY: &str = "CREATE TABLE IF NOT EXISTS app.n (id serial PRIMARY KEY, p_id integer NOT NULL REFERENCES app.p (id), code int UNIQUE, qty int);\nALTER TYPE app.st ADD VALUE IF NOT EXISTS 'HELD';";

    #[test]
    fn off_unless_enabled() {
        let f = check_sql("", BODY);
        for id in [
            "missing-statement-timeout",
            "prefer-identity",
            "bigint-key-columns",
            "enum-value-without-position",
        ] {
            assert!(spans(&f, id).is_empty(), "{id}");
        }
    }

    #[test]
    fn each_when_enabled() {
        let opts = with(&[
            "missing-statement-timeout",
            "prefer-identity",
            "bigint-key-columns",
            "enum-value-without-position",
        ]);
        let f = check_sql_with(&opts, "", BODY);
        assert_eq!(spans(&f, "missing-statement-timeout"), ["1:1"]);
        assert_eq!(spans(&f, "prefer-identity"), ["1:38"]);
        assert_eq!(spans(&f, "bigint-key-columns"), ["1:63", "1:108"]);
        assert_eq!(spans(&f, "enum-value-without-position"), ["2:19"]);
        let good = "SET statement_timeout = '60s';\nCREATE TABLE IF NOT EXISTS app.n (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, p_id bigint REFERENCES app.p (id));\nALTER TYPE app.st ADD VALUE IF NOT EXISTS 'HELD' AFTER 'NEW';";
        let f = check_sql_with(&opts, "", good);
        for id in &opts.enabled {
            assert!(spans(&f, id).is_empty(), "{id}: {f:?}");
        }
    }
}
