//! The psql scripts of a bundle: the main one (one transaction, left open
//! for the DBA's COMMIT), the no-transaction one (after COMMIT, resumable
//! statement by statement) and the rollback.
//!
//! Verify queries run wrapped in an INSERT into a temporary table, so that
//! every check prints a PASS / FAIL row as it runs and the summary at the
//! end shows them all. In the main script a deferred constraint trigger on
//! that table makes COMMIT fail (and roll back) while any check says FAIL:
//! the DBA can investigate in the open transaction, but cannot commit what
//! `apply` would have rolled back.

use super::{display, no_rollback, pieces, title, verbatim, Bundle, Names, Piece};
use crate::migration::Migration;
use crate::pg::tracking::{self, NewRecord, TableName, LOCK_KEY};
use crate::sql::quote::{dollar_quoted, literal, psql_quoted};

const RULE: &str =
    "-- ============================================================================";

/// Whatever a .psqlrc set: stop at the first error, never carry on past one
/// inside the transaction (ON_ERROR_ROLLBACK), no implicit transaction
/// around the no-transaction statements, no pager holding the output.
const SETUP: &str = "\\set ON_ERROR_STOP on
\\set ON_ERROR_ROLLBACK off
\\set AUTOCOMMIT on
\\set QUIET on
\\pset pager off
\\set QUIET off
SET client_encoding = 'UTF8';
";

/// After each migration, as `apply` does: a body's SET (search_path,
/// lock_timeout ...) must not leak into the next one.
const RESET: &str = "RESET ALL;
SET client_encoding = 'UTF8';
";

const CHECKS: &str = "pg_temp.touchpoint_bundle_checks";
const NT_CHECKS: &str = "pg_temp.touchpoint_bundle_nt_checks";

/// Turns a verify query's row (as JSON, columns in order) into the check
/// `apply` sees: the first column names it when there are two or more, the
/// last says PASS / FAIL / a boolean; anything else (NULL included) fails,
/// and its status shows the value, as `apply` prints it.
const CHECK_FUNCTION: &str =
    "CREATE OR REPLACE FUNCTION pg_temp.touchpoint_check(r json, at_line integer)
RETURNS TABLE (check_name text, result text, passed boolean, status text)
LANGUAGE sql IMMUTABLE AS $touchpoint$
    SELECT c.check_name, c.result, c.passed,
           CASE WHEN c.passed THEN 'PASS'
                WHEN upper(btrim(c.result)) = 'FAIL' OR btrim(c.result) IN ('f', 'false') THEN 'FAIL'
                ELSE 'FAIL (got ' || c.result || ')' END
      FROM (SELECT CASE WHEN count(*) >= 2 THEN coalesce((array_agg(e.value ORDER BY e.n))[1], 'NULL')
                        ELSE 'check at line ' || at_line END AS check_name,
                   coalesce((array_agg(e.value ORDER BY e.n DESC))[1], 'NULL') AS result,
                   coalesce(lower(btrim((array_agg(e.value ORDER BY e.n DESC))[1])) IN ('pass', 'true')
                            OR btrim((array_agg(e.value ORDER BY e.n DESC))[1]) = 't', false) AS passed
              FROM json_each_text(r) WITH ORDINALITY AS e(key, value, n)
            HAVING count(*) > 0) AS c
$touchpoint$;
";

fn check_table(name: &str, on_commit_drop: bool) -> String {
    format!(
        "CREATE TEMP TABLE {}{} (
    seq        integer GENERATED ALWAYS AS IDENTITY,
    migration  text    NOT NULL,
    version    text    NOT NULL,
    line       integer NOT NULL,
    check_name text    NOT NULL,
    result     text    NOT NULL,
    passed     boolean NOT NULL,
    status     text    NOT NULL
){};
",
        if on_commit_drop { "" } else { "IF NOT EXISTS " },
        name.trim_start_matches("pg_temp."),
        if on_commit_drop {
            " ON COMMIT DROP"
        } else {
            ""
        }
    )
}

