//! The `ssot` binary: collects arguments, hands them to [`ssot::run`] and maps the status to the
//! process exit code. Everything else lives in the library so tests drive the real pipeline.

use std::io::IsTerminal;

fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = ssot::cli::color_choice(&args, std::io::stdout().is_terminal());
    let mut stdout = termcolor::BufferedStandardStream::stdout(color);
    // Not locked for the whole run: the progress bar draws to stderr from worker threads.
    let mut stderr = std::io::stderr();
    let status = ssot::run(args, &mut stdout, &mut stderr);
    std::process::ExitCode::from(status as u8)
}

/// jemalloc where it is at home (as ruff): a large report allocates and frees hundreds of
/// thousands of small values, which glibc's allocator handles slower (docs/decisions.md).
#[cfg(all(any(target_os = "linux", target_os = "macos"), any(target_arch = "x86_64", target_arch = "aarch64")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
