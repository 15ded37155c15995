//! Which databases a command runs on: `--database-url` (repeated), a
//! `--targets` file (`name = url` or a bare url a line, `#` comments,
//! `${VAR}` from the environment), `--env NAME` (`[env.NAME] url = ...` in
//! `touchpoint.conf`), narrowed by `--shard K/N`. Bad input is refused
//! before anything runs: a syntax error names its line, an unset variable
//! its name, and the same database named twice both names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::outcome::BadInput;
use crate::pg::connect::Database;
use crate::project::conf::{Conf, CONFIG_FILE};
use crate::project::Project;

/// One database a command runs on, and how reports name it.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub database: Database,
}

/// `--shard K/N`: the K-th of N stable slices of the targets (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N (e.g. 2/8)"))?;
        let parse = |x: &str| x.trim().parse::<u32>().ok();
        match (parse(k), parse(n)) {
            (Some(index), Some(count)) if count > 0 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => Err(format!("`{s}` is not K/N with 1 <= K <= N (e.g. 2/8)")),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the target named `name` is in this shard: the same answer on
    /// every machine and run (FNV-1a of the name), whatever the order.
    pub fn holds(&self, name: &str) -> bool {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub urls: Vec<String>,
    pub file: Option<PathBuf>,
    pub envs: Vec<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    /// Whether anything but the default (one database: DATABASE_URL or the
    /// embedded PostgreSQL) was asked for.
    pub fn is_fleet(&self) -> bool {
        self.urls.len() > 1 || self.file.is_some() || self.envs.len() > 1 || self.shard.is_some()
    }

    /// The targets, in the order given, or bad input saying what is wrong.
    /// No selection at all is the default database (DATABASE_URL, else the
    /// embedded PostgreSQL).
    pub fn resolve(
        &self,
        project: &Project,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Target>> {
        if self.urls.is_empty() && self.file.is_none() && self.envs.is_empty() {
            let database = Database::resolve(None, &project.root)?;
            let name = database.display().to_string();
            return Ok(vec![Target { name, database }]);
        }
        let mut named: Vec<(Option<String>, String, String)> = Vec::new();
        for url in &self.urls {
            named.push((None, url.clone(), "--database-url".to_string()));
        }
        if let Some(file) = &self.file {
            named.extend(read_file(&project.root, file, env)?);
        }
        named.extend(environments(project, &self.envs, env)?);
        let mut targets = Vec::new();
        for (name, url, origin) in named {
            let database = Database::from_conninfo(&url, |k| env(k))
                .with_context(|| format!("bad target from {origin}"))?;
            let name = name.unwrap_or_else(|| database.short_name());
            targets.push(Target { name, database });
        }
        refuse_duplicates(&targets)?;
        if let Some(shard) = self.shard {
            targets.retain(|t| shard.holds(&t.name));
        }
        Ok(targets)
    }
}

/// `name = url` or `url` lines of a targets file, with where each came from.
fn read_file(
    root: &Path,
    file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(Option<String>, String, String)>> {
    let path = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| root.join(file), |d| d.join(file))
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        BadInput(format!(
            "cannot read the targets file {}: {e}",
            file.display()
        ))
    })?;
    parse_file(&text, &file.display().to_string(), env)
}

/// The lines of a targets file named `shown`.
pub fn parse_file(
    text: &str,
    shown: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(Option<String>, String, String)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let at = format!("{shown}:{}", i + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, url) = split_line(line).map_err(|why| BadInput(format!("{at}: {why}")))?;
        let url = expand(url, env).map_err(|why| BadInput(format!("{at}: {why}")))?;
        out.push((name.map(str::to_string), url, at));
    }
    Ok(out)
}

