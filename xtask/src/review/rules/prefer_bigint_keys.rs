use super::ddl::{
    actions, add_action, alter_table, column_def, create_table, is_constraint_start,
    table_constraint, Added, ColumnDef, SqlType,
};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// Generated 2- and 4-byte keys run out; widening them later rewrites the
/// table and every column that references them.
pub struct PreferBigintKeys;

fn max_of(base: &str) -> Option<&'static str> {
    match base {
        "integer" | "serial" => Some("2147483647"),
        "smallint" | "smallserial" => Some("32767"),
        _ => None,
    }
}

impl Rule for PreferBigintKeys {
    fn id(&self) -> &'static str {
        "prefer-bigint-keys"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A generated key of type integer or smallint (serial, identity or nextval)"
    }
    fn help(&self) -> &'static str {
        "use bigint GENERATED ALWAYS AS IDENTITY for generated keys (and bigint for the columns that reference them): moving an integer key to bigint later rewrites the table, its indexes and every referencing table. Keys the application assigns itself (lookup codes) are not flagged"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx.body_stmts() {
            let mut defs: Vec<(String, ColumnDef, bool)> = Vec::new();
            if let Some((table, _, items)) = create_table(s) {
                let mut pk: Vec<String> = Vec::new();
                let mut cols = Vec::new();
                for item in items {
                    if is_constraint_start(s.word(item.start)) {
                        if let Some(c) = table_constraint(s, item.start, item.end) {
                            if c.kind == "PRIMARY KEY" {
                                pk = c.cols;
                            }
                        }
                    } else if let Some(def) = column_def(s, item.start, item.end) {
                        cols.push(def);
                    }
                }
                for def in cols {
                    let is_pk = def.primary_key.is_some() || pk.contains(&def.name);
                    defs.push((table.clone(), def, is_pk));
                }
            } else if let Some((table, first)) = alter_table(s) {
                for r in actions(s, first) {
                    if let Some(Added::Column(def)) = add_action(s, &r) {
                        let is_pk = def.primary_key.is_some();
                        defs.push((table.clone(), def, is_pk));
                    }
                }
            }
            for (table, def, is_pk) in defs {
                if def.ty.is_empty() {
                    continue;
                }
                let t = SqlType::parse(&def.type_text(s));
                let Some(max) = max_of(&t.base) else {
                    continue;
                };
                let how = if t.base.ends_with("serial") {
                    format!(
                        "{} (a {} integer fed by a sequence)",
                        t.base,
                        if t.base == "serial" {
                            "4-byte"
                        } else {
                            "2-byte"
                        }
                    )
                } else if def.identity.is_some() {
                    format!("an {} identity", t.base)
                } else if uses_nextval(s, &def) {
                    format!("{} with DEFAULT nextval()", t.base)
                } else {
                    continue;
                };
                let what = if is_pk {
                    "primary key"
                } else {
                    "generated column"
                };
                out.push(cx.finding(
                    self,
                    s.range(def.ty.start, def.ty.end - 1),
                    format!("{what} {table}.{} is {how}: its values end at {max}, and widening it later rewrites the table and every table that references it", def.name),
                ));
            }
        }
    }
}

fn uses_nextval(s: &Stmt, def: &ColumnDef) -> bool {
    def.default
        .clone()
        .is_some_and(|mut d| d.any(|k| s.word(k) == "NEXTVAL"))
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_generated_integer_keys_and_serial() {
        let f = check_sql(
            "CREATE TABLE IF NOT EXISTS app.codes (code_id bigint PRIMARY KEY);",
            "CREATE TABLE app.orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n serial);\nCREATE TABLE app.lines (\n    line_id int4 NOT NULL DEFAULT nextval('app.lines_seq'),\n    CONSTRAINT pk_lines PRIMARY KEY (line_id)\n);\nALTER TABLE app.codes ADD COLUMN IF NOT EXISTS seq smallserial;",
        );
        assert_eq!(
            spans(&f, "prefer-bigint-keys"),
            ["1:29", "1:81", "3:13", "6:52"]
        );
    }

    #[test]
    fn passes_bigint_identity_and_assigned_keys() {
        let f = check_sql(
            "",
            "CREATE TABLE app.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, qty integer, n bigserial);\nCREATE TABLE app.status (status_id integer PRIMARY KEY, code text);",
        );
        assert!(spans(&f, "prefer-bigint-keys").is_empty(), "{f:?}");
    }
}
