//! `mcp`: a JSON-RPC client drives the real server over its standard input
//! and output (newline-delimited JSON, the MCP stdio transport) in a demo
//! project: touchpoint 1 and 2 through the tools against the project's
//! embedded database, then the calls that must fail.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{self, command, copy_dir, fixture_dir, stdout, xtask};

/// The server as a child process, and a JSON-RPC client of it.
struct Client {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    next_id: u64,
}

impl Client {
    fn spawn(dir: &Path) -> Client {
        let mut child = command(dir)
            .arg("mcp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the touchpoint binary runs");
        let stdin = child.stdin.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Client {
            child,
            stdin,
            lines,
            stderr,
            next_id: 0,
        }
    }

    fn send(&mut self, message: &Value) {
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(300))
                .unwrap_or_else(|e| panic!("no answer to {method}: {e}\nstderr:\n{}", self.log()));
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("standard output is not JSON-RPC ({e}): {line}"));
            assert_eq!(v["jsonrpc"], "2.0", "{line}");
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    /// A `tools/call`'s result, asserting it is one (not a JSON-RPC error).
    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let r = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        assert!(
            r.get("error").is_none(),
            "{tool}: {r}\nstderr:\n{}",
            self.log()
        );
        r["result"].clone()
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn initialize(&mut self) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "touchpoint-tests", "version": "1"},
            }),
        );
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        r
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stops the project's embedded PostgreSQL, which the tools start on demand.
struct StopDb<'a>(&'a Path);

impl Drop for StopDb<'_> {
    fn drop(&mut self) {
        let _ = xtask(self.0, &["db", "stop"]);
    }
}

/// The demo project: the frozen migrations (reviewed, not executed) and
/// their current_schema/.
fn demo() -> tempfile::TempDir {
    let dir = support::demo_project();
    copy_dir(
        &fixture_dir().join("current_schema"),
        &dir.path().join("current_schema"),
    );
    dir
}

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn is_error(result: &Value) -> bool {
    result["isError"] == json!(true)
}

