//! Paths as reports name them — text, `/`-separated — and back to the file a name stands for.
//! A name that is valid UTF-8 is shown as it is (`a\b.py` on Linux stays `a\b.py`). One that is
//! not keeps its bytes: each invalid byte is written `\xff` (two lowercase hex digits) and every
//! `\` is doubled; the same is done to a valid name that already holds a `\x` and two such hex
//! digits, so that no two files ever share a shown path, and [`real`] finds the file again. This
//! module only converts; it decides nothing about which paths are shown.

use std::path::{Path, PathBuf};

/// Whether `text` holds `\x` and two lowercase hex digits: how an escaped path shows itself.
fn has_escape(text: &str) -> bool {
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    text.as_bytes().windows(4).any(|w| w[0] == b'\\' && w[1] == b'x' && hex(w[2]) && hex(w[3]))
}

/// The text of `path`, `/`-separated on every platform.
pub(crate) fn text(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    // Elsewhere a path is text but for unpaired surrogates, which stay lossy.
    #[cfg(not(unix))]
    let lossy = path.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
    #[cfg(not(unix))]
    let bytes = lossy.as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) if !has_escape(text) => text.to_string(),
        _ => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(&chunk.valid().replace('\\', "\\\\"));
                for byte in chunk.invalid() {
                    out.push_str(&format!("\\x{byte:02x}"));
                }
            }
            out
        }
    }
}

/// The bytes of the name [`text`] made `text` from.
pub(crate) fn bytes(text: &str) -> Vec<u8> {
    if !has_escape(text) {
        return text.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        let hex = tail.get(1..3).and_then(|digits| std::str::from_utf8(digits).ok());
        match (byte, tail.first(), hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'\\', Some(b'\\'), _) => {
                out.push(b'\\');
                rest = &tail[1..];
            }
            (b'\\', Some(b'x'), Some(value)) => {
                out.push(value);
                rest = &tail[3..];
            }
            _ => {
                out.push(byte);
                rest = tail;
            }
        }
    }
    out
}

/// The path [`text`] made `text` from.
pub(crate) fn real(text: &str) -> PathBuf {
    from_bytes(&bytes(text))
}

/// The path whose name is `bytes` (on Unix exactly; elsewhere names are text).
pub(crate) fn from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn names_are_shown_as_they_are_unless_they_must_be_escaped_and_come_back() {
        let cases: [(&[u8], &str); 7] = [
            (b"pkg/mod.py", "pkg/mod.py"),
            (b"a\\b.py", "a\\b.py"),
            (b"a\\xFF.py", "a\\xFF.py"),
            (b"a\xff.py", "a\\xff.py"),
            (b"a\xfe\\.py", "a\\xfe\\\\.py"),
            (b"a\\xff.py", "a\\\\xff.py"),
            (b"\xc3(\xe2\x82", "\\xc3(\\xe2\\x82"),
        ];
        for (name, shown) in cases {
            let path = Path::new(std::ffi::OsStr::from_bytes(name));
            assert_eq!(text(path), shown);
            assert_eq!(real(shown), path, "{shown}");
        }
    }
}
