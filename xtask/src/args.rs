//! The argument groups several commands share, each declared once and
//! flattened (`#[command(flatten)]`) into the commands where it acts: the
//! target database and its tracking table, the migration lock, the shadow
//! server, the stamps, the output format.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::fleet::{Selection, Shard, Target};
use crate::outcome::BadInput;
use crate::pg::connect::Database;
use crate::pg::tracking::TableName;
use crate::project::Project;

/// Where the migrations are recorded and run: one database, or several
/// (the commands that run on many say so in their help).
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The target database, as a libpq URL or `key=value` string; repeat it
    /// for several [default: DATABASE_URL, else the embedded PostgreSQL,
    /// started on demand].
    #[arg(long, value_name = "URL")]
    pub database_url: Vec<String>,
    /// A file of targets, one a line: `name = url` or a bare url (`#`
    /// comments, `${VAR}` taken from the environment).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// A named environment of touchpoint.conf (`[env.NAME] url = "${VAR}"`);
    /// repeat it for several.
    #[arg(long = "env", value_name = "NAME")]
    pub envs: Vec<String>,
    /// Only the K-th of N stable slices of the targets (by name), to spread
    /// them over CI jobs or runners.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// The tracking table.
    #[arg(
        long,
        env = "TOUCHPOINT_TRACKING_TABLE",
        default_value = "public.schema_migrations",
        value_name = "SCHEMA.NAME"
    )]
    pub tracking_table: String,
}

impl DatabaseArgs {
    /// The tracking table, or bad input naming what is wrong with it.
    pub fn table(&self) -> Result<TableName> {
        Ok(TableName::parse(&self.tracking_table)?)
    }

    fn selection(&self) -> Selection {
        let mut urls = self.database_url.clone();
        let chosen = !urls.is_empty() || self.targets.is_some() || !self.envs.is_empty();
        if !chosen {
            urls.extend(std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()));
        }
        Selection {
            urls,
            file: self.targets.clone(),
            envs: self.envs.clone(),
            shard: self.shard,
        }
    }

    /// Whether more than one database (or a file, or a shard) was asked for.
    pub fn is_fleet(&self) -> bool {
        self.selection().is_fleet()
    }

    /// Every target asked for (at least one: DATABASE_URL, else the embedded
    /// PostgreSQL); bad input is refused before anything runs.
    pub fn targets(&self, project: &Project) -> Result<Vec<Target>> {
        self.selection()
            .resolve(project, &|k| std::env::var(k).ok())
    }

    /// The one target database; several are bad input for this command.
    pub fn database(&self, project: &Project) -> Result<Database> {
        let mut targets = self.targets(project)?;
        if targets.len() != 1 || self.is_fleet() {
            return Err(BadInput(format!(
                "this command runs on one database; {} target{} given ({}): name one with --database-url or --env",
                targets.len(),
                if targets.len() == 1 { " was" } else { "s were" },
                targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .into());
        }
        Ok(targets.remove(0).database)
    }
}

/// How a command that runs on several databases runs them.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// How many targets at once [default: the smaller of 4 and the number
    /// of targets].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Start no other target once one has failed (those running finish).
    #[arg(long)]
    pub fail_fast: bool,
}

impl FleetArgs {
    pub fn jobs(&self, targets: usize) -> usize {
        self.jobs
            .unwrap_or_else(|| crate::fleet::run::default_jobs(targets))
    }
}

/// The migration lock, for the commands that change the history.
#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// Seconds to wait for the migration lock held by another apply.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

impl LockArgs {
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.lock_timeout)
    }
}

/// A server where touchpoint may create throwaway databases.
#[derive(Debug, Clone, Args)]
pub struct ShadowArgs {
    /// A server where touchpoint may create databases, to replay or review
    /// the migrations on [default: the embedded PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
}

/// Whether the command ticks stamps in the migration files.
#[derive(Debug, Clone, Args)]
pub struct StampArgs {
    /// Do not tick (or reopen) stamps in the migration files (CI).
    #[arg(long)]
    pub no_stamp: bool,
}

impl StampArgs {
    pub fn enabled(&self) -> bool {
        !self.no_stamp
    }
}

/// Every output format some command writes; each command's `--format`
/// offers the ones it has (see [`formats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Sarif,
    Markdown,
}

/// A `--format` value parser offering only `allowed`.
pub fn formats(
    allowed: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(allowed.iter().copied())
        .map(|s| Format::from_str(&s, true).expect("an allowed format is a Format"))
}

/// The output format of the commands that print text or JSON.
#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    #[arg(long, default_value = "text", value_parser = formats(&["text", "json"]))]
    pub format: Format,
}

/// Today, for the dates stamps and new files carry.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
