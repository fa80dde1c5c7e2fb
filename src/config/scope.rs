//! Nested configurations: a directory below the project root with its own `ssot.toml` (or
//! `pyproject.toml` with `[tool.ssot]`) governs the files under it, as ruff's do — categories,
//! exclusions, which of the project's rules run, their severity and where they look,
//! `per-file-ignores`, the options of per-file rules — while what is decided once per project
//! (the rules that exist, the options of project-wide rules, source roots, languages, budgets)
//! stays with the project's configuration (docs/projects.md, "Nested configurations").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::globs::{compile_globs, Globs};
use super::layers::{self, discover_in, load_explicit, ConfigFile, Files, PerFileIgnore, RuleSelection};
use super::DEFAULT_TEST_GLOBS;
use crate::diagnostic::Severity;
use crate::UserError;

/// The keys of a `[rules.<id>]` table a nested configuration may set.
const SCOPED_RULE_KEYS: [&str; 3] = ["severity", "include", "exclude"];

/// What a nested configuration decides for the files under its directory.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The directory it governs (canonical).
    pub dir: PathBuf,
    /// Its file and the files it extends, base first ([`layers::At::file`] of `options`
    /// indexes it).
    pub configs: Vec<ConfigFile>,
    /// The directory of each of `configs` (canonical).
    pub config_dirs: Vec<PathBuf>,
    /// Added to the project's exclusions (as nested ignore files add to their parents').
    pub exclude: Globs,
    pub test: Globs,
    pub other: Globs,
    /// Which of the project's rules run here.
    pub selection: RuleSelection,
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// `[rules.<id>] severity`.
    pub severities: BTreeMap<String, Severity>,
    /// `[rules.<id>] include` / `exclude`, replacing the rule's.
    pub includes: BTreeMap<String, Globs>,
    pub excludes: BTreeMap<String, Globs>,
    /// The option values of per-file rules its own files write (not the project's files it may
    /// extend), by rule: they replace the project's values of those options for files here.
    pub options: BTreeMap<String, super::RuleOptions>,
}

/// What the project decides, which a nested configuration must leave alone.
pub(crate) struct Project<'a> {
    /// The project's configuration files (a nested file may extend them).
    pub configs: &'a [ConfigFile],
    /// Whether a rule id is known, and whether the project runs it.
    pub known: &'a dyn Fn(&str) -> bool,
    pub active: &'a dyn Fn(&str) -> bool,
    /// Whether a rule compares files across the project (its options are the project's).
    pub project_wide: &'a dyn Fn(&str) -> bool,
}

impl Scope {
    /// The nested configuration in `dir`, if it has one.
    pub(crate) fn load(dir: &Path, project: &Project) -> Result<Option<Scope>, UserError> {
        let Some((file, options)) = discover_in(std::iter::once(dir))? else { return Ok(None) };
        let chain = layers::chain(file, options, &load_explicit)?;
        let ours = |file: &ConfigFile| !project.configs.iter().any(|known| same_file(&known.path, &file.path));
        for (file, options) in chain.iter().filter(|(file, _)| ours(file)) {
            refuse_project_keys(file, options, project)?;
        }
        let (configs, options): (Vec<ConfigFile>, Vec<_>) = chain.into_iter().unzip();
        let own: Vec<bool> = configs.iter().map(ours).collect();
        let dirs = Files::dirs_of(&configs, dir);
        let merged = layers::merge(options);
        let files = Files { configs: &configs, dirs: &dirs, root: dir };
        let selection = Files::selection(&merged);
        let per_file_ignores = files.per_file_ignores(&merged)?;
        let named = selection.select.iter().flatten().chain(&selection.ignore);
        let named = named.chain(per_file_ignores.iter().flat_map(|entry| &entry.rules));
        for (id, at) in named {
            let at = at.expect("written in a file");
            if !(project.known)(id) {
                return Err(files.error(at, format!("unknown rule `{id}` (run `ssot rules` to list the rules)")));
            }
        }
        for (id, at) in selection.select.iter().flatten() {
            if !(project.active)(id) {
                let message = format!(
                    "rules.select: `{id}` does not run in this project: a nested configuration picks among the \
                     project's rules; select it in the project's configuration"
                );
                return Err(files.error(at.expect("written in a file"), message));
            }
        }
        let mut scope = Scope {
            dir: dir.to_path_buf(),
            exclude: files.globs(&merged.exclude, &[])?,
            test: files.globs(&merged.test, &DEFAULT_TEST_GLOBS)?,
            other: files.globs(&merged.other, &[])?,
            selection,
            per_file_ignores,
            severities: BTreeMap::new(),
            includes: BTreeMap::new(),
            excludes: BTreeMap::new(),
            options: BTreeMap::new(),
            configs: Vec::new(),
            config_dirs: Vec::new(),
        };
        for (id, table) in &merged.rule_tables {
            if !(project.known)(id) {
                return Err(
                    files.error(table.at, format!("[rules.{id}]: unknown rule (run `ssot rules` to list the rules)"))
                );
            }
            for (key, (value, at)) in &table.values {
                match key.as_str() {
                    "severity" => {
                        let Some(severity) = value.as_str().and_then(Severity::from_name) else {
                            let message = format!("[rules.{id}] severity must be \"error\", \"warning\" or \"info\"");
                            return Err(files.error(*at, message));
                        };
                        scope.severities.insert(id.clone(), severity);
                    }
                    "include" | "exclude" => {
                        let Some(patterns) = super::glob_list(value) else {
                            return Err(
                                files.error(*at, format!("[rules.{id}] `{key}` must be a list of globs (strings)"))
                            );
                        };
                        let globs = compile_globs(&dirs[at.file], &patterns, &|_, message| {
                            files.error(*at, format!("[rules.{id}] {key}: {message}"))
                        })?;
                        let map = if key == "include" { &mut scope.includes } else { &mut scope.excludes };
                        map.insert(id.clone(), globs);
                    }
                    // An option of a per-file rule written here (project-wide rules' were refused
                    // above); one of the project's files (extended) is the project's value.
                    _ if own[at.file] => {
                        let entry = scope
                            .options
                            .entry(id.clone())
                            .or_insert_with(|| super::RuleOptions { at: table.at, values: BTreeMap::new() });
                        entry.values.insert(key.clone(), (value.clone(), *at));
                    }
                    _ => {}
                }
            }
        }
        scope.configs = configs;
        scope.config_dirs = dirs;
        Ok(Some(scope))
    }

