use std::collections::BTreeMap;

use super::util::changed_tables;
use crate::review::schema::qualify;
use crate::review::{Context, Finding, Rule, Severity};

/// AFFECTED TABLES must name exactly the tables the SQL changes.
pub struct AffectedTables;

impl Rule for AffectedTables {
    fn id(&self) -> &'static str {
        "affected-tables"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "AFFECTED TABLES does not match the tables the SQL changes"
    }
    fn help(&self) -> &'static str {
        "list every table the body creates, alters, indexes, drops or writes, schema-qualified and comma-separated (`none` when it changes no table), and no other: reviewers and the DBA instructions rely on it"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(h) = &cx.m.header else { return };
        if !h.affected_tables.is_present() || h.affected_tables.value.contains('<') {
            return; // header-incomplete reports it
        }
        let declared: Vec<String> = h
            .affected_tables()
            .iter()
            .map(|t| qualify(&t.to_ascii_lowercase()))
            .collect();
        let mut changed: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
        for s in cx.body_stmts() {
            for (t, i) in changed_tables(s) {
                changed
                    .entry(qualify(&t))
                    .or_insert_with(|| s.range(i, i + 2));
            }
        }
        for (t, range) in &changed {
            if !declared.contains(t) {
                out.push(cx.finding(
                    self,
                    range.clone(),
                    format!("{t} is changed here but not listed in AFFECTED TABLES"),
                ));
            }
        }
        let header_range = cx.line_range(h.affected_tables.line);
        for t in &declared {
            if !changed.contains_key(t) {
                out.push(cx.finding(
                    self,
                    header_range.clone(),
                    format!("AFFECTED TABLES lists {t}, which the SQL does not change"),
                ));
            }
        }
    }
}
