//! `ssot server` end to end: the real server ([`ssot::server::serve`]) on one end of an
//! in-memory connection, a scripted client on the other. Each test opens buffers, edits them
//! unsaved, and reads what the server publishes, answers and offers, as an editor would.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

/// A client talking to a server thread.
struct Client {
    connection: Connection,
    server: Option<std::thread::JoinHandle<bool>>,
    next: i32,
    /// Every notification and server request received, in order.
    received: Vec<Message>,
}

impl Client {
    /// Starts a server for the workspace folder `root` with the client `capabilities`, and
    /// completes the handshake; returns the client and the server's `initialize` result.
    fn start(root: &Path, capabilities: Value) -> (Self, Value) {
        let (server_end, client_end) = Connection::memory();
        let server = std::thread::spawn(move || ssot::server::serve(server_end).expect("the server runs"));
        let mut client = Client { connection: client_end, server: Some(server), next: 0, received: Vec::new() };
        let uri = uri(root);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "capabilities": capabilities,
                "workspaceFolders": [{"uri": uri, "name": "project"}],
            }),
        );
        client.notify("initialized", json!({}));
        (client, result.expect("initialize succeeds"))
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection.sender.send(Notification::new(method.to_string(), params).into()).unwrap();
    }

    /// Sends a request and waits for its response (collecting what arrives meanwhile).
    fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.connection.sender.send(Request::new(id.clone(), method.to_string(), params).into()).unwrap();
        loop {
            let message = self.connection.receiver.recv_timeout(Duration::from_secs(60)).expect("the server answers");
            match message {
                Message::Response(Response { id: got, result, error }) if got == id => {
                    return match error {
                        Some(error) => Err(serde_json::to_value(error).unwrap()),
                        None => Ok(result.unwrap_or(Value::Null)),
                    };
                }
                other => self.received.push(other),
            }
        }
    }

    /// Waits until the server handled everything sent before (it answers a request only after
    /// the edits before it were analysed and their diagnostics sent).
    fn sync(&mut self) {
        let answer = self.request("ssot/sync", json!(null));
        assert!(answer.is_err(), "an unknown method is an error: {answer:?}");
    }

    /// The diagnostics last published for `uri`.
    fn published(&self, uri: &str) -> Option<Vec<Value>> {
        self.received.iter().rev().find_map(|message| match message {
            Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == json!(uri) =>
            {
                Some(n.params["diagnostics"].as_array().unwrap().clone())
            }
            _ => None,
        })
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        );
    }

    /// Replaces the whole buffer (unsaved).
    fn replace(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn shutdown(mut self) {
        assert_eq!(self.request("shutdown", json!(null)), Ok(Value::Null));
        self.notify("exit", json!(null));
        let shut_down = self.server.take().unwrap().join().expect("the server exits cleanly");
        assert!(shut_down, "the server saw the shutdown request");
    }
}

fn uri(path: &Path) -> String {
    let mut text = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    text
}

/// A project with a configuration (so its root is the directory), files as given.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("ssot.toml"), "# the project\n").unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

/// Applies a `WorkspaceEdit`'s edits for `uri` to `text` (UTF-16 positions, ASCII text here).
fn apply(text: &str, edit: &Value, uri: &str) -> String {
    let mut edits: Vec<&Value> = edit["changes"][uri].as_array().expect("edits for the file").iter().collect();
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + position["character"].as_u64().unwrap() as usize
    };
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut text = text.to_string();
    for e in edits {
        text.replace_range(offset(&e["range"]["start"])..offset(&e["range"]["end"]), e["newText"].as_str().unwrap());
    }
    text
}

const MANAGER: &str = "class WebSocketManager:\n    pass\n";

