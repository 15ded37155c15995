//! The review rules against their pages in `docs/rules/`, and the engine's
//! edge cases (lexing, ignore comments), without a database.
//!
//! # The page format
//!
//! Every rule in `touchpoint::review::rules::ALL` has a page `docs/rules/<id>.md`,
//! and every page but `README.md` is about a rule in `ALL`. A page reads:
//!
//! ````text
//! # <id>
//!
//! Severity: error|warning. <the rule's summary(), word for word>
//!
//! ## Problem
//! <what goes wrong in production, 2-6 sentences>
//!
//! ## Safe alternative
//! <what to do instead, with SQL>
//!
//! ## Before                       (optional)
//! ```sql
//! <SQL of an earlier migration the examples need; one block per file>
//! ```
//!
//! ## Bad
//! ```sql
//! <a migration body that triggers this rule at least once>
//! ```
//!
//! ## Good
//! ```sql
//! <the fixed body, which must not trigger this rule>
//! ```
//! ````
//!
//! The first line and the `Severity:` line must match the rule exactly
//! (`Rule::id`, `Rule::severity`, `Rule::summary`). A body may begin with
//! `-- migrate:no-transaction`. Write for people first: the harness only
//! reads the fenced blocks of the sections it knows, and the first
//! ```` ```sql ```` block of `## Bad` and of `## Good` is the example's body
//! (more prose or blocks may follow it).
//!
//! # How the harness turns a page into migration files
//!
//! - Each ```` ```sql ```` block under `## Before` is an earlier migration,
//!   `migrations/2026-01-01_01_before.sql`, `..._02_before.sql`, and so on.
//!   The example (Bad or Good) is `migrations/2026-01-02_NN_example.sql`
//!   with the next NN. Only the example is reviewed; the earlier files give
//!   it the schema they leave and the set it belongs to (`review_set`).
//! - Each file gets the header `migration new` writes
//!   (`touchpoint::migration::render::new_migration`), every field filled in, the
//!   date the file name's date, and `AFFECTED TABLES:` computed from the
//!   body the way the `affected-tables` rule does (`none` when no table
//!   changes). Then the body, then `-- migrate:verify` with
//!   `SELECT 'ok' AS check_name, 'PASS' AS result;`, then
//!   `-- migrate:rollback` with `SELECT 1;`.
//! - Rules about the header or the file rather than the body override those
//!   defaults with optional sections after `## Bad` / `## Good`; each
//!   applies to its own example only:
//!   - `## Bad header` / `## Good header`: a ```` ```text ```` block of header
//!     lines such as `AFFECTED TABLES: service_ops.packet` or `Issue:`; each
//!     replaces the default header's line with that key. A block holding
//!     only `(none)` leaves the header out.
//!   - `## Bad verify` / `## Good verify` and `## Bad rollback` /
//!     `## Good rollback`: a ```` ```sql ```` block that replaces the section's
//!     SQL; a ```` ```text ```` block holding only `(none)` leaves the section
//!     (and its `-- migrate:` marker) out.
//!   - `## Before file name`, `## Bad file name`, `## Good file name`: a
//!     ```` ```text ```` block with file names (one per Before block) that
//!     replace the default names, e.g. to give two files the same NN.
//! - `## Server version`, optional: a ```` ```text ```` block holding the
//!   target's major (e.g. `13`) for both examples; without it the review
//!   targets the newest supported server.
//! - An opt-in rule (`Rule::opt_in`) is switched on for its own page's
//!   examples, as `[review] enable = <id>` in touchpoint.conf would.
//! - The examples test requires at least one finding of the page's rule for
//!   Bad and none for Good; findings of other rules do not matter there. The
//!   snapshot tests pin the text report (span, caret, help) of the page's
//!   rule on the Bad example of every page listed in `snapshots!` below.
//!
//! A rule's page is checked the moment the page exists: add a rule, write
//! its page, run `cargo test -p touchpoint --test it review_rules`, add a line to
//! `snapshots!` (the new snapshot is written as
//! `tests/it/snapshots/it__review_rules__<id>.snap.new`; read it, then rename it to
//! `.snap`), and rerun with `UPDATE_RULE_INDEX=1` to regenerate the table in
//! `docs/rules/README.md`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use touchpoint::migration::render::{new_migration, NewFields};
use touchpoint::migration::{Migration, MigrationName};
use touchpoint::review::dynamic::RULES as DYNAMIC;
use touchpoint::review::rules::util::changed_tables;
use touchpoint::review::rules::ALL;
use touchpoint::review::schema::qualify;
use touchpoint::review::stmt::{statements, Section};
use touchpoint::review::target::parse_major;
use touchpoint::review::{report, review_set, Finding, Options, Rule, Target};

