//! The locally installed copy of Office.js (`server.office_js_dir`, written by
//! `packaging/fetch-office-js`): only the files its `SHA256SUMS` lists are served, each checked
//! against its checksum before it leaves the appliance. The files are Microsoft's and are never
//! changed here.

use std::fmt;
use std::path::{Path, PathBuf};

/// The checksum list in the Office.js directory, in `sha256sum` format.
pub const CHECKSUM_FILE: &str = "SHA256SUMS";

/// Largest single file served from the directory (Office.js files are below 1 MiB).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest checksum list accepted.
const MAX_LIST_BYTES: u64 = 1024 * 1024;

/// One file listed in `SHA256SUMS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryFile {
    /// Path relative to the directory, `/`-separated, as served under `/addin/lib/`.
    pub path: String,
    /// Lower-case hex SHA-256 from the list.
    pub sha256: String,
}

/// Why a file of the local Office.js cannot be served.
#[derive(Debug)]
pub enum AddinError {
    /// The checksum list is missing or unreadable.
    ListUnreadable { path: PathBuf, source: std::io::Error },
    /// A line of the checksum list is malformed or names a path outside the directory.
    ListLine { path: PathBuf, line: usize },
    /// A listed file is missing or unreadable.
    FileUnreadable { path: PathBuf, source: std::io::Error },
    /// A listed file's content does not match its checksum (changed or damaged since installation).
    ChecksumMismatch { path: PathBuf },
}

impl fmt::Display for AddinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddinError::ListUnreadable { path, source } => write!(
                f,
                "cannot read the Office.js checksum list \"{}\": {source}; install Office.js with packaging/fetch-office-js or set server.office_js_dir",
                path.display()
            ),
            AddinError::ListLine { path, line } => write!(
                f,
                "\"{}\" line {line} is not \"<sha256>  <relative path>\"; reinstall Office.js with packaging/fetch-office-js",
                path.display()
            ),
            AddinError::FileUnreadable { path, source } => write!(
                f,
                "cannot read \"{}\": {source}; reinstall Office.js with packaging/fetch-office-js",
                path.display()
            ),
            AddinError::ChecksumMismatch { path } => write!(
                f,
                "\"{}\" does not match its SHA256SUMS entry (changed or damaged); reinstall Office.js with packaging/fetch-office-js",
                path.display()
            ),
        }
    }
}

impl std::error::Error for AddinError {}

/// The Office.js directory.
#[derive(Debug, Clone)]
pub struct OfficeJsLibrary {
    dir: PathBuf,
}

impl OfficeJsLibrary {
    pub fn new(dir: &Path) -> OfficeJsLibrary {
        OfficeJsLibrary { dir: dir.to_path_buf() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every file the checksum list names.
    pub fn files(&self) -> Result<Vec<LibraryFile>, AddinError> {
        let list = self.dir.join(CHECKSUM_FILE);
        let text = read_limited(&list, MAX_LIST_BYTES)
            .map_err(|source| AddinError::ListUnreadable { path: list.clone(), source })?;
        let text = String::from_utf8(text).map_err(|_| AddinError::ListLine { path: list.clone(), line: 1 })?;
        let mut files = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed = parse_line(line).ok_or(AddinError::ListLine { path: list.clone(), line: n + 1 })?;
            files.push(parsed);
        }
        Ok(files)
    }

    /// The listed file served as `/addin/lib/<path>`, if the list names it.
    pub fn lookup(&self, path: &str) -> Result<Option<LibraryFile>, AddinError> {
        Ok(self.files()?.into_iter().find(|f| f.path == path))
    }

    /// The content of a listed file, checked against its checksum.
    pub fn read(&self, file: &LibraryFile) -> Result<Vec<u8>, AddinError> {
        let path = self.dir.join(&file.path);
        let bytes = read_limited(&path, MAX_FILE_BYTES)
            .map_err(|source| AddinError::FileUnreadable { path: path.clone(), source })?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        if hex != file.sha256 {
            return Err(AddinError::ChecksumMismatch { path });
        }
        Ok(bytes)
    }
}

/// One `sha256sum` line: 64 hex digits, a space, ` ` or `*` (text or binary mode), then a relative
/// path of safe characters with no `.`/`..` segment.
fn parse_line(line: &str) -> Option<LibraryFile> {
    let (hash, rest) = line.split_at_checked(64)?;
    if !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let path = rest.strip_prefix("  ").or_else(|| rest.strip_prefix(" *"))?;
    let path = path.strip_prefix("./").unwrap_or(path);
    if !is_safe_relative_path(path) {
        return None;
    }
    Some(LibraryFile { path: path.to_string(), sha256: hash.to_ascii_lowercase() })
}

/// A path that cannot leave its directory: `/`-separated segments of letters, digits, `.`, `-` and
/// `_`, none of them empty, `.` or `..`.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 512
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

fn read_limited(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "file is too large"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn checksum_lines_with_unsafe_paths_are_refused() {
        assert_eq!(parse_line(&format!("{H}  office.js")).map(|f| f.path).as_deref(), Some("office.js"));
        assert_eq!(
            parse_line(&format!("{H} *en-us/office_strings.js")).map(|f| f.path).as_deref(),
            Some("en-us/office_strings.js")
        );
        assert_eq!(parse_line(&format!("{H}  ./office.js")).map(|f| f.path).as_deref(), Some("office.js"));
        for bad in ["../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a b.js", "a\\b.js", ""] {
            assert_eq!(parse_line(&format!("{H}  {bad}")), None, "{bad}");
        }
        assert_eq!(parse_line("xyz  office.js"), None);
    }
}
