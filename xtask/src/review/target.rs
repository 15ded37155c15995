//! Where the reviewed migrations will run, and what the project switched
//! on: the target server's major version (advice that needs a newer server
//! than the target is never given, and syntax the target lacks is an
//! error) and the opt-in rules enabled in `touchpoint.conf`'s `[review]`
//! section.
//!
//! The major comes from the live database when one was named, else from
//! `server_version` in `touchpoint.conf`, else it is the newest supported.

use anyhow::Result;

use crate::outcome::BadInput;
use crate::project::conf::{Conf, CONFIG_FILE};

/// The newest PostgreSQL major touchpoint knows; the target when nothing
/// says otherwise.
pub const NEWEST_MAJOR: u32 = 18;

/// Where the target's major came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The server the review was pointed at.
    Database,
    /// `server_version` in `touchpoint.conf`.
    Conf,
    /// Nothing said: the newest supported.
    Newest,
}

/// The server the migrations are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub major: u32,
    pub source: Source,
}

impl Default for Target {
    fn default() -> Target {
        Target::newest()
    }
}

impl Target {
    pub fn newest() -> Target {
        Target {
            major: NEWEST_MAJOR,
            source: Source::Newest,
        }
    }

    pub fn major(major: u32) -> Target {
        Target {
            major,
            source: Source::Conf,
        }
    }

    /// From a server's `server_version_num` (e.g. 170004).
    pub fn from_server_version_num(num: i32) -> Target {
        Target {
            major: u32::try_from(num / 10000).unwrap_or(NEWEST_MAJOR),
            source: Source::Database,
        }
    }

    /// Whether the target has what came in `major`.
    pub fn has(self, major: u32) -> bool {
        self.major >= major
    }

    /// How the report names the target, e.g. `PostgreSQL 13 (server_version in touchpoint.conf)`.
    pub fn describe(self) -> String {
        let from = match self.source {
            Source::Database => "the database's server_version_num",
            Source::Conf => "server_version in touchpoint.conf",
            Source::Newest => "the newest supported; set server_version in touchpoint.conf",
        };
        format!("PostgreSQL {} ({from})", self.major)
    }
}

/// `16`, `16.4`, `9.6` (read as 9) or a `server_version_num` such as
/// `160004`: the major.
pub fn parse_major(value: &str) -> Option<u32> {
    let v = value.trim();
    let v = v
        .strip_prefix("PostgreSQL")
        .map_or(v, str::trim)
        .split_whitespace()
        .next()?;
    let first = v.split('.').next()?;
    let n: u32 = first.parse().ok()?;
    let major = if n >= 10000 { n / 10000 } else { n };
    (9..=99).contains(&major).then_some(major)
}

/// What a review runs with besides the migrations.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub target: Target,
    /// The opt-in rules switched on (`[review] enable = ...`).
    pub enabled: Vec<String>,
}

impl Options {
    /// The target from `server_version` (else the newest) and the opt-in
    /// rules of `[review] enable`, checked against `opt_in`, the ids there
    /// are; a bad value is bad input naming its line.
    pub fn from_conf(conf: &Conf, opt_in: &[&str]) -> Result<Options> {
        let mut target = Target::newest();
        if let Some(e) = conf.get("", "server_version") {
            let major = parse_major(&e.value).ok_or_else(|| {
                BadInput(format!(
                    "{CONFIG_FILE}:{}: server_version = {} is not a PostgreSQL version (write the major, e.g. 16)",
                    e.line, e.value
                ))
            })?;
            target = Target::major(major);
        }
        let mut enabled = Vec::new();
        for e in conf.section("review") {
            if e.key != "enable" {
                anyhow::bail!(BadInput(format!(
                    "{CONFIG_FILE}:{}: [review] has no setting `{}`; it has `enable = rule-id, ...`",
                    e.line, e.key
                )));
            }
            for id in e.value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                if !opt_in.contains(&id) {
                    anyhow::bail!(BadInput(format!(
                        "{CONFIG_FILE}:{}: `{id}` is not an opt-in rule; they are {}",
                        e.line,
                        opt_in.join(", ")
                    )));
                }
                enabled.push(id.to_string());
            }
        }
        Ok(Options { target, enabled })
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.enabled.iter().any(|e| e == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_people_write_them() {
        assert_eq!(parse_major("16"), Some(16));
        assert_eq!(parse_major(" 13.4 "), Some(13));
        assert_eq!(parse_major("170004"), Some(17));
        assert_eq!(parse_major("PostgreSQL 18.1"), Some(18));
        assert_eq!(parse_major("9.6"), Some(9));
        assert_eq!(parse_major("latest"), None);
        assert_eq!(parse_major("3"), None);
    }

    #[test]
    fn options_from_touchpoint_conf() {
        let conf = Conf::parse(
            "server_version = 13\n[review]\nenable = prefer-identity, missing-statement-timeout\n",
        )
        .unwrap();
        let o =
            Options::from_conf(&conf, &["prefer-identity", "missing-statement-timeout"]).unwrap();
        assert_eq!(o.target, Target::major(13));
        assert!(o.enabled("prefer-identity") && o.enabled("missing-statement-timeout"));
        let o = Options::from_conf(&Conf::default(), &[]).unwrap();
        assert_eq!(o.target, Target::newest());

        let bad = Conf::parse("[review]\nenable = prefer-idenity\n").unwrap();
        let e = Options::from_conf(&bad, &["prefer-identity"]).unwrap_err();
        assert!(e.to_string().contains("touchpoint.conf:2"), "{e}");
        let bad = Conf::parse("server_version = new\n").unwrap();
        let e = Options::from_conf(&bad, &[]).unwrap_err();
        assert!(e.to_string().contains("touchpoint.conf:1"), "{e}");
    }
}
