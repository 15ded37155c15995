//! `hooks install` / `hooks uninstall`: point git at `.githooks/` through
//! the repository's `core.hooksPath`, or take it back, saying what changed.

use std::path::Path;

use anyhow::{Context, Result};
use git2::{ConfigLevel, Repository};

use crate::hook::git::{prefix_of, repository};
use crate::project::Project;
use crate::{BadInput, Outcome};

const KEY: &str = "core.hooksPath";

/// `.githooks`, or `sub/dir/.githooks` when the project is not at the top.
fn hooks_dir(repo: &Repository, project: &Project) -> Result<String> {
    Ok(format!("{}.githooks", prefix_of(repo, &project.root)?))
}

fn local_config(repo: &Repository) -> Result<(git2::Config, std::path::PathBuf)> {
    let config = repo
        .config()
        .and_then(|c| c.open_level(ConfigLevel::Local))
        .context("cannot open the repository's git config")?;
    Ok((config, repo.commondir().join("config")))
}

pub fn install(project: &Project, force: bool) -> Result<Outcome> {
    let repo = repository(&project.root)?;
    let dir = hooks_dir(&repo, project)?;
    let workdir = repo
        .workdir()
        .context("the repository has no working tree")?;
    let script = workdir.join(&dir).join("pre-commit");
    check_script(&script, &dir)?;
    let (mut config, path) = local_config(&repo)?;
    let before = config.get_string(KEY).ok();
    match before.as_deref() {
        Some(d) if d == dir => {
            println!(
                "{KEY} is already {dir} in {}: git runs {dir}/pre-commit before every commit",
                path.display()
            );
            return Ok(Outcome::Clean);
        }
        Some(other) if !force => {
            return Err(BadInput(format!(
                "{KEY} is already `{other}` in {} (another hook manager?); pass --force to replace it, or call `cargo xtask hook pre-commit` from that manager's pre-commit hook (docs/hook.md)",
                path.display()
            ))
            .into())
        }
        _ => {}
    }
    config
        .set_str(KEY, &dir)
        .with_context(|| format!("cannot set {KEY} in {}", path.display()))?;
    println!(
        "set {KEY} = {dir} in {} (it was {}): git now runs {dir}/pre-commit, which runs `cargo xtask hook pre-commit`, before every commit",
        path.display(),
        before.map_or("unset".to_string(), |b| format!("`{b}`"))
    );
    // git stops running .git/hooks once core.hooksPath is set.
    let old = repo.path().join("hooks");
    let mut left: Vec<String> = std::fs::read_dir(&old)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sample"))
        .collect();
    left.sort();
    if !left.is_empty() {
        println!(
            "note: git no longer runs the hooks in {} ({}); move them to {dir}/ if you still want them",
            old.display(),
            left.join(", ")
        );
    }
    println!("undo: cargo xtask hooks uninstall");
    Ok(Outcome::Clean)
}

fn check_script(script: &Path, dir: &str) -> Result<()> {
    let meta = std::fs::metadata(script).map_err(|_| {
        BadInput(format!(
            "{} is missing: copy {dir}/ from touchpoint into this repository first (docs/hook.md)",
            script.display()
        ))
    })?;
    if std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 == 0 {
        return Err(BadInput(format!(
            "{} is not executable: chmod +x {dir}/pre-commit && git add --chmod=+x {dir}/pre-commit",
            script.display()
        ))
        .into());
    }
    Ok(())
}

pub fn uninstall(project: &Project) -> Result<Outcome> {
    let repo = repository(&project.root)?;
    let dir = hooks_dir(&repo, project)?;
    let (mut config, path) = local_config(&repo)?;
    match config.get_string(KEY).ok() {
        None => println!("{KEY} is not set in {}: nothing to undo", path.display()),
        Some(d) if d == dir => {
            config
                .remove(KEY)
                .with_context(|| format!("cannot remove {KEY} from {}", path.display()))?;
            println!(
                "removed {KEY} = {dir} from {}: git runs the hooks in .git/hooks again, and no longer touchpoint's",
                path.display()
            );
        }
        Some(other) => println!(
            "{KEY} is `{other}` in {}, not touchpoint's {dir}: left alone",
            path.display()
        ),
    }
    Ok(Outcome::Clean)
}
