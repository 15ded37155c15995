//! `hook pre-commit` and `hook install|uninstall` through the real binary,
//! on real git repositories made with git2 in temp dirs: one test per block
//! (blocked, and the message names the fix), the compliant paths, partial
//! staging, `--all`, the formats, and `.githooks/pre-commit` run by a real
//! `git commit`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{assert_code, repo_root, stderr, stdout};
use chrono::NaiveDate;
use git2::{IndexAddOption, Repository, Signature};
use serde_json::Value;
use touchpoint::migration::header::set_stamp;
use touchpoint::migration::render::{new_migration, NewFields};
use touchpoint::migration::{Migration, MigrationName, Touchpoint};
use touchpoint::schema::banner::with_banner;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The binary on `dir`, outside any git hook's environment.
fn run(dir: &Path, args: &[&str]) -> Output {
    crate::support::xtask(dir, args)
}

/// A migration file as `migration new` writes it, every field filled in,
/// creating `service_ops.<table>`: clean under every review rule.
fn clean_text(name: &MigrationName, table: &str) -> String {
    let fields = NewFields {
        title: name.slug.replace('_', " "),
        issue: Some("SO-7 packets need a place".into()),
        problem: Some("The table is missing.".into()),
        solution: Some("Create it.".into()),
        tables: vec![format!("service_ops.{table}")],
    };
    let (body, verify, rollback) = create_table_sql(table);
    with_sql(
        &new_migration(&fields, name.date),
        &body,
        &verify,
        &rollback,
    )
}

/// Body, verify and rollback SQL creating `service_ops.<table>`.
fn create_table_sql(table: &str) -> (String, String, String) {
    (
        format!(
            "CREATE SCHEMA IF NOT EXISTS service_ops;\n\n\
             CREATE TABLE IF NOT EXISTS service_ops.{table} (\n    \
             id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
             status text NOT NULL\n);\n"
        ),
        format!(
            "SELECT 'service_ops.{table} exists' AS check_name,\n       \
             CASE WHEN to_regclass('service_ops.{table}') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END AS result;\n"
        ),
        format!("DROP TABLE IF EXISTS service_ops.{table};\n"),
    )
}

/// Puts SQL into the sections of a file `migration new` wrote.
fn with_sql(rendered: &str, body: &str, verify: &str, rollback: &str) -> String {
    let (head, _) = rendered.split_once("\n\n-- migrate:verify").unwrap();
    format!("{head}\n{body}\n-- migrate:verify\n{verify}\n-- migrate:rollback\n{rollback}")
}

/// Ticks `tp` the way the tool does: today, with the file's checksum.
fn tick(text: &str, file_name: &str, tp: Touchpoint) -> String {
    let m = Migration::parse(MigrationName::parse(file_name).unwrap(), text).unwrap();
    set_stamp(text, tp, today(), &m.checksum).unwrap()
}

