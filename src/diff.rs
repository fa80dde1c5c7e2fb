//! Diff mode (`--changed-since REV`): which lines a change made. For a revision, the change is
//! everything since the merge base of REV and HEAD (what `git diff REV...HEAD` shows), plus
//! uncommitted changes in the working tree and untracked files, which count as wholly added:
//! `git merge-base REV HEAD`, then `git diff --unified=0 BASE`. A range (`A..B`, `A...B`) is
//! handed to git as it is and compares two commits only. Reports keep only findings on those
//! lines; the scan itself, and so every project-wide rule, still sees the whole tree.
//!
//! git's output is read by its structure, as bytes: a file's `---`/`+++` names only in the
//! header block after its `diff --git` line, and in a hunk exactly as many `-`, `+` and ` ` lines
//! as its `@@` header counts, whatever their text. Anything else is an error, never a guess: a
//! misread diff would let a gate pass with a new finding. The revision never reaches git as an
//! option.

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{path_text, UserError};

/// Changed lines per absolute file path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<PathBuf, Vec<RangeInclusive<usize>>>,
    /// Files whose every line counts as changed (untracked).
    whole: HashSet<PathBuf>,
}

impl ChangedLines {
    /// Whether any of the 1-based lines `first..=last` of `path` changed.
    pub fn touches(&self, path: &Path, first: usize, last: usize) -> bool {
        if self.whole.contains(path) {
            return true;
        }
        self.files.get(path).is_some_and(|ranges| ranges.iter().any(|r| *r.start() <= last && first <= *r.end()))
    }
}

/// `git diff` options that make its output the plain format [`parse_diff`] reads, whatever the
/// user's configuration or the tree's `.gitattributes` say.
const DIFF: &[&str] = &[
    "diff",
    "--no-color",
    // diff.external, GIT_EXTERNAL_DIFF and `diff=<driver>` attributes.
    "--no-ext-diff",
    // textconv filters change the lines shown.
    "--no-textconv",
    // `-diff` or `binary` in .gitattributes would turn a file's changes into "Binary files differ".
    "--text",
    // diff.relative.
    "--no-relative",
    // diff.noprefix and diff.mnemonicPrefix.
    "--src-prefix=a/",
    "--dst-prefix=b/",
    // diff.submodule=log prints submodule changes without a `diff --git` header.
    "--submodule=short",
    "--unified=0",
    // diff.interHunkContext would merge hunks with unchanged lines between them.
    "--inter-hunk-context=0",
];

/// Runs git in `dir`; its output, whether it succeeded or not.
fn run_git(dir: &Path, args: &[&str]) -> Result<std::process::Output, UserError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .output()
        .map_err(|err| UserError::new(format!("--changed-since needs git, which could not be run: {err}")))
}

