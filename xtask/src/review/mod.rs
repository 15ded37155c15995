//! `migration review`, static part: rules that read a migration (and the
//! schema the earlier migrations leave) without a database, each with a
//! stable id, a severity, a message, a help text with the safe alternative
//! and a span. The pre-commit hook runs the same engine.
//!
//! A finding is silenced by `-- review: ignore <rule-id> -- <reason>` on the
//! line above its statement, or `-- review: ignore-file <rule-id> -- <reason>`
//! anywhere; the reason is required, and an ignore that names no rule or
//! silences nothing is itself a finding.

pub mod ddl;
pub mod dynamic;
pub mod facts;
mod ignore;
pub mod report;
pub mod rules;
pub mod schema;
pub mod stmt;
pub mod target;

use std::ops::Range;

use crate::migration::name::NumberIndex;
use crate::migration::Migration;
use crate::sql::lexer::{LineCol, LineIndex};
use facts::SetFacts;
use schema::{Schema, Store};
use stmt::Stmt;

pub use crate::outcome::Severity;
pub use target::{Options, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: &'static str,
    /// Path relative to the project root.
    pub file: String,
    pub start: LineCol,
    pub end: LineCol,
    /// Byte offset of the start in the migration's source.
    pub offset: usize,
}

/// A rule: one file under `rules/`, one page under `docs/rules/`.
pub trait Rule: Sync {
    fn id(&self) -> &'static str;
    fn severity(&self) -> Severity;
    /// What is wrong, in one line (the page title).
    fn summary(&self) -> &'static str;
    /// The safe alternative.
    fn help(&self) -> &'static str;
    /// Off unless `touchpoint.conf` names it in `[review] enable`.
    fn opt_in(&self) -> bool {
        false
    }
    /// The check over the whole file.
    fn check(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
    /// Whether the rule reads the schema statement by statement: then
    /// [`Rule::check_stmt`] and [`Rule::check_body_end`] are called during
    /// the one walk the engine makes through each body.
    fn walks(&self) -> bool {
        false
    }
    /// One body statement, with the schema as it stands before it (the
    /// earlier migrations and this body's earlier statements).
    fn check_stmt(
        &self,
        _cx: &Context<'_>,
        _s: &Stmt,
        _schema: &dyn Store,
        _out: &mut Vec<Finding>,
    ) {
    }
    /// The schema as the whole body leaves it.
    fn check_body_end(&self, _cx: &Context<'_>, _schema: &dyn Store, _out: &mut Vec<Finding>) {}
}

/// What a rule sees of one migration.
pub struct Context<'a> {
    pub m: &'a Migration,
    pub file: &'a str,
    pub stmts: &'a [Stmt],
    pub lines: &'a LineIndex<'a>,
    /// The schema the earlier migrations leave.
    pub before: &'a Schema,
    /// Which migrations of the set hold each NN (by stem).
    pub numbers: &'a NumberIndex<String>,
    /// What the whole set does, gathered once (later migrations included).
    pub facts: &'a SetFacts,
    /// The server the migrations are for.
    pub target: Target,
    /// Tables created by this migration's body, with the offset of the
    /// statement creating each.
    pub created: Vec<(String, usize)>,
    type_uses: std::cell::OnceCell<Vec<ddl::TypeUse<'a>>>,
}

impl<'a> Context<'a> {
    pub fn finding(
        &self,
        rule: &dyn Rule,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        let start = self.lines.line_col(range.start);
        let mut end = self.lines.line_col(range.end.max(range.start));
        if end.line == start.line && end.col <= start.col {
            end.col = start.col + 1;
        }
        Finding {
            rule: rule.id(),
            severity: rule.severity(),
            message: message.into(),
            help: rule.help(),
            file: self.file.to_string(),
            start,
            end,
            offset: range.start,
        }
    }

    /// The byte range of 1-based line `line` (without its line break).
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start: usize = (1..line)
            .map(|l| self.lines.line_text(l as u32).len() + 1)
            .sum();
        start..start + self.lines.line_text(line as u32).len()
    }

    /// Whether `table` was created earlier in this same migration, before
    /// the byte offset `at` (then locks and rewrites on it are harmless).
    pub fn created_here(&self, table: &str, at: usize) -> bool {
        let q = schema::qualify(table);
        self.created.iter().any(|(t, off)| *t == q && *off < at)
    }

    /// Whether the table existed before this migration.
    pub fn existing_table(&self, table: &str, at: usize) -> bool {
        !self.created_here(table, at)
    }

    /// Every column type the body writes (parsed once for all rules).
    pub fn type_uses(&self) -> &[ddl::TypeUse<'a>] {
        self.type_uses.get_or_init(|| {
            ddl::type_uses(
                self.stmts
                    .iter()
                    .filter(|s| s.section == stmt::Section::Body),
            )
        })
    }

    pub fn body_stmts(&self) -> impl Iterator<Item = &Stmt> {
        self.stmts
            .iter()
            .filter(|s| s.section == stmt::Section::Body)
    }
}

