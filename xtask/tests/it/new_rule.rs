//! `cargo xtask dev new-rule` on a copy of the files it edits.

use std::fs;

use crate::support::{assert_code, repo_root, stderr, stdout, xtask};

fn copy_of_repo_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "xtask/src/review/rules/mod.rs",
        "xtask/tests/it/review_rules.rs",
    ] {
        let to = dir.path().join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(repo_root().join(rel), to).unwrap();
    }
    fs::create_dir_all(dir.path().join("docs/rules")).unwrap();
    dir
}

#[test]
fn scaffolds_rule_registry_page_and_snapshot() {
    let dir = copy_of_repo_files();
    let o = xtask(
        dir.path(),
        &[
            "dev",
            "new-rule",
            "drop-column-in-use",
            "--severity",
            "error",
            "--summary",
            "DROP COLUMN of a column the code still reads",
        ],
    );
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("xtask/src/review/rules/drop_column_in_use.rs"),
        "{}",
        stdout(&o)
    );
    let rule = fs::read_to_string(
        dir.path()
            .join("xtask/src/review/rules/drop_column_in_use.rs"),
    )
    .unwrap();
    assert!(
        rule.contains("pub struct DropColumnInUse;")
            && rule.contains("\"drop-column-in-use\"")
            && rule.contains("Severity::Error")
    );
    let page = fs::read_to_string(dir.path().join("docs/rules/drop-column-in-use.md")).unwrap();
    assert!(page.starts_with(
        "# drop-column-in-use\n\nSeverity: error. DROP COLUMN of a column the code still reads\n"
    ));
    for section in ["## Problem", "## Safe alternative", "## Bad", "## Good"] {
        assert!(page.contains(section), "{section}");
    }
    let registry = fs::read_to_string(dir.path().join("xtask/src/review/rules/mod.rs")).unwrap();
    let module = registry.find("mod drop_column_in_use;").unwrap();
    assert!(module < registry.find("pub mod ignore;").unwrap());
    let entry = registry
        .find("&drop_column_in_use::DropColumnInUse,")
        .unwrap();
    assert!(entry < registry.find("&ignore::UnknownIgnore").unwrap());
    let tests = fs::read_to_string(dir.path().join("xtask/tests/it/review_rules.rs")).unwrap();
    assert!(
        tests.contains("    snapshot_drop_column_in_use => \"drop-column-in-use\",\n}"),
        "the line closes the snapshots! list"
    );

    // A second time: refused, nothing changed.
    let o = xtask(
        dir.path(),
        &[
            "dev",
            "new-rule",
            "drop-column-in-use",
            "--summary",
            "again",
        ],
    );
    assert_code(&o, 2);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.path().join("xtask/src/review/rules/mod.rs")).unwrap(),
        registry
    );
}

#[test]
fn refuses_a_bad_id() {
    let dir = copy_of_repo_files();
    for bad in ["Drop-Column", "drop_column", "9lives", "x-", "a--b", ""] {
        let o = xtask(dir.path(), &["dev", "new-rule", bad, "--summary", "s"]);
        assert_code(&o, 2);
        assert!(
            stderr(&o).contains("is not a rule id"),
            "{bad}: {}",
            stderr(&o)
        );
    }
    assert!(fs::read_dir(dir.path().join("docs/rules"))
        .unwrap()
        .next()
        .is_none());
}
