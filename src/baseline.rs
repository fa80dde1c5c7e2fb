//! Baselines: a file of fingerprints of known findings (`ssot baseline`), so a gate fails only on
//! new ones (`ssot check --baseline FILE`). Entries hold the rule, the path, the normalised text
//! of the flagged line and an occurrence index (through the fingerprint), never a line number,
//! so edits elsewhere in a file keep them valid. `--update` only ever removes entries.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Outcome;
use crate::UserError;

/// The default baseline file name, in the project root.
pub const DEFAULT_FILE: &str = "ssot-baseline.json";

/// The baseline file, version 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub tool: String,
    pub entries: Vec<Entry>,
}

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub rule: String,
    /// The flagged line, whitespace normalised (for readers; the fingerprint decides).
    pub line: String,
    pub fingerprint: String,
}

impl Baseline {
    /// Every diagnostic of `outcome` as an entry.
    pub fn from_outcome(outcome: &Outcome) -> Self {
        let mut entries: Vec<Entry> = outcome
            .diagnostics
            .iter()
            .map(|d| Entry {
                path: outcome.file(d.file).path.to_string(),
                rule: d.rule.to_string(),
                line: d.line_text.clone(),
                fingerprint: d.fingerprint.clone(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Self { version: 1, tool: "ssot".to_string(), entries }
    }

    pub fn load(path: &Path) -> Result<Self, UserError> {
        let text = crate::fs::read_text(path, crate::fs::CONFIG_LIMIT)
            .map_err(|err| UserError::new(format!("{}: cannot read the baseline: {err}", path.display())))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|err| {
            let offset = crate::text::offset_of(&text, err.line(), err.column());
            UserError::at(path, &text, Some(offset), format!("not a ssot baseline file: {err}"))
        })?;
        if baseline.version != 1 {
            return Err(UserError::new(format!(
                "{}: baseline version {} is not supported (expected 1)",
                path.display(),
                baseline.version
            )));
        }
        Ok(baseline)
    }

    pub fn save(&self, path: &Path) -> Result<(), UserError> {
        let mut text = serde_json::to_string_pretty(self).map_err(|err| UserError::new(err.to_string()))?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|err| UserError::new(format!("{}: cannot write the baseline: {err}", path.display())))
    }

    pub fn fingerprints(&self) -> BTreeSet<&str> {
        self.entries.iter().map(|e| e.fingerprint.as_str()).collect()
    }
}

/// Whether `entry` is about a file under one of the absolute `paths` of the project at `root`: a
/// run that names part of a project says nothing of the other entries (they are neither stale
/// nor to be dropped).
pub fn covers(root: &Path, paths: &[std::path::PathBuf], entry: &Entry) -> bool {
    let real = root.join(crate::path_text::real(&entry.path));
    paths.iter().any(|path| real.starts_with(path))
}

/// Marks the diagnostics of `outcome` found in `baseline`; returns the stale entries (fixed
/// findings the baseline still lists) among those `asked` covers (the files the run reports).
pub fn apply(baseline: &Baseline, outcome: &mut Outcome, asked: &dyn Fn(&Entry) -> bool) -> Vec<Entry> {
    let known = baseline.fingerprints();
    let mut matched = BTreeSet::new();
    for d in &mut outcome.diagnostics {
        if known.contains(d.fingerprint.as_str()) {
            d.baselined = true;
            matched.insert(d.fingerprint.clone());
        }
    }
    baseline.entries.iter().filter(|e| !matched.contains(&e.fingerprint) && asked(e)).cloned().collect()
}
