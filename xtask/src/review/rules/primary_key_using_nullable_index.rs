use super::ddl::{actions, add_action, alter_column, alter_table, Added};
use crate::review::schema::{qualify, schema_of, Store};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// ADD PRIMARY KEY USING INDEX runs an implied SET NOT NULL on each key
/// column not already proven NOT NULL: a full scan under ACCESS EXCLUSIVE
/// (measured on 17; UNIQUE USING INDEX implies nothing and does not scan).
pub struct PrimaryKeyUsingNullableIndex;

impl Rule for PrimaryKeyUsingNullableIndex {
    fn id(&self) -> &'static str {
        "primary-key-using-nullable-index"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ADD PRIMARY KEY USING INDEX over columns not proven NOT NULL"
    }
    fn help(&self) -> &'static str {
        "prove the key columns NOT NULL first, as set-not-null describes (ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later migration, then SET NOT NULL, which no longer scans), and add the primary key after that"
    }
    fn walks(&self) -> bool {
        true
    }
    fn check_stmt(&self, cx: &Context<'_>, s: &Stmt, schema: &dyn Store, out: &mut Vec<Finding>) {
        let Some((table, first)) = alter_table(s) else {
            return;
        };
        if cx.created_here(&table, s.start) {
            return;
        }
        let acts = actions(s, first);
        // SET NOT NULL in the same statement: set-not-null judges that scan.
        let set_here: Vec<String> = acts
            .iter()
            .filter_map(|r| alter_column(s, r))
            .filter(|(_, _, next)| s.words_at(*next, &["SET", "NOT", "NULL"]))
            .map(|(c, _, _)| c)
            .collect();
        for r in &acts {
            let Some(Added::Constraint(c)) = add_action(s, r) else {
                continue;
            };
            let (true, Some(index)) = (c.kind == "PRIMARY KEY", &c.using_index) else {
                continue;
            };
            // USING INDEX names an index of the table's schema.
            let index = if index.contains('.') {
                index.clone()
            } else {
                format!("{}.{index}", schema_of(&qualify(&table)))
            };
            let Some((_, idx)) = schema.index(&index) else {
                continue;
            };
            let t = schema.table(&qualify(&table));
            let nullable: Vec<&str> = idx
                .cols
                .iter()
                .filter(|col| !set_here.contains(col))
                .filter(|col| !t.is_some_and(|t| t.proven_not_null(col)))
                .map(String::as_str)
                .collect();
            if nullable.is_empty() {
                continue;
            }
            out.push(cx.finding(
                self,
                s.range(c.kind_at, c.kind_at + 1),
                format!(
                    "PRIMARY KEY USING INDEX {index} makes {} NOT NULL: PostgreSQL scans every row of {table} under ACCESS EXCLUSIVE (reads and writes wait), because no validated CHECK proves {} NOT NULL",
                    nullable.join(", "),
                    if nullable.len() == 1 { "it" } else { "them" }
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.m (id bigint, code bigint NOT NULL);\nCREATE UNIQUE INDEX IF NOT EXISTS uq_m_id ON app.m (id);\nCREATE UNIQUE INDEX IF NOT EXISTS uq_m_code ON app.m (code);";

    #[test]
    fn a_nullable_key_column_is_scanned() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.m ADD CONSTRAINT m_pkey PRIMARY KEY USING INDEX uq_m_id;",
        );
        assert_eq!(spans(&f, "primary-key-using-nullable-index"), ["1:41"]);
    }

    #[test]
    fn not_null_or_a_validated_check_or_unique_pass() {
        for body in [
            "ALTER TABLE app.m ADD CONSTRAINT m_pkey PRIMARY KEY USING INDEX uq_m_code;",
            "ALTER TABLE app.m ADD CONSTRAINT m_id_key UNIQUE USING INDEX uq_m_id;",
        ] {
            let f = check_sql(BEFORE, body);
            assert!(
                spans(&f, "primary-key-using-nullable-index").is_empty(),
                "{body}: {f:?}"
            );
        }
        let before = format!("{BEFORE}\nALTER TABLE app.m ADD CONSTRAINT chk_id CHECK (id IS NOT NULL) NOT VALID;\nALTER TABLE app.m VALIDATE CONSTRAINT chk_id;");
        let f = check_sql(
            &before,
            "ALTER TABLE app.m ADD CONSTRAINT m_pkey PRIMARY KEY USING INDEX uq_m_id;",
        );
        assert!(
            spans(&f, "primary-key-using-nullable-index").is_empty(),
            "{f:?}"
        );
    }
}