struct Repo {
    dir: tempfile::TempDir,
    git: Repository,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        fs::create_dir(dir.path().join("migrations")).unwrap();
        Repo { dir, git }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path().join(rel)).unwrap()
    }

    /// Writes migration NN creating `table`, clean but not reviewed.
    fn migration(&self, nn: u32, slug: &str, table: &str) -> String {
        let name = MigrationName::new(today(), nn, slug);
        let rel = format!("migrations/{}", name.file_name());
        self.write(&rel, &clean_text(&name, table));
        rel
    }

    fn tick(&self, rel: &str, tp: Touchpoint) {
        let file = rel.rsplit('/').next().unwrap();
        self.write(rel, &tick(&self.read(rel), file, tp));
    }

    /// `migration review --static-only rel` (ticks Reviewed when clean).
    fn review(&self, rel: &str) {
        let o = run(self.path(), &["migration", "review", "--static-only", rel]);
        assert_code(&o, 0);
    }

    /// Writes sync's output as sync will: a generated file and the Synced
    /// stamp, with the SOURCE OF TRUTH line naming the file.
    fn sync(&self, rel: &str, schema_sql: &str) {
        self.write(
            "current_schema/01_service_ops.sql",
            &with_banner(schema_sql),
        );
        let text = self.read(rel).replace(
            "[ ] current_schema/ (filled in by `cargo xtask migration sync`)",
            "[x] current_schema/01_service_ops.sql (Line 6: service_ops tables)",
        );
        self.write(rel, &text);
        self.tick(rel, Touchpoint::Synced);
    }

    /// `git add` of each path (a deleted file is removed from the index).
    fn add(&self, rels: &[&str]) {
        let mut index = self.git.index().unwrap();
        for rel in rels {
            if self.path().join(rel).is_dir() {
                index
                    .add_all([*rel], IndexAddOption::DEFAULT, None)
                    .unwrap();
            } else if self.path().join(rel).exists() {
                index.add_path(Path::new(rel)).unwrap();
            } else {
                index.remove_path(Path::new(rel)).unwrap();
            }
        }
        index.write().unwrap();
    }

    /// Commits the index as it is, without any hook (like --no-verify).
    fn commit(&self, message: &str) -> git2::Oid {
        let mut index = self.git.index().unwrap();
        let tree = self.git.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::now("Test", "test@example.com").unwrap();
        let parent = self.git.head().ok().map(|h| h.peel_to_commit().unwrap());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.git
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    fn hook(&self, args: &[&str]) -> Output {
        let mut all = vec!["hook", "pre-commit"];
        all.extend_from_slice(args);
        run(self.path(), &all)
    }

    /// Runs the hook, asserts it blocks with `rule` on `file`, and returns
    /// the fix it printed for that block.
    fn blocked(&self, rule: &str, file: &str) -> String {
        let o = self.hook(&[]);
        assert_code(&o, 1);
        let out = stdout(&o);
        let mut lines = out.lines();
        while let Some(line) = lines.next() {
            if line.starts_with(&format!("error[{rule}]: {file}")) {
                let fix = lines.next().unwrap();
                return fix
                    .strip_prefix("  fix: ")
                    .unwrap_or_else(|| panic!("no fix line after {line}:\n{out}"))
                    .to_string();
            }
        }
        panic!("no {rule} block on {file} in:\n{out}");
    }

    /// HEAD's text of `rel`.
    fn git_head_text(&self, rel: &str) -> String {
        let tree = self.git.head().unwrap().peel_to_tree().unwrap();
        let blob = tree
            .get_path(Path::new(rel))
            .unwrap()
            .to_object(&self.git)
            .unwrap()
            .peel_to_blob()
            .unwrap();
        String::from_utf8(blob.content().to_vec()).unwrap()
    }

    fn passes(&self) -> String {
        let o = self.hook(&[]);
        assert_code(&o, 0);
        stdout(&o)
    }

    /// A committed, reviewed, executed and synced migration 01.
    fn with_synced_01() -> (Repo, String) {
        let r = Repo::new();
        let rel = r.migration(1, "create_packet", "packet");
        r.review(&rel);
        r.tick(&rel, Touchpoint::Executed);
        r.sync(&rel, "CREATE TABLE service_ops.packet (id bigint);\n");
        r.add(&[&rel, "current_schema"]);
        r.passes();
        r.commit("01");
        (r, rel)
    }
}

#[test]
fn blocks_a_file_name_that_breaks_the_grammar() {
    let r = Repo::new();
    let rel = "migrations/2026-11-22-add-Region.sql";
    r.write(rel, "SELECT 1;\n");
    r.add(&[rel]);
    let fix = r.blocked("hook/name-grammar", rel);
    assert_eq!(
        fix,
        format!("git mv {rel} migrations/2026-11-22_01_add_region.sql")
    );
}

#[test]
fn blocks_a_number_already_used_on_a_merged_branch() {
    let r = Repo::new();
    let first = r.migration(1, "create_packet", "packet");
    r.review(&first);
    r.add(&[&first]);
    let base = r.commit("01");
    let main_ref = r.git.head().unwrap().name().unwrap().to_string();

    // feature adds 02_note and is committed there.
    let base_commit = r.git.find_commit(base).unwrap();
    r.git.branch("feature", &base_commit, false).unwrap();
    r.git.set_head("refs/heads/feature").unwrap();
    let theirs = r.migration(2, "create_note", "note");
    r.review(&theirs);
    r.add(&[&theirs]);
    let feature = r.commit("02 on feature");

    // main adds its own 02_region meanwhile.
    r.git.set_head(&main_ref).unwrap();
    r.git
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
    assert!(!r.path().join(&theirs).exists());
    let ours = r.migration(2, "create_region", "region");
    r.review(&ours);
    r.add(&[&ours]);
    r.commit("02 on main");
    assert!(r.passes().is_empty(), "nothing is staged");

    // The merge stages only feature's file; the clash is with a file that
    // is not staged, so only a check of the whole tree sees it.
    let annotated = r.git.find_annotated_commit(feature).unwrap();
    r.git.merge(&[&annotated], None, None).unwrap();
    let fix = r.blocked("hook/duplicate-number", &theirs);
    let renamed = theirs.replace("_02_", "_03_");
    assert!(
        fix.starts_with(&format!(
            "cargo xtask migration renumber {theirs}  (renames it to {renamed}"
        )),
        "{fix}"
    );
    let o = r.hook(&[]);
    assert!(stdout(&o).contains(&format!("is also used by {ours}")));
}