/// The comment block that opens each script.
fn header(out: &mut String, b: &Bundle, what: &str, lines: &[String]) {
    out.push_str(RULE);
    out.push('\n');
    if let Some(phrase) = b.unreviewed_phrase() {
        out.push_str(&format!(
            "-- UNREVIEWED (bundled with --unreviewed): {phrase}.\n-- Do not run this on a production database until the review is done.\n"
        ));
    }
    out.push_str(&format!("-- touchpoint bundle {}: {what}\n", b.prefix()));
    for l in lines {
        if l.is_empty() {
            out.push_str("--\n");
        } else {
            out.push_str(&format!("-- {l}\n"));
        }
    }
    out.push_str("--\n-- Written by `cargo xtask migration bundle`. Do not edit: the tracking rows\n-- carry the checksums of the migration files as they were reviewed.\n");
    out.push_str(RULE);
    out.push('\n');
}

fn migration_list(ms: &[&Migration]) -> Vec<String> {
    ms.iter()
        .map(|m| format!("  {}  {}", m.name.stem, m.checksum))
        .collect()
}

fn banner(out: &mut String, m: &Migration, position: &str) {
    out.push_str(&format!(
        "\n{RULE}\n-- Migration {} ({position}): {}\n-- File:     {}\n-- Checksum: {}\n{RULE}\n",
        m.name.number_text,
        title(m),
        display(m),
        m.checksum
    ));
}

fn echo(out: &mut String, text: &str) {
    out.push_str(&format!("\\echo {}\n", psql_quoted(text)));
}

fn versions_array(versions: &[String]) -> String {
    if versions.is_empty() {
        return "ARRAY[]::text[]".to_string();
    }
    let items: Vec<String> = versions
        .iter()
        .map(|v| format!("        {}", literal(v)))
        .collect();
    format!("ARRAY[\n{}\n    ]::text[]", items.join(",\n"))
}

fn lock_session(out: &mut String, until: &str) {
    out.push_str(&format!(
        "-- The migration lock `apply` takes, so that no apply runs at the same time
-- (released {until}, or when the session ends).
DO $touchpoint$
BEGIN
    IF NOT pg_try_advisory_lock({LOCK_KEY}) THEN
        RAISE EXCEPTION 'another touchpoint apply or bundle script holds the migration lock'
            USING HINT = 'let it finish, then run this script again; nothing was changed';
    END IF;
END
$touchpoint$;
"
    ));
}

fn unlock_session(out: &mut String) {
    out.push_str(&format!(
        "DO $touchpoint$ BEGIN PERFORM pg_advisory_unlock({LOCK_KEY}); END $touchpoint$;\n"
    ));
}

/// Stops the script (before anything changes) unless the history is the
/// one the bundle was built for.
/// `refuse_recorded`: whether a recorded migration of this script stops it
/// (the main script); the no-transaction script skips applied ones instead.
fn history_guard(
    table: &TableName,
    applied: &[String],
    pending: &[String],
    first: u32,
    refuse_recorded: bool,
) -> String {
    let t = table.sql();
    let recorded = if refuse_recorded {
        format!(
            "    SELECT t.version INTO found FROM {t} t
     WHERE t.version = ANY (in_this_script) AND (t.success OR NOT t.no_transaction)
     ORDER BY t.version LIMIT 1;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION '% is already recorded in {table}', found
            USING HINT = 'this bundle was built for a database where it is pending; nothing was changed. Ask for a bundle built for this database';
    END IF;
"
        )
    } else {
        String::new()
    };
    format!(
        "-- The history this script expects: every migration before it applied, none
-- of its own recorded (a no-transaction one may have stopped part-way).
DO $touchpoint$
DECLARE
    applied_before text[] := {applied};
    in_this_script text[] := {pending};
    found text;
BEGIN
    SELECT v INTO found FROM unnest(applied_before) AS v
     WHERE NOT EXISTS (SELECT 1 FROM {t} t WHERE t.version = v AND t.success)
     ORDER BY v LIMIT 1;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION '% is not recorded as applied in {table}, and this script runs after it', found
            USING HINT = 'the database is not where this bundle expects it; nothing was changed. Ask for a bundle built for this database';
    END IF;
{recorded}    SELECT t.version INTO found FROM {t} t
     WHERE NOT (t.version = ANY (applied_before)) AND NOT (t.version = ANY (in_this_script))
       AND substring(t.version FROM '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}_([0-9]+)_')::numeric >= {first}
     ORDER BY t.version LIMIT 1;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION '% is recorded in {table}, and it is numbered after this script''s first migration', found
            USING HINT = 'running this script would apply migrations out of order; nothing was changed. Ask the developers';
    END IF;
END
$touchpoint$;
",
        applied = versions_array(applied),
        pending = versions_array(pending),
    )
}

