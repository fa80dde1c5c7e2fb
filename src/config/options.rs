//! The raw configuration as the user writes it. Unknown keys are errors; every value keeps its
//! byte span so an error can name the line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// The whole configuration file: `ssot.toml`, or the `[tool.ssot]` table of `pyproject.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Another configuration file (relative to this one) whose values apply where this one does
    /// not set them; `[rules.<id>]` tables and `per-file-ignores` merge entry by entry.
    pub extend: Option<Spanned<String>>,
    /// What to scan and how files are categorised.
    pub scan: Option<ScanOptions>,
    /// Which rules run, and their options.
    pub rules: Option<RulesOptions>,
}

/// The `[scan]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanOptions {
    /// Globs of files and directories not to scan, on top of `.gitignore` and `.ignore`.
    pub exclude: Option<Vec<Spanned<String>>>,
    /// Globs of test files (category `test`).
    pub test: Option<Vec<Spanned<String>>>,
    /// Globs of files that are neither production nor test (category `other`), such as scripts.
    pub other: Option<Vec<Spanned<String>>>,
    /// Files larger than this many bytes are skipped (and listed as skipped). Default 10 MiB.
    pub max_file_size: Option<u64>,
    /// Time budget for parsing one file, in milliseconds; a file over it is skipped and listed.
    pub parse_timeout_ms: Option<u64>,
    /// Source roots: the directories absolute imports start from (default: the project root,
    /// plus `src/` when it holds packages).
    pub roots: Option<Vec<Spanned<String>>>,
    /// Top-level namespace packages (directories without `__init__.py` in a source root) whose
    /// imports are local: judged by the import rules. Others are taken as installed.
    pub namespace_packages: Option<Vec<Spanned<String>>>,
    /// The languages whose files are scanned (`python`, `rust`); default both.
    pub languages: Option<Vec<Spanned<String>>>,
}

/// A per-rule table `[rules.<rule-id>]`: `severity` plus the options the rule declares.
pub type RuleTable = BTreeMap<String, Spanned<toml::Value>>;

/// The `[rules]` table.
#[derive(Debug, Default)]
pub struct RulesOptions {
    /// Rule ids to run; empty runs every rule.
    pub select: Option<Vec<Spanned<String>>>,
    /// Rule ids not to run.
    pub ignore: Option<Vec<Spanned<String>>>,
    /// Directories of extra rule files (`*.toml`, same schema as the bundled rules).
    pub rule_dirs: Option<Vec<Spanned<String>>>,
    /// Suppressions must give a reason (`# ssot: ignore[id] -- why`); without one they silence
    /// nothing and `unused-suppression` reports them.
    pub require_reason: Option<bool>,
    /// Rules not to report in some files: `{ "tests/**" = ["relative-import"] }`, globs
    /// relative to the configuration's directory.
    pub per_file_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
    /// `[rules.<rule-id>]` tables, by rule id, with the span of each table.
    pub per_rule: BTreeMap<String, Spanned<RuleTable>>,
}

/// A `[rules.<id>]` table, spanning its values (toml gives no span for a table it made
/// implicitly from a header such as `[[rules.import-contract.contracts]]`, so the table's own is
/// not asked for; an empty table points at the start of its file).
struct RuleTableValue(Spanned<RuleTable>);

impl<'de> Deserialize<'de> for RuleTableValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = RuleTable::deserialize(deserializer)?;
        let start = table.values().map(|value| value.span().start).min().unwrap_or(0);
        let end = table.values().map(|value| value.span().end).max().unwrap_or(0);
        Ok(Self(Spanned::new(start..end, table)))
    }
}

impl<'de> Deserialize<'de> for RulesOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RulesVisitor;

        impl<'de> Visitor<'de> for RulesVisitor {
            type Value = RulesOptions;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a table with `select`, `ignore`, `rule-dirs`, `per-file-ignores` and `[rules.<rule-id>]` tables",
                )
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RulesOptions, A::Error> {
                let mut out = RulesOptions::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "select" => out.select = Some(map.next_value()?),
                        "ignore" => out.ignore = Some(map.next_value()?),
                        "rule-dirs" => out.rule_dirs = Some(map.next_value()?),
                        "require-reason" => out.require_reason = Some(map.next_value()?),
                        "per-file-ignores" => out.per_file_ignores = Some(map.next_value()?),
                        _ => {
                            let table: RuleTableValue = map.next_value().map_err(|err| {
                                // The toml crate gives no span for a table made by dotted keys.
                                if err.to_string().contains("expected a borrowed string") {
                                    return de::Error::custom(format!(
                                        "[rules.{key}]: an option written with dotted keys (`option.key = …`) \
                                         is not supported: write it as an inline table `option = {{ … }}` or \
                                         as a table `[rules.{key}.option]`"
                                    ));
                                }
                                de::Error::custom(format!(
                                    "unknown key `{key}` in [rules]: expected `select`, `ignore`, \
                                     `rule-dirs`, `require-reason`, `per-file-ignores` or a table \
                                     [rules.<rule-id>] ({err})"
                                ))
                            })?;
                            out.per_rule.insert(key, table.0);
                        }
                    }
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(RulesVisitor)
    }
}

/// `pyproject.toml`: only `[tool.ssot]` is read; everything else is someone else's business.
#[derive(Debug, Deserialize)]
pub(crate) struct PyProject {
    pub tool: Option<PyProjectTool>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PyProjectTool {
    pub ssot: Option<Options>,
}
