//! Which object goes in which `current_schema/` file, the files' text, and
//! what changed between two versions of them.
//!
//! Placement: an object already in a file stays there (sticky); a new one
//! goes where the first matching `[layout]` line of `touchpoint.conf` says;
//! without a match, schemas, extensions, types and objects of the whole
//! database (collations, foreign servers, publications ...) go to
//! `01_foundations.sql`, default privileges to `99_default_privileges.sql`
//! and everything else to one file per schema. A child
//! (index, constraint, trigger, policy) follows its table. An object moves to
//! a later file only when something it needs lives there, so the files load
//! in file-name order.
//!
//! Every object opens with a marker line (`-- table: service_ops.packet`),
//! which is how the next sync finds it again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::banner::{self, BannerState, BANNER_LINES};
use super::render::{Kind, Unit};
use crate::outcome::BadInput;
use crate::project::conf::{at_line, Conf, ConfError, Entry};

pub use crate::project::conf::CONFIG_FILE;
pub const SCHEMA_DIR: &str = "current_schema";
pub const FOUNDATIONS: &str = "01_foundations.sql";
/// Default privileges load after every object (as in pg_dump), so that
/// they add nothing to the grants of the objects the files create.
pub const LAST: &str = "99_default_privileges.sql";

/// Lines every file body starts with: function bodies are checked when they
/// run, not when they load (as pg_dump does), and "already exists, skipping"
/// notices stay quiet.
const PREAMBLE: &str = "SET check_function_bodies = false;\nSET client_min_messages = warning;\n";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Kind(Kind),
    /// A glob (`*`, `?`) over `schema.name` (or the bare name of a schema
    /// or extension).
    Name(String),
}

#[derive(Debug, Clone)]
pub struct LayoutRule {
    pub file: String,
    pub selectors: Vec<Selector>,
}

/// A DOWNSTREAM line of the header and the command that does it.
#[derive(Debug, Clone)]
pub struct Downstream {
    /// Words the header line starts with (case-insensitive).
    pub line: String,
    pub command: String,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub layout: Vec<LayoutRule>,
    pub downstream: Vec<Downstream>,
}

impl Config {
    /// The `[layout]` and `[downstream]` sections of `touchpoint.conf` in
    /// the project root; no file is an empty config.
    pub fn load(root: &Path) -> Result<Config> {
        Config::from_conf(&Conf::load(root)?).map_err(|e| at_line(&e))
    }

    /// Errors name the line.
    pub fn parse(text: &str) -> Result<Config, ConfError> {
        Config::from_conf(&Conf::parse(text)?)
    }

    fn from_conf(conf: &Conf) -> Result<Config, ConfError> {
        let mut config = Config::default();
        for e in conf.section("layout") {
            config.layout.push(layout_rule(e)?);
        }
        for e in conf.section("downstream") {
            if e.key.is_empty() || e.value.is_empty() {
                return Err(ConfError::at(
                    e.line,
                    "write `<words the DOWNSTREAM line starts with> = <shell command>`",
                ));
            }
            config.downstream.push(Downstream {
                line: e.key.clone(),
                command: e.value.clone(),
            });
        }
        Ok(config)
    }
}

