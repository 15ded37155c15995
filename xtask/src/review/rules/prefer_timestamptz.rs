use crate::review::{Context, Finding, Rule, Severity};

/// `timestamp` (without time zone) stores a wall-clock reading, not an
/// instant.
pub struct PreferTimestamptz;

impl Rule for PreferTimestamptz {
    fn id(&self) -> &'static str {
        "prefer-timestamptz"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A column of type timestamp without time zone"
    }
    fn help(&self) -> &'static str {
        "use timestamptz (timestamp with time zone): it stores an instant and shows it in each session's TimeZone; converting a timestamp column later rewrites the table"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for u in cx.type_uses() {
            let s = u.stmt;
            let text = &u.text;
            if u.parsed.base != "timestamp" || converted_later(cx, &u.table, &u.column) {
                continue;
            }
            out.push(cx.finding(
                self,
                s.range(u.ty.start, u.ty.end - 1),
                format!(
                    "{}.{} is {text}: it keeps no time zone, so every reader and every comparison with a timestamptz interprets it in its own session TimeZone",
                    u.table, u.column
                ),
            ));
        }
    }
}

/// Whether a later migration of the set already turns the column into a
/// timestamptz (then the set has dealt with it, and reviewing this file
/// again should not ask for it once more).
fn converted_later(cx: &Context<'_>, table: &str, column: &str) -> bool {
    cx.facts
        .converted_to_timestamptz_after(table, column, cx.m.name.number)
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn flags_timestamp_columns() {
        let f = check_sql(
            "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY);",
            "CREATE TABLE app.lines (id bigint, at timestamp NOT NULL DEFAULT now());\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS placed timestamp(3) without time zone,\n    ALTER COLUMN id TYPE timestamp;",
        );
        assert_eq!(spans(&f, "prefer-timestamptz"), ["1:39", "2:56", "3:26"]);
    }

    #[test]
    fn passes_a_column_a_later_migration_converts() {
        use crate::migration::{Migration, MigrationName};
        use crate::review::schema::Schema;
        let parse = |name: &str, body: &str| {
            Migration::parse(MigrationName::parse(name).unwrap(), body).unwrap()
        };
        let m = parse(
            "2026-01-02_02_create.sql",
            "CREATE TABLE app.lines (id bigint, at timestamp);\n",
        );
        let later = parse(
            "2026-01-03_03_convert.sql",
            "DO $$ BEGIN ALTER TABLE app.lines ALTER COLUMN at TYPE timestamptz USING at AT TIME ZONE 'UTC'; END $$;\n",
        );
        let set = [m.clone(), later];
        let f = crate::review::review_one(&m, "m.sql", &Schema::default(), &set);
        assert!(spans(&f, "prefer-timestamptz").is_empty(), "{f:?}");
        let f = crate::review::review_one(&m, "m.sql", &Schema::default(), &set[..1]);
        assert_eq!(spans(&f, "prefer-timestamptz"), ["1:39"]);
    }

    #[test]
    fn passes_timestamptz() {
        let f = check_sql(
            "",
            "CREATE TABLE app.lines (id bigint, at timestamptz, b timestamp with time zone, c time);",
        );
        assert!(spans(&f, "prefer-timestamptz").is_empty(), "{f:?}");
    }
}
