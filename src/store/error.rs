//! The store's one error type. Each variant names the file and says what the administrator can do.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum StoreError {
    /// The file exists but is not a redb database.
    NotAStore { path: PathBuf },
    /// The file was written by a newer vmr-scheduler.
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },
    /// Another process holds the file in a way that excludes us.
    Locked { path: PathBuf },
    /// A backup was asked of a store that does not exist.
    Missing { path: PathBuf },
    /// redb refused to open the file.
    Open { path: PathBuf, source: Box<redb::DatabaseError> },
    /// The file's contents are inconsistent.
    Corrupt { path: PathBuf, detail: String },
    /// A file-system operation failed.
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    /// A transaction failed.
    Db { path: PathBuf, action: &'static str, source: Box<redb::Error> },
}

impl StoreError {
    pub(super) fn open(path: &std::path::Path, source: redb::DatabaseError) -> StoreError {
        let path = path.to_path_buf();
        match source {
            redb::DatabaseError::DatabaseAlreadyOpen | redb::DatabaseError::LockProtocolMismatch => {
                StoreError::Locked { path }
            }
            redb::DatabaseError::Storage(redb::StorageError::Io(e)) => {
                StoreError::Io { path, action: "open the store", source: e }
            }
            redb::DatabaseError::Storage(redb::StorageError::Corrupted(detail)) => StoreError::Corrupt { path, detail },
            source => StoreError::Open { path, source: Box::new(source) },
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotAStore { path } => write!(
                f,
                "\"{}\" is not a vmr-scheduler store (not a redb database); it was left untouched. Point store.path at the right file, or move this one away to start with an empty store",
                path.display()
            ),
            StoreError::SchemaTooNew { path, found, supported } => write!(
                f,
                "store \"{}\" has schema v{found}, newer than this binary supports (v{supported}); it was left untouched. Install a newer vmr-scheduler, or restore the backup taken before the downgrade",
                path.display()
            ),
            StoreError::Locked { path } => write!(
                f,
                "store \"{}\" is in use by another process that excludes this one; stop the other vmr-scheduler (systemctl stop vmr-scheduler) or use a different store.path",
                path.display()
            ),
            StoreError::Missing { path } => {
                write!(f, "there is no store at \"{}\"; check store.path in the config", path.display())
            }
            StoreError::Open { path, source } => {
                write!(f, "cannot open store \"{}\": {source}", path.display())
            }
            StoreError::Corrupt { path, detail } => write!(
                f,
                "store \"{}\" is damaged ({detail}); restore it from a backup (vmr-scheduler backup)",
                path.display()
            ),
            StoreError::Io { path, action, source } => {
                write!(f, "cannot {action} at \"{}\": {source}; check the path and its permissions", path.display())
            }
            StoreError::Db { path, action, source } => write!(f, "cannot {action} in \"{}\": {source}", path.display()),
        }
    }
}

impl std::error::Error for StoreError {}
