use super::ddl::{actions, alter_table, is_name, type_change, type_text, SqlType};
use crate::review::schema::Store;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// ALTER COLUMN ... TYPE rewrites the table and its indexes unless the new
/// type is binary-coercible from the old one.
pub struct AlterColumnType;

/// What a type change costs.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Cost {
    /// Binary-coercible, or the same type: a catalog change.
    Free,
    /// varchar(n) (or text) to a shorter varchar(m).
    Narrowing(u64),
    /// timestamp <-> timestamptz.
    TimeZone,
    Rewrite,
}

pub(super) fn cost(old: &SqlType, new: &SqlType) -> Cost {
    if old == new {
        return Cost::Free;
    }
    if old.array != new.array {
        return Cost::Rewrite;
    }
    let widening = |o: Option<u64>, n: Option<u64>| match (o, n) {
        (_, None) => true,
        (Some(o), Some(n)) => n >= o,
        (None, Some(_)) => false,
    };
    let (o, n) = (old.base.as_str(), new.base.as_str());
    match (o, n) {
        ("varchar" | "text", "text") => Cost::Free,
        ("varchar" | "text", "varchar") => {
            let from = if o == "text" { None } else { old.arg(0) };
            match new.arg(0) {
                None => Cost::Free,
                Some(m) if from.is_some_and(|f| m >= f) => Cost::Free,
                Some(m) => Cost::Narrowing(m),
            }
        }
        ("numeric", "numeric") => {
            if new.args.is_empty() {
                Cost::Free
            } else if old.args.is_empty() {
                Cost::Rewrite
            } else {
                let scale = |t: &SqlType| t.arg(1).unwrap_or(0);
                if scale(old) == scale(new) && widening(old.arg(0), new.arg(0)) {
                    Cost::Free
                } else {
                    Cost::Rewrite
                }
            }
        }
        ("varbit", "varbit")
        | ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval") => {
            if widening(old.arg(0), new.arg(0)) {
                Cost::Free
            } else {
                Cost::Rewrite
            }
        }
        ("cidr", "inet") => Cost::Free,
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") => Cost::TimeZone,
        _ => Cost::Rewrite,
    }
}

