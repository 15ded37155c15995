//! The project on disk: where the migrations live, and reading them into
//! models. A file that cannot be read or parsed becomes a [`FileProblem`]
//! naming it, and the rest of the set is still read.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub mod conf;

use chrono::NaiveDate;

use crate::migration::header::set_stamp;
use crate::migration::name::NumberIndex;
use crate::migration::{Migration, MigrationName, StampState, Touchpoint};

#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Path relative to the project root.
    pub file: String,
    /// 1-based line, when the problem is on one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every migration that could be read, ordered by NN, and the problems met.
#[derive(Debug, Default)]
pub struct MigrationSet {
    pub migrations: Vec<Migration>,
    pub problems: Vec<FileProblem>,
}

impl MigrationSet {
    /// The migrations, when every file is sound. Otherwise each problem is
    /// printed and the error (bad input, exit 2) says that nothing was
    /// `done` ("applied", "recorded", ...): the one place that decides.
    pub fn sound(self, done: &str) -> Result<Vec<Migration>> {
        if self.problems.is_empty() {
            return Ok(self.migrations);
        }
        for p in &self.problems {
            eprintln!("error: {p}");
        }
        Err(crate::outcome::BadInput(format!(
            "{} file problem{} in migrations/ (listed above); nothing was {done}. Fix them, then run the command again",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        ))
        .into())
    }
}

impl Project {
    pub fn new(root: impl Into<PathBuf>) -> Project {
        Project { root: root.into() }
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.root.join("migrations")
    }

    /// `migrations/<file>` as shown to people.
    pub fn display_path(&self, file_name: &str) -> String {
        format!("migrations/{file_name}")
    }

    /// File names in `migrations/` that look like migrations (`*.sql`, not
    /// hidden), sorted. Other files (a README) are left alone.
    pub fn migration_file_names(&self) -> Result<Vec<String>> {
        let dir = self.migrations_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.ends_with(".sql") {
                continue;
            }
            names.push(name);
        }
        names.sort();
        Ok(names)
    }

    pub fn load_migrations(&self) -> Result<MigrationSet> {
        let mut set = MigrationSet::default();
        let mut numbered: Vec<(u32, String)> = Vec::new();
        for file_name in self.migration_file_names()? {
            let file = self.display_path(&file_name);
            let problem = |line, message: String| FileProblem {
                file: file.clone(),
                line,
                message,
            };
            let name = match MigrationName::parse(&file_name) {
                Ok(n) => n,
                Err(e) => {
                    set.problems.push(problem(None, e.to_string()));
                    continue;
                }
            };
            numbered.push((name.number, file.clone()));
            let bytes = match fs::read(self.migrations_dir().join(&file_name)) {
                Ok(b) => b,
                Err(e) => {
                    set.problems
                        .push(problem(None, format!("cannot read the file: {e}")));
                    continue;
                }
            };
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
                    set.problems.push(problem(
                        Some(line),
                        format!(
                            "the file is not UTF-8 (bad byte at offset {at}); save it as UTF-8"
                        ),
                    ));
                    continue;
                }
            };
            match Migration::parse(name, &text) {
                Ok(m) => set.migrations.push(m),
                Err(e) => set.problems.push(problem(Some(e.line), e.message)),
            }
        }
        let numbers = NumberIndex::new(numbered);
        for (number, files) in numbers.clashes() {
            for file in files {
                let others: Vec<&str> = numbers.others(number, file).map(String::as_str).collect();
                set.problems.push(FileProblem {
                    file: file.clone(),
                    line: None,
                    message: format!(
                        "NN {number:02} is also used by {}; renumber one of them to the next free NN ({:02})",
                        others.join(", "),
                        numbers.next_free()
                    ),
                });
            }
        }
        set.migrations
            .sort_by(|a, b| (a.name.number, &a.name.stem).cmp(&(b.name.number, &b.name.stem)));
        set.problems.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(set)
    }

    /// The migration named by `file` (a path, or a file name in
    /// `migrations/`), parsed; bad input when there is none or it does not
    /// parse.
    pub fn find_migration(&self, file: &str) -> Result<Migration> {
        let name = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let path = self.migrations_dir().join(&name);
        if !path.is_file() {
            return Err(crate::outcome::BadInput(format!(
                "{file} is not a migration in migrations/ (cargo xtask migration status --offline lists them)"
            ))
            .into());
        }
        let parsed = MigrationName::parse(&name)
            .map_err(|e| crate::outcome::BadInput(format!("{}: {e}", self.display_path(&name))))?;
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Migration::parse(parsed, &text)
            .map_err(|e| anyhow::anyhow!("{}:{e}", self.display_path(&name)))
    }

    /// The highest NN used by any file whose name parses.
    pub fn highest_number(&self) -> Result<Option<u32>> {
        Ok(self
            .migration_file_names()?
            .iter()
            .filter_map(|n| MigrationName::parse(n).ok())
            .map(|n| n.number)
            .max())
    }
}