/// What git printed on failure, as a user error.
fn git_failed(args: &[&str], output: &std::process::Output) -> UserError {
    UserError::new(format!(
        "--changed-since: `git {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, UserError> {
    let output = run_git(dir, args)?;
    if !output.status.success() {
        return Err(git_failed(args, &output));
    }
    Ok(output.stdout)
}

/// Rejects a revision git would take for an option (`--output=FILE` writes a file).
fn check_revision(rev: &str) -> Result<(), UserError> {
    if rev.starts_with('-') {
        return Err(UserError::new(format!(
            "--changed-since: `{rev}` is not a revision: a revision cannot start with `-`"
        )));
    }
    Ok(())
}

/// Whether `rev` is written as a range of commits (gitrevisions: `A..B`, `A...B`, `..B`, `A..`,
/// and the parent shorthands `A^!`, `A^-`, `A^-N`) rather than as one revision.
fn is_range(rev: &str) -> bool {
    let parent_shorthand =
        rev.ends_with("^!") || rev.rsplit_once("^-").is_some_and(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()));
    rev.contains("..") || parent_shorthand
}

/// The merge base of `rev` and HEAD, as git names it (a commit id).
fn merge_base(top: &Path, rev: &str) -> Result<String, UserError> {
    let args = ["merge-base", "--end-of-options", rev, "HEAD"];
    let output = run_git(top, &args)?;
    // Status 1 with nothing printed: no common ancestor (a bad revision is 128, with a message).
    if output.status.code() == Some(1) && output.stdout.is_empty() && output.stderr.is_empty() {
        return Err(UserError::new(format!(
            "--changed-since: `{rev}` and HEAD have no common ancestor (unrelated histories, or a shallow \
             clone without it: fetch more history), so there is no merge base to compare with"
        )));
    }
    if !output.status.success() {
        return Err(git_failed(&args, &output));
    }
    let base = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if base.is_empty() || base.contains(char::is_whitespace) {
        return Err(UserError::new(format!("--changed-since: `git merge-base` printed `{base}` for `{rev}`")));
    }
    Ok(base)
}

/// The lines changed since `rev` in the git repository holding `dir`: since the merge base of
/// `rev` and HEAD, working tree and untracked files included; or, for a range, between its ends.
pub fn changed_since(dir: &Path, rev: &str) -> Result<ChangedLines, UserError> {
    check_revision(rev)?;
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|err| UserError::new(format!("{} (is {} inside a git repository?)", err.message, dir.display())))?;
    let top = path_text::from_bytes(top.strip_suffix(b"\n").unwrap_or(&top));
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let range = is_range(rev);
    let since = if range { rev.to_string() } else { merge_base(&top, rev)? };
    // `--end-of-options` as well: git takes nothing after it for an option, whatever it starts with.
    let diff = git(&top, &[DIFF, &["--end-of-options", &since, "--"]].concat())?;
    let mut changed = parse_diff(&diff, &top)
        .map_err(|err| UserError::new(format!("--changed-since: cannot read the output of `git diff`: {err}")))?;
    if range {
        // Two commits: the working tree, and so its untracked files, is not part of the change.
        return Ok(changed);
    }
    let untracked = git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    changed
        .whole
        .extend(untracked.split(|&b| b == 0).filter(|p| !p.is_empty()).map(|p| top.join(path_text::from_bytes(p))));
    Ok(changed)
}

/// How the lines of a file's header block other than `+++` start (git's `diff.c`).
const HEADER_LINES: &[&[u8]] = &[
    b"index ",
    b"old mode ",
    b"new mode ",
    b"deleted file mode ",
    b"new file mode ",
    b"similarity index ",
    b"dissimilarity index ",
    b"rename from ",
    b"rename to ",
    b"copy from ",
    b"copy to ",
    b"--- ",
];

/// Where the reader of a diff is.
enum State {
    /// Before the first `diff --git` line.
    Start,
    /// In the header block of a file (`index`, mode, rename lines, `---`, `+++`).
    Header,
    /// In a hunk: `old` `-` or ` ` lines and `new` `+` or ` ` lines still to come; `line` is the
    /// new file's number of the next `+` or ` ` line.
    Hunk { old: usize, new: usize, line: usize },
    /// After a hunk: another hunk, a `\ No newline at end of file` line or the next file.
    Between,
}

/// Parses the output of `git diff --unified=0` with the options of [`DIFF`]; paths are relative
/// to `top`.
fn parse_diff(diff: &[u8], top: &Path) -> Result<ChangedLines, String> {
    let mut changed = ChangedLines::default();
    let mut state = State::Start;
    // The file the current header names after `+++` (`None`: deleted, or not named yet) and its
    // changed lines so far.
    let mut target: Option<PathBuf> = None;
    let mut ranges: Vec<RangeInclusive<usize>> = Vec::new();
    if diff.is_empty() {
        return Ok(changed);
    }
    let body = diff.strip_suffix(b"\n").unwrap_or(diff);
    for (index, line) in body.split(|&b| b == b'\n').enumerate() {
        let unexpected = || format!("line {}: unexpected `{}`", index + 1, String::from_utf8_lossy(line));
        if let State::Hunk { old, new, line: number } = &mut state {
            match line.first() {
                Some(b'+') if *new > 0 => {
                    match ranges.last_mut() {
                        Some(last) if *last.end() + 1 == *number => *last = *last.start()..=*number,
                        _ => ranges.push(*number..=*number),
                    }
                    *new -= 1;
                    *number += 1;
                }
                Some(b'-') if *old > 0 => *old -= 1,
                Some(b' ') if *old > 0 && *new > 0 => {
                    *old -= 1;
                    *new -= 1;
                    *number += 1;
                }
                Some(b'\\') => {}
                _ => return Err(unexpected()),
            }
            if (*old, *new) == (0, 0) {
                state = State::Between;
            }
            continue;
        }
        if line.starts_with(b"diff --git ") {
            flush(&mut changed, target.take(), &mut ranges);
            state = State::Header;
            continue;
        }
        match state {
            State::Header if line.starts_with(b"+++ ") => {
                target = target_path(&line[4..], top).ok_or_else(unexpected)?
            }
            State::Header | State::Between if line.starts_with(b"@@ ") => {
                let (old, new, start) = hunk_header(line).ok_or_else(unexpected)?;
                if new > 0 && target.is_none() {
                    return Err(format!("line {}: a hunk adds lines to no file", index + 1));
                }
                // `-a,0 +c,n`: the first added line is c (for a removal, c is the line before).
                state = if (old, new) == (0, 0) { State::Between } else { State::Hunk { old, new, line: start } };
            }
            State::Header if HEADER_LINES.iter().any(|start| line.starts_with(start)) => {}
            State::Between if line.starts_with(b"\\") => {}
            State::Start | State::Header | State::Between | State::Hunk { .. } => return Err(unexpected()),
        }
    }
    if let State::Hunk { .. } = state {
        return Err("the last hunk is cut short".to_string());
    }
    flush(&mut changed, target, &mut ranges);
    Ok(changed)
}