/// A second manager class typed (unsaved) in one buffer is flagged in both open files, each
/// pointing at the other; renaming it clears both.
#[test]
fn an_unsaved_duplicate_lights_up_in_both_files() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("app/b.py", "X = 1\n")]);
    let (mut client, init) = Client::start(&root, json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2, "incremental sync");
    let (a, b) = (uri(&root.join("app/a.py")), uri(&root.join("app/b.py")));
    client.open(&a, MANAGER);
    client.open(&b, "X = 1\n");
    client.sync();
    assert_eq!(client.published(&a), Some(Vec::new()));
    assert_eq!(client.published(&b), Some(Vec::new()));

    client.replace(&b, 2, &format!("X = 1\n{MANAGER}"));
    client.sync();
    let in_a = client.published(&a).unwrap();
    let in_b = client.published(&b).unwrap();
    assert_eq!(codes(&in_a), ["duplicate-manager-class"], "{in_a:#?}");
    assert_eq!(codes(&in_b), ["duplicate-manager-class"], "{in_b:#?}");
    // The class name, where each file has it (UTF-16 columns).
    assert_eq!(in_a[0]["range"], json!({"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 22}}));
    assert_eq!(in_b[0]["range"], json!({"start": {"line": 1, "character": 6}, "end": {"line": 1, "character": 22}}));
    assert_eq!(in_b[0]["severity"], 1);
    assert_eq!(in_b[0]["source"], "ssot");
    let related = &in_a[0]["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], json!(b), "{in_a:#?}");
    assert_eq!(related["range"]["start"], json!({"line": 1, "character": 6}));

    // The rule's page, linked: what `ssot explain` prints, written in the project's cache.
    let page = root.join(".ssot_cache/docs/duplicate-manager-class.md");
    assert_eq!(in_b[0]["codeDescription"]["href"], json!(uri(&page)), "{in_b:#?}");
    let explained =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules/duplicate-manager-class.md"))
            .unwrap();
    assert_eq!(std::fs::read_to_string(&page).unwrap(), explained);
    // Hover on the finding: the rule's documentation.
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": b}, "position": {"line": 1, "character": 10}}));
    let hover = hover.unwrap();
    assert!(hover["contents"]["value"].as_str().unwrap().contains("duplicate-manager-class"), "{hover}");

    client.replace(&b, 3, "X = 1\nclass Other:\n    pass\n");
    client.sync();
    assert_eq!(client.published(&a), Some(Vec::new()));
    assert_eq!(client.published(&b), Some(Vec::new()));
    // Closing a buffer clears its diagnostics; the file on disk counts again.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": b}}));
    client.sync();
    assert_eq!(client.published(&b), Some(Vec::new()));
    client.shutdown();
}

/// The quick fixes of a finding: its fix, applied, removes it; the suppression comment silences
/// it; "fix all" applies every safe fix of the buffer.
#[test]
fn quick_fixes_and_fix_all_apply() {
    let text = "from unittest.mock import MagicMock\n\nclient = MagicNone()\nother = MagicNone()\n";
    let (_dir, root) = project(&[("tests/test_client.py", text)]);
    let (mut client, _) = Client::start(&root, json!({}));
    let file = uri(&root.join("tests/test_client.py"));
    client.open(&file, text);
    client.sync();
    let found = client.published(&file).unwrap();
    assert_eq!(codes(&found), ["magic-none", "magic-none"], "{found:#?}");

    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": file}, "range": found[0]["range"], "context": {"diagnostics": [found[0]]}}),
        )
        .unwrap();
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.iter().any(|t| t.contains("MagicMock")), "{titles:?}");
    assert!(titles.iter().any(|t| t.starts_with("Suppress `magic-none`")), "{titles:?}");
    assert!(titles.contains(&"Fix all safe ssot findings"), "{titles:?}");
    let quick =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().contains("MagicMock")).unwrap();
    assert_eq!(quick["kind"], "quickfix");
    let fixed = apply(text, &quick["edit"], &file);
    assert_eq!(fixed, "from unittest.mock import MagicMock\n\nclient = MagicMock()\nother = MagicNone()\n");
    client.replace(&file, 2, &fixed);
    client.sync();
    assert_eq!(codes(&client.published(&file).unwrap()), ["magic-none"]);

    // Suppress the one left.
    let found = client.published(&file).unwrap();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": file}, "range": found[0]["range"], "context": {"diagnostics": [], "only": ["quickfix"]}}),
        )
        .unwrap();
    let suppress =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().starts_with("Suppress")).unwrap();
    let suppressed = apply(&fixed, &suppress["edit"], &file);
    assert_eq!(suppressed, "from unittest.mock import MagicMock\n\nclient = MagicMock()\nother = MagicNone()  # ssot: ignore[magic-none] -- \n");
    client.replace(&file, 3, &suppressed);
    client.sync();
    assert_eq!(client.published(&file), Some(Vec::new()));

    // Fix all, asked for by its kind only.
    client.replace(&file, 4, text);
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": file}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .unwrap();
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.ssot");
    assert_eq!(
        apply(text, &actions[0]["edit"], &file),
        "from unittest.mock import MagicMock\n\nclient = MagicMock()\nother = MagicMock()\n"
    );
    client.shutdown();
}