/// A `[layout]` line: `NN_area.sql = kind:<kind> schema.name ...`.
fn layout_rule(e: &Entry) -> Result<LayoutRule, ConfError> {
    let (n, left) = (e.line, e.key.as_str());
    if !valid_file_name(left) {
        return Err(ConfError::at(n, format!(
            "`{left}` is not a current_schema file name: write NN_area.sql (two digits, lowercase letters, digits and _)"
        )));
    }
    let mut selectors = Vec::new();
    for word in e.value.split_whitespace() {
        let Some(kind) = word.strip_prefix("kind:") else {
            selectors.push(Selector::Name(word.to_string()));
            continue;
        };
        let kind = Kind::from_label(&kind.replace('_', " ")).ok_or_else(|| {
            ConfError::at(
                n,
                format!(
                    "unknown kind `{kind}`; kinds: {}",
                    Kind::ALL
                        .iter()
                        .map(|k| k.label().replace(' ', "_"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        selectors.push(Selector::Kind(kind));
    }
    if selectors.is_empty() {
        return Err(ConfError::at(
            n,
            format!(
                "`{left}` has no selectors: list `kind:<kind>` or `schema.name` patterns after `=`"
            ),
        ));
    }
    Ok(LayoutRule {
        file: left.to_string(),
        selectors,
    })
}

/// `NN_area.sql`: two or more digits, `_`, lowercase letters, digits, `_`.
pub fn valid_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".sql") else {
        return false;
    };
    let Some((nn, area)) = stem.split_once('_') else {
        return false;
    };
    nn.len() >= 2
        && nn.bytes().all(|b| b.is_ascii_digit())
        && !area.is_empty()
        && area
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// One object as a file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub file: String,
    /// 1-based line of the marker in the whole file (banner included).
    pub line: usize,
    pub sql: String,
}

/// The generated files of `current_schema/` as they are on disk.
#[derive(Debug, Default)]
pub struct Existing {
    /// File name -> whole text.
    pub files: BTreeMap<String, String>,
    /// Marker text (`table: s.t`) -> where it is.
    pub objects: HashMap<String, Placed>,
    /// Marker texts per file, in file order.
    pub order: BTreeMap<String, Vec<String>>,
    /// Files whose content no longer matches their banner (edited by hand).
    pub edited: Vec<String>,
}

impl Existing {
    /// Reads `current_schema/*.sql`. A `.sql` file without the generated
    /// banner is refused: sync owns every file there.
    pub fn load(root: &Path) -> Result<Existing> {
        let dir = root.join(SCHEMA_DIR);
        let mut existing = Existing::default();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(existing),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        };
        let mut hand_written = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".sql") || name.starts_with('.') {
                continue;
            }
            let text = fs::read_to_string(entry.path())
                .with_context(|| format!("cannot read {SCHEMA_DIR}/{name}"))?;
            if banner::check(&text) == BannerState::Missing {
                hand_written.push(format!("{SCHEMA_DIR}/{name}"));
                continue;
            }
            if let BannerState::Edited { .. } = banner::check(&text) {
                existing.edited.push(name.clone());
            }
            existing.add(&name, text);
        }
        if !hand_written.is_empty() {
            hand_written.sort();
            return Err(BadInput(format!(
                "{} {} no generated banner: sync writes every .sql file in {SCHEMA_DIR}/ itself and will not overwrite a file written by hand. Move {} out of {SCHEMA_DIR}/ (the database is the source now), then run sync again",
                hand_written.join(", "),
                if hand_written.len() == 1 { "has" } else { "have" },
                if hand_written.len() == 1 { "it" } else { "them" },
            ))
            .into());
        }
        Ok(existing)
    }

    pub fn add(&mut self, name: &str, text: String) {
        let body = banner::body(&text).unwrap_or(&text);
        let mut order = Vec::new();
        for (marker, line, sql) in split_units(body) {
            order.push(marker.clone());
            self.objects.insert(
                marker,
                Placed {
                    file: name.to_string(),
                    line: line + BANNER_LINES,
                    sql,
                },
            );
        }
        self.order.insert(name.to_string(), order);
        self.files.insert(name.to_string(), text);
    }
}

/// (marker, 1-based line in `body`, sql) of each object in a file body.
fn split_units(body: &str) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = Vec::new();
    let mut previous_blank = true;
    for (i, line) in body.lines().enumerate() {
        let marker = line
            .strip_prefix("-- ")
            .and_then(|rest| rest.split_once(": "))
            .filter(|(kind, _)| Kind::from_label(kind).is_some());
        match marker {
            Some(_) if previous_blank => {
                out.push((line[3..].to_string(), i + 1, String::new()));
            }
            _ => {
                if let Some(last) = out.last_mut() {
                    last.2.push_str(line);
                    last.2.push('\n');
                }
            }
        }
        previous_blank = line.is_empty();
    }
    for u in &mut out {
        let trimmed = u.2.trim_end_matches('\n').len();
        u.2.truncate(trimmed);
        u.2.push('\n');
    }
    out
}

/// The home file of every unit (before dependencies may push it later).
pub fn homes(units: &[Unit], config: &Config, existing: &Existing) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = HashMap::new();
    let mut taken: BTreeSet<String> = existing.files.keys().cloned().collect();
    taken.extend(config.layout.iter().map(|r| r.file.clone()));
    let mut per_schema: BTreeMap<String, String> = BTreeMap::new();
    // Parents first, so that children can follow them.
    let mut sorted: Vec<&Unit> = units.iter().collect();
    sorted.sort_by_key(|u| (u.parent.is_some(), u.key.clone()));
    let markers: BTreeSet<String> = units.iter().map(|u| u.key.to_string()).collect();
    for u in sorted {
        let marker = u.key.to_string();
        if let Some(p) = existing.objects.get(&marker) {
            out.insert(marker, p.file.clone());
            continue;
        }
        if let Some(p) = former_routine(&marker, &markers, existing) {
            out.insert(marker, p.file.clone());
            continue;
        }
        if let Some(parent) = &u.parent {
            if let Some(f) = out.get(&parent.to_string()) {
                out.insert(marker, f.clone());
                continue;
            }
        }
        let name = match u.key.kind {
            Kind::Schema => u.key.schema.clone(),
            _ if u.key.schema.is_empty() => u.key.name.clone(),
            _ => format!("{}.{}", u.key.schema, u.key.name),
        };
        let by_config = config.layout.iter().find(|r| {
            r.selectors.iter().any(|s| match s {
                Selector::Kind(k) => *k == u.key.kind,
                Selector::Name(p) => glob(p, &name),
            })
        });
        let file = match by_config {
            Some(r) => r.file.clone(),
            None if u.key.kind == Kind::DefaultPrivileges => LAST.to_string(),
            None if u.key.kind.is_foundation() => FOUNDATIONS.to_string(),
            None => per_schema
                .entry(u.key.schema.clone())
                .or_insert_with(|| schema_file(&u.key.schema, &mut taken))
                .clone(),
        };
        out.insert(marker, file);
    }
    out
}

