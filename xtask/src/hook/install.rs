//! `hook install` / `hook uninstall`: point git at `.githooks/` through
//! the repository's `core.hooksPath`, or take it back, saying what changed;
//! and the same installation done once, unasked, by the first command run in
//! a clone ([`auto_install`]).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{ConfigLevel, Repository};

use crate::hook::git::{prefix_of, repository};
use crate::outcome::{BadInput, Outcome};
use crate::project::Project;

const KEY: &str = "core.hooksPath";
/// `off` after `hook uninstall`: no command installs the hook again unasked.
const OPT_OUT_KEY: &str = "touchpoint.hooks";
/// Set once the hint about another hook manager has been shown.
const HINT_KEY: &str = "touchpoint.hookhint";
/// The script `.githooks/pre-commit` holds; written when a repository lacks it.
pub const PRE_COMMIT: &str = include_str!("../../templates/pre-commit");
/// `.githooks/pre-merge-commit`: the same checks over a merge's index.
pub const PRE_MERGE_COMMIT: &str = include_str!("../../templates/pre-merge-commit");
/// The hooks touchpoint installs, by file name.
pub const SCRIPTS: &[(&str, &str)] = &[
    ("pre-commit", PRE_COMMIT),
    ("pre-merge-commit", PRE_MERGE_COMMIT),
];

/// `.githooks`, or `sub/dir/.githooks` when the project is not at the top.
fn hooks_dir(repo: &Repository, project: &Project) -> Result<String> {
    Ok(format!("{}.githooks", prefix_of(repo, &project.root)?))
}

fn local_config(repo: &Repository) -> Result<(git2::Config, PathBuf)> {
    let config = repo
        .config()
        .and_then(|c| c.open_level(ConfigLevel::Local))
        .context("cannot open the repository's git config")?;
    Ok((config, repo.commondir().join("config")))
}

pub fn install(project: &Project, force: bool) -> Result<Outcome> {
    let repo = repository(&project.root)?;
    let dir = hooks_dir(&repo, project)?;
    let script = write_script(&repo, &dir)?;
    check_script(&script, &dir)?;
    let (mut config, path) = local_config(&repo)?;
    let _ = config.remove(OPT_OUT_KEY);
    let before = repo.config()?.get_string(KEY).ok();
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
                "{KEY} is already `{other}` (another hook manager?); pass --force to replace it, or call `cargo xtask hook pre-commit` from that manager's pre-commit hook (docs/hook.md)",
            ))
            .into())
        }
        _ => {}
    }
    config
        .set_str(KEY, &dir)
        .with_context(|| format!("cannot set {KEY} in {}", path.display()))?;
    println!(
        "set {KEY} = {dir} in {} (it was {}): git now runs {dir}/pre-commit (and pre-merge-commit), which run `cargo xtask hook pre-commit`, before every commit and merge",
        path.display(),
        before.map_or("unset".to_string(), |b| format!("`{b}`"))
    );
    let left = other_git_hooks(&repo);
    if !left.is_empty() {
        println!(
            "note: git no longer runs the hooks in {} ({}); move them to {dir}/ if you still want them",
            repo.path().join("hooks").display(),
            left.join(", ")
        );
    }
    println!("undo: cargo xtask hook uninstall");
    Ok(Outcome::Clean)
}

/// Hooks in `.git/hooks` other than git's samples: git stops running them
/// once `core.hooksPath` is set.
fn other_git_hooks(repo: &Repository) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo.path().join("hooks"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sample"))
        .collect();
    names.sort();
    names
}