/// `name = url` or a bare url (a URL or a `key=value` string).
fn split_line(line: &str) -> Result<(Option<&str>, &str), String> {
    let is_url = |s: &str| {
        let s = s.trim().trim_matches('"');
        s.starts_with("postgres://") || s.starts_with("postgresql://") || s.starts_with("${")
    };
    let named = line
        .split_once(" = ")
        .or_else(|| line.split_once('=').filter(|(_, url)| is_url(url)));
    if let Some((name, url)) = named.filter(|_| !line.trim_start().starts_with("postgres")) {
        let name = name.trim();
        if !valid_name(name) {
            return Err(format!(
                "`{name}` is not a target name (letters, digits, `_`, `-`, `.`); write `name = url` or a bare url"
            ));
        }
        let url = url.trim().trim_matches('"');
        if url.is_empty() {
            return Err(format!("`{name} =` has no url"));
        }
        return Ok((Some(name), url));
    }
    let keyword_string = line
        .split_whitespace()
        .all(|pair| pair.split_once('=').is_some_and(|(k, _)| valid_name(k)));
    if is_url(line) || keyword_string {
        return Ok((None, line));
    }
    Err(format!("expected `name = url` or a url, found `{line}`"))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// `${VAR}` replaced from `env`; an unset variable is named.
pub fn expand(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`${{` without a closing `}}` in `{text}`"))?;
        let var = &after[..end];
        let value = env(var).ok_or_else(|| {
            format!("the environment variable {var} is not set (the target's URL uses ${{{var}}})")
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `[env.NAME] url = ...` for each of `names`.
fn environments(
    project: &Project,
    names: &[String],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(Option<String>, String, String)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let conf = Conf::load(&project.root)?;
    let mut out = Vec::new();
    for name in names {
        let section = format!("env.{name}");
        let Some(entry) = conf.get(&section, "url") else {
            let known: Vec<String> = conf
                .entries
                .iter()
                .filter_map(|e| e.section.strip_prefix("env.").map(str::to_string))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(BadInput(format!(
                "no environment `{name}` in {CONFIG_FILE} (add `[env.{name}]` with `url = \"${{VAR}}\"`); known: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
            .into());
        };
        let at = format!("{CONFIG_FILE}:{}", entry.line);
        let url = expand(&entry.value, env).map_err(|why| BadInput(format!("{at}: {why}")))?;
        out.push((Some(name.clone()), url, at));
    }
    Ok(out)
}

/// The same database named twice (or two targets under one name) is
/// refused: it would be migrated twice at once.
fn refuse_duplicates(targets: &[Target]) -> Result<()> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut names: BTreeMap<&str, ()> = BTreeMap::new();
    for t in targets {
        if let Some(first) = seen.insert(t.database.identity(), &t.name) {
            return Err(BadInput(format!(
                "`{first}` and `{}` are the same database ({}): name each database once; nothing was run",
                t.name,
                t.database.short_name()
            ))
            .into());
        }
        if names.insert(&t.name, ()).is_some() {
            return Err(BadInput(format!(
                "two targets are named `{}`: give each its own name",
                t.name
            ))
            .into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        (k == "PROD_URL").then(|| "postgresql://app@prod.example/app".to_string())
    }

    #[test]
    fn targets_files_name_lines_and_expand_variables() {
        let got = parse_file(
            "# fleet\nstaging = postgresql://app@staging/app\n\npostgresql://app@dev/app\nprod = ${PROD_URL}\n",
            "targets.txt",
            &env,
        )
        .unwrap();
        let names: Vec<_> = got.iter().map(|(n, _, _)| n.clone()).collect();
        assert_eq!(names, [Some("staging".into()), None, Some("prod".into())]);
        assert_eq!(got[2].1, "postgresql://app@prod.example/app");
        assert_eq!(got[2].2, "targets.txt:5");
        let e = parse_file("a = ${NOPE}\n", "t", &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t:1:") && e.contains("NOPE is not set"),
            "{e}"
        );
        let e = parse_file("ok = postgresql://x/y\nbad name = z\n", "t", &env)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t:2:"), "{e}");
    }

    #[test]
    fn shards_are_stable_and_cover_everything_once() {
        let names: Vec<String> = (0..200).map(|i| format!("tenant_{i}")).collect();
        let shards: Vec<Shard> = (1..=4).map(|k| Shard { index: k, count: 4 }).collect();
        for n in &names {
            assert_eq!(shards.iter().filter(|s| s.holds(n)).count(), 1, "{n}");
        }
        assert!(shards
            .iter()
            .all(|s| names.iter().filter(|n| s.holds(n)).count() > 20));
        assert_eq!(
            "2/8".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 8 }
        );
        assert!("0/8".parse::<Shard>().is_err() && "9/8".parse::<Shard>().is_err());
    }
}
