use super::{Kind, Schema, Store, View};
use crate::migration::{Migration, MigrationName};
use crate::review::stmt::statements;

fn fold(sql: &str) -> Schema {
    let m = Migration::parse(
        MigrationName::parse("2026-01-01_01_t.sql").unwrap(),
        &format!("{sql}\n"),
    )
    .unwrap();
    let mut schema = Schema::default();
    for s in &statements(&m) {
        schema.apply(s);
    }
    schema
}

#[test]
fn create_table_keeps_columns_nullability_constraints_and_key_indexes() {
    let s = fold(
        "CREATE TABLE IF NOT EXISTS app.t (\n  id bigint PRIMARY KEY,\n  code varchar(20) NOT NULL CONSTRAINT chk_code CHECK (code <> ''),\n  parent_id bigint REFERENCES app.p (id),\n  note text,\n  CHECK (note IS NOT NULL),\n  UNIQUE (code)\n);",
    );
    let t = s.table("app.t").unwrap();
    assert_eq!(s.column_type("app.t", "code"), Some("varchar(20)"));
    assert!(t.columns["id"].not_null, "a primary key is NOT NULL");
    assert!(!t.columns["note"].not_null);
    assert!(t.proven_not_null("note"), "the CHECK proves it");
    let names: Vec<&str> = t.constraints.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "chk_code",
            "t_code_key",
            "t_note_check",
            "t_parent_id_fkey",
            "t_pkey"
        ]
    );
    assert_eq!(
        t.constraints["t_parent_id_fkey"].references.as_deref(),
        Some("app.p")
    );
    assert_eq!(s.index("app.t_pkey").map(|(t, _)| t), Some("app.t"));
    assert!(t.keys().any(|k| k == ["code"]));
}

#[test]
fn drop_constraint_and_drop_column_take_what_depends_on_them() {
    let s = fold(
        "CREATE TABLE app.t (id bigint, email text, code text);\n\
         ALTER TABLE app.t ADD CONSTRAINT chk_email CHECK (email IS NOT NULL) NOT VALID;\n\
         ALTER TABLE app.t VALIDATE CONSTRAINT chk_email;\n\
         CREATE INDEX idx_code ON app.t (lower(code));\n",
    );
    let t = s.table("app.t").unwrap();
    assert!(t.constraints["chk_email"].validated);
    assert!(t.proven_not_null("email"));
    assert_eq!(t.indexes["app.idx_code"].mentions, ["code"]);
    assert!(t.indexes["app.idx_code"].cols.is_empty(), "an expression");

    let mut v = View::new(&s);
    for stmt in statements(
        &Migration::parse(
            MigrationName::parse("2026-01-02_02_t.sql").unwrap(),
            "ALTER TABLE app.t DROP CONSTRAINT IF EXISTS chk_email, DROP COLUMN code;\n",
        )
        .unwrap(),
    ) {
        v.apply(&stmt);
    }
    let t = v.table("app.t").unwrap();
    assert!(!t.proven_not_null("email"));
    assert!(t.indexes.is_empty());
    assert!(v.index("app.idx_code").is_none());
    // The schema under the view is unchanged.
    assert!(s.table("app.t").unwrap().proven_not_null("email"));
    assert!(s.index("app.idx_code").is_some());
}

#[test]
fn primary_key_using_index_makes_its_columns_not_null_and_renames_the_index() {
    let s = fold(
        "CREATE TABLE app.t (id bigint, body text);\n\
         CREATE UNIQUE INDEX uq_t_id ON app.t (id);\n\
         ALTER TABLE app.t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX uq_t_id;\n",
    );
    let t = s.table("app.t").unwrap();
    assert!(t.columns["id"].not_null);
    assert_eq!(t.constraints["t_pk"].kind, Kind::PrimaryKey);
    assert_eq!(t.constraints["t_pk"].cols, ["id"]);
    assert!(s.index("app.uq_t_id").is_none());
    assert_eq!(s.index("app.t_pk").map(|(t, _)| t), Some("app.t"));
}

#[test]
fn renames_move_tables_columns_indexes_and_enum_values() {
    let s = fold(
        "CREATE TABLE app.t (id bigint, note text);\n\
         CREATE INDEX idx_note ON app.t (note);\n\
         ALTER TABLE app.t RENAME COLUMN note TO remark;\n\
         ALTER TABLE app.t RENAME TO u;\n\
         ALTER INDEX app.idx_note RENAME TO idx_remark;\n\
         CREATE TYPE app.st AS ENUM ('a', 'b');\n\
         ALTER TYPE app.st RENAME VALUE 'a' TO 'x';\n\
         ALTER TYPE app.st ADD VALUE IF NOT EXISTS 'c' AFTER 'b';\n",
    );
    assert!(!s.has_table("app.t"));
    assert_eq!(s.column_type("app.u", "remark"), Some("text"));
    let (owner, index) = s.index("app.idx_remark").unwrap();
    assert_eq!(owner, "app.u");
    assert_eq!(index.cols, ["remark"]);
    assert_eq!(s.enum_values("app.st").unwrap(), ["x", "b", "c"]);
}