fn record_literals(m: &Migration) -> (String, String, String, String) {
    (
        literal(&m.name.stem),
        literal(&m.name.slug),
        literal(&m.checksum.to_string()),
        m.rollback_sql()
            .map_or_else(|| "NULL".to_string(), |s| dollar_quoted(s, "touchpoint")),
    )
}

const ELAPSED_MS: &str =
    "((extract(epoch FROM clock_timestamp()) - :touchpoint_started) * 1000)::integer";

/// The verify section, each query wrapped so that its rows land in `table`
/// and print as `migration | check_name | status`.
fn checks(out: &mut String, m: &Migration, table: &str) -> anyhow::Result<()> {
    let Some(range) = m.verify.clone() else {
        out.push_str(&format!(
            "-- {} has no verify section: no checks.\n",
            m.name.stem
        ));
        return Ok(());
    };
    let ps = pieces(m, range)?;
    if ps.is_empty() {
        out.push_str(&format!(
            "-- {} has no verify queries: no checks.\n",
            m.name.stem
        ));
        return Ok(());
    }
    echo(
        out,
        &format!(
            "-- verification of {}: every row must say PASS",
            m.name.number_text
        ),
    );
    for p in &ps {
        out.push('\n');
        if !p.lead.is_empty() {
            out.push_str(p.lead);
            out.push('\n');
        }
        out.push_str(&check(m, p, table));
    }
    Ok(())
}

fn check(m: &Migration, p: &Piece, table: &str) -> String {
    let wrappable = matches!(
        p.first_word().as_str(),
        "select" | "with" | "values" | "table" | "("
    );
    if !wrappable {
        return format!(
            "-- Check at {}:{} runs as written: its rows are not in the summary.\n{}\n",
            display(m),
            p.line,
            p.terminated_text()
        );
    }
    format!(
        "-- Check at {}:{}
INSERT INTO {table} (migration, version, line, check_name, result, passed, status)
SELECT {nn}, {version}, {line}, c.*
  FROM (
{query}
       ) AS q
 CROSS JOIN LATERAL pg_temp.touchpoint_check(row_to_json(q), {line}) AS c
RETURNING migration, check_name, status;
",
        display(m),
        p.line,
        nn = literal(&m.name.number_text),
        version = literal(&m.name.stem),
        line = p.line,
        query = p.unterminated(),
    )
}

