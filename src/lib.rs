//! ssot audits a Python and Rust codebase for single-source-of-truth compliance.
//!
//! The pipeline, one module per stage: [`cli`] (arguments) → [`config`] (options files →
//! resolved [`config::Settings`]) → [`rule`] (rule files → selected [`rule::Rule`]s) →
//! [`rules`] (their engines → the [`rules::RuleSet`]) → [`scan`] (discover files → analyze each
//! distinct content in parallel → project pass → sort) →
//! [`score`] → [`report`] (one printer per output format); [`baseline`] and [`diff`] narrow what
//! `check` reports. [`run`] wires the stages together and is what the binary and the tests call.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod docs;
mod error;
pub mod fingerprint;
pub mod fix;
pub mod fixer;
pub mod fixture;
pub(crate) mod fs;
pub mod graph;
pub mod language;
pub(crate) mod path_text;
pub(crate) mod python;
pub mod report;
pub mod rule;
pub mod rules;
pub(crate) mod rust;
pub mod scan;
pub mod score;
pub mod server;
pub(crate) mod suppress;
pub(crate) mod terminal;
#[doc(hidden)]
pub mod testing;
pub(crate) mod text;
pub mod timings;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;
use termcolor::WriteColor;

pub use error::UserError;

/// Process exit status, as documented in the README: 0 clean, 1 findings or threshold missed,
/// 2 usage, configuration, rule-file or internal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    Error = 2,
}

/// Runs ssot with `args` (including the program name), writing the report to `stdout` and
/// progress, warnings and errors to `stderr`.
pub fn run<I, T>(args: I, stdout: &mut dyn WriteColor, stderr: &mut dyn Write) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args = match cli::Cli::try_parse_from(args) {
        Ok(args) => args,
        Err(err) => {
            let text = err.render().to_string();
            let (out, status): (&mut dyn Write, _) =
                if err.use_stderr() { (stderr, ExitStatus::Error) } else { (stdout, ExitStatus::Success) };
            let _ = out.write_all(text.as_bytes());
            return status;
        }
    };
    let result = cli::execute(args, stdout, stderr);
    match result {
        Ok(status) => {
            let _ = stdout.flush();
            status
        }
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitStatus::Success;
            }
            let _ = stdout.flush();
            let _ = writeln!(stderr, "error: {}", terminal::visible_lines(&format!("{err:#}")));
            ExitStatus::Error
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
