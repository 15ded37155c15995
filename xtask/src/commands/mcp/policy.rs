//! What the assistant may target, from `touchpoint.conf`: the environments
//! (`[env.NAME]` sections) it may name, and in `[mcp]` the few of them a
//! confirmed apply may change (`apply_environments = staging, dev`). The
//! embedded database needs no listing; nothing else can be named, and no
//! URL is ever taken from the assistant.

use std::path::Path;

use anyhow::Result;

use crate::outcome::BadInput;
use crate::project::conf::{at_line, Conf, ConfError, CONFIG_FILE};

/// The keys of `[mcp]`.
const KEYS: &[&str] = &["apply_environments"];

/// The environments of `touchpoint.conf`, and those a confirmed apply may
/// change.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// `[env.NAME]` names, in file order.
    pub environments: Vec<String>,
    /// `[mcp] apply_environments`.
    pub apply: Vec<String>,
}

impl Policy {
    pub fn load(root: &Path) -> Result<Policy> {
        Policy::from_conf(&Conf::load(root)?).map_err(|e| at_line(&e))
    }

    pub fn from_conf(conf: &Conf) -> Result<Policy, ConfError> {
        let mut policy = Policy::default();
        for e in &conf.entries {
            if let Some(name) = e.section.strip_prefix("env.") {
                if !policy.environments.iter().any(|n| n == name) {
                    policy.environments.push(name.to_string());
                }
            }
        }
        for e in conf.section("mcp") {
            if !KEYS.contains(&e.key.as_str()) {
                return Err(ConfError::at(
                    e.line,
                    format!(
                        "unknown key `{}` in [mcp]; the keys are {}",
                        e.key,
                        KEYS.join(", ")
                    ),
                ));
            }
            for name in e.value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !policy.environments.iter().any(|n| n == name) {
                    return Err(ConfError::at(
                        e.line,
                        format!("apply_environments names `{name}`, which no [env.{name}] section defines"),
                    ));
                }
                policy.apply.push(name.to_string());
            }
        }
        Ok(policy)
    }

    /// Bad input unless `name` is an environment of `touchpoint.conf`.
    pub fn environment(&self, name: &str) -> Result<()> {
        if self.environments.iter().any(|n| n == name) {
            return Ok(());
        }
        let defined = if self.environments.is_empty() {
            "it defines none".to_string()
        } else {
            format!("it defines {}", self.environments.join(", "))
        };
        Err(BadInput(format!(
            "no environment `{name}` in {CONFIG_FILE} ({defined}): an environment is an [env.NAME] section a person wrote there; without one the tools use the embedded database"
        ))
        .into())
    }

    /// Bad input unless a confirmed apply may change environment `name`.
    pub fn may_apply(&self, name: &str) -> Result<()> {
        self.environment(name)?;
        if self.apply.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(BadInput(format!(
            "refused: a real apply to environment `{name}` needs it listed in {CONFIG_FILE}'s [mcp] apply_environments ({}); a person runs `cargo xtask migration apply` there instead. Without confirm, migration_apply only rehearses (runs and rolls back)",
            if self.apply.is_empty() {
                "the list is empty".to_string()
            } else {
                format!("it lists {}", self.apply.join(", "))
            }
        ))
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<Policy, ConfError> {
        Policy::from_conf(&Conf::parse(text).unwrap())
    }

    #[test]
    fn environments_and_the_apply_list() {
        let p = policy(
            "[env.staging]\nurl = \"${STAGING_URL}\"\n[env.prod]\nurl = \"${PROD_URL}\"\n[mcp]\napply_environments = staging\n",
        )
        .unwrap();
        assert_eq!(p.environments, ["staging", "prod"]);
        assert_eq!(p.apply, ["staging"]);
        assert!(p.may_apply("staging").is_ok());
        let e = p.may_apply("prod").unwrap_err().to_string();
        assert!(
            e.starts_with("refused:") && e.contains("it lists staging"),
            "{e}"
        );
        let e = p.environment("qa").unwrap_err().to_string();
        assert!(e.contains("it defines staging, prod"), "{e}");
        assert_eq!(policy("").unwrap(), Policy::default());
    }

    #[test]
    fn a_typo_in_mcp_is_caught_with_its_line() {
        let e =
            policy("[env.dev]\nurl = x\n[mcp]\napply_environments = dev, stagin\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("`stagin`"), "{e}");
        let e = policy("[mcp]\napply_environment = dev\n").unwrap_err();
        assert!(e.message.contains("unknown key `apply_environment`"), "{e}");
    }
}
