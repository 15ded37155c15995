//! The load order: units sorted so that each comes after what it needs,
//! file by file.

use std::collections::{BTreeMap, HashMap};

use super::unit::{Unit, UnitKey};

/// The units in load order, each with its file: a unit goes to its home
/// file, or later when something it needs lives in a later file. Within a
/// file, ready units come by phase (schemas, extensions, types, sequences,
/// functions, tables, indexes, constraints, views, triggers, policies), then
/// by schema, name and kind in byte order. A dependency cycle (possible with
/// functions and the tables they return) is broken at its smallest unit and
/// reported.
pub fn order(
    units: Vec<Unit>,
    home: impl Fn(&Unit) -> String,
) -> (Vec<(String, Unit)>, Vec<String>) {
    let mut warnings = Vec::new();
    let index: HashMap<UnitKey, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.key.clone(), i))
        .collect();
    let deps: Vec<Vec<usize>> = units
        .iter()
        .map(|u| {
            u.deps
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    let homes: Vec<String> = units.iter().map(&home).collect();

    // Files: a unit's home or the latest file of what it needs.
    let order = kahn(&units, &deps, &mut warnings);
    let mut file: Vec<String> = homes;
    for &i in &order {
        for &d in &deps[i] {
            if file[d] > file[i] {
                file[i] = file[d].clone();
            }
        }
    }
    // Final order: by file, then the dependency order within the file.
    let mut rank: Vec<usize> = vec![0; units.len()];
    for (pos, &i) in order.iter().enumerate() {
        rank[i] = pos;
    }
    let mut all: Vec<usize> = (0..units.len()).collect();
    all.sort_by(|&a, &b| (&file[a], rank[a]).cmp(&(&file[b], rank[b])));
    let mut slots: Vec<Option<Unit>> = units.into_iter().map(Some).collect();
    let out = all
        .into_iter()
        .map(|i| (file[i].clone(), slots[i].take().expect("each unit once")))
        .collect();
    (out, warnings)
}

/// Kahn's algorithm taking, among ready units, the one with the smallest
/// (phase, key).
fn kahn(units: &[Unit], deps: &[Vec<usize>], warnings: &mut Vec<String>) -> Vec<usize> {
    let n = units.len();
    let mut waiting: Vec<usize> = deps.iter().map(|d| d.len()).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            users[d].push(i);
        }
    }
    let sort_key = |i: usize| (units[i].key.kind.phase(), units[i].key.clone());
    let mut ready: BTreeMap<(u8, UnitKey), usize> = BTreeMap::new();
    for (i, _) in waiting.iter().enumerate().filter(|(_, w)| **w == 0) {
        ready.insert(sort_key(i), i);
    }
    let mut done = vec![false; n];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let i = match ready.pop_first() {
            Some((_, i)) => i,
            None => {
                // A cycle: take the smallest remaining unit.
                let i = (0..n)
                    .filter(|&i| !done[i])
                    .min_by_key(|&i| sort_key(i))
                    .expect("a unit remains");
                warnings.push(format!(
                    "dependency cycle through {}: placed it first; check that the files load",
                    units[i].key
                ));
                i
            }
        };
        if done[i] {
            continue;
        }
        done[i] = true;
        out.push(i);
        for &u in &users[i] {
            waiting[u] = waiting[u].saturating_sub(1);
            if waiting[u] == 0 && !done[u] {
                ready.insert(sort_key(u), u);
            }
        }
    }
    out
}
