use super::ddl::{actions, alter_column, alter_table};
use crate::review::schema::{qualify, Store};
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a validated
/// CHECK (col IS NOT NULL) already proves it (PostgreSQL 12+).
pub struct SetNotNull;

impl Rule for SetNotNull {
    fn id(&self) -> &'static str {
        "set-not-null"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "SET NOT NULL on an existing table without a validated CHECK (col IS NOT NULL)"
    }
    fn help(&self) -> &'static str {
        "first ADD CONSTRAINT x CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT x in a later migration (or a no-transaction one), then SET NOT NULL: PostgreSQL 12+ sees the validated check and skips the scan; DROP the check afterwards. On PostgreSQL 18, ADD CONSTRAINT x NOT NULL col NOT VALID and a later VALIDATE CONSTRAINT x do it in two steps"
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
        let t = schema.table(&qualify(&table));
        for r in actions(s, first) {
            let Some((col, _, next)) = alter_column(s, &r) else {
                continue;
            };
            if !s.words_at(next, &["SET", "NOT", "NULL"]) {
                continue;
            }
            // A validated CHECK (col IS NOT NULL) still in place, earlier in
            // the history or in this body, or a column already NOT NULL:
            // PostgreSQL skips the scan.
            if t.is_some_and(|t| t.proven_not_null(&col)) {
                continue;
            }
            let newer = if cx.target.has(18) {
                format!("; on PostgreSQL 18 ADD CONSTRAINT {col}_not_null NOT NULL {col} NOT VALID, then VALIDATE CONSTRAINT {col}_not_null in a later migration, avoids both the scan under ACCESS EXCLUSIVE and the helper CHECK")
            } else {
                String::new()
            };
            out.push(cx.finding(
                self,
                s.range(r.start, next + 2),
                format!("SET NOT NULL on {table}.{col} scans every row under ACCESS EXCLUSIVE (reads and writes wait): no validated CHECK ({col} IS NOT NULL) is known that would let PostgreSQL skip the scan{newer}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, email text);";

    #[test]
    fn flags_set_not_null_without_a_check() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert_eq!(spans(&f, "set-not-null"), ["1:24"]);
    }

    #[test]
    fn passes_with_a_check_validated_earlier() {
        let before = format!(
            "{BEFORE}\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk_email_nn;"
        );
        let f = check_sql(
            &before,
            "ALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert!(spans(&f, "set-not-null").is_empty(), "{f:?}");
    }

    #[test]
    fn a_not_valid_check_alone_is_not_enough() {
        let before = format!(
            "{BEFORE}\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL) NOT VALID;"
        );
        let f = check_sql(&before, "ALTER TABLE app.orders ALTER email SET NOT NULL;");
        assert_eq!(spans(&f, "set-not-null"), ["1:24"]);
        let f = check_sql(
            &before,
            "ALTER TABLE app.orders VALIDATE CONSTRAINT chk_email_nn;\nALTER TABLE app.orders ALTER email SET NOT NULL;",
        );
        assert!(spans(&f, "set-not-null").is_empty(), "{f:?}");
    }

    #[test]
    fn a_check_dropped_later_proves_nothing() {
        let before = format!(
            "{BEFORE}\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk_email_nn;\nALTER TABLE app.orders DROP CONSTRAINT IF EXISTS chk_email_nn;"
        );
        let f = check_sql(
            &before,
            "ALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert_eq!(spans(&f, "set-not-null"), ["1:24"]);
        // Dropped in this body, before the SET NOT NULL.
        let before = format!(
            "{BEFORE}\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL);"
        );
        let f = check_sql(
            &before,
            "ALTER TABLE app.orders DROP CONSTRAINT chk_email_nn;\nALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert_eq!(spans(&f, "set-not-null"), ["2:24"]);
    }

    #[test]
    fn an_unnamed_check_in_create_table_counts_and_a_not_null_column_needs_nothing() {
        let f = check_sql(
            "CREATE TABLE IF NOT EXISTS app.orders (id bigint, email text, code text NOT NULL, CHECK (email IS NOT NULL));",
            "ALTER TABLE app.orders ALTER COLUMN email SET NOT NULL, ALTER COLUMN code SET NOT NULL;",
        );
        assert!(spans(&f, "set-not-null").is_empty(), "{f:?}");
    }

    #[test]
    fn the_postgresql_18_form_is_advised_only_from_18() {
        use crate::review::Target;
        let body = "ALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;";
        let on = |major| {
            super::super::util::check_sql_on(Target::major(major), BEFORE, body)
                .into_iter()
                .find(|f| f.rule == "set-not-null")
                .unwrap()
                .message
        };
        assert!(on(18).contains("NOT NULL email NOT VALID"), "{}", on(18));
        assert!(!on(13).contains("NOT VALID"), "{}", on(13));
    }

    #[test]
    fn passes_with_the_check_validated_in_this_body() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk_email_nn;\nALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert!(spans(&f, "set-not-null").is_empty(), "{f:?}");
    }
}