/// Ranges count in the encoding negotiated: UTF-8 bytes when the client offers them, UTF-16
/// units otherwise; incremental edits are read in the same units.
#[test]
fn positions_follow_the_negotiated_encoding() {
    let text = "import os\nvalue = \"😀é\" + os.environ[\"HOME\"]\n";
    let (_dir, root) = project(&[("app/env.py", text)]);
    for (capabilities, encoding, column) in [
        (json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}), "utf-8", 19),
        (json!({}), "utf-16", 16),
        (json!({"general": {"positionEncodings": ["utf-32"]}}), "utf-32", 15),
    ] {
        let (mut client, init) = Client::start(&root, capabilities);
        assert_eq!(init["capabilities"]["positionEncoding"], encoding);
        let file = uri(&root.join("app/env.py"));
        client.open(&file, text);
        client.sync();
        let found = client.published(&file).unwrap();
        assert_eq!(codes(&found), ["direct-env-access"], "{found:#?}");
        assert_eq!(found[0]["range"]["start"], json!({"line": 1, "character": column}), "{encoding}");
        // An incremental edit after the emoji: insert `x` before `os.environ`.
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": file, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 1, "character": column}, "end": {"line": 1, "character": column}}, "text": "(x or "},
                {"range": {"start": {"line": 1, "character": column + 6 + 18}, "end": {"line": 1, "character": column + 6 + 18}}, "text": ")"},
            ]}),
        );
        client.sync();
        let found = client.published(&file).unwrap();
        assert_eq!(found[0]["range"]["start"], json!({"line": 1, "character": column + 6}), "{encoding}: {found:#?}");
        client.shutdown();
    }
}

/// A client that pulls diagnostics is not sent them: it asks, per document and for the
/// workspace, and is asked to pull again after a change.
#[test]
fn diagnostics_are_pulled_when_the_client_pulls() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("app/b.py", MANAGER)]);
    let capabilities = json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}},
    });
    let (mut client, init) = Client::start(&root, capabilities);
    assert_eq!(init["capabilities"]["diagnosticProvider"]["interFileDependencies"], true);
    let a = uri(&root.join("app/a.py"));
    client.open(&a, MANAGER);
    client.sync();
    let report = client.request("textDocument/diagnostic", json!({"textDocument": {"uri": a}})).unwrap();
    assert_eq!(report["kind"], "full");
    assert_eq!(codes(report["items"].as_array().unwrap()), ["duplicate-manager-class"]);
    // The workspace: both files, the one not open too.
    let report = client.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap();
    let mut files: Vec<&str> = report["items"].as_array().unwrap().iter().map(|i| i["uri"].as_str().unwrap()).collect();
    files.sort();
    assert_eq!(files, [a.as_str(), uri(&root.join("app/b.py")).as_str()]);
    assert!(!client
        .received
        .iter()
        .any(|m| matches!(m, Message::Notification(n) if n.method == "textDocument/publishDiagnostics")));
    // An edit: the server asks the client to pull again; the next workspace report clears b.
    client.replace(&a, 2, "X = 1\n");
    client.sync();
    assert!(client
        .received
        .iter()
        .any(|m| matches!(m, Message::Request(r) if r.method == "workspace/diagnostic/refresh")));
    let report = client.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap();
    for item in report["items"].as_array().unwrap() {
        assert_eq!(item["items"], json!([]), "{report:#}");
    }
    client.shutdown();
}

