//! SARIF 2.1.0 (OASIS), the format GitHub code scanning and most SARIF viewers read: one run
//! whose `tool.driver.rules` are the active rules and whose `results` are the diagnostics. The
//! wire format is these structs (not the internal types). Paths are root-relative URI references
//! (percent-encoded) against `%SRCROOT%`, which `originalUriBaseIds` maps to the scanned root;
//! `partialFingerprints["ssot/v1"]` is the diagnostic's line-number-free fingerprint, so alerts
//! survive edits elsewhere in the file. Columns count Unicode characters (`columnKind`), and
//! `endColumn` is exclusive, as SARIF defines it.
//!
//! The log and its run are written member by member ([`super::pretty::Document`]), every value
//! in them serialised by serde_json, the results (most of a large log) on the thread pool; a unit
//! test holds the log byte-identical to serde_json's pretty printing of the whole log as one value.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::pretty::Document;
use super::Context;
use crate::diagnostic::{Diagnostic, Outcome, Position, Severity};
use crate::path_text;
use crate::score::Summary;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const VERSION: &str = "2.1.0";
const COLUMN_KIND: &str = "unicodeCodePoints";
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT_KEY: &str = "ssot/v1";

/// `tool.driver.informationUri`: the repository when `Cargo.toml` names one, else the package's
/// crates.io page.
const INFORMATION_URI: &str = match env!("CARGO_PKG_REPOSITORY").as_bytes() {
    [] => "https://crates.io/crates/ssot",
    _ => env!("CARGO_PKG_REPOSITORY"),
};

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    default_configuration: Configuration,
    help: Help<'a>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

/// Files that were found but not analysed, as tool execution notifications.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: OwnedText,
    locations: [Location; 1],
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    /// With a baseline in use: `unchanged` for findings in it, `new` for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    /// The finding's fix, when its rule has one (one artifact change: the finding's file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
    /// `applicability`: `safe`, `unsafe` or `display-only`, as `--fix` reads it.
    properties: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Whether `byte` may stand unencoded in a path: RFC 3986 `unreserved`, `sub-delims`, `@` and
/// `/`. `:` is always encoded, since in a relative reference's first segment it would read as
/// a scheme.
fn is_path_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte)
}

/// Percent-encodes every byte of `path` that a URI path may not hold literally (UTF-8 bytes of
/// non-ASCII characters, and bytes of a name that is not UTF-8, included).
fn percent_encode(path: &[u8], keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(path.len());
    for &byte in path {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `file://` URI of an absolute path; with `directory`, it ends with `/` (SARIF requires that
/// of a base URI).
fn file_uri(path: &Path, directory: bool) -> String {
    // The name's bytes, `/`-separated (a `\\` is a separator only on Windows).
    let mut text = path_text::bytes(&path_text::text(path));
    if let Some(rest) = text.strip_prefix(b"//?/") {
        text = rest.to_vec();
    }
    if !text.starts_with(b"/") {
        text.insert(0, b'/'); // a Windows drive: file:///C:/…
    }
    if directory && !text.ends_with(b"/") {
        text.push(b'/');
    }
    // A drive letter's colon stays as it is in an absolute URI's path.
    format!("file://{}", percent_encode(&text, |b| is_path_safe(b) || b == b':'))
}

/// Where a diagnostic's path points: relative to `%SRCROOT%`, or an absolute `file://` URI for
/// a path outside the root (reports never show one, but a URI must stay valid).
fn artifact_location(path: &str) -> ArtifactLocation {
    let absolute = Path::new(path).is_absolute() || path.starts_with('/');
    if absolute {
        ArtifactLocation { uri: file_uri(&path_text::real(path), false), uri_base_id: None }
    } else {
        ArtifactLocation { uri: percent_encode(&path_text::bytes(path), is_path_safe), uri_base_id: Some(SRCROOT) }
    }
}

fn physical(path: &str, start: Position, end: Option<Position>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(path),
        region: Some(Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.map(|e| e.line),
            end_column: end.map(|e| e.column),
        }),
    }
}

/// Writes the log: `{"$schema", "version", "runs": [{"tool", "invocations",
/// "originalUriBaseIds", "columnKind", "results"}]}`, as serde_json's pretty printer prints it.
pub(super) fn write(
    outcome: &Outcome,
    _summary: &Summary,
    context: &Context,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rule_index = rule_index(context);
    let baseline_in_use = outcome.diagnostics.iter().any(|d| d.baselined);
    let mut document = Document::new(out);
    document.begin_object()?;
    document.field("$schema", SCHEMA)?;
    document.field("version", VERSION)?;
    document.key("runs")?;
    document.begin_array()?;
    document.begin_object()?;
    document.field("tool", &tool(context))?;
    document.field("invocations", &invocations(outcome))?;
    document.field("originalUriBaseIds", &original_uri_base_ids(outcome))?;
    document.field("columnKind", COLUMN_KIND)?;
    document.key("results")?;
    document.array(&outcome.diagnostics, |d| result(outcome, &rule_index, baseline_in_use, d))?;
    document.end_object()?;
    document.end_array()?;
    document.end_object()?;
    document.finish()
}

/// Each rule's index in `tool.driver.rules`.
fn rule_index<'a>(context: &'a Context) -> BTreeMap<&'a str, usize> {
    context.rules.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect()
}

/// `runs[0].tool`: ssot and the active rules.
fn tool<'a>(context: &'a Context) -> Tool<'a> {
    let rules = context
        .rules
        .iter()
        .map(|rule| ReportingDescriptor {
            id: &rule.id,
            short_description: Text { text: &rule.summary },
            full_description: Text { text: &rule.why },
            default_configuration: Configuration { level: level(rule.severity) },
            help: Help { text: &rule.help, markdown: &rule.help },
        })
        .collect();
    Tool {
        driver: Driver { name: "ssot", version: env!("CARGO_PKG_VERSION"), information_uri: INFORMATION_URI, rules },
    }
}

