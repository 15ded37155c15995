//! `mcp`: the workflow as tools for AI assistants, a Model Context Protocol
//! server on standard input and output (docs/ai.md).
//!
//! Each tool runs touchpoint's own command line as a child process
//! ([`child`]), so an assistant gets exactly the CLI's behaviour and
//! messages, and our standard output carries nothing but JSON-RPC. What the
//! CLI has no command for (an object of `current_schema/`, the documents)
//! is read here, through the services. The tools keep the assistant inside
//! the two touchpoints: no rollback, repair, baseline or adopt; a real apply
//! only on the embedded database or an environment `touchpoint.conf`
//! allows ([`policy`]); never a URL from the assistant.

mod child;
mod describe;
mod policy;
mod prompt;
mod resources;
mod tools;

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};

use crate::outcome::Outcome;
use crate::project::Project;

/// Serve the workflow to an AI assistant: a Model Context Protocol server
/// on stdin/stdout (docs/ai.md).
///
/// Tools: migration_new, migration_review, migration_status,
/// migration_apply (a rehearsal unless confirm is true; a real apply only
/// on the embedded database or an environment listed in touchpoint.conf's
/// [mcp] apply_environments), migration_sync, migration_drift and
/// schema_describe. Standard output carries only JSON-RPC; every call is
/// logged to standard error. Register it with an MCP client as the command
/// `cargo xtask mcp` run in the repository.
#[derive(Debug, clap::Args)]
pub struct Args {}

impl Args {
    pub fn run(self, project: &Project) -> Result<Outcome> {
        let server = Server {
            project: project.clone(),
            exe: std::env::current_exe().context("cannot find touchpoint's own executable")?,
        };
        log(&format!(
            "serving {} over stdio (tools, resources, prompts)",
            project.root.display()
        ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        runtime.block_on(async {
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .context("the MCP client did not initialize the session")?;
            running
                .waiting()
                .await
                .context("the MCP session ended with an error")?;
            anyhow::Ok(())
        })?;
        log("the client closed the session");
        Ok(Outcome::Clean)
    }
}

/// Writes one line to standard error: the log of the server (standard
/// output is the protocol's).
pub(crate) fn log(message: &str) {
    eprintln!("touchpoint mcp: {message}");
}

/// The server: the project it acts on, and the executable whose command
/// line each tool runs.
#[derive(Debug, Clone)]
struct Server {
    project: Project,
    exe: PathBuf,
}

/// The protocol versions served: those with an `initialize` handshake whose
/// tool results carry structured content.
const VERSIONS: &[ProtocolVersion] =
    &[ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_11_25];

const INSTRUCTIONS: &str = "touchpoint runs PostgreSQL migrations through two touchpoints. \
Touchpoint 1: verify the current schema (schema_describe, the current_schema/ resources), \
create the file (migration_new), fill in its header and write idempotent SQL, verify queries and \
a rollback, then migration_review until it is clean, and stop: a human reviews the file before \
anything runs. Touchpoint 2, once approved: migration_apply (a rehearsal unless confirm is true), \
migration_sync, migration_status. The prompt write_migration walks through touchpoint 1; the \
resource touchpoint://docs/workflow.md is the whole procedure.";

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .build();
        ServerConfig::new(capabilities)
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
            .with_server_info(
                Implementation::new("touchpoint", env!("CARGO_PKG_VERSION"))
                    .with_title("touchpoint: reviewed, tracked and verified PostgreSQL migrations"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(VERSIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let server = self.clone();
        // The tools run the CLI and read files: off the protocol's thread,
        // so that other requests are answered meanwhile.
        tokio::task::spawn_blocking(move || {
            tools::call(
                &server.project,
                &server.exe,
                &request.name,
                request.arguments,
            )
        })
        .await
        .map_err(|e| ErrorData::internal_error(format!("the tool call panicked: {e}"), None))?
        .map(CallToolResponse::from)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(resources::list(
            &self.project,
        )))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        log(&format!("read {}", request.uri));
        resources::read(&self.project, &request.uri).map(ReadResourceResponse::from)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(vec![prompt::describe()]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        log(&format!("prompt {}", request.name));
        prompt::get(&request.name, request.arguments.as_ref()).map(GetPromptResponse::from)
    }
}
