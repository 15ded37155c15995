use super::ddl::{
    actions, add_action, alter_column, alter_table, bare, column_def, create_table, earlier,
    implies_not_null, is_constraint_start, table_constraint, Added,
};
use crate::review::schema::qualify;
use crate::review::stmt::{self, Stmt};
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
        "first ADD CONSTRAINT x CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT x in a later migration (or a no-transaction one), then SET NOT NULL: PostgreSQL 12+ sees the validated check and skips the scan; DROP the check afterwards"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let body: Vec<&Stmt> = cx.body_stmts().collect();
        for (pos, s) in body.iter().enumerate() {
            let Some((table, first)) = alter_table(s) else {
                continue;
            };
            if cx.created_here(&table, s.start) {
                continue;
            }
            let q = qualify(&table);
            for r in actions(s, first) {
                let Some((col, _, next)) = alter_column(s, &r) else {
                    continue;
                };
                if !s.words_at(next, &["SET", "NOT", "NULL"]) {
                    continue;
                }
                if proven_here(&body[..pos], &q, &col) || proven_before(cx, &body[..pos], &q, &col)
                {
                    continue;
                }
                out.push(cx.finding(
                    self,
                    s.range(r.start, next + 2),
                    format!("SET NOT NULL on {table}.{col} scans every row under ACCESS EXCLUSIVE (reads and writes wait): no validated CHECK ({col} IS NOT NULL) is known that would let PostgreSQL skip the scan"),
                ));
            }
        }
    }
}

/// A CHECK implying `col IS NOT NULL` added validated earlier in this body,
/// or added NOT VALID and validated earlier in this body.
fn proven_here(earlier_stmts: &[&Stmt], table: &str, col: &str) -> bool {
    let mut pending: Vec<String> = Vec::new();
    for s in earlier_stmts {
        let Some((t, first)) = alter_table(s) else {
            continue;
        };
        if qualify(&t) != table {
            continue;
        }
        for r in actions(s, first) {
            if let Some(Added::Constraint(c)) = add_action(s, &r) {
                let Some(check) = &c.check else { continue };
                if !implies_not_null(s, check, col) {
                    continue;
                }
                if !c.not_valid {
                    return true;
                }
                if let Some((n, _)) = c.name {
                    pending.push(n);
                }
            } else if s.words_at(r.start, &["VALIDATE", "CONSTRAINT"]) {
                if let Some((n, _)) = s.name_at(r.start + 2) {
                    if pending.contains(&n) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// A CHECK implying `col IS NOT NULL` from an earlier migration that the
/// schema knows as validated (or that this body validates before).
fn proven_before(cx: &Context<'_>, here: &[&Stmt], table: &str, col: &str) -> bool {
    let validated_here = |name: &str| {
        here.iter().any(|s| {
            alter_table(s).is_some_and(|(t, first)| {
                qualify(&t) == table
                    && actions(s, first).iter().any(|r| {
                        s.words_at(r.start, &["VALIDATE", "CONSTRAINT"])
                            && s.name_at(r.start + 2).is_some_and(|(n, _)| n == name)
                    })
            })
        })
    };
    let needle = bare(table).to_ascii_lowercase();
    for m in earlier(cx) {
        let src = m.source.to_ascii_lowercase();
        if !src.contains(&needle) || !src.contains("is not null") {
            continue;
        }
        for s in stmt::statements(m)
            .iter()
            .filter(|s| s.section == stmt::Section::Body)
        {
            if let Some((t, _, items)) = create_table(s) {
                if qualify(&t) != table {
                    continue;
                }
                for item in items {
                    if is_constraint_start(s.word(item.start)) {
                        let proves = table_constraint(s, item.start, item.end)
                            .and_then(|c| c.check)
                            .is_some_and(|e| implies_not_null(s, &e, col));
                        if proves {
                            return true;
                        }
                    } else if let Some(def) = column_def(s, item.start, item.end) {
                        if def.check.is_some_and(|e| implies_not_null(s, &e, col)) {
                            return true;
                        }
                    }
                }
            } else if let Some((t, first)) = alter_table(s) {
                if qualify(&t) != table {
                    continue;
                }
                for r in actions(s, first) {
                    let Some(Added::Constraint(c)) = add_action(s, &r) else {
                        continue;
                    };
                    let Some(check) = &c.check else { continue };
                    if !implies_not_null(s, check, col) {
                        continue;
                    }
                    match &c.name {
                        Some((n, _)) => {
                            let known = cx
                                .before
                                .constraints
                                .get(n)
                                .is_some_and(|(t, valid)| t == table && *valid);
                            if known || validated_here(n) {
                                return true;
                            }
                        }
                        None if !c.not_valid => return true,
                        None => {}
                    }
                }
            }
        }
    }
    false
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
    fn passes_with_the_check_validated_in_this_body() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nALTER TABLE app.orders ADD CONSTRAINT chk_email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE app.orders VALIDATE CONSTRAINT chk_email_nn;\nALTER TABLE app.orders ALTER COLUMN email SET NOT NULL;",
        );
        assert!(spans(&f, "set-not-null").is_empty(), "{f:?}");
    }
}
