//! Constraints on domains: a valid one is checked against every column of
//! the domain, in every table, under SHARE (writes wait).

use crate::review::schema::qualify;
use crate::review::stmt::Stmt;
use crate::review::{Context, Finding, Rule, Severity};

/// ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID.
pub struct DomainConstraintNotValid;

/// CREATE DOMAIN with a CHECK or NOT NULL.
pub struct CreateDomainWithConstraint;

/// Whether the domain `name` is created by this body before `at`.
fn created_here(cx: &Context<'_>, name: &str, at: usize) -> bool {
    let q = qualify(name);
    cx.body_stmts().take_while(|s| s.start < at).any(|s| {
        s.starts_with(&["CREATE", "DOMAIN"]) && s.name_at(2).is_some_and(|(n, _)| qualify(&n) == q)
    })
}

impl Rule for DomainConstraintNotValid {
    fn id(&self) -> &'static str {
        "domain-constraint-not-valid"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID"
    }
    fn help(&self) -> &'static str {
        "add it NOT VALID (no table is locked or scanned; new values are checked) and VALIDATE CONSTRAINT in a later migration, off-peak and with a lock_timeout: a domain's VALIDATE, unlike a table's, takes SHARE on every table using the domain"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["ALTER", "DOMAIN"]))
        {
            let Some((domain, next)) = s.name_at(2) else {
                continue;
            };
            if !s.words_at(next, &["ADD"])
                || s.has(&["NOT", "VALID"])
                || created_here(cx, &domain, s.start)
            {
                continue;
            }
            out.push(cx.finding(
                self,
                s.range(next, next),
                format!("ADD CONSTRAINT on domain {domain} checks every column of the domain in every table, under SHARE on each: writes to those tables wait for the scans"),
            ));
        }
    }
}

impl Rule for CreateDomainWithConstraint {
    fn id(&self) -> &'static str {
        "create-domain-with-constraint"
    }
    fn severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "CREATE DOMAIN with a CHECK or NOT NULL constraint"
    }
    fn help(&self) -> &'static str {
        "create the domain without constraints and put the CHECK on the table columns (where NOT VALID and VALIDATE work per table); a domain constraint changed later is checked against every table using the domain at once"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for s in cx
            .body_stmts()
            .filter(|s| s.starts_with(&["CREATE", "DOMAIN"]))
        {
            let Some(at) = constraint_at(s) else {
                continue;
            };
            let domain = s
                .name_at(2)
                .map_or_else(String::new, |(n, _)| format!(" {n}"));
            out.push(cx.finding(
                self,
                s.range(at, at),
                format!("domain{domain} carries a constraint: changing or adding one later scans every column of the domain in every table at once, under SHARE on each"),
            ));
        }
    }
}

/// The token index of the first CHECK or NOT NULL of a CREATE DOMAIN.
fn constraint_at(s: &Stmt) -> Option<usize> {
    (3..s.toks.len()).find(|&k| s.word(k) == "CHECK" || s.words_at(k, &["NOT", "NULL"]))
}

#[cfg(test)]
mod tests {
    use super::super::util::{check_sql, spans};

    #[test]
    fn domain_constraints() {
        let before = "CREATE DOMAIN app.code AS text;";
        let f = check_sql(
            before,
            "ALTER DOMAIN app.code ADD CONSTRAINT c CHECK (VALUE <> '');",
        );
        assert_eq!(spans(&f, "domain-constraint-not-valid"), ["1:23"]);
        let f = check_sql(
            before,
            "ALTER DOMAIN app.code ADD CONSTRAINT c CHECK (VALUE <> '') NOT VALID;",
        );
        assert!(spans(&f, "domain-constraint-not-valid").is_empty());
        let f = check_sql("", "CREATE DOMAIN app.utn AS text CHECK (VALUE ~ '^[A-Z]+$');\nCREATE DOMAIN app.plain AS text;");
        assert_eq!(spans(&f, "create-domain-with-constraint"), ["1:31"]);
        assert!(spans(&f, "domain-constraint-not-valid").is_empty());
    }
}
