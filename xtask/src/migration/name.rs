//! The file-name grammar: `YYYY-MM-DD_NN_slug.sql`.
//!
//! NN is a global sequence number of two or more digits; the order of a set
//! is the numeric order of NN, and the version recorded in the database is
//! the file stem.

use std::fmt;

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationName {
    pub date: NaiveDate,
    pub number: u32,
    /// NN exactly as written (keeps leading zeros, e.g. `07`).
    pub number_text: String,
    pub slug: String,
    /// The file name without `.sql`: the version recorded when applied.
    pub stem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub file_name: String,
    pub problem: String,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad migration file name `{}`: {}; expected YYYY-MM-DD_NN_slug.sql, e.g. 2026-11-22_07_add_packet_index.sql",
            self.file_name, self.problem
        )
    }
}

impl std::error::Error for NameError {}

impl MigrationName {
    pub fn parse(file_name: &str) -> Result<MigrationName, NameError> {
        let err = |problem: &str| NameError {
            file_name: file_name.to_string(),
            problem: problem.to_string(),
        };
        let stem = file_name
            .strip_suffix(".sql")
            .ok_or_else(|| err("it does not end in `.sql`"))?;
        let (date_text, rest) = match (stem.get(..10), stem.get(10..)) {
            (Some(d), Some(r)) => (d, r),
            _ => return Err(err("it does not start with a YYYY-MM-DD date")),
        };
        let date_ok = date_text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
        if !date_ok {
            return Err(err("it does not start with a YYYY-MM-DD date"));
        }
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
            .map_err(|_| err(&format!("`{date_text}` is not a calendar date")))?;
        let rest = rest
            .strip_prefix('_')
            .ok_or_else(|| err("the date must be followed by `_`"))?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits < 2 {
            return Err(err(
                "NN (the sequence number after the date) needs two or more digits",
            ));
        }
        let (number_text, rest) = rest.split_at(digits);
        let number: u32 = number_text.parse().map_err(|_| err("NN is too large"))?;
        let slug = rest
            .strip_prefix('_')
            .ok_or_else(|| err("NN must be followed by `_` and a slug"))?;
        if slug.is_empty() {
            return Err(err("the slug after NN is empty"));
        }
        if let Some(c) = slug
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
        {
            return Err(err(&format!(
                "the slug may only hold a-z, 0-9 and `_`, found {c:?}"
            )));
        }
        Ok(MigrationName {
            date,
            number,
            number_text: number_text.to_string(),
            slug: slug.to_string(),
            stem: stem.to_string(),
        })
    }

    pub fn file_name(&self) -> String {
        format!("{}.sql", self.stem)
    }

    pub fn new(date: NaiveDate, number: u32, slug: &str) -> MigrationName {
        let number_text = format!("{number:02}");
        let stem = format!("{}_{}_{}", date.format("%Y-%m-%d"), number_text, slug);
        MigrationName {
            date,
            number,
            number_text,
            slug: slug.to_string(),
            stem,
        }
    }
}

/// Lowercase ASCII words joined by `_`; other characters separate words.
/// Returns `None` when nothing usable is left.
pub fn slugify(title: &str) -> Option<String> {
    const MAX: usize = 60;
    let mut slug = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_ascii_lowercase();
        if !slug.is_empty() && slug.len() + 1 + word.len() > MAX {
            break;
        }
        if !slug.is_empty() {
            slug.push('_');
        }
        slug.push_str(&word);
    }
    slug.truncate(MAX);
    (!slug.is_empty()).then_some(slug)
}

/// Which files hold each NN, built once for a set: the one place that
/// finds two migrations with the same number (the project's loader, the
/// review rule and the hook all ask it).
#[derive(Debug, Clone)]
pub struct NumberIndex<K> {
    by_number: std::collections::BTreeMap<u32, Vec<K>>,
}

