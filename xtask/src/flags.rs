//! The command line, in one place. Each command is a module under
//! `commands/` that the binary dispatches to.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// touchpoint: reviewed, tracked and verified PostgreSQL migrations.
///
/// The workflow has two touchpoints. 1: write the migration (`migration new`)
/// and have it reviewed (`migration review`). 2: apply it (`migration apply`)
/// and update the source of truth (`migration sync`). `migration status`
/// says, for every file, which step comes next.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    max_term_width = 100
)]
pub struct Xtask {
    /// The repository holding migrations/ and current_schema/ [default: the
    /// cargo workspace `cargo xtask` runs in, else the one holding the
    /// current directory].
    #[arg(
        long,
        global = true,
        env = "TOUCHPOINT_PROJECT_DIR",
        value_name = "DIR"
    )]
    pub project_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Write, inspect and run migrations.
    #[command(subcommand)]
    Migration(MigrationCmd),
    /// The git hook: judge what is being committed (docs/hook.md).
    #[command(subcommand)]
    Hook(HookCmd),
    /// Install or remove the git hook (`core.hooksPath = .githooks`).
    #[command(subcommand)]
    Hooks(HooksCmd),
    /// The embedded throwaway PostgreSQL under target/ (start, stop, url ...).
    #[command(subcommand)]
    Db(DbCmd),
    /// Benchmarks for developers of touchpoint; each prints figures as
    /// ratios against a baseline measured in the same run.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Fuzz the SQL lexer and statement splitter for a while.
    Fuzz(FuzzArgs),
    /// Run the conformance corpus (pg-delta's schema transitions) through
    /// the sync round trip and print pass / fail / skip counts.
    Corpus(CorpusArgs),
    /// Scaffold a review rule: its file, registry entry, docs page and
    /// snapshot test (for developers of touchpoint).
    NewRule(NewRuleArgs),
}