#[test]
fn blocks_an_error_of_the_static_review() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    // CREATE TABLE without IF NOT EXISTS: review refuses to stamp it, so
    // the stamp is ticked the way a hand would copy it.
    r.write(&rel, &r.read(&rel).replace("TABLE IF NOT EXISTS", "TABLE"));
    r.tick(&rel, Touchpoint::Reviewed);
    r.add(&[&rel]);
    let fix = r.blocked("hook/review-error", &rel);
    assert!(fix.contains("docs/rules/require-if-not-exists.md"), "{fix}");
    assert!(
        fix.ends_with(&format!(
            "then: cargo xtask migration review {rel} && git add {rel}"
        )),
        "{fix}"
    );
}

#[test]
fn blocks_an_incomplete_header() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    let text = r.read(&rel);
    let issue = text.lines().find(|l| l.starts_with("-- Issue:")).unwrap();
    r.write(&rel, &text.replace(issue, "-- Issue:"));
    r.tick(&rel, Touchpoint::Reviewed);
    r.add(&[&rel]);
    let fix = r.blocked("hook/header-incomplete", &rel);
    assert!(fix.contains("fill in Migration, Date"), "{fix}");
    assert!(fix.contains(&format!("cargo xtask migration review {rel}")));
}

#[test]
fn blocks_an_unreviewed_migration_until_the_fix_is_run() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.add(&[&rel]);
    let fix = r.blocked("hook/not-reviewed", &rel);
    assert_eq!(
        fix,
        format!("cargo xtask migration review {rel} && git add {rel}")
    );
    r.review(&rel);
    r.add(&[&rel]);
    r.passes();
}

#[test]
fn blocks_a_migration_edited_after_review() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.write(&rel, &r.read(&rel).replace("status text", "state text"));
    r.add(&[&rel]);
    let fix = r.blocked("hook/edited-after-review", &rel);
    assert_eq!(
        fix,
        format!("cargo xtask migration review {rel} && git add {rel}")
    );
    r.review(&rel);
    r.add(&[&rel]);
    r.passes();
}

#[test]
fn blocks_a_change_to_an_executed_migration() {
    let (r, rel) = Repo::with_synced_01();
    r.write(&rel, &r.read(&rel).replace("status text", "state text"));
    r.add(&[&rel]);
    let fix = r.blocked("hook/executed-changed", &rel);
    assert!(
        fix.starts_with(&format!("git checkout HEAD -- {rel}, then put the change in a new migration: cargo xtask migration new")),
        "{fix}"
    );
    // The fix: restore the committed text.
    r.git
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force().path(&rel)))
        .unwrap();
    let mut index = r.git.index().unwrap();
    index.read(true).unwrap();
    assert!(r.passes().is_empty());
}

#[test]
fn blocks_an_executed_migration_that_is_not_synced() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.tick(&rel, Touchpoint::Executed);
    r.add(&[&rel]);
    let fix = r.blocked("hook/not-synced", &rel);
    assert_eq!(
        fix,
        format!("cargo xtask migration sync --for 01 && git add {rel} current_schema/")
    );
}

#[test]
fn blocks_sync_output_that_is_not_staged() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.tick(&rel, Touchpoint::Executed);
    r.sync(&rel, "CREATE TABLE service_ops.packet (id bigint);\n");
    r.add(&[&rel]);
    // Written by sync but left out of the index.
    let fix = r.blocked(
        "hook/schema-not-staged",
        "current_schema/01_service_ops.sql",
    );
    assert_eq!(fix, "git add current_schema/");
    // Named by the migration, and gone from the working tree too: sync again.
    let generated = r.read("current_schema/01_service_ops.sql");
    fs::remove_file(r.path().join("current_schema/01_service_ops.sql")).unwrap();
    let fix = r.blocked("hook/schema-not-staged", &rel);
    assert_eq!(
        fix,
        format!("cargo xtask migration sync --for 01 && git add {rel} current_schema/")
    );
    r.write("current_schema/01_service_ops.sql", &generated);
    r.add(&["current_schema"]);
    r.passes();

    // Staged once, then regenerated and not staged again.
    r.write(
        "current_schema/01_service_ops.sql",
        &with_banner("CREATE TABLE service_ops.packet (id bigint, note text);\n"),
    );
    let fix = r.blocked(
        "hook/schema-not-staged",
        "current_schema/01_service_ops.sql",
    );
    assert_eq!(fix, "git add current_schema/");
}

