//! Facts about the whole set, gathered in one pass over its statements
//! before any file is reviewed, so that no rule reads other files again per
//! file or per finding (which made reviewing a history cost the square of
//! its length).

use std::collections::HashMap;

use super::ddl::{actions, alter_table, type_change, type_text, SqlType};
use super::schema::qualify;
use super::stmt::{Section, Stmt};

#[derive(Debug, Default)]
pub struct SetFacts {
    /// (qualified table, column) -> the numbers of the migrations that
    /// change the column to timestamptz.
    to_timestamptz: HashMap<(String, String), Vec<u32>>,
}

impl SetFacts {
    /// One pass over every migration's statements, with its number.
    pub fn gather<'a>(files: impl IntoIterator<Item = (u32, &'a [Stmt])>) -> SetFacts {
        let mut facts = SetFacts::default();
        for (number, stmts) in files {
            for s in stmts.iter().filter(|s| s.section == Section::Body) {
                facts.read(number, s);
            }
        }
        facts
    }

    fn read(&mut self, number: u32, s: &Stmt) {
        let Some((table, first)) = alter_table(s) else {
            return;
        };
        for r in actions(s, first) {
            let Some(tc) = type_change(s, &r) else {
                continue;
            };
            if SqlType::parse(&type_text(s, tc.ty.start, tc.ty.end)).base == "timestamptz" {
                self.to_timestamptz
                    .entry((qualify(&table), tc.column))
                    .or_default()
                    .push(number);
            }
        }
    }

    /// Whether a migration numbered above `number` changes the column to
    /// timestamptz.
    pub fn converted_to_timestamptz_after(&self, table: &str, column: &str, number: u32) -> bool {
        self.to_timestamptz
            .get(&(qualify(table), column.to_string()))
            .is_some_and(|ns| ns.iter().any(|&n| n > number))
    }
}
