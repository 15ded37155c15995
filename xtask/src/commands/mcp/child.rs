//! touchpoint's command line run as a child process for a tool: the same
//! executable, the project named with `--project-dir`, no standard input,
//! both output streams captured (ours carries only JSON-RPC), no hook
//! installation. Without an environment the child sees no `DATABASE_URL`
//! and no `PG*` variable, so the embedded database is the one it uses.

use std::path::Path;
use std::time::Instant;

use xshell::Shell;

/// How a run of the command line ended.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// What the command said on standard error besides its report (notes,
    /// warnings, the next step), trimmed.
    pub fn notes(&self) -> String {
        self.stderr.trim().to_string()
    }

    /// What a failed run said: standard error, with the output it wrote
    /// before failing (the migrations an apply ran before the one that
    /// failed, for one).
    pub fn failure(&self) -> String {
        let (err, out) = (self.stderr.trim(), self.stdout.trim());
        match (err.is_empty(), out.is_empty(), self.code) {
            (false, true, _) => err.to_string(),
            (false, false, _) => format!(
                "{err}

its output before that:
{out}"
            ),
            (true, false, _) => out.to_string(),
            (true, true, Some(code)) => {
                format!("the command exited with code {code} and said nothing")
            }
            (true, true, None) => "the command was ended by a signal".to_string(),
        }
    }
}

/// Runs `exe --project-dir ROOT ARGS...`. `environment` is the touchpoint.conf
/// environment the arguments name, if any: then the `PG*` variables stay
/// (its connection may read a password from them). An error is a child that
/// could not be started.
pub fn run(
    exe: &Path,
    root: &Path,
    args: &[String],
    environment: Option<&str>,
) -> Result<Ran, String> {
    let shown = format!("touchpoint {}", args.join(" "));
    super::log(&format!("  running {shown}"));
    let started = Instant::now();
    let sh = Shell::new().map_err(|e| format!("cannot run {shown}: {e}"))?;
    sh.change_dir(root);
    let mut cmd = sh
        .cmd(exe)
        .arg("--project-dir")
        .arg(root)
        .args(args)
        .env("TOUCHPOINT_NO_HOOKS", "1")
        .env_remove("DATABASE_URL")
        .quiet()
        .ignore_status();
    if environment.is_none() {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                cmd = cmd.env_remove(key);
            }
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let ran = Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    super::log(&format!(
        "  {shown}: exit {} in {} ms",
        ran.code
            .map_or_else(|| "by signal".to_string(), |c| c.to_string()),
        started.elapsed().as_millis()
    ));
    Ok(ran)
}
