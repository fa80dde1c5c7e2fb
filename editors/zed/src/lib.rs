//! ssot's Zed extension: it declares the language server `ssot` for Python and Rust (Zed starts
//! only servers an extension declares) and says how to start it: `ssot server`, from the
//! `lsp.ssot.binary` settings when they name a path (and arguments, and environment), else the
//! `ssot` on the worktree's `PATH`. Everything else is the server's.

use zed_extension_api::{self as zed, settings::LspSettings, LanguageServerId, Result, Worktree};

struct Ssot;

impl zed::Extension for Ssot {
    fn new() -> Self {
        Ssot
    }

    fn language_server_command(&mut self, id: &LanguageServerId, worktree: &Worktree) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree).ok().and_then(|settings| settings.binary);
        let configured = binary.as_ref().and_then(|binary| binary.path.clone());
        let command = configured.or_else(|| worktree.which("ssot")).ok_or_else(|| {
            "ssot is not on the PATH: install it (`cargo install --path .` in ssot's checkout) \
             or name it in the settings, at lsp.ssot.binary.path"
                .to_string()
        })?;
        let args = binary.as_ref().and_then(|binary| binary.arguments.clone()).unwrap_or_else(|| vec!["server".into()]);
        let env = binary.and_then(|binary| binary.env).map(|env| env.into_iter().collect()).unwrap_or_default();
        Ok(zed::Command { command, args, env })
    }
}

zed::register_extension!(Ssot);
