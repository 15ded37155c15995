//! The repository side of the hook, through git2: the index being
//! committed (`GIT_INDEX_FILE` when git sets one, as `git commit -a` and
//! `git commit <paths>` do), HEAD's tree, and the working tree of
//! `current_schema/`. Blobs are read only when the checks ask for them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::{Index, Oid, Repository, Status, StatusOptions, Tree};

use super::model::{Blobs, Listed, Listing};
use crate::migration::retired::RETIRED_FILE;
use crate::outcome::BadInput;
use crate::project::conf::CONFIG_FILE;

pub struct GitRepo {
    repo: Repository,
    /// Where the project sits in the repository: `""` or `"sub/dir/"`.
    prefix: String,
    index_oids: HashMap<String, Oid>,
    head_oids: HashMap<String, Oid>,
    /// `touchpoint.conf` in the index, when there is one.
    conf_oid: Option<Oid>,
}

/// The repository `project_root` is in, or a [`BadInput`] saying so.
pub fn repository(project_root: &Path) -> Result<Repository> {
    let repo = Repository::discover(project_root).map_err(|e| {
        BadInput(format!(
            "{} is not in a git repository ({}); run the hook inside the repository, or pass --project-dir",
            project_root.display(),
            e.message()
        ))
    })?;
    if repo.is_bare() {
        return Err(BadInput(format!(
            "{} is a bare repository: the hook needs a working tree",
            repo.path().display()
        ))
        .into());
    }
    Ok(repo)
}

/// The project's place in the repository, `""` or `"sub/dir/"`.
pub fn prefix_of(repo: &Repository, project_root: &Path) -> Result<String> {
    let workdir = repo
        .workdir()
        .context("the repository has no working tree")?;
    let canon = |p: &Path| {
        p.canonicalize()
            .with_context(|| format!("cannot resolve {}", p.display()))
    };
    let (root, workdir) = (canon(project_root)?, canon(workdir)?);
    let rel = root.strip_prefix(&workdir).map_err(|_| {
        BadInput(format!(
            "{} is outside the working tree {}",
            root.display(),
            workdir.display()
        ))
    })?;
    let mut prefix = String::new();
    for part in rel.components() {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    Ok(prefix)
}

impl GitRepo {
    /// Opens the repository of `project_root` and lists what its index
    /// holds under `migrations/` and `current_schema/`.
    pub fn open(project_root: &Path) -> Result<GitRepo> {
        let repo = repository(project_root)?;
        let prefix = prefix_of(&repo, project_root)?;
        let mut index = match std::env::var_os("GIT_INDEX_FILE") {
            Some(file) if !file.is_empty() => {
                let file = PathBuf::from(file);
                let file = if file.is_relative() {
                    std::env::current_dir()?.join(file)
                } else {
                    file
                };
                Index::open(&file).with_context(|| {
                    format!("cannot read the index {} (GIT_INDEX_FILE)", file.display())
                })?
            }
            _ => repo.index().context("cannot read the git index")?,
        };
        let mut index_oids = HashMap::new();
        let mut conf_oid = None;
        for entry in index.iter() {
            // Conflicted entries (stage 1-3): git refuses the commit anyway.
            if (entry.flags >> 12) & 3 != 0 {
                continue;
            }
            let Ok(path) = std::str::from_utf8(&entry.path) else {
                continue;
            };
            if wanted(&prefix, path) {
                index_oids.insert(path.to_string(), entry.id);
            } else if path.strip_prefix(prefix.as_str()) == Some(CONFIG_FILE) {
                // The static review targets the server_version being
                // committed.
                conf_oid = Some(entry.id);
            }
        }
        let mut head_oids = HashMap::new();
        if let Some(tree) = head_tree(&repo)? {
            for dir in ["migrations", "current_schema"] {
                let dir = format!("{prefix}{dir}");
                let Ok(entry) = tree.get_path(Path::new(&dir)) else {
                    continue;
                };
                let Ok(sub) = entry.to_object(&repo).and_then(|o| o.peel_to_tree()) else {
                    continue;
                };
                for e in sub.iter() {
                    let Ok(name) = e.name() else { continue };
                    let path = format!("{dir}/{name}");
                    if wanted(&prefix, &path) {
                        head_oids.insert(path, e.id());
                    }
                }
            }
        }
        // Status (for current_schema/) must compare with this same index.
        repo.set_index(&mut index)?;
        Ok(GitRepo {
            repo,
            prefix,
            index_oids,
            head_oids,
            conf_oid,
        })
    }

    /// `all`: every file is judged; otherwise those that differ from HEAD.
    pub fn listing(&self, all: bool) -> Listing {
        let mut listing = Listing {
            prefix: self.prefix.clone(),
            ..Listing::default()
        };
        let mut paths: Vec<&String> = self.index_oids.keys().collect();
        paths.sort();
        let migrations = format!("{}migrations/", self.prefix);
        let retired = format!("{migrations}{RETIRED_FILE}");
        for path in paths {
            if *path == retired {
                listing.retired = Some(path.clone());
                continue;
            }
            let head = self.head_oids.get(path);
            let listed = Listed {
                path: path.clone(),
                file_name: path.rsplit('/').next().unwrap_or(path).to_string(),
                staged: all || head != Some(&self.index_oids[path]),
                in_head: head.is_some(),
            };
            if path.starts_with(&migrations) {
                listing.migrations.push(listed);
            } else {
                listing.schema.push(listed);
            }
        }
        let gone = |dir: &str| {
            let mut paths: Vec<String> = self
                .head_oids
                .keys()
                .filter(|p| p.starts_with(dir) && p.ends_with(".sql"))
                .filter(|p| !self.index_oids.contains_key(*p))
                .cloned()
                .collect();
            paths.sort();
            paths
        };
        listing.deleted = gone(&migrations);
        listing.deleted_schema = gone(&format!("{}current_schema/", self.prefix));
        listing
    }

    fn text(&self, oid: Oid) -> Result<String> {
        let blob = self
            .repo
            .find_blob(oid)
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        String::from_utf8(blob.content().to_vec()).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            anyhow::anyhow!("it is not UTF-8 (bad byte at offset {at})")
        })
    }
}

fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>> {
    match repo.head() {
        Ok(head) => Ok(Some(
            head.peel_to_tree().context("cannot read HEAD's tree")?,
        )),
        // A repository without commits yet: everything in the index is new.
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(e).context("cannot read HEAD"),
    }
}

/// `*.sql` directly under the project's `migrations/` or `current_schema/`,
/// not hidden: the files the other commands read.
fn wanted(prefix: &str, path: &str) -> bool {
    let Some(rest) = path.strip_prefix(prefix) else {
        return false;
    };
    let Some((dir, name)) = rest.split_once('/') else {
        return false;
    };
    if dir == "migrations" && name == RETIRED_FILE {
        return true;
    }
    matches!(dir, "migrations" | "current_schema")
        && !name.contains('/')
        && !name.starts_with('.')
        && name.ends_with(".sql")
}

impl Blobs for GitRepo {
    fn index(&self, path: &str) -> Result<String> {
        let conf = self
            .conf_oid
            .filter(|_| path.strip_prefix(self.prefix.as_str()) == Some(CONFIG_FILE));
        match self.index_oids.get(path).or(conf.as_ref()) {
            Some(oid) => self.text(*oid),
            None => Err(anyhow::anyhow!("it is not in the index")),
        }
    }

    fn head(&self, path: &str) -> Option<Result<String>> {
        self.head_oids.get(path).map(|oid| self.text(*oid))
    }

    fn unstaged_schema(&self) -> Result<Vec<(String, &'static str)>> {
        let dir = format!("{}current_schema/", self.prefix);
        let mut opts = StatusOptions::new();
        opts.pathspec(&dir)
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = self
            .repo
            .statuses(Some(&mut opts))
            .context("cannot read the status of current_schema/")?;
        let mut out = Vec::new();
        for s in statuses.iter() {
            let Ok(path) = s.path() else { continue };
            if !wanted(&self.prefix, path) {
                continue;
            }
            let st = s.status();
            let how = if st.contains(Status::WT_NEW) {
                "new"
            } else if st.contains(Status::WT_DELETED) {
                "deleted"
            } else if st
                .intersects(Status::WT_MODIFIED | Status::WT_TYPECHANGE | Status::WT_RENAMED)
            {
                "modified"
            } else {
                continue;
            };
            out.push((path.to_string(), how));
        }
        out.sort();
        Ok(out)
    }
}
