//! Applying fixes (`--fix`, `--diff`): from a scan's diagnostics to new file texts, checked and
//! written atomically. Per file, one pass takes the fixes in order of position and applies
//! every one whose edits do not overlap an edit already taken (an edit identical to one taken,
//! such as the same added import, is shared); the others wait for the next pass, which runs on
//! a fresh scan of the fixed tree. A fixed text that no longer tokenizes, or no longer parses
//! without error where the original did, is not written: the file is reported and left as it
//! was. Nothing but the scanned files with fixes is written; a write goes to a temporary file
//! beside the original, takes its permissions and replaces it by a rename.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::{FileId, Outcome};
use crate::fix::{Applicability, Fix};

/// Which fixes are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// The least safe applicability applied: `Safe`, or `Unsafe` with `--unsafe-fixes`.
    pub least: Applicability,
}

impl Mode {
    pub fn new(unsafe_fixes: bool) -> Self {
        Self { least: if unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe } }
    }

    pub fn applies(&self, fix: &Fix) -> bool {
        fix.applicability != Applicability::DisplayOnly && fix.applicability >= self.least
    }
}

/// One file's text before and after one pass of its fixes.
#[derive(Debug, Clone)]
pub struct Change {
    /// The path as reports show it.
    pub path: String,
    /// Where it is on disk.
    pub real: PathBuf,
    pub before: String,
    pub after: String,
    /// Fixes applied in this pass.
    pub applied: usize,
    /// Fixes left for a later pass (they overlap one applied now).
    pub deferred: usize,
    /// The file started with a UTF-8 byte-order mark (kept when written).
    bom: bool,
}

/// Why a file's fixes were not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub path: String,
    pub reason: String,
}

/// At most this many passes: each applies the fixes that overlap none of the others.
pub const MAX_PASSES: usize = 4;

/// What `--fix` did.
#[derive(Debug, Default)]
pub struct Fixed {
    /// Fixes applied, over every pass.
    pub applied: usize,
    /// Files written.
    pub files: std::collections::BTreeSet<String>,
    /// Files whose fixes were not applied, and why.
    pub refused: BTreeMap<String, String>,
    /// Files that still had applicable fixes after the last pass.
    pub unfinished: Vec<String>,
}

/// Applies fixes in passes, rescanning after each, until none applies (or [`MAX_PASSES`]);
/// returns the last scan's outcome (what remains) and what was done.
pub fn run(
    settings: &crate::config::Settings,
    rules: &crate::rules::RuleSet,
    mut outcome: Outcome,
    mode: Mode,
    scope: &dyn Fn(&Path) -> bool,
    stderr: &mut dyn Write,
) -> Result<(Outcome, Fixed), crate::UserError> {
    let mut fixed = Fixed::default();
    for _ in 0..MAX_PASSES {
        let (changes, refusals) = plan(&outcome, mode, scope, settings.max_file_size);
        for refusal in refusals {
            fixed.refused.entry(refusal.path).or_insert(refusal.reason);
        }
        let mut wrote = false;
        for change in &changes {
            if fixed.refused.contains_key(&change.path) {
                continue;
            }
            match write(change) {
                Ok(()) => {
                    wrote = true;
                    fixed.applied += change.applied;
                    fixed.files.insert(change.path.clone());
                }
                Err(err) => {
                    fixed.refused.insert(change.path.clone(), format!("cannot be written: {err}"));
                }
            }
        }
        if !wrote {
            return Ok((outcome, fixed));
        }
        outcome = crate::scan::scan(settings, rules, stderr)?;
    }
    let (changes, _) = plan(&outcome, mode, scope, settings.max_file_size);
    fixed.unfinished =
        changes.into_iter().map(|change| change.path).filter(|p| !fixed.refused.contains_key(p)).collect();
    Ok((outcome, fixed))
}

/// Whether `outcome` holds a fix `mode` applies.
pub fn any(outcome: &Outcome, mode: Mode) -> bool {
    outcome.diagnostics.iter().filter_map(|d| d.fix.as_ref()).any(|fix| mode.applies(fix))
}

/// One pass: the new text of every file with applicable fixes that `scope` takes (by its path
/// on disk), computed in memory (nothing is written), and the files whose fixes were refused.
pub fn plan(
    outcome: &Outcome,
    mode: Mode,
    scope: &dyn Fn(&Path) -> bool,
    max_size: u64,
) -> (Vec<Change>, Vec<Refusal>) {
    let mut by_file: BTreeMap<FileId, Vec<&crate::diagnostic::Diagnostic>> = BTreeMap::new();
    for d in &outcome.diagnostics {
        if d.fix.as_ref().is_some_and(|fix| mode.applies(fix)) {
            by_file.entry(d.file).or_default().push(d);
        }
    }
    let mut changes = Vec::new();
    let mut refusals = Vec::new();
    for (file, diagnostics) in by_file {
        let path = outcome.file(file).path.to_string();
        let real = outcome.real_path(file);
        if !scope(&real) {
            continue;
        }
        match change_of(&real, &diagnostics, max_size) {
            Ok((before, after, applied, deferred, bom)) => {
                if after != before {
                    changes.push(Change { path, real, before, after, applied, deferred, bom });
                }
            }
            Err(reason) => refusals.push(Refusal { path, reason }),
        }
    }
    (changes, refusals)
}