/// Requests the server cannot serve get errors, and it goes on serving.
#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let (_dir, root) = project(&[("app/a.py", MANAGER)]);
    let (mut client, _) = Client::start(&root, json!({}));
    let error = client.request("textDocument/codeAction", json!({"textDocument": 5})).unwrap_err();
    assert_eq!(error["code"], -32602, "{error}");
    let error = client.request("textDocument/rename", json!({})).unwrap_err();
    assert_eq!(error["code"], -32601, "{error}");
    // A notification with nonsense parameters is ignored.
    client.notify("textDocument/didChange", json!({"nonsense": true}));
    let a = uri(&root.join("app/a.py"));
    client.open(&a, &format!("{MANAGER}\nclass WebsocketManager:\n    pass\n"));
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class", "duplicate-manager-class"]);
    client.shutdown();
}

/// A configuration change reloads the settings: a rule turned off in `ssot.toml` (saved, as a
/// watcher reports it) no longer reports.
#[test]
fn a_configuration_change_reloads_the_settings() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("app/b.py", MANAGER)]);
    let (mut client, _) =
        Client::start(&root, json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    assert!(
        client.received.is_empty()
            || client
                .received
                .iter()
                .all(|m| !matches!(m, Message::Notification(n) if n.method == "window/showMessage")),
        "{:?}",
        client.received
    );
    let a = uri(&root.join("app/a.py"));
    client.open(&a, MANAGER);
    client.sync();
    assert!(
        client.received.iter().any(|m| matches!(m, Message::Request(r) if r.method == "client/registerCapability")),
        "the watchers are registered"
    );
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class"]);
    std::fs::write(root.join("ssot.toml"), "[rules]\nignore = [\"duplicate-manager-class\"]\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("ssot.toml")), "type": 2}]}),
    );
    client.sync();
    assert_eq!(client.published(&a), Some(Vec::new()));
    // A broken configuration is shown, not fatal; fixing it brings the project back.
    std::fs::write(root.join("ssot.toml"), "[scan\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("ssot.toml")), "type": 2}]}),
    );
    client.sync();
    assert!(client.received.iter().any(|m| matches!(m, Message::Notification(n) if n.method == "window/showMessage" && n.params["message"].as_str().unwrap().contains("ssot.toml"))));
    std::fs::write(root.join("ssot.toml"), "# the project\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("ssot.toml")), "type": 2}]}),
    );
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class"]);
    client.shutdown();
}

fn shown(client: &Client) -> Vec<String> {
    client
        .received
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) if n.method == "window/showMessage" => {
                Some(n.params["message"].as_str().unwrap().to_string())
            }
            _ => None,
        })
        .collect()
}

fn watched(client: &Client, path: &Path, kind: u32) {
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri(path), "type": kind}]}));
}

