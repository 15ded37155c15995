//! The tools: their typed arguments (the input schemas are generated from
//! them; unknown arguments are refused), the command line each one runs,
//! and how its exit becomes a result. Exit 0 is a result; exit 1 with the
//! command's JSON report is a result too (findings and drift are data, not
//! errors); anything else is an `isError` result carrying what the command
//! said. An unknown tool or arguments that do not fit the schema are
//! JSON-RPC errors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool, ToolAnnotations};
use rmcp::ErrorData;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::child::{self, Ran};
use super::describe;
use super::log;
use super::policy::Policy;
use crate::migration::render::PLACEHOLDER_OPEN;
use crate::migration::{StampState, Touchpoint};
use crate::project::Project;

/// `migration_new`: write a migration file from the header template.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArgs {
    /// What the migration does, in a few words; it becomes the file name's slug.
    pub title: String,
    /// The ticket and the problem in a few words (the header's `Issue:`).
    pub issue: Option<String>,
    /// What is wrong today, and why it matters (`PROBLEM:`).
    pub problem: Option<String>,
    /// What the migration changes (`SOLUTION:`).
    pub solution: Option<String>,
    /// Every table the SQL changes, schema-qualified (`AFFECTED TABLES:`).
    #[serde(default)]
    pub tables: Vec<String>,
}

/// `migration_review`: the review rules over some migrations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewArgs {
    /// Migration files (`migrations/<file>.sql`); none: every migration
    /// whose Reviewed stamp is not current.
    #[serde(default)]
    pub files: Vec<String>,
}

/// `migration_status`: where every migration stands.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusArgs {
    /// An environment of touchpoint.conf (an `[env.NAME]` section); none:
    /// the embedded database.
    pub environment: Option<String>,
    /// Read only the files, no database.
    #[serde(default)]
    pub offline: bool,
}

/// `migration_apply`: rehearse, or with `confirm`, apply.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyArgs {
    /// true: really apply (on the embedded database, or an environment
    /// listed in touchpoint.conf's [mcp] apply_environments). false (the
    /// default): rehearse, running everything and rolling it back.
    #[serde(default)]
    pub confirm: bool,
    /// An environment of touchpoint.conf; none: the embedded database.
    pub environment: Option<String>,
    /// Stop after the migration numbered NN.
    pub target: Option<u32>,
}

/// `migration_sync`: update current_schema/ from the embedded database.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncArgs {
    /// Fill the SOURCE OF TRUTH lines of migration NN (default: every
    /// migration executed and not yet synced).
    #[serde(rename = "for")]
    pub for_number: Option<u32>,
    /// Only check that current_schema/ matches the migrations; write nothing.
    #[serde(default)]
    pub check: bool,
}

/// What drift compares the database with.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DriftSide {
    Migrations,
    Schema,
}

/// `migration_drift`: compare a database with the migrations and
/// current_schema/.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftArgs {
    /// An environment of touchpoint.conf; none: the embedded database.
    pub environment: Option<String>,
    /// What to compare the database with (default: both); both named:
    /// the two with each other, no database.
    #[serde(default)]
    pub from: Vec<DriftSide>,
    /// Also return the idempotent catch-up script, as text (never run).
    #[serde(default)]
    pub script: bool,
    /// Let the catch-up script drop what only the database has.
    #[serde(default)]
    pub allow_drop: bool,
}

/// `schema_describe`: an object of current_schema/.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeArgs {
    /// The object: `schema.name`, a bare name, or a marker such as
    /// `table: service_ops.packet`.
    pub name: String,
    /// Only this kind: table, view, materialized view, type, function,
    /// procedure, sequence, index, constraint, trigger, policy, schema,
    /// extension.
    pub kind: Option<String>,
}

