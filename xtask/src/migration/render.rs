//! Rendering a new migration file from `templates/migration.sql`.

use askama::Template;
use chrono::NaiveDate;

/// What `review` recognises as a field nobody filled in.
pub const PLACEHOLDER_OPEN: &str = "<fill in:";

#[derive(Template)]
#[template(path = "migration.sql", escape = "none")]
struct NewMigration<'a> {
    title: &'a str,
    date: String,
    issue: String,
    problem: String,
    solution: String,
    tables: String,
}

#[derive(Debug, Default, Clone)]
pub struct NewFields {
    pub title: String,
    pub issue: Option<String>,
    pub problem: Option<String>,
    pub solution: Option<String>,
    pub tables: Vec<String>,
}

/// The text of a new migration file. Header values are folded onto one line
/// so that a newline in a flag cannot break the header block.
pub fn new_migration(fields: &NewFields, date: NaiveDate) -> String {
    let fill = |value: &Option<String>, hint: &str| match value {
        Some(v) if !v.trim().is_empty() => one_line(v),
        _ => format!("{PLACEHOLDER_OPEN} {hint}>"),
    };
    let tables = if fields.tables.is_empty() {
        format!("{PLACEHOLDER_OPEN} schema.table, ... or none>")
    } else {
        fields
            .tables
            .iter()
            .map(|t| one_line(t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let t = NewMigration {
        title: &one_line(&fields.title),
        date: date.format("%Y-%m-%d").to_string(),
        issue: fill(&fields.issue, "ticket and the problem in a few words"),
        problem: fill(&fields.problem, "what is wrong today, and why it matters"),
        solution: fill(&fields.solution, "what this migration changes"),
        tables,
    };
    let mut text = t.render().expect("the migration template renders");
    // askama strips the template's final newline.
    text.push('\n');
    text
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