#[derive(Debug, Args)]
pub struct NewRuleArgs {
    /// The stable kebab-case id, e.g. `drop-column-in-use`.
    pub id: String,
    #[arg(long, value_enum, default_value_t = RuleSeverity::Warning)]
    pub severity: RuleSeverity,
    /// What the rule finds, in one line (the page's title line).
    #[arg(long)]
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleSeverity {
    Warning,
    Error,
}

#[derive(Debug, Subcommand)]
pub enum MigrationCmd {
    /// Create migrations/<date>_<NN>_<slug>.sql with the header to fill in.
    ///
    /// NN is the highest number in migrations/ plus one. The file is never
    /// overwritten. Example:
    ///   cargo xtask migration new "Add processing time minutes" --tables service_ops.packet
    New(NewArgs),
    /// Review migrations with the static rules; a clean review ticks the
    /// Reviewed stamp.
    ///
    /// Without FILES, reviews every migration whose Reviewed stamp is not
    /// current. Rules and their safe alternatives: docs/rules/. Silence a
    /// finding with `-- review: ignore <rule-id> -- <reason>` above the
    /// statement.
    Review(ReviewArgs),
    /// List every migration: applied / pending / changed / failed in the
    /// database, its touchpoint progress, and the next command.
    Status(StatusArgs),
    /// Run the pending migrations: each in one transaction with its verify
    /// queries and its tracking row; then tick its Executed stamp.
    ///
    /// Takes an advisory lock so that only one apply runs at a time; stops
    /// when an applied file has changed, when a file is out of order, or when
    /// a verify check fails. Example:
    ///   cargo xtask migration apply --rehearse   (run everything, roll back)
    Apply(ApplyArgs),
    /// Undo applied migrations, newest first, with their rollback SQL.
    Rollback(RollbackArgs),
    /// Rewrite current_schema/ from the database (the source of truth), fill
    /// the synced migration's SOURCE OF TRUTH lines and tick its Synced stamp.
    ///
    /// Objects stay in the file they are in; new ones go where
    /// touchpoint.conf's [layout] says (default: 01_foundations.sql for
    /// schemas, extensions and types, then one file per schema). DOWNSTREAM
    /// commands of touchpoint.conf run and tick their line. Examples:
    ///   cargo xtask migration sync            (after `migration apply`)
    ///   cargo xtask migration sync --check    (CI: fails when current_schema/ is stale)
    Sync(SyncArgs),
    /// Write the psql scripts and the instructions a DBA runs by hand, for
    /// databases developers do not touch (docs/bundle.md).
    ///
    /// Without --from / --to, bundles the migrations pending on the target
    /// database (it is only read). Writes DIR/<date>_<first>-<last>_migrations.sql
    /// (one transaction, left open for the DBA's COMMIT), _no_transaction.sql
    /// (when a migration is `-- migrate:no-transaction`), _rollback.sql and
    /// _DBA_INSTRUCTIONS.md. Every migration needs a current Reviewed stamp.
    /// Examples:
    ///   cargo xtask migration bundle --database-url "$PROD_URL" --out release/
    ///   cargo xtask migration bundle --from 11 --to 14 --out release/
    Bundle(BundleArgs),
    /// Compare the target database with the schema the migrations build and
    /// with current_schema/; say what is missing, extra or changed, and
    /// which side disagrees (docs/drift.md).
    ///
    /// Exit 0: no drift; 1: drift; 2: error. Noise (rename leftovers,
    /// expressions printed differently) is kept apart and shown with
    /// --show-noise. Examples:
    ///   cargo xtask migration drift --database-url "$PROD_URL"
    ///   cargo xtask migration drift --from migrations --script catch_up.sql
    ///   cargo xtask migration drift --from migrations --from schema   (no database)
    Drift(DriftArgs),
    /// Import another tool's migration history (flyway, sqlx, dbmate,
    /// golang-migrate, drizzle, a hand-rolled schema_migrations): record the
    /// mapped migrations as applied without running them (docs/adopt.md).
    ///
    /// Without --map, shows what it found and a mapping to fill in. The
    /// legacy table is only read. Example:
    ///   cargo xtask migration adopt --map 20240101120000=01,20240215093000=02
    Adopt(AdoptArgs),
    /// Record migrations up to NN as applied without running them (for a
    /// database that already has their schema).
    Baseline(BaselineArgs),
    /// Mend the history on purpose: re-record a changed file's checksum,
    /// drop a failed no-transaction record, forget a deleted file.
    Repair(RepairArgs),
}

/// Where the migrations are recorded and run.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The target database, as a libpq URL or `key=value` string [default:
    /// DATABASE_URL, else the embedded PostgreSQL, started on demand].
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// The tracking table.
    #[arg(
        long,
        env = "TOUCHPOINT_TRACKING_TABLE",
        default_value = "public.schema_migrations",
        value_name = "SCHEMA.NAME"
    )]
    pub tracking_table: String,
    /// Seconds to wait for the migration lock held by another apply.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Stop after the migration numbered NN.
    #[arg(long, value_name = "NN")]
    pub target: Option<u32>,
    /// Run and verify everything in one transaction, then roll it back;
    /// no file is changed.
    #[arg(long)]
    pub rehearse: bool,
    /// Apply a pending migration numbered below the newest applied one.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// Apply into a database that has tables but no history (the
    /// migrations must be idempotent).
    #[arg(long)]
    pub baseline_existing: bool,
    /// Do not tick Executed stamps in the files (CI).
    #[arg(long)]
    pub no_stamp: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Roll back the N most recent migrations.
    #[arg(long, value_name = "N", conflicts_with = "to")]
    pub last: Option<usize>,
    /// Roll back every migration numbered above NN.
    #[arg(long, value_name = "NN")]
    pub to: Option<u32>,
    /// Run the rollbacks in one transaction, then undo them.
    #[arg(long)]
    pub rehearse: bool,
    /// Do not reopen the Executed / Synced stamps in the files.
    #[arg(long)]
    pub no_stamp: bool,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The first migration (NN) to bundle; with --from or --to no database
    /// is read [default: the first file].
    #[arg(long, value_name = "NN")]
    pub from: Option<u32>,
    /// The last migration (NN) to bundle [default: the last file].
    #[arg(long, value_name = "NN")]
    pub to: Option<u32>,
    /// The directory to write the bundle to (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Bundle migrations without a current Reviewed stamp; the
    /// instructions then say so in their first line.
    #[arg(long)]
    pub unreviewed: bool,
    /// A server where touchpoint may create databases, to measure each
    /// statement's locks and rewrites on [default: the embedded PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
    /// Do not measure locks and rewrites (the instructions say so).
    #[arg(long)]
    pub no_measure: bool,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// What to compare the database with: `migrations` (replayed into a
    /// throwaway database) or `schema` (current_schema/ loaded into one).
    /// Once: the database against it; twice: the two against each other,
    /// no database [default: the database against both].
    #[arg(long, value_enum, value_name = "SIDE")]
    pub from: Vec<DriftSide>,
    /// Write an idempotent catch-up script that makes the database match
    /// the migrations (or, with `--from schema` alone, current_schema/).
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// Let the catch-up script drop what only the database has (each drop
    /// is commented with its risk).
    #[arg(long, requires = "script")]
    pub allow_drop: bool,
    /// Also list the noise: rename leftovers and expressions the server
    /// printed differently.
    #[arg(long)]
    pub show_noise: bool,
    /// A server where touchpoint may create databases, to replay the
    /// migrations and load current_schema/ on [default: the embedded
    /// PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftSide {
    Migrations,
    Schema,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Legacy version -> migration number, comma-separated:
    /// `LEGACY=NN,...` (several legacy versions may map to one NN).
    #[arg(long, value_delimiter = ',', value_name = "LEGACY=NN,...")]
    pub map: Vec<String>,
    /// The legacy table, when more than one is found (`schema.name`).
    #[arg(long, value_name = "SCHEMA.NAME")]
    pub legacy_table: Option<String>,
    /// Record even when the mapping is incomplete, the legacy history has
    /// failed or dirty rows, or drift shows the database does not match the
    /// mapped migrations (needs --reason).
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why (stored with each record).
    #[arg(long)]
    pub reason: Option<String>,
    /// Server to replay the mapped migrations on for the drift check
    /// [default: the embedded PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
    /// Do not tick Executed stamps in the files.
    #[arg(long)]
    pub no_stamp: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Record every migration up to and including NN.
    #[arg(long, value_name = "NN")]
    pub to: u32,
    /// Why (stored with each record).
    #[arg(long)]
    pub reason: String,
    /// Do not tick Executed stamps in the files.
    #[arg(long)]
    pub no_stamp: bool,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Why (stored in the tracking table).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// What the migration does, in a few words; it becomes the slug.
    pub title: String,
    /// The ticket and problem, for the `Issue:` line.
    #[arg(long)]
    pub issue: Option<String>,
    /// What is wrong today (`PROBLEM:`).
    #[arg(long)]
    pub problem: Option<String>,
    /// What the migration changes (`SOLUTION:`).
    #[arg(long)]
    pub solution: Option<String>,
    /// Tables the migration changes, comma-separated (`AFFECTED TABLES:`).
    #[arg(long, value_delimiter = ',', value_name = "SCHEMA.TABLE,...")]
    pub tables: Vec<String>,
    /// Date for the file name and header (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Replay the migrations into a throwaway database, render, and fail
    /// (exit 1) with a diff when the committed files differ. Writes nothing.
    #[arg(long)]
    pub check: bool,
    /// Where the schema comes from: the target database, or the migrations
    /// replayed into a throwaway database.
    #[arg(long, value_enum, default_value_t = SyncFrom::Database)]
    pub from: SyncFrom,
    /// Fill the SOURCE OF TRUTH lines of migration NN (default: every
    /// migration executed and not yet synced).
    #[arg(long = "for", value_name = "NN")]
    pub for_nn: Option<u32>,
    /// Server to replay on for --check and --from migrations [default: the
    /// embedded PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
    /// Do not run the DOWNSTREAM commands of touchpoint.conf.
    #[arg(long)]
    pub no_downstream: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFrom {
    Database,
    Migrations,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Read only the files, not a database: touchpoint progress from the
    /// header stamps, checksums and problems with names or numbering.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Migration files (default: those not reviewed in their current form).
    pub files: Vec<String>,
    /// Review every migration, stamped or not.
    #[arg(long, conflicts_with = "files")]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
    pub format: ReviewFormat,
    /// Warnings fail the review too.
    #[arg(long)]
    pub strict: bool,
    /// Do not tick Reviewed stamps (CI).
    #[arg(long)]
    pub no_stamp: bool,
    /// Skip the dynamic checks (no database).
    #[arg(long)]
    pub static_only: bool,
    /// A server where touchpoint may create databases, for the dynamic
    /// checks [default: the embedded PostgreSQL].
    #[arg(
        long,
        env = "TOUCHPOINT_SHADOW_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub shadow_url: Option<String>,
    /// SQL that loads rows before the dynamic checks, so data-dependent
    /// failures (SET NOT NULL over NULLs, unique index over duplicates) show.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    Text,
    Json,
    Github,
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum HookCmd {
    /// Block a commit (exit 1) whose staged migrations or current_schema/
    /// files skipped a step: bad name or duplicate NN, review errors, no or
    /// stale Reviewed stamp, a changed executed migration, an executed
    /// migration not synced, current_schema/ not staged or edited by hand,
    /// a forged stamp. Reads the index, not the working tree; each block
    /// names the command that fixes it.
    ///
    /// `.githooks/pre-commit` runs it; on CI run it with --all.
    PreCommit(PreCommitArgs),
}

#[derive(Debug, Args)]
pub struct PreCommitArgs {
    /// Judge every migration and current_schema/ file in the index, not only
    /// those that differ from HEAD (for CI: catches commits made without the
    /// hook or with --no-verify).
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = HookFormat::Text)]
    pub format: HookFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookFormat {
    Text,
    Json,
    Github,
}