/// Where a routine was when markers named its arguments (`function:
/// s.f(a integer)`, now `function: s.f(integer)`): the one existing marker
/// of that kind and name no unit claims, when the name is not overloaded.
fn former_routine<'a>(
    marker: &str,
    markers: &BTreeSet<String>,
    existing: &'a Existing,
) -> Option<&'a Placed> {
    if !(marker.starts_with("function: ") || marker.starts_with("procedure: ")) {
        return None;
    }
    let prefix = &marker[..=marker.find('(')?];
    let mut former = existing
        .objects
        .iter()
        .filter(|(m, _)| m.starts_with(prefix) && !markers.contains(*m));
    match (former.next(), former.next()) {
        (Some((_, placed)), None) => Some(placed),
        _ => None,
    }
}

/// `NN_<schema>.sql`: an existing file of that name, else the next number.
fn schema_file(schema: &str, taken: &mut BTreeSet<String>) -> String {
    let area: String = schema
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let area = if area.trim_matches('_').is_empty() {
        "schema".to_string()
    } else {
        area
    };
    if let Some(f) = taken.iter().find(|f| {
        f.split_once('_')
            .is_some_and(|(_, rest)| rest == format!("{area}.sql"))
    }) {
        return f.clone();
    }
    let next = taken
        .iter()
        .filter_map(|f| f.split_once('_').and_then(|(nn, _)| nn.parse::<u32>().ok()))
        .max()
        .unwrap_or(1)
        .max(1)
        + 1;
    let file = format!("{next:02}_{area}.sql");
    taken.insert(file.clone());
    file
}

/// The files' full text (banner included), from units in load order.
pub fn render_files(ordered: &[(String, Unit)]) -> BTreeMap<String, String> {
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    for (file, u) in ordered {
        let body = bodies
            .entry(file.clone())
            .or_insert_with(|| PREAMBLE.to_string());
        body.push('\n');
        body.push_str(&format!("-- {}\n", u.key));
        body.push_str(&u.sql);
    }
    bodies
        .into_iter()
        .map(|(f, b)| (f, banner::with_banner(&b)))
        .collect()
}

/// One object that differs between the old files and the new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub file: String,
    /// Line of the object in the new file (for a dropped object: where it was).
    pub line: usize,
    /// `table service_ops.packet`
    pub object: String,
    /// `created`, `dropped`, `changed`, `columns added: a, b` ...
    pub what: String,
}

impl Change {
    /// The SOURCE OF TRUTH line's text: `current_schema/F (Line N: object what)`.
    pub fn item(&self) -> String {
        format!(
            "{SCHEMA_DIR}/{} (Line {}: {} {})",
            self.file, self.line, self.object, self.what
        )
    }
}

/// What changed from `old` to `new` (files with their text), object by object.
pub fn changes(old: &Existing, new: &BTreeMap<String, String>) -> Vec<Change> {
    let mut fresh = Existing::default();
    for (f, t) in new {
        fresh.add(f, t.clone());
    }
    let mut out = Vec::new();
    for (file, markers) in &fresh.order {
        for marker in markers {
            let now = &fresh.objects[marker];
            let (kind, name) = marker.split_once(": ").unwrap_or((marker, ""));
            let object = format!("{kind} {name}");
            let what = match old.objects.get(marker) {
                None => "created".to_string(),
                Some(before) if before.sql == now.sql => continue,
                Some(before) => describe(&before.sql, &now.sql),
            };
            out.push(Change {
                file: file.clone(),
                line: now.line,
                object,
                what,
            });
        }
    }
    for (file, markers) in &old.order {
        for (j, marker) in markers.iter().enumerate() {
            if fresh.objects.contains_key(marker) {
                continue;
            }
            // Where it was: the next object of the old file that is still
            // in the same file, else the file's end.
            let line = markers[j + 1..]
                .iter()
                .filter_map(|m| fresh.objects.get(m))
                .find(|p| p.file == *file)
                .map(|p| p.line)
                .or_else(|| new.get(file).map(|t| t.lines().count()))
                .unwrap_or(1);
            let (kind, name) = marker.split_once(": ").unwrap_or((marker, ""));
            out.push(Change {
                file: file.clone(),
                line,
                object: format!("{kind} {name}"),
                what: "dropped".to_string(),
            });
        }
    }
    out.sort_by(|a, b| (&a.file, a.line, &a.object).cmp(&(&b.file, b.line, &b.object)));
    out
}