impl Rule for AlterColumnType {
    fn id(&self) -> &'static str {
        "alter-column-type"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ALTER COLUMN ... TYPE that rewrites an existing table"
    }
    fn help(&self) -> &'static str {
        "add a new column of the new type, keep it in step with a trigger, backfill it in batches, switch the readers, then drop the old column (expand/contract); only binary-coercible changes (varchar(n) to varchar(m >= n) or text, numeric(p,s) to numeric(p2 >= p,s)) are catalog-only"
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
        for r in actions(s, first) {
            let Some(tc) = type_change(s, &r) else {
                continue;
            };
            let col = &tc.column;
            let new = SqlType::parse(&type_text(s, tc.ty.start, tc.ty.end));
            let range = s.range(r.start, tc.ty.end.saturating_sub(1));
            let Some(old) = schema.column_type(&table, col).map(SqlType::parse) else {
                out.push(cx.finding(
                    self,
                    range,
                    format!(
                        "the type of {table}.{col} before this migration is unknown (no earlier migration defines it): changing it to {} rewrites the table and its indexes under ACCESS EXCLUSIVE unless the change is binary-coercible",
                        new.display()
                    ),
                ));
                continue;
            };
            // A USING expression other than the column itself (or a
            // cast of it) is evaluated for every row.
            let trivial_using = tc.using.as_ref().is_none_or(|u| {
                is_name(s, u.start, col)
                    && (u.len() == 1 || s.toks.get(u.start + 1).is_some_and(|t| t.norm == "::"))
            });
            let (from, to) = (old.display(), new.display());
            let message = match cost(&old, &new) {
                Cost::Free if trivial_using => continue,
                Cost::TimeZone if !trivial_using => format!(
                    "changing {table}.{col} from {from} to {to} with a USING expression rewrites the table and its indexes under ACCESS EXCLUSIVE; without USING, under SET LOCAL TimeZone = 'UTC', the values are read as UTC and the table is not rewritten (PG12+)"
                ),
                Cost::Free | Cost::Rewrite if !trivial_using => format!(
                    "changing {table}.{col} from {from} to {to} with a USING expression rewrites the table and its indexes under ACCESS EXCLUSIVE"
                ),
                Cost::Narrowing(m) => format!(
                    "narrowing {table}.{col} from {from} to {to} checks and rewrites every row under ACCESS EXCLUSIVE, rebuilds its indexes, and fails if any value is longer than {m}"
                ),
                Cost::TimeZone => format!(
                    "changing {table}.{col} from {from} to {to} rewrites the table unless the session TimeZone is UTC (PG12+), and rebuilds its indexes either way, under ACCESS EXCLUSIVE"
                ),
                _ => format!(
                    "changing {table}.{col} from {from} to {to} rewrites the table and its indexes under ACCESS EXCLUSIVE"
                ),
            };
            out.push(cx.finding(self, range, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};
    use super::{cost, Cost, SqlType};

    const BEFORE: &str = "CREATE TABLE IF NOT EXISTS app.orders (id integer PRIMARY KEY, code varchar(20), note character varying(10), amount numeric(10,2), placed timestamp, body text);";

    fn c(old: &str, new: &str) -> Cost {
        cost(&SqlType::parse(old), &SqlType::parse(new))
    }

    #[test]
    fn type_costs() {
        assert_eq!(c("varchar(20)", "varchar(30)"), Cost::Free);
        assert_eq!(c("character varying(20)", "text"), Cost::Free);
        assert_eq!(c("varchar(20)", "varchar"), Cost::Free);
        assert_eq!(c("varchar(20)", "varchar(10)"), Cost::Narrowing(10));
        assert_eq!(c("text", "varchar(10)"), Cost::Narrowing(10));
        assert_eq!(c("numeric(10,2)", "numeric(12,2)"), Cost::Free);
        assert_eq!(c("numeric(10,2)", "numeric(12,3)"), Cost::Rewrite);
        assert_eq!(c("int4", "integer"), Cost::Free);
        assert_eq!(c("integer", "bigint"), Cost::Rewrite);
        assert_eq!(
            c("timestamp without time zone", "timestamptz"),
            Cost::TimeZone
        );
        assert_eq!(c("timestamptz(3)", "timestamp with time zone"), Cost::Free);
    }

    #[test]
    fn flags_rewrites_with_precise_messages() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ALTER COLUMN id TYPE bigint;\nALTER TABLE app.orders ALTER COLUMN code TYPE varchar(10);\nALTER TABLE app.orders ALTER placed SET DATA TYPE timestamptz;\nALTER TABLE app.orders ALTER COLUMN missing TYPE text;",
        );
        assert_eq!(
            spans(&f, "alter-column-type"),
            ["1:24", "2:24", "3:24", "4:24"]
        );
        let m: Vec<&str> = f
            .iter()
            .filter(|f| f.rule == "alter-column-type")
            .map(|f| f.message.as_str())
            .collect();
        assert!(m[0].contains("from integer to bigint rewrites"), "{}", m[0]);
        assert!(m[1].contains("narrowing"), "{}", m[1]);
        assert!(
            m[2].contains("unless the session TimeZone is UTC"),
            "{}",
            m[2]
        );
        assert!(m[3].contains("unknown"), "{}", m[3]);
    }

    #[test]
    fn passes_binary_coercible_changes() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders\n    ALTER COLUMN code TYPE varchar(40),\n    ALTER COLUMN note TYPE text,\n    ALTER COLUMN amount TYPE numeric(14,2),\n    ALTER COLUMN body TYPE varchar;",
        );
        assert!(spans(&f, "alter-column-type").is_empty(), "{f:?}");
    }

    #[test]
    fn using_forces_a_rewrite() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ALTER COLUMN placed TYPE timestamptz USING placed AT TIME ZONE 'UTC';",
        );
        let m: Vec<&str> = f
            .iter()
            .filter(|f| f.rule == "alter-column-type")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("with a USING expression"), "{}", m[0]);
    }
}
