//! Matching the files in migrations/ against the tracking table: what is
//! applied, pending, changed, missing, failed or out of order. Pure logic,
//! shared by `apply`, `status` and `rollback`.

use std::collections::HashMap;

use crate::migration::{Migration, MigrationName};
use crate::pg::tracking::Applied;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Applied,
    Pending,
    /// Applied, but the file's checksum differs from the recorded one.
    Changed,
    /// A `-- migrate:no-transaction` run that stopped part-way.
    Failed,
}

impl State {
    pub fn key(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Changed => "changed",
            State::Failed => "failed",
        }
    }
}

#[derive(Debug)]
pub struct Entry<'a> {
    pub migration: &'a Migration,
    pub row: Option<&'a Applied>,
    pub state: State,
}

#[derive(Debug)]
pub struct Plan<'a> {
    /// Every file, in NN order.
    pub entries: Vec<Entry<'a>>,
    /// Rows whose file is gone.
    pub missing: Vec<&'a Applied>,
    /// The highest NN among applied rows.
    pub newest_applied: Option<u32>,
}

impl<'a> Plan<'a> {
    pub fn new(migrations: &'a [Migration], rows: &'a [Applied]) -> Plan<'a> {
        let by_version: HashMap<&str, &Applied> =
            rows.iter().map(|r| (r.version.as_str(), r)).collect();
        let entries = migrations
            .iter()
            .map(|m| {
                let row = by_version.get(m.name.stem.as_str()).copied();
                let state = match row {
                    None => State::Pending,
                    Some(r) if !r.success => State::Failed,
                    Some(r) if r.checksum != m.checksum.to_string() => State::Changed,
                    Some(_) => State::Applied,
                };
                Entry {
                    migration: m,
                    row,
                    state,
                }
            })
            .collect();
        let files: std::collections::HashSet<&str> =
            migrations.iter().map(|m| m.name.stem.as_str()).collect();
        let missing = rows
            .iter()
            .filter(|r| !files.contains(r.version.as_str()))
            .collect();
        let newest_applied = rows
            .iter()
            .filter_map(|r| MigrationName::parse(&format!("{}.sql", r.version)).ok())
            .map(|n| n.number)
            .max();
        Plan {
            entries,
            missing,
            newest_applied,
        }
    }

    /// Pending entries numbered below the newest applied one.
    pub fn out_of_order(&self) -> Vec<&Entry<'a>> {
        let Some(newest) = self.newest_applied else {
            return Vec::new();
        };
        self.entries
            .iter()
            .filter(|e| e.state == State::Pending && e.migration.name.number < newest)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(file: &str, body: &str) -> Migration {
        Migration::parse(MigrationName::parse(file).unwrap(), body).unwrap()
    }

    fn row(m: &Migration, success: bool) -> Applied {
        Applied {
            version: m.name.stem.clone(),
            name: m.name.slug.clone(),
            applied_at: "2026-11-22 10:00:00 UTC".into(),
            execution_time_ms: 1,
            checksum: m.checksum.to_string(),
            rollback_sql: None,
            applied_by: "postgres".into(),
            success,
            no_transaction: false,
            statements_total: None,
            statements_done: None,
            last_error: None,
            kind: "apply".into(),
            note: None,
        }
    }

    #[test]
    fn states_missing_and_order() {
        let ms = vec![
            migration("2026-01-01_01_a.sql", "select 1;\n"),
            migration("2026-01-02_02_b.sql", "select 2;\n"),
            migration("2026-01-03_03_c.sql", "select 3;\n"),
            migration("2026-01-04_04_d.sql", "select 4;\n"),
        ];
        let mut changed = row(&ms[2], true);
        changed.checksum = "sha256:other".into();
        let mut gone = row(&ms[0], true);
        gone.version = "2026-01-05_05_gone".into();
        let rows = vec![row(&ms[0], true), changed, row(&ms[3], false), gone];
        let plan = Plan::new(&ms, &rows);
        let states: Vec<State> = plan.entries.iter().map(|e| e.state).collect();
        assert_eq!(
            states,
            vec![
                State::Applied,
                State::Pending,
                State::Changed,
                State::Failed
            ]
        );
        assert_eq!(plan.missing.len(), 1);
        assert_eq!(plan.newest_applied, Some(5));
        let late: Vec<u32> = plan
            .out_of_order()
            .iter()
            .map(|e| e.migration.name.number)
            .collect();
        assert_eq!(late, vec![2]);
    }
}