/// Writes each of touchpoint's hook scripts into `<dir>/` when the
/// repository lacks it; returns the pre-commit script's path.
fn write_script(repo: &Repository, dir: &str) -> Result<PathBuf> {
    let workdir = repo
        .workdir()
        .context("the repository has no working tree")?;
    for (name, text) in SCRIPTS {
        let script = workdir.join(dir).join(name);
        if script.exists() {
            continue;
        }
        std::fs::create_dir_all(workdir.join(dir))
            .with_context(|| format!("cannot create {dir}/"))?;
        std::fs::write(&script, text)
            .with_context(|| format!("cannot write {}", script.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(workdir.join(dir).join("pre-commit"))
}

fn check_script(script: &Path, dir: &str) -> Result<()> {
    let meta =
        std::fs::metadata(script).with_context(|| format!("cannot read {}", script.display()))?;
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
    config
        .set_str(OPT_OUT_KEY, "off")
        .with_context(|| format!("cannot set {OPT_OUT_KEY} in {}", path.display()))?;
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
    println!(
        "set {OPT_OUT_KEY} = off: commands no longer install the hook; `cargo xtask hook install` does, and clears it"
    );
    Ok(Outcome::Clean)
}

/// What the first command run in a clone does about the hook: install it
/// when git would run none of touchpoint's hooks and nothing else manages
/// hooks there; otherwise leave the repository alone, with a hint once.
/// Silent outside git, after `hook uninstall`, and with
/// `TOUCHPOINT_NO_HOOKS=1`. Never fails the command it runs before.
pub fn auto_install(project: &Project) {
    if std::env::var_os("TOUCHPOINT_NO_HOOKS").is_some_and(|v| !v.is_empty() && v != "0") {
        return;
    }
    let Ok(repo) = Repository::discover(&project.root) else {
        return;
    };
    if repo.is_bare() {
        return;
    }
    if let Err(e) = try_auto_install(&repo, project) {
        eprintln!("touchpoint: the pre-commit hook was not installed: {e:#}");
    }
}

fn try_auto_install(repo: &Repository, project: &Project) -> Result<()> {
    let config = repo.config()?.snapshot()?;
    if config.get_str(OPT_OUT_KEY).is_ok_and(|v| v == "off") {
        return Ok(());
    }
    let dir = hooks_dir(repo, project)?;
    let manager = match config.get_str(KEY) {
        Ok(d) if d == dir => return Ok(()),
        Ok(other) => Some(format!("core.hooksPath is `{other}`")),
        Err(_) => other_manager(repo),
    };
    let (mut local, _) = local_config(repo)?;
    if let Some(manager) = manager {
        if config.get_str(HINT_KEY).is_err() {
            eprintln!(
                "touchpoint: {manager}: the pre-commit hook was left alone; run `cargo xtask hook pre-commit` from it (docs/hook.md), or `cargo xtask hook install --force`"
            );
            local.set_str(HINT_KEY, "shown")?;
        }
        return Ok(());
    }
    write_script(repo, &dir)?;
    local.set_str(KEY, &dir)?;
    eprintln!(
        "touchpoint: installed the pre-commit hook (core.hooksPath = {dir}); opt out with `cargo xtask hook uninstall` or TOUCHPOINT_NO_HOOKS=1"
    );
    Ok(())
}

/// Another hook manager at work in the repository, named for the hint.
fn other_manager(repo: &Repository) -> Option<String> {
    let workdir = repo.workdir()?;
    let marks = [
        (
            ".pre-commit-config.yaml",
            "pre-commit (.pre-commit-config.yaml)",
        ),
        ("lefthook.yml", "lefthook (lefthook.yml)"),
        (".lefthook.yml", "lefthook (.lefthook.yml)"),
        ("lefthook.yaml", "lefthook (lefthook.yaml)"),
        (".husky", "husky (.husky/)"),
    ];
    if let Some((_, name)) = marks.iter().find(|(f, _)| workdir.join(f).exists()) {
        return Some(format!("the repository uses {name}"));
    }
    let own = other_git_hooks(repo);
    (!own.is_empty()).then(|| {
        format!(
            "{} holds hooks of its own ({})",
            repo.path().join("hooks").display(),
            own.join(", ")
        )
    })
}
