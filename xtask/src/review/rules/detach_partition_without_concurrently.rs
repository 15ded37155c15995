use super::ddl::{actions, alter_table};
use crate::review::{Context, Finding, Rule, Severity};

/// DETACH PARTITION takes ACCESS EXCLUSIVE on the parent and the partition;
/// DETACH ... CONCURRENTLY (PostgreSQL 14+) takes SHARE UPDATE EXCLUSIVE.
pub struct DetachPartitionWithoutConcurrently;

impl Rule for DetachPartitionWithoutConcurrently {
    fn id(&self) -> &'static str {
        "detach-partition-without-concurrently"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "DETACH PARTITION without CONCURRENTLY"
    }
    fn help(&self) -> &'static str {
        "on PostgreSQL 14+, ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY in a `-- migrate:no-transaction` file (not possible when the table has a DEFAULT partition; an interrupted run is finished with DETACH PARTITION ... FINALIZE); before 14, detach off-peak with a short lock_timeout"
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
                if !s.words_at(r.start, &["DETACH", "PARTITION"]) {
                    continue;
                }
                let concurrent =
                    (r.start..r.end).any(|k| matches!(s.word(k), "CONCURRENTLY" | "FINALIZE"));
                if concurrent {
                    continue;
                }
                let part = s
                    .name_at(r.start + 2)
                    .map_or_else(String::new, |(n, _)| format!(" {n}"));
                let advice = if cx.target.has(14) {
                    "; DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE"
                } else {
                    // The target has no CONCURRENTLY form.
                    "; the target (before PostgreSQL 14) has no CONCURRENTLY form: detach off-peak with a short lock_timeout"
                };
                out.push(cx.finding(
                    self,
                    s.range(r.start, r.start + 1),
                    format!("DETACH PARTITION{part} takes ACCESS EXCLUSIVE on {table} and the partition: reads and writes of both wait{advice}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql_on, spans};
    use crate::review::Target;

    const BEFORE: &str =
        "CREATE TABLE IF NOT EXISTS app.event (id bigint, at date) PARTITION BY RANGE (at);";

    #[test]
    fn the_advice_follows_the_target() {
        let body = "ALTER TABLE app.event DETACH PARTITION app.event_2025;";
        let f = check_sql_on(Target::major(18), BEFORE, body);
        assert_eq!(spans(&f, "detach-partition-without-concurrently"), ["1:23"]);
        assert!(f.iter().any(|f| f
            .message
            .contains("CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE")));
        let f = check_sql_on(Target::major(13), BEFORE, body);
        assert!(
            f.iter()
                .any(|f| f.message.contains("has no CONCURRENTLY form")),
            "{f:?}"
        );
        let f = check_sql_on(
            Target::major(18),
            BEFORE,
            "-- migrate:no-transaction\nALTER TABLE app.event DETACH PARTITION app.event_2025 CONCURRENTLY;",
        );
        assert!(spans(&f, "detach-partition-without-concurrently").is_empty());
    }
}