/// Reviews one migration against the schema the earlier ones leave, with
/// the default options (the newest server, no opt-in rule).
pub fn review_one(m: &Migration, file: &str, before: &Schema, set: &[Migration]) -> Vec<Finding> {
    review_one_with(m, file, before, set, &Options::default())
}

/// [`review_one`] with the given options.
pub fn review_one_with(
    m: &Migration,
    file: &str,
    before: &Schema,
    set: &[Migration],
    opts: &Options,
) -> Vec<Finding> {
    let lexed = lex_all(set);
    let facts = SetFacts::gather(
        set.iter()
            .map(|o| o.name.number)
            .zip(lexed.iter().map(Vec::as_slice)),
    );
    let shared = Shared {
        numbers: number_index(set),
        facts,
        opts,
    };
    review_statements(m, &stmt::statements(m), file, before, &shared).0
}

fn number_index(set: &[Migration]) -> NumberIndex<String> {
    NumberIndex::new(set.iter().map(|m| (m.name.number, m.name.stem.clone())))
}

/// What every file's review shares.
struct Shared<'a> {
    numbers: NumberIndex<String>,
    facts: SetFacts,
    opts: &'a Options,
}

/// Tables the body creates that did not exist before, with the offset of
/// the statement creating each.
fn created_tables(stmts: &[Stmt], before: &Schema) -> Vec<(String, usize)> {
    let mut created: Vec<(String, usize)> = Vec::new();
    for s in stmts
        .iter()
        .filter(|s| s.section == stmt::Section::Body && s.starts_with(&["CREATE"]))
    {
        let mut i = 1;
        while matches!(s.word(i), "UNLOGGED" | "TEMP" | "TEMPORARY") {
            i += 1;
        }
        if s.word(i) != "TABLE" {
            continue;
        }
        i += 1;
        if s.words_at(i, &["IF", "NOT", "EXISTS"]) {
            i += 3;
        }
        if let Some((name, _)) = s.name_at(i) {
            let q = schema::qualify(&name);
            if !before.has_table(&q) && !created.iter().any(|(t, _)| *t == q) {
                created.push((q, s.start));
            }
        }
    }
    created
}

fn review_statements(
    m: &Migration,
    stmts: &[Stmt],
    file: &str,
    before: &Schema,
    shared: &Shared<'_>,
) -> (Vec<Finding>, schema::Delta) {
    let lines = LineIndex::new(&m.source);
    let created = created_tables(stmts, before);
    let cx = Context {
        m,
        file,
        stmts,
        lines: &lines,
        before,
        numbers: &shared.numbers,
        facts: &shared.facts,
        target: shared.opts.target,
        created,
        type_uses: std::cell::OnceCell::new(),
    };
    let (raw, delta) = run_rules(&cx, shared.opts);
    let mut kept = ignore::apply(&cx, raw);
    kept.sort_by(|a, b| {
        (a.start.line, a.start.col, a.rule).cmp(&(b.start.line, b.start.col, b.rule))
    });
    (kept, delta)
}

/// Every rule that is on, over one migration: the findings, and what its
/// body changed in the schema.
fn run_rules(cx: &Context<'_>, opts: &Options) -> (Vec<Finding>, schema::Delta) {
    let on: Vec<&dyn Rule> = rules::ALL
        .iter()
        .copied()
        .filter(|r| !r.opt_in() || opts.enabled(r.id()))
        .collect();
    let mut raw = Vec::new();
    for rule in &on {
        rule.check(cx, &mut raw);
    }
    // One walk through the body for every rule that reads the schema
    // statement by statement; what the body changed is kept for the fold.
    let walkers: Vec<&dyn Rule> = on.iter().copied().filter(|r| r.walks()).collect();
    let mut view = schema::View::new(cx.before);
    for s in cx.body_stmts() {
        for rule in &walkers {
            rule.check_stmt(cx, s, &view, &mut raw);
        }
        view.apply(s);
    }
    for rule in &walkers {
        rule.check_body_end(cx, &view, &mut raw);
    }
    (raw, view.into_delta())
}

/// Reviews the migrations at `indexes` of the (NN-ordered) set: every file
/// is lexed once, the facts about the whole set are gathered once, and the
/// schema is folded through the set once. A long history is cut into one
/// run of files per core; a first pass that only folds (a small part of the
/// work) gives each run the schema it starts from, so the runs, rules
/// included, go in parallel and the findings come out as from one run.
pub fn review_set(
    set: &[Migration],
    indexes: &[usize],
    display: impl Fn(&Migration) -> String + Sync,
    opts: &Options,
) -> Vec<(usize, Vec<Finding>)> {
    review_set_on(set, indexes, display, opts, cores())
}