/// The file's text, its text after one pass of `fixes`, how many were applied and deferred,
/// and whether it had a byte-order mark.
fn change_of(
    real: &Path,
    diagnostics: &[&crate::diagnostic::Diagnostic],
    max_size: u64,
) -> Result<(String, String, usize, usize, bool), String> {
    let bytes = crate::fs::read(real, max_size, crate::fs::Links::Follow)
        .map_err(|err| format!("cannot be read again to fix it: {err}"))?;
    let bom = bytes.starts_with("\u{feff}".as_bytes());
    let before = crate::scan::source::text(bytes).map_err(|reason| reason.into_message())?;
    let changed = || "changed since it was scanned; run ssot again".to_string();
    let language = crate::language::Language::of_scanned(real);
    if language == crate::language::Language::Python && before.contains('\r') && !before.contains("\r\n") {
        return Err("its lines end with a lone `\\r` (classic Mac OS): not fixed".into());
    }
    // The file must still read as it did when scanned: each finding's line as it was (lines
    // counted as its language counts them).
    let lines = crate::text::LineIndex::for_language(&before, language);
    for d in diagnostics {
        if d.range.end > before.len() || !before.is_char_boundary(d.range.start) {
            return Err(changed());
        }
        if crate::fingerprint::normalized_line(lines.line_text(&before, d.range.start)) != d.line_text {
            return Err(changed());
        }
    }
    let fixes: Vec<&Fix> = diagnostics.iter().filter_map(|d| d.fix.as_ref()).collect();
    let (after, applied, deferred) = crate::fix::apply(&before, &fixes).ok_or_else(changed)?;
    check_text(language, &before, &after)?;
    Ok((before, after, applied, deferred, bom))
}

/// Whether a fixed text still reads as `language` wherever the original did (the reason when it
/// does not).
pub(crate) fn check_text(language: crate::language::Language, before: &str, after: &str) -> Result<(), String> {
    match language {
        crate::language::Language::Python => check(before, after),
        crate::language::Language::Rust => check_rust(before, after),
    }
}

/// A fixed Rust text must still parse (with syn) wherever the original did.
fn check_rust(before: &str, after: &str) -> Result<(), String> {
    // On the analysis threads: their stacks are sized for syn.
    let parses = |text: &str| {
        crate::scan::on_analysis_threads(|| {
            let parsed = crate::rust::parse(text).is_ok();
            crate::rust::release_spans();
            parsed
        })
    };
    if parses(before) && !parses(after) {
        return Err("its fixes would leave text that does not parse; left unchanged (please report it)".into());
    }
    Ok(())
}

/// A fixed text must still read as Python wherever the original did: tokens without error, and
/// a syntax tree without error when the original had none.
fn check(before: &str, after: &str) -> Result<(), String> {
    use crate::python::tokens::tokenize;
    if tokenize(before).ok && !tokenize(after).ok {
        return Err("its fixes would leave text that does not tokenize; left unchanged (please report it)".into());
    }
    let parses = |text: &str| {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).is_ok()
            && parser.parse(text, None).is_some_and(|tree| !tree.root_node().has_error())
    };
    if parses(before) && !parses(after) {
        return Err("its fixes would leave text that does not parse; left unchanged (please report it)".into());
    }
    Ok(())
}

/// Writes `change.after` over the file: a temporary file beside it, the original's
/// permissions, then a rename (a reader never sees half a file). A file that is read-only is not
/// written; one with other hard links, or owned by someone else, is rewritten in place (a
/// rename would split the links or change its owner).
pub fn write(change: &Change) -> std::io::Result<()> {
    let metadata = std::fs::metadata(&change.real)?;
    if metadata.permissions().readonly() {
        return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, "the file is read-only"));
    }
    let mut content = Vec::with_capacity(change.after.len() + 3);
    if change.bom {
        content.extend_from_slice("\u{feff}".as_bytes());
    }
    content.extend_from_slice(change.after.as_bytes());
    let in_place = || std::fs::OpenOptions::new().write(true).truncate(true).open(&change.real)?.write_all(&content);
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&metadata) > 1 {
        return in_place();
    }
    let dir = change.real.parent().unwrap_or(Path::new("."));
    let name = change.real.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.ssot-fix-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Someone else's file: the new one would be ours. Rewrite it in place instead.
            if file.metadata()?.uid() != metadata.uid() {
                drop(file);
                let _ = std::fs::remove_file(&temporary);
                return in_place();
            }
        }
        file.write_all(&content)?;
        file.sync_all()?;
        std::fs::set_permissions(&temporary, metadata.permissions())?;
        std::fs::rename(&temporary, &change.real)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// The unified diff of one change, with `a/` and `b/` paths relative to `cwd` (as `patch -p1`
/// and `git apply` run there read them); a byte-order mark is part of the first line.
pub fn unified_diff(change: &Change, cwd: &Path) -> String {
    let shown = change.real.strip_prefix(cwd).map_or_else(|_| change.path.clone(), crate::path_text::text);
    let bom = if change.bom { "\u{feff}" } else { "" };
    let (before, after) = (format!("{bom}{}", change.before), format!("{bom}{}", change.after));
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_that_breaks_the_syntax_is_refused() {
        assert!(check("x = 1\n", "x = (1\n").is_err());
        assert!(check("x = 1\n", "x = 1 +\n").is_err());
        assert!(check("x = 1\n", "x = 2\n").is_ok());
        // Already broken: the fix is judged by the tokens only.
        assert!(check("def f(:\n", "def g(:\n").is_ok());
    }
}
