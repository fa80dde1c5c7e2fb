//! ssot's diagnostics as the protocol's: ranges in the negotiated encoding, the rule id as
//! `code` (its documentation page as `codeDescription`), severity, related places as `relatedInformation` (each in its own file's text: an
//! open buffer's, else the file's on disk), `unused-suppression` tagged unnecessary. A file ssot
//! could not analyse gets one diagnostic saying why.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString, Position, Range,
};

use super::position::{Encoding, Text};
use super::workspace::Analysis;
use crate::diagnostic::{Diagnostic, Severity};
use crate::scan::live::LiveProject;

/// At most this many related places per diagnostic: a literal repeated in a thousand files
/// names the first ones (its message says how many there are).
pub(crate) const MAX_RELATED: usize = 50;

/// The code of the diagnostic of a file that was not analysed.
pub(crate) const NOT_ANALYSED: &str = "not-analysed";

/// The `source` of every diagnostic the server sends.
pub(crate) const SOURCE: &str = "ssot";

/// The texts of the files related places point into, read once per round of publishing.
pub(crate) struct Texts<'a> {
    /// Open buffers by path.
    open: HashMap<&'a Path, &'a Text>,
    /// The project the places are in (it reads the other files).
    project: &'a LiveProject,
    read: HashMap<PathBuf, Option<Text>>,
}

impl<'a> Texts<'a> {
    pub(crate) fn new(open: HashMap<&'a Path, &'a Text>, project: &'a LiveProject) -> Self {
        Self { open, project, read: HashMap::new() }
    }

    fn range(&mut self, path: &Path, range: &std::ops::Range<usize>, encoding: Encoding) -> Option<Range> {
        if let Some(text) = self.open.get(path) {
            return Some(shifted(text, range, encoding));
        }
        let project = self.project;
        let text = self.read.entry(path.to_path_buf()).or_insert_with(|| project.text(path).map(Text::new));
        text.as_ref().map(|text| text.range(range, encoding))
    }
}

/// The protocol range of `range` (an offset into the text without its byte-order mark) in a
/// buffer's `text` (which may start with one).
pub(crate) fn shifted(text: &Text, range: &std::ops::Range<usize>, encoding: Encoding) -> Range {
    let bom = if text.as_str().starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    text.range(&(range.start + bom..range.end + bom), encoding)
}

/// The protocol's diagnostic for `d`, in the open buffer `text`.
pub(crate) fn convert(
    d: &Diagnostic,
    text: &Text,
    analysis: &Analysis,
    encoding: Encoding,
    texts: &mut Texts,
    docs: &HashMap<String, lsp_types::Uri>,
) -> lsp_types::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .take(MAX_RELATED)
        .filter_map(|related| {
            let path = analysis.path(related.file);
            let range = texts.range(&path, &related.range, encoding)?;
            Some(DiagnosticRelatedInformation {
                location: Location { uri: super::uri::from_path(&path), range },
                message: related.message.to_string(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: shifted(text, &d.range, encoding),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: docs.get(&*d.rule).map(|href| lsp_types::CodeDescription { href: href.clone() }),
        source: Some(SOURCE.to_string()),
        message: d.message.to_string(),
        related_information: (!related.is_empty()).then_some(related),
        tags: (&*d.rule == crate::rule::UNUSED_SUPPRESSION).then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The finding standing for a file that was not analysed (it has no fix, and no rule).
pub(crate) fn skipped_finding(reason: &str) -> Diagnostic {
    Diagnostic {
        rule: NOT_ANALYSED.into(),
        severity: Severity::Warning,
        file: crate::diagnostic::FileId(usize::MAX),
        range: 0..0,
        start: crate::diagnostic::Position { line: 1, column: 1 },
        end: crate::diagnostic::Position { line: 1, column: 1 },
        message: reason.into(),
        related: Vec::new(),
        fingerprint: String::new(),
        line_text: String::new(),
        baselined: false,
        fix: None,
    }
}

/// The diagnostic of a file that was not analysed: at its start, saying why.
pub(crate) fn skipped(reason: &str) -> lsp_types::Diagnostic {
    let start = Position { line: 0, character: 0 };
    lsp_types::Diagnostic {
        range: Range { start, end: start },
        severity: Some(DiagnosticSeverity::WARNING),
        code: Some(NumberOrString::String(NOT_ANALYSED.into())),
        source: Some(SOURCE.to_string()),
        message: format!("ssot did not analyse this file: {reason}"),
        ..lsp_types::Diagnostic::default()
    }
}