/// [`review_set`] in `threads` runs at most.
fn review_set_on(
    set: &[Migration],
    indexes: &[usize],
    display: impl Fn(&Migration) -> String + Sync,
    opts: &Options,
    threads: usize,
) -> Vec<(usize, Vec<Finding>)> {
    let wanted: std::collections::BTreeSet<usize> = indexes.iter().copied().collect();
    let Some(&last) = wanted.iter().next_back() else {
        return Vec::new();
    };
    let lexed = lex_all(set);
    let shared = Shared {
        numbers: number_index(set),
        facts: SetFacts::gather(
            set.iter()
                .map(|m| m.name.number)
                .zip(lexed.iter().map(Vec::as_slice)),
        ),
        opts,
    };
    let run = Run {
        set,
        lexed: &lexed,
        wanted: &wanted,
        display: &display,
        shared: &shared,
    };
    if threads < 2 || wanted.len() < 64 {
        return run.review(0..last + 1, Schema::default());
    }
    let chunk = (last + 1).div_ceil(threads);
    let ranges: Vec<std::ops::Range<usize>> = (0..=last)
        .step_by(chunk)
        .map(|a| a..(a + chunk).min(last + 1))
        .collect();
    // The schema each run starts from.
    let mut starts = Vec::with_capacity(ranges.len());
    let mut schema = Schema::default();
    for (k, r) in ranges.iter().enumerate() {
        starts.push(schema.clone());
        if k + 1 < ranges.len() {
            for s in lexed[r.clone()].iter().flatten() {
                schema.apply(s);
            }
        }
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = ranges
            .into_iter()
            .zip(starts)
            .map(|(r, start)| {
                let run = &run;
                scope.spawn(move || run.review(r, start))
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("a review never panics"))
            .collect()
    })
}

/// One review over a set: what every run of files shares.
struct Run<'a, F> {
    set: &'a [Migration],
    lexed: &'a [Vec<Stmt>],
    wanted: &'a std::collections::BTreeSet<usize>,
    display: &'a F,
    shared: &'a Shared<'a>,
}

impl<F: Fn(&Migration) -> String> Run<'_, F> {
    /// Reviews the wanted files of `range`, folding from `schema`, the
    /// schema the files before `range` leave.
    fn review(
        &self,
        range: std::ops::Range<usize>,
        mut schema: Schema,
    ) -> Vec<(usize, Vec<Finding>)> {
        let mut out = Vec::new();
        for i in range {
            let (m, stmts) = (&self.set[i], &self.lexed[i]);
            if self.wanted.contains(&i) {
                let (findings, delta) =
                    review_statements(m, stmts, &(self.display)(m), &schema, self.shared);
                out.push((i, findings));
                schema.merge(delta);
            } else {
                for s in stmts {
                    schema.apply(s);
                }
            }
        }
        out
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8)
}

/// The statements of every migration, lexed on the machine's cores.
fn lex_all(set: &[Migration]) -> Vec<Vec<Stmt>> {
    let threads = cores();
    if threads < 2 || set.len() < 64 {
        return set.iter().map(stmt::statements).collect();
    }
    let chunk = set.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = set
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(stmt::statements).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("lexing never panics"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::MigrationName;

    /// A history whose files depend on earlier ones (foreign keys, type
    /// changes, SET NOT NULL over CHECKs added files before, enum values).
    fn history(n: usize) -> Vec<Migration> {
        (1..=n)
            .map(|i| {
                let prev = i.saturating_sub(1);
                let body = format!(
                    "CREATE TABLE IF NOT EXISTS app.t{i} (id bigint PRIMARY KEY, p bigint, note varchar(20), at timestamp);\n\
                     ALTER TABLE app.t{prev} ADD CONSTRAINT fk_{i} FOREIGN KEY (p) REFERENCES app.t{i} (id) NOT VALID;\n\
                     ALTER TABLE app.t{prev} ADD CONSTRAINT chk_{i} CHECK (note IS NOT NULL) NOT VALID;\n\
                     ALTER TABLE app.t{} VALIDATE CONSTRAINT chk_{};\n\
                     ALTER TABLE app.t{} ALTER COLUMN note SET NOT NULL, ALTER COLUMN note TYPE varchar(40);\n\
                     ALTER TABLE app.t{} ALTER COLUMN at TYPE timestamptz;\n\
                     DROP INDEX IF EXISTS app.t{prev}_pkey;\n",
                    i.saturating_sub(5),
                    i.saturating_sub(4),
                    i.saturating_sub(9),
                    i.saturating_sub(7),
                );
                let text = format!("{body}-- migrate:verify\nSELECT 1;\n-- migrate:rollback\nSELECT 1;\n");
                let name = MigrationName::parse(&format!("2026-01-01_{i:03}_t.sql")).expect("name");
                Migration::parse(name, &text).expect("parses")
            })
            .collect()
    }

    #[test]
    fn the_runs_in_parallel_find_what_one_run_finds() {
        let set = history(300);
        let all: Vec<usize> = (0..set.len()).collect();
        let display = |m: &Migration| m.name.file_name();
        let opts = Options::default();
        let one = review_set_on(&set, &all, display, &opts, 1);
        assert!(one.iter().map(|(_, f)| f.len()).sum::<usize>() > 300);
        for threads in [2, 3, 8] {
            assert_eq!(
                review_set_on(&set, &all, display, &opts, threads),
                one,
                "{threads} runs"
            );
        }
        // Only some files wanted.
        let some: Vec<usize> = (0..set.len()).step_by(3).collect();
        assert_eq!(
            review_set_on(&set, &some, display, &opts, 4),
            review_set_on(&set, &some, display, &opts, 1)
        );
    }
}
