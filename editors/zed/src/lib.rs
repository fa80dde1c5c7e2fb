//! ssot's Zed extension: it declares the language server `ssot` for Python and Rust (Zed starts
//! only servers an extension declares) and says how to start it when the settings do not: the
//! `ssot` on the worktree's `PATH`, with the arguments of the `lsp.ssot.binary` settings or
//! `server`. (Settings that name `lsp.ssot.binary.path` are used by Zed itself, which then does
//! not ask the extension: they must give `"arguments": ["server"]` too.) Everything else is the
//! server's.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result, Worktree};

struct Ssot;

impl zed::Extension for Ssot {
    fn new() -> Self {
        Ssot
    }

    fn language_server_command(&mut self, id: &LanguageServerId, worktree: &Worktree) -> Result<zed::Command> {
        let command = worktree.which("ssot").ok_or_else(|| {
            "ssot is not on the PATH: install it (`cargo install --path .` in ssot's checkout) \
             or name it in the settings, at lsp.ssot.binary.path, with \"arguments\": [\"server\"]"
                .to_string()
        })?;
        let arguments = LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.binary)
            .and_then(|binary| binary.arguments);
        Ok(zed::Command { command, args: arguments.unwrap_or_else(|| vec!["server".into()]), env: Vec::new() })
    }
}

zed::register_extension!(Ssot);
