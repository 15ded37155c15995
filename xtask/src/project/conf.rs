//! `touchpoint.conf`: `key = value` lines, `#` comments, in sections
//! (`[layout]`, `[downstream]`, `[env.NAME]`, `[mcp]`, `[review]`), with a few settings
//! before the first section (`server_version`). This reader knows which
//! sections and settings there are, so a typo is caught in one place with
//! its line; each part of touchpoint then reads its own sections.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::outcome::BadInput;

pub const CONFIG_FILE: &str = "touchpoint.conf";

/// The sections there are; `env.` takes a name after it.
const SECTIONS: &[&str] = &["layout", "downstream", "env.", "mcp", "review"];
/// The settings allowed before the first section.
const SETTINGS: &[&str] = &["server_version", "owners"];

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `""` before the first section.
    pub section: String,
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// The lines of `touchpoint.conf`, in order.
#[derive(Debug, Clone, Default)]
pub struct Conf {
    pub entries: Vec<Entry>,
}

/// A `touchpoint.conf` line that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    pub line: usize,
    pub message: String,
}

impl ConfError {
    pub fn at(line: usize, message: impl Into<String>) -> ConfError {
        ConfError {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ConfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

impl std::error::Error for ConfError {}

impl Conf {
    /// `touchpoint.conf` in the project root; no file is an empty config. A
    /// bad line is bad input naming `touchpoint.conf:LINE`.
    pub fn load(root: &Path) -> Result<Conf> {
        let path = root.join(CONFIG_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => Conf::parse(&text).map_err(|e| at_line(&e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Conf::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Conf, ConfError> {
        let mut conf = Conf::default();
        let mut section = String::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = known_section(name.trim()).ok_or_else(|| {
                    ConfError::at(
                        n,
                        format!(
                            "unknown section [{}]; the sections are [layout], [downstream], [env.NAME], [mcp] and [review]",
                            name.trim()
                        ),
                    )
                })?;
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(ConfError::at(
                    n,
                    format!("expected `name = value` (or a [section] line), found `{line}`"),
                ));
            };
            let key = key.trim();
            if section.is_empty() && !SETTINGS.contains(&key) {
                return Err(ConfError::at(
                    n,
                    format!(
                        "`{line}` is outside a section and not a setting ({}); start a section with [layout], [downstream], [env.NAME], [mcp] or [review]",
                        SETTINGS.join(", ")
                    ),
                ));
            }
            conf.entries.push(Entry {
                section: section.clone(),
                line: n,
                key: key.to_string(),
                value: unquote(value.trim()).to_string(),
            });
        }
        Ok(conf)
    }

    /// The lines of section `name` (`""`: the settings before any section).
    pub fn section<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.section == name)
    }

    /// `server_version`: the PostgreSQL major the migrations are written for,
    /// when no live database says it.
    pub fn server_version(&self) -> Result<Option<u32>, ConfError> {
        let Some(e) = self.get("", "server_version") else {
            return Ok(None);
        };
        let major = e.value.split('.').next().unwrap_or_default();
        major.parse::<u32>().map(Some).map_err(|_| {
            ConfError::at(
                e.line,
                format!(
                    "server_version `{}` is not a PostgreSQL major version (e.g. 16)",
                    e.value
                ),
            )
        })
    }

    /// `owners = true`: sync writes who owns each object (other than the
    /// database's owner) and drift compares it. Off by default: the roles
    /// must exist wherever the schema is loaded.
    pub fn owners(&self) -> Result<bool, ConfError> {
        match self.get("", "owners") {
            None => Ok(false),
            Some(e) => match e.value.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(ConfError::at(
                    e.line,
                    format!("owners `{other}` is not true or false"),
                )),
            },
        }
    }

    /// The value of `key` in section `name`, with its line.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.section == section && e.key == key)
    }
}

/// A config error as bad input naming the file and line.
pub fn at_line(e: &ConfError) -> anyhow::Error {
    BadInput(format!("{CONFIG_FILE}:{e}")).into()
}

fn known_section(name: &str) -> Option<String> {
    let known = SECTIONS.iter().any(|s| match s.strip_suffix('.') {
        Some(prefix) => name
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|rest| !rest.is_empty()),
        None => name == *s,
    });
    known.then(|| name.to_string())
}

/// `"value"` -> `value`; anything else as written.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_settings_and_errors_with_their_line() {
        let c = Conf::parse(
            "# comment\nserver_version = 16\n[layout]\n02_a.sql = kind:table\n[env.staging]\nurl = \"${STAGING_URL}\"\n",
        )
        .unwrap();
        assert_eq!(c.get("", "server_version").unwrap().value, "16");
        assert_eq!(c.get("env.staging", "url").unwrap().value, "${STAGING_URL}");
        assert_eq!(c.get("env.staging", "url").unwrap().line, 6);
        assert_eq!(c.section("layout").count(), 1);
        let e = Conf::parse("[layot]\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("unknown section [layot]"), "{e}");
        assert!(Conf::parse("[env.]\n").is_err());
        let e = Conf::parse("x = y\n").unwrap_err().to_string();
        assert!(e.contains("outside a section"), "{e}");
    }

    #[test]
    fn owners_is_off_unless_said_and_a_bad_value_names_its_line() {
        assert!(!Conf::parse("").unwrap().owners().unwrap());
        assert!(Conf::parse("owners = true\n").unwrap().owners().unwrap());
        assert!(!Conf::parse("owners = false\n").unwrap().owners().unwrap());
        let e = Conf::parse("\nowners = yes\n")
            .unwrap()
            .owners()
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("owners `yes` is not true or false"),
            "{e}"
        );
    }
}
