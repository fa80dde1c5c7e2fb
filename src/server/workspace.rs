//! The server's projects: one [`LiveProject`] per project the workspace folders (and the files
//! opened outside them) belong to, found as the command line finds them (docs/projects.md), and
//! each one's latest [`Analysis`]. Buffers and file changes go to the project that owns the
//! file; an analysis is made again, lazily, after its project changed. A configuration file that
//! changes reloads the projects it governs.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Overrides, Settings};
use crate::diagnostic::{Diagnostic, FileId, Outcome};
use crate::rule::Catalog;
use crate::rules::RuleSet;
use crate::scan::live::{Files, LiveProject};

/// The configuration files whose change reloads a project.
const CONFIG_FILES: [&str; 2] = ["ssot.toml", "pyproject.toml"];

/// Whether the file at `path` is a configuration file (its change reloads the settings).
pub(crate) fn is_config(path: &Path) -> bool {
    path.file_name().and_then(|name| name.to_str()).is_some_and(|name| CONFIG_FILES.contains(&name))
}

/// A project's outcome, indexed for the server's questions.
pub(crate) struct Analysis {
    pub outcome: Outcome,
    files: Files,
    /// Each file's diagnostics (by [`FileId`]): a range of `outcome.diagnostics` (sorted by file).
    by_file: Vec<std::ops::Range<usize>>,
}

impl Analysis {
    fn new((outcome, files): (Outcome, Files)) -> Self {
        let mut by_file = vec![0..0; outcome.files.len()];
        for (index, d) in outcome.diagnostics.iter().enumerate() {
            let range = &mut by_file[d.file.0];
            if range.start == range.end {
                *range = index..index;
            }
            range.end = index + 1;
        }
        Self { outcome, files, by_file }
    }

    pub(crate) fn file(&self, path: &Path) -> Option<FileId> {
        self.files.get(path)?.ok()
    }

    pub(crate) fn path(&self, file: FileId) -> PathBuf {
        self.outcome.real_path(file)
    }

    /// The diagnostics of the file at `path`.
    pub(crate) fn diagnostics(&self, path: &Path) -> &[Diagnostic] {
        match self.file(path) {
            Some(file) => &self.outcome.diagnostics[self.by_file[file.0].clone()],
            None => &[],
        }
    }

    /// Every file with diagnostics.
    pub(crate) fn files_with_diagnostics(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.by_file.len()).filter(|&file| self.by_file[file].start != self.by_file[file].end).map(FileId)
    }

    /// Why the file at `path` was not analysed, when it was not.
    pub(crate) fn skipped(&self, path: &Path) -> Option<&str> {
        self.files.get(path)?.err()
    }
}

/// One project and its latest analysis.
pub(crate) struct Project {
    pub live: LiveProject,
    /// Every rule's documentation (hovers).
    pub catalog: Catalog,
    /// Where each rule's documentation page is, by rule id (diagnostics link to it).
    pub docs: HashMap<String, lsp_types::Uri>,
    /// The latest analysis, and the files whose diagnostics it holds (`None`: every file).
    analysis: Option<(Arc<Analysis>, Option<BTreeSet<PathBuf>>)>,
    /// Where discovery started (a workspace folder, or the directory of a file opened outside
    /// them): where a reload starts again.
    start: (PathBuf, Vec<PathBuf>),
}

impl Project {
    /// The project's analysis with the diagnostics of the files `wanted` (`None`: every file),
    /// made again when the project changed since the last one or that one lacks some file.
    pub(crate) fn analysis(&mut self, wanted: Option<&BTreeSet<PathBuf>>) -> Arc<Analysis> {
        self.analysis_unless(wanted, &|| false).unwrap_or_else(|| unreachable!("never cancelled"))
    }

