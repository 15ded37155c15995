use super::ddl::{actions, add_action, alter_table, Added, SqlType};
use crate::review::{Context, Finding, Rule, Severity};
use crate::sql::lexer::TokenKind;

/// Functions whose value changes row by row: a DEFAULT calling one cannot be
/// stored once in the catalog, so ADD COLUMN rewrites the table.
const VOLATILE: &[&str] = &[
    "RANDOM",
    "RANDOM_NORMAL",
    "GEN_RANDOM_UUID",
    "GEN_RANDOM_BYTES",
    "UUIDV4",
    "UUIDV7",
    "UUID_GENERATE_V1",
    "UUID_GENERATE_V1MC",
    "UUID_GENERATE_V4",
    "CLOCK_TIMESTAMP",
    "TIMEOFDAY",
    "NEXTVAL",
];

/// ADD COLUMN with a volatile DEFAULT (or a serial / identity column) on an
/// existing table.
pub struct VolatileDefault;

impl Rule for VolatileDefault {
    fn id(&self) -> &'static str {
        "volatile-default"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD COLUMN with a volatile DEFAULT on an existing table"
    }
    fn help(&self) -> &'static str {
        "add the column without a default (or with a constant or stable one such as now()), set the volatile DEFAULT in a second statement (it then applies to new rows only), and backfill the existing rows in batches"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let Some((table, first)) = alter_table(s) else {
                continue;
            };
            if cx.created_here(&table, s.start) {
                continue;
            }
            for r in actions(s, first) {
                let Some(Added::Column(def)) = add_action(s, &r) else {
                    continue;
                };
                let col = &def.name;
                let volatile_call = def.default.clone().and_then(|d| {
                    d.clone().find(|&k| {
                        s.toks[k].kind == TokenKind::Word
                            && VOLATILE.contains(&s.toks[k].norm.as_str())
                            && s.toks
                                .get(k + 1)
                                .is_some_and(|t| t.kind == TokenKind::LParen)
                    })
                });
                let ty = SqlType::parse(&def.type_text(s));
                if let Some(k) = volatile_call {
                    out.push(cx.finding(
                        self,
                        s.range(k, k + 1),
                        format!(
                            "DEFAULT {}() is volatile: adding {col} to {table} evaluates it for every existing row, rewriting the table and its indexes under ACCESS EXCLUSIVE",
                            s.toks[k].norm.to_ascii_lowercase()
                        ),
                    ));
                } else if ty.base.ends_with("serial") && !def.has_default(s) {
                    out.push(cx.finding(
                        self,
                        s.range(def.ty.start, def.ty.end.saturating_sub(1)),
                        format!(
                            "{} {col} defaults to nextval(): adding it to {table} numbers every existing row, rewriting the table and its indexes under ACCESS EXCLUSIVE",
                            ty.base
                        ),
                    ));
                } else if !cx.target.has(11) && def.has_default(s) && !default_is_null(s, &def) {
                    // Before 11 even a constant default is written into every row.
                    let d = def.default.clone().unwrap_or_default();
                    out.push(cx.finding(
                        self,
                        s.range(d.start.saturating_sub(1), d.start.saturating_sub(1)),
                        format!(
                            "on {} a DEFAULT on ADD COLUMN is written into every existing row of {table}: the table is rewritten under ACCESS EXCLUSIVE (from PostgreSQL 11 a non-volatile default is stored once in the catalog)",
                            cx.target.describe()
                        ),
                    ));
                } else if let Some(g) = def.identity {
                    out.push(cx.finding(
                        self,
                        s.range(g, g + 1),
                        format!(
                            "identity column {col} takes nextval() for every existing row of {table}: the table and its indexes are rewritten under ACCESS EXCLUSIVE"
                        ),
                    ));
                }
            }
        }
    }
}

/// `DEFAULT NULL`, which PostgreSQL never writes.
fn default_is_null(s: &crate::review::stmt::Stmt, def: &super::ddl::ColumnDef) -> bool {
    def.default
        .as_ref()
        .is_some_and(|d| d.len() == 1 && s.word(d.start) == "NULL")
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY);";

    #[test]
    fn flags_volatile_defaults_serial_and_identity() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS token uuid NOT NULL DEFAULT gen_random_uuid();\nALTER TABLE app.orders ADD COLUMN seq bigserial;\nALTER TABLE app.orders ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
        );
        assert_eq!(spans(&f, "volatile-default"), ["1:77", "2:39", "3:44"]);
    }

    #[test]
    fn passes_stable_defaults_and_new_tables() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS at2 timestamptz DEFAULT CURRENT_TIMESTAMP;\nALTER TABLE app.orders ALTER COLUMN at2 SET DEFAULT clock_timestamp();\nCREATE TABLE app.lines (id bigint PRIMARY KEY);\nALTER TABLE app.lines ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        );
        assert!(spans(&f, "volatile-default").is_empty(), "{f:?}");
    }

    #[test]
    fn before_11_every_default_rewrites() {
        use crate::review::Target;
        let body =
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'new';";
        let f = super::super::util::check_sql_on(Target::major(10), BEFORE, body);
        assert_eq!(spans(&f, "volatile-default"), ["1:69"]);
        for major in [13, 18] {
            let f = super::super::util::check_sql_on(Target::major(major), BEFORE, body);
            assert!(spans(&f, "volatile-default").is_empty(), "{major}: {f:?}");
        }
    }
}
