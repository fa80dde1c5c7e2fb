//! `ssot server`: a language server over stdio — the same engine as `ssot check` behind a
//! message loop. It owns the protocol side: the handshake and capabilities, the open buffers
//! (full text, incremental changes in the negotiated position encoding), publishing or serving
//! diagnostics, code actions, hovers and reloads. What a file's findings are is the scan's
//! business ([`crate::scan::live`]): every buffer stands in for its file, and after each change
//! the project pass runs again, so a duplicate typed in one buffer lights up in every open file
//! it pairs with.
//!
//! Messages are handled in order, on one thread. An edit only records the buffer; before
//! analysing, the loop takes every message already waiting, so a burst of edits is analysed
//! once, for the last text (the stale analyses are never started); the project pass (each rule's
//! pass not yet started) and publishing stop as soon as a newer message arrives (the rest would
//! be stale), and a request is answered only after the edits before it were analysed. A
//! panic while handling one message becomes an error response (or a logged message) and the
//! loop goes on; a panic while analysing one file makes that file skipped, with a diagnostic
//! saying why (as in a scan).

mod actions;
mod diagnostics;
mod document;
mod position;
mod transport;
mod uri;
mod workspace;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification, request, Uri};

use document::Document;
use position::{Encoding, Text};
use workspace::{is_config, Analysis, Workspace};

/// Runs the server on stdin/stdout until the client exits; whether it shut down first.
pub fn run_stdio() -> anyhow::Result<bool> {
    let (connection, threads) = transport::stdio();
    let result = serve(connection);
    threads.join();
    result
}

/// Serves one client on `connection`: the handshake, then messages until `exit` (or the
/// connection closes). Returns whether the client asked for `shutdown` before it left (the
/// protocol's exit code is 1 otherwise).
pub fn serve(connection: Connection) -> anyhow::Result<bool> {
    let (id, params) = connection.initialize_start()?;
    // The protocol names it `workspace.diagnostics`; lsp-types reads `workspace.diagnostic`.
    let workspace = &params["capabilities"]["workspace"];
    let refresh = [&workspace["diagnostics"], &workspace["diagnostic"]]
        .iter()
        .any(|capability| capability["refreshSupport"] == serde_json::Value::Bool(true));
    let (params, warning) = match serde_json::from_value::<lsp_types::InitializeParams>(params) {
        Ok(params) => (params, None),
        Err(err) => (
            lsp_types::InitializeParams::default(),
            Some(format!("ssot: the initialize parameters could not be read ({err}); using defaults")),
        ),
    };
    let mut server = Server::new(&params, connection.sender.clone());
    server.refresh = refresh;
    // A client that pulls but cannot be asked to pull again would never see the finding an edit
    // in another buffer causes (Neovim 0.10 and 0.11): diagnostics are pushed to it instead.
    server.pull &= refresh;
    server.workspace_pull = !refreshes_only_workspace(params.client_info.as_ref());
    let result = serde_json::json!({
        "capabilities": server.capabilities(),
        "serverInfo": {"name": "ssot", "version": env!("CARGO_PKG_VERSION")},
    });
    // The `initialized` notification is the loop's (it registers the file watchers); a client
    // that sends something else first is served all the same.
    connection.sender.send(Response::new_ok(id, result).into())?;
    if let Some(warning) = warning {
        server.show(lsp_types::MessageType::WARNING, warning);
    }
    server.load_folders(&folders(&params));
    server.run(&connection.receiver);
    Ok(server.shutdown)
}