/// A broken configuration is shown once, not at every keystroke.
#[test]
fn broken_config_error_per_keystroke() {
    let (_dir, root) = project(&[("app/a.py", MANAGER)]);
    std::fs::write(root.join("ssot.toml"), "[scan\n").unwrap();
    let (mut client, _) = Client::start(&root, json!({}));
    let a = uri(&root.join("app/a.py"));
    client.open(&a, MANAGER);
    for v in 2..6 {
        client.replace(&a, v, &format!("{MANAGER}# {v}\n"));
    }
    client.sync();
    let shown = shown(&client);
    eprintln!("{} showMessage: {shown:#?}", shown.len());
    assert!(shown.len() <= 1, "{} error popups", shown.len());
    client.shutdown();
}

/// No suppression is offered on a Rust line that ends inside a string (it would change it).
#[test]
fn rust_suppression_inside_string() {
    let text = "pub const GREETING: &str = \"hello\nworld\";\n";
    let (_dir, root) = project(&[("src/a.rs", text), ("src/b.rs", text)]);
    let (mut client, _) = Client::start(&root, json!({}));
    let a = uri(&root.join("src/a.rs"));
    client.open(&a, text);
    client.sync();
    let found = client.published(&a).unwrap();
    eprintln!("{found:#?}");
    assert!(!found.is_empty());
    let actions = client.request("textDocument/codeAction", json!({"textDocument": {"uri": a}, "range": found[0]["range"], "context": {"diagnostics": [], "only": ["quickfix"]}})).unwrap();
    for action in actions.as_array().unwrap() {
        if action["title"].as_str().unwrap().starts_with("Suppress") {
            let fixed = apply(text, &action["edit"], &a);
            eprintln!("{fixed}");
            assert!(fixed.contains("\"hello\nworld\""), "the string was changed: {fixed:?}");
        }
    }
    client.shutdown();
}

/// A configuration created in a subdirectory: the buffers there keep their diagnostics.
#[test]
fn new_nested_config_drops_open_buffers() {
    let (_dir, root) = project(&[("sub/a.py", MANAGER), ("sub/b.py", MANAGER)]);
    let (mut client, _) =
        Client::start(&root, json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    let a = uri(&root.join("sub/a.py"));
    client.open(&a, MANAGER);
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class"]);
    std::fs::write(root.join("sub/ssot.toml"), "# own project\n").unwrap();
    watched(&client, &root.join("sub/ssot.toml"), 1);
    client.sync();
    let now = client.published(&a).unwrap();
    assert_eq!(codes(&now), ["duplicate-manager-class"], "sub/ is a project of its own, still with a duplicate");
    client.shutdown();
}

/// A deleted directory (the watcher reports the folder, not its files): its files leave the project.
#[test]
fn deleted_directory_stays() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("old/b.py", MANAGER)]);
    let (mut client, _) =
        Client::start(&root, json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    let a = uri(&root.join("app/a.py"));
    client.open(&a, MANAGER);
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class"]);
    std::fs::remove_dir_all(root.join("old")).unwrap();
    watched(&client, &root.join("old"), 3);
    client.sync();
    assert_eq!(client.published(&a), Some(vec![]), "old/b.py is gone");
    client.shutdown();
}

/// One file open under two URIs (a linked directory): closing one keeps the other's buffer.
#[test]
fn two_uris_one_file() {
    let (_dir, root) = project(&[("real/a.py", "X = 1\n"), ("app/b.py", MANAGER)]);
    std::os::unix::fs::symlink(root.join("real"), root.join("link")).unwrap();
    let (mut client, _) = Client::start(&root, json!({}));
    let real = uri(&root.join("real/a.py"));
    let link = uri(&root.join("link/a.py"));
    client.open(&real, MANAGER);
    client.open(&link, MANAGER);
    client.sync();
    assert_eq!(codes(&client.published(&real).unwrap()), ["duplicate-manager-class"]);
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": link}}));
    client.sync();
    assert_eq!(
        codes(&client.published(&real).unwrap()),
        ["duplicate-manager-class"],
        "real/a.py's buffer still holds the class"
    );
    client.shutdown();
}

