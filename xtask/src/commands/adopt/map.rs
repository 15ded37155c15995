//! The `--map LEGACY=NN,...` of `migration adopt`: parsing it, checking it
//! against the legacy history and `migrations/`, and the template printed
//! when no map is given. No I/O.

use crate::migration::Migration;
use crate::pg::legacy::Legacy;

/// One `LEGACY=NN` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub legacy: String,
    pub nn: u32,
}

/// A reason to refuse. Forceable ones are recorded anyway with `--force
/// --reason`; the others cannot be (there is nothing to record them as).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub forceable: bool,
    pub message: String,
}

/// What would be recorded: each migration up to the highest mapped NN, with
/// the legacy versions mapped to it (none for a migration golang-migrate's
/// single version covers, or a gap the user forced).
#[derive(Debug)]
pub struct Plan<'a> {
    pub records: Vec<(&'a Migration, Vec<String>)>,
    /// Legacy versions mapped to no NN (recorded nowhere).
    pub unmapped: Vec<String>,
    pub problems: Vec<Problem>,
}

fn fatal(message: String) -> Problem {
    Problem {
        forceable: false,
        message,
    }
}

fn forceable(message: String) -> Problem {
    Problem {
        forceable: true,
        message,
    }
}

/// Parses the items; malformed ones become problems.
pub fn parse(items: &[String]) -> (Vec<Item>, Vec<Problem>) {
    let mut out: Vec<Item> = Vec::new();
    let mut problems = Vec::new();
    for raw in items {
        let item = raw.trim();
        let parsed = item.split_once('=').and_then(|(l, n)| {
            let (l, n) = (l.trim(), n.trim());
            let nn = (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .then(|| n.parse::<u32>().ok())
                .flatten()?;
            (!l.is_empty()).then(|| Item {
                legacy: l.to_string(),
                nn,
            })
        });
        match parsed {
            None => problems.push(fatal(format!(
                "--map item `{item}` is malformed: write LEGACY=NN, e.g. 20240101120000=01 (the legacy version, `=`, the number of a file in migrations/)"
            ))),
            Some(i) => match out.iter().find(|o| o.legacy == i.legacy) {
                Some(o) if o.nn != i.nn => problems.push(fatal(format!(
                    "--map gives legacy version {} two migrations, {:02} and {:02}: one legacy version maps to one NN",
                    i.legacy, o.nn, i.nn
                ))),
                Some(_) => {}
                None => out.push(i),
            },
        }
    }
    (out, problems)
}

/// Checks `items` against the legacy history and the migrations (ordered by
/// NN), and lists what would be recorded.
pub fn plan<'a>(legacy: &Legacy, items: &[Item], set: &'a [Migration]) -> Plan<'a> {
    let mut problems = Vec::new();
    let table = &legacy.table;
    for i in items {
        if !set.iter().any(|m| m.name.number == i.nn) {
            problems.push(fatal(format!(
                "--map {}={:02}: there is no migration numbered {:02} in migrations/",
                i.legacy, i.nn, i.nn
            )));
        }
        if !legacy.versions.iter().any(|v| v.version == i.legacy) {
            let known: Vec<&str> = legacy.versions.iter().map(|v| v.version.as_str()).collect();
            problems.push(fatal(format!(
                "--map {}={:02}: {table} has no applied version {} (it has: {})",
                i.legacy,
                i.nn,
                i.legacy,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let unmapped: Vec<String> = legacy
        .versions
        .iter()
        .filter(|v| !items.iter().any(|i| i.legacy == v.version))
        .map(|v| v.version.clone())
        .collect();
    if !unmapped.is_empty() {
        problems.push(forceable(format!(
            "the mapping is incomplete: applied version{} {} of {table} map{} to no migration; add LEGACY=NN for {}",
            if unmapped.len() == 1 { "" } else { "s" },
            unmapped.join(", "),
            if unmapped.len() == 1 { "s" } else { "" },
            if unmapped.len() == 1 { "it" } else { "each" },
        )));
    }
    for v in legacy.failed() {
        problems.push(forceable(format!(
            "{table} says version {} did not finish ({}): the history is half-applied. Finish or undo it by hand (and with {}), then adopt",
            v.version,
            v.failed.as_deref().unwrap_or("failed"),
            legacy.tool.label()
        )));
    }
    // Legacy order and NN order must agree.
    let mut last: Option<(&str, u32)> = None;
    for v in &legacy.versions {
        let Some(i) = items.iter().find(|i| i.legacy == v.version) else {
            continue;
        };
        if let Some((lv, lnn)) = last {
            if i.nn < lnn {
                problems.push(forceable(format!(
                    "--map puts legacy version {} (applied after {lv}) at {:02}, before {lv}'s {lnn:02}: the migrations would be recorded in another order than they ran",
                    v.version, i.nn
                )));
            }
        }
        last = Some((&v.version, i.nn));
    }
    let top = items
        .iter()
        .filter(|i| set.iter().any(|m| m.name.number == i.nn))
        .map(|i| i.nn)
        .max();
    let mut records = Vec::new();
    if let Some(top) = top {
        for m in set.iter().filter(|m| m.name.number <= top) {
            let from: Vec<String> = legacy
                .versions
                .iter()
                .filter(|v| {
                    items
                        .iter()
                        .any(|i| i.legacy == v.version && i.nn == m.name.number)
                })
                .map(|v| v.version.clone())
                .collect();
            if from.is_empty() && !legacy.tool.single_version() {
                problems.push(forceable(format!(
                    "no legacy version maps to {:02} ({}), which is below the highest mapped migration {top:02}: it would be recorded as applied too (the drift check replays it); map the legacy version that did its work to it",
                    m.name.number, m.name.stem
                )));
            }
            records.push((m, from));
        }
    }
    Plan {
        records,
        unmapped,
        problems,
    }
}

/// `LEGACY=NN,...` with NN guessed: by position when the history and
/// `migrations/` hold as many entries, the migration numbered like
/// golang-migrate's version, else `?`.
pub fn template(legacy: &Legacy, set: &[Migration]) -> String {
    let by_position = legacy.versions.len() == set.len() && !legacy.tool.single_version();
    legacy
        .versions
        .iter()
        .enumerate()
        .map(|(idx, v)| {
            let nn = if by_position {
                set[idx].name.number_text.clone()
            } else if legacy.tool.single_version() {
                v.version
                    .parse::<u32>()
                    .ok()
                    .and_then(|n| set.iter().find(|m| m.name.number == n))
                    .map_or("?".to_string(), |m| m.name.number_text.clone())
            } else {
                "?".to_string()
            };
            format!("{}={nn}", v.version)
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::MigrationName;
    use crate::pg::legacy::{Tool, Version};
    use crate::pg::tracking::TableName;

    fn set(n: u32) -> Vec<Migration> {
        (1..=n)
            .map(|i| {
                let name = MigrationName::parse(&format!("2026-01-0{}_{i:02}_m{i}.sql", i.min(9)))
                    .unwrap();
                Migration::parse(name, &format!("SELECT {i};\n")).unwrap()
            })
            .collect()
    }

    fn legacy(tool: Tool, versions: &[&str]) -> Legacy {
        Legacy {
            tool,
            table: TableName::default(),
            versions: versions
                .iter()
                .map(|v| Version {
                    version: v.to_string(),
                    description: None,
                    failed: None,
                })
                .collect(),
            skipped: Vec::new(),
        }
    }

    fn items(s: &[&str]) -> Vec<Item> {
        let (items, problems) = parse(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(problems.is_empty(), "{problems:?}");
        items
    }

    #[test]
    fn malformed_items_are_named() {
        let (_, p) = parse(&[
            "1=01".into(),
            "2".into(),
            "=3".into(),
            "4=x".into(),
            "1=02".into(),
        ]);
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p.iter().all(|p| !p.forceable));
        assert!(p[0].message.contains("`2` is malformed"));
        assert!(p[3].message.contains("two migrations, 01 and 02"));
    }

    #[test]
    fn a_complete_mapping_records_up_to_the_highest_nn() {
        let s = set(3);
        let l = legacy(Tool::Dbmate, &["a", "b", "c"]);
        let p = plan(&l, &items(&["a=01", "b=02", "c=02"]), &s);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let got: Vec<(u32, Vec<String>)> = p
            .records
            .iter()
            .map(|(m, v)| (m.name.number, v.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (1, vec!["a".to_string()]),
                (2, vec!["b".to_string(), "c".to_string()])
            ]
        );
    }

    #[test]
    fn incomplete_mappings_and_gaps_are_refused() {
        let s = set(3);
        let l = legacy(Tool::HandRolled, &["1", "2", "3"]);
        let p = plan(&l, &items(&["1=01", "3=03", "9=07"]), &s);
        let msgs: Vec<&str> = p.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("no migration numbered 07")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("no applied version 9")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("applied version 2 of")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("no legacy version maps to 02")),
            "{msgs:?}"
        );
        assert_eq!(p.unmapped, ["2"]);
    }

    #[test]
    fn golang_migrate_covers_everything_below_its_version() {
        let s = set(3);
        let mut l = legacy(Tool::GolangMigrate, &["2"]);
        let p = plan(&l, &items(&["2=02"]), &s);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 2);
        assert_eq!(template(&l, &s), "2=02");
        l.versions[0].failed = Some("dirty = true".into());
        let p = plan(&l, &items(&["2=02"]), &s);
        assert!(p
            .problems
            .iter()
            .any(|p| p.forceable && p.message.contains("dirty = true")));
    }

    #[test]
    fn out_of_order_mappings_are_refused() {
        let s = set(2);
        let l = legacy(Tool::Dbmate, &["a", "b"]);
        let p = plan(&l, &items(&["a=02", "b=01"]), &s);
        assert!(p
            .problems
            .iter()
            .any(|p| p.message.contains("another order")));
    }

    #[test]
    fn the_template_guesses_by_position_only_when_counts_match() {
        let s = set(2);
        assert_eq!(
            template(&legacy(Tool::Sqlx, &["10", "20"]), &s),
            "10=01,20=02"
        );
        assert_eq!(template(&legacy(Tool::Sqlx, &["10"]), &s), "10=?");
    }
}