/// The file `migration_new` wrote, filled in by the test as an author
/// would: the header's two open lines, the SQL, a verify query, the
/// rollback.
fn fill_in(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let line = if line.starts_with("-- PROBLEM:") {
            "-- PROBLEM: intake routes packets by hand because nothing records their region."
        } else if line.starts_with("-- SOLUTION:") {
            "-- SOLUTION: add a nullable text column service_ops.packet.region."
        } else {
            line
        };
        match line {
            "-- migrate:verify" => out.push_str(
                "SET lock_timeout = '5s';\n\nALTER TABLE service_ops.packet ADD COLUMN IF NOT EXISTS region text;\n\n-- migrate:verify\n\
                 SELECT 'packet.region exists' AS check_name,\n       CASE WHEN count(*) = 1 THEN 'PASS' ELSE 'FAIL' END AS result\n  FROM information_schema.columns\n WHERE table_schema = 'service_ops' AND table_name = 'packet' AND column_name = 'region';\n",
            ),
            "-- migrate:rollback" => {
                out.push_str("-- migrate:rollback\nALTER TABLE service_ops.packet DROP COLUMN IF EXISTS region;\n");
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn an_assistant_writes_reviews_applies_and_syncs_a_migration() {
    let dir = demo();
    let d = dir.path();
    let _stop = StopDb(d);
    let started = Instant::now();
    let mut c = Client::spawn(d);
    let init = c.initialize();
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "touchpoint");
    let tools = c.request("tools/list", json!({}));
    let listed = started.elapsed();
    println!("tools/list answered {} ms after spawn", listed.as_millis());
    check_tools(&tools);
    let path = touchpoint_1(&mut c, d);
    touchpoint_2(&mut c, d, &path);
    resources_and_prompt(&mut c);

    // Every call is logged to standard error with its arguments.
    let log = c.log();
    assert!(
        log.contains(r#"call migration_apply {"confirm":true}"#),
        "{log}"
    );
}

/// The seven tools and no others; schemas refuse unknown arguments.
fn check_tools(tools: &Value) {
    let names: Vec<&str> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in [
        "migration_new",
        "migration_review",
        "migration_status",
        "migration_apply",
        "migration_sync",
        "migration_drift",
        "schema_describe",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for absent in ["rollback", "repair", "baseline", "adopt"] {
        assert!(!names.iter().any(|n| n.contains(absent)), "{names:?}");
    }
    let apply = &tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "migration_apply")
        .unwrap()["inputSchema"];
    assert_eq!(apply["additionalProperties"], false, "{apply}");
    assert!(apply["properties"]["confirm"].is_object(), "{apply}");
}

/// Verify, new, review (the unfinished header), fill in, review clean.
/// Returns the file.
fn touchpoint_1(c: &mut Client, d: &Path) -> String {
    // Verify the current system.
    let r = c.call("schema_describe", json!({"name": "service_ops.packet"}));
    assert!(!is_error(&r), "{r}");
    let object = &r["structuredContent"]["objects"][0];
    assert_eq!(object["object"], "table: service_ops.packet", "{r}");
    let file = object["file"].as_str().unwrap();
    let line = object["line"].as_u64().unwrap() as usize;
    let on_disk = std::fs::read_to_string(d.join(file)).unwrap();
    assert_eq!(
        on_disk.lines().nth(line - 1),
        Some("-- table: service_ops.packet"),
        "{r}"
    );
    assert!(text(&r).contains(&format!("{file}:{line}")), "{r}");

    // Touchpoint 1: new, review (the unfinished header), fill in, review clean.
    let r = c.call(
        "migration_new",
        json!({"title": "Add packet region", "issue": "SO-900 intake cannot route packets by region", "tables": ["service_ops.packet"]}),
    );
    assert!(!is_error(&r), "{r}");
    let path = r["structuredContent"]["path"].as_str().unwrap().to_string();
    assert!(
        path.starts_with("migrations/") && path.ends_with("_11_add_packet_region.sql"),
        "{r}"
    );
    let open: Vec<String> = r["structuredContent"]["to_fill_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(open.len(), 2, "{r}");
    assert!(
        open[0].starts_with("-- PROBLEM:") && open[1].starts_with("-- SOLUTION:"),
        "{r}"
    );

    let r = c.call("migration_review", json!({"files": [path]}));
    assert!(!is_error(&r), "findings are a result, not an error: {r}");
    assert_eq!(r["structuredContent"]["clean"], false, "{r}");
    let findings = r["structuredContent"]["findings"].as_array().unwrap();
    let header = findings
        .iter()
        .find(|f| f["rule"] == "header-incomplete")
        .unwrap_or_else(|| panic!("no header-incomplete finding: {r}"));
    assert_eq!(header["severity"], "error");
    assert_eq!(header["location"], format!("{path}:6:1"), "{r}");
    assert!(header["help"].as_str().unwrap().contains("PROBLEM"), "{r}");
    assert!(
        text(&r).contains(&format!("error[header-incomplete] {path}:6:1")),
        "{r}"
    );
    assert_eq!(
        r["structuredContent"]["not_stamped"],
        json!([path.trim_start_matches("migrations/")])
    );

    fill_in(&d.join(&path));
    let r = c.call("migration_review", json!({"files": [path]}));
    assert!(!is_error(&r), "{r}");
    assert_eq!(r["structuredContent"]["clean"], true, "{r}");
    assert_eq!(
        r["structuredContent"]["stamped"],
        json!([path.trim_start_matches("migrations/")])
    );
    let file_text = std::fs::read_to_string(d.join(&path)).unwrap();
    assert!(file_text.contains("--   [x] Reviewed "), "{file_text}");
    path
}

/// Rehearse, apply, sync, status, drift, describe again.
fn touchpoint_2(c: &mut Client, d: &Path, path: &str) {
    let file_text = std::fs::read_to_string(d.join(path)).unwrap();
    // Touchpoint 2: a rehearsal changes nothing; confirm applies.
    let r = c.call("migration_apply", json!({}));
    assert!(!is_error(&r), "{r}");
    assert_eq!(r["structuredContent"]["mode"], "rehearsal");
    // The demo's NN 09 runs outside a transaction: the rehearsal stops there.
    assert!(
        text(&r).contains("rehearsal: 8 migrations ran and verified, then everything was rolled back; no file was changed"),
        "{r}"
    );
    assert_eq!(std::fs::read_to_string(d.join(path)).unwrap(), file_text);

    let r = c.call("migration_apply", json!({"confirm": true}));
    assert!(!is_error(&r), "{r}");
    assert_eq!(r["structuredContent"]["mode"], "apply");
    assert_eq!(r["structuredContent"]["database"], "the embedded database");
    assert!(text(&r).contains("applied 11 migrations"), "{r}");
    assert!(std::fs::read_to_string(d.join(path))
        .unwrap()
        .contains("--   [x] Executed "));

    let r = c.call("migration_sync", json!({"for": 11}));
    assert!(!is_error(&r), "{r}");
    let synced = &r["structuredContent"]["synced_migrations"];
    assert_eq!(synced, &json!([path]), "{r}");
    let changes = r["structuredContent"]["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["object"] == "table service_ops.packet"),
        "{r}"
    );
    let file_text = std::fs::read_to_string(d.join(path)).unwrap();
    assert!(
        file_text.contains("--   [x] Source of truth synced "),
        "{file_text}"
    );

    let r = c.call("migration_status", json!({}));
    assert!(!is_error(&r), "{r}");
    let ours = r["structuredContent"]["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"] == json!(path))
        .unwrap_or_else(|| panic!("{path} not in the status: {r}"))
        .clone();
    assert_eq!(ours["progress"], "synced", "{ours}");
    assert_eq!(ours["database"]["state"], "applied", "{ours}");
    assert!(ours["next"].is_null(), "{ours}");
    assert!(text(&r).contains("11 2026-"), "{r}");

    // The database matches the migrations and current_schema/; the
    // catch-up script comes back as text.
    let r = c.call("migration_drift", json!({"script": true}));
    assert!(!is_error(&r), "{r}");
    assert_eq!(r["structuredContent"]["drift"], false, "{r}");
    assert!(r["structuredContent"]["script_text"].is_string(), "{r}");

    // The source of truth now shows the column.
    let r = c.call(
        "schema_describe",
        json!({"name": "packet", "kind": "table"}),
    );
    assert!(
        r["structuredContent"]["objects"][0]["sql"]
            .as_str()
            .unwrap()
            .contains("region text"),
        "{r}"
    );
}

fn resources_and_prompt(c: &mut Client) {
    let r = c.request("resources/list", json!({}));
    let uris: Vec<&str> = r["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["uri"].as_str().unwrap())
        .collect();
    for uri in [
        "touchpoint://docs/workflow.md",
        "touchpoint://docs/rules/header-incomplete.md",
        "touchpoint://current_schema/03_service_ops.sql",
    ] {
        assert!(uris.contains(&uri), "{uri} not in {uris:?}");
    }
    let r = c.request(
        "resources/read",
        json!({"uri": "touchpoint://docs/workflow.md"}),
    );
    assert!(
        r["result"]["contents"][0]["text"]
            .as_str()
            .unwrap()
            .contains("## Touchpoint 1"),
        "{r}"
    );
    let r = c.request(
        "prompts/get",
        json!({"name": "write_migration", "arguments": {"change": "add a region to packets"}}),
    );
    let prompt = r["result"]["messages"][0]["content"]["text"]
        .as_str()
        .unwrap();
    assert!(
        prompt.contains("schema_describe") && prompt.contains("Then STOP"),
        "{r}"
    );
}

#[test]
fn bad_calls_are_errors_and_refusals_are_error_results() {
    let dir = demo();
    let d = dir.path();
    std::fs::write(
        d.join("touchpoint.conf"),
        "[env.staging]\nurl = \"${STAGING_URL}\"\n[env.prod]\nurl = \"${PROD_URL}\"\n[mcp]\napply_environments = staging\n",
    )
    .unwrap();
    let mut c = Client::spawn(d);
    c.initialize();

    // An unknown tool, arguments outside the schema: JSON-RPC errors.
    let r = c.request(
        "tools/call",
        json!({"name": "migration_rollback", "arguments": {}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown tool"),
        "{r}"
    );
    let r = c.request(
        "tools/call",
        json!({"name": "migration_new", "arguments": {}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("title"),
        "{r}"
    );
    let r = c.request(
        "tools/call",
        json!({"name": "migration_apply", "arguments": {"confirm": true, "database_url": "postgres://prod/db"}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("database_url"),
        "{r}"
    );
    let r = c.request(
        "tools/call",
        json!({"name": "migration_apply", "arguments": {"confirm": "yes"}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");

    // A real apply outside the allow-list, an environment nobody defined.
    let r = c.call(
        "migration_apply",
        json!({"confirm": true, "environment": "prod"}),
    );
    assert!(is_error(&r), "{r}");
    assert!(
        text(&r).starts_with("refused:") && text(&r).contains("apply_environments"),
        "{r}"
    );
    let r = c.call("migration_status", json!({"environment": "qa"}));
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("no environment `qa`"), "{r}");

    // A tool whose command fails: the CLI's message, as an error result.
    let r = c.call(
        "migration_review",
        json!({"files": ["migrations/nope.sql"]}),
    );
    assert!(is_error(&r), "{r}");
    assert!(
        text(&r).contains("migrations/nope.sql is not a migration in migrations/"),
        "{r}"
    );
    let r = c.call("migration_new", json!({"title": "!!!"}));
    assert!(is_error(&r), "{r}");
    assert!(text(&r).contains("leaves nothing for the file name"), "{r}");
    let r = c.call("schema_describe", json!({"name": "service_ops.nope"}));
    assert!(is_error(&r), "{r}");

    // The server is still up, and nothing was written.
    let r = c.request("tools/list", json!({}));
    assert!(r["result"]["tools"].is_array(), "{r}");
    assert_eq!(std::fs::read_dir(d.join("migrations")).unwrap().count(), 10);
    assert!(!d.join("target").exists(), "no database was started");
    let log = c.log();
    assert!(
        log.contains(r#"call migration_apply {"confirm":true,"environment":"prod"}"#),
        "{log}"
    );
    assert!(log.contains("refused"), "{log}");
    drop(c);
    // `mcp` is a command like the others: its help names the docs.
    let o = xtask(d, &["mcp", "--help"]);
    assert!(stdout(&o).contains("docs/ai.md"), "{}", stdout(&o));
}