/// A file that was not analysed gets no quick fix for its `not-analysed` diagnostic.
#[test]
fn suppress_not_analysed() {
    let (_dir, root) = project(&[("app/a.py", "X = 1\n")]);
    std::fs::write(root.join("ssot.toml"), "[scan]\nmax-file-size = 8\n").unwrap();
    let (mut client, _) = Client::start(&root, json!({}));
    let a = uri(&root.join("app/a.py"));
    let text = "X = 1\nY = 2\nZ = 3\n";
    client.open(&a, text);
    client.sync();
    let found = client.published(&a).unwrap();
    eprintln!("{found:#?}");
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": a}, "range": found[0]["range"], "context": {"diagnostics": []}}),
        )
        .unwrap();
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(!titles.iter().any(|t| t.contains("not-analysed")), "{titles:?}");
    client.shutdown();
}

/// Removing a workspace folder reached through a link drops its project (pull mode stops
/// reporting its files).
#[test]
fn remove_symlinked_folder() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("app/b.py", MANAGER)]);
    let holder = tempfile::tempdir().unwrap();
    let link = holder.path().canonicalize().unwrap().join("ws");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    let caps = json!({"textDocument": {"diagnostic": {}}, "workspace": {"diagnostics": {"refreshSupport": true}}});
    let (mut client, _) = Client::start(&link, caps);
    let report = client.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap();
    eprintln!("before: {}", report["items"].as_array().unwrap().len());
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": uri(&link), "name": "project"}]}}),
    );
    let report = client.request("workspace/diagnostic", json!({"previousResultIds": []})).unwrap();
    let with: Vec<&Value> =
        report["items"].as_array().unwrap().iter().filter(|i| !i["items"].as_array().unwrap().is_empty()).collect();
    assert!(with.is_empty(), "the removed folder is still reported: {with:#?}");
    client.shutdown();
}

/// Odd edits (reversed, out of range, inside a surrogate pair, lone CR, BOM), documents never
/// opened or not files: no panic, no error shown.
#[test]
fn odd_edits() {
    let (_dir, root) = project(&[("app/a.py", "X = 1\n")]);
    let (mut client, _) = Client::start(&root, json!({}));
    let a = uri(&root.join("app/a.py"));
    client.open(&a, "\u{feff}import os\r\nv = '😀'\rw = os.environ['A']\n");
    client.sync();
    eprintln!("{:#?}", client.published(&a));
    let change = |sl: u32, sc: u32, el: u32, ec: u32, t: &str| json!({"range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}, "text": t});
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": a, "version": 2}, "contentChanges": [
        change(5, 0, 2, 0, "Q"), change(99, 99, 99, 99, "R"), change(1, 6, 1, 6, "S"), change(2, 4, 1, 0, "T")]}),
    );
    client.sync();
    eprintln!("{:#?}", client.published(&a));
    let h = client
        .request("textDocument/hover", json!({"textDocument": {"uri": a}, "position": {"line": 2, "character": 8}}));
    eprintln!("{h:?}");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nope.py", "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    client.notify("textDocument/didOpen", json!({"textDocument": {"uri": "untitled:Untitled-1", "languageId": "python", "version": 1, "text": "import os\nos.environ['A']\n"}}));
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri(&root.join("app/new.py"))}}));
    client.sync();
    let r = client.request("textDocument/codeAction", json!({"textDocument": {"uri": "untitled:Untitled-1"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}));
    eprintln!("{r:?}");
    assert!(shown(&client).is_empty(), "{:?}", shown(&client));
    client.shutdown();
}

/// A git work tree without configuration and a directory with its own ssot.toml (a project of its
/// own, left out of the tree's): a file opened there belongs to that project only.
#[test]
fn subproject_file_claimed_by_outer_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for (path, text) in [("app/c.py", MANAGER), ("sub/ssot.toml", "# own project\n"), ("sub/a.py", MANAGER)] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (mut client, _) = Client::start(&root, json!({}));
    let a = uri(&root.join("sub/a.py"));
    client.open(&a, MANAGER);
    client.sync();
    let found = client.published(&a).unwrap();
    assert_eq!(found, Vec::<Value>::new(), "sub/ is its own project (ssot check there finds nothing): {found:#?}");
    client.shutdown();
}

