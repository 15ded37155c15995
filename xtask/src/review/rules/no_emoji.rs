use crate::review::{Context, Finding, Rule, Severity};

/// No emoji in migration files: they break terminals, diffs and some clients.
pub struct NoEmoji;

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF   // pictographs, emoticons, transport, flags
        | 0x2600..=0x27BF   // miscellaneous symbols and dingbats (check marks, warning sign)
        | 0x2B00..=0x2BFF   // arrows and stars drawn as emoji
        | 0xFE0F            // emoji presentation selector
        | 0x200D            // zero-width joiner
    )
}

impl Rule for NoEmoji {
    fn id(&self) -> &'static str {
        "no-emoji"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "Emoji in a migration file"
    }
    fn help(&self) -> &'static str {
        "write words instead (PASS, FAIL, WARNING): emoji break some terminals, psql output and grep, and the seeds' teams ban them"
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Every emoji is outside ASCII.
        if cx.m.source.is_ascii() {
            return;
        }
        for (i, c) in cx.m.source.char_indices().filter(|(_, c)| is_emoji(*c)) {
            out.push(cx.finding(
                self,
                i..i + c.len_utf8(),
                format!("emoji U+{:04X} in the file", c as u32),
            ));
        }
    }
}