/// Every tool, as `tools/list` shows it.
pub fn all() -> Vec<Tool> {
    let hints = |read_only: bool, destructive: bool, idempotent: bool| {
        ToolAnnotations::new()
            .read_only(read_only)
            .destructive(destructive)
            .idempotent(idempotent)
            .open_world(false)
    };
    vec![
        tool::<NewArgs>(
            "migration_new",
            "Touchpoint 1: create migrations/<date>_<NN>_<slug>.sql from the header template (never overwrites). Returns its path and the header lines still to fill in. Verify the current schema first (schema_describe).",
            hints(false, false, false),
        ),
        tool::<ReviewArgs>(
            "migration_review",
            "Touchpoint 1: review migrations with the rules (static, and dynamic on a throwaway copy of the history). Returns each finding with its rule, severity, file:line:col and help. A file without error findings gets its Reviewed stamp, as `cargo xtask migration review` does. Once clean, stop and present the file to a human for review before touchpoint 2.",
            hints(false, false, true),
        ),
        tool::<StatusArgs>(
            "migration_status",
            "Every migration's state in the database, its touchpoint progress and the next command, for the embedded database or a touchpoint.conf environment. Changes nothing.",
            hints(true, false, true),
        ),
        tool::<ApplyArgs>(
            "migration_apply",
            "Touchpoint 2, after a human approved the reviewed file: without confirm, a rehearsal (every pending migration runs and verifies in one transaction that is rolled back; no file changes). With confirm: true, a real apply that ticks the Executed stamps, only on the embedded database or an environment listed in touchpoint.conf's [mcp] apply_environments.",
            hints(false, true, true),
        ),
        tool::<SyncArgs>(
            "migration_sync",
            "Touchpoint 2, after a real apply: rewrite current_schema/ from the embedded database, fill the migration's SOURCE OF TRUTH lines and tick its Synced stamp. With check: true, only say whether current_schema/ matches the migrations.",
            hints(false, false, true),
        ),
        tool::<DriftArgs>(
            "migration_drift",
            "Compare a database (the embedded one or a touchpoint.conf environment) with the migrations it applied and with current_schema/; say what is missing, extra or changed and which side disagrees. With script: true, return the idempotent catch-up script as text; it is never run.",
            hints(true, false, true),
        ),
        tool::<DescribeArgs>(
            "schema_describe",
            "Verify the current system before you write: a table, view, type, function (or any object) of current_schema/, with its file and line, its SQL, and the objects that refer to it (indexes, constraints, triggers).",
            hints(true, false, true),
        ),
    ]
}

fn tool<T: JsonSchema + 'static>(
    name: &'static str,
    description: &'static str,
    hints: ToolAnnotations,
) -> Tool {
    Tool::new(name, description, Arc::new(JsonObject::new()))
        .with_input_schema::<T>()
        .with_annotations(hints)
}

/// Where a tool acts: the project, and the executable whose command line
/// it runs.
struct Context<'a> {
    project: &'a Project,
    exe: &'a Path,
}

