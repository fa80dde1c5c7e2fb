//! Guarded file access: the one place ssot opens a file it reads from a scanned tree or the
//! user's configuration, and the one place it writes into its cache directory. What a scanned
//! tree holds may be hostile (see "Hostile trees" in `docs/decisions.md`):
//!
//! - a read checks the file's kind before opening it and again on the open handle (a file
//!   swapped for a FIFO in between is caught; the open itself cannot block, as it is
//!   non-blocking), refuses anything but a regular file (FIFOs, sockets, devices such as
//!   `/dev/zero`, directories), and reads at most a stated number of bytes;
//! - a cache write never follows a symbolic link: files are created exclusively (a planted
//!   link makes the write fail, not go elsewhere) and renamed into place, which replaces a link
//!   rather than writing through it.
//!
//! Nothing here panics or blocks on any input.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// No such file (or a dangling link).
    Missing,
    /// Not a regular file: what it is ("a FIFO", "a character device", …).
    NotRegular(&'static str),
    /// Larger than the limit: its size when known, else `None` (it grew while read).
    TooLarge { size: Option<u64>, limit: u64 },
    /// Any other failure to open or read.
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file"),
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind})"),
            ReadError::TooLarge { size: Some(size), limit } => write!(f, "too large ({size} bytes > {limit})"),
            ReadError::TooLarge { size: None, limit } => write!(f, "too large (more than {limit} bytes)"),
            ReadError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::NotFound {
            ReadError::Missing
        } else {
            ReadError::Io(err)
        }
    }
}

/// What a file type is, in words, when it is not a regular file.
fn kind_of(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    if file_type.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
    }
    Some("a special file")
}

/// How to treat a symbolic link at the last component of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Read the file it points to (files named by the user, ignore files as git reads them).
    Follow,
    /// Refuse it (ssot's own cache files).
    Refuse,
}

/// Opens `path` for reading if it is a regular file: the kind is checked before the open (so a
/// device is never opened) and on the handle (so a swap in between is caught); the open does
/// not block on a FIFO.
fn open_regular(path: &Path, links: Links) -> Result<(std::fs::File, u64), ReadError> {
    let metadata = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    if let Some(kind) = kind_of(metadata.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    let mut options = std::fs::File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | nofollow);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if let Some(kind) = kind_of(metadata.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    Ok((file, metadata.len()))
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub(crate) fn read(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_regular(path, links)?;
    if size > limit {
        return Err(ReadError::TooLarge { size: Some(size), limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // One byte past the limit, so a file that grew since its size was read is still caught.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// The text of the regular file at `path` (at most `limit` bytes), for configuration, rule and
/// baseline files: an error message names what is wrong, without the path (callers add it).
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    utf8(read(path, limit, Links::Follow).map_err(|err| err.to_string())?)
}

/// `bytes` as text, or why they are not (the offset of the first invalid byte).
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes)
        .map_err(|err| format!("not valid UTF-8 (invalid byte at offset {})", err.utf8_error().valid_up_to()))
}

/// The most ssot reads of a configuration, rule or baseline file.
pub(crate) const CONFIG_LIMIT: u64 = 64 << 20;

/// The most ssot reads of one of its own cache files.
pub(crate) const CACHE_LIMIT: u64 = 4 << 30;

/// Whether `path` is a directory itself, not a link to one.
pub(crate) fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

/// Creates `path` exclusively and writes `bytes` to it; fails, writing nothing, when anything
/// (a file, a link, even a dangling one) is already there.
pub(crate) fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY).mode(0o644);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)
}

/// Writes `bytes` to `file` atomically (a temporary file, created exclusively, then a rename):
/// a concurrent run sees the old file or the new one, never half of one, and a link at either
/// name is replaced, never written through.
pub(crate) fn write_atomically(file: &Path, bytes: &[u8]) -> bool {
    let temp = file.with_extension(format!("tmp{}", std::process::id()));
    // A leftover of a run that died with this process id (or anything planted there) goes first:
    // removing a link removes the link, not its target.
    let _ = std::fs::remove_file(&temp);
    if create_new(&temp, bytes).is_err() || std::fs::rename(&temp, file).is_err() {
        let _ = std::fs::remove_file(&temp);
        return false;
    }
    true
}

/// Opens the regular file `path` (not a link) for writing without truncating it: for marking a
/// cache file used.
pub(crate) fn open_own(path: &Path) -> Option<std::fs::File> {
    let mut options = std::fs::File::options();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).ok()?;
    file.metadata().ok().filter(|m| m.is_file()).map(|_| file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.py");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(matches!(read(&fifo, 10, Links::Follow), Err(ReadError::NotRegular("a FIFO"))));
    }

    #[test]
    fn devices_and_links_to_them_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(".gitignore");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(read(&link, 10, Links::Follow), Err(ReadError::NotRegular("a character device"))));
        assert!(matches!(read(&link, 10, Links::Refuse), Err(ReadError::NotRegular("a symbolic link"))));
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read(&file, 10, Links::Follow).unwrap(), b"0123456789");
        assert!(matches!(read(&file, 9, Links::Follow), Err(ReadError::TooLarge { size: Some(10), limit: 9 })));
    }

    #[test]
    fn writes_replace_links_instead_of_following_them() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "keep").unwrap();
        let cache = dir.path().join("cache.bin");
        std::os::unix::fs::symlink(&outside, &cache).unwrap();
        let temp = cache.with_extension(format!("tmp{}", std::process::id()));
        std::os::unix::fs::symlink(dir.path().join("planted"), &temp).unwrap();
        assert!(write_atomically(&cache, b"new"));
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep");
        assert!(!dir.path().join("planted").exists());
        assert_eq!(std::fs::read_to_string(&cache).unwrap(), "new");
        assert!(!std::fs::symlink_metadata(&cache).unwrap().file_type().is_symlink());
        assert!(create_new(&cache, b"x").is_err());
        assert!(open_own(&outside).is_some() && open_own(&dir.path().join("nothing")).is_none());
    }
}

/// The files under `dir` (recursively) that `keep` accepts, sorted, entering the directories
/// `enter` accepts: for fixtures and test corpora, which are the project's own files.
pub(crate) fn files_under(dir: &Path, enter: &dyn Fn(&Path) -> bool, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if enter(&path) {
                    stack.push(path);
                }
            } else if keep(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
