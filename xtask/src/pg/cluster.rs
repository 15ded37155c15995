//! The embedded throwaway PostgreSQL: a private cluster started from the
//! Debian server binaries, reachable only through a unix socket in a
//! directory of its own (`listen_addresses = ''`).
//!
//! The same code serves `cargo xtask db ...` (a cluster under `target/`) and
//! the tests ([`Throwaway`]: a cluster on /dev/shm, removed when the test
//! passes, kept and its path printed when it fails).
//!
//! initdb refuses to run as root, so when the caller is root every server
//! binary runs as the `postgres` user (through `runuser`) in directories
//! that user owns.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use xshell::Shell;

/// The port only names the socket file; nothing listens on TCP.
pub const PORT: u16 = 5432;
/// Unix socket paths are limited to 107 bytes (sun_path).
const MAX_SOCKET_DIR: usize = 100 - ".s.PGSQL.5432".len();

#[derive(Debug, Clone)]
pub struct Binaries {
    pub bindir: PathBuf,
    pub major: u32,
}

impl Binaries {
    /// `TOUCHPOINT_PG_BINDIR`, else `pg_config --bindir`, else the newest
    /// `/usr/lib/postgresql/<major>/bin` that has `initdb`.
    pub fn find() -> Result<Binaries> {
        static FOUND: OnceLock<std::result::Result<Binaries, String>> = OnceLock::new();
        FOUND
            .get_or_init(|| Binaries::search().map_err(|e| format!("{e:#}")))
            .clone()
            .map_err(anyhow::Error::msg)
    }

    fn search() -> Result<Binaries> {
        let mut looked = Vec::new();
        if let Some(dir) = std::env::var_os("TOUCHPOINT_PG_BINDIR") {
            let dir = PathBuf::from(dir);
            if let Some(b) = Binaries::at(&dir) {
                return Ok(b);
            }
            bail!(
                "TOUCHPOINT_PG_BINDIR={} has no initdb / pg_ctl / postgres; point it at a PostgreSQL bin directory or unset it",
                dir.display()
            );
        }
        if let Ok(out) = std::process::Command::new("pg_config")
            .arg("--bindir")
            .output()
        {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if let Some(b) = Binaries::at(&dir) {
                return Ok(b);
            }
            looked.push(dir.display().to_string());
        }
        let mut found: Vec<Binaries> = fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Binaries::at(&e.path().join("bin")))
            .collect();
        found.sort_by_key(|b| std::cmp::Reverse(b.major));
        looked.push("/usr/lib/postgresql/*/bin".to_string());
        found.into_iter().next().with_context(|| {
            format!(
                "no PostgreSQL server binaries found (looked in {}): install them with `apt-get install -y postgresql` (Debian; `.ci/run` does this), or set TOUCHPOINT_PG_BINDIR to a directory holding initdb and pg_ctl",
                looked.join(", ")
            )
        })
    }

    /// Server binaries of `major`: `TOUCHPOINT_PG_BINDIR` when it is that
    /// major, else `/usr/lib/postgresql/<major>/bin`, else what `.ci/pg-fetch`
    /// unpacked (`$TOUCHPOINT_PG_CACHE`, default `~/.cache/touchpoint/pg`).
    pub fn for_major(major: u32) -> Option<Binaries> {
        if let Ok(found) = Binaries::find() {
            if found.major == major {
                return Some(found);
            }
        }
        [
            PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")),
            fetched_root().join(format!("{major}/native/bin")),
        ]
        .iter()
        .find_map(|dir| Binaries::at(dir).filter(|b| b.major == major))
    }

    fn at(dir: &Path) -> Option<Binaries> {
        let has_all = ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file());
        if !has_all {
            return None;
        }
        // /usr/lib/postgresql/15/bin: the major is the parent's name; other
        // layouts ask `postgres --version` ("postgres (PostgreSQL) 15.18").
        let major = dir
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse().ok())
            .or_else(|| {
                let out = std::process::Command::new(dir.join("postgres"))
                    .arg("--version")
                    .output()
                    .ok()?;
                let text = String::from_utf8_lossy(&out.stdout);
                let version = text.split_whitespace().last()?;
                version.split('.').next()?.parse().ok()
            })?;
        Some(Binaries {
            bindir: dir.to_path_buf(),
            major,
        })
    }

    fn tool(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }
}