/// The main script: every transactional migration in one transaction.
pub fn main(b: &Bundle, names: &Names) -> anyhow::Result<String> {
    let tx = b.transactional();
    let nt = b.non_transactional();
    let mut out = String::new();
    let mut lines = vec![
        "The main script: every migration below in one transaction, left open".to_string(),
        "for you to COMMIT after reading the checks.".to_string(),
        format!("Instructions: {}", names.instructions),
        String::new(),
        "Migrations (version and checksum):".to_string(),
    ];
    lines.extend(migration_list(&tx));
    if let Some(second) = &names.no_transaction {
        lines.push(format!("After COMMIT, run {second} for:"));
        lines.extend(migration_list(&nt));
    }
    lines.extend([
        String::new(),
        "Run it in psql and keep the session open (psql -f would end the session".to_string(),
        "and the server would roll the transaction back):".to_string(),
        "  psql -X -h <host> -p <port> -U <user> -d <database>".to_string(),
        format!("  \\i {}", names.main),
        "It stops at the first error. It ends with the transaction open: type".to_string(),
        "COMMIT; only when the summary says every check PASS, else ROLLBACK;".to_string(),
    ]);
    header(&mut out, b, "main script (one transaction)", &lines);
    out.push('\n');
    out.push_str(SETUP);
    out.push_str("\nBEGIN;\n\n");
    echo(
        &mut out,
        "== preflight: migration lock, tracking table, history",
    );
    out.push_str(&format!(
        "-- The migration lock `apply` takes, held until COMMIT or ROLLBACK.
DO $touchpoint$
BEGIN
    IF NOT pg_try_advisory_xact_lock({LOCK_KEY}) THEN
        RAISE EXCEPTION 'another touchpoint apply or bundle script holds the migration lock'
            USING HINT = 'let it finish, type ROLLBACK; and run this script again; nothing was changed';
    END IF;
END
$touchpoint$;

"
    ));
    ensure_tracking(&mut out, &b.table);
    let all: Vec<String> = b.migrations.iter().map(|m| m.name.stem.clone()).collect();
    let first = b.migrations.first().map_or(0, |m| m.name.number);
    out.push('\n');
    out.push_str(&history_guard(&b.table, &b.before, &all, first, true));
    out.push_str(&format!(
        "
-- Every check's row lands here. COMMIT is refused (the transaction rolls
-- back) while any row says FAIL, as `apply` rolls back a failed check.
{}{CHECK_FUNCTION}CREATE OR REPLACE FUNCTION pg_temp.touchpoint_refuse_commit() RETURNS trigger
LANGUAGE plpgsql AS $touchpoint$
BEGIN
    RAISE EXCEPTION 'check \"%\" of % says %: this transaction cannot be committed; it was rolled back, nothing changed', NEW.check_name, NEW.version, NEW.result
        USING HINT = 'see \"If any check shows FAIL\" in the DBA instructions';
END
$touchpoint$;
CREATE CONSTRAINT TRIGGER touchpoint_refuse_commit_on_fail
    AFTER INSERT ON {CHECKS}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NOT NEW.passed)
    EXECUTE FUNCTION pg_temp.touchpoint_refuse_commit();
",
        check_table(CHECKS, true)
    ));
    for (i, m) in tx.iter().enumerate() {
        banner(
            &mut out,
            m,
            &format!("{} of {} in this script", i + 1, tx.len()),
        );
        echo(&mut out, &format!("== {} {}", m.name.number_text, title(m)));
        out.push_str(
            "SELECT extract(epoch FROM clock_timestamp()) AS touchpoint_started \\gset\n\n",
        );
        out.push_str(&verbatim(m, m.body.clone()));
        out.push_str("\n\n");
        checks(&mut out, m, CHECKS)?;
        let (version, name, checksum, rollback_sql) = record_literals(m);
        let run_by = literal(&format!("psql: {}", names.main));
        let record = NewRecord {
            version: &version,
            name: &name,
            execution_time_ms: ELAPSED_MS,
            checksum: &checksum,
            rollback_sql: &rollback_sql,
            run_by: &run_by,
            success: "true",
            no_transaction: "false",
            statements_total: "NULL",
        };
        out.push_str(&format!(
            "\n-- The tracking row, as `cargo xtask migration apply` records it.\n{};\n",
            tracking::insert_sql(&b.table, &record)
        ));
        out.push_str(RESET);
    }
    out.push_str(&format!(
        "
{RULE}
-- Summary: every check of this script. COMMIT only when every row says PASS.
{RULE}
"
    ));
    echo(&mut out, "== summary: every check of this script");
    out.push_str(&format!(
        "SELECT migration, line, check_name, status
  FROM {CHECKS}
 ORDER BY seq;
SELECT count(*) AS checks,
       count(*) FILTER (WHERE passed) AS passed,
       count(*) FILTER (WHERE NOT passed) AS failed,
       CASE WHEN count(*) FILTER (WHERE NOT passed) > 0
            THEN 'FAIL: do not commit; type ROLLBACK; (COMMIT would be refused)'
            WHEN count(*) = 0 THEN 'NO CHECKS RAN: COMMIT; keeps the changes, ROLLBACK; undoes them'
            ELSE 'ALL CHECKS PASS: type COMMIT; to keep the changes (ROLLBACK; undoes them)' END AS next_step
  FROM {CHECKS};
"
    ));
    echo(
        &mut out,
        "The transaction is still open. Read the summary above, then type:",
    );
    echo(&mut out, "  COMMIT;     when every check says PASS");
    echo(
        &mut out,
        "  ROLLBACK;   on any FAIL (nothing of this bundle stays)",
    );
    if let Some(second) = &names.no_transaction {
        echo(
            &mut out,
            &format!(
                "After COMMIT, run {second} (migrations that cannot run inside a transaction)."
            ),
        );
    }
    Ok(out)
}

