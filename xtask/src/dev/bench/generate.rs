//! Generated inputs for the benchmarks: realistic migration files and a
//! schema of many tables.

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;

use crate::migration::render::{new_migration, NewFields};
use crate::migration::MigrationName;

/// Writes `count` realistic migrations into `<dir>/migrations`.
pub fn generate_migrations(dir: &Path, count: usize) -> Result<()> {
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for i in 1..=count {
        let date = start + chrono::Days::new(i as u64 / 3);
        let table = format!("service_ops.bench_{i:04}");
        let fields = NewFields {
            title: format!("Create bench table {i}"),
            issue: Some(format!("BENCH-{i}")),
            problem: Some("The benchmark needs many realistic files.".into()),
            solution: Some(format!("Create {table} with an index.")),
            tables: vec![table.clone()],
        };
        let mut text = new_migration(&fields, date);
        let body = format!(
            "CREATE SCHEMA IF NOT EXISTS service_ops;\nCREATE TABLE IF NOT EXISTS {table} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    packet_id bigint NOT NULL,\n    note text,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX IF NOT EXISTS idx_bench_{i:04}_packet ON {table} (packet_id);\n"
        );
        text = text.replacen(
            "\n\n-- migrate:verify",
            &format!("\n{body}\n-- migrate:verify"),
            1,
        );
        text.push_str(&format!("DROP TABLE IF EXISTS {table};\n"));
        let name = MigrationName::new(date, i as u32, &format!("create_bench_table_{i}"));
        std::fs::write(migrations.join(name.file_name()), text)?;
    }
    Ok(())
}

/// A schema of `tables` tables: 20 enums, a key, 6 columns, a unique index
/// and an index per table, a foreign key to the previous table, a view per
/// 10 tables and a function per 10 tables.
pub fn generated_schema(tables: usize) -> String {
    let mut sql = String::from("CREATE SCHEMA bench;\n");
    for e in 0..20 {
        sql +=
            &format!("CREATE TYPE bench.state_{e} AS ENUM ('new', 'active', 'done', 'failed');\n");
    }
    for t in 0..tables {
        sql += &format!(
            "CREATE TABLE bench.t{t} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  code text NOT NULL,\n  state bench.state_{} NOT NULL DEFAULT 'new',\n  amount numeric(12,2) CHECK (amount >= 0),\n  created_at timestamptz NOT NULL DEFAULT now(),\n  parent_id bigint{}\n);\n",
            t % 20,
            if t == 0 { String::new() } else { format!(" REFERENCES bench.t{}(id)", t - 1) }
        );
        sql += &format!("CREATE UNIQUE INDEX t{t}_code ON bench.t{t} (code);\n");
        sql += &format!("CREATE INDEX t{t}_state_created ON bench.t{t} (state, created_at) WHERE state <> 'done';\n");
        sql += &format!("COMMENT ON TABLE bench.t{t} IS 'generated table {t}';\n");
        if t % 10 == 9 {
            sql += &format!("CREATE VIEW bench.v{t} AS SELECT id, code, amount FROM bench.t{t} WHERE state = 'active';\n");
            sql += &format!(
                "CREATE FUNCTION bench.total_{t}() RETURNS numeric LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(amount), 0) FROM bench.t{t} $$;\n"
            );
        }
    }
    sql
}