/// What changed in a table: its column lines, when only they differ.
fn describe(before: &str, after: &str) -> String {
    let columns = |sql: &str| -> BTreeMap<String, String> {
        let Some(start) = sql.find(" (\n") else {
            return BTreeMap::new();
        };
        sql[start + 3..]
            .lines()
            .take_while(|l| l.starts_with("    "))
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| !l.starts_with("CONSTRAINT "))
            .filter_map(|l| {
                l.split_once(' ')
                    .map(|(n, rest)| (n.to_string(), rest.to_string()))
            })
            .collect()
    };
    let (b, a) = (columns(before), columns(after));
    if b.is_empty() && a.is_empty() {
        return "changed".to_string();
    }
    let list = |names: Vec<&String>| -> String {
        let n = names.len();
        let shown: Vec<&str> = names.iter().take(6).map(|s| s.as_str()).collect();
        if n > 6 {
            format!("{} (+{} more)", shown.join(", "), n - 6)
        } else {
            shown.join(", ")
        }
    };
    let added: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let dropped: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    let changed: Vec<&String> = a
        .iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|old| old != *v))
        .map(|(k, _)| k)
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("columns added: {}", list(added)));
    }
    if !dropped.is_empty() {
        parts.push(format!("columns dropped: {}", list(dropped)));
    }
    if !changed.is_empty() {
        parts.push(format!("columns changed: {}", list(changed)));
    }
    if parts.is_empty() {
        "changed".to_string()
    } else {
        parts.join("; ")
    }
}

/// Writes `files` into `current_schema/` (each through a temporary file and
/// a rename) and removes generated files no longer needed. Returns the
/// names removed.
pub fn write(
    root: &Path,
    existing: &Existing,
    files: &BTreeMap<String, String>,
) -> Result<Vec<String>> {
    let dir = root.join(SCHEMA_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, text) in files {
        if existing.files.get(name) == Some(text) {
            continue;
        }
        crate::project::write_atomic(&dir.join(name), text)?;
    }
    let mut removed = Vec::new();
    for name in existing.files.keys() {
        if !files.contains_key(name) {
            fs::remove_file(dir.join(name))
                .with_context(|| format!("cannot remove {SCHEMA_DIR}/{name}"))?;
            removed.push(name.clone());
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_parses_layout_and_downstream() {
        let c = Config::parse(
            "# comment\n[layout]\n01_foundations.sql = kind:schema kind:type\n02_core.sql = service_ops.packet*\n[downstream]\nTypeScript types = npm run gen\n",
        )
        .unwrap();
        assert_eq!(c.layout.len(), 2);
        assert_eq!(
            c.layout[1].selectors,
            [Selector::Name("service_ops.packet*".into())]
        );
        assert_eq!(c.downstream[0].command, "npm run gen");
    }

    #[test]
    fn config_errors_name_the_line() {
        let e = Config::parse("[layout]\nfoo.sql = x\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("2: `foo.sql` is not"), "{e}");
        let e = Config::parse("[layout]\n02_a.sql = kind:tabel\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown kind `tabel`"), "{e}");
        let e = Config::parse("x = y\n").unwrap_err().to_string();
        assert!(e.contains("outside a section"), "{e}");
    }

    #[test]
    fn globs() {
        assert!(glob("service_ops.*", "service_ops.packet"));
        assert!(glob("*.packet_?", "a.packet_x"));
        assert!(!glob("service_ops.*", "integration.inbox"));
    }

    #[test]
    fn markers_split_units_and_lines_count_the_banner() {
        let body = format!("{PREAMBLE}\n-- schema: a\nCREATE SCHEMA IF NOT EXISTS a;\n\n-- table: a.t\nCREATE TABLE IF NOT EXISTS a.t (\n    id integer\n);\n");
        let mut e = Existing::default();
        e.add("01_foundations.sql", banner::with_banner(&body));
        let t = &e.objects["table: a.t"];
        assert_eq!(t.line, BANNER_LINES + 7);
        assert_eq!(
            t.sql,
            "CREATE TABLE IF NOT EXISTS a.t (\n    id integer\n);\n"
        );
    }

    #[test]
    fn describe_names_columns() {
        let a = "CREATE TABLE IF NOT EXISTS a.t (\n    id integer,\n    x text\n);\n";
        let b = "CREATE TABLE IF NOT EXISTS a.t (\n    id bigint,\n    y text\n);\n";
        assert_eq!(
            describe(a, b),
            "columns added: y; columns dropped: x; columns changed: id"
        );
    }
}