/// The project root, found at run time (never a path fixed when touchpoint
/// was built): `explicit` (`--project-dir` or `TOUCHPOINT_PROJECT_DIR`);
/// else the cargo workspace of the package cargo is running
/// (`CARGO_MANIFEST_DIR`); else the cargo workspace holding the current
/// directory; else the nearest directory above it with `touchpoint.conf` or
/// `migrations/`, or the top of its git work tree; else the current directory.
pub fn find_root(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if !dir.is_dir() {
            return Err(crate::outcome::BadInput(format!(
                "the project directory {} does not exist (from --project-dir or TOUCHPOINT_PROJECT_DIR)",
                dir.display()
            ))
            .into());
        }
        return Ok(std::path::absolute(&dir).unwrap_or(dir));
    }
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) {
        if manifest.is_dir() {
            return Ok(workspace_root(&manifest).unwrap_or(manifest));
        }
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Some(root) = workspace_root(&cwd) {
        return Ok(root);
    }
    let marked = cwd.ancestors().find(|dir| {
        dir.join("touchpoint.conf").is_file()
            || dir.join("migrations").is_dir()
            || dir.join(".git").exists()
    });
    Ok(marked.map_or(cwd.clone(), Path::to_path_buf))
}

/// The nearest directory at or above `dir` whose `Cargo.toml` declares a
/// `[workspace]` (as cargo looks for a member's workspace).
pub fn workspace_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|text| {
                text.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with("[workspace]") || l.starts_with("[workspace.")
                })
            })
        })
        .map(Path::to_path_buf)
}

impl Project {
    /// Ticks `tp` in the file of `m` with its checksum: the file is read
    /// again (it may have changed since it was loaded), and refused when its
    /// checksum is no longer `m`'s; the new text replaces it atomically.
    /// Returns whether the file was written (false: already stamped).
    pub fn stamp(&self, m: &Migration, tp: Touchpoint, today: NaiveDate) -> Result<bool> {
        let path = self.migrations_dir().join(m.name.file_name());
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let now = Migration::parse(m.name.clone(), &text)
            .map_err(|e| anyhow::anyhow!("{}:{e}", self.display_path(&m.name.file_name())))?;
        if now.checksum != m.checksum {
            anyhow::bail!(
                "{} changed while touchpoint was working on it; its {} stamp was not written",
                self.display_path(&m.name.file_name()),
                tp.label()
            );
        }
        if matches!(now.stamp_state(tp), StampState::Current(_)) {
            return Ok(false);
        }
        let stamped = set_stamp(&text, tp, today, &m.checksum)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.display_path(&m.name.file_name())))?;
        write_atomic(&path, &stamped)?;
        Ok(true)
    }
}

impl Project {
    /// Reopens `tp` in the file named `file_name` (after a rollback). A file
    /// that is gone or has no header is left alone.
    pub fn unstamp(&self, file_name: &str, tp: Touchpoint) -> Result<()> {
        let path = self.migrations_dir().join(file_name);
        let Ok(text) = fs::read_to_string(&path) else {
            return Ok(());
        };
        match crate::migration::header::clear_stamp(&text, tp) {
            Ok(new) if new != text => write_atomic(&path, &new),
            _ => Ok(()),
        }
    }
}

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so a crash leaves the old or the new file, never half of one.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