/// Whether the client, when asked to pull diagnostics again, pulls only the workspace's when the
/// server answers `workspace/diagnostic`, leaving its open buffers stale: Neovim before 0.13
/// (neovim/neovim#40623). Such a client is not told that the server answers for the workspace, so
/// that it pulls each open buffer's diagnostics again instead (docs/decisions.md).
fn refreshes_only_workspace(client: Option<&lsp_types::ClientInfo>) -> bool {
    let Some(client) = client.filter(|client| client.name == "Neovim") else { return false };
    let mut parts = client.version.as_deref().unwrap_or("").split(['.', '-', '+']);
    let mut number = || parts.next().and_then(|part| part.trim_start_matches('v').parse::<u32>().ok());
    match (number(), number()) {
        (Some(major), Some(minor)) => (major, minor) < (0, 13),
        // A Neovim that does not say which: the workaround costs only workspace pulls.
        _ => true,
    }
}

/// The workspace folders a client names (or its root, from clients that predate folders).
#[allow(deprecated)]
fn folders(params: &lsp_types::InitializeParams) -> Vec<PathBuf> {
    let uris: Vec<&Uri> = match &params.workspace_folders {
        Some(folders) => folders.iter().map(|folder| &folder.uri).collect(),
        None => params.root_uri.iter().collect(),
    };
    let mut paths: Vec<PathBuf> = uris.into_iter().filter_map(uri::to_path).collect();
    if paths.is_empty() {
        paths.extend(params.root_path.as_ref().map(PathBuf::from));
    }
    paths.into_iter().filter_map(|path| path.canonicalize().ok()).collect()
}

/// How many publishings in a row a newer message may cancel (see [`Server::settle`]).
const MAX_CANCELS: u32 = 3;

struct Server {
    sender: Sender<Message>,
    encoding: Encoding,
    /// The client asks for diagnostics (`textDocument/diagnostic`) instead of being sent them.
    pull: bool,
    /// The client accepts `workspace/diagnostic/refresh` (pulling again after a change).
    refresh: bool,
    /// The server tells the client it answers `workspace/diagnostic` (see
    /// [`refreshes_only_workspace`]).
    workspace_pull: bool,
    /// The client registers file watchers the server asks for.
    watch: bool,
    /// The client takes edits of a document's version (`documentChanges`): the server's edits
    /// name the version they were made for.
    versioned_edits: bool,
    workspace: Workspace,
    documents: BTreeMap<Uri, Document>,
    /// What was last sent for each open buffer (push mode), for which version: sent again only
    /// when either changed (a client drops diagnostics of a version it has gone past, so the
    /// same diagnostics for the next version are news to it).
    published: HashMap<Uri, (Option<i32>, Vec<lsp_types::Diagnostic>)>,
    /// Something changed since the diagnostics were last sent.
    dirty: bool,
    /// Errors already shown (internal errors, configuration errors).
    shown: HashSet<String>,
    /// Files whose buffers changed since the last analysis.
    pending: std::collections::BTreeSet<PathBuf>,
    /// The messages waiting (publishing stops when one arrives: see [`Server::settle`]).
    incoming: Option<Receiver<Message>>,
    /// A request is being answered: its diagnostics are brought up to date whatever arrives.
    answering: bool,
    /// Diagnostics are being published (not for a request): a project pass stops when a message
    /// arrives, and `cancelled` says it did.
    cancellable: bool,
    cancelled: bool,
    /// Publishing was cancelled this many times in a row: after [`MAX_CANCELS`], the next runs
    /// to its end whatever arrives (so a stream of messages cannot hold diagnostics back).
    cancels: u32,
    /// The files the last workspace diagnostics named with diagnostics.
    reported: HashSet<Uri>,
    shutdown: bool,
    next_id: i32,
}

