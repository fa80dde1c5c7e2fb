//! The concise format: one line per finding, `path:line:column: rule message` (`[*]` before the
//! message when `--fix` can remove it), then one summary line — for Vim's `errorformat`, grep and
//! editors. Paths are relative to the current directory when the file is inside it, as in the
//! GitHub format. Baselined findings are left out, as in the human format.

use std::io::Write;

use super::Context;
use crate::diagnostic::Outcome;
use crate::score::Summary;
use crate::terminal::visible;

pub(super) fn write(
    outcome: &Outcome,
    summary: &Summary,
    context: &Context,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for d in outcome.diagnostics.iter().filter(|d| !d.baselined) {
        let path = super::terminal_path(&outcome.root, &outcome.file(d.file).path, context.cwd);
        let fixable = if d.has_safe_fix() { "[*] " } else { "" };
        writeln!(
            out,
            "{}:{}:{}: {} {fixable}{}",
            visible(&path),
            d.start.line,
            d.start.column,
            d.rule,
            visible(&d.message)
        )?;
    }
    if !context.quiet {
        writeln!(out, "{}", super::one_line_summary(summary))?;
    }
    Ok(())
}
