//! Suppression comments: `# ssot: ignore[rule-id, …]` at the end of a line silences those rules
//! on that line (the line where a finding starts); a comment line
//! `# ssot: ignore-file[rule-id, …]` silences them in the whole file. Text after the closing
//! bracket (such as `-- reason`) is allowed.

use std::collections::HashMap;

use super::lexer::Comment;
use crate::text::LineIndex;

/// The suppressions of one file.
#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    by_line: HashMap<usize, Vec<String>>,
    file: Vec<String>,
}

impl Suppressions {
    pub(crate) fn parse(source: &str, comments: &[Comment], lines: &LineIndex) -> Self {
        let mut out = Suppressions::default();
        for comment in comments {
            let text = &source[comment.start..comment.end];
            let mut rest = text;
            while let Some(at) = rest.find("ssot:") {
                rest = rest[at + 5..].trim_start();
                let (file_wide, after) = if let Some(after) = rest.strip_prefix("ignore-file") {
                    (true, after)
                } else if let Some(after) = rest.strip_prefix("ignore") {
                    (false, after)
                } else {
                    continue;
                };
                let Some(list) = after.trim_start().strip_prefix('[') else { continue };
                let Some(close) = list.find(']') else { continue };
                let ids = list[..close].split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_string);
                if file_wide {
                    if comment.own_line {
                        out.file.extend(ids);
                    }
                } else {
                    let line = lines.position(source, comment.start).0;
                    out.by_line.entry(line).or_default().extend(ids);
                }
                rest = &list[close..];
            }
        }
        out
    }

    /// Whether a finding of `rule` starting on 1-based `line` is silenced.
    pub(crate) fn suppresses(&self, rule: &str, line: usize) -> bool {
        self.file.iter().any(|id| id == rule)
            || self.by_line.get(&line).is_some_and(|ids| ids.iter().any(|id| id == rule))
    }
}