/// Fix all on a buffer with a BOM and CRLF and fixes that need two passes; the buffer is put back
/// (the hover and quick fixes after it still answer for it).
#[test]
fn fix_all_bom_passes() {
    let text = "\u{feff}import os\r\n\r\nclient = MagicNone()\r\nother = MagicNone(); third = MagicNone()\r\n";
    let (_dir, root) = project(&[("tests/test_client.py", "X = 1\n")]);
    let (mut client, _) = Client::start(&root, json!({}));
    let file = uri(&root.join("tests/test_client.py"));
    client.open(&file, text);
    client.sync();
    let before = client.published(&file).unwrap();
    eprintln!("before: {:?}", before.iter().map(|d| (&d["code"], &d["range"])).collect::<Vec<_>>());
    let actions = client.request("textDocument/codeAction", json!({"textDocument": {"uri": file}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["source.fixAll"]}})).unwrap();
    let edit = &actions[0]["edit"]["changes"][&file][0];
    eprintln!("edit range {} newText {:?}", edit["range"], edit["newText"]);
    let fixed = edit["newText"].as_str().unwrap();
    assert!(
        fixed.starts_with('\u{feff}') && !fixed.contains("MagicNone") && fixed.matches("MagicMock()").count() == 3,
        "{fixed:?}"
    );
    assert_eq!(edit["range"]["end"], json!({"line": 4, "character": 0}), "the whole buffer");
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": file}, "position": before[0]["range"]["start"]}))
        .unwrap();
    assert!(!hover.is_null());
    // The buffer is as it was: its findings are the same, at the same places.
    client.replace(&file, 2, text);
    client.sync();
    assert_eq!(client.published(&file).unwrap(), before);
    client.shutdown();
}

/// Two files opened from one directory outside the workspace, without configuration or git (a
/// fallback root): both are analysed.
#[test]
fn second_stray_file_not_analysed() {
    let (_dir, root) = project(&[("app/a.py", "X = 1\n")]);
    let stray = tempfile::tempdir().unwrap();
    let stray = stray.path().canonicalize().unwrap();
    let text = "import os\nvalue = os.environ['A']\n";
    std::fs::write(stray.join("one.py"), text).unwrap();
    std::fs::write(stray.join("two.py"), text).unwrap();
    let (mut client, _) = Client::start(&root, json!({}));
    let (one, two) = (uri(&stray.join("one.py")), uri(&stray.join("two.py")));
    client.open(&one, text);
    client.open(&two, text);
    client.sync();
    assert_eq!(codes(&client.published(&one).unwrap()), ["direct-env-access"]);
    assert_eq!(codes(&client.published(&two).unwrap()), ["direct-env-access"], "two.py, like one.py");
    client.shutdown();
}

/// A client that leaves without `shutdown`: the server stops, and says so (exit code 1 for
/// `ssot server`).
#[test]
fn exit_without_shutdown_is_reported() {
    let (_dir, root) = project(&[("app/a.py", MANAGER)]);
    let (mut client, _) = Client::start(&root, json!({}));
    client.notify("exit", json!(null));
    let shut_down = client.server.take().unwrap().join().expect("the server stops");
    assert!(!shut_down);
}

