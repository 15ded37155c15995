//! The demo set on a real PostgreSQL: every file applies, every verify row
//! says PASS, a second run changes nothing, and the rollbacks undo it all
//! (on the frozen fixture); and the repository's own migrations/, whatever
//! its stamps, count or numbers, still load and verify.

use touchpoint::migration::Migration;
use touchpoint::pg::exec::{connect_plain, run_body, run_checks};
use touchpoint::pg::Throwaway;
use touchpoint::project::Project;

async fn schema_dump(client: &tokio_postgres::Client) -> String {
    // Enough of the catalog to see any object the demo set creates.
    let rows = client
        .query(
            "SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' ||
                    coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull, ',' ORDER BY a.attnum)
                                FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             UNION ALL
             SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
              WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
             UNION ALL
             SELECT 'type ' || t.typname || ' ' || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
               FROM pg_type t WHERE t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
             UNION ALL
             SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
             ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

fn demo_set() -> Vec<Migration> {
    let set = Project::new(crate::support::fixture_dir())
        .load_migrations()
        .unwrap();
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert!(
        (8..=12).contains(&set.migrations.len()),
        "the demo set has 8 to 12 files"
    );
    set.migrations
}

#[tokio::test]
async fn demo_set_applies_verifies_is_idempotent_and_rolls_back() {
    let migrations = demo_set();
    assert!(
        migrations.iter().any(|m| m.no_transaction),
        "one file is no-transaction"
    );
    let pg = Throwaway::start().unwrap();
    let client = connect_plain(&pg.url()).await.unwrap();

    let mut before = Vec::new();
    for m in &migrations {
        before.push(schema_dump(&client).await);
        run_body(&client, m, &m.name.stem)
            .await
            .unwrap_or_else(|e| panic!("{}: {e:#}", m.name.stem));
        let checks = run_checks(&client, m, &m.name.stem).await.unwrap();
        assert!(!checks.is_empty(), "{} has verify queries", m.name.stem);
        for c in &checks {
            assert!(
                c.passed,
                "{}: check {:?} at line {} says {}",
                m.name.stem, c.name, c.line, c.result
            );
        }
    }
    let applied = schema_dump(&client).await;

    for m in &migrations {
        run_body(&client, m, &m.name.stem)
            .await
            .unwrap_or_else(|e| panic!("second run of {}: {e:#}", m.name.stem));
    }
    assert_eq!(
        schema_dump(&client).await,
        applied,
        "a second run changes nothing"
    );

    for (m, want) in migrations.iter().zip(&before).rev() {
        let rollback = m
            .rollback_sql()
            .unwrap_or_else(|| panic!("{} has a rollback", m.name.stem));
        if m.no_transaction {
            for stmt in &touchpoint::sql::split::split(rollback).statements {
                client.batch_execute(stmt.text(rollback)).await.unwrap();
            }
        } else {
            client
                .batch_execute(rollback)
                .await
                .unwrap_or_else(|e| panic!("rollback of {}: {e}", m.name.stem));
        }
        assert_eq!(
            &schema_dump(&client).await,
            want,
            "rollback of {} restores the schema before it",
            m.name.stem
        );
    }

    for m in &migrations {
        run_body(&client, m, &m.name.stem)
            .await
            .unwrap_or_else(|e| panic!("re-apply of {}: {e:#}", m.name.stem));
    }
    assert_eq!(schema_dump(&client).await, applied);
}

/// The one test that reads the repository's own migrations/ (a copy of it:
/// nothing is written there). It assumes nothing about their stamps, count
/// or numbers: the README's first command stamps them, and a team adds its
/// own.
#[test]
fn the_repositorys_own_migrations_load_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_dir(
        &crate::support::repo_root().join("migrations"),
        &dir.path().join("migrations"),
    );
    let o = crate::support::xtask(dir.path(), &["migration", "status", "--offline"]);
    crate::support::assert_code(&o, 0);
    assert!(
        crate::support::stdout(&o).contains(" 0 problems"),
        "{}",
        crate::support::stdout(&o)
    );
    let pg = Throwaway::start().unwrap();
    let o = crate::support::xtask_db(dir.path(), &pg.url(), &["migration", "apply", "--no-stamp"]);
    crate::support::assert_code(&o, 0);
}