const DEFAULT_VERIFY: &str = "SELECT 'ok' AS check_name, 'PASS' AS result;\n";
const DEFAULT_ROLLBACK: &str = "SELECT 1;\n";
const BEFORE_DATE: &str = "2026-01-01";
const EXAMPLE_DATE: &str = "2026-01-02";

// ---------------------------------------------------------------------------
// Pages

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("docs/rules")
}

#[derive(Debug, Clone)]
struct Block {
    lang: String,
    text: String,
}

#[derive(Debug)]
struct Page {
    /// The file stem: the rule id the page should be about.
    stem: String,
    text: String,
    /// `## ` sections in order: title and fenced blocks.
    sections: Vec<(String, Vec<Block>)>,
}

impl Page {
    fn read(path: &Path) -> Page {
        let text = fs::read_to_string(path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        Page::parse(stem, text)
    }

    fn parse(stem: String, text: String) -> Page {
        let mut sections: Vec<(String, Vec<Block>)> = Vec::new();
        let mut fence: Option<Block> = None;
        for line in text.lines() {
            if let Some(block) = fence.as_mut() {
                if line.trim_end() == "```" {
                    let block = fence.take().unwrap();
                    if let Some((_, blocks)) = sections.last_mut() {
                        blocks.push(block);
                    }
                } else {
                    block.text.push_str(line);
                    block.text.push('\n');
                }
            } else if let Some(lang) = line.strip_prefix("```") {
                fence = Some(Block {
                    lang: lang.trim().to_string(),
                    text: String::new(),
                });
            } else if let Some(title) = line.strip_prefix("## ") {
                sections.push((title.trim().to_string(), Vec::new()));
            }
        }
        Page {
            stem,
            text,
            sections,
        }
    }

    fn file(&self) -> String {
        format!("docs/rules/{}.md", self.stem)
    }

    fn blocks(&self, title: &str) -> &[Block] {
        self.sections
            .iter()
            .find(|(t, _)| t == title)
            .map_or(&[], |(_, b)| b.as_slice())
    }

    fn block(&self, title: &str) -> Option<&Block> {
        self.blocks(title).first()
    }
}

fn pages() -> Vec<Page> {
    let mut paths: Vec<PathBuf> = fs::read_dir(rules_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Page::read(p)).collect()
}

fn rule(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().chain(DYNAMIC).copied().find(|r| r.id() == id)
}

/// Findings of the dynamic review: their pages are checked for format
/// here, and their examples by xtask/tests/review_dynamic.rs on a server.
fn is_dynamic(id: &str) -> bool {
    DYNAMIC.iter().any(|r| r.id() == id)
}

// ---------------------------------------------------------------------------
// Building migration files from a page

/// Whether a block says "leave this out".
fn is_none_block(b: &Block) -> bool {
    b.lang == "text" && b.text.trim() == "(none)"
}

#[derive(Default)]
struct Overrides<'a> {
    header: Option<&'a Block>,
    verify: Option<&'a Block>,
    rollback: Option<&'a Block>,
}