    /// [`Project::analysis`], unless `cancelled` says, while the project pass runs, that it is
    /// no longer wanted (a newer edit came in): then `None` (see
    /// [`crate::scan::live::LiveProject::outcome_unless`]).
    pub(crate) fn analysis_unless(
        &mut self,
        wanted: Option<&BTreeSet<PathBuf>>,
        cancelled: crate::scan::Cancel,
    ) -> Option<Arc<Analysis>> {
        if let Some((analysis, held)) = &self.analysis {
            let holds = match (held, wanted) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(held), Some(wanted)) => wanted.is_subset(held),
            };
            if holds {
                return Some(analysis.clone());
            }
        }
        let outcome = self.live.outcome_unless(wanted, cancelled)?;
        let analysis = Arc::new(Analysis::new(outcome));
        if let Some((old, _)) = self.analysis.replace((analysis.clone(), wanted.cloned())) {
            crate::scan::drop_in_background(old);
        }
        Some(analysis)
    }

    fn changed(&mut self) {
        // Freeing tens of thousands of diagnostics takes a while: not on the way to the next
        // answer.
        if let Some((old, _)) = self.analysis.take() {
            crate::scan::drop_in_background(old);
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.live.settings().root
    }
}

/// The projects of the workspace.
#[derive(Default)]
pub(crate) struct Workspace {
    pub projects: Vec<Project>,
    /// Editors' buffers by path: kept here too, so a project loaded or reloaded later gets them.
    buffers: HashMap<PathBuf, Vec<u8>>,
    /// Where discovery started for projects whose configuration could not be used: tried again
    /// when a configuration file near them changes.
    broken: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Files no project took when asked (until a configuration changes).
    unowned: std::collections::HashSet<PathBuf>,
}

/// Settings and rules for a scan started at `start` (with `paths` named), as the command line
/// resolves them.
fn resolve(start: &Path, paths: &[PathBuf]) -> Result<(Settings, RuleSet, Catalog), crate::UserError> {
    let overrides = Overrides { no_progress: true, ..Overrides::default() };
    let settings = Settings::resolve(start, paths, &overrides)?;
    let catalog = crate::rules::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    Ok((settings, rules, catalog))
}

/// A configuration error as one line for the client.
pub(crate) fn describe(error: &crate::UserError) -> String {
    error.to_string().replace('\n', " ")
}

impl Workspace {
    /// Loads the project of each folder; the errors (a broken configuration) come back, one line
    /// each, and that folder has no project until its configuration is fixed.
    pub(crate) fn load(&mut self, folders: &[PathBuf]) -> Vec<String> {
        let mut errors = Vec::new();
        for folder in folders {
            if let Err(error) = self.add((folder.clone(), Vec::new()), false) {
                errors.push(error);
            }
        }
        errors
    }

    /// Loads the project discovery finds from `start`, unless one with its root is loaded (or,
    /// with `whole_only`, unless it is a fallback root, which is only the paths named). A start
    /// whose configuration cannot be used is remembered, to try again when it changes.
    fn add(&mut self, start: (PathBuf, Vec<PathBuf>), whole_only: bool) -> Result<Option<usize>, String> {
        // Its error was shown; it is tried again when a configuration file near it changes.
        if self.broken.contains(&start) {
            return Ok(None);
        }
        let loaded = resolve(&start.0, &start.1).and_then(|(settings, rules, catalog)| {
            if whole_only && !settings.whole_project {
                return Ok(None);
            }
            if let Some(index) = self.projects.iter().position(|p| p.root() == settings.root) {
                return Ok(Some(Err(index)));
            }
            LiveProject::load(settings, rules).map(|live| Some(Ok((live, catalog))))
        });
        let (mut live, catalog) = match loaded {
            Ok(None) => return Ok(None),
            Ok(Some(Err(index))) => {
                // A fallback root (no configuration, no git) holds only the files named: another
                // file opened there joins it.
                let project = &mut self.projects[index];
                for path in &start.1 {
                    if project.live.adopt(path) {
                        project.changed();
                    }
                }
                return Ok(Some(index));
            }
            Ok(Some(Ok(live))) => live,
            Err(error) => {
                if !self.broken.contains(&start) {
                    self.broken.push(start);
                }
                return Err(describe(&error));
            }
        };
        for (path, bytes) in &self.buffers {
            if live.owns(path) {
                live.set_buffer(path, Some(bytes.clone()));
            }
        }
        let docs = live.cache_dir().map(|dir| write_docs(dir, &catalog)).unwrap_or_default();
        self.projects.push(Project { live, catalog, docs, analysis: None, start });
        Ok(Some(self.projects.len() - 1))
    }