/// `:e pkg/new.py` (no file yet), type, `:w` (the watcher reports the creation), edit
/// the importer: its import of the new module resolves, as `ssot check` says.
#[test]
fn a_new_module_saved_resolves_in_its_importers() {
    let (_dir, root) = project(&[("pkg/__init__.py", ""), ("pkg/a.py", "from pkg import new\n")]);
    let (mut client, _) =
        Client::start(&root, json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}));
    let (a, new) = (uri(&root.join("pkg/a.py")), uri(&root.join("pkg/new.py")));
    client.open(&a, "from pkg import new\n");
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["unresolved-import"]);
    client.open(&new, "X = 1\n");
    client.sync();
    std::fs::write(root.join("pkg/new.py"), "X = 1\n").unwrap();
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": new}}));
    watched(&client, &root.join("pkg/new.py"), 1);
    client.replace(&a, 2, "# edited\nfrom pkg import new\n");
    client.sync();
    let in_a = client.published(&a).unwrap();
    assert_eq!(codes(&in_a), Vec::<&str>::new(), "{in_a:#?}");
    client.shutdown();
}

/// Changes that arrive out of order (as Helix 25.01 sends a burst) are put in their place by
/// version: the diagnostics are those of the text the client has. And a client that takes
/// versioned edits gets quick fixes naming the version they were made for.
#[test]
fn late_changes_are_placed_and_edits_name_their_version() {
    let text = "from unittest.mock import MagicMock\nx = ()\n";
    let (_dir, root) = project(&[("tests/test_client.py", text)]);
    let capabilities = json!({"workspace": {"workspaceEdit": {"documentChanges": true}}});
    let (mut client, _) = Client::start(&root, capabilities);
    let file = uri(&root.join("tests/test_client.py"));
    client.open(&file, text);
    // Typed into "x = ()": "None", then "Magic" before it; sent in the opposite order (in
    // arrival order the text would be "x = NoneMagic()", with no finding).
    let insert = |version: i32, piece: &str| {
        let at = json!({"line": 1, "character": 4});
        json!({"textDocument": {"uri": file, "version": version}, "contentChanges": [{"range": {"start": at, "end": at}, "text": piece}]})
    };
    for change in [insert(3, "Magic"), insert(2, "None")] {
        client.notify("textDocument/didChange", change);
    }
    client.sync();
    let found = client.published(&file).unwrap();
    assert_eq!(codes(&found), ["magic-none"], "{found:#?}");
    assert_eq!(found[0]["range"]["start"], json!({"line": 1, "character": 4}));

    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": file}, "range": found[0]["range"], "context": {"diagnostics": [found[0]]}}),
        )
        .unwrap();
    let quick =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().contains("MagicMock")).unwrap();
    let edit = &quick["edit"];
    assert!(edit.get("changes").is_none(), "{edit:#}");
    let document = &edit["documentChanges"][0];
    assert_eq!(document["textDocument"], json!({"uri": file, "version": 3}));
    let changes = json!({"changes": {file.clone(): document["edits"]}});
    assert_eq!(
        apply("from unittest.mock import MagicMock\nx = MagicNone()\n", &changes, &file),
        "from unittest.mock import MagicMock\nx = MagicMock()\n"
    );
    client.shutdown();
}

/// A client that pulls diagnostics but cannot be asked to pull again (Neovim 0.10 and 0.11) is
/// pushed to: it would never learn of the finding an edit in another buffer causes.
#[test]
fn a_client_that_cannot_be_asked_to_pull_again_is_pushed_to() {
    let (_dir, root) = project(&[("app/a.py", MANAGER), ("app/b.py", "X = 1\n")]);
    let capabilities = json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}});
    let (mut client, init) = Client::start(&root, capabilities);
    assert!(init["capabilities"].get("diagnosticProvider").is_none(), "{init:#}");
    let (a, b) = (uri(&root.join("app/a.py")), uri(&root.join("app/b.py")));
    client.open(&a, MANAGER);
    client.open(&b, "X = 1\n");
    client.sync();
    assert_eq!(client.published(&a), Some(Vec::new()));
    client.replace(&b, 2, MANAGER);
    client.sync();
    assert_eq!(codes(&client.published(&a).unwrap()), ["duplicate-manager-class"], "the file not edited");
    client.shutdown();
}
