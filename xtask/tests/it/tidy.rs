//! Tidy checks on touchpoint's own source: the layers' arrows point one way,
//! commands do not import each other, no import cycle between files, and no
//! source file grows past 1,000 lines (tests aside). Each failure names the
//! file and the import to move.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up. A module may use those below
/// it, never those above; `commands` and `dev` share a layer, as do the
/// bottom three.
const LAYERS: &[&[&str]] = &[
    &["outcome", "sql", "migration"],
    &["project"],
    &["pg"],
    &["schema"],
    &["shadow"],
    &["review"],
    &["drift"],
    &["runner"],
    &["bundle"],
    &["hook"],
    &["fleet"],
    &["args"],
    &["commands", "dev"],
    &["cli"],
];

const MAX_LINES: usize = 1000;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A source file by its module path (`["sql", "lexer"]` for
/// `sql/lexer/mod.rs`), with its text minus comments, strings and test
/// modules.
struct File {
    module: Vec<String>,
    path: PathBuf,
    code: String,
    lines: usize,
}

fn files() -> Vec<File> {
    let mut out = Vec::new();
    walk(&src(), &mut out);
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

fn walk(dir: &Path, out: &mut Vec<File>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name == "tests.rs" {
            continue;
        }
        let rel = path.strip_prefix(src()).unwrap();
        let mut module: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let last = module.pop().unwrap();
        match last.as_str() {
            "mod.rs" | "lib.rs" | "main.rs" => {}
            other => module.push(other.trim_end_matches(".rs").to_string()),
        }
        let text = fs::read_to_string(&path).unwrap();
        let code = without_tests(&scrub(&text));
        let lines = code.lines().count();
        out.push(File {
            module,
            path: rel.to_path_buf(),
            code,
            lines,
        });
    }
}

/// `text` with comments, string and char literals blanked (newlines kept).
fn scrub(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep = |s: &str, out: &mut String| {
        out.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    while i < b.len() {
        let rest = &text[i..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let open = hashes + 2 + usize::from(rest.starts_with('b'));
            rest[open..]
                .find(&close)
                .map_or(rest.len(), |e| open + e + close.len())
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(rest.len())
        } else if let Some(len) = char_literal(rest) {
            len
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        keep(&rest[..end], &mut out);
        i += end;
    }
    out
}

/// `r"`, `r#"`, `br"`...: the number of hashes.
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.len() - s.trim_start_matches('#').len();
    s[hashes..].starts_with('"').then_some(hashes)
}

/// A char literal's length (`'a'`, `'\n'`, `'\''`), not a lifetime.
fn char_literal(s: &str) -> Option<usize> {
    if !s.starts_with('\'') {
        return None;
    }
    let mut chars = s.char_indices().skip(1);
    let (_, c) = chars.next()?;
    if c == '\\' {
        chars.next()?;
        for (at, c) in chars {
            match c {
                '\'' => return Some(at + 1),
                '\n' => return None,
                _ => {}
            }
        }
        return None;
    }
    let (at, next) = chars.next()?;
    (next == '\'').then_some(at + 1)
}

/// `code` without `#[cfg(test)]` items (test modules may reach anywhere).
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at..];
        let end = match (rest.find('{'), rest.find(';')) {
            (Some(brace), Some(semi)) if semi < brace => at + semi + 1,
            (Some(brace), _) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, c) in out[at + brace..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = at + brace + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            _ => out.len(),
        };
        let blank: String = out[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blank);
    }
    out
}

/// Every module path `code` names: `use` trees expanded and paths starting
/// with `crate::`, `super::` or `self::`, resolved against `module`.
fn references(module: &[String], code: &str) -> BTreeSet<Vec<String>> {
    let mut paths = BTreeSet::new();
    let children: BTreeSet<String> = words_after(code, "mod ").into_iter().collect();
    let (trees, code) = use_trees(code);
    let code = code.as_str();
    for tree in trees {
        for path in expand(&tree) {
            if let Some(p) = resolve(module, &children, &path) {
                paths.insert(p);
            }
        }
    }
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            let before = code[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let parts: Vec<String> = path
                .split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(p) = resolve(module, &children, &parts) {
                paths.insert(p);
            }
        }
    }
    paths
}