/// Where `.ci/pg-fetch` unpacks other majors' binaries (as root, where the
/// `postgres` user running the servers can read them).
pub fn fetched_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("TOUCHPOINT_PG_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if owner().is_ok_and(|o| o.via_runuser) {
        return PathBuf::from("/var/cache/touchpoint/pg");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("touchpoint/pg")
}

/// Who the server runs as: the caller, or `postgres` when the caller is root.
#[derive(Debug, Clone, Copy)]
struct Owner {
    uid: u32,
    gid: u32,
    via_runuser: bool,
}

fn owner() -> Result<Owner> {
    let me =
        fs::metadata("/proc/self").context("cannot read /proc/self to learn the caller's uid")?;
    if me.uid() != 0 {
        return Ok(Owner {
            uid: me.uid(),
            gid: me.gid(),
            via_runuser: false,
        });
    }
    let passwd = fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    let entry = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "postgres")
        .context(
            "running as root, but there is no `postgres` user to run the server as (initdb refuses root): install the Debian `postgresql` package, which creates it, or run as an ordinary user",
        )?;
    Ok(Owner {
        uid: entry[2]
            .parse()
            .context("bad uid for postgres in /etc/passwd")?,
        gid: entry[3]
            .parse()
            .context("bad gid for postgres in /etc/passwd")?,
        via_runuser: true,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    NotCreated,
    Stopped,
    Running,
}

#[derive(Debug, Clone)]
pub struct Cluster {
    /// Holds `data/`, `server.log` and, when its path is short enough, `sock/`.
    pub dir: PathBuf,
    pub data: PathBuf,
    pub socket_dir: PathBuf,
    pub log: PathBuf,
    pub bin: Binaries,
    owner: Owner,
}

impl Cluster {
    /// The cluster `cargo xtask db` manages: one per project, in
    /// `<project>/target/touchpoint-pg`, or, when `CARGO_TARGET_DIR` points
    /// elsewhere (a target directory several repositories share), in
    /// `$CARGO_TARGET_DIR/touchpoint-pg-<name>-<hash of the project root>`.
    pub fn embedded(project_root: &Path) -> Result<Cluster> {
        Cluster::embedded_with(project_root, Binaries::find()?)
    }

    /// The project's embedded cluster of another major (a shadow server of
    /// a target's version): `touchpoint-pg-<major>` beside the default one.
    pub fn embedded_of(project_root: &Path, bin: Binaries) -> Result<Cluster> {
        Cluster::embedded_with(project_root, bin)
    }

    fn embedded_with(project_root: &Path, bin: Binaries) -> Result<Cluster> {
        let owner = owner()?;
        let mut dir = embedded_dir(project_root, std::env::var_os("CARGO_TARGET_DIR"));
        if Binaries::find().map_or(true, |default| default.major != bin.major) {
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            dir.set_file_name(format!("{name}-{}", bin.major));
        }
        if owner.via_runuser && !reachable_by(&dir, owner) {
            // The postgres user cannot get through a parent directory (a
            // project under /root, say): keep the cluster in /tmp instead.
            dir = std::env::temp_dir().join(format!("touchpoint-pg-{}", short_hash(&dir)));
        }
        Cluster::at_with(dir, owner, bin)
    }

    /// A cluster kept in `dir` (created on [`Cluster::start`]).
    pub fn in_dir(dir: PathBuf) -> Result<Cluster> {
        Cluster::at(dir, owner()?)
    }

    fn at(dir: PathBuf, owner: Owner) -> Result<Cluster> {
        Cluster::at_with(dir, owner, Binaries::find()?)
    }

    fn at_with(dir: PathBuf, owner: Owner, bin: Binaries) -> Result<Cluster> {
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        let mut socket_dir = dir.join("sock");
        if socket_dir.as_os_str().len() > MAX_SOCKET_DIR {
            socket_dir = std::env::temp_dir().join(format!("tp-sock-{}", short_hash(&dir)));
        }
        Ok(Cluster {
            data: dir.join("data"),
            log: dir.join("server.log"),
            socket_dir,
            dir,
            bin,
            owner,
        })
    }

    pub fn state(&self) -> ClusterState {
        if !self.data.join("PG_VERSION").is_file() {
            return ClusterState::NotCreated;
        }
        match self.pid() {
            Some(pid) if process_alive(pid) => ClusterState::Running,
            _ => ClusterState::Stopped,
        }
    }

    /// The postmaster's pid from `postmaster.pid`, when the file is there.
    pub fn pid(&self) -> Option<u32> {
        let text = fs::read_to_string(self.data.join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// A libpq URL for `database` that psql and tokio-postgres both accept.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgresql://postgres@/{}?host={}&port={PORT}",
            encode(database),
            encode(&self.socket_dir.to_string_lossy())
        )
    }

    pub fn url(&self) -> String {
        self.url_for("postgres")
    }

    /// initdb into `data/` and write the settings of a private, throwaway
    /// server. Does nothing when the cluster exists.
    pub fn create(&self) -> Result<()> {
        if self.state() != ClusterState::NotCreated {
            return Ok(());
        }
        self.prepare_dirs()?;
        if self.data.exists() {
            fs::remove_dir_all(&self.data).with_context(|| {
                format!("cannot remove the half-created {}", self.data.display())
            })?;
        }
        let sh = Shell::new()?;
        let data = &self.data;
        self.run(
            &sh,
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth=trust".as_ref(),
                "--no-sync".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
            ],
        )
        .context("initdb failed")?;
        self.configure()
    }

    fn configure(&self) -> Result<()> {
        let quote = |p: &Path| p.to_string_lossy().replace('\'', "''");
        let settings = format!(
            "\n# touchpoint: a private throwaway server, reachable only through its socket\n\
             listen_addresses = ''\n\
             port = {PORT}\n\
             unix_socket_directories = '{}'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             max_connections = 40\n\
             shared_buffers = '64MB'\n\
             log_min_messages = warning\n",
            quote(&self.socket_dir)
        );
        let conf = self.data.join("postgresql.conf");
        let mut text =
            fs::read_to_string(&conf).with_context(|| format!("cannot read {}", conf.display()))?;
        text.push_str(&settings);
        fs::write(&conf, text).with_context(|| format!("cannot write {}", conf.display()))
    }

    fn prepare_dirs(&self) -> Result<()> {
        for dir in [&self.dir, &self.socket_dir] {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            if self.owner.via_runuser {
                std::os::unix::fs::chown(dir, Some(self.owner.uid), Some(self.owner.gid))
                    .with_context(|| {
                        format!("cannot give {} to the postgres user", dir.display())
                    })?;
            }
        }
        Ok(())
    }

    /// Creates the cluster when needed and starts it; returns once it
    /// accepts connections.
    pub fn start(&self) -> Result<()> {
        match self.state() {
            ClusterState::Running => return Ok(()),
            ClusterState::NotCreated => self.create()?,
            ClusterState::Stopped => self.prepare_dirs()?,
        }
        let sh = Shell::new()?;
        let (data, log) = (&self.data, &self.log);
        let started = self.run(
            &sh,
            "pg_ctl",
            &[
                "start".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
            ],
        );
        if let Err(e) = started {
            let tail = fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(8).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "PostgreSQL did not start: {e:#}\nlast lines of {}:\n{}",
                self.log.display(),
                tail.join("\n")
            );
        }
        Ok(())
    }

    /// Stops the server (fast shutdown) and waits until its processes exit.
    pub fn stop(&self) -> Result<()> {
        if self.state() != ClusterState::Running {
            return Ok(());
        }
        let sh = Shell::new()?;
        let data = &self.data;
        self.run(
            &sh,
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
            ],
        )
        .context("pg_ctl stop failed")
    }

    /// Stops the server and deletes the cluster's files.
    pub fn remove(&self) -> Result<()> {
        self.stop()?;
        for dir in [&self.dir, &self.socket_dir] {
            if dir.exists() {
                fs::remove_dir_all(dir)
                    .with_context(|| format!("cannot remove {}", dir.display()))?;
            }
        }
        Ok(())
    }

    fn run(&self, sh: &Shell, tool: &str, args: &[&std::ffi::OsStr]) -> Result<()> {
        let program = self.bin.tool(tool);
        let cmd = if self.owner.via_runuser {
            sh.cmd("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
        } else {
            sh.cmd(&program)
        };
        let out = cmd
            .args(args)
            .ignore_status()
            .quiet()
            .output()
            .with_context(|| format!("cannot run {}", program.display()))?;
        if !out.status.success() {
            bail!(
                "{tool} exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}

/// A cluster for one test: on /dev/shm when it exists, removed on drop, or
/// kept (stopped) with its path printed when the test panicked.
pub struct Throwaway {
    cluster: Cluster,
}

impl Throwaway {
    pub fn start() -> Result<Throwaway> {
        Throwaway::start_with(&[])
    }

    /// A cluster with extra `postgresql.conf` settings (they win over the
    /// defaults), e.g. `("ssl", "on")` or `("listen_addresses", "'127.0.0.1'")`;
    /// values are written as given, so quote strings.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<Throwaway> {
        Throwaway::start_of(&Binaries::find()?, settings)
    }

    /// A cluster of another major than the default one (`bin` from
    /// [`Binaries::for_major`]).
    pub fn start_on(bin: &Binaries) -> Result<Throwaway> {
        Throwaway::start_of(bin, &[])
    }

    fn start_of(bin: &Binaries, settings: &[(&str, &str)]) -> Result<Throwaway> {
        Throwaway::start_once(bin, settings).or_else(|first| {
            // A damaged initdb cache (a machine that crashed while one was
            // copied, say) must not fail every test from then on.
            let owner = owner()?;
            let cache = initdb_cache_path(bin, owner);
            fs::remove_dir_all(&cache).ok();
            Throwaway::start_once(bin, settings)
                .with_context(|| format!("{first:#}; retried with a fresh initdb"))
        })
    }

    fn start_once(bin: &Binaries, settings: &[(&str, &str)]) -> Result<Throwaway> {
        let owner = owner()?;
        let base = scratch_base();
        let dir = tempfile_dir(&base, "touchpoint-test-")?;
        let cluster = Cluster::at_with(dir, owner, bin.clone())?;
        let throwaway = Throwaway { cluster };
        let c = &throwaway.cluster;
        c.prepare_dirs()?;
        copy_dir(&initdb_template(bin, owner)?, &c.data)?;
        if owner.via_runuser {
            chown_tree(&c.data, owner)?;
        }
        c.configure()?;
        if !settings.is_empty() {
            let conf = c.data.join("postgresql.conf");
            let mut text = fs::read_to_string(&conf)?;
            for (k, v) in settings {
                text.push_str(&format!("{k} = {v}\n"));
            }
            fs::write(&conf, text)?;
        }
        c.start()?;
        Ok(throwaway)
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    pub fn url(&self) -> String {
        self.cluster.url()
    }

    pub fn url_for(&self, database: &str) -> String {
        self.cluster.url_for(database)
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        if std::thread::panicking() {
            eprintln!(
                "test failed: its PostgreSQL cluster is kept at {} (log: {})",
                self.cluster.dir.display(),
                self.cluster.log.display()
            );
        } else {
            let _ = self.cluster.remove();
        }
    }
}

pub(crate) fn scratch_base() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

pub(crate) fn tempfile_dir(base: &Path, prefix: &str) -> Result<PathBuf> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = base.join(format!("{prefix}{}-{n}-{nanos:x}", std::process::id()));
    fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// One initdb per machine and server version, copied for every test cluster
/// (a copy takes a tenth of an initdb). Built in a private directory and
/// renamed into place, so concurrent test processes never see half of one.
fn initdb_template(bin: &Binaries, owner: Owner) -> Result<PathBuf> {
    let base = scratch_base();
    let path = initdb_cache_path(bin, owner);
    if path.join("PG_VERSION").is_file() {
        return Ok(path);
    }
    let building = tempfile_dir(&base, "touchpoint-initdb-building-")?;
    let c = Cluster::at_with(building.clone(), owner, bin.clone())?;
    c.prepare_dirs()?;
    c.create()?;
    // Only the pristine data directory is kept; settings are per cluster.
    let conf = c.data.join("postgresql.conf");
    let text = fs::read_to_string(&conf)?;
    let pristine = text
        .split("\n# touchpoint:")
        .next()
        .unwrap_or(&text)
        .to_string();
    fs::write(&conf, pristine)?;
    match fs::rename(&c.data, &path) {
        Ok(()) => {}
        Err(_) if path.join("PG_VERSION").is_file() => {} // another process won
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot move initdb result to {}", path.display()))
        }
    }
    let _ = fs::remove_dir_all(&building);
    let _ = fs::remove_dir_all(&c.socket_dir);
    Ok(path)
}

fn initdb_cache_path(bin: &Binaries, owner: Owner) -> PathBuf {
    scratch_base().join(format!("touchpoint-initdb-{}-{}", bin.major, owner.uid))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    // initdb's directories are 0700; the server refuses a more open data dir.
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(to, fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Whether `pid` is a live process. A zombie is not: where PID 1 does not
/// reap orphans (some container inits), a stopped postmaster stays in /proc
/// as a zombie for good.
pub fn process_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "pid (comm) S ...": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

fn chown_tree(path: &Path, owner: Owner) -> Result<()> {
    std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid))?;
    if path.is_dir() {
        for entry in fs::read_dir(path)? {
            chown_tree(&entry?.path(), owner)?;
        }
    }
    Ok(())
}

/// Whether `owner` can traverse every existing ancestor of `path`.
fn reachable_by(path: &Path, owner: Owner) -> bool {
    path.ancestors().skip(1).filter(|p| p.exists()).all(|p| {
        let Ok(m) = fs::metadata(p) else { return false };
        let mode = m.mode();
        (m.uid() == owner.uid && mode & 0o100 != 0)
            || (m.gid() == owner.gid && mode & 0o010 != 0)
            || mode & 0o001 != 0
    })
}

fn short_hash(path: &Path) -> String {
    let c = crate::migration::Checksum::of_normalized(&path.to_string_lossy());
    c.hex()[..10].to_string()
}

/// Where the embedded cluster of `project_root` lives, given the value of
/// `CARGO_TARGET_DIR` (relative to the current directory, as cargo reads it).
pub fn embedded_dir(project_root: &Path, cargo_target_dir: Option<std::ffi::OsString>) -> PathBuf {
    let own = project_root.join("target");
    let Some(target) = cargo_target_dir.filter(|d| !d.is_empty()) else {
        return own.join("touchpoint-pg");
    };
    let target = std::path::absolute(PathBuf::from(&target)).unwrap_or_else(|_| target.into());
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    if same(&target, &own) {
        return own.join("touchpoint-pg");
    }
    let name: String = project_root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let root = project_root
        .canonicalize()
        .unwrap_or_else(|_| project_root.to_path_buf());
    target.join(format!("touchpoint-pg-{name}-{}", short_hash(&root)))
}

/// Percent-encodes what may not stand in a URL path or query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