/// `runs[0].invocations`: the one run, and the files skipped in it.
fn invocations(outcome: &Outcome) -> [Invocation; 1] {
    let notifications = outcome
        .skipped
        .iter()
        .map(|s| Notification {
            level: "warning",
            message: OwnedText { text: format!("skipped: {}", s.reason) },
            locations: [Location {
                physical_location: PhysicalLocation { artifact_location: artifact_location(&s.path), region: None },
            }],
        })
        .collect();
    [Invocation { execution_successful: true, tool_execution_notifications: notifications }]
}

/// `runs[0].originalUriBaseIds`: `%SRCROOT%` is the scanned root.
fn original_uri_base_ids(outcome: &Outcome) -> BTreeMap<&'static str, BaseUri> {
    BTreeMap::from([(SRCROOT, BaseUri { uri: file_uri(&outcome.root, true) })])
}

/// One diagnostic as a SARIF result. `baseline_in_use`: `baselineState` on every result or on
/// none, so a baseline in use shows through its matches.
fn result<'a>(
    outcome: &'a Outcome,
    rule_index: &BTreeMap<&str, usize>,
    baseline_in_use: bool,
    d: &'a Diagnostic,
) -> SarifResult<'a> {
    SarifResult {
        rule_id: &d.rule,
        rule_index: rule_index.get(&*d.rule).copied(),
        level: level(d.severity),
        message: Text { text: &d.message },
        locations: [Location { physical_location: physical(&outcome.file(d.file).path, d.start, Some(d.end)) }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, d.fingerprint.as_str())]),
        related_locations: d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| RelatedLocation {
                id: i + 1,
                physical_location: physical(&outcome.file(r.file).path, r.start, None),
                message: Text { text: &r.message },
            })
            .collect(),
        baseline_state: baseline_in_use.then_some(if d.baselined { "unchanged" } else { "new" }),
        fixes: d
            .fix
            .iter()
            .map(|fix| SarifFix {
                description: Text { text: &fix.message },
                artifact_changes: [ArtifactChange {
                    artifact_location: artifact_location(&outcome.file(d.file).path),
                    replacements: fix
                        .edits
                        .iter()
                        .map(|edit| Replacement {
                            deleted_region: Region {
                                start_line: edit.start.line,
                                start_column: edit.start.column,
                                end_line: Some(edit.end.line),
                                end_column: Some(edit.end.column),
                            },
                            inserted_content: Text { text: &edit.content },
                        })
                        .collect(),
                }],
                properties: BTreeMap::from([("applicability", fix.applicability.as_str())]),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RuleMeta;

    /// The whole log as one value: what [`write`] must print, byte for byte, as serde_json's
    /// pretty printer prints it.
    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [Run<'a>; 1],
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        tool: Tool<'a>,
        invocations: [Invocation; 1],
        original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
        column_kind: &'static str,
        results: Vec<SarifResult<'a>>,
    }

    #[test]
    fn encodes_what_a_uri_reference_may_not_hold() {
        let uri = |path: &str| artifact_location(path).uri;
        assert_eq!(uri("pkg/mod.py"), "pkg/mod.py");
        assert_eq!(uri("we,ird:na%me.py"), "we,ird%3Ana%25me.py");
        assert_eq!(uri("with space/a#b?c.py"), "with%20space/a%23b%3Fc.py");
        assert_eq!(uri("é.py"), "%C3%A9.py");
        assert_eq!(artifact_location("/abs/x y.py").uri, "file:///abs/x%20y.py");
        assert_eq!(artifact_location("/abs/x.py").uri_base_id, None);
    }

    #[test]
    fn written_member_by_member_as_serde_json_prints_the_whole() {
        let rule = |id: &str| RuleMeta {
            id: id.to_string(),
            severity: Severity::Warning,
            summary: "one \"line\"".to_string(),
            why: "a\nparagraph".to_string(),
            help: "# help\n\n`code`\n".to_string(),
        };
        let context = Context {
            cwd: None,
            rules: vec![rule("duplicate-string-constant"), rule("relative-import")],
            quiet: false,
        };
        for (diagnostics, skipped) in [(0, 0), (1, 1), (3, 2), (3_000, 0)] {
            let mut outcome = crate::report::json::tests::outcome(diagnostics, skipped);
            outcome.root = std::path::PathBuf::from("/work/a b");
            let summary = Summary::new(&outcome);
            let mut written = Vec::new();
            write(&outcome, &summary, &context, &mut written).unwrap();
            let index = rule_index(&context);
            let baseline_in_use = outcome.diagnostics.iter().any(|d| d.baselined);
            let whole = Log {
                schema: SCHEMA,
                version: VERSION,
                runs: [Run {
                    tool: tool(&context),
                    invocations: invocations(&outcome),
                    original_uri_base_ids: original_uri_base_ids(&outcome),
                    column_kind: COLUMN_KIND,
                    results: outcome.diagnostics.iter().map(|d| result(&outcome, &index, baseline_in_use, d)).collect(),
                }],
            };
            let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
            expected.push(b'\n');
            assert!(written == expected, "{diagnostics} diagnostics, {skipped} skipped: the outputs differ");
        }
    }

    #[test]
    fn base_uris_end_with_a_slash() {
        assert_eq!(file_uri(Path::new("/work/my project"), true), "file:///work/my%20project/");
        assert_eq!(file_uri(Path::new("/"), true), "file:///");
    }
}
