//! `<bundle>_DBA_INSTRUCTIONS.md`, a DBA's runbook, from
//! `templates/dba_instructions.md` (askama). Everything variable is worked
//! out here; the template is the layout.

use std::collections::BTreeMap;

use askama::Template;

use super::{check_name, display, no_rollback, pieces, title, verbatim, Bundle, Impact, Names};
use crate::migration::Migration;
use crate::review::dynamic::rank;

#[derive(Template)]
#[template(path = "dba_instructions.md", escape = "none")]
struct Instructions {
    unreviewed: String,
    bundle: String,
    first: String,
    last: String,
    date: String,
    main_file: String,
    nt_file: String,
    rollback_file: String,
    log_file: String,
    table: String,
    summary: String,
    nt_summary: String,
    history: String,
    history_sql: String,
    migrations: Vec<MigrationDoc>,
    check_queries: usize,
    main_checks: usize,
    nt_checks: usize,
    rollbacks: Vec<RollbackDoc>,
    rollback_order: String,
    impossible: Vec<String>,
    post_sql: String,
    tables: Vec<String>,
    impact: ImpactDoc,
}

struct MigrationDoc {
    nn: String,
    title: String,
    file: String,
    checksum: String,
    issue: String,
    problem: String,
    solution: String,
    tables: String,
    where_: String,
    checks: Vec<String>,
}

struct RollbackDoc {
    nn: String,
    title: String,
    where_: String,
    sql: String,
}

struct ImpactDoc {
    measured: bool,
    why_not: String,
    held: Vec<String>,
    downtime: String,
    rewrites: Vec<String>,
    statements: Vec<(String, Vec<String>)>,
    problems: Vec<String>,
}

/// What a lock mode stops other sessions from doing.
fn blocks(mode: &str) -> &'static str {
    match mode {
        "ACCESS EXCLUSIVE" => "blocks every read and write of the table",
        "EXCLUSIVE" => "blocks writes and row locks; plain reads continue",
        "SHARE ROW EXCLUSIVE" | "SHARE" => "blocks writes; reads continue",
        "SHARE UPDATE EXCLUSIVE" => {
            "blocks schema changes, VACUUM and ANALYZE; reads and writes continue"
        }
        "ROW EXCLUSIVE" => {
            "the lock every write takes: reads and writes continue; schema changes and index builds wait"
        }
        "ROW SHARE" | "ACCESS SHARE" => "reads and writes continue; only schema changes wait",
        _ => "",
    }
}

fn or_dash(s: &str) -> String {
    match s.trim() {
        "" => "-".to_string(),
        t => t.to_string(),
    }
}

/// The first line of the statement starting at `line`, for people.
fn statement_at(m: &Migration, line: usize) -> String {
    let text = m.source.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let text = text.trim().replace('`', "'");
    if text.chars().count() > 72 {
        format!("{}...", text.chars().take(69).collect::<String>())
    } else {
        text
    }
}

/// `ACCESS EXCLUSIVE on `a`, `b`; SHARE on `c`; rewrites `a``.
fn describe<'a>(
    locks: impl Iterator<Item = &'a (String, String)>,
    rewrites: impl Iterator<Item = &'a String>,
) -> String {
    let mut by_mode: BTreeMap<(std::cmp::Reverse<usize>, &str), Vec<String>> = BTreeMap::new();
    for (rel, mode) in locks {
        by_mode
            .entry((std::cmp::Reverse(rank(mode)), mode))
            .or_default()
            .push(format!("`{rel}`"));
    }
    let mut parts: Vec<String> = by_mode
        .into_iter()
        .map(|((_, mode), rels)| format!("{mode} on {}", rels.join(", ")))
        .collect();
    let rewritten: Vec<String> = rewrites.map(|r| format!("`{r}`")).collect();
    if !rewritten.is_empty() {
        parts.push(format!("rewrites {}", rewritten.join(", ")));
    }
    parts.join("; ")
}

