//! The `ssot` binary: collects arguments, hands them to [`ssot::run`] and maps the status to the
//! process exit code. Everything else lives in the library so tests drive the real pipeline.

use std::io::IsTerminal;

fn main() -> std::process::ExitCode {
    let color =
        if std::io::stdout().is_terminal() { termcolor::ColorChoice::Auto } else { termcolor::ColorChoice::Never };
    let mut stdout = termcolor::BufferedStandardStream::stdout(color);
    // Not locked for the whole run: the progress bar draws to stderr from worker threads.
    let mut stderr = std::io::stderr();
    let status = ssot::run(std::env::args_os(), &mut stdout, &mut stderr);
    std::process::ExitCode::from(status as u8)
}