/// Runs tool `name`. An unknown tool or arguments that do not fit its
/// schema are a JSON-RPC error; everything else is a result.
pub fn call(
    project: &Project,
    exe: &Path,
    name: &str,
    arguments: Option<JsonObject>,
) -> Result<CallToolResult, ErrorData> {
    let shown = Value::Object(arguments.clone().unwrap_or_default()).to_string();
    log(&format!("call {name} {shown}"));
    let cx = Context { project, exe };
    let result = match name {
        "migration_new" => new(&cx, parse(name, arguments)?),
        "migration_review" => review(&cx, parse(name, arguments)?),
        "migration_status" => status(&cx, parse(name, arguments)?),
        "migration_apply" => apply(&cx, parse(name, arguments)?),
        "migration_sync" => sync(&cx, parse(name, arguments)?),
        "migration_drift" => drift(&cx, parse(name, arguments)?),
        "schema_describe" => {
            let a: DescribeArgs = parse(name, arguments)?;
            match describe::describe(&project.root, &a.name, a.kind.as_deref()) {
                Ok((summary, structured)) => answer(summary, "", structured),
                Err(message) => failed(message),
            }
        }
        _ => {
            log(&format!("  refused: no tool {name}"));
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`: tools/list names the tools"),
                None,
            ));
        }
    };
    log(&format!(
        "  {name}: {}",
        if result.is_error == Some(true) {
            "error result"
        } else {
            "result"
        }
    ));
    Ok(result)
}

/// The arguments as the tool's type, or the JSON-RPC error "invalid params".
fn parse<T: DeserializeOwned>(name: &str, arguments: Option<JsonObject>) -> Result<T, ErrorData> {
    serde_json::from_value(Value::Object(arguments.unwrap_or_default())).map_err(|e| {
        log(&format!("  refused: bad arguments for {name}: {e}"));
        ErrorData::invalid_params(format!("invalid arguments for {name}: {e}"), None)
    })
}

/// A result: the summary (and what the command said besides) as text, the
/// structured content, and the same content serialized as a second text
/// block for clients that read only text.
fn answer(summary: String, notes: &str, structured: Value) -> CallToolResult {
    let mut text = summary.trim_end().to_string();
    if !notes.is_empty() {
        text.push_str("\n\nthe command also said:\n");
        text.push_str(notes);
    }
    let mut result = CallToolResult::structured(structured);
    result.content.insert(0, ContentBlock::text(text));
    result
}

/// An `isError` result carrying `message`.
fn failed(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

impl Context<'_> {
    /// Runs the command line; a child that could not start is an error
    /// result.
    fn run(&self, args: Vec<String>, environment: Option<&str>) -> Result<Ran, CallToolResult> {
        child::run(self.exe, &self.project.root, &args, environment).map_err(failed)
    }

    /// `--env=NAME` for an environment touchpoint.conf defines; any other
    /// name is an error result.
    fn environment(
        &self,
        name: Option<&str>,
        args: &mut Vec<String>,
    ) -> Result<(), CallToolResult> {
        if let Some(name) = name {
            Policy::load(&self.project.root)
                .and_then(|p| p.environment(name))
                .map_err(|e| failed(format!("{e:#}")))?;
            args.push(format!("--env={name}"));
        }
        Ok(())
    }
}

/// The JSON report of a run that exited 0 or 1; anything else (exit 2, no
/// report) is the run's failure as an error result.
fn report(ran: &Ran) -> Result<Value, CallToolResult> {
    match (ran.code, serde_json::from_str::<Value>(&ran.stdout)) {
        (Some(0 | 1), Ok(v)) => Ok(v),
        _ => Err(failed(ran.failure())),
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `-- <fill in: ...>` lines of a file, with their line numbers.
fn to_fill_in(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(PLACEHOLDER_OPEN))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

fn new(cx: &Context, a: NewArgs) -> CallToolResult {
    let mut args = strings(&["migration", "new"]);
    for (flag, value) in [
        ("issue", &a.issue),
        ("problem", &a.problem),
        ("solution", &a.solution),
    ] {
        if let Some(v) = value {
            args.push(format!("--{flag}={v}"));
        }
    }
    if !a.tables.is_empty() {
        args.push(format!("--tables={}", a.tables.join(",")));
    }
    args.push("--".to_string());
    args.push(a.title);
    let ran = match cx.run(args, None) {
        Ok(r) if r.code == Some(0) => r,
        Ok(r) => return failed(r.failure()),
        Err(e) => return e,
    };
    let path = ran.stdout.trim().to_string();
    let text = std::fs::read_to_string(cx.project.root.join(&path)).unwrap_or_default();
    let open = to_fill_in(&text);
    let mut summary = format!("wrote {path}\n");
    if open.is_empty() {
        summary.push_str("the header is filled in\n");
    } else {
        summary.push_str("header lines still to fill in:\n");
        for (line, l) in &open {
            summary.push_str(&format!("  {path}:{line}: {l}\n"));
        }
    }
    let next = format!(
        "fill in the header, write the SQL below it (safe to run twice), the verify queries under `-- migrate:verify` and the rollback under `-- migrate:rollback`, then call migration_review with files [\"{path}\"]"
    );
    summary.push_str(&format!("next: {next}"));
    let structured = json!({
        "path": path,
        "to_fill_in": open.iter().map(|(line, text)| json!({"line": line, "text": text})).collect::<Vec<_>>(),
        "next": next,
    });
    answer(summary, "", structured)
}

/// File names of migrations whose Reviewed stamp is current, of `names`.
fn reviewed_now(project: &Project, names: &[String]) -> (Vec<String>, Vec<String>) {
    let set = project.load_migrations().unwrap_or_default();
    names.iter().cloned().partition(|name| {
        set.migrations.iter().any(|m| {
            m.name.file_name() == *name
                && matches!(m.stamp_state(Touchpoint::Reviewed), StampState::Current(_))
        })
    })
}

fn review(cx: &Context, a: ReviewArgs) -> CallToolResult {
    // What the review covers, to say afterwards which files it stamped.
    let names: Vec<String> = if a.files.is_empty() {
        let set = cx.project.load_migrations().unwrap_or_default();
        let (_, open) = reviewed_now(
            cx.project,
            &set.migrations
                .iter()
                .map(|m| m.name.file_name())
                .collect::<Vec<_>>(),
        );
        open
    } else {
        a.files
            .iter()
            .filter_map(|f| Path::new(f).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    };
    let mut args = strings(&["migration", "review", "--format", "json"]);
    if !a.files.is_empty() {
        args.push("--".to_string());
        args.extend(a.files);
    }
    let ran = match cx.run(args, None) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let findings = match report(&ran) {
        Ok(v) => v.as_array().cloned().unwrap_or_default(),
        Err(e) => return e,
    };
    let (stamped, not_stamped) = reviewed_now(cx.project, &names);
    let mut summary = String::new();
    let findings: Vec<Value> = findings
        .into_iter()
        .map(|mut f| {
            let location = format!(
                "{}:{}:{}",
                f["file"].as_str().unwrap_or("?"),
                f["start"]["line"],
                f["start"]["column"]
            );
            summary.push_str(&format!(
                "{}[{}] {location}: {}\n",
                f["severity"].as_str().unwrap_or("?"),
                f["rule"].as_str().unwrap_or("?"),
                f["message"].as_str().unwrap_or("")
            ));
            if let Some(help) = f["help"].as_str().filter(|h| !h.is_empty()) {
                summary.push_str(&format!("  help: {help}\n"));
            }
            f["location"] = json!(location);
            f
        })
        .collect();
    let count = |s: &str| findings.iter().filter(|f| f["severity"] == s).count();
    let clean = ran.code == Some(0);
    summary.push_str(&format!(
        "reviewed {} migration(s): {} error(s), {} warning(s); {}\n",
        names.len(),
        count("error"),
        count("warning"),
        if clean {
            "clean"
        } else {
            "not clean: fix the errors (docs/rules/<rule>.md) and review again"
        }
    ));
    if !stamped.is_empty() {
        summary.push_str(&format!("Reviewed stamp current: {}\n", stamped.join(", ")));
    }
    if !not_stamped.is_empty() {
        summary.push_str(&format!("not stamped: {}\n", not_stamped.join(", ")));
    }
    if clean && !names.is_empty() {
        summary.push_str("next: present the file to a human for review; touchpoint 2 (migration_apply) waits for their approval\n");
    }
    let structured = json!({
        "clean": clean,
        "findings": findings,
        "stamped": stamped,
        "not_stamped": not_stamped,
    });
    answer(summary, &ran.notes(), structured)
}

fn status(cx: &Context, a: StatusArgs) -> CallToolResult {
    let mut args = strings(&["migration", "status", "--format", "json"]);
    if a.offline {
        args.push("--offline".to_string());
    }
    if let Err(e) = cx.environment(a.environment.as_deref(), &mut args) {
        return e;
    }
    let ran = match cx.run(args, a.environment.as_deref()) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let v = match report(&ran) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut summary = match v["database"].as_str() {
        Some(db) => format!("database: {db}\n"),
        None => "files only (offline)\n".to_string(),
    };
    for m in v["migrations"].as_array().into_iter().flatten() {
        summary.push_str(&format!(
            "{} {}: {}",
            m["number"],
            m["version"].as_str().unwrap_or("?"),
            m["progress"].as_str().unwrap_or("?")
        ));
        if let Some(state) = m["database"]["state"].as_str() {
            summary.push_str(&format!("; database: {state}"));
        }
        match m["next"].as_str() {
            Some(next) => summary.push_str(&format!("; next: {next}\n")),
            None => summary.push_str("; done\n"),
        }
    }
    for p in v["problems"].as_array().into_iter().flatten() {
        summary.push_str(&format!(
            "problem: {}: {}\n",
            p["file"].as_str().unwrap_or("?"),
            p["message"].as_str().unwrap_or("")
        ));
    }
    answer(summary, &ran.notes(), v)
}

fn apply(cx: &Context, a: ApplyArgs) -> CallToolResult {
    if let (Some(name), true) = (&a.environment, a.confirm) {
        if let Err(e) = Policy::load(&cx.project.root).and_then(|p| p.may_apply(name)) {
            log(&format!("  refused: {e:#}"));
            return failed(format!("{e:#}"));
        }
    }
    let mut args = strings(&["migration", "apply"]);
    if !a.confirm {
        args.push("--rehearse".to_string());
    }
    if let Some(nn) = a.target {
        args.push(format!("--target={nn}"));
    }
    if let Err(e) = cx.environment(a.environment.as_deref(), &mut args) {
        return e;
    }
    let ran = match cx.run(args, a.environment.as_deref()) {
        Ok(r) if r.code == Some(0) => r,
        Ok(r) => return failed(r.failure()),
        Err(e) => return e,
    };
    let database = match &a.environment {
        Some(name) => format!("environment {name}"),
        None => "the embedded database".to_string(),
    };
    let out = ran.stdout.trim().to_string();
    let next = if a.confirm {
        "migration_sync (for the migration just applied), then migration_status"
    } else {
        "after a human approved the reviewed files: migration_apply with confirm: true"
    };
    let summary = format!(
        "{} on {database}:\n{out}\nnext: {next}",
        if a.confirm {
            "applied"
        } else {
            "rehearsed (nothing was kept)"
        }
    );
    let structured = json!({
        "mode": if a.confirm { "apply" } else { "rehearsal" },
        "database": database,
        "report": out,
        "next": next,
    });
    answer(summary, &ran.notes(), structured)
}

fn sync(cx: &Context, a: SyncArgs) -> CallToolResult {
    let mut args = strings(&["migration", "sync", "--format", "json"]);
    if a.check {
        args.push("--check".to_string());
    }
    if let Some(nn) = a.for_number {
        args.push(format!("--for={nn}"));
    }
    let ran = match cx.run(args, None) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let v = match report(&ran) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let list = |key: &str| -> String {
        let items: Vec<&str> = v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().or_else(|| x["file"].as_str()))
            .collect();
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut summary = String::new();
    if a.check {
        if v["up_to_date"] == json!(true) {
            summary.push_str("current_schema/ matches the migrations\n");
        } else {
            summary.push_str(&format!(
                "current_schema/ is stale: {}\nfix: migration_sync (after applying the migrations)\n",
                list("stale")
            ));
        }
    } else {
        summary.push_str(&format!("current_schema/ written: {}\n", list("files")));
        for c in v["changes"].as_array().into_iter().flatten() {
            summary.push_str(&format!(
                "  {}:{}: {} {}\n",
                c["file"].as_str().unwrap_or("?"),
                c["line"],
                c["object"].as_str().unwrap_or("?"),
                c["change"].as_str().unwrap_or("")
            ));
        }
        summary.push_str(&format!(
            "synced migrations: {}\n",
            list("synced_migrations")
        ));
        if ran.code != Some(0) {
            summary.push_str(&format!(
                "DOWNSTREAM commands failed: {}\n",
                list("downstream_failed")
            ));
        }
        summary.push_str("next: migration_status; commit the migration, its stamps and current_schema/ together\n");
    }
    answer(summary, &ran.notes(), v)
}

fn drift(cx: &Context, a: DriftArgs) -> CallToolResult {
    let mut args = strings(&["migration", "drift", "--format", "json"]);
    for side in &a.from {
        args.push(match side {
            DriftSide::Migrations => "--from=migrations".to_string(),
            DriftSide::Schema => "--from=schema".to_string(),
        });
    }
    // The script goes to a file of ours, read back as text, never run.
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            return failed(format!(
                "cannot create a directory for the catch-up script: {e}"
            ))
        }
    };
    let script: PathBuf = dir.path().join("catch_up.sql");
    if a.script {
        args.push(format!("--script={}", script.display()));
        if a.allow_drop {
            args.push("--allow-drop".to_string());
        }
    }
    if let Err(e) = cx.environment(a.environment.as_deref(), &mut args) {
        return e;
    }
    let ran = match cx.run(args, a.environment.as_deref()) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut v = match report(&ran) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let mut summary = String::new();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    if findings.is_empty() {
        summary.push_str("no drift\n");
    }
    for f in &findings {
        summary.push_str(&format!(
            "{}: {} {}{}\n",
            f["severity"].as_str().unwrap_or("?"),
            f["change"].as_str().unwrap_or("?"),
            f["id"].as_str().unwrap_or("?"),
            f["disagreeing_side"]
                .as_str()
                .map(|s| format!(" (the side that disagrees: {s})"))
                .unwrap_or_default()
        ));
    }
    for n in v["notes"].as_array().into_iter().flatten() {
        summary.push_str(&format!("note: {}\n", n.as_str().unwrap_or("")));
    }
    if a.script {
        let text = std::fs::read_to_string(&script).unwrap_or_default();
        summary.push_str(&format!(
            "\ncatch-up script (not run; a person reviews and runs it):\n{text}"
        ));
        v["script_text"] = json!(text);
    }
    answer(summary, &ran.notes(), v)
}
