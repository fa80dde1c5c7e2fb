//! Reading a file's text. Anything that is not a UTF-8 text file of acceptable size becomes a
//! skip reason, never an abort.

use std::io::Read;
use std::path::Path;

/// The file's text (without a UTF-8 byte-order mark), or why it is skipped.
pub(crate) fn read(path: &Path, max_size: u64) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|err| format!("cannot be read: {err}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max_size {
        return Err(format!("larger than scan.max-file-size ({size} bytes > {max_size})"));
    }
    let mut bytes = Vec::with_capacity(size as usize + 1);
    // Read one byte past the limit so a file that grew is still caught.
    file.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(|err| format!("cannot be read: {err}"))?;
    if bytes.len() as u64 > max_size {
        return Err(format!("larger than scan.max-file-size (more than {max_size} bytes)"));
    }
    if let Some(offset) = memchr_nul(&bytes) {
        return Err(format!("binary file (NUL byte at offset {offset})"));
    }
    let text = String::from_utf8(bytes)
        .map_err(|err| format!("not valid UTF-8 (invalid byte at offset {})", err.utf8_error().valid_up_to()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}