/// Files the changed lines of one file to `changed`.
fn flush(changed: &mut ChangedLines, target: Option<PathBuf>, ranges: &mut Vec<RangeInclusive<usize>>) {
    if let Some(path) = target {
        if !ranges.is_empty() {
            changed.files.entry(path).or_default().append(ranges);
        }
    }
    ranges.clear();
}

/// `@@ -a[,b] +c[,d] @@…` → (b, d, c); a missing count is 1.
fn hunk_header(line: &[u8]) -> Option<(usize, usize, usize)> {
    // What follows the second `@@` is a line of the file (any bytes).
    let rest = line.strip_prefix(b"@@ -")?;
    let end = rest.windows(3).position(|w| w == b" @@")?;
    let ranges = std::str::from_utf8(&rest[..end]).ok()?;
    let (old, new) = ranges.split_once(" +")?;
    let range = |text: &str| -> Option<(usize, usize)> {
        let (start, count) = text.split_once(',').unwrap_or((text, "1"));
        let number = |digits: &str| digits.bytes().all(|b| b.is_ascii_digit()).then(|| digits.parse().ok()).flatten();
        Some((number(start)?, number(count)?))
    };
    let ((_, old_count), (start, new_count)) = (range(old)?, range(new)?);
    Some((old_count, new_count, start))
}

/// The file a `+++ ` line names: `None` for `/dev/null`; `Some(None)` when the line does not
/// name a file the way [`DIFF`] makes git write it.
fn target_path(name: &[u8], top: &Path) -> Option<Option<PathBuf>> {
    // git ends the name with a tab when it holds a space; an unquoted name never holds a tab.
    let name = name.strip_suffix(b"\t").unwrap_or(name);
    if name == b"/dev/null" {
        return Some(None);
    }
    let name = match name.strip_prefix(b"\"") {
        Some(quoted) => unquote(quoted.strip_suffix(b"\"")?)?,
        None => name.to_vec(),
    };
    Some(Some(top.join(path_text::from_bytes(name.strip_prefix(b"b/")?))))
}