fn words_after(code: &str, keyword: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("pub(crate) ").unwrap_or(l);
            let name = l.strip_prefix(keyword)?;
            let name: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The text of every `use ...;` item, and `code` with them blanked.
fn use_trees(code: &str) -> (Vec<String>, String) {
    let mut out = Vec::new();
    let mut rest = code.to_string();
    let mut from = 0;
    while let Some(at) = rest[from..].find("use ") {
        let at = from + at;
        from = at + 4;
        let before = rest[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(end) = rest[at..].find(';') {
            let tree: Vec<&str> = rest[at + 4..at + end].split_whitespace().collect();
            out.push(tree.join(" "));
            let blank: String = rest[at..at + end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            rest.replace_range(at..at + end, &blank);
            from = at + end;
        }
    }
    (out, rest)
}

/// `a::{b, c::{d, e}}` -> `a::b`, `a::c::d`, `a::c::e` (as segments).
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![path
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()];
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let mut out = Vec::new();
    for part in parts.into_iter().filter(|p| !p.trim().is_empty()) {
        for tail in expand(part) {
            let tail: Vec<String> = tail.into_iter().filter(|s| s != "self").collect();
            out.push(prefix.iter().cloned().chain(tail).collect());
        }
    }
    out
}

/// The module a path starts in, as an absolute module path; `None` for
/// paths outside the crate.
fn resolve(module: &[String], children: &BTreeSet<String>, path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module.to_vec(),
        name if children.contains(name) => module.to_vec(),
        _ => return None,
    };
    let mut rest = path;
    if first == "crate" || first == "self" {
        rest = &path[1..];
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop();
        rest = &rest[1..];
    }
    Some(base.into_iter().chain(rest.iter().cloned()).collect())
}

/// The longest prefix of `path` that is a file's module.
fn owner<'a>(
    modules: &'a BTreeMap<Vec<String>, usize>,
    path: &[String],
) -> Option<&'a Vec<String>> {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get_key_value(&path[..n]).map(|(k, _)| k))
}

fn layer(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

#[test]
fn tidy_layers_point_down_and_commands_stand_alone() {
    let files = files();
    let modules: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let mut wrong = Vec::new();
    for f in &files {
        let Some(top) = f.module.first() else {
            continue;
        };
        let own = layer(top).unwrap_or_else(|| panic!("{top} is in no layer of tidy.rs"));
        for path in references(&f.module, &f.code) {
            let Some(target) = owner(&modules, &path) else {
                continue;
            };
            let Some(their_top) = target.first() else {
                wrong.push(format!(
                    "{}: uses the crate root ({})",
                    f.path.display(),
                    path.join("::")
                ));
                continue;
            };
            let Some(theirs) = layer(their_top) else {
                wrong.push(format!(
                    "{}: `{}` is in no layer of tidy.rs",
                    f.path.display(),
                    path.join("::")
                ));
                continue;
            };
            if their_top != top && theirs >= own {
                wrong.push(format!(
                    "{}: `{}` is not below `{top}`: move what is shared down a layer",
                    f.path.display(),
                    path.join("::")
                ));
            }
            let command = |m: &[String]| {
                (m.first()? == "commands")
                    .then(|| m.get(1).cloned())
                    .flatten()
            };
            if let (Some(a), Some(b)) = (command(&f.module), command(target)) {
                if a != b {
                    wrong.push(format!(
                        "{}: command `{a}` uses command `{b}` ({}): move what they share into a service",
                        f.path.display(),
                        path.join("::")
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn tidy_no_import_cycle_between_files() {
    let files = files();
    let modules: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.clone(), i))
        .collect();
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); files.len()];
    for (i, f) in files.iter().enumerate() {
        for path in references(&f.module, &f.code) {
            if let Some(target) = owner(&modules, &path) {
                let j = modules[target];
                if j != i {
                    edges[i].insert(j);
                }
            }
        }
    }
    let cycles = cycles(&edges);
    let named: Vec<String> = cycles
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| files[i].path.display().to_string())
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect();
    assert!(named.is_empty(), "import cycles:\n{}", named.join("\n"));
}

/// The strongly connected components with more than one file (Tarjan).
fn cycles(edges: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in s.edges[v].clone().iter() {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let n = edges.len();
    let mut s = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn tidy_checker_finds_cycles() {
    let edges: Vec<BTreeSet<usize>> = vec![[1].into(), [2].into(), [0].into(), [0].into()];
    assert_eq!(cycles(&edges), vec![vec![0, 1, 2]]);
}

#[test]
fn tidy_no_source_file_over_a_thousand_lines() {
    let long: Vec<String> = files()
        .iter()
        .filter(|f| f.lines > MAX_LINES)
        .map(|f| format!("{}: {} lines (tests aside)", f.path.display(), f.lines))
        .collect();
    assert!(
        long.is_empty(),
        "split these files (the limit is {MAX_LINES} lines):\n{}",
        long.join("\n")
    );
}

#[test]
fn tidy_checker_sees_imports() {
    let module = vec!["commands".to_string(), "apply".to_string()];
    let code = scrub("use crate::pg::{connect::Database, tracking::{self, TableName}};\nuse crate::commands::new as other;\n// use crate::cli;\nlet s = \"crate::cli use crate::dev;\";\nlet c = '\"';\nsuper::status::run();\n");
    let refs = references(&module, &code);
    let want: BTreeSet<Vec<String>> = [
        vec!["pg", "connect", "Database"],
        vec!["pg", "tracking"],
        vec!["pg", "tracking", "TableName"],
        vec!["commands", "status", "run"],
        vec!["commands", "new"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(refs, want);
}
