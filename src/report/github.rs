//! GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…,…::message` per
//! diagnostic. Data and property values are escaped exactly as `@actions/core` does
//! (`escapeData`, `escapeProperty`); columns are given only when the finding starts and ends on
//! one line, since GitHub ignores them otherwise. Control characters other than line breaks
//! (which the escaping covers) are made visible first ([`crate::terminal`]): the Actions log
//! viewer obeys ANSI escapes.

use std::io::Write;

use super::Context;
use crate::diagnostic::{Outcome, Severity};
use crate::terminal::visible_but_line_breaks;

/// `@actions/core` `escapeData`: `%`, CR, LF.
pub(crate) fn escape_data(text: &str) -> String {
    visible_but_line_breaks(text).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// `@actions/core` `escapeProperty`: `%`, CR, LF, `:`, `,`.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn write(outcome: &Outcome, context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    // Baselined findings are known debt: annotating them on every run would bury the new ones.
    for d in outcome.diagnostics.iter().filter(|d| !d.baselined) {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let path = super::terminal_path(&outcome.root, &outcome.file(d.file).path, context.cwd);
        write!(out, "::{command} file={},line={}", escape_property(&path), d.start.line)?;
        if d.start.line == d.end.line {
            write!(out, ",col={},endLine={},endColumn={}", d.start.column, d.end.line, d.end.column)?;
        } else {
            write!(out, ",endLine={}", d.end.line)?;
        }
        writeln!(out, ",title={}::{}", escape_property(&d.rule), escape_data(&d.message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("we,ird:na%me.py"), "we%2Cird%3Ana%25me.py");
        assert_eq!(escape_property("a\nb"), "a%0Ab");
    }
}