    /// The project the file at `path` belongs to: a loaded one that owns it, else the one
    /// discovery finds from the file (loaded now; the error when its configuration is broken).
    pub(crate) fn project_of(&mut self, path: &Path) -> Result<Option<usize>, String> {
        if let Some(index) = self.owner(path) {
            return Ok(Some(index));
        }
        // Only a source file can belong to a project: a stray text file loads nothing; nor does
        // a file asked about before, while nothing changed.
        if crate::language::Language::of(path).is_none() || self.unowned.contains(path) {
            return Ok(None);
        }
        let Some(parent) = path.parent().filter(|parent| parent.is_dir()) else { return Ok(None) };
        // A file not on disk yet cannot be named: it belongs to a project only where the whole
        // tree is one (a fallback root is only what is named).
        let exists = path.exists();
        let named = if exists { vec![path.to_path_buf()] } else { Vec::new() };
        let added = self.add((parent.to_path_buf(), named), !exists);
        match added? {
            Some(index) if self.projects[index].live.owns(path) => Ok(Some(index)),
            _ => {
                self.unowned.insert(path.to_path_buf());
                Ok(None)
            }
        }
    }

    /// The loaded project that owns `path` (the innermost, when projects nest).
    pub(crate) fn owner(&self, path: &Path) -> Option<usize> {
        (0..self.projects.len())
            .filter(|&index| self.projects[index].live.owns(path))
            .max_by_key(|&index| self.projects[index].root().components().count())
    }

    /// An editor's buffer for `path` (`None`: closed). Returns the project that owns the file.
    pub(crate) fn set_buffer(&mut self, path: &Path, bytes: Option<Vec<u8>>) -> Result<Option<usize>, String> {
        match &bytes {
            Some(bytes) => self.buffers.insert(path.to_path_buf(), bytes.clone()),
            None => self.buffers.remove(path),
        };
        let owner = self.project_of(path)?;
        if let Some(index) = owner {
            let project = &mut self.projects[index];
            project.live.set_buffer(path, bytes);
            project.changed();
        }
        Ok(owner)
    }

    /// Drops the projects loaded for workspace folders that were removed, and those of files
    /// opened inside them.
    pub(crate) fn remove_folders(&mut self, folders: &[PathBuf]) {
        let inside = |path: &Path| folders.iter().any(|folder| path.starts_with(folder));
        self.projects.retain(|project| !inside(&project.start.0) && !inside(project.root()));
        self.broken.retain(|start| !inside(&start.0));
    }