#[test]
fn blocks_a_schema_file_edited_by_hand() {
    let (r, _) = Repo::with_synced_01();
    let file = "current_schema/01_service_ops.sql";
    r.write(
        file,
        &r.read(file).replace("(id bigint)", "(id bigint, x int)"),
    );
    r.add(&[file]);
    let fix = r.blocked("hook/schema-hand-edited", file);
    assert!(
        fix.starts_with("cargo xtask migration sync && git add current_schema/ (or drop the edit: git checkout HEAD -- current_schema/01_service_ops.sql)"),
        "{fix}"
    );
    // A file without the banner was not written by sync either.
    r.write("current_schema/02_extra.sql", "CREATE TABLE t ();\n");
    r.add(&["current_schema/02_extra.sql"]);
    let fix = r.blocked("hook/schema-hand-edited", "current_schema/02_extra.sql");
    assert!(fix.starts_with("cargo xtask migration sync && git add current_schema/"));
}

#[test]
fn blocks_a_forged_stamp() {
    // Ticked by hand: no date, no checksum.
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.write(&rel, &r.read(&rel).replace("[ ] Reviewed", "[x] Reviewed"));
    r.add(&[&rel]);
    let fix = r.blocked("hook/forged-stamp", &rel);
    assert_eq!(
        fix,
        format!("cargo xtask migration review {rel} && git add {rel}")
    );

    // An Executed stamp whose checksum is neither the staged SQL's nor the
    // committed SQL's: no command wrote it on this file.
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.add(&[&rel]);
    r.commit("01 reviewed");
    let copied = format!(
        "[x] Executed {} sha256:0123456789ab",
        today().format("%Y-%m-%d")
    );
    r.write(&rel, &r.read(&rel).replace("[ ] Executed", &copied));
    r.add(&[&rel]);
    let fix = r.blocked("hook/forged-stamp", &rel);
    assert!(fix.contains("cargo xtask migration apply"), "{fix}");
    let o = r.hook(&[]);
    assert!(
        stdout(&o).contains("neither the staged SQL"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn new_review_commit_is_never_blocked() {
    let r = Repo::new();
    let o = run(
        r.path(),
        &[
            "migration",
            "new",
            "Create packet",
            "--issue",
            "SO-7 packets need a place",
            "--problem",
            "The table is missing.",
            "--solution",
            "Create it.",
            "--tables",
            "service_ops.packet",
        ],
    );
    assert_code(&o, 0);
    let rel = stdout(&o).trim().to_string();
    // Keep the header `new` wrote; put the SQL in.
    let (body, verify, rollback) = create_table_sql("packet");
    r.write(&rel, &with_sql(&r.read(&rel), &body, &verify, &rollback));
    r.review(&rel);
    r.add(&[&rel]);
    let out = r.passes();
    assert!(
        out.contains("1 migration and 0 current_schema/ files checked: 0 blocks"),
        "{out}"
    );
    r.commit("01");
    assert_eq!(r.passes(), "", "nothing staged: the hook says nothing");
}

#[test]
fn apply_sync_commit_is_never_blocked() {
    let pg = touchpoint::pg::Throwaway::start().unwrap();
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.add(&[&rel]);
    r.passes();
    r.commit("01 reviewed");

    let o = crate::support::xtask_db(r.path(), &pg.url(), &["migration", "apply"]);
    assert_code(&o, 0);
    let m = Migration::parse(
        MigrationName::parse(rel.trim_start_matches("migrations/")).unwrap(),
        &r.read(&rel),
    )
    .unwrap();
    assert!(matches!(
        m.stamp_state(Touchpoint::Executed),
        touchpoint::migration::StampState::Current(_)
    ));
    // Executed and committed alone: sync is the step left.
    r.add(&[&rel]);
    r.blocked("hook/not-synced", &rel);

    // The real sync: current_schema/ from the database, SOURCE OF TRUTH
    // lines, the Synced stamp.
    let o = crate::support::xtask_db(
        r.path(),
        &pg.url(),
        &["migration", "sync", "--shadow-url", &pg.url()],
    );
    assert_code(&o, 0);
    assert!(r.read(&rel).contains("--   [x] current_schema/"));
    // Sync's output left unstaged is caught; staged, the commit passes.
    r.add(&[&rel]);
    r.blocked("hook/schema-not-staged", "current_schema/");
    r.add(&[&rel, "current_schema"]);
    let out = r.passes();
    assert!(out.contains("0 blocks"), "{out}");
    r.commit("01 executed and synced");
    assert_eq!(r.passes(), "");
    let o = r.hook(&["--all"]);
    assert_code(&o, 0);
}

#[test]
fn partial_staging_is_judged_by_the_index() {
    // Staged: reviewed. Working tree: edited since. The commit holds the
    // reviewed text, so it passes.
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.review(&rel);
    r.add(&[&rel]);
    r.write(&rel, &r.read(&rel).replace("status text", "state text"));
    r.passes();

    // Staged: not reviewed. Working tree: reviewed but not added. The
    // commit would hold the unreviewed text, so it is blocked.
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.add(&[&rel]);
    r.review(&rel);
    let fix = r.blocked("hook/not-reviewed", &rel);
    assert!(fix.ends_with(&format!("git add {rel}")));
}

#[test]
fn all_checks_the_whole_tree() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.add(&[&rel]);
    r.commit("committed with --no-verify");
    assert_eq!(r.passes(), "", "nothing is staged");
    let o = r.hook(&["--all"]);
    assert_code(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("error[hook/not-reviewed]: {rel}")),
        "{out}"
    );
    assert!(out.contains("(the whole tree)"), "{out}");
}

#[test]
fn warnings_are_shown_and_do_not_block() {
    let r = Repo::new();
    let first = r.migration(1, "create_packet", "packet");
    r.review(&first);
    r.add(&[&first]);
    r.commit("01");
    let name = MigrationName::new(today(), 2, "index_packet_status");
    let rel = format!("migrations/{}", name.file_name());
    let fields = NewFields {
        title: "index packet status".into(),
        issue: Some("SO-8 slow status filter".into()),
        problem: Some("Filtering by status scans.".into()),
        solution: Some("Index it.".into()),
        tables: vec!["service_ops.packet".into()],
    };
    r.write(
        &rel,
        &with_sql(
            &new_migration(&fields, name.date),
            "SET lock_timeout = '5s';\nCREATE INDEX IF NOT EXISTS idx_packet_status ON service_ops.packet (status);\n",
            "SELECT 'idx exists', CASE WHEN to_regclass('service_ops.idx_packet_status') IS NOT NULL THEN 'PASS' ELSE 'FAIL' END;\n",
            "DROP INDEX IF EXISTS service_ops.idx_packet_status;\n",
        ),
    );
    r.review(&rel);
    r.add(&[&rel]);
    let out = r.passes();
    assert!(
        out.contains(&format!("warning[index-without-concurrently]: {rel}:")),
        "{out}"
    );
    assert!(out.contains("0 blocks, 1 warning"), "{out}");
}

#[test]
fn json_and_github_formats() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    r.add(&[&rel]);
    let o = r.hook(&["--format", "json"]);
    assert_code(&o, 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["blocked"], true);
    assert_eq!(v["migrations_checked"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "hook/not-reviewed");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], rel.as_str());
    assert!(f["line"].as_u64().unwrap() > 1);
    assert_eq!(
        f["fix"],
        format!("cargo xtask migration review {rel} && git add {rel}").as_str()
    );

    let o = r.hook(&["--format", "github", "--all"]);
    assert_code(&o, 1);
    let out = stdout(&o);
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("::error file={rel},line=")),
        "{line}"
    );
    assert!(line.contains("title=hook/not-reviewed::"), "{line}");
    assert!(
        line.contains("(fix%3A cargo") || line.contains("(fix: cargo"),
        "{line}"
    );
}

