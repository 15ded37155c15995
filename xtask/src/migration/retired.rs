//! `migrations/RETIRED`: the migrations removed on purpose, a line each
//! (`<name> <checksum> <date> <reason>`), written by `migration retire` and
//! read by the hook, which lets an executed migration's deletion through
//! only when it is recorded here.

use chrono::NaiveDate;

use super::Checksum;

/// The file's name inside `migrations/`.
pub const RETIRED_FILE: &str = "RETIRED";

const HEADER: &str = "# Migrations retired on purpose by `cargo xtask migration retire`: name, checksum, date, reason.\n# Databases that ran one keep its record until `cargo xtask migration repair` forgets it.\n";

/// One retired migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retired {
    /// The file stem (`YYYY-MM-DD_NN_slug`), as the tracking table knows it.
    pub name: String,
    pub checksum: String,
    pub date: NaiveDate,
    pub reason: String,
}

impl Retired {
    pub fn line(&self) -> String {
        format!(
            "{} {} {} {}\n",
            self.name,
            self.checksum,
            self.date.format("%Y-%m-%d"),
            self.reason.replace('\n', " ")
        )
    }
}

/// The entries of a RETIRED file; lines that do not parse are skipped (the
/// file is written by a command, and a damaged line must not let a deletion
/// through).
pub fn parse(text: &str) -> Vec<Retired> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?.to_string();
            let checksum = words.next()?.to_string();
            let date = NaiveDate::parse_from_str(words.next()?, "%Y-%m-%d").ok()?;
            let reason = words.collect::<Vec<_>>().join(" ");
            checksum.starts_with("sha256:").then_some(Retired {
                name,
                checksum,
                date,
                reason,
            })
        })
        .collect()
}

/// `text` (the file as it is, possibly empty) with `entry` added.
pub fn append(text: &str, entry: &Retired) -> String {
    let mut out = if text.trim().is_empty() {
        HEADER.to_string()
    } else {
        text.to_string()
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&entry.line());
    out
}

/// Whether `entries` retire the migration `name` with `checksum`.
pub fn covers(entries: &[Retired], name: &str, checksum: &Checksum) -> bool {
    entries
        .iter()
        .any(|r| r.name == name && r.checksum == checksum.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retirement_round_trips_and_damaged_lines_retire_nothing() {
        let entry = Retired {
            name: "2026-09-01_01_create_x".into(),
            checksum: format!("sha256:{}", "a".repeat(64)),
            date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            reason: "replaced by 12; never ran outside staging".into(),
        };
        let text = append("", &entry);
        assert!(text.starts_with("# Migrations retired"));
        assert_eq!(parse(&text), vec![entry.clone()]);
        assert_eq!(parse(&append(&text, &entry)).len(), 2);
        assert!(parse("2026-09-01_01_create_x md5:1 2026-12-04 x\nbroken\n").is_empty());
    }
}
