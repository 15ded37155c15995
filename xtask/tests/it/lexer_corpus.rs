//! Every file in tests/lexer_corpus/ goes through the lexer's invariant
//! checks, and its statement and error counts match the `-- expect:` line.

use std::fs;

use touchpoint::sql::fuzz::fuzz_one;
use touchpoint::sql::split::split;

#[test]
fn corpus_files_split_as_expected() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lexer_corpus");
    let mut seen = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        fuzz_one(&text);
        let expect = text
            .trim_start_matches('\u{feff}')
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("-- expect:"))
            .unwrap_or_else(|| panic!("{} has no `-- expect:` first line", path.display()));
        let mut want_statements = None;
        let mut want_errors = None;
        for kv in expect.split_whitespace() {
            match kv.split_once('=') {
                Some(("statements", n)) => want_statements = n.parse::<usize>().ok(),
                Some(("errors", n)) => want_errors = n.parse::<usize>().ok(),
                _ => {}
            }
        }
        let got = split(&text);
        assert_eq!(
            Some(got.statements.len()),
            want_statements,
            "statements in {}",
            path.display()
        );
        if let Some(errors) = want_errors {
            assert_eq!(
                got.errors.len(),
                errors,
                "errors in {}: {:?}",
                path.display(),
                got.errors
            );
        }
        seen += 1;
    }
    assert!(seen >= 10, "the corpus has at least 10 files");
}
