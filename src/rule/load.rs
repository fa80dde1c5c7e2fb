//! Loading: rule files (bundled and from `rules.rule-dirs`) → validated [`Catalog`]; catalog +
//! settings (selection, `[rules.<id>]` options) → the selected, configured [`Rule`]s
//! ([`Catalog::select`]). The engines a rule file may name come from the caller
//! ([`EngineSignature`]s), so this layer does not depend on the engines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::query;
use crate::language::Language;

use super::{message, EngineSignature, Origin, Rule, RuleKind, RuleSpec, ScannerRule};
use crate::config::{compile_globs, Settings};
use crate::diagnostic::Severity;
use crate::UserError;

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// Every known rule file, validated, sorted by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub entries: Vec<(RuleSpec, Origin)>,
}

impl Catalog {
    /// The bundled rules plus the `*.toml` files of `rule_dirs` (each with the config offset
    /// that named it, for errors); `engines` are the engines a rule file may name. A file
    /// reached twice (its directory listed twice, spelled differently or through a link) is
    /// loaded once: the same file cannot conflict with itself.
    pub fn load(
        rule_dirs: &[(PathBuf, Option<usize>, Option<&crate::config::ConfigFile>)],
        engines: &[EngineSignature],
    ) -> Result<Self, UserError> {
        let mut entries = Vec::new();
        let mut loaded: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        for (path, text) in BUNDLED_RULES {
            let spec = parse_rule_file(Path::new(path), text, engines)?;
            if spec.docs.is_none() {
                // The bundled rules generate `docs/rules/<id>.md`; a user rule may go without.
                return Err(UserError::at(
                    Path::new(path),
                    text,
                    None,
                    "a bundled rule needs a `[docs]` table (why, bad, good)",
                ));
            }
            entries.push((spec, Origin::Bundled(path)));
        }
        for (dir, offset, config) in rule_dirs {
            let listing = std::fs::read_dir(dir).map_err(|err| {
                let message = format!("rule directory `{}`: {err}", dir.display());
                match config {
                    Some(file) => file.error(*offset, message),
                    None => UserError::new(message),
                }
            })?;
            let mut files: Vec<PathBuf> = listing
                .flatten()
                .map(|entry| entry.path())
                // Anything but a directory: a rule file that is a FIFO or a device is an error
                // naming it, not a rule silently missing.
                .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && !path.is_dir())
                .collect();
            files.sort();
            for path in files {
                if !loaded.insert(std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone())) {
                    continue;
                }
                let text = crate::fs::read_text(&path, crate::fs::CONFIG_LIMIT)
                    .map_err(|err| UserError::new(format!("{}: cannot read rule file: {err}", path.display())))?;
                let spec = parse_rule_file(&path, &text, engines)?;
                entries.push((spec, Origin::User(path)));
            }
        }
        entries.sort_by(|a, b| a.0.id.get_ref().cmp(b.0.id.get_ref()));
        for pair in entries.windows(2) {
            if pair[0].0.id.get_ref() == pair[1].0.id.get_ref() {
                return Err(UserError::new(format!(
                    "two rule files define rule `{}`: {} and {}",
                    pair[0].0.id.get_ref(),
                    pair[0].1.path().display(),
                    pair[1].1.path().display()
                )));
            }
        }
        Ok(Self { entries })
    }

    pub fn get(&self, id: &str) -> Option<&(RuleSpec, Origin)> {
        self.entries.iter().find(|(spec, _)| spec.id.get_ref() == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(spec, _)| spec.id.get_ref().as_str())
    }
}