    /// Whether the project's rule `id` runs on files here.
    pub fn selects(&self, id: &str) -> bool {
        let selected = self.selection.select.as_ref().is_none_or(|list| list.iter().any(|(s, _)| s == id));
        selected && !self.selection.ignore.iter().any(|(s, _)| s == id)
    }
}

/// Rejects what a nested file writes that the project decides: `[scan]` budgets, roots and
/// languages, `rule-dirs`, `require-reason`, and the options of project-wide rules (a nested
/// file may extend the project's file to inherit them).
fn refuse_project_keys(file: &ConfigFile, options: &super::Options, project: &Project) -> Result<(), UserError> {
    let project_file = project
        .configs
        .last()
        .map_or_else(|| "the project's configuration".to_string(), |f| format!("{}", f.path.display()));
    let refuse = |offset: usize, key: &str| {
        file.error(
            Some(offset),
            format!(
                "`{key}` is decided once per project: set it in {project_file}, or inherit it with `extend` \
                 (a nested configuration sets categories, exclusions, which rules run, their severity, \
                 per-file-ignores, the options of per-file rules, and where a rule looks with \
                 `include`/`exclude`: `[rules.direct-env-access] exclude = [\"settings.py\"]` allows a file here)"
            ),
        )
    };
    // Keys without spans: found in the text.
    let offset_of = |key: &str| file.source.find(key).unwrap_or(0);
    if let Some(scan) = &options.scan {
        if scan.max_file_size.is_some() {
            return Err(refuse(offset_of("max-file-size"), "scan.max-file-size"));
        }
        if scan.parse_timeout_ms.is_some() {
            return Err(refuse(offset_of("parse-timeout-ms"), "scan.parse-timeout-ms"));
        }
        if let Some(first) = scan.roots.as_ref().and_then(|list| list.first()) {
            return Err(refuse(first.span().start, "scan.roots"));
        }
        if let Some(first) = scan.namespace_packages.as_ref().and_then(|list| list.first()) {
            return Err(refuse(first.span().start, "scan.namespace-packages"));
        }
        if let Some(first) = scan.languages.as_ref().and_then(|list| list.first()) {
            return Err(refuse(first.span().start, "scan.languages"));
        }
    }
    if let Some(rules) = &options.rules {
        if let Some(first) = rules.rule_dirs.as_ref().and_then(|list| list.first()) {
            return Err(refuse(first.span().start, "rules.rule-dirs"));
        }
        if rules.require_reason.is_some() {
            return Err(refuse(offset_of("require-reason"), "rules.require-reason"));
        }
        for (id, table) in &rules.per_rule {
            for (key, value) in table.get_ref() {
                // Even a value equal to the project's: the same globs mean other files here.
                if !SCOPED_RULE_KEYS.contains(&key.as_str()) && (project.project_wide)(id) {
                    let message = format!(
                        "[rules.{id}] {key}: `{id}` compares files across the whole project, so its options are \
                         decided once per project: set it in {project_file}, or inherit it with `extend` \
                         (a nested configuration may set the options of per-file rules, and where any rule \
                         looks with `include`/`exclude`)"
                    );
                    return Err(file.error(Some(value.span().start), message));
                }
            }
        }
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
