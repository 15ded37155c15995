//! The catch-up script: SQL that makes the actual side match the expected
//! one, as one unified script. Every statement checks
//! before it changes (IF NOT EXISTS, a DO block reading the catalogs, or a
//! statement that is a no-op the second time), so running the script twice
//! changes nothing the second time. Nothing is dropped unless the caller
//! allows it; each statement that locks, rewrites or deletes carries a
//! `-- RISK:` comment. What the script cannot do is listed at its end.
//!
//! Missing objects come whole from sync's units (`missing`), what only the
//! actual side has is dropped or kept (`extra`), a changed aspect goes to
//! its kind (`changed`); each kind has its file, and `writer` puts the
//! statements in the order their sections run.

mod changed;
mod columns;
mod comments;
mod constraints;
mod deparsed;
mod dependents;
mod extra;
mod functions;
mod grants;
mod indexes;
mod missing;
mod owners;
mod policies;
mod schemas;
mod sequences;
mod tables;
mod triggers;
mod types;
mod views;
mod writer;

use std::collections::BTreeSet;

use crate::drift::diff::{diff, Change, Difference};
use crate::drift::kind::{Aspect, ObjectId};
use crate::drift::model::{Model, Options};
use crate::schema::catalog::Catalog;
use crate::schema::render::{self, Unit};

use extra::DropPlan;
use writer::{Section, Writer};

pub struct Script {
    pub text: String,
    /// Differences the script fixes.
    pub fixed: usize,
    /// Differences it leaves, as `id: what`.
    pub left: Vec<String>,
}

/// What the script is written for, for its header.
pub struct Labels<'a> {
    /// The side the script changes (`the database postgresql://...`).
    pub actual: &'a str,
    /// The side it is made to match (`the migrations (01-10)`).
    pub expected: &'a str,
}

/// Writes the script that makes `actual` match `expected`.
pub fn catch_up(
    expected: &Catalog,
    actual: &Catalog,
    options: &Options,
    allow_drop: bool,
    labels: &Labels,
) -> Script {
    let want = Model::new(expected, options);
    let have = Model::new(actual, options);
    let differences: Vec<Difference> = diff(&want, &have)
        .into_iter()
        .filter(|d| d.noise.is_none())
        .collect();
    let missing: BTreeSet<&ObjectId> = differences
        .iter()
        .filter(|d| d.change == Change::Missing)
        .map(|d| &d.id)
        .collect();

    let mut writer = Writer::new(expected, actual, allow_drop);
    // Objects created whole get their owners with them.
    let with_owners;
    let (units, _) = if options.owners && !expected.owners_modelled {
        with_owners = Catalog {
            owners_modelled: true,
            ..expected.clone()
        };
        render::units(&with_owners)
    } else {
        render::units(expected)
    };
    writer.expected_units = units
        .iter()
        .map(|u| (ObjectId::of_unit(&u.key), u.sql.clone()))
        .collect();
    let (actual_units, _) = render::units(actual);
    let (actual_units, _) = render::order(actual_units, |_| String::new());
    let actual_units: Vec<Unit> = actual_units.into_iter().map(|(_, u)| u).collect();
    let rebuilt = dependents::plan(&mut writer, &actual_units, &differences, (&want, &have));
    let again: BTreeSet<&ObjectId> = rebuilt
        .ids
        .iter()
        .filter(|id| want.objects.contains_key(*id))
        .collect();
    let created = missing::create_whole(&mut writer, units, &missing, &again);
    let drops = DropPlan::new(&actual_units, &differences);
    // A column's type before its identity, and both before its default,
    // nullability and identity options: the default is set again with the
    // new type, NULLs are filled with it, an identity is added before its
    // options are set.
    let mut in_order: Vec<&Difference> = differences.iter().collect();
    in_order.sort_by_key(|d| {
        let rank = match d.aspect {
            Aspect::Type => 0,
            Aspect::Identity => 1,
            _ => 2,
        };
        (&d.id, rank)
    });
    for difference in in_order {
        if rebuilt.fixes(difference) {
            writer.fix(difference);
            continue;
        }
        let (wanted, had) = (
            want.objects.get(&difference.id),
            have.objects.get(&difference.id),
        );
        let fixed = match (difference.change, wanted, had) {
            (Change::Missing, _, _) => {
                missing::add(&mut writer, difference, wanted, &created, &missing)
            }
            (Change::Extra, _, Some(had)) => {
                extra::drop_or_keep(&mut writer, difference, had, &drops)
            }
            (Change::Changed, Some(wanted), Some(had)) => {
                changed::alter(&mut writer, difference, wanted, had)
            }
            _ => false,
        };
        if fixed {
            writer.fix(difference);
        }
    }

    // Dependents the expected side lacks, kept: as they were.
    if !allow_drop {
        for u in actual_units.iter().filter(|u| {
            let id = ObjectId::of_unit(&u.key);
            rebuilt.ids.contains(&id) && !want.objects.contains_key(&id)
        }) {
            writer.push(
                Section::Later,
                format!("-- {} (as it was)\n{}", ObjectId::of_unit(&u.key), u.sql),
            );
        }
    }
    let left: Vec<String> = differences
        .iter()
        .filter(|d| !writer.fixes(d))
        .map(|d| format!("{}: {}", d.id, d.what()))
        .collect();
    let fixed = differences.len() - left.len();
    let mut text = header(labels, fixed, left.len());
    text += &writer.sections();
    if !left.is_empty() {
        text += "\n-- == Left for a person: the script does not change these ==\n";
        for l in &left {
            text += &format!("-- {l}\n");
        }
    }
    Script { text, fixed, left }
}

/// What the script is, how to run it, and the session it needs.
fn header(labels: &Labels, fixed: usize, left: usize) -> String {
    format!(
        "-- Catch-up script written by `cargo xtask migration drift --script` (touchpoint).\n\
         -- It makes {} match {}: {fixed} difference(s) fixed here, {left} left (listed at the end).\n\
         -- Every statement checks before it changes: a second run changes nothing.\n\
         -- There is no transaction around it: each statement commits on its own, so after a\n\
         -- failure fix the cause and run the whole script again.\n\
         -- Statements marked RISK lock, rewrite or delete: read them before you run it.\n\
         -- Run it with: psql -X -v ON_ERROR_STOP=1 -d <database> -f <this file>\n\
         \\set ON_ERROR_STOP on\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\n\
         SET standard_conforming_strings = on;\n\
         SET client_min_messages = warning;\n\
         -- On a busy database, uncomment: a statement then fails after 5 s instead of queueing\n\
         -- behind long transactions (and every query queued behind it); run the script again later.\n\
         -- SET lock_timeout = '5s';\n",
        labels.actual, labels.expected,
    )
}