/// Parses and validates one rule file (`engines`: those it may name besides the scanner-run
/// rules); every error names the file and position.
pub fn parse_rule_file(path: &Path, text: &str, engines: &[EngineSignature]) -> Result<RuleSpec, UserError> {
    let spec: RuleSpec = toml::from_str(text).map_err(|err| UserError::from_toml(path, text, &err))?;
    let at = |offset: usize, message: String| UserError::at(path, text, Some(offset), message);
    let id = spec.id.get_ref();
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if !is_kebab_case(id) {
        return Err(at(spec.id.span().start, format!("rule id `{id}` must be kebab-case (a-z, 0-9, `-`)")));
    }
    if *id != stem {
        return Err(at(spec.id.span().start, format!("rule id `{id}` must equal the file name `{stem}` (rename one)")));
    }
    let languages = languages(&spec).map_err(|(offset, message)| at(offset, message))?;
    let placeholders = message::placeholders(spec.message.get_ref())
        .map_err(|(offset, message)| at(value_start(text, spec.message.span().start) + offset, message))?;
    match (&spec.query, &spec.engine) {
        (Some(query), None) => {
            let report = spec.report.as_ref().map_or("match", |r| r.get_ref().as_str());
            let start = value_start(text, query.span().start);
            if let Some(rust) = languages.iter().find(|(language, _)| *language != Language::Python) {
                return Err(at(
                    rust.1,
                    format!(
                        "a pattern rule reads Python only (its query is over tree-sitter-python); \
                         `{}` needs an engine",
                        rust.0.name()
                    ),
                ));
            }
            query::validate(query.get_ref(), report, &placeholders).map_err(|problem| {
                let offset = if problem.in_message { spec.message.span().start } else { start + problem.offset };
                at(offset, problem.message)
            })?;
        }
        (None, Some(engine)) => {
            let name = engine.get_ref().as_str();
            let scanner = ScannerRule::from_name(name);
            let (variables, supported) = match scanner {
                Some(rule) => (rule.variables(), &Language::ALL[..]),
                None => match engines.iter().find(|e| e.name == name) {
                    Some(signature) => (signature.variables, signature.languages),
                    None => {
                        let known: Vec<&str> = ScannerRule::ALL
                            .iter()
                            .map(|rule| rule.name())
                            .chain(engines.iter().map(|e| e.name))
                            .collect();
                        return Err(at(
                            engine.span().start,
                            format!("unknown engine `{name}`: known engines are {}", known.join(", ")),
                        ));
                    }
                },
            };
            if scanner.is_some() && name != id {
                return Err(at(
                    engine.span().start,
                    format!("engine `{}` belongs to the built-in rule of that name", engine.get_ref()),
                ));
            }
            if let Some((language, offset)) = languages.iter().find(|(language, _)| !supported.contains(language)) {
                let names: Vec<&str> = supported.iter().map(|language| language.name()).collect();
                return Err(at(
                    *offset,
                    format!("engine `{name}` does not read `{}`: it supports {}", language.name(), names.join(", ")),
                ));
            }
            if let Some(report) = &spec.report {
                return Err(at(report.span().start, "`report` is only for pattern rules (with `query`)".into()));
            }
            if let Some(name) = placeholders.iter().find(|name| !variables.contains(&name.as_str())) {
                return Err(at(
                    spec.message.span().start,
                    format!(
                        "the message uses `{{{name}}}` but engine `{}` provides only: {}",
                        engine.get_ref(),
                        variables.join(", ")
                    ),
                ));
            }
        }
        (Some(query), Some(_)) => {
            return Err(at(query.span().start, "a rule has either `query` or `engine`, not both".into()));
        }
        (None, None) => {
            return Err(UserError::at(
                path,
                text,
                None,
                "a rule needs `query` (a pattern rule) or `engine` (a Rust engine)",
            ));
        }
    }
    if let Some(prefilter) = &spec.prefilter {
        if spec.query.is_none() {
            return Err(at(
                prefilter.span().start,
                "`prefilter` is only for pattern rules (engines have their own)".into(),
            ));
        }
        regex::Regex::new(prefilter.get_ref())
            .map_err(|err| at(prefilter.span().start, format!("invalid prefilter regex: {err}")))?;
    }
    for glob in spec.include.iter().chain(&spec.exclude) {
        compile_globs(Path::new("/"), std::slice::from_ref(glob.get_ref()), &|_, message| {
            at(glob.span().start, message)
        })?;
    }
    Ok(spec)
}

/// The languages a rule file names, each with the offset of its name (default: Python).
fn languages(spec: &RuleSpec) -> Result<Vec<(Language, usize)>, (usize, String)> {
    let named = |name: &toml::Spanned<String>| match Language::from_name(name.get_ref()) {
        Some(language) => Ok((language, name.span().start)),
        None => Err((
            name.span().start,
            format!("unknown language `{}`: expected {}", name.get_ref(), crate::language::known_names()),
        )),
    };
    let list = match (&spec.languages, &spec.language) {
        (Some(_), Some(single)) => {
            return Err((
                single.span().start,
                "give `languages` only (`language` is its former, one-language form)".into(),
            ))
        }
        (None, Some(single)) => return Ok(vec![named(single)?]),
        (None, None) => return Ok(vec![(Language::Python, 0)]),
        (Some(list), None) => list,
    };
    if list.get_ref().is_empty() {
        return Err((list.span().start, "`languages` must name at least one language".into()));
    }
    list.get_ref().iter().map(named).collect()
}