/// Tables the body changes, as the affected-tables rule computes them.
fn changed(m: &Migration) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in statements(m).iter().filter(|s| s.section == Section::Body) {
        for (t, _) in changed_tables(s) {
            let t = qualify(&t);
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

fn title_of(name: &MigrationName) -> String {
    let mut t = name.slug.replace('_', " ");
    if let Some(c) = t.get_mut(..1) {
        c.make_ascii_uppercase();
    }
    t
}

fn header(name: &MigrationName, tables: &[String], over: Option<&Block>) -> Result<String, String> {
    if over.is_some_and(is_none_block) {
        return Ok(String::new());
    }
    let fields = NewFields {
        title: title_of(name),
        issue: Some("TP-1 the example from the rule's page".into()),
        problem: Some("The example needs a problem statement.".into()),
        solution: Some("The example's SQL.".into()),
        tables: if tables.is_empty() {
            vec!["none".into()]
        } else {
            tables.to_vec()
        },
    };
    let rendered = new_migration(&fields, name.date);
    let mut lines: Vec<String> = Vec::new();
    let mut rules = 0;
    for line in rendered.lines() {
        lines.push(line.to_string());
        if touchpoint::migration::header::is_rule(line) {
            rules += 1;
            if rules == 2 {
                break;
            }
        }
    }
    if let Some(over) = over {
        for o in over.text.lines().filter(|l| !l.trim().is_empty()) {
            let o = o.trim().trim_start_matches("--").trim();
            let Some((key, value)) = o.split_once(':') else {
                return Err(format!("header override line `{o}` is not `KEY: value`"));
            };
            let prefix = format!("-- {}:", key.trim());
            let Some(line) = lines.iter_mut().find(|l| l.starts_with(&prefix)) else {
                return Err(format!(
                    "header override `{o}`: the default header has no `{prefix}` line"
                ));
            };
            *line = format!("{prefix} {}", value.trim()).trim_end().to_string();
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

fn with_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// The text of one migration file.
fn file_text(name: &MigrationName, body: &str, over: &Overrides<'_>) -> Result<String, String> {
    let mut rest = with_newline(body);
    for (marker, block, default) in [
        ("-- migrate:verify", over.verify, DEFAULT_VERIFY),
        ("-- migrate:rollback", over.rollback, DEFAULT_ROLLBACK),
    ] {
        match block {
            Some(b) if is_none_block(b) => {}
            Some(b) => write!(rest, "\n{marker}\n{}", with_newline(&b.text)).unwrap(),
            None => write!(rest, "\n{marker}\n{default}").unwrap(),
        }
    }
    // A first pass with `none` finds the tables the body changes.
    let draft = format!("{}{rest}", header(name, &[], None)?);
    let m =
        Migration::parse(name.clone(), &draft).map_err(|e| format!("{}: {e}", name.file_name()))?;
    Ok(format!(
        "{}{rest}",
        header(name, &changed(&m), over.header)?
    ))
}

/// One example of a page, reviewed: the files of the set, and the findings
/// of the example (the last file).
struct Reviewed {
    files: Vec<(String, String)>,
    findings: Vec<Finding>,
}

impl Reviewed {
    fn source_of(&self, file: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == file)
            .map(|(_, t)| t.as_str())
    }

    fn of_rule(&self, id: &str) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|f| f.rule == id)
            .cloned()
            .collect()
    }

    fn example_text(&self) -> &str {
        &self.files.last().unwrap().1
    }
}

fn names_from(page: &Page, title: &str) -> Vec<String> {
    page.block(title)
        .map(|b| {
            b.text
                .lines()
                .map(|l| l.trim().trim_start_matches("migrations/").to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the set for `which` ("Bad" or "Good") and reviews the example.
fn review_example(page: &Page, which: &str) -> Result<Reviewed, String> {
    let before: Vec<&Block> = page
        .blocks("Before")
        .iter()
        .filter(|b| b.lang == "sql")
        .collect();
    let before_names = names_from(page, "Before file name");
    let mut set = Vec::new();
    let mut files = Vec::new();
    for (i, b) in before.iter().enumerate() {
        let file = before_names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("{BEFORE_DATE}_{:02}_before.sql", i + 1));
        let name = MigrationName::parse(&file).map_err(|e| e.to_string())?;
        let text = file_text(&name, &b.text, &Overrides::default())?;
        files.push((format!("migrations/{file}"), text));
        set.push(name);
    }
    let body = page
        .blocks(which)
        .iter()
        .find(|b| b.lang == "sql")
        .ok_or_else(|| format!("no ```sql block under `## {which}`"))?;
    let file = names_from(page, &format!("{which} file name"))
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("{EXAMPLE_DATE}_{:02}_example.sql", before.len() + 1));
    let name = MigrationName::parse(&file).map_err(|e| e.to_string())?;
    let over = Overrides {
        header: page.block(&format!("{which} header")),
        verify: page.block(&format!("{which} verify")),
        rollback: page.block(&format!("{which} rollback")),
    };
    let text = file_text(&name, &body.text, &over)?;
    files.push((format!("migrations/{file}"), text));
    set.push(name);

    let migrations: Vec<Migration> = set
        .into_iter()
        .zip(&files)
        .map(|(name, (path, text))| {
            Migration::parse(name, text).map_err(|e| format!("{path} does not parse: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let last = migrations.len() - 1;
    let findings = review_set(
        &migrations,
        &[last],
        |m| format!("migrations/{}", m.name.file_name()),
        &options(page)?,
    )
    .into_iter()
    .flat_map(|(_, f)| f)
    .collect();
    Ok(Reviewed { files, findings })
}

/// The review's options for a page: its rule switched on when it is
/// opt-in, and the server of `## Server version` (default: the newest).
fn options(page: &Page) -> Result<Options, String> {
    let mut opts = Options::default();
    if rule(&page.stem).is_some_and(|r| r.opt_in()) {
        opts.enabled.push(page.stem.clone());
    }
    if let Some(b) = page.block("Server version") {
        let major = parse_major(&b.text)
            .ok_or_else(|| format!("`## Server version` says `{}`", b.text.trim()))?;
        opts.target = Target::major(major);
    }
    Ok(opts)
}

fn render(r: &Reviewed, findings: &[Finding]) -> String {
    report::text(findings, |f| r.source_of(f))
}

// ---------------------------------------------------------------------------
// 1. Every rule has a page, every page a rule.

/// Every rule in `ALL` has `docs/rules/<id>.md`, every page names a rule in
/// `ALL`, and each page opens with `# <id>` and `Severity: <severity>.
/// <summary>` as the rule says. The page format is in the doc comment at the
/// top of this file (xtask/tests/it/review_rules.rs).
#[test]
fn every_rule_has_a_page_and_every_page_a_rule() {
    let pages = pages();
    let mut problems = Vec::new();
    let fix = |id: &str| {
        format!(
            "the fix is to write docs/rules/{id}.md in the page format described in the doc comment at the top of xtask/tests/it/review_rules.rs"
        )
    };
    for r in ALL.iter().chain(DYNAMIC) {
        if !pages.iter().any(|p| p.stem == r.id()) {
            problems.push(format!(
                "rule `{}` has no page docs/rules/{}.md: {}",
                r.id(),
                r.id(),
                fix(r.id())
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for r in ALL {
        if !seen.insert(r.id()) {
            problems.push(format!("two rules in ALL have the id `{}`", r.id()));
        }
    }
    for p in &pages {
        let Some(r) = rule(&p.stem) else {
            problems.push(format!(
                "{} names no rule in touchpoint::review::rules::ALL: rename it after a rule id, or remove it",
                p.file()
            ));
            continue;
        };
        let mut lines = p.text.lines();
        let first = lines.next().unwrap_or("");
        if first != format!("# {}", r.id()) {
            problems.push(format!(
                "{}: the first line is `{first}`, expected `# {}`; {}",
                p.file(),
                r.id(),
                fix(r.id())
            ));
        }
        let want = format!("Severity: {}. {}", r.severity().key(), r.summary());
        match p.text.lines().find(|l| l.starts_with("Severity:")) {
            Some(l) if l.trim_end() == want => {}
            Some(l) => problems.push(format!(
                "{}: `{l}` does not match the rule; expected `{want}`",
                p.file()
            )),
            None => problems.push(format!("{}: no `{want}` line; {}", p.file(), fix(r.id()))),
        }
        for section in ["Problem", "Safe alternative", "Bad", "Good"] {
            if !p.sections.iter().any(|(t, _)| t == section) {
                problems.push(format!(
                    "{}: no `## {section}` section; {}",
                    p.file(),
                    fix(r.id())
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) with docs/rules/:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

const INDEX_BEGIN: &str = "<!-- rule index: generated by xtask/tests/it/review_rules.rs; UPDATE_RULE_INDEX=1 cargo test -p touchpoint --test it review_rules rewrites it -->";
const INDEX_END: &str = "<!-- end of rule index -->";

fn rule_index() -> String {
    let mut rules: Vec<&dyn Rule> = ALL.to_vec();
    rules.sort_by_key(|r| r.id());
    let mut out = String::from("| Rule | Severity | What it finds |\n|---|---|---|\n");
    for r in rules {
        writeln!(
            out,
            "| [{id}]({id}.md) | {} | {} |",
            r.severity().key(),
            r.summary().replace('|', "\\|"),
            id = r.id()
        )
        .unwrap();
    }
    out
}

/// docs/rules/README.md lists every rule of `ALL` with its severity and
/// summary, in a table generated from the registry.
#[test]
fn the_rule_index_is_current() {
    let path = rules_dir().join("README.md");
    let text = fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (text.find(INDEX_BEGIN), text.find(INDEX_END)) else {
        panic!("docs/rules/README.md has lost its markers:\n{INDEX_BEGIN}\n...\n{INDEX_END}");
    };
    let current = &text[a + INDEX_BEGIN.len()..b];
    let want = format!("\n{}", rule_index());
    if current == want {
        return;
    }
    if std::env::var_os("UPDATE_RULE_INDEX").is_some() {
        let new = format!("{}{want}{}", &text[..a + INDEX_BEGIN.len()], &text[b..]);
        fs::write(&path, new).unwrap();
        return;
    }
    panic!(
        "the rule index in docs/rules/README.md is out of date with touchpoint::review::rules::ALL; \
         rerun with UPDATE_RULE_INDEX=1 to rewrite it. It should read:\n{want}"
    );
}

// ---------------------------------------------------------------------------
// 2. Every page's examples do what the page says.

/// For every page: Bad gives at least one finding of the page's rule, Good
/// none. All failures are collected and shown at once.
#[test]
fn page_examples_trigger_their_rule() {
    let mut failures = Vec::new();
    for p in pages() {
        let id = p.stem.as_str();
        if is_dynamic(id) {
            continue;
        }
        for which in ["Bad", "Good"] {
            let r = match review_example(&p, which) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{}, {which}: {e}", p.file()));
                    continue;
                }
            };
            let mine = r.of_rule(id);
            let others: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.rule != id)
                .map(|f| format!("{}:{}:{}", f.rule, f.start.line, f.start.col))
                .collect();
            if which == "Bad" && mine.is_empty() {
                failures.push(format!(
                    "{}, Bad: no `{id}` finding (others: [{}]) in\n{}",
                    p.file(),
                    others.join(", "),
                    indent(r.example_text())
                ));
            }
            if which == "Good" && !mine.is_empty() {
                failures.push(format!(
                    "{}, Good: {} `{id}` finding(s):\n{}",
                    p.file(),
                    mine.len(),
                    indent(&render(&r, &mine))
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing example(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}

// ---------------------------------------------------------------------------
// 3. The text report of each rule's Bad example, pinned.

fn snapshot_of(id: &str) -> String {
    let path = rules_dir().join(format!("{id}.md"));
    assert!(path.exists(), "no page docs/rules/{id}.md");
    let page = Page::read(&path);
    let r = review_example(&page, "Bad").unwrap_or_else(|e| panic!("{}: {e}", page.file()));
    let mine = r.of_rule(id);
    assert!(
        !mine.is_empty(),
        "{}: the Bad example gives no `{id}` finding",
        page.file()
    );
    render(&r, &mine)
}

macro_rules! snapshots {
    ($($test:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $test() {
                insta::assert_snapshot!($id, snapshot_of($id));
            }
        )*

        /// Every rule of `ALL` that has a page has a snapshot test above.
        #[test]
        fn every_rule_with_a_page_has_a_snapshot_test() {
            let listed = [$($id),*];
            let missing: Vec<&str> = ALL
                .iter()
                .map(|r| r.id())
                .filter(|id| rules_dir().join(format!("{id}.md")).exists())
                .filter(|id| !listed.contains(id))
                .collect();
            assert!(
                missing.is_empty(),
                "add `snapshot_<id> => \"<id>\",` to snapshots! in xtask/tests/it/review_rules.rs for: {}",
                missing.join(", ")
            );
        }
    };
}

snapshots! {
    snapshot_header_incomplete => "header-incomplete",
    snapshot_duplicate_number => "duplicate-number",
    snapshot_no_emoji => "no-emoji",
    snapshot_affected_tables => "affected-tables",
    snapshot_destructive_without_rollback => "destructive-without-rollback",
    snapshot_verify_missing => "verify-missing",
    snapshot_explicit_transaction => "explicit-transaction",
    snapshot_require_if_not_exists => "require-if-not-exists",
    snapshot_add_column_if_not_exists => "add-column-if-not-exists",
    snapshot_drop_if_exists => "drop-if-exists",
    snapshot_unguarded_create_type => "unguarded-create-type",
    snapshot_unguarded_add_constraint => "unguarded-add-constraint",
    snapshot_when_others => "when-others",
    snapshot_require_or_replace => "require-or-replace",
    snapshot_concurrent_index_needs_drop => "concurrent-index-needs-drop",
    snapshot_concurrently_in_transaction => "concurrently-in-transaction",
    snapshot_index_without_concurrently => "index-without-concurrently",
    snapshot_unknown_ignore => "unknown-ignore",
    snapshot_unused_ignore => "unused-ignore",
    snapshot_ignore_without_reason => "ignore-without-reason",
    snapshot_constraint_not_valid => "constraint-not-valid",
    snapshot_validate_in_same_transaction => "validate-in-same-transaction",
    snapshot_set_not_null => "set-not-null",
    snapshot_add_column_not_null_without_default => "add-column-not-null-without-default",
    snapshot_volatile_default => "volatile-default",
    snapshot_stored_generated_column => "stored-generated-column",
    snapshot_alter_column_type => "alter-column-type",
    snapshot_unique_without_index => "unique-without-index",
    snapshot_missing_lock_timeout => "missing-lock-timeout",
    snapshot_multiple_alters => "multiple-alters",
    snapshot_rename => "rename",
    snapshot_vacuum_full_or_cluster => "vacuum-full-or-cluster",
    snapshot_enum_value_used_in_same_transaction => "enum-value-used-in-same-transaction",
    snapshot_prefer_timestamptz => "prefer-timestamptz",
    snapshot_prefer_text => "prefer-text",
    snapshot_prefer_bigint_keys => "prefer-bigint-keys",
    snapshot_prefer_jsonb => "prefer-jsonb",
    snapshot_identifier_too_long => "identifier-too-long",
    snapshot_foreign_key_without_index => "foreign-key-without-index",
    snapshot_add_column_inline_constraint => "add-column-inline-constraint",
    snapshot_backfill_in_same_transaction => "backfill-in-same-transaction",
    snapshot_add_exclusion_constraint => "add-exclusion-constraint",
    snapshot_detach_partition_without_concurrently => "detach-partition-without-concurrently",
    snapshot_primary_key_using_nullable_index => "primary-key-using-nullable-index",
    snapshot_alter_column_type_dependents => "alter-column-type-dependents",
    snapshot_domain_constraint_not_valid => "domain-constraint-not-valid",
    snapshot_create_domain_with_constraint => "create-domain-with-constraint",
    snapshot_drop_column => "drop-column",
    snapshot_drop_table => "drop-table",
    snapshot_drop_not_null => "drop-not-null",
    snapshot_drop_foreign_key => "drop-foreign-key",
    snapshot_truncate_cascade => "truncate-cascade",
    snapshot_drop_database => "drop-database",
    snapshot_execute_ddl => "execute-ddl",
    snapshot_requires_newer_server => "requires-newer-server",
    snapshot_missing_statement_timeout => "missing-statement-timeout",
    snapshot_prefer_identity => "prefer-identity",
    snapshot_bigint_key_columns => "bigint-key-columns",
    snapshot_enum_value_without_position => "enum-value-without-position",
}

// ---------------------------------------------------------------------------
// Reviewing inline SQL (the lexer and ignore tests)

/// Reviews `body` as the example of a set whose earlier migration is
/// `before` (when not empty), with the default header, verify and rollback.
fn review_body(before: &str, body: &str) -> Reviewed {
    let mut text = String::from("## Before\n");
    if !before.is_empty() {
        write!(text, "```sql\n{}```\n", with_newline(before)).unwrap();
    }
    write!(text, "## Bad\n```sql\n{}```\n", with_newline(body)).unwrap();
    review_example(&Page::parse("inline".into(), text), "Bad").unwrap()
}

fn summary(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}:{}", f.rule, f.start.line, f.start.col))
        .collect()
}

/// Line of `needle`'s first occurrence in the example file (1-based).
fn line_of(r: &Reviewed, needle: &str) -> u32 {
    let text = r.example_text();
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in\n{text}"));
    text[..at].matches('\n').count() as u32 + 1
}

// ---------------------------------------------------------------------------
// 4. SQL inside strings, comments, dollar quotes and quoted identifiers is
//    not SQL.

/// Keeps missing-lock-timeout quiet: these tests are about other things.
const LOCK_TIMEOUT: &str = "SET lock_timeout = '5s';\n\n";

const TABLE: &str = "CREATE TABLE IF NOT EXISTS service_ops.packet (id bigint PRIMARY KEY);";

#[test]
fn keywords_in_strings_comments_bodies_and_identifiers_are_not_statements() {
    let cases: &[(&str, &str)] = &[
        ("a string", "SELECT 'DROP TABLE service_ops.packet; BEGIN; CREATE TYPE t AS ENUM (''a'')' AS note;"),
        ("a string with doubled quotes", "SELECT 'it''s fine; DROP TABLE service_ops.packet; COMMIT;' AS note;"),
        ("an E'' string with escaped quotes", "SELECT E'it\\'s \\'; DROP TABLE service_ops.packet; COMMIT; --' AS note;"),
        ("a line comment", "-- CREATE TABLE service_ops.other (id int);\n-- ALTER TABLE service_ops.packet ADD COLUMN x int;\nSELECT 1;"),
        ("a block comment", "/* DROP TABLE service_ops.packet;\n   /* nested: */ CREATE INDEX i ON service_ops.packet (id); BEGIN;\n*/\nSELECT 1;"),
        ("a comment naming an ignore inside a string", "SELECT '-- review: ignore no-such-rule' AS note;"),
        (
            "a dollar-quoted function body",
            "CREATE OR REPLACE FUNCTION service_ops.purge() RETURNS void LANGUAGE plpgsql AS $fn$\n\
             BEGIN\n\
                 DROP TABLE service_ops.packet;\n\
                 CREATE TABLE service_ops.packet_copy (id int);\n\
                 CREATE TYPE service_ops.status AS ENUM ('a');\n\
                 ALTER TABLE service_ops.packet ADD CONSTRAINT c CHECK (true);\n\
                 EXECUTE $q$ CREATE INDEX i ON service_ops.packet (id) $q$;\n\
                 COMMIT;\n\
             EXCEPTION WHEN OTHERS THEN NULL;\n\
             END\n\
             $fn$;",
        ),
        (
            "a DO block raising a message",
            "DO $$\nBEGIN\n    RAISE NOTICE 'DROP TABLE service_ops.packet; CREATE TYPE x AS ENUM (''a'')';\nEND\n$$;",
        ),
        (
            "quoted identifiers named like keywords",
            "ALTER TABLE service_ops.packet ADD COLUMN IF NOT EXISTS \"drop\" text, ADD COLUMN IF NOT EXISTS \"constraint\" text;\n\
             SELECT \"drop\", \"constraint\" FROM service_ops.packet;\n\
             COMMENT ON COLUMN service_ops.packet.\"drop\" IS 'DROP COLUMN is not run here; BEGIN';",
        ),
    ];
    let mut failures = Vec::new();
    for (what, body) in cases {
        let r = review_body(TABLE, &format!("{LOCK_TIMEOUT}{body}"));
        if !r.findings.is_empty() {
            failures.push(format!(
                "{what}: expected no finding, got:\n{}",
                indent(&render(&r, &r.findings))
            ));
        }
    }
    // All of them in one file.
    let all: Vec<&str> = cases.iter().map(|(_, b)| *b).collect();
    let r = review_body(TABLE, &format!("{LOCK_TIMEOUT}{}", all.join("\n\n")));
    if !r.findings.is_empty() {
        failures.push(format!(
            "all cases in one body: expected no finding, got:\n{}",
            indent(&render(&r, &r.findings))
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `WHEN OTHERS` in a comment or a string inside a DO block is not an
/// exception handler.
#[test]
fn when_others_in_a_comment_or_string_of_a_do_block_is_not_a_handler() {
    let r = review_body(
        TABLE,
        "DO $$\n\
         BEGIN\n\
             -- Catch only the duplicate, never WHEN OTHERS.\n\
             RAISE NOTICE 'no WHEN OTHERS here';\n\
             CREATE TYPE service_ops.packet_priority AS ENUM ('LOW', 'HIGH');\n\
         EXCEPTION\n\
             WHEN duplicate_object THEN NULL;\n\
         END\n\
         $$;",
    );
    assert!(
        r.findings.is_empty(),
        "expected no finding, got:\n{}",
        render(&r, &r.findings)
    );
}

/// The same statements outside the quotes are found (the test above is not
/// passing because the rules find nothing at all).
#[test]
fn the_same_sql_outside_quotes_is_found() {
    let r = review_body(
        TABLE,
        "DROP TABLE service_ops.packet;\nBEGIN;\nCREATE TYPE service_ops.status AS ENUM ('a');",
    );
    let rules: BTreeSet<&str> = r.findings.iter().map(|f| f.rule).collect();
    for want in [
        "drop-if-exists",
        "explicit-transaction",
        "unguarded-create-type",
    ] {
        assert!(
            rules.contains(want),
            "no {want} in {:?}",
            summary(&r.findings)
        );
    }
}

// ---------------------------------------------------------------------------
// 5. Ignore comments.

const INDEXED: &str = "CREATE TABLE IF NOT EXISTS service_ops.packet (id bigint PRIMARY KEY, region text, status text);";

/// `body` after INDEXED, with a lock_timeout set first.
fn review_indexed(body: &str) -> Reviewed {
    review_body(INDEXED, &format!("{LOCK_TIMEOUT}{body}"))
}

#[test]
fn a_line_ignore_silences_exactly_that_finding_of_the_statement_below() {
    let r = review_indexed(
        "-- review: ignore index-without-concurrently -- the table holds 40 rows\n\
         CREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);\n\
         CREATE INDEX IF NOT EXISTS idx_packet_status ON service_ops.packet (status);",
    );
    assert_eq!(
        summary(&r.findings),
        vec![format!(
            "index-without-concurrently {}:1",
            line_of(&r, "CREATE INDEX IF NOT EXISTS idx_packet_status")
        )],
        "only the second index is reported"
    );

    // Another rule's finding on the ignored statement stays.
    let r = review_indexed(
        "-- review: ignore index-without-concurrently -- the table holds 40 rows\n\
         CREATE INDEX idx_packet_region ON service_ops.packet (region);",
    );
    assert_eq!(
        summary(&r.findings),
        vec![format!(
            "require-if-not-exists {}:1",
            line_of(&r, "CREATE INDEX idx_packet_region")
        )]
    );
}

#[test]
fn an_ignore_without_a_reason_is_a_finding_and_silences_nothing() {
    for comment in [
        "-- review: ignore index-without-concurrently",
        "-- review: ignore index-without-concurrently --",
        "-- review: ignore index-without-concurrently --   ",
    ] {
        let r = review_indexed(&format!(
            "{comment}\nCREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);"
        ));
        let ignore_line = line_of(&r, "-- review:");
        assert_eq!(
            summary(&r.findings),
            vec![
                format!("ignore-without-reason {ignore_line}:1"),
                format!("index-without-concurrently {}:1", ignore_line + 1),
            ],
            "{comment:?}"
        );
    }
}

#[test]
fn an_ignore_of_an_unknown_rule_is_a_finding() {
    let r = review_indexed(
        "-- review: ignore index-without-concurrency -- a typo in the id\n\
         CREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);",
    );
    let ignore_line = line_of(&r, "-- review:");
    assert_eq!(
        summary(&r.findings),
        vec![
            format!("unknown-ignore {ignore_line}:1"),
            format!("index-without-concurrently {}:1", ignore_line + 1),
        ]
    );
    assert!(r.findings[0].message.contains("index-without-concurrency"));
}

#[test]
fn an_ignore_that_silences_nothing_is_a_warning() {
    // Nothing to silence on the statement below.
    let r = review_indexed(
        "-- review: ignore drop-if-exists -- kept from an older version\n\
         CREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);\n\
         SELECT 1;",
    );
    let ignore_line = line_of(&r, "-- review:");
    assert_eq!(
        summary(&r.findings),
        vec![
            format!("unused-ignore {ignore_line}:1"),
            format!("index-without-concurrently {}:1", ignore_line + 1),
        ]
    );
    assert_eq!(
        r.findings[0].severity,
        touchpoint::review::Severity::Warning
    );

    // A line ignore covers only the next statement, not the one after it.
    let r = review_indexed(
        "-- review: ignore index-without-concurrently -- too far up\n\
         SELECT 1;\n\
         CREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);",
    );
    let ignore_line = line_of(&r, "-- review:");
    assert_eq!(
        summary(&r.findings),
        vec![
            format!("unused-ignore {ignore_line}:1"),
            format!("index-without-concurrently {}:1", ignore_line + 2),
        ]
    );

    // A file ignore that silences nothing in the file.
    let r =
        review_indexed("-- review: ignore-file drop-if-exists -- nothing is dropped\nSELECT 1;");
    assert_eq!(
        summary(&r.findings),
        vec![format!("unused-ignore {}:1", line_of(&r, "-- review:"))]
    );
    assert!(
        r.findings[0].message.contains("in this file"),
        "{}",
        r.findings[0].message
    );
}

#[test]
fn a_file_ignore_silences_the_rule_in_the_whole_file() {
    let body = "CREATE INDEX IF NOT EXISTS idx_packet_region ON service_ops.packet (region);\n\
                SELECT 1;\n\
                CREATE INDEX idx_packet_status ON service_ops.packet (status);";
    let r = review_indexed(body);
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule == "index-without-concurrently")
            .count(),
        2,
        "{:?}",
        summary(&r.findings)
    );

    let r = review_indexed(
        &format!(
            "{body}\n\n-- review: ignore-file index-without-concurrently -- service_ops.packet is empty until the Q3 import\n"
        ),
    );
    assert_eq!(
        summary(&r.findings),
        vec![format!(
            "require-if-not-exists {}:1",
            line_of(&r, "CREATE INDEX idx_packet_status")
        )],
        "both index findings are gone, the other rule's stays"
    );

    // Without a reason it silences nothing.
    let r = review_indexed(&format!(
        "-- review: ignore-file index-without-concurrently\n{body}"
    ));
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec![
            "ignore-without-reason",
            "index-without-concurrently",
            "index-without-concurrently",
            "require-if-not-exists",
        ]
    );
}