/// The tracking table as `apply` creates it, when it is missing; another
/// tool's table of that name stops the script.
fn ensure_tracking(out: &mut String, table: &TableName) {
    out.push_str("-- The tracking table, as `apply` creates it when it is missing.\n");
    out.push_str(&tracking::guard_sql(table));
    out.push_str(&format!(
        "\nSELECT to_regclass({}) IS NULL AS touchpoint_no_tracking_table \\gset\n\\if :touchpoint_no_tracking_table\n{}\n\\endif\n",
        literal(&table.sql()),
        tracking::create_sql(table)
    ));
}

/// The second script: the no-transaction migrations, after COMMIT.
pub fn no_transaction(b: &Bundle, names: &Names) -> anyhow::Result<String> {
    let tx = b.transactional();
    let nt = b.non_transactional();
    let t = &b.table;
    let mut out = String::new();
    let mut lines = vec![
        format!(
            "The second script: run it after {} is committed. These",
            names.main
        ),
        "migrations cannot run inside a transaction (CREATE INDEX CONCURRENTLY ...):".to_string(),
        "each statement commits on its own, and the tracking row records how far".to_string(),
        "it got, as `apply` does.".to_string(),
        format!("Instructions: {}", names.instructions),
        String::new(),
        "Migrations (version and checksum):".to_string(),
    ];
    lines.extend(migration_list(&nt));
    lines.extend([
        String::new(),
        format!(
            "  psql -X -h <host> -p <port> -U <user> -d <database> -f {}",
            names.no_transaction.as_deref().unwrap_or_default()
        ),
        "It stops at the first error or FAIL. Run it again after fixing the cause:".to_string(),
        "applied migrations are skipped, a stopped one resumes at the statement".to_string(),
        "that failed and runs its checks again.".to_string(),
    ]);
    header(&mut out, b, "no-transaction script (after COMMIT)", &lines);
    out.push('\n');
    out.push_str(SETUP);
    out.push('\n');
    echo(
        &mut out,
        "== preflight: migration lock, tracking table, history",
    );
    lock_session(&mut out, "at the end of this script");
    out.push_str(&format!(
        "
DO $touchpoint$
BEGIN
    IF to_regclass({}) IS NULL THEN
        RAISE EXCEPTION '{} does not exist: {} has not been committed'
            USING HINT = 'run {} and COMMIT first; nothing was changed';
    END IF;
END
$touchpoint$;
",
        literal(&t.sql()),
        t,
        names.main,
        names.main
    ));
    out.push_str(&tracking::guard_sql(t));
    out.push('\n');
    let mut applied = b.before.clone();
    applied.extend(tx.iter().map(|m| m.name.stem.clone()));
    let pending: Vec<String> = nt.iter().map(|m| m.name.stem.clone()).collect();
    let first = nt.first().map_or(0, |m| m.name.number);
    out.push_str(&history_guard(t, &applied, &pending, first, false));
    // A record left by a run that stopped must be of the same file.
    let expected: Vec<String> = nt
        .iter()
        .map(|m| {
            format!(
                "({}, {})",
                literal(&m.name.stem),
                literal(&m.checksum.to_string())
            )
        })
        .collect();
    out.push_str(&format!(
        "DO $touchpoint$
DECLARE
    found text;
BEGIN
    SELECT t.version INTO found
      FROM {ts} t JOIN (VALUES {list}) AS e(version, checksum) USING (version)
     WHERE t.checksum <> e.checksum
     ORDER BY t.version LIMIT 1;
    IF found IS NOT NULL THEN
        RAISE EXCEPTION '% stopped part-way in an earlier run of another version of its file (its checksum differs)', found
            USING HINT = 'resuming an edited file by statement number is not safe; ask the developers (cargo xtask migration repair)';
    END IF;
END
$touchpoint$;

{table}TRUNCATE {NT_CHECKS};
{CHECK_FUNCTION}",
        ts = t.sql(),
        list = expected.join(", "),
        table = check_table(NT_CHECKS, false),
    ));
    for (i, m) in nt.iter().enumerate() {
        banner(
            &mut out,
            m,
            &format!("{} of {} in this script", i + 1, nt.len()),
        );
        echo(&mut out, &format!("== {} {}", m.name.number_text, title(m)));
        no_transaction_migration(&mut out, t, m, names)?;
    }
    out.push_str(&format!(
        "\n{RULE}\n-- Summary: every check of this script.\n{RULE}\n"
    ));
    echo(&mut out, "== summary: every check of this script");
    out.push_str(&format!(
        "SELECT migration, line, check_name, status
  FROM {NT_CHECKS}
 ORDER BY seq;
"
    ));
    unlock_session(&mut out);
    echo(
        &mut out,
        "Done: every migration of this script ran and every check says PASS.",
    );
    Ok(out)
}

