//! `file:` URIs ↔ paths, as clients write them: percent-encoded bytes, an optional empty or
//! `localhost` authority. A URI of another scheme (an untitled buffer, a diff view) has no
//! path: the server keeps its text but analyses nothing for it.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path a `file:` URI names (absolute), or `None` for other schemes and malformed ones.
pub(crate) fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://").or_else(|| text.strip_prefix("FILE://"))?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let bytes = decode(rest)?;
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(bytes))
    };
    #[cfg(not(unix))]
    let path = PathBuf::from(String::from_utf8(bytes).ok()?);
    Some(path)
}

/// The `file:` URI of the absolute `path`: every byte outside the unreserved set and `/`
/// percent-encoded, as VS Code writes them.
pub(crate) fn from_path(path: &Path) -> Uri {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut text = String::from("file://");
    for byte in bytes {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            text.push(byte as char);
        } else {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&text).expect("a percent-encoded path is a valid URI")
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_round_trip() {
        for path in ["/home/a b/x.py", "/tmp/é/ü#1.py", "/p/%41.py", "/x/[y]/z.rs"] {
            let uri = from_path(Path::new(path));
            assert!(!uri.as_str()[7..].contains([' ', '#', '[']), "{}", uri.as_str());
            assert_eq!(to_path(&uri).as_deref(), Some(Path::new(path)), "{}", uri.as_str());
        }
        let uri = |text: &str| Uri::from_str(text).unwrap();
        assert_eq!(to_path(&uri("file:///a/b%20c.py")), Some(PathBuf::from("/a/b c.py")));
        assert_eq!(to_path(&uri("file://localhost/a.py")), Some(PathBuf::from("/a.py")));
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(decode("/a/%zz.py"), None);
    }
}