#[test]
fn a_project_in_a_subdirectory_names_paths_from_the_top() {
    let r = Repo::new();
    let project = r.path().join("db");
    fs::create_dir_all(project.join("migrations")).unwrap();
    let name = MigrationName::new(today(), 1, "create_packet");
    let rel = format!("db/migrations/{}", name.file_name());
    r.write(&rel, &clean_text(&name, "packet"));
    r.add(&[&rel]);
    let o = run(&project, &["hook", "pre-commit"]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains(&format!("error[hook/not-reviewed]: {rel}:"))
            && stdout(&o).contains(&format!(
                "fix: cargo xtask migration review {rel} && git add {rel}"
            )),
        "{}",
        stdout(&o)
    );
    assert_code(
        &run(&project, &["migration", "review", "--static-only", &rel]),
        0,
    );
    r.add(&[&rel]);
    assert_code(&run(&project, &["hook", "pre-commit"]), 0);
}

#[test]
fn outside_a_git_repository_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["hook", "pre-commit"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("is not in a git repository"),
        "{}",
        stderr(&o)
    );
}

fn hooks_path(r: &Repo) -> Option<String> {
    let config = Repository::open(r.path()).unwrap().config().unwrap();
    config.get_string("core.hooksPath").ok()
}

#[test]
fn hooks_install_and_uninstall_set_and_unset_core_hooks_path() {
    let r = Repo::new();
    // A repository without .githooks/pre-commit gets touchpoint's script.
    let o = run(r.path(), &["hooks", "install"]);
    assert_code(&o, 0);
    let script = r.path().join(".githooks/pre-commit");
    assert_eq!(
        fs::read_to_string(&script).unwrap(),
        touchpoint::hook::install::PRE_COMMIT
    );
    assert_ne!(
        std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&script).unwrap().permissions())
            & 0o111,
        0,
        "the written hook is executable"
    );
    assert!(
        stdout(&o).contains("set core.hooksPath = .githooks in ")
            && stdout(&o).contains("(it was unset)"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("undo: cargo xtask hook uninstall"));
    assert_eq!(hooks_path(&r).as_deref(), Some(".githooks"));
    let o = run(r.path(), &["hooks", "install"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("already"), "{}", stdout(&o));

    let o = run(r.path(), &["hooks", "uninstall"]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("removed core.hooksPath"),
        "{}",
        stdout(&o)
    );
    assert_eq!(hooks_path(&r), None);
    let o = run(r.path(), &["hooks", "uninstall"]);
    assert!(stdout(&o).contains("nothing to undo"), "{}", stdout(&o));

    // Another manager's setting is not taken over silently.
    r.git
        .config()
        .unwrap()
        .set_str("core.hooksPath", ".husky")
        .unwrap();
    let o = run(r.path(), &["hooks", "install"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = run(r.path(), &["hooks", "uninstall"]);
    assert!(stdout(&o).contains("left alone"));
    assert_eq!(hooks_path(&r).as_deref(), Some(".husky"));
    let o = run(r.path(), &["hooks", "install", "--force"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("(it was `.husky`)"), "{}", stdout(&o));
    assert_eq!(hooks_path(&r).as_deref(), Some(".githooks"));
}

/// `git ...` in `r` with `path` as PATH and a bare environment.
fn git(r: &Repo, path: &str, args: &[&str]) -> Output {
    Command::new(git_exe().unwrap())
        .args(args)
        .current_dir(r.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", r.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("XTASK_BIN", env!("CARGO_BIN_EXE_touchpoint"))
        .env("TOUCHPOINT_PROJECT_DIR", r.path())
        .output()
        .expect("git runs")
}

fn git_exe() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("git"))
            .find(|p| p.is_file())
    })
}

#[test]
fn the_script_blocks_a_real_git_commit() {
    let Some(git_path) = git_exe() else {
        eprintln!("skipped: git is not installed (.ci/setup installs it)");
        return;
    };
    let r = Repo::new();
    assert_code(&run(r.path(), &["hooks", "install"]), 0);
    // A `cargo` that runs the binary under test, as `cargo xtask` would.
    let bin = r.path().join(".bin");
    fs::create_dir(&bin).unwrap();
    let cargo = bin.join("cargo");
    fs::write(
        &cargo,
        "#!/bin/sh\n[ \"$1\" = xtask ] || exit 99\nshift\nexec \"$XTASK_BIN\" \"$@\"\n",
    )
    .unwrap();
    fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let system = format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        git_path.parent().unwrap().display()
    );
    let path = format!("{}:{system}", bin.display());
    fs::write(r.path().join(".gitignore"), ".bin/\n").unwrap();

    let rel = r.migration(1, "create_packet", "packet");
    let o = git(&r, &path, &["add", "."]);
    assert_code(&o, 0);
    let o = git(&r, &path, &["commit", "-m", "01 unreviewed"]);
    assert_code(&o, 1);
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        said.contains(&format!("error[hook/not-reviewed]: {rel}")),
        "{said}"
    );
    assert!(
        said.contains(&format!("fix: cargo xtask migration review {rel}")),
        "{said}"
    );
    assert!(r.git.head().is_err(), "nothing was committed");

    r.review(&rel);
    assert_code(&git(&r, &path, &["add", &rel]), 0);
    let o = git(&r, &path, &["commit", "-m", "01 reviewed"]);
    assert_code(&o, 0);

    // `git commit -a` commits through a temporary index (GIT_INDEX_FILE):
    // the edit made after review is in it, and is caught.
    r.write(&rel, &r.read(&rel).replace("status text", "state text"));
    let o = git(&r, &path, &["commit", "-a", "-m", "edited"]);
    assert_code(&o, 1);
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(said.contains("error[hook/edited-after-review]"), "{said}");

    // Without cargo the script says what to install.
    if !Path::new("/usr/bin/cargo").exists() && !Path::new("/usr/local/bin/cargo").exists() {
        let o = git(&r, &system, &["commit", "-a", "-m", "edited"]);
        assert_code(&o, 1);
        assert!(
            stderr(&o).contains("install Rust with rustup"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn the_repositorys_hook_script_is_the_one_touchpoint_writes() {
    let committed = fs::read_to_string(repo_root().join(".githooks/pre-commit")).unwrap();
    assert_eq!(
        committed,
        touchpoint::hook::install::PRE_COMMIT,
        ".githooks/pre-commit differs from xtask/templates/pre-commit: copy the template over it"
    );
}

#[test]
fn docs_describe_every_rule() {
    let doc = fs::read_to_string(repo_root().join("docs/hook.md")).unwrap();
    for (id, _) in touchpoint::hook::RULES {
        assert!(
            doc.contains(&format!("`{id}`")),
            "docs/hook.md does not describe `{id}`"
        );
    }
}

#[test]
fn an_executed_migration_is_deleted_only_when_retired() {
    let (r, rel) = Repo::with_synced_01();
    fs::remove_file(r.path().join(&rel)).unwrap();
    r.add(&[&rel]);
    let fix = r.blocked("hook/executed-deleted", &rel);
    assert!(
        fix.starts_with(&format!("restore it: git checkout HEAD -- {rel}")),
        "{fix}"
    );
    assert!(
        fix.contains(&format!("cargo xtask migration retire {rel} --reason")),
        "{fix}"
    );

    // Retired on purpose: the same deletion passes, with the record staged.
    fs::write(r.path().join(&rel), r.git_head_text(&rel)).unwrap();
    r.add(&[&rel]);
    r.passes();
    let o = run(
        r.path(),
        &["migration", "retire", &rel, "--reason", "replaced by 02"],
    );
    assert_code(&o, 0);
    assert!(stdout(&o).contains("migration repair"), "{}", stdout(&o));
    assert!(!r.path().join(&rel).exists());
    let retired = r.read("migrations/RETIRED");
    assert!(retired.contains("replaced by 02"), "{retired}");
    // Staging the deletion alone, without the record, is still blocked.
    r.add(&[&rel]);
    r.blocked("hook/executed-deleted", &rel);
    r.add(&["migrations/RETIRED"]);
    r.passes();
}

#[test]
fn an_executed_migration_is_not_renamed_but_an_unexecuted_one_is() {
    let (r, rel) = Repo::with_synced_01();
    let renamed = rel.replace("create_packet", "create_packets");
    fs::rename(r.path().join(&rel), r.path().join(&renamed)).unwrap();
    r.add(&[&rel, &renamed]);
    let fix = r.blocked("hook/executed-renamed", &renamed);
    assert!(fix.starts_with(&format!("git mv {renamed} {rel}")), "{fix}");
    fs::rename(r.path().join(&renamed), r.path().join(&rel)).unwrap();
    r.add(&[&rel, &renamed]);
    r.passes();

    // 02, reviewed and committed but never executed, may be renamed.
    let two = r.migration(2, "create_note", "note");
    r.review(&two);
    r.add(&[&two]);
    r.passes();
    r.commit("02");
    let moved = two.replace("_02_", "_07_");
    fs::rename(r.path().join(&two), r.path().join(&moved)).unwrap();
    r.add(&[&two, &moved]);
    r.passes();
}

#[test]
fn a_deleted_schema_file_is_blocked_unless_sync_moved_its_objects() {
    let (r, _) = Repo::with_synced_01();
    let file = "current_schema/01_service_ops.sql";
    // What sync writes: each object behind its marker line.
    let text =
        with_banner("-- table: service_ops.packet\nCREATE TABLE service_ops.packet (id bigint);\n");
    r.write(file, &text);
    r.add(&[file]);
    r.commit("markers");
    fs::remove_file(r.path().join(file)).unwrap();
    r.add(&[file]);
    let fix = r.blocked("hook/schema-deleted", file);
    assert!(
        fix.starts_with("cargo xtask migration sync && git add current_schema/"),
        "{fix}"
    );

    // The layout moved every object to another file: what sync does.
    r.write("current_schema/02_packets.sql", &text);
    r.add(&["current_schema"]);
    r.passes();
}

#[test]
fn the_same_nn_from_two_branches_is_caught_at_the_merge_and_renumbered() {
    let Some(git_path) = git_exe() else {
        eprintln!("skipped: git is not installed (.ci/setup installs it)");
        return;
    };
    let r = Repo::new();
    let path = shimmed_path(&r, &git_path);
    assert_code(&run(r.path(), &["hook", "install"]), 0);
    assert!(r.path().join(".githooks/pre-merge-commit").is_file());
    let one = r.migration(1, "create_packet", "packet");
    r.review(&one);
    assert_code(&git(&r, &path, &["add", "."]), 0);
    assert_code(&git(&r, &path, &["commit", "-qm", "01"]), 0);
    let trunk = String::from_utf8(git(&r, &path, &["branch", "--show-current"]).stdout).unwrap();
    let trunk = trunk.trim().to_string();

    assert_code(&git(&r, &path, &["checkout", "-qb", "feature"]), 0);
    let theirs = r.migration(2, "create_note", "note");
    r.review(&theirs);
    assert_code(&git(&r, &path, &["add", "."]), 0);
    assert_code(&git(&r, &path, &["commit", "-qm", "02 note"]), 0);

    assert_code(&git(&r, &path, &["checkout", "-q", &trunk]), 0);
    let ours = r.migration(2, "create_region", "region");
    r.review(&ours);
    assert_code(&git(&r, &path, &["add", "."]), 0);
    assert_code(&git(&r, &path, &["commit", "-qm", "02 region"]), 0);

    // No conflict, so git runs pre-merge-commit: the clash is caught there.
    let o = git(&r, &path, &["merge", "--no-edit", "feature"]);
    assert_ne!(o.status.code(), Some(0), "the merge was recorded");
    let said = format!("{}{}", stdout(&o), stderr(&o));
    assert!(said.contains("error[hook/duplicate-number]"), "{said}");
    assert!(
        said.contains("cargo xtask migration renumber migrations/"),
        "{said}"
    );

    // Renumbered, the merge commits (through pre-commit).
    let o = run(r.path(), &["migration", "renumber", &theirs]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("_03_create_note.sql"), "{}", stdout(&o));
    assert_code(&git(&r, &path, &["add", "-A", "migrations"]), 0);
    let o = git(&r, &path, &["commit", "--no-edit"]);
    assert_code(&o, 0);
    let o = run(r.path(), &["migration", "status", "--offline"]);
    assert!(stdout(&o).contains(" 0 problems"), "{}", stdout(&o));

    // An executed migration is not renumbered.
    r.tick(&ours, Touchpoint::Executed);
    let o = run(r.path(), &["migration", "renumber", &ours]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("was executed"), "{}", stderr(&o));
}

/// PATH with a `cargo` that runs the binary under test, as `cargo xtask`
/// would, then git and the system.
fn shimmed_path(r: &Repo, git_path: &Path) -> String {
    let bin = r.path().join(".bin");
    fs::create_dir_all(&bin).unwrap();
    let cargo = bin.join("cargo");
    fs::write(
        &cargo,
        "#!/bin/sh\n[ \"$1\" = xtask ] || exit 99\nshift\nexec \"$XTASK_BIN\" \"$@\"\n",
    )
    .unwrap();
    fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    fs::write(r.path().join(".gitignore"), ".bin/\n").unwrap();
    format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin.display(),
        git_path.parent().unwrap().display()
    )
}

/// What the history rules must keep letting through, and what they must
/// keep blocking, on an executed migration.
#[test]
fn cosmetic_changes_to_an_executed_migration_pass_and_sql_changes_do_not() {
    let (r, rel) = Repo::with_synced_01();
    let original = r.read(&rel);

    // CRLF line endings and a byte-order mark: the checksum is the same.
    r.write(&rel, &format!("\u{feff}{}", original.replace('\n', "\r\n")));
    r.add(&[&rel]);
    r.passes();
    // A typo fixed in the header: not hashed.
    r.write(
        &rel,
        &original.replace("The table is missing.", "The table is absent."),
    );
    r.add(&[&rel]);
    r.passes();
    // A commit that touches no migration.
    r.write(&rel, &original);
    r.write("README.md", "notes\n");
    r.add(&[&rel, "README.md"]);
    r.passes();
    // The verify section is SQL: changing it is changing an applied migration.
    r.write(
        &rel,
        &original.replace("'PASS' ELSE 'FAIL'", "'PASS' ELSE 'PASS'"),
    );
    r.add(&[&rel]);
    r.blocked("hook/executed-changed", &rel);
}

/// The hook has no database: the static review targets the server_version
/// of the touchpoint.conf being committed, so syntax the target lacks
/// blocks the commit (CREATE OR REPLACE TRIGGER needs 14).
#[test]
fn the_review_targets_the_staged_server_version() {
    let r = Repo::new();
    let rel = r.migration(1, "create_packet", "packet");
    let text = r.read(&rel).replace(
        "\n-- migrate:verify",
        "\nCREATE OR REPLACE FUNCTION service_ops.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\n\
         CREATE OR REPLACE TRIGGER trg_packet_touch BEFORE UPDATE ON service_ops.packet\n    \
         FOR EACH ROW EXECUTE FUNCTION service_ops.touch();\n\n-- migrate:verify",
    );
    r.write(&rel, &text);
    r.review(&rel);
    r.add(&[&rel]);
    r.passes();

    r.write("touchpoint.conf", "server_version = 13\n");
    r.add(&["touchpoint.conf"]);
    let o = r.hook(&[]);
    assert_code(&o, 1);
    assert!(
        stdout(&o).contains("requires-newer-server"),
        "{}",
        stdout(&o)
    );

    // What counts is the staged text, not the working tree.
    r.write("touchpoint.conf", "server_version = 18\n");
    let o = r.hook(&[]);
    assert_code(&o, 1);
    r.add(&["touchpoint.conf"]);
    r.passes();
}