/// The languages of a validated rule file, sorted.
pub fn rule_languages(spec: &RuleSpec) -> Vec<Language> {
    let mut languages: Vec<Language> =
        languages(spec).map(|list| list.into_iter().map(|(language, _)| language).collect()).unwrap_or_default();
    languages.sort();
    languages.dedup();
    languages
}

/// Byte offset where the content of the TOML string value starting at `span_start` begins.
fn value_start(text: &str, span_start: usize) -> usize {
    let rest = &text[span_start..];
    let mut start = span_start;
    if rest.starts_with("'''") || rest.starts_with("\"\"\"") {
        start += 3;
        let after = &text[start..];
        if after.starts_with("\r\n") {
            start += 2;
        } else if after.starts_with('\n') {
            start += 1;
        }
    } else if rest.starts_with('\'') || rest.starts_with('"') {
        start += 1;
    }
    start
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl Catalog {
    /// The rules `settings` select, each configured by its `[rules.<id>]` table, sorted by id;
    /// an unknown id in the selection or a table is an error naming where it was written.
    pub fn select(&self, settings: &Settings) -> Result<Vec<Rule>, UserError> {
        let unknown = |id: &str, offset: Option<crate::config::At>, what: &str| {
            settings.config_error(offset, format!("{what}: unknown rule `{id}` (run `ssot rules` to list the rules)"))
        };
        let selection = &settings.selection;
        let select_label = if selection.select_from_config { "rules.select" } else { "--select" };
        if let Some(select) = &selection.select {
            for (id, offset) in select {
                if self.get(id).is_none() {
                    return Err(unknown(id, *offset, select_label));
                }
            }
        }
        for (id, offset) in &selection.ignore {
            if self.get(id).is_none() {
                return Err(unknown(id, *offset, if offset.is_some() { "rules.ignore" } else { "--ignore" }));
            }
        }
        for entry in &settings.per_file_ignores {
            for (id, offset) in &entry.rules {
                if self.get(id).is_none() {
                    return Err(unknown(id, *offset, "rules.per-file-ignores"));
                }
            }
        }
        for (id, table) in &settings.rule_tables {
            if self.get(id).is_none() {
                return Err(unknown(id, Some(table.at), &format!("[rules.{id}]")));
            }
        }
        let mut rules = Vec::new();
        for (spec, origin) in &self.entries {
            let id = spec.id.get_ref();
            let selected = selection.select.as_ref().is_none_or(|list| list.iter().any(|(s, _)| s == id));
            let ignored = selection.ignore.iter().any(|(s, _)| s == id);
            let rule = build_rule(spec, origin, settings)?;
            if selected && !ignored {
                rules.push(rule);
            }
        }
        Ok(rules)
    }
}

/// Compiles one rule with its `[rules.<id>]` table applied.
fn build_rule(spec: &RuleSpec, origin: &Origin, settings: &Settings) -> Result<Rule, UserError> {
    let id = spec.id.get_ref().clone();
    let mut severity = spec.severity;
    let mut options: BTreeMap<String, toml::Value> =
        spec.options.iter().map(|(name, option)| (name.clone(), option.default.clone())).collect();
    // `include`/`exclude` set by the project: they replace the rule file's.
    let mut scope: [Option<crate::config::Globs>; 2] = [None, None];
    if let Some(table) = settings.rule_tables.get(&id) {
        for (key, (value, at)) in &table.values {
            let offset = Some(*at);
            if key == "include" || key == "exclude" {
                let Some(patterns) = crate::config::glob_list(value) else {
                    return Err(settings.config_error(
                        offset,
                        format!("[rules.{id}] `{key}` must be a list of globs (strings), found {}", describe(value)),
                    ));
                };
                let globs = compile_globs(settings.base_of(offset), &patterns, &|_, message| {
                    settings.config_error(offset, format!("[rules.{id}] {key}: {message}"))
                })?;
                scope[usize::from(key == "exclude")] = Some(globs);
                continue;
            }
            if key == "severity" {
                severity = match value.as_str().and_then(Severity::from_name) {
                    Some(severity) => severity,
                    None => {
                        return Err(settings.config_error(
                            offset,
                            format!("[rules.{id}] severity must be \"error\", \"warning\" or \"info\""),
                        ))
                    }
                };
                continue;
            }
            let Some(option) = spec.options.get(key) else {
                let mut known: Vec<&str> = vec!["severity", "include", "exclude"];
                known.extend(spec.options.keys().map(String::as_str));
                return Err(settings.config_error(
                    offset,
                    format!("unknown key `{key}` in [rules.{id}]: expected one of {}", known.join(", ")),
                ));
            };
            if let Some(expected) = type_mismatch(&option.default, option.items.as_deref(), value) {
                return Err(settings.config_error(
                    offset,
                    format!("[rules.{id}] `{key}` must be {expected}, found {}", describe(value)),
                ));
            }
            options.insert(key.clone(), value.clone());
        }
    }
    let globs = |list: &[toml::Spanned<String>]| -> Result<Option<crate::config::Globs>, UserError> {
        if list.is_empty() {
            return Ok(None);
        }
        let patterns: Vec<String> = list.iter().map(|g| g.get_ref().clone()).collect();
        compile_globs(&settings.root, &patterns, &|_, message| UserError::new(format!("rule `{id}`: {message}")))
            .map(Some)
    };
    let kind = match (&spec.query, &spec.engine) {
        (Some(query), _) => RuleKind::Pattern {
            query: query.get_ref().clone(),
            report: spec.report.as_ref().map_or_else(|| "match".to_string(), |r| r.get_ref().clone()),
        },
        (None, Some(engine)) => match ScannerRule::from_name(engine.get_ref()) {
            Some(scanner) => RuleKind::Scanner(scanner),
            None => RuleKind::Engine(engine.get_ref().clone()),
        },
        (None, None) => unreachable!("validated by parse_rule_file"),
    };
    // A hand-written prefilter wins; a pattern rule without one gets the derived one, if any.
    let written = spec.prefilter.as_ref().and_then(|p| regex::Regex::new(p.get_ref()).ok());
    let derived = match (&written, &spec.query) {
        (None, Some(query)) => super::prefilter::derive(query.get_ref()).and_then(|p| regex::Regex::new(&p).ok()),
        _ => None,
    };
    Ok(Rule {
        prefilter_derived: derived.is_some(),
        prefilter: written.or(derived),
        include: match scope[0].take() {
            Some(globs) => Some(globs),
            None => globs(&spec.include)?,
        },
        exclude: match scope[1].take() {
            Some(globs) => Some(globs),
            None => globs(&spec.exclude)?,
        },
        id,
        severity,
        summary: spec.summary.clone(),
        message: spec.message.get_ref().clone(),
        needs_config: spec.needs_config,
        kind,
        languages: rule_languages(spec),
        options,
        spec: spec.clone(),
        origin: origin.clone(),
    })
}

/// `None` when `value` has the type of `default`; else a description of the expected type.
fn type_mismatch(default: &toml::Value, element_type: Option<&str>, value: &toml::Value) -> Option<String> {
    use toml::Value;
    let empty = || match element_type {
        Some("table") => Value::Table(toml::map::Map::new()),
        _ => Value::String(String::new()),
    };
    match (default, value) {
        (Value::Array(defaults), Value::Array(items)) => {
            let element = defaults.first().cloned().unwrap_or_else(empty);
            items
                .iter()
                .any(|item| std::mem::discriminant(item) != std::mem::discriminant(&element))
                .then(|| format!("an array of {}s", element.type_str()))
        }
        (Value::Array(defaults), _) => {
            let element = defaults.first().cloned().unwrap_or_else(empty);
            let element = element.type_str();
            Some(format!("an array of {element}s"))
        }
        _ if std::mem::discriminant(default) == std::mem::discriminant(value) => None,
        _ => Some(format!("a {}", default.type_str())),
    }
}

fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::Array(_) => "an array (or an element of the wrong type)".to_string(),
        other => format!("a {}", other.type_str()),
    }
}
