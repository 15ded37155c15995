//! `new-rule <id>`: scaffolds a review rule the way every rule is laid out:
//! the rule file under `xtask/src/review/rules/`, its entry in the registry,
//! its page under `docs/rules/` and its snapshot test. The page's Bad example
//! fails the examples test until the rule finds it, so nothing is left half
//! done unnoticed.

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::outcome::BadInput;
use crate::project::Project;
use crate::review::Severity;

/// Scaffold a review rule: its file, registry entry, docs page and
/// snapshot test.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The stable kebab-case id, e.g. `drop-column-in-use`.
    pub id: String,
    #[arg(long, value_enum, default_value_t = RuleSeverity::Warning)]
    pub severity: RuleSeverity,
    /// What the rule finds, in one line (the page's title line).
    #[arg(long)]
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleSeverity {
    Warning,
    Error,
}

impl Args {
    pub fn run(self, project: &Project) -> Result<crate::outcome::Outcome> {
        let opts = Options {
            id: self.id,
            severity: match self.severity {
                RuleSeverity::Error => Severity::Error,
                RuleSeverity::Warning => Severity::Warning,
            },
            summary: self.summary,
        };
        for path in run(project, &opts)? {
            println!("{path}");
        }
        eprintln!("next: write the check and the page, then `cargo test -p touchpoint --test it review_rules` (its examples test fails until the Bad example is found)");
        Ok(crate::outcome::Outcome::Clean)
    }
}

/// What one scaffold does, resolved from its arguments.
pub struct Options {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
}

fn camel(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

fn insert_before(text: &str, marker: &str, line: &str, file: &Path) -> Result<String> {
    let at = text.find(marker).with_context(|| {
        format!(
            "{} has no `{marker}` to insert before; add the line `{}` by hand",
            file.display(),
            line.trim()
        )
    })?;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    Ok(format!(
        "{}{line}{}",
        &text[..line_start],
        &text[line_start..]
    ))
}

/// Writes the files; returns the paths written, relative to the project.
fn run(project: &Project, opts: &Options) -> Result<Vec<String>> {
    let id = opts.id.trim();
    let valid = !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        bail!(BadInput(format!(
            "`{id}` is not a rule id: use lowercase words joined by `-`, e.g. `drop-column-in-use`"
        )));
    }
    if opts.summary.trim().is_empty() {
        bail!(BadInput(
            "--summary must say in one line what the rule finds".into()
        ));
    }
    let snake = id.replace('-', "_");
    let camel = camel(id);
    let root = &project.root;
    let rule_file = root.join(format!("xtask/src/review/rules/{snake}.rs"));
    let page = root.join(format!("docs/rules/{id}.md"));
    let registry = root.join("xtask/src/review/rules/mod.rs");
    let tests = root.join("xtask/tests/it/review_rules.rs");
    for p in [&rule_file, &page] {
        if p.exists() {
            bail!(BadInput(format!(
                "{} already exists: pick another id",
                p.display()
            )));
        }
    }
    let mod_text = fs::read_to_string(&registry)
        .with_context(|| format!("cannot read {}", registry.display()))?;
    if mod_text.contains(&format!("mod {snake};")) {
        bail!(BadInput(format!(
            "`{id}` is already registered in {}",
            registry.display()
        )));
    }
    let (sev, sev_key) = match opts.severity {
        Severity::Error => ("Error", "error"),
        _ => ("Warning", "warning"),
    };
    let summary = opts.summary.trim().replace('"', "'");
    let rule = format!(
        r#"use crate::review::{{Context, Finding, Rule, Severity}};

/// {summary}.
pub struct {camel};

impl Rule for {camel} {{
    fn id(&self) -> &'static str {{
        "{id}"
    }}
    fn severity(&self) -> Severity {{
        Severity::{sev}
    }}
    fn summary(&self) -> &'static str {{
        "{summary}"
    }}
    fn help(&self) -> &'static str {{
        "say what to do instead, with the safe SQL"
    }}
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {{
        // Find the statements this rule is about; `cx.body_stmts()` gives
        // them with their keywords upper-cased, `cx.before` the schema the
        // earlier migrations leave. docs/rules/{id}.md's Bad example must
        // produce a finding here.
        for s in cx.body_stmts() {{
            if s.starts_with(&["REPLACE", "WITH", "THE", "STATEMENT"]) {{
                out.push(cx.finding(self, s.range(0, 1), "what is wrong, naming the table"));
            }}
        }}
    }}
}}
"#
    );
    let page_text = format!(
        "# {id}\n\nSeverity: {sev_key}. {summary}\n\n## Problem\nWhat goes wrong in production, and which lock or failure it causes.\n\n## Safe alternative\nWhat to do instead, with SQL.\n\n## Bad\n```sql\n-- a migration body that {id} reports\nSELECT 1;\n```\n\n## Good\n```sql\n-- the same change done safely\nSELECT 1;\n```\n"
    );
    let mut new_mod = insert_before(
        &mod_text,
        "pub mod ignore;",
        &format!("mod {snake};\n"),
        &registry,
    )?;
    new_mod = insert_before(
        &new_mod,
        "&ignore::UnknownIgnore",
        &format!("    &{snake}::{camel},\n"),
        &registry,
    )?;
    let tests_text =
        fs::read_to_string(&tests).with_context(|| format!("cannot read {}", tests.display()))?;
    let snap_line = format!("    snapshot_{snake} => \"{id}\",\n");
    let at = tests_text
        .find("snapshots! {")
        .and_then(|a| tests_text[a..].find("\n}").map(|b| a + b + 1))
        .with_context(|| {
            format!(
                "{} has no `snapshots! {{ ... }}` list; add `{}` to it by hand",
                tests.display(),
                snap_line.trim()
            )
        })?;
    let new_tests = format!("{}{snap_line}{}", &tests_text[..at], &tests_text[at..]);

    fs::write(&rule_file, rule).with_context(|| format!("cannot write {}", rule_file.display()))?;
    fs::write(&page, page_text).with_context(|| format!("cannot write {}", page.display()))?;
    fs::write(&registry, new_mod)?;
    fs::write(&tests, new_tests)?;
    Ok([&rule_file, &page, &registry, &tests]
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect())
}
