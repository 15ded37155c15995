//! The shadow server: a PostgreSQL where touchpoint may create throwaway
//! databases, to replay the migrations on (sync's check, drift, adopt) and
//! to review them on. Chosen in one place: `--shadow-url` /
//! `TOUCHPOINT_SHADOW_URL`, else the embedded PostgreSQL.

pub mod templates;

use anyhow::{Context, Result};

use crate::migration::Migration;
use crate::pg::cluster::Binaries;
use crate::pg::connect::Database;
use crate::project::Project;
use crate::schema::catalog::{self, Catalog};

/// Where throwaway databases can be made, or why nowhere.
pub enum Shadow {
    Server(Box<Database>),
    /// No URL given and no server binaries to start the embedded one.
    Unavailable(String),
}

/// The shadow server: `shadow_url`, else the embedded PostgreSQL.
pub fn choose(project: &Project, shadow_url: Option<&str>) -> Result<Shadow> {
    if let Some(url) = shadow_url {
        return Ok(Shadow::Server(Box::new(Database::from_conninfo(
            url,
            |k| std::env::var(k).ok(),
        )?)));
    }
    if let Err(e) = Binaries::find() {
        return Ok(Shadow::Unavailable(format!("{e:#}")));
    }
    Database::resolve(None, &project.root).map(|db| Shadow::Server(Box::new(db)))
}

/// The shadow server for a target of PostgreSQL `major`: `shadow_url`
/// when given; else the project's embedded cluster of that major when its
/// binaries are at hand; else the default one, with a note saying the
/// replay runs on another major and how to get the right one.
pub fn choose_for(
    project: &Project,
    shadow_url: Option<&str>,
    major: Option<u32>,
) -> Result<Shadow> {
    let default = Binaries::find().ok().map(|b| b.major);
    let Some(major) = major.filter(|m| shadow_url.is_none() && Some(*m) != default) else {
        return choose(project, shadow_url);
    };
    match Binaries::for_major(major) {
        Some(bin) => {
            let cluster = crate::pg::Cluster::embedded_of(&project.root, bin)?;
            Ok(Shadow::Server(Box::new(Database::embedded(cluster)?)))
        }
        None => {
            eprintln!(
                "note: the target runs PostgreSQL {major}, but no {major} server binaries are at hand: replaying on {} (`bash .ci/pg-fetch {major}` fetches them, or set TOUCHPOINT_PG_BINDIR)",
                default.map_or_else(|| "another version".to_string(), |d| d.to_string())
            );
            choose(project, shadow_url)
        }
    }
}

/// The server to replay migrations on ([`choose`]); none is an error saying
/// what to do.
pub fn shadow(project: &Project, shadow_url: Option<&str>) -> Result<Database> {
    shadow_for(project, shadow_url, None)
}

/// [`shadow`] for a target of PostgreSQL `major` ([`choose_for`]).
pub fn shadow_for(
    project: &Project,
    shadow_url: Option<&str>,
    major: Option<u32>,
) -> Result<Database> {
    match choose_for(project, shadow_url, major)? {
        Shadow::Server(db) => Ok(*db),
        Shadow::Unavailable(why) => Err(anyhow::anyhow!(why).context(
            "replaying the migrations needs PostgreSQL: install it (`bash .ci/setup`) or pass --shadow-url",
        )),
    }
}

/// The schema after the first `n` migrations of `set`, for each `n` of
/// `prefixes`, each replayed into a throwaway database (cloned from the
/// cached history templates the dynamic review also uses).
pub fn replay(
    project: &Project,
    shadow: &Database,
    set: &[Migration],
    prefixes: &[usize],
) -> Result<Vec<Catalog>> {
    crate::pg::block_on(replay_async(project, shadow, set, prefixes))
}

/// [`replay`], for callers already inside a runtime.
pub async fn replay_async(
    project: &Project,
    shadow: &Database,
    set: &[Migration],
    prefixes: &[usize],
) -> Result<Vec<Catalog>> {
    let display = |m: &Migration| project.display_path(&m.name.file_name());
    let admin = shadow
        .connect("touchpoint sync")
        .await
        .context("cannot reach the server to replay the migrations on")?;
    let mut out = Vec::new();
    for &n in prefixes {
        let history: Vec<&Migration> = set[..n].iter().collect();
        let (db, _, _) = templates::replayed(&admin, shadow, &history, &display, "sync").await?;
        let result = async {
            let client = shadow.with_dbname(&db).connect("touchpoint sync").await?;
            catalog::read(&client).await
        }
        .await;
        templates::drop_database(&admin, &db).await;
        out.push(result?);
    }
    Ok(out)
}

/// The migrations to replay; a file problem stops the replay.
pub fn load_set(project: &Project) -> Result<Vec<Migration>> {
    project.load_migrations()?.sound("replayed")
}
