use super::ddl::walk_with_schema_if;
use super::locks::{queuing_lock, Lock};
use super::timeout::in_force;
use crate::review::{Context, Finding, Rule, Severity};

/// A lock that queues traffic, requested with no lock_timeout in force,
/// waits behind any long transaction, and every conflicting query queues
/// behind it.
pub struct MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn id(&self) -> &'static str {
        "missing-lock-timeout"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "A lock that queues reads or writes on an existing object with no lock_timeout in force"
    }
    fn help(&self) -> &'static str {
        "start the body with `SET lock_timeout = '5s';` (SET LOCAL in a transactional migration works too; in a no-transaction file SET LOCAL ends with its statement): the statement then gives up instead of queueing behind a long transaction while the queries behind it wait; rerun the migration when it times out. Do not RESET it or set it to 0 before the locking statements"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let protected = in_force(cx, "lock_timeout");
        // The unprotected locking statements, grouped by gap: a finding for
        // the first statement of each run without protection.
        let mut first: Option<(&crate::review::stmt::Stmt, Lock)> = None;
        let mut more = 0;
        let mut runs: Vec<((&crate::review::stmt::Stmt, Lock), usize)> = Vec::new();
        let mut k = 0;
        // The schema is needed only to find the table of an index.
        let names_an_index = |s: &crate::review::stmt::Stmt| {
            matches!(
                (s.word(0), s.word(1)),
                ("DROP" | "ALTER" | "REINDEX", "INDEX")
            )
        };
        walk_with_schema_if(cx, names_an_index, |s, schema| {
            let safe = protected[k];
            k += 1;
            if safe {
                if let Some(f) = first.take() {
                    runs.push((f, more));
                    more = 0;
                }
                return;
            }
            let Some(l) = queuing_lock(cx, schema, s) else {
                return;
            };
            if first.is_some() {
                more += 1;
            } else {
                first = Some((s, l));
            }
        });
        runs.extend(first.map(|f| (f, more)));
        for ((s, l), more) in runs {
            let also = match more {
                0 => String::new(),
                1 => "; 1 more statement below waits the same way".to_string(),
                n => format!("; {n} more statements below wait the same way"),
            };
            let message = match &l.on {
                Some(t) => format!(
                    "{} takes {} on {t} with no lock_timeout in force: while it waits for the lock, {} on {t} queue behind it{also}",
                    l.what, l.mode, l.blocks
                ),
                None => format!(
                    "{} takes {} with no lock_timeout in force: while it waits for the lock, {} queue behind it{also}",
                    l.what, l.mode, l.blocks
                ),
            };
            out.push(cx.finding(self, s.range(0, 1), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);";

    #[test]
    fn flags_the_first_access_exclusive_statement_once() {
        let f = check_sql(
            BEFORE,
            "CREATE TABLE app.lines (id bigint);\nALTER TABLE app.lines ADD COLUMN IF NOT EXISTS qty int;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;\nTRUNCATE app.orders;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["3:1"]);
    }

    #[test]
    fn a_timeout_set_later_does_not_count() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;\nSET lock_timeout = '5s';",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["1:1"]);
        let f = check_sql(
            BEFORE,
            "SET lock_timeout = 0;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["2:1"]);
    }

    #[test]
    fn passes_with_a_timeout() {
        for set in [
            "SET lock_timeout = '5s';",
            "SET LOCAL lock_timeout TO '2s';",
            "SELECT set_config('lock_timeout', '3s', true);",
            "DO $$ BEGIN PERFORM set_config('lock_timeout', '3s', true); END $$;",
        ] {
            let f = check_sql(
                BEFORE,
                &format!("{set}\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;"),
            );
            assert!(spans(&f, "missing-lock-timeout").is_empty(), "{set}: {f:?}");
        }
    }

    #[test]
    fn set_local_does_nothing_without_a_transaction() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nSET LOCAL lock_timeout = '5s';\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["3:1"]);
    }

    #[test]
    fn every_lock_that_queues_traffic_counts() {
        let before = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);\nCREATE MATERIALIZED VIEW IF NOT EXISTS app.totals AS SELECT 1 AS n;\nCREATE SEQUENCE IF NOT EXISTS app.seq;\nCREATE INDEX IF NOT EXISTS idx_note ON app.orders (note);";
        for (body, want) in [
            ("CREATE INDEX IF NOT EXISTS idx_x ON app.orders (note);", "CREATE INDEX takes SHARE on app.orders"),
            ("CREATE OR REPLACE TRIGGER t AFTER UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.f();", "CREATE TRIGGER takes SHARE ROW EXCLUSIVE on app.orders"),
            ("REFRESH MATERIALIZED VIEW app.totals;", "REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on app.totals"),
            ("LOCK TABLE app.orders IN SHARE MODE;", "LOCK TABLE takes SHARE on app.orders"),
            ("LOCK app.orders;", "takes ACCESS EXCLUSIVE"),
            ("ALTER SEQUENCE app.seq CACHE 10;", "ALTER SEQUENCE takes SHARE ROW EXCLUSIVE on app.seq"),
            ("DROP INDEX IF EXISTS app.idx_note;", "DROP INDEX takes ACCESS EXCLUSIVE on app.orders"),
            ("REINDEX INDEX app.idx_note;", "REINDEX takes SHARE on app.orders"),
            ("ALTER DOMAIN app.code ADD CONSTRAINT c CHECK (VALUE <> '');", "ALTER DOMAIN app.code takes SHARE"),
            ("ALTER TABLE app.orders ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES app.other (id) NOT VALID;", "takes SHARE ROW EXCLUSIVE"),
            ("CREATE TABLE IF NOT EXISTS app.lines (id bigint, order_id bigint REFERENCES app.orders (id));", "CREATE TABLE with a foreign key takes SHARE ROW EXCLUSIVE on app.orders"),
        ] {
            let f = check_sql(before, body);
            let m: Vec<&str> = f
                .iter()
                .filter(|f| f.rule == "missing-lock-timeout")
                .map(|f| f.message.as_str())
                .collect();
            assert!(m.len() == 1 && m[0].contains(want), "{body}: {m:?}");
        }
    }

    #[test]
    fn locks_that_queue_nothing_need_no_timeout() {
        let before = "CREATE TABLE IF NOT EXISTS app.orders (id bigint PRIMARY KEY, note text);\nCREATE TYPE app.st AS ENUM ('a');\nCREATE MATERIALIZED VIEW IF NOT EXISTS app.totals AS SELECT 1 AS n;";
        for body in [
            "ALTER TABLE app.orders VALIDATE CONSTRAINT chk;",
            "ALTER TYPE app.st ADD VALUE IF NOT EXISTS 'b';",
            "ALTER DOMAIN app.code ADD CONSTRAINT c CHECK (VALUE <> '') NOT VALID;",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY app.totals;",
            "LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE NOWAIT;",
            "LOCK TABLE app.orders IN ROW EXCLUSIVE MODE;",
            "COMMENT ON TABLE app.orders IS 'x';",
            "CREATE TABLE app.lines (id bigint PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS idx_l ON app.lines (id);\nCREATE OR REPLACE TRIGGER t AFTER UPDATE ON app.lines FOR EACH ROW EXECUTE FUNCTION app.f();",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS app.m2 AS SELECT 1;\nREFRESH MATERIALIZED VIEW app.m2;",
        ] {
            let f = check_sql(before, body);
            assert!(spans(&f, "missing-lock-timeout").is_empty(), "{body}: {f:?}");
        }
    }

    #[test]
    fn reset_zero_and_set_config_zero_end_the_protection() {
        for off in [
            "RESET lock_timeout;",
            "RESET ALL;",
            "SET lock_timeout = 0;",
            "SET lock_timeout TO '0s';",
            "SET lock_timeout TO DEFAULT;",
            "SELECT set_config('lock_timeout', '0', false);",
        ] {
            let f = check_sql(
                BEFORE,
                &format!("SET lock_timeout = '5s';\n{off}\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS qty int;"),
            );
            assert_eq!(spans(&f, "missing-lock-timeout"), ["3:1"], "{off}");
        }
    }

    #[test]
    fn each_unprotected_run_is_reported_once() {
        let f = check_sql(
            BEFORE,
            "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS a int;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS b int;\nSET lock_timeout = '5s';\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS c int;\nRESET lock_timeout;\nTRUNCATE app.orders;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["1:1", "6:1"]);
        let first = f.iter().find(|f| f.rule == "missing-lock-timeout").unwrap();
        assert!(
            first.message.contains("1 more statement"),
            "{}",
            first.message
        );
    }

    #[test]
    fn set_local_in_a_do_block_of_a_no_transaction_file_lasts_for_the_block() {
        let f = check_sql(
            BEFORE,
            "-- migrate:no-transaction\nDO $$\nBEGIN\n    PERFORM set_config('lock_timeout', '5s', true);\n    ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS a int;\nEND\n$$;\nALTER TABLE app.orders ADD COLUMN IF NOT EXISTS b int;",
        );
        assert_eq!(spans(&f, "missing-lock-timeout"), ["8:1"]);
    }
}