fn no_transaction_migration(
    out: &mut String,
    t: &TableName,
    m: &Migration,
    names: &Names,
) -> anyhow::Result<()> {
    let (version, name, checksum, rollback_sql) = record_literals(m);
    let stmts = pieces(m, m.body.clone())?;
    let total = stmts.len();
    out.push_str(&format!(
        "SELECT NOT EXISTS (SELECT 1 FROM {} WHERE version = {version} AND success) AS touchpoint_pending \\gset
\\if :touchpoint_pending
SELECT extract(epoch FROM clock_timestamp()) AS touchpoint_started \\gset
",
        t.sql()
    ));
    let run_by = literal(&format!(
        "psql: {}",
        names.no_transaction.as_deref().unwrap_or_default()
    ));
    let total_text = total.to_string();
    let record = NewRecord {
        version: &version,
        name: &name,
        execution_time_ms: "0",
        checksum: &checksum,
        rollback_sql: &rollback_sql,
        run_by: &run_by,
        success: "false",
        no_transaction: "true",
        statements_total: &total_text,
    };
    out.push_str(&format!(
        "-- The tracking row first (success = false), as `apply` writes it; a run
-- that stopped part-way left it already, with how far it got.
{}
ON CONFLICT (version) DO NOTHING;
SELECT statements_done AS touchpoint_done FROM {} WHERE version = {version} \\gset
",
        tracking::insert_sql(t, &record),
        t.sql()
    ));
    for (i, p) in stmts.iter().enumerate() {
        let n = i + 1;
        out.push_str(&format!(
            "\n-- Statement {n} of {total} (line {}): skipped when an earlier run did it.
SELECT :touchpoint_done < {n} AS touchpoint_todo \\gset
\\if :touchpoint_todo
",
            p.line
        ));
        if let Some(crate::sql::index::ConcurrentIndex {
            index, table: on, ..
        }) = crate::sql::index::concurrent_index(p.text)
        {
            out.push_str(&format!(
                "-- An INVALID index of that name (left by a build that failed or was
-- interrupted) would be kept as it is by IF NOT EXISTS: stop instead.
DO $touchpoint$
DECLARE
    bad text;
BEGIN
    SELECT s.name INTO bad FROM ({}) AS s(name) LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'index % exists but is INVALID, left by a CREATE INDEX CONCURRENTLY that failed or was interrupted', bad
            USING HINT = format('run DROP INDEX CONCURRENTLY IF EXISTS %s; then run this script again (it resumes at statement {n} of {total})', bad);
    END IF;
END
$touchpoint$;
",
                crate::pg::exec::invalid_index_sql(&literal(&index), &literal(&on))
            ));
        }
        if !p.lead.is_empty() {
            out.push_str(p.lead);
            out.push('\n');
        }
        out.push_str(&p.terminated_text());
        out.push('\n');
        out.push_str(&tracking::progress_sql(t, &version, &n.to_string()));
        out.push_str(";\n\\endif\n");
    }
    out.push('\n');
    checks(out, m, NT_CHECKS)?;
    let failed = format!(
        "EXISTS (SELECT 1 FROM {NT_CHECKS} c WHERE c.version = {version} AND NOT c.passed)"
    );
    let error = literal(&format!(
        "{}: verify checks failed after all {total} statements ran ({}); they were committed (no-transaction). Inspect the database, fix it, and run the script again: it re-runs the verification",
        display(m),
        names.no_transaction.as_deref().unwrap_or_default()
    ));
    out.push_str(&format!(
        "
-- Recorded as applied only when every check passed, as `apply` does.
{} AND NOT {failed};
{} AND NOT success;
DO $touchpoint$
BEGIN
    IF {failed} THEN
        RAISE EXCEPTION '{} did not pass its checks: its statements are committed (no transaction), its tracking row says success = false', {version}
            USING HINT = 'see \"If any check shows FAIL\" in the DBA instructions; fix the cause and run this script again: it re-runs the checks';
    END IF;
END
$touchpoint$;
{RESET}\\else
",
        tracking::success_sql(t, &version, ELAPSED_MS),
        tracking::failure_sql(t, &version, &total.to_string(), &error),
        "%"
    ));
    echo(out, &format!("{} is already applied: skipped", m.name.stem));
    out.push_str("\\endif\n");
    Ok(())
}

