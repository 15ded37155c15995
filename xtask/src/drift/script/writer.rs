//! The script as it is written: statements by section in the order the
//! sections run, drops in the order they must run, what is kept, and which
//! differences the statements fix.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::schema::catalog::Catalog;
use crate::schema::render::guarded;
use crate::sql::quote::Quoter;

use crate::drift::diff::Difference;
use crate::drift::kind::{Aspect, Kind, ObjectId};

/// Sections, in the order they run. Enum values first: a table created
/// below may use a new value in a default or a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Section {
    /// Views, policies, rules ... that block a change below, dropped
    /// (created again in `Later`).
    Dependents,
    /// What must go before anything is created: identities dropped,
    /// partitions detached.
    Prepare,
    EnumValues,
    Create,
    /// Extensions moved to their schema: the types of columns move with
    /// them.
    Moved,
    Columns,
    /// Primary keys, unique and exclusion constraints: foreign keys need them.
    Keys,
    Indexes,
    /// Foreign keys and checks, after the keys and unique indexes they use.
    Constraints,
    /// Routines replaced, or dropped and created again.
    Routines,
    Later,
    TableSettings,
    Drops,
    /// NOT NULL dropped, after a primary key that holds it is.
    Relaxed,
    Kept,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Create => {
                "Missing schemas, extensions, types, sequences, functions and tables"
            }
            Section::Dependents => {
                "Dependents dropped for the changes below (created again after them)"
            }
            Section::Prepare => {
                "Before anything is created: identities dropped, partitions detached"
            }
            Section::EnumValues => "Enum values",
            Section::Moved => "Extensions moved to their schema",
            Section::Keys => "Primary keys, unique and exclusion constraints",
            Section::Columns => "Columns: missing ones, then type, default and nullability",
            Section::Constraints => "Foreign keys and checks (NOT VALID, then VALIDATE)",
            Section::Indexes => "Indexes",
            Section::Routines => "Functions and procedures replaced",
            Section::Later => "Views, functions, triggers and policies",
            Section::TableSettings => "Row level security and comments",
            Section::Drops => "Drops (--allow-drop): what only the database has",
            Section::Relaxed => {
                "NOT NULL dropped (after the drops: a primary key keeps its columns NOT NULL)"
            }
            Section::Kept => "Kept: what only the database has (--allow-drop drops it)",
        }
    }
}

/// Where a drop runs among the drops: the reverse of the order the actual
/// side's objects would be created in, a part before its whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct DropOrder {
    pub position: Reverse<usize>,
    /// 0 for a part of a table, 1 for an object of its own.
    pub whole: u8,
    /// Among a table's parts: what depends on others first (a rule on a
    /// column before the column).
    pub rank: u8,
}

impl DropOrder {
    /// Revokes run first.
    pub const FIRST: DropOrder = DropOrder {
        position: Reverse(usize::MAX),
        whole: 0,
        rank: 0,
    };
}

/// The order drops run in: what depends on others first.
pub(super) fn drop_rank(kind: Kind) -> u8 {
    match kind {
        Kind::DefaultPrivileges | Kind::Publication | Kind::EventTrigger | Kind::Subscription => 0,
        Kind::Policy | Kind::Rule => 1,
        Kind::Trigger => 2,
        Kind::View | Kind::MaterializedView => 3,
        Kind::Aggregate
        | Kind::Operator
        | Kind::OperatorFamily
        | Kind::OperatorClass
        | Kind::Cast => 4,
        Kind::Function | Kind::Procedure => 5,
        Kind::Constraint => 6,
        Kind::Index | Kind::Statistics => 7,
        Kind::Column => 8,
        Kind::Table | Kind::ForeignTable => 9,
        Kind::Sequence => 10,
        Kind::Type => 11,
        Kind::UserMapping => 12,
        Kind::ForeignServer => 13,
        Kind::ForeignDataWrapper | Kind::TextSearchConfiguration => 14,
        Kind::Collation | Kind::TextSearchDictionary => 15,
        Kind::Extension => 16,
        Kind::Schema => 17,
    }
}

/// What every part of the script needs, and what it has written so far.
pub(super) struct Writer<'a> {
    /// Names as the expected side's server quotes them.
    pub quoter: Quoter<'a>,
    /// Whether the script may drop what only the actual side has.
    pub allow_drop: bool,
    /// The side the script changes.
    pub actual: &'a Catalog,
    /// The side it is made to match.
    pub expected: &'a Catalog,
    /// The expected side's units (sync's DDL) by id.
    pub expected_units: HashMap<ObjectId, String>,
    sections: BTreeMap<Section, Vec<String>>,
    drops: Vec<(DropOrder, String)>,
    /// What the script leaves, with the kind it is about.
    kept: Vec<(Kind, String)>,
    fixed: BTreeSet<(ObjectId, Aspect)>,
}

impl<'a> Writer<'a> {
    pub fn new(expected: &'a Catalog, actual: &'a Catalog, allow_drop: bool) -> Writer<'a> {
        Writer {
            quoter: Quoter::new(&expected.keywords),
            allow_drop,
            actual,
            expected,
            expected_units: HashMap::new(),
            sections: BTreeMap::new(),
            drops: Vec::new(),
            kept: Vec::new(),
            fixed: BTreeSet::new(),
        }
    }

    pub fn push(&mut self, section: Section, sql: String) {
        self.sections.entry(section).or_default().push(sql);
    }

    pub fn drop(&mut self, order: DropOrder, sql: String) {
        self.drops.push((order, sql));
    }

    /// What the script does not change, said in the kept section.
    pub fn keep(&mut self, kind: Kind, text: String) {
        self.kept.push((kind, text));
    }

    pub fn fix(&mut self, difference: &Difference) {
        self.fixed.insert(difference.key());
    }

    pub fn fixes(&self, difference: &Difference) -> bool {
        self.fixed.contains(&difference.key())
    }

    /// The sections' text, each under its title.
    pub fn sections(mut self) -> String {
        if !self.drops.is_empty() {
            self.drops.sort();
            let drops = self.drops.into_iter().map(|(_, sql)| sql).collect();
            self.sections.insert(Section::Drops, drops);
        }
        if !self.kept.is_empty() {
            self.kept
                .sort_by(|(a, x), (b, y)| (drop_rank(*a), x).cmp(&(drop_rank(*b), y)));
            let kept = self.kept.into_iter().map(|(_, text)| text).collect();
            self.sections.insert(Section::Kept, kept);
        }
        let mut text = String::new();
        for (section, items) in &self.sections {
            text += &format!("\n-- == {} ==\n", section.title());
            for item in items {
                text += "\n";
                text += item;
            }
        }
        text
    }
}

/// `DO` block running `then` unless `done` (a condition on the catalogs)
/// holds already.
pub(super) fn unless(done: &str, then: &str) -> String {
    guarded(&format!("SELECT 1 WHERE {done}"), then)
}

/// A statement that drops what only the actual side has, with what the
/// drop risks.
pub(super) struct DropStatement {
    pub sql: String,
    pub risk: &'static str,
}

impl DropStatement {
    pub fn new(sql: String, risk: &'static str) -> DropStatement {
        DropStatement { sql, risk }
    }
}
