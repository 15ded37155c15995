//! The prompt `write_migration`: touchpoint 1 step by step with the tools,
//! ending where a human reviews the file; touchpoint 2 waits for them.

use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};
use rmcp::ErrorData;

pub const NAME: &str = "write_migration";

pub fn describe() -> Prompt {
    Prompt::new(
        NAME,
        Some("Write a migration through touchpoint 1 (verify, create, fill in, review), then stop for human review before touchpoint 2"),
        Some(vec![
            PromptArgument::new("change")
                .with_description("What the migration should change, in a sentence")
                .with_required(true),
            PromptArgument::new("issue")
                .with_description("The ticket it belongs to")
                .with_required(false),
        ]),
    )
    .with_title("Write a migration")
}

pub fn get(name: &str, arguments: Option<&JsonObject>) -> Result<GetPromptResult, ErrorData> {
    if name != NAME {
        return Err(ErrorData::invalid_params(
            format!("unknown prompt `{name}`: prompts/list names the prompts"),
            None,
        ));
    }
    let arg = |key: &str| {
        arguments
            .and_then(|a| a.get(key))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(change) = arg("change") else {
        return Err(ErrorData::invalid_params(
            "the prompt write_migration needs the argument `change`: what the migration should change",
            None,
        ));
    };
    let issue = arg("issue").map_or_else(
        || "ask for the ticket if nobody gave one".to_string(),
        |i| format!("the ticket is {i}"),
    );
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(
        Role::User,
        text(change, &issue),
    )])
    .with_description(format!("Write a migration: {change}")))
}

fn text(change: &str, issue: &str) -> String {
    format!(
        "Write a PostgreSQL migration that does this: {change} ({issue}).

Follow touchpoint 1 of the workflow (resource touchpoint://docs/workflow.md), in order:

1. Verify the current system; do not assume. Call schema_describe for every table, type or
   function you will touch, and read what refers to them. Read the code that uses them.
2. Create the file with migration_new: a title of a few words, the issue, and every table the SQL
   changes (schema-qualified) as tables.
3. Fill in the header in the file it returns: Issue, PROBLEM, SOLUTION, AFFECTED TABLES. Nothing
   may still read `<fill in: ...>`.
4. Write the SQL below the header, safe to run twice: CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT
   EXISTS, DROP ... IF EXISTS, CREATE OR REPLACE; CREATE TYPE and ADD CONSTRAINT inside a DO block
   that checks pg_type / pg_constraint first; no BEGIN or COMMIT; SET lock_timeout = '5s'; before
   statements that lock a busy table; CREATE INDEX CONCURRENTLY alone in a file whose first body
   line is `-- migrate:no-transaction`, after DROP INDEX CONCURRENTLY IF EXISTS.
5. Under `-- migrate:verify`, one query per check returning rows whose first column names the
   check and whose last column is 'PASS' or 'FAIL'.
6. Under `-- migrate:rollback`, SQL that restores the schema as it was, itself idempotent; or
   `-- irreversible: <reason>`.
7. Call migration_review with the file. Fix every error finding (each names its rule; the page
   touchpoint://docs/rules/<rule>.md gives the safe alternative) and review again until it is
   clean: a clean review ticks the Reviewed stamp.

Then STOP. Show the file and the review to the person you work with and wait for their review
(and a second reviewer's). Any change to the SQL makes the Reviewed stamp stale: review again.
Do not start touchpoint 2 on your own: migration_apply with confirm: true, migration_sync and the
commit come only after a human approved the file. Until then you may call migration_apply
without confirm, which rehearses (runs everything and rolls it back) and changes nothing."
    )
}