/// The rollback script: the no-transaction migrations first (each statement
/// on its own), then one transaction for the rest, newest first, each with
/// the deletion of its tracking row; it ends without COMMIT.
pub fn rollback(b: &Bundle, names: &Names) -> anyhow::Result<String> {
    let t = &b.table;
    let order: Vec<&Migration> = b.run_order().into_iter().rev().collect();
    let nt: Vec<&Migration> = order.iter().copied().filter(|m| m.no_transaction).collect();
    let tx: Vec<&Migration> = order
        .iter()
        .copied()
        .filter(|m| !m.no_transaction)
        .collect();
    let mut out = String::new();
    let mut lines = vec![
        "The rollback: undoes the bundle, last migration first, each with the".to_string(),
        "deletion of its tracking row. A migration whose tracking row is missing".to_string(),
        "is skipped (it is not applied).".to_string(),
        format!("Instructions: {}", names.instructions),
        String::new(),
        "Order:".to_string(),
    ];
    lines.extend(order.iter().map(|m| {
        format!(
            "  {}{}",
            m.name.stem,
            if m.no_transaction {
                "  (outside the transaction)"
            } else {
                ""
            }
        )
    }));
    lines.extend([
        String::new(),
        "  psql -X -h <host> -p <port> -U <user> -d <database>".to_string(),
        format!("  \\i {}", names.rollback),
        "It ends with the transaction open: COMMIT; keeps the rollback, ROLLBACK;".to_string(),
        "undoes its transactional part.".to_string(),
    ]);
    header(&mut out, b, "rollback", &lines);
    out.push('\n');
    out.push_str(SETUP);
    out.push('\n');
    let impossible: Vec<String> = order.iter().filter_map(|m| no_rollback(m)).collect();
    if !impossible.is_empty() {
        let body = format!(
            "
BEGIN
    RAISE EXCEPTION 'this bundle cannot be rolled back: {}'
        USING HINT = 'undo it with a new migration instead; nothing was changed';
END
",
            impossible.join("; ").replace('\'', "''").replace('%', "%%")
        );
        out.push_str(&format!(
            "-- This bundle cannot be rolled back by script: stop before anything changes.\nDO {};\n\n",
            dollar_quoted(&body, "touchpoint")
        ));
    }
    out.push_str(&format!(
        "DO $touchpoint$
BEGIN
    IF to_regclass({}) IS NULL THEN
        RAISE EXCEPTION '{} does not exist: nothing to roll back';
    END IF;
END
$touchpoint$;
",
        literal(&t.sql()),
        t
    ));
    out.push_str(&tracking::guard_sql(t));
    out.push('\n');
    if !nt.is_empty() {
        out.push_str(&format!(
            "\n{RULE}\n-- Part 1: outside a transaction (each statement commits on its own).\n{RULE}\n"
        ));
        lock_session(&mut out, "at the end of Part 1");
        for m in &nt {
            rollback_migration(&mut out, t, m, "outside a transaction");
        }
        unlock_session(&mut out);
    }
    if !tx.is_empty() || nt.is_empty() {
        out.push_str(&format!(
            "\n{RULE}\n-- {}one transaction, left open for COMMIT or ROLLBACK.\n{RULE}\n",
            if nt.is_empty() { "" } else { "Part 2: " }
        ));
        out.push_str(&format!(
            "BEGIN;
DO $touchpoint$
BEGIN
    IF NOT pg_try_advisory_xact_lock({LOCK_KEY}) THEN
        RAISE EXCEPTION 'another touchpoint apply or bundle script holds the migration lock'
            USING HINT = 'let it finish, type ROLLBACK; and run this script again';
    END IF;
END
$touchpoint$;
"
        ));
        for m in &tx {
            rollback_migration(&mut out, t, m, "in the transaction");
        }
    }
    out.push_str(&format!(
        "\n{RULE}\n-- Summary: none of the bundle's migrations may still be recorded.\n{RULE}\n"
    ));
    echo(&mut out, "== summary: the bundle's tracking rows");
    let values: Vec<String> = order
        .iter()
        .map(|m| format!("({})", literal(&m.name.stem)))
        .collect();
    out.push_str(&format!(
        "SELECT v.version,
       CASE WHEN t.version IS NULL THEN 'PASS: not recorded' ELSE 'FAIL: still recorded' END AS status
  FROM (VALUES {}) AS v(version)
  LEFT JOIN {} t USING (version)
 ORDER BY v.version DESC;
",
        values.join(", "),
        t.sql()
    ));
    if tx.is_empty() && !nt.is_empty() {
        echo(&mut out, "Done: every statement above is committed.");
    } else {
        echo(
            &mut out,
            "The transaction is still open. Read the summary above, then type:",
        );
        echo(
            &mut out,
            "  COMMIT;     when every row says PASS and no error was printed",
        );
        echo(
            &mut out,
            "  ROLLBACK;   otherwise (the transactional part is undone)",
        );
    }
    Ok(out)
}

fn rollback_migration(out: &mut String, t: &TableName, m: &Migration, where_: &str) {
    banner(out, m, &format!("rollback, {where_}"));
    let version = literal(&m.name.stem);
    out.push_str(&format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE version = {version}) AS touchpoint_recorded \\gset
\\if :touchpoint_recorded
",
        t.sql()
    ));
    echo(
        out,
        &format!("== rolling back {} {}", m.name.number_text, title(m)),
    );
    match m.rollback.clone() {
        Some(range) if no_rollback(m).is_none() => {
            out.push_str(&verbatim(m, range));
            out.push('\n');
        }
        _ => out.push_str("-- (no rollback SQL)\n"),
    }
    out.push_str(&format!(
        "{};\n{RESET}\\else\n",
        tracking::delete_sql(t, &version)
    ));
    echo(
        out,
        &format!("{} is not recorded: nothing to roll back", m.name.stem),
    );
    out.push_str("\\endif\n");
}