impl<K: PartialEq> NumberIndex<K> {
    pub fn new(items: impl IntoIterator<Item = (u32, K)>) -> NumberIndex<K> {
        let mut by_number: std::collections::BTreeMap<u32, Vec<K>> = Default::default();
        for (number, key) in items {
            by_number.entry(number).or_default().push(key);
        }
        NumberIndex { by_number }
    }

    /// The others holding `number` besides `me`.
    pub fn others<'a>(&'a self, number: u32, me: &'a K) -> impl Iterator<Item = &'a K> + 'a {
        self.by_number
            .get(&number)
            .into_iter()
            .flatten()
            .filter(move |k| *k != me)
    }

    /// The numbers held by more than one file, with the files.
    pub fn clashes(&self) -> impl Iterator<Item = (u32, &[K])> {
        self.by_number
            .iter()
            .filter(|(_, keys)| keys.len() > 1)
            .map(|(n, keys)| (*n, keys.as_slice()))
    }

    /// One above the highest number in use (1 for none).
    pub fn next_free(&self) -> u32 {
        self.by_number.keys().next_back().map_or(1, |n| n + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_good_name() {
        let n = MigrationName::parse("2025-10-08_18_add_processing_time_minutes.sql").unwrap();
        assert_eq!(n.date, NaiveDate::from_ymd_opt(2025, 10, 8).unwrap());
        assert_eq!(n.number, 18);
        assert_eq!(n.number_text, "18");
        assert_eq!(n.slug, "add_processing_time_minutes");
        assert_eq!(n.stem, "2025-10-08_18_add_processing_time_minutes");
        assert_eq!(
            n.file_name(),
            "2025-10-08_18_add_processing_time_minutes.sql"
        );
    }

    #[test]
    fn three_digit_numbers_keep_their_text() {
        let n = MigrationName::parse("2026-01-02_007_x.sql").unwrap();
        assert_eq!((n.number, n.number_text.as_str()), (7, "007"));
    }

    #[test]
    fn rejects_bad_names_saying_why() {
        let cases = [
            ("2025-10-08_18_add.txt", "does not end in `.sql`"),
            ("20251008_18_add.sql", "YYYY-MM-DD"),
            ("2025-13-08_18_add.sql", "not a calendar date"),
            ("2025-02-30_18_add.sql", "not a calendar date"),
            ("2025-10-08_1_add.sql", "two or more digits"),
            ("2025-10-08-18_add.sql", "followed by `_`"),
            ("2025-10-08_18.sql", "followed by `_` and a slug"),
            ("2025-10-08_18_.sql", "slug after NN is empty"),
            ("2025-10-08_18_Add-Column.sql", "may only hold"),
            ("2025-10-08_18_caf\u{e9}.sql", "may only hold"),
            ("x.sql", "YYYY-MM-DD"),
            ("2025-10-08_99999999999_a.sql", "too large"),
        ];
        for (name, want) in cases {
            let e = MigrationName::parse(name).unwrap_err();
            assert!(e.problem.contains(want), "{name}: {}", e.problem);
            assert!(e.to_string().contains(name));
        }
    }

    #[test]
    fn slugify_titles() {
        assert_eq!(
            slugify("Add processing time minutes").as_deref(),
            Some("add_processing_time_minutes")
        );
        assert_eq!(
            slugify("  SO-412: Fix   watermark (TZ)! ").as_deref(),
            Some("so_412_fix_watermark_tz")
        );
        assert_eq!(
            slugify("Caf\u{e9} cr\u{e8}me").as_deref(),
            Some("caf_cr_me")
        );
        assert_eq!(slugify("!!! ---"), None);
        assert_eq!(slugify("\u{65e5}\u{672c}"), None);
        let long = slugify(&"word ".repeat(40)).unwrap();
        assert!(long.len() <= 60 && !long.ends_with('_'), "{long}");
    }

    #[test]
    fn new_pads_to_two_digits() {
        let n = MigrationName::new(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(), 3, "x");
        assert_eq!(n.file_name(), "2026-11-22_03_x.sql");
        assert_eq!(MigrationName::parse(&n.file_name()).unwrap(), n);
    }
}
