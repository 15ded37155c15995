use crate::review::{Context, Finding, Rule, Severity};

/// A failed CREATE INDEX CONCURRENTLY leaves an INVALID index that
/// IF NOT EXISTS then silently keeps.
pub struct ConcurrentIndexNeedsDrop;

/// The name of a CREATE INDEX CONCURRENTLY IF NOT EXISTS, and where it is.
fn index_name(s: &crate::review::stmt::Stmt, source: &str) -> Option<(String, usize)> {
    if !(s.starts_with(&["CREATE"]) && (1..=3).any(|i| s.word(i) == "CONCURRENTLY")) {
        return None;
    }
    let created = crate::sql::index::concurrent_index(s.text(source))?;
    created.if_not_exists.then(|| {
        let name = created.index.rsplit('.').next().unwrap_or(&created.index);
        (name.to_string(), created.name_word())
    })
}

impl Rule for ConcurrentIndexNeedsDrop {
    fn id(&self) -> &'static str {
        "concurrent-index-needs-drop"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS without a DROP INDEX CONCURRENTLY IF EXISTS before it"
    }
    fn help(&self) -> &'static str {
        "put DROP INDEX CONCURRENTLY IF EXISTS <schema>.<name>; right before it: a build that failed or was interrupted leaves an INVALID index, and IF NOT EXISTS would keep that broken index forever"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let body: Vec<_> = cx.body_stmts().collect();
        for (k, s) in body.iter().enumerate() {
            let Some((name, at)) = index_name(s, &cx.m.source) else {
                continue;
            };
            let dropped = body[..k].iter().any(|d| {
                d.starts_with(&["DROP", "INDEX", "CONCURRENTLY", "IF", "EXISTS"])
                    && d.name_at(5)
                        .is_some_and(|(n, _)| n.rsplit('.').next() == Some(name.as_str()))
            });
            if !dropped {
                out.push(cx.finding(
                    self,
                    s.range(0, at),
                    format!("no DROP INDEX CONCURRENTLY IF EXISTS {name} before this build"),
                ));
            }
        }
    }
}
