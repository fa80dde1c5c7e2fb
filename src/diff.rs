//! Diff mode: which lines changed since a git revision (`git diff --unified=0 REV`, plus
//! untracked files, which count as wholly added). Reports keep only findings on those lines;
//! the scan itself, and so every project-wide rule, still sees the whole tree.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::UserError;

/// Changed lines per absolute file path.
#[derive(Debug, Default)]
pub struct ChangedLines {
    files: HashMap<PathBuf, Vec<RangeInclusive<usize>>>,
    /// Files whose every line counts as changed (untracked).
    whole: std::collections::HashSet<PathBuf>,
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

fn git(dir: &Path, args: &[&str]) -> Result<String, UserError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .output()
        .map_err(|err| UserError::new(format!("--diff needs git, which could not be run: {err}")))?;
    if !output.status.success() {
        return Err(UserError::new(format!(
            "--diff: `git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The lines changed since `rev` in the git repository holding `dir`.
pub fn changed_since(dir: &Path, rev: &str) -> Result<ChangedLines, UserError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|err| UserError::new(format!("{} (is {} inside a git repository?)", err.message, dir.display())))?;
    let top = PathBuf::from(top.trim());
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let diff = git(&top, &["diff", "--no-color", "--no-ext-diff", "--unified=0", rev, "--"])?;
    let mut changed = parse_diff(&diff, &top);
    let untracked = git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    changed.whole.extend(untracked.split('\0').filter(|p| !p.is_empty()).map(|p| top.join(p)));
    Ok(changed)
}

/// Parses `git diff --unified=0` output; paths are relative to `top`.
fn parse_diff(diff: &str, top: &Path) -> ChangedLines {
    let mut changed = ChangedLines::default();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(target) = line.strip_prefix("+++ ") {
            current = match target {
                "/dev/null" => None,
                quoted if quoted.starts_with('"') => Some(top.join(unquote(quoted).trim_start_matches("b/"))),
                plain => Some(top.join(plain.strip_prefix("b/").unwrap_or(plain))),
            };
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            // @@ -a[,b] +c[,d] @@
            let Some(added) = hunk.split_whitespace().find(|part| part.starts_with('+')) else { continue };
            let mut parts = added[1..].split(',');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if count > 0 && start > 0 {
                changed.files.entry(path.clone()).or_default().push(start..=start + count - 1);
            }
        }
    }
    changed
}

/// A C-style quoted path as git writes it (`"b/we\"ird"`).
fn unquote(quoted: &str) -> String {
    let inner = quoted.trim_matches('"');
    let mut out = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(next) = bytes.next() {
                        value = value * 8 + u32::from(next.wrapping_sub(b'0') & 7);
                    }
                }
                out.push(value as u8);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hunks_of_unified_zero_diffs() {
        let diff = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -3 +3 @@\n-x\n+y\n@@ -10,0 +11,2 @@\n+p\n+q\n@@ -20,3 +22,0 @@\n-gone\n\
                    diff --git a/old.py b/old.py\n--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n\
                    +++ \"b/we\\\"ird.py\"\n@@ -0,0 +1 @@\n+z\n";
        let changed = parse_diff(diff, Path::new("/top"));
        let a = Path::new("/top/a.py");
        assert!(changed.touches(a, 3, 3));
        assert!(!changed.touches(a, 4, 10));
        assert!(changed.touches(a, 11, 11) && changed.touches(a, 12, 12));
        assert!(!changed.touches(a, 13, 30));
        assert!(changed.touches(a, 9, 11), "a multi-line finding touching a changed line counts");
        assert!(changed.touches(Path::new("/top/we\"ird.py"), 1, 1));
        assert!(!changed.touches(Path::new("/top/old.py"), 1, 1));
    }
}
