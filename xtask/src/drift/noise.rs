//! What looks like drift and is not: rename leftovers (the same index,
//! constraint or sequence under another name, and what uses the renamed
//! sequence) and expressions the server printed differently. Noise is
//! marked with its reason, never dropped.

use std::collections::{BTreeMap, BTreeSet};

use super::kind::{Aspect, Kind, ObjectId};
use super::model::{Model, Object};

/// Objects one side lacks that the other has under another name.
pub(super) struct Renames<'m> {
    /// Expected object -> the actual object it is renamed to.
    pairs: BTreeMap<&'m ObjectId, &'m ObjectId>,
    /// Actual objects that are the new name of an expected one.
    taken: BTreeSet<&'m ObjectId>,
    /// A sequence's (old name, new name), for the `nextval()` defaults
    /// that use it.
    sequences: Vec<(String, String)>,
}

impl<'m> Renames<'m> {
    /// A missing and an extra object of one kind, on one table, identical
    /// but for the name, matched in id order.
    pub(super) fn find(
        expected: &'m Model,
        actual: &'m Model,
        missing: &[&'m ObjectId],
        extra: &[&'m ObjectId],
    ) -> Renames<'m> {
        let mut pairs = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for &old in missing {
            let old_object = &expected.objects[old];
            let Some(old_shape) = shape(old_object) else {
                continue;
            };
            let new = extra.iter().copied().find(|new| {
                let new_object = &actual.objects[*new];
                !taken.contains(new)
                    && new_object.kind() == old_object.kind()
                    && shape(new_object).as_deref() == Some(&old_shape)
            });
            if let Some(new) = new {
                taken.insert(new);
                pairs.insert(old, new);
            }
        }
        let sequences = pairs
            .iter()
            .filter(|(old, _)| old.kind == Kind::Sequence)
            .map(|(old, new)| (old.name.clone(), new.name.clone()))
            .collect();
        Renames {
            pairs,
            taken,
            sequences,
        }
    }

    /// The new name of the expected object `id`, when it is renamed.
    pub(super) fn renamed_to(&self, id: &ObjectId) -> Option<&'m ObjectId> {
        self.pairs.get(id).copied()
    }

    /// Whether the actual object `id` is another one renamed.
    pub(super) fn is_new_name(&self, id: &ObjectId) -> bool {
        self.taken.contains(id)
    }

    /// Why two values of `aspect` that differ are noise, if they are.
    pub(super) fn noise(&self, aspect: Aspect, expected: &str, actual: &str) -> Option<String> {
        let mut renamed = expected.to_string();
        for (from, to) in &self.sequences {
            renamed = renamed.replace(from.as_str(), to.as_str());
        }
        if renamed == actual {
            Some(
                "rename leftover: the sequence it uses has another name in the database"
                    .to_string(),
            )
        } else if aspect.is_expression() && normalize(expected) == normalize(actual) {
            Some("the same expression, printed differently".to_string())
        } else {
            None
        }
    }
}

/// Why a missing object is noise: the database has it as `new_name`.
pub(super) fn rename_leftover(kind: Kind, new_name: &str) -> String {
    format!("rename leftover: the database has the same {kind} as {new_name}")
}

/// What identifies an object apart from its name, for rename leftovers.
fn shape(o: &Object) -> Option<String> {
    match o.kind() {
        Kind::Index => Some(format!(
            "{:?} {}",
            o.table,
            index_shape(o.aspect(Aspect::Definition)?)
        )),
        Kind::Constraint => Some(format!(
            "{:?} {} {}",
            o.table,
            o.aspect(Aspect::Type)?,
            o.aspect(Aspect::Definition)?
        )),
        Kind::Sequence => Some(format!(
            "{:?} {:?}",
            o.aspect(Aspect::Options),
            o.aspect(Aspect::OwnedBy)?
        )),
        _ => None,
    }
}

/// An index definition without the index's name.
fn index_shape(def: &str) -> String {
    match def.find("INDEX ") {
        Some(at) => {
            let rest = &def[at + 6..];
            match rest.find(" ON ") {
                Some(on) => format!("{}{}", &def[..at + 6], &rest[on + 1..]),
                None => def.to_string(),
            }
        }
        None => def.to_string(),
    }
}

/// An expression with comments, spacing, letter case outside quotes and
/// redundant outer parentheses taken away: equal when only the printing
/// differs.
pub(crate) fn normalize(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Printed::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            out.pending_space = true;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            out.pending_space = true;
        } else if c.is_whitespace() {
            out.pending_space = true;
            i += 1;
        } else if c == '\'' || c == '"' {
            i = out.quoted(&chars, i);
        } else {
            out.push(c.to_ascii_lowercase());
            i += 1;
        }
    }
    let mut s = out.text.trim_end_matches(';').to_string();
    while s.starts_with('(') && s.ends_with(')') && wraps_whole(&s) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

/// [`normalize`]'s output so far.
#[derive(Default)]
struct Printed {
    text: String,
    /// Whitespace or a comment was skipped: one space goes in before the
    /// next character unless punctuation is on either side.
    pending_space: bool,
}

impl Printed {
    fn push(&mut self, c: char) {
        let punct = |c: char| "(),;:=<>+-*/[]|&.".contains(c);
        if self.pending_space && !self.text.is_empty() {
            let last = self.text.chars().last().unwrap_or(' ');
            if !punct(last) && !punct(c) {
                self.text.push(' ');
            }
        }
        self.pending_space = false;
        self.text.push(c);
    }

    /// Copies the quoted string or identifier opening at `chars[start]` as
    /// is; returns where it ends.
    fn quoted(&mut self, chars: &[char], start: usize) -> usize {
        let quote = chars[start];
        self.push(quote);
        let mut i = start + 1;
        while i < chars.len() {
            self.text.push(chars[i]);
            if chars[i] == quote {
                if chars.get(i + 1) == Some(&quote) {
                    self.text.push(quote);
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i += 1;
        }
        i
    }
}

/// Whether the first parenthesis of `s` closes at its end.
fn wraps_whole(s: &str) -> bool {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i == s.len() - 1;
                    }
                }
                _ => {}
            },
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_ignores_spacing_case_comments_and_outer_parentheses() {
        assert_eq!(normalize("((a > 0))"), normalize("a>0"));
        assert_eq!(
            normalize("BEGIN\n  RETURN NEW; -- done\nEND"),
            normalize("begin return new; end")
        );
        assert_ne!(normalize("'A'"), normalize("'a'"));
        assert_ne!(normalize("(a) + (b)"), normalize("a + b"));
        assert_eq!(normalize("(a) + (b)"), normalize("( a )+( b )"));
        assert_eq!(normalize("'it''s'  X"), "'it''s' x");
        assert_eq!(normalize("/* c */ a /* d */ b"), "a b");
    }

    #[test]
    fn index_shape_drops_only_the_name() {
        assert_eq!(
            index_shape("CREATE UNIQUE INDEX old_t_x ON public.t USING btree (x)"),
            "CREATE UNIQUE INDEX ON public.t USING btree (x)"
        );
    }
}
