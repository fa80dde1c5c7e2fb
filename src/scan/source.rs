//! Reading a file's text. Anything that is not a UTF-8 text file of acceptable size becomes a
//! skip reason, never an abort; special files (FIFOs, devices) are refused before they are read
//! ([`crate::fs`]).

use std::path::Path;

use super::report::SkipReason;
use crate::fs::{Links, ReadError};

/// The file's bytes, or why it is skipped.
pub(crate) fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, SkipReason> {
    crate::fs::read(path, max_size, Links::Follow).map_err(|err| match err {
        ReadError::TooLarge { size: Some(size), limit } => {
            SkipReason::Content(format!("larger than scan.max-file-size ({size} bytes > {limit})"))
        }
        ReadError::TooLarge { size: None, limit } => {
            SkipReason::Content(format!("larger than scan.max-file-size (more than {limit} bytes)"))
        }
        ReadError::NotRegular(kind) => SkipReason::Unreadable(format!("not a regular file ({kind}): not read")),
        other => SkipReason::Unreadable(format!("cannot be read: {other}")),
    })
}

/// The file's bytes as a scan with `settings` sees them: an editor's buffer from stdin
/// (`--stdin-filename`) in place of the file at its path, else the file.
pub(crate) fn read_scanned(settings: &crate::config::Settings, path: &Path) -> Result<Vec<u8>, SkipReason> {
    match settings.stdin.as_deref().filter(|buffer| buffer.path == path) {
        Some(buffer) => within_limit(settings, buffer.bytes.len() as u64).map(|()| buffer.bytes.clone()),
        None => read_bytes(path, settings.max_file_size),
    }
}

/// Whether a buffer of `size` bytes may be scanned (`scan.max-file-size`).
pub(crate) fn within_limit(settings: &crate::config::Settings, size: u64) -> Result<(), SkipReason> {
    if size > settings.max_file_size {
        return Err(SkipReason::Content(format!(
            "larger than scan.max-file-size ({size} bytes > {})",
            settings.max_file_size
        )));
    }
    Ok(())
}

/// The text of `bytes` (without a UTF-8 byte-order mark), or why the file is skipped.
pub(crate) fn text(bytes: Vec<u8>) -> Result<String, SkipReason> {
    if let Some(offset) = memchr::memchr(0, &bytes) {
        return Err(SkipReason::Content(format!("binary file (NUL byte at offset {offset})")));
    }
    let text = crate::fs::utf8(bytes).map_err(SkipReason::Content)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The file's text (without a UTF-8 byte-order mark), or why it is skipped.
pub(crate) fn read(path: &Path, max_size: u64) -> Result<String, SkipReason> {
    text(read_bytes(path, max_size)?)
}
