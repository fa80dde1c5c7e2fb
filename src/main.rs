//! The `ssot` binary: collects arguments, hands them to [`ssot::run`] and maps the status to the
//! process exit code. Everything else lives in the library so tests drive the real pipeline.

use std::io::IsTerminal;

fn main() -> std::process::ExitCode {
    let color =
        if std::io::stdout().is_terminal() { termcolor::ColorChoice::Auto } else { termcolor::ColorChoice::Never };
    let mut stdout = termcolor::BufferedStandardStream::stdout(color);
    let mut stderr = std::io::stderr().lock();
    let status = ssot::run(std::env::args_os(), &mut stdout, &mut stderr);
    std::process::ExitCode::from(status as u8)
}