#[derive(Debug, Subcommand)]
pub enum HooksCmd {
    /// Set core.hooksPath to .githooks in this repository's git config, so
    /// that git runs .githooks/pre-commit before every commit.
    Install {
        /// Replace a core.hooksPath another tool set.
        #[arg(long)]
        force: bool,
    },
    /// Remove core.hooksPath when it is touchpoint's .githooks.
    Uninstall,
}

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Create (first time) and start the cluster; prints how to connect.
    Start,
    /// Stop the cluster; no server process is left behind.
    Stop,
    /// Say whether the cluster is running, stopped or not created.
    Status,
    /// Print a connection URL that psql and touchpoint accept
    /// (psql "$(cargo xtask db url)").
    Url,
    /// Delete the cluster and start an empty one.
    Reset,
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// `migration status --offline` over generated migration files, against
    /// reading and hashing the same files.
    Status {
        #[arg(long, default_value_t = 1000)]
        files: usize,
    },
    /// Time for a new throwaway cluster to accept connections, against
    /// initdb plus pg_ctl start run by hand.
    DbStart,
    /// `migration apply` of generated migrations into a fresh database,
    /// against the same SQL run through `psql -1`.
    Apply {
        #[arg(long, default_value_t = 500)]
        migrations: usize,
    },
    /// `migration review --all` over generated files, against squawk
    /// (`pip install squawk-cli`) on the same files.
    Review {
        #[arg(long, default_value_t = 5000)]
        files: usize,
    },
    /// The dynamic review of the last migration of a generated set, first
    /// (building the history template) and again (reusing it), against
    /// replaying the history into a fresh database.
    ReviewDynamic {
        #[arg(long, default_value_t = 500)]
        migrations: usize,
    },
    /// `migration sync` of a generated schema (tables with keys, indexes,
    /// foreign keys, enums, views, functions) into an empty current_schema/,
    /// against `pg_dump --schema-only` of the same database.
    Sync {
        #[arg(long, default_value_t = 1000)]
        tables: usize,
    },
    /// `hook pre-commit` in a git repository of generated migrations with
    /// one staged, against `git diff --cached` and `git status` there.
    Hook {
        #[arg(long, default_value_t = 1000)]
        migrations: usize,
    },
    /// `migration drift` between two generated schemas of that many tables
    /// with about 50 differences, against migra (`pip install migra
    /// 'sqlalchemy<2' psycopg2-binary`) on the same pair.
    Drift {
        #[arg(long, default_value_t = 1000)]
        tables: usize,
    },
}

#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// The corpus directory [default: ../shared/corpus/pg-delta/corpus
    /// beside the repository].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only cases whose name contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Print this many failures in full, and every skip.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
    /// Run the drift checks instead of the sync round trip: `a` against `a`
    /// reports nothing, `a` against `b` finds the differences pg_dump
    /// shows, and the catch-up script from `b` to `a`, applied twice,
    /// leaves no drift.
    #[arg(long)]
    pub drift: bool,
}

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// How long to run.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Seed for the input generator (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
}