fn impact(b: &Bundle) -> ImpactDoc {
    let (measured, existing) = match &b.impact {
        Impact::NotMeasured(why) => {
            return ImpactDoc {
                measured: false,
                why_not: why.clone(),
                held: Vec::new(),
                downtime: "Unknown: locks and rewrites were not measured. Read each migration's SQL for ALTER TABLE, CREATE INDEX without CONCURRENTLY, and type changes, which lock the table until COMMIT.".to_string(),
                rewrites: Vec::new(),
                statements: Vec::new(),
                problems: Vec::new(),
            }
        }
        Impact::Measured {
            migrations,
            existing,
        } => (migrations, existing),
    };
    let mut held: BTreeMap<&str, &str> = BTreeMap::new();
    let mut rewrites = Vec::new();
    let mut statements = Vec::new();
    let mut problems = Vec::new();
    for m in b.run_order() {
        let Some(mm) = measured.get(&m.name.stem) else {
            continue;
        };
        for p in &mm.problems {
            problems.push(format!("{}: {p}", m.name.number_text));
        }
        let mut lines = Vec::new();
        for s in &mm.statements {
            if !m.no_transaction {
                for (rel, mode) in s.locks.iter().filter(|(r, _)| existing.contains(r)) {
                    if held
                        .get(rel.as_str())
                        .is_none_or(|old| rank(old) < rank(mode))
                    {
                        held.insert(rel, mode);
                    }
                }
            }
            for r in s.rewrites.iter().filter(|r| existing.contains(*r)) {
                rewrites.push(format!(
                    "`{r}`: by migration {} (line {}); the table is copied while ACCESS EXCLUSIVE is held, for a time that grows with its size",
                    m.name.number_text, s.line
                ));
            }
            let old = describe(
                s.locks.iter().filter(|(r, _)| existing.contains(r)),
                s.rewrites.iter().filter(|r| existing.contains(*r)),
            );
            let new = describe(
                s.locks.iter().filter(|(r, _)| !existing.contains(r)),
                s.rewrites.iter().filter(|r| !existing.contains(*r)),
            );
            let what = match (old.is_empty(), new.is_empty()) {
                (false, true) => old,
                (true, false) => {
                    format!("on tables created by this bundle (blocking nobody): {new}")
                }
                _ => format!("{old}; on tables created by this bundle (blocking nobody): {new}"),
            };
            lines.push(format!(
                "line {} `{}`: {what}",
                s.line,
                statement_at(m, s.line),
            ));
        }
        if m.no_transaction {
            lines.push("each statement commits on its own and holds its locks only while it runs (locks are not measured outside a transaction)".to_string());
        } else if lines.is_empty() {
            lines.push("no lock on a table that existed before it, no rewrite".to_string());
        }
        statements.push((format!("{} {}", m.name.number_text, title(m)), lines));
    }
    let strongest = held.values().map(|m| rank(m)).max();
    let names_at = |min: usize| {
        held.iter()
            .filter(|(_, m)| rank(m) >= min)
            .map(|(r, _)| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let downtime = match strongest {
        Some(r) if r >= rank("ACCESS EXCLUSIVE") => format!(
            "Reads and writes of {} wait from the statement that locks them until you type COMMIT or ROLLBACK: decide promptly once the summary is printed.",
            names_at(rank("ACCESS EXCLUSIVE"))
        ),
        Some(r) if r >= rank("SHARE") => format!(
            "Writes to {} wait from the statement that locks them until you type COMMIT or ROLLBACK; reads continue.",
            names_at(rank("SHARE"))
        ),
        _ => "None measured: no table that existed before the bundle is locked against reads or writes.".to_string(),
    };
    ImpactDoc {
        measured: true,
        why_not: String::new(),
        held: held
            .iter()
            .map(|(r, m)| format!("`{r}`: {m} ({})", blocks(m)))
            .collect(),
        downtime,
        rewrites,
        statements,
        problems,
    }
}

pub fn render(b: &Bundle, names: &Names) -> anyhow::Result<String> {
    let nn = |m: Option<&&Migration>| m.map_or(String::new(), |m| m.name.number_text.clone());
    let listed = migration_docs(b, names)?;
    let order: Vec<&Migration> = b.run_order().into_iter().rev().collect();
    let table = b.table.to_string();
    let doc = Instructions {
        unreviewed: b.unreviewed_phrase().map_or_else(String::new, |phrase| {
            format!(
                "**UNREVIEWED (bundled with `--unreviewed`): {phrase}. Do not run this on a production database until the review is done (`cargo xtask migration review`).**"
            )
        }),
        bundle: names.prefix.clone(),
        first: nn(b.migrations.first()),
        last: nn(b.migrations.last()),
        date: names.prefix.get(..10).unwrap_or_default().to_string(),
        main_file: names.main.clone(),
        nt_file: names.no_transaction.clone().unwrap_or_default(),
        rollback_file: names.rollback.clone(),
        log_file: format!("{}_run.log", names.prefix),
        summary: summary(b, names),
        nt_summary: b
            .non_transactional()
            .iter()
            .map(|m| format!("{} ({})", m.name.number_text, title(m)))
            .collect::<Vec<_>>()
            .join(", "),
        history: history(b, &table),
        history_sql: format!("SELECT version, success FROM {table} ORDER BY version DESC LIMIT 5;"),
        post_sql: post_sql(b, &table),
        table,
        migrations: listed.docs,
        check_queries: listed.main_checks + listed.nt_checks,
        main_checks: listed.main_checks,
        nt_checks: listed.nt_checks,
        rollbacks: rollback_docs(&order),
        rollback_order: order
            .iter()
            .map(|m| m.name.number_text.clone())
            .collect::<Vec<_>>()
            .join(", "),
        impossible: order.iter().filter_map(|m| no_rollback(m)).collect(),
        tables: listed
            .tables
            .iter()
            .map(|(t, nns)| {
                format!(
                    "`{t}`: migration{} {}",
                    if nns.len() == 1 { "" } else { "s" },
                    nns.join(", ")
                )
            })
            .collect(),
        impact: impact(b),
    };
    let mut text = doc
        .render()
        .map_err(|e| anyhow::anyhow!("cannot render the instructions: {e}"))?;
    // askama strips the template's final newline.
    text.push('\n');
    Ok(text)
}

/// The migrations as the instructions list them, with the number of verify
/// checks in each script and the migrations touching each table.
struct Listed {
    docs: Vec<MigrationDoc>,
    main_checks: usize,
    nt_checks: usize,
    tables: BTreeMap<String, Vec<String>>,
}

fn migration_docs(b: &Bundle, names: &Names) -> anyhow::Result<Listed> {
    let mut listed = Listed {
        docs: Vec::new(),
        main_checks: 0,
        nt_checks: 0,
        tables: BTreeMap::new(),
    };
    for m in &b.migrations {
        let h = m.header.clone().unwrap_or_default();
        for t in h.affected_tables() {
            listed
                .tables
                .entry(t)
                .or_default()
                .push(m.name.number_text.clone());
        }
        let mut checks = Vec::new();
        if let Some(range) = m.verify.clone() {
            for p in pieces(m, range)? {
                if m.no_transaction {
                    listed.nt_checks += 1;
                } else {
                    listed.main_checks += 1;
                }
                checks.push(match check_name(&p) {
                    Some(n) => format!("`{}`", n.replace('`', "'")),
                    None => format!("the query at line {}", p.line),
                });
            }
        }
        listed.docs.push(MigrationDoc {
            nn: m.name.number_text.clone(),
            title: title(m),
            file: display(m),
            checksum: m.checksum.to_string(),
            issue: or_dash(&h.issue.value),
            problem: or_dash(&h.problem.value),
            solution: or_dash(&h.solution.value),
            tables: match h.affected_tables() {
                t if t.is_empty() => "none".to_string(),
                t => t
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            where_: if m.no_transaction {
                format!(
                    "outside a transaction, in `{}` (after COMMIT)",
                    names.no_transaction.as_deref().unwrap_or_default()
                )
            } else {
                format!("in the transaction of `{}`", names.main)
            },
            checks,
        });
    }
    Ok(listed)
}

/// Each migration's rollback, in the order they are undone.
fn rollback_docs(order: &[&Migration]) -> Vec<RollbackDoc> {
    order
        .iter()
        .map(|m| RollbackDoc {
            nn: m.name.number_text.clone(),
            title: title(m),
            where_: if m.no_transaction {
                "outside a transaction, first".to_string()
            } else {
                "in the transaction".to_string()
            },
            sql: match (m.rollback.clone(), no_rollback(m)) {
                (Some(r), None) => verbatim(m, r),
                (_, Some(why)) => format!("-- {why}"),
                (None, None) => String::new(),
            },
        })
        .collect()
}

/// The query that shows every bundled migration recorded with its checksum.
fn post_sql(b: &Bundle, table: &str) -> String {
    let rows: Vec<String> = b
        .run_order()
        .iter()
        .map(|m| format!("        ('{}', '{}')", m.name.stem, m.checksum))
        .collect();
    format!(
        "SELECT v.version,
       CASE WHEN m.success AND m.checksum = v.checksum THEN 'PASS' ELSE 'FAIL' END AS recorded
  FROM (VALUES
{}
       ) AS v(version, checksum)
  LEFT JOIN {table} m USING (version)
 ORDER BY v.version;",
        rows.join(",\n")
    )
}

/// What the bundle applies, in which scripts.
fn summary(b: &Bundle, names: &Names) -> String {
    let nt_file = names.no_transaction.as_deref().unwrap_or_default();
    match (b.transactional().len(), b.non_transactional().len()) {
        (0, n) => format!(
            "{n} migration{} that cannot run inside a transaction (`{nt_file}`), after `{}` is committed (it holds no migration: it checks the history and creates the tracking table when it is missing)",
            if n == 1 { "" } else { "s" },
            names.main
        ),
        (t, 0) => format!(
            "{t} migration{} in one transaction (`{}`)",
            if t == 1 { "" } else { "s" },
            names.main
        ),
        (t, n) => format!(
            "{t} migration{} in one transaction (`{}`), then {n} that cannot run inside a transaction (`{nt_file}`, after COMMIT)",
            if t == 1 { "" } else { "s" },
            names.main
        ),
    }
}

/// The history the database must have before the bundle runs.
fn history(b: &Bundle, table: &str) -> String {
    match b.before.last() {
        Some(v) => format!(
            "every migration before this bundle recorded as applied ({} of them); the newest is `{v}`",
            b.before.len()
        ),
        None => format!(
            "none of this bundle's migrations recorded (it starts with the first one; `{table}` may not exist yet: the script creates it)"
        ),
    }
}