impl Server {
    fn new(params: &lsp_types::InitializeParams, sender: Sender<Message>) -> Self {
        let capabilities = &params.capabilities;
        let offered = capabilities.general.as_ref().and_then(|general| general.position_encodings.as_deref());
        let text = capabilities.text_document.as_ref();
        let workspace = capabilities.workspace.as_ref();
        Self {
            sender,
            encoding: Encoding::negotiate(offered),
            pull: text.is_some_and(|text| text.diagnostic.is_some()),
            refresh: false,
            workspace_pull: true,
            versioned_edits: workspace
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|edit| edit.document_changes)
                .unwrap_or(false),
            watch: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            workspace: Workspace::default(),
            documents: BTreeMap::new(),
            published: HashMap::new(),
            dirty: false,
            shown: HashSet::new(),
            pending: std::collections::BTreeSet::new(),
            incoming: None,
            answering: false,
            cancellable: false,
            cancelled: false,
            cancels: 0,
            reported: HashSet::new(),
            shutdown: false,
            next_id: 0,
        }
    }

    fn capabilities(&self) -> lsp_types::ServerCapabilities {
        use lsp_types::*;
        ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            })),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, actions::fix_all_kind()]),
                resolve_provider: Some(false),
                ..CodeActionOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            diagnostic_provider: self.pull.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("ssot".into()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: self.workspace_pull,
                    ..DiagnosticOptions::default()
                })
            }),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        }
    }

    fn load_folders(&mut self, folders: &[PathBuf]) {
        let errors = self.workspace.load(folders);
        self.report_errors(errors);
        self.dirty = true;
    }

    /// The loop: every message waiting is handled before the diagnostics are brought up to
    /// date (see the module's documentation).
    fn run(&mut self, receiver: &Receiver<Message>) {
        self.incoming = Some(receiver.clone());
        while let Ok(first) = receiver.recv() {
            // The messages waiting now (not those that come while they are taken: a client that
            // never pauses must not keep the loop from settling).
            let waiting: Vec<Message> =
                std::iter::once(first).chain(receiver.try_iter().take(receiver.len())).collect();
            for message in waiting {
                match message {
                    Message::Request(request) => self.request(request),
                    Message::Notification(n) if n.method == notification::Exit::METHOD => return,
                    // Input that was no message: answered in its turn (through the writer).
                    Message::Notification(n) if n.method == transport::INVALID => self.send(n),
                    Message::Notification(n) => self.guarded(&n.method.clone(), |server| server.notification(n)),
                    Message::Response(_) => {}
                }
            }
            self.guarded("publishing diagnostics", Self::settle);
        }
    }

    /// Runs `work`; a panic in it is logged (and shown once) instead of ending the server.
    fn guarded(&mut self, what: &str, work: impl FnOnce(&mut Self)) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self)));
        if let Err(panic) = outcome {
            let detail = crate::scan::panic_message(panic.as_ref());
            self.show(
                lsp_types::MessageType::ERROR,
                format!("ssot: internal error while handling `{what}` (please report it): {detail}"),
            );
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let _ = self.sender.send(message.into());
    }

    fn notify<N: lsp_types::notification::Notification>(&self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params));
    }

    fn show(&self, typ: lsp_types::MessageType, message: String) {
        self.notify::<notification::LogMessage>(lsp_types::LogMessageParams { typ, message: message.clone() });
        self.notify::<notification::ShowMessage>(lsp_types::ShowMessageParams { typ, message });
    }

    /// Shows each configuration error once (until a configuration file changes); it is logged
    /// every time.
    fn report_errors(&mut self, errors: Vec<String>) {
        for error in errors {
            let message = format!("ssot: {error}");
            if self.shown.insert(message.clone()) {
                self.show(lsp_types::MessageType::ERROR, message);
            } else {
                let params = lsp_types::LogMessageParams { typ: lsp_types::MessageType::ERROR, message };
                self.notify::<notification::LogMessage>(params);
            }
        }
    }

    fn request_client<R: lsp_types::request::Request>(&mut self, params: R::Params) {
        self.next_id += 1;
        let id = RequestId::from(format!("ssot-{}", self.next_id));
        self.send(Request::new(id, R::METHOD.to_string(), params));
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown {
            self.send(Response::new_err(id, ErrorCode::InvalidRequest as i32, "the server is shutting down".into()));
            return;
        }
        if request.method == request::Shutdown::METHOD {
            self.shutdown = true;
            self.send(Response::new_ok(id, ()));
            return;
        }
        // Answered for the text as every edit before it left it.
        self.answering = true;
        self.guarded("publishing diagnostics", Self::settle);
        self.answering = false;
        self.cancellable = false;
        let method = request.method.clone();
        let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.answer(request)));
        let response = match answered {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(panic) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!(
                    "ssot: internal error in `{method}` (please report it): {}",
                    crate::scan::panic_message(&*panic)
                ),
            ),
        };
        self.send(response);
    }

    fn answer(&mut self, request: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(request.params).map_err(|err| {
                (ErrorCode::InvalidParams, format!("invalid parameters for `{}`: {err}", request.method))
            })
        }
        let value = match request.method.as_str() {
            request::CodeActionRequest::METHOD => serde_json::to_value(self.code_actions(params(request)?)),
            request::HoverRequest::METHOD => serde_json::to_value(self.hover(params(request)?)),
            request::DocumentDiagnosticRequest::METHOD => {
                serde_json::to_value(self.document_diagnostics(params(request)?))
            }
            request::WorkspaceDiagnosticRequest::METHOD => {
                serde_json::to_value(self.workspace_diagnostics(params(request)?))
            }
            method => return Err((ErrorCode::MethodNotFound, format!("ssot does not serve `{method}`"))),
        };
        value.map_err(|err| (ErrorCode::InternalError, err.to_string()))
    }

    fn notification(&mut self, n: Notification) {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        match n.method.as_str() {
            notification::Initialized::METHOD => self.register_watchers(),
            notification::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(n) {
                    let document = p.text_document;
                    let path = uri::to_path(&document.uri).map(|path| canonical(&path));
                    let opened = Document::new(path, document.text, document.version);
                    self.documents.insert(document.uri.clone(), opened);
                    self.buffer_changed(&document.uri);
                }
            }
            notification::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(n) {
                    let Some(document) = self.documents.get_mut(&p.text_document.uri) else { return };
                    let version = p.text_document.version;
                    if !document.change(version, p.content_changes, self.encoding) {
                        let message = format!(
                            "ssot: a change to {} (version {version}) came after too many newer ones to be placed; \
                             its diagnostics may be off until the buffer is reopened",
                            p.text_document.uri.as_str()
                        );
                        self.notify::<notification::LogMessage>(lsp_types::LogMessageParams {
                            typ: lsp_types::MessageType::WARNING,
                            message,
                        });
                    }
                    self.buffer_changed(&p.text_document.uri);
                }
            }
            notification::DidSaveTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidSaveTextDocumentParams>(n) {
                    // A client without file watchers still tells of saved files: a configuration,
                    // or a new module now on disk.
                    if let Some(path) = self.documents.get(&p.text_document.uri).and_then(|d| d.path.clone()) {
                        self.files_changed(&[path]);
                    }
                }
            }
            notification::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(n) {
                    let uri = p.text_document.uri;
                    if let Some(Document { path: Some(path), .. }) = self.documents.remove(&uri) {
                        // The same file may be open under another URI (a link): its buffer stays.
                        self.pending.remove(&path);
                        let other = self.documents.values().find(|d| d.path.as_ref() == Some(&path));
                        let bytes = other.map(|d| d.text.as_str().as_bytes().to_vec());
                        let errors = self.workspace.set_buffer(&path, bytes).err();
                        self.report_errors(errors.into_iter().collect());
                    }
                    if !self.pull {
                        self.published.remove(&uri);
                        self.notify::<notification::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                            uri,
                            diagnostics: Vec::new(),
                            version: None,
                        });
                    }
                    self.dirty = true;
                }
            }
            notification::DidChangeWatchedFiles::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeWatchedFilesParams>(n) {
                    let paths: Vec<PathBuf> = p
                        .changes
                        .iter()
                        .filter_map(|change| uri::to_path(&change.uri))
                        .map(|p| canonical(&p))
                        .collect();
                    self.files_changed(&paths);
                }
            }
            notification::DidChangeWorkspaceFolders::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeWorkspaceFoldersParams>(n) {
                    let folder = |f: &lsp_types::WorkspaceFolder| {
                        uri::to_path(&f.uri).map(|path| path.canonicalize().unwrap_or_else(|_| canonical(&path)))
                    };
                    let removed: Vec<PathBuf> = p.event.removed.iter().filter_map(folder).collect();
                    self.workspace.remove_folders(&removed);
                    let added: Vec<PathBuf> = p.event.added.iter().filter_map(folder).collect();
                    self.load_folders(&added);
                }
            }
            _ => {}
        }
    }

    /// Asks the client to watch the files that change what ssot reports.
    fn register_watchers(&mut self) {
        if !self.watch {
            return;
        }
        use lsp_types::{DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration};
        let patterns = [
            "**/*.py",
            "**/*.pyi",
            "**/*.rs",
            "**/*.so",
            "**/*.pyd",
            "**/ssot.toml",
            "**/pyproject.toml",
            "**/.gitignore",
        ];
        let watchers = patterns
            .iter()
            .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob.to_string()), kind: None })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "ssot-watched-files".into(),
            method: notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        };
        self.request_client::<request::RegisterCapability>(lsp_types::RegistrationParams {
            registrations: vec![registration],
        });
    }

    /// The buffer `uri` changed: its file is analysed when the waiting messages are handled
    /// (a burst of edits, once).
    fn buffer_changed(&mut self, uri: &Uri) {
        let Some(path) = self.documents.get(uri).and_then(|document| document.path.clone()) else { return };
        self.pending.insert(path);
        self.dirty = true;
    }

    /// Hands the buffers changed since the last analysis to their projects.
    fn flush(&mut self) {
        for path in std::mem::take(&mut self.pending) {
            let Some(document) = self.documents.values().find(|d| d.path.as_ref() == Some(&path)) else { continue };
            let bytes = document.text.as_str().as_bytes().to_vec();
            let errors = self.workspace.set_buffer(&path, Some(bytes)).err();
            self.report_errors(errors.into_iter().collect());
        }
    }

    fn files_changed(&mut self, paths: &[PathBuf]) {
        self.flush();
        for path in paths {
            // A configuration may have been fixed: its errors are shown again if they remain.
            if is_config(path) {
                self.shown.clear();
            }
            let errors = self.workspace.file_changed(path);
            self.report_errors(errors);
        }
        self.dirty = true;
    }

    /// Brings the client's diagnostics up to date after changes: sends each open buffer's that
    /// changed, or (when the client pulls) asks it to pull again.
    fn settle(&mut self) {
        self.cancellable = !self.answering && self.cancels < MAX_CANCELS;
        self.cancelled = false;
        self.publish();
        self.cancels = if self.cancelled { self.cancels + 1 } else { 0 };
        self.cancellable = false;
    }

    /// [`Server::settle`]'s work.
    fn publish(&mut self) {
        self.flush();
        if !self.dirty {
            return;
        }
        if self.pull {
            self.dirty = false;
            if self.refresh {
                self.request_client::<request::WorkspaceDiagnosticRefresh>(());
            }
            return;
        }
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            // A message came in meanwhile (a newer edit): what is left would be stale; the loop
            // takes the message, and settles after it. A request settles first (`answered`),
            // and so does the publishing after three cut short in a row (`cancellable`).
            if self.cancellable && self.incoming.as_ref().is_some_and(|incoming| !incoming.is_empty()) {
                self.cancelled = true;
                return;
            }
            let diagnostics = self.diagnostics_of(&uri).into_iter().map(|(_, sent)| sent).collect::<Vec<_>>();
            if self.cancelled {
                return;
            }
            let version = self.documents.get(&uri).map(|document| document.version);
            if self.published.get(&uri).is_some_and(|(sent, same)| *sent == version && *same == diagnostics) {
                continue;
            }
            self.published.insert(uri.clone(), (version, diagnostics.clone()));
            self.notify::<notification::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            });
        }
        self.dirty = false;
    }

    /// The analysis of the project that owns the open buffer `uri`, with the buffer.
    fn analysis_of(&mut self, uri: &Uri) -> Option<(usize, std::sync::Arc<Analysis>, PathBuf)> {
        let path = self.documents.get(uri)?.path.clone()?;
        let index = self.workspace.owner(&path)?;
        let open: std::collections::BTreeSet<PathBuf> =
            self.documents.values().filter_map(|d| d.path.clone()).collect();
        // While publishing, a message that arrives stops the project pass (its outcome would be
        // stale): the loop takes the message and publishes after it.
        let newer = self.incoming.clone().filter(|_| self.cancellable);
        let cancelled = move || newer.as_ref().is_some_and(|incoming| !incoming.is_empty());
        let Some(analysis) = self.workspace.projects[index].analysis_unless(Some(&open), &cancelled) else {
            self.cancelled = true;
            return None;
        };
        for error in &analysis.outcome.internal_errors {
            if self.shown.insert(error.clone()) {
                self.show(lsp_types::MessageType::ERROR, format!("ssot: {error}"));
            }
        }
        Some((index, analysis, path))
    }

    /// The open buffer `uri`'s diagnostics: ssot's, each with the protocol's form.
    fn diagnostics_of(&mut self, uri: &Uri) -> Vec<(crate::diagnostic::Diagnostic, lsp_types::Diagnostic)> {
        let Some((index, analysis, path)) = self.analysis_of(uri) else { return Vec::new() };
        let Some(document) = self.documents.get(uri) else { return Vec::new() };
        self.file_diagnostics(index, &analysis, &path, &document.text)
    }

    /// The diagnostics of the file at `path` (whose text is `text`) in project `index`'s
    /// `analysis`.
    fn file_diagnostics(
        &self,
        index: usize,
        analysis: &Analysis,
        path: &Path,
        text: &Text,
    ) -> Vec<(crate::diagnostic::Diagnostic, lsp_types::Diagnostic)> {
        if let Some(reason) = analysis.skipped(path) {
            return vec![(diagnostics::skipped_finding(reason), diagnostics::skipped(reason))];
        }
        let open: HashMap<&Path, &Text> =
            self.documents.values().filter_map(|d| Some((d.path.as_deref()?, &d.text))).collect();
        let project = &self.workspace.projects[index];
        let mut texts = diagnostics::Texts::new(open, &project.live);
        analysis
            .diagnostics(path)
            .iter()
            .map(|d| (d.clone(), diagnostics::convert(d, text, analysis, self.encoding, &mut texts, &project.docs)))
            .collect()
    }

    /// What an action of the buffer `document` (at `uri`) edits: versioned when the client
    /// takes versioned edits.
    fn edited<'a>(&self, uri: &'a Uri, document: &Document) -> actions::Edited<'a> {
        actions::Edited { uri, version: self.versioned_edits.then_some(document.version) }
    }

    fn code_actions(&mut self, params: lsp_types::CodeActionParams) -> Vec<lsp_types::CodeActionOrCommand> {
        let uri = params.text_document.uri;
        let found = self.diagnostics_of(&uri);
        let Some(document) = self.documents.get(&uri) else { return Vec::new() };
        let Some(path) = &document.path else { return Vec::new() };
        let language = crate::language::Language::of_scanned(path);
        let only = params.context.only.as_deref();
        let mut result = Vec::new();
        if actions::wanted(only, &lsp_types::CodeActionKind::QUICKFIX) {
            let pairs: Vec<(&crate::diagnostic::Diagnostic, lsp_types::Diagnostic)> =
                found.iter().map(|(d, sent)| (d, sent.clone())).collect();
            let buffer = self.edited(&uri, document);
            result = actions::quick_fixes(&buffer, &document.text, language, &pairs, &params.range, self.encoding);
        }
        if actions::wanted(only, &actions::fix_all_kind()) {
            if let Some(action) = self.fix_all(&uri) {
                result.push(lsp_types::CodeActionOrCommand::CodeAction(action));
            }
        }
        result
    }

    /// "Fix all": the buffer's safe fixes applied in passes (a pass takes the fixes that overlap
    /// none taken before it; the next runs on the text it left, analysed again), as one edit of
    /// the whole buffer. `None` when there is nothing to fix, or the fixed text would no longer
    /// read as the language (then nothing is offered).
    fn fix_all(&mut self, uri: &Uri) -> Option<lsp_types::CodeAction> {
        let document = self.documents.get(uri)?;
        let path = document.path.clone()?;
        let original = document.text.as_str().to_string();
        // The passes after the first analyse the text the one before left as the buffer: the
        // buffer is put back however they end.
        let mut changed_buffer = false;
        let passes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.fix_all_passes(uri, &path, &original, &mut changed_buffer)
        }));
        if changed_buffer {
            let _ = self.workspace.set_buffer(&path, Some(original.clone().into_bytes()));
        }
        let fixed = match passes {
            Ok(fixed) => fixed?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if fixed == original {
            return None;
        }
        let document = self.documents.get(uri)?;
        let whole = document.text.range(&(0..original.len()), self.encoding);
        let edit = lsp_types::TextEdit { range: whole, new_text: fixed };
        Some(lsp_types::CodeAction {
            title: "Fix all safe ssot findings".into(),
            kind: Some(actions::fix_all_kind()),
            edit: Some(self.edited(uri, document).edit(vec![edit])),
            ..lsp_types::CodeAction::default()
        })
    }

    /// The text of the buffer `uri` (its file `path`, its text `original`) after its safe fixes,
    /// pass after pass; `changed_buffer` says whether the project was given a fixed text.
    fn fix_all_passes(&mut self, uri: &Uri, path: &Path, original: &str, changed_buffer: &mut bool) -> Option<String> {
        let language = crate::language::Language::of_scanned(path);
        let mut text = original.to_string();
        let bom = if text.starts_with('\u{feff}') { "\u{feff}" } else { "" };
        let mut passes = 0;
        loop {
            let found = self.diagnostics_of(uri);
            let fixes: Vec<&crate::fix::Fix> = found
                .iter()
                .filter_map(|(d, _)| d.fix.as_ref())
                .filter(|fix| fix.applicability == crate::fix::Applicability::Safe)
                .collect();
            if fixes.is_empty() || passes == crate::fixer::MAX_PASSES {
                return Some(text);
            }
            let body = &text[bom.len()..];
            let Some((after, _, deferred)) = crate::fix::apply(body, &fixes) else { return Some(text) };
            if crate::fixer::check_text(language, body, &after).is_err() {
                return Some(text);
            }
            passes += 1;
            let after = format!("{bom}{after}");
            if deferred == 0 || passes == crate::fixer::MAX_PASSES {
                return Some(after);
            }
            // Analyse the text this pass left, for the next.
            *changed_buffer = true;
            self.workspace.set_buffer(path, Some(after.clone().into_bytes())).ok()?;
            text = after;
        }
    }

    fn hover(&mut self, params: lsp_types::HoverParams) -> Option<lsp_types::Hover> {
        let uri = params.text_document_position_params.text_document.uri;
        let found = self.diagnostics_of(&uri);
        let path = self.documents.get(&uri)?.path.clone()?;
        let project = &self.workspace.projects[self.workspace.owner(&path)?];
        let docs = |id: &str| project.catalog.get(id).map(|(spec, origin)| crate::docs::rule_markdown(spec, origin));
        let pairs: Vec<(&crate::diagnostic::Diagnostic, lsp_types::Diagnostic)> =
            found.iter().map(|(d, sent)| (d, sent.clone())).collect();
        actions::hover(&pairs, params.text_document_position_params.position, &docs)
    }

    fn document_diagnostics(
        &mut self,
        params: lsp_types::DocumentDiagnosticParams,
    ) -> lsp_types::DocumentDiagnosticReportResult {
        use lsp_types::*;
        let items = self.diagnostics_of(&params.text_document.uri).into_iter().map(|(_, sent)| sent).collect();
        DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
        }))
    }

    /// The diagnostics of every file of every project with any, and of every open buffer; a
    /// file reported by the previous answer that has none now is reported empty (the client
    /// keeps what it was last told of a file).
    fn workspace_diagnostics(
        &mut self,
        _: lsp_types::WorkspaceDiagnosticParams,
    ) -> lsp_types::WorkspaceDiagnosticReportResult {
        use lsp_types::*;
        // (A `Uri` is compared and hashed by its text, which never changes.)
        #[allow(clippy::mutable_key_type)]
        let mut reports: BTreeMap<Uri, (Option<i64>, Vec<lsp_types::Diagnostic>)> = BTreeMap::new();
        for index in 0..self.workspace.projects.len() {
            let analysis = self.workspace.projects[index].analysis(None);
            let mut paths: Vec<PathBuf> = analysis.files_with_diagnostics().map(|file| analysis.path(file)).collect();
            paths.extend(
                self.documents
                    .values()
                    .filter_map(|d| d.path.clone())
                    .filter(|path| self.workspace.owner(path) == Some(index)),
            );
            for path in paths {
                let uri = uri::from_path(&path);
                let open = self.documents.iter().find(|(_, d)| d.path.as_deref() == Some(path.as_path()));
                let (version, read);
                let text = match open {
                    Some((_, document)) => {
                        version = Some(i64::from(document.version));
                        &document.text
                    }
                    None => {
                        version = None;
                        let Some(text) = self.workspace.projects[index].live.text(&path) else { continue };
                        read = Text::new(text);
                        &read
                    }
                };
                let items = self.file_diagnostics(index, &analysis, &path, text).into_iter().map(|(_, sent)| sent);
                let key = open.map_or(uri, |(uri, _)| uri.clone());
                reports.insert(key, (version, items.collect()));
            }
        }
        for uri in std::mem::take(&mut self.reported) {
            reports.entry(uri).or_insert((None, Vec::new()));
        }
        self.reported =
            reports.iter().filter(|(_, (_, items))| !items.is_empty()).map(|(uri, _)| uri.clone()).collect();
        let items = reports
            .into_iter()
            .map(|(uri, (version, items))| {
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: None, items },
                })
            })
            .collect();
        WorkspaceDiagnosticReportResult::Report(WorkspaceDiagnosticReport { items })
    }
}

/// `path` with its directory made canonical (the project's paths are), the file itself kept
/// (it may not exist yet, or be a link the project reaches by its own name).
fn canonical(path: &Path) -> PathBuf {
    match (path.parent().and_then(|parent| parent.canonicalize().ok()), path.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::refreshes_only_workspace;

    #[test]
    fn neovim_before_0_13_is_not_offered_workspace_pulls() {
        let client = |name: &str, version: Option<&str>| lsp_types::ClientInfo {
            name: name.to_string(),
            version: version.map(str::to_string),
        };
        for (version, affected) in [
            (Some("0.12.4"), true),
            (Some("0.10.4"), true),
            (Some("v0.12.0-dev-1234+gabc"), true),
            (Some("0.13.0"), false),
            (Some("0.13.0-dev-25+g1234"), false),
            (Some("1.0.0"), false),
            (None, true),
            (Some("nightly"), true),
        ] {
            assert_eq!(refreshes_only_workspace(Some(&client("Neovim", version))), affected, "{version:?}");
        }
        assert!(!refreshes_only_workspace(Some(&client("Visual Studio Code", Some("1.95.0")))));
        assert!(!refreshes_only_workspace(None));
    }
}