    /// The file at `path` changed on disk (created, changed or deleted). A configuration file
    /// reloads every project whose tree holds it; the errors come back.
    pub(crate) fn file_changed(&mut self, path: &Path) -> Vec<String> {
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
        if is_config(path) || name == ".gitignore" || name == ".ignore" {
            return self.reload(path.parent().unwrap_or(path));
        }
        if crate::language::Language::of(path).is_none() {
            // A directory: created (moved here), its projects walked again; deleted, the files
            // under it dropped (a watcher reports a folder, not each file in it). Another file:
            // the import rules' view of the disk.
            if path.is_dir() {
                let holders: Vec<PathBuf> = self
                    .projects
                    .iter()
                    .filter(|p| path.starts_with(p.root()))
                    .map(|p| p.root().to_path_buf())
                    .collect();
                return holders.iter().flat_map(|root| self.reload(root)).collect();
            }
            for project in &mut self.projects {
                if project.live.refresh_under(path) {
                    project.changed();
                } else if path.starts_with(project.root()) {
                    // An extension module, a compiled file: an import may resolve to it now.
                    project.live.disk_changed();
                    project.changed();
                }
            }
            return Vec::new();
        }
        for project in &mut self.projects {
            if project.live.owns(path) {
                project.live.refresh(path);
                project.changed();
            } else if path.starts_with(project.root()) {
                // Not one of its files, but on its disk: an import may resolve to it now.
                project.live.disk_changed();
                project.changed();
            }
        }
        Vec::new()
    }

    /// Loads again every project whose tree holds `dir` (its configuration or ignore files
    /// changed), and the project a configuration created there starts; errors come back.
    pub(crate) fn reload(&mut self, dir: &Path) -> Vec<String> {
        let mut errors = Vec::new();
        self.unowned.clear();
        let affected: Vec<Project> = {
            let (affected, kept) = std::mem::take(&mut self.projects)
                .into_iter()
                .partition(|project| dir.starts_with(project.root()) || project.root().starts_with(dir));
            self.projects = kept;
            affected
        };
        let near = |start: &(PathBuf, Vec<PathBuf>)| start.0.starts_with(dir) || dir.starts_with(&start.0);
        let (retried, broken) = std::mem::take(&mut self.broken).into_iter().partition(near);
        self.broken = broken;
        let starts = affected.into_iter().map(|project| project.start).chain::<Vec<_>>(retried);
        for start in starts {
            if let Err(error) = self.add(start, false) {
                errors.push(error);
            }
        }
        errors
    }
}

/// Each rule's documentation page (`ssot explain`), written under `docs/` in the project's cache
/// directory (only when its text changed), by rule id: a diagnostic's `codeDescription` links
/// there, and an editor opens the page. Nothing when `docs/` is not a real directory (a link is
/// not written through) or cannot be made.
fn write_docs(cache: &Path, catalog: &Catalog) -> HashMap<String, lsp_types::Uri> {
    let dir = cache.join("docs");
    if !crate::fs::is_real_dir(&dir) && (std::fs::create_dir(&dir).is_err() || !crate::fs::is_real_dir(&dir)) {
        return HashMap::new();
    }
    let mut pages = HashMap::new();
    for (spec, origin) in &catalog.entries {
        let id = spec.id.as_ref();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            continue;
        }
        let page = dir.join(format!("{id}.md"));
        let text = crate::docs::rule_markdown(spec, origin);
        let known = crate::fs::read(&page, text.len() as u64, crate::fs::Links::Refuse).ok();
        if known.as_deref() == Some(text.as_bytes()) || crate::fs::write_atomically(&page, text.as_bytes()) {
            pages.insert(id.to_string(), super::uri::from_path(&page));
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule's page is written once (what `ssot explain` prints), and never through a link.
    #[test]
    fn rule_pages_are_written_in_the_cache_and_not_through_links() {
        let catalog = crate::rules::bundled_catalog().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let pages = write_docs(cache.path(), &catalog);
        assert_eq!(pages.len(), catalog.entries.len());
        for (spec, origin) in &catalog.entries {
            let page = cache.path().join(format!("docs/{}.md", spec.id.as_ref()));
            assert_eq!(std::fs::read_to_string(&page).unwrap(), crate::docs::rule_markdown(spec, origin));
            assert_eq!(pages[spec.id.as_ref()], super::super::uri::from_path(&page));
        }
        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().unwrap();
            let linked = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), linked.path().join("docs")).unwrap();
            assert!(write_docs(linked.path(), &catalog).is_empty());
            assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0, "nothing written through the link");
        }
    }
}
