//! The three-way verdict: the database, the migrations and
//! `current_schema/` compared pairwise, and for each difference the side
//! that disagrees with the other two.

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::catalog::Catalog;

use super::diff::{diff, Difference};
use super::kind::{Aspect, ObjectId};
use super::model::{Model, Options};

/// The side of a three-way comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Database,
    Migrations,
    Schema,
    /// Another live database the first is compared with (`--against`).
    Reference,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Database => "database",
            Side::Migrations => "migrations",
            Side::Schema => "current_schema/",
            Side::Reference => "reference database",
        }
    }
}

/// One difference among the three sides.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The difference, as the migrations (expected) against the side that
    /// disagrees (or against the database when all three differ).
    pub difference: Difference,
    /// The side alone with its value; `None` when all three differ.
    pub odd_one: Option<Side>,
    /// What the database, the migrations and current_schema/ have.
    pub database: Option<String>,
    pub migrations: Option<String>,
    pub schema: Option<String>,
}

/// Differences by what they are about.
type Indexed = BTreeMap<(ObjectId, Aspect), Difference>;

/// The three pairwise comparisons.
struct Pairs {
    migrations_database: Indexed,
    schema_database: Indexed,
    migrations_schema: Indexed,
}

impl Pairs {
    /// The differences of each pair `keep` holds.
    fn of(all: &[&[Difference]; 3], keep: impl Fn(&Difference) -> bool + Copy) -> Pairs {
        let index = |differences: &[Difference]| -> Indexed {
            differences
                .iter()
                .filter(|d| keep(d))
                .map(|d| (d.key(), d.clone()))
                .collect()
        };
        Pairs {
            migrations_database: index(all[0]),
            schema_database: index(all[1]),
            migrations_schema: index(all[2]),
        }
    }

    fn keys(&self) -> BTreeSet<&(ObjectId, Aspect)> {
        self.migrations_database
            .keys()
            .chain(self.schema_database.keys())
            .chain(self.migrations_schema.keys())
            .collect()
    }
}

/// The database, the migrations and current_schema/ compared: for each
/// difference, which side disagrees with the other two.
pub fn three_way(
    database: &Catalog,
    migrations: &Catalog,
    schema: &Catalog,
    options: &Options,
) -> Vec<Verdict> {
    let (database, migrations, schema) = (
        Model::new(database, options),
        Model::new(migrations, options),
        Model::new(schema, options),
    );
    let all = [
        diff(&migrations, &database),
        diff(&schema, &database),
        diff(&migrations, &schema),
    ];
    let all = [&all[0][..], &all[1][..], &all[2][..]];
    // Noise counts as agreement when deciding which side is the odd one
    // out; a difference that is noise in every pair is reported as noise.
    let real = Pairs::of(&all, |d| d.noise.is_none());
    let noisy = Pairs::of(&all, |d| d.noise.is_some());
    let taken: BTreeSet<(ObjectId, Aspect)> = real.keys().into_iter().cloned().collect();
    let mut out = verdicts(&real, &BTreeSet::new());
    out.extend(verdicts(&noisy, &taken));
    out
}

/// The verdicts for the keys of the three pairs, leaving out `skip`.
fn verdicts(pairs: &Pairs, skip: &BTreeSet<(ObjectId, Aspect)>) -> Vec<Verdict> {
    let mut out = Vec::new();
    for key in pairs.keys().into_iter().filter(|k| !skip.contains(*k)) {
        let (md, sd, ms) = (
            pairs.migrations_database.get(key),
            pairs.schema_database.get(key),
            pairs.migrations_schema.get(key),
        );
        let (odd_one, difference) = match (md, sd, ms) {
            (Some(d), Some(_), None) | (Some(d), None, None) | (None, Some(d), None) => {
                (Some(Side::Database), d.clone())
            }
            (None, Some(_), Some(d)) | (None, None, Some(d)) => (Some(Side::Schema), d.clone()),
            (Some(d), None, Some(_)) => (Some(Side::Migrations), d.clone()),
            (Some(d), Some(_), Some(_)) => (None, d.clone()),
            (None, None, None) => continue,
        };
        let values = values(md, sd, ms);
        out.push(Verdict {
            difference,
            odd_one,
            database: values.database,
            migrations: values.migrations,
            schema: values.schema,
        });
    }
    out
}

/// What each side has.
struct Values {
    database: Option<String>,
    migrations: Option<String>,
    schema: Option<String>,
}

/// Each pair that differs gives two sides' values; a pair that is absent
/// agrees, so a side no pair names has its partner's value.
fn values(
    migrations_database: Option<&Difference>,
    schema_database: Option<&Difference>,
    migrations_schema: Option<&Difference>,
) -> Values {
    let (md, sd, ms) = (migrations_database, schema_database, migrations_schema);
    let mut migrations = md
        .map(|d| d.expected.clone())
        .or(ms.map(|d| d.expected.clone()));
    let mut database = md
        .map(|d| d.actual.clone())
        .or(sd.map(|d| d.actual.clone()));
    let schema = ms
        .map(|d| d.actual.clone())
        .or(sd.map(|d| d.expected.clone()));
    if migrations.is_none() {
        migrations = database.clone().or(schema.clone());
    }
    if database.is_none() {
        database = migrations.clone();
    }
    let schema = schema.or(migrations.clone());
    Values {
        database: database.flatten(),
        migrations: migrations.flatten(),
        schema: schema.flatten(),
    }
}