/// The bytes of a C-style quoted name as git writes it (between the quotes); `None` if an
/// escape is not one git writes.
fn unquote(quoted: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut bytes = quoted.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next()? {
            b'a' => 0x07,
            b'b' => 0x08,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 0x0b,
            b'f' => 0x0c,
            b'r' => b'\r',
            d @ b'0'..=b'3' => {
                let mut value = d - b'0';
                for _ in 0..2 {
                    let digit = bytes.next().filter(u8::is_ascii_digit).filter(|&d| d < b'8')?;
                    value = value * 8 + (digit - b'0');
                }
                value
            }
            other @ (b'"' | b'\\') => other,
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(diff: &str) -> ChangedLines {
        parse_diff(diff.as_bytes(), Path::new("/top")).unwrap()
    }

    #[test]
    fn parses_hunks_of_unified_zero_diffs() {
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -3 +3 @@\n-x\n+y\n@@ -10,0 +11,2 @@\n+p\n+q\n@@ -20,3 +22,0 @@\n-gone\n-gone\n-gone\n\
                    diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n\
                    diff --git \"a/we\\\"ird.py\" \"b/we\\\"ird.py\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/we\\\"ird.py\"\n@@ -0,0 +1 @@\n+z\n\\ No newline at end of file\n\
                    diff --git a/sp ace.py b/sp ace.py\n--- a/sp ace.py\t\n+++ b/sp ace.py\t\n@@ -1,0 +2 @@\n+s\n";
        let changed = parse(diff);
        let a = Path::new("/top/a.py");
        assert!(changed.touches(a, 3, 3));
        assert!(!changed.touches(a, 4, 10));
        assert!(changed.touches(a, 11, 11) && changed.touches(a, 12, 12));
        assert!(!changed.touches(a, 13, 30));
        assert!(changed.touches(a, 9, 11), "a multi-line finding touching a changed line counts");
        assert!(changed.touches(Path::new("/top/we\"ird.py"), 1, 1));
        assert!(!changed.touches(Path::new("/top/old.py"), 1, 1));
        assert!(changed.touches(Path::new("/top/sp ace.py"), 2, 2), "the tab git adds after a name with a space");
        assert!(!changed.touches(Path::new("/top/sp ace.py"), 1, 1));
    }

    #[test]
    fn added_lines_that_look_like_headers_stay_lines_of_their_file() {
        // `++ 1` added is `+++ 1`, `-- x` removed is `--- x`; a line `diff --git` added is
        // `+diff --git`. None of them starts a file.
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,4 @@\n--- x\n-++ y\n+++ 1\n+--- b/c.py\n+diff --git a/c b/c\n+@@ -1 +1 @@\n\
                    @@ -9,0 +11 @@\n++++ b/z.py\n";
        let changed = parse(diff);
        let a = Path::new("/top/a.py");
        assert!(changed.touches(a, 1, 1) && changed.touches(a, 4, 4) && changed.touches(a, 11, 11));
        assert!(!changed.touches(a, 5, 10));
        for other in ["/top/1", "/top/c.py", "/top/z.py", "/top/c"] {
            assert!(!changed.touches(Path::new(other), 1, 100), "{other}");
        }
    }

    #[test]
    fn names_are_read_as_bytes() {
        let diff = b"diff --git a/a\xff.py b/a\xff.py\n--- a/a\xff.py\n+++ b/a\xff.py\n@@ -1 +1 @@\n-x\n+y\n\
                     diff --git \"a/b\\376\\t.py\" \"b/b\\376\\t.py\"\n--- \"a/b\\376\\t.py\"\n+++ \"b/b\\376\\t.py\"\n@@ -1 +1 @@ def \xff():\n-x\n+y\n";
        let changed = parse_diff(diff, Path::new("/top")).unwrap();
        let path = |bytes: &[u8]| Path::new("/top").join(path_text::from_bytes(bytes));
        assert!(changed.touches(&path(b"a\xff.py"), 1, 1));
        assert!(changed.touches(&path(b"b\xfe\t.py"), 1, 1));
        assert!(!changed.touches(&path(b"a\xef\xbf\xbd.py"), 1, 1), "not the lossy name");
    }

    #[test]
    fn output_of_another_shape_is_an_error_not_a_guess() {
        for diff in [
            "+++ b/a.py\n@@ -0,0 +1 @@\n+x\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n-x\n+y\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n+z\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n y\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\nstray\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ a.py\n@@ -1 +1 @@\n-x\n+y\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@@ -1 -1 +1 @@@\n",
            "diff --git a/a.py b/a.py\n--- a/a.py\n@@ -0,0 +1 @@\n+x\n",
        ] {
            assert!(parse_diff(diff.as_bytes(), Path::new("/top")).is_err(), "{diff}");
        }
        assert!(parse_diff(b"", Path::new("/top")).unwrap().files.is_empty());
    }

    #[test]
    fn a_revision_that_git_would_take_for_an_option_is_rejected() {
        assert!(check_revision("--output=victim.txt").is_err());
        assert!(check_revision("-p").is_err());
        assert!(check_revision("HEAD~1").is_ok() && check_revision("origin/main").is_ok());
    }

    #[test]
    fn ranges_are_told_from_single_revisions() {
        for range in ["a..b", "a...b", "..b", "a..", "HEAD~3..HEAD", "v1^!", "HEAD^-", "HEAD^-2"] {
            assert!(is_range(range), "{range}");
        }
        for rev in ["origin/main", "HEAD~1", "HEAD^2", "v1.0", "main@{1}", "HEAD^-x"] {
            assert!(!is_range(rev), "{rev}");
        }
    }
}
