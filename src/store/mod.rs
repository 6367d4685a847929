//! The appliance's state in one redb file: schema versioning and migration, consistent backups, and
//! the typed functions other parts call. This is the only module that opens transactions.
//!
//! Every table maps bytes to bytes (`&[u8]` → `&[u8]`), with typed encoding in this module, so that
//! backups and migrations can copy any table without knowing its types.

mod access;
mod error;
mod records;

use std::path::{Path, PathBuf};

use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

pub use access::{MAX_OPERATIONS, Writer};
pub use error::StoreError;
pub use records::{Intent, Meeting, Operation, PendingIntent, Processed, QueuedItem, Vmr, VmrState};

use access::{IndexKind, Reader, db_error};

/// Where the store lives when the config does not say.
pub const DEFAULT_PATH: &str = "/var/lib/vmr-scheduler/store.redb";

/// The schema this binary writes. Bump it together with a migration in [`MIGRATIONS`].
pub const SCHEMA_VERSION: u32 = 1;

/// The first bytes of every redb file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;

const META: Bytes = TableDefinition::new("meta");
const SCHEMA_KEY: &[u8] = b"schema_version";

/// A migration from version `n` (its index) to `n + 1`.
type Migration = fn(&redb::WriteTransaction) -> Result<(), redb::Error>;

/// `MIGRATIONS[n]` upgrades a store at version `n` to `n + 1`. Version 0 is a redb file without our
/// meta table (created by hand, or by a build that predates versioning).
const MIGRATIONS: [Migration; SCHEMA_VERSION as usize] = [migrate_0_to_1];

fn migrate_0_to_1(tx: &redb::WriteTransaction) -> Result<(), redb::Error> {
    tx.open_table(META)?;
    Ok(())
}

/// The open store. Cheap to share behind an `Arc`; every method runs its own transaction.
pub struct Store {
    db: Database,
    path: PathBuf,
}

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupSummary {
    pub tables: usize,
    pub entries: u64,
    pub bytes: u64,
    pub schema_version: u32,
}

impl Store {
    /// Opens the store at `path`, creating it if the file does not exist and migrating an older schema.
    /// A file that is not a redb database, or whose schema is newer than this binary, is refused
    /// without being written to.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let exists = check_existing_file(path)?;
        if !exists && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            create_private_dir(dir).map_err(|e| StoreError::Io {
                path: dir.to_path_buf(),
                action: "create the store's directory",
                source: e,
            })?;
        }
        if exists {
            // Look before writing: a read-only open changes nothing in the file.
            let found = read_only(path).and_then(|db| schema_version_of(&db, path))?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew { path: path.to_path_buf(), found, supported: SCHEMA_VERSION });
            }
        }
        let db = Database::builder()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .set_cache_size(64 * 1024 * 1024)
            .create(path)
            .map_err(|e| StoreError::open(path, e))?;
        let store = Store { db, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema_version_of(&self.db, &self.path)
    }

    /// Whether the store answers a read (for `/readyz`).
    pub fn is_readable(&self) -> bool {
        self.schema_version().is_ok()
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let ctx = |e: redb::Error| StoreError::Db {
            path: self.path.clone(),
            action: "migrate the schema",
            source: Box::new(e),
        };
        let mut version = self.schema_version()?;
        while version < SCHEMA_VERSION {
            let tx = self.db.begin_write().map_err(|e| ctx(e.into()))?;
            MIGRATIONS[version as usize](&tx).map_err(ctx)?;
            {
                let mut meta = tx.open_table(META).map_err(|e| ctx(e.into()))?;
                let next = (version + 1).to_be_bytes();
                meta.insert(SCHEMA_KEY, next.as_slice()).map_err(|e| ctx(e.into()))?;
            }
            tx.commit().map_err(|e| ctx(e.into()))?;
            log::info!("store {}: schema migrated from v{version} to v{}", self.path.display(), version + 1);
            version += 1;
        }
        Ok(())
    }

    /// Runs `change` in one write transaction: everything it does is committed together, or nothing
    /// is if it returns an error.
    pub fn write<T>(&self, change: impl FnOnce(&Writer<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let err = db_error(&self.path, "write");
        let tx = self.db.begin_write().map_err(|e| err(e.into()))?;
        let result = change(&Writer { tx: &tx, path: &self.path });
        match result {
            Ok(value) => {
                tx.commit().map_err(|e| err(e.into()))?;
                Ok(value)
            }
            Err(e) => {
                let _ = tx.abort();
                Err(e)
            }
        }
    }

    fn reader(&self) -> Result<Reader<'_>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| db_error(&self.path, "read")(e.into()))?;
        Ok(Reader { tx, path: &self.path })
    }

    pub fn vmr(&self, id: &str) -> Result<Option<Vmr>, StoreError> {
        self.reader()?.vmr(id)
    }

    /// The VMR holding this alias of this integration, whatever its state.
    pub fn vmr_by_alias(&self, integration: &str, numeric_alias: &str) -> Result<Option<Vmr>, StoreError> {
        self.reader()?.vmr_by_index(IndexKind::Alias, &[integration, numeric_alias])
    }

    /// The VMR of the meeting with this UID.
    pub fn vmr_by_uid(&self, integration: &str, uid: &str) -> Result<Option<Vmr>, StoreError> {
        self.reader()?.vmr_by_index(IndexKind::Uid, &[integration, uid])
    }

    /// The VMR an add-in request (user and request id) reserved.
    pub fn vmr_by_request(&self, integration: &str, user: &str, request_id: &str) -> Result<Option<Vmr>, StoreError> {
        self.reader()?.vmr_by_index(IndexKind::Request, &[integration, user, request_id])
    }

    /// Every VMR, or every VMR of one integration.
    pub fn vmrs(&self, integration: Option<&str>) -> Result<Vec<Vmr>, StoreError> {
        self.reader()?.vmrs(integration)
    }

    /// The resource mailbox's sync state, if a sync has completed before.
    pub fn sync_state(&self, integration: &str) -> Result<Option<String>, StoreError> {
        self.reader()?.sync_state(integration)
    }

    /// Items waiting to be processed, oldest first.
    pub fn queue(&self, integration: &str, limit: usize) -> Result<Vec<QueuedItem>, StoreError> {
        self.reader()?.queue(integration, limit)
    }

    /// Decisions not yet carried out (after a crash or while Exchange is unavailable).
    pub fn intents(&self, integration: &str) -> Result<Vec<PendingIntent>, StoreError> {
        self.reader()?.intents(integration)
    }

    /// The most recent scheduling operations, newest first.
    pub fn operations(&self, limit: usize) -> Result<Vec<Operation>, StoreError> {
        self.reader()?.operations(limit)
    }

    /// Releases what has outlived its time: reservations never sent in a meeting, meetings whose last
    /// join window has closed, and aliases of cancelled meetings whose hold has passed. Returns the
    /// released VMRs.
    pub fn release_expired(&self, integration: &str, now: jiff::Timestamp) -> Result<Vec<Vmr>, StoreError> {
        let due: Vec<Vmr> = self
            .vmrs(Some(integration))?
            .into_iter()
            .filter(|v| match &v.state {
                VmrState::Reserved { expires_at } => *expires_at <= now,
                VmrState::Cancelled { release_at, .. } => *release_at <= now,
                VmrState::Scheduled(m) => m.release_after.is_some_and(|t| t <= now),
            })
            .collect();
        if due.is_empty() {
            return Ok(due);
        }
        self.write(|w| {
            let mut released = Vec::new();
            for vmr in due {
                // Re-read inside the transaction: a meeting may have claimed it meanwhile.
                if w.vmr(&vmr.id)?.as_ref() == Some(&vmr) {
                    w.delete_vmr(&vmr)?;
                    released.push(vmr);
                }
            }
            Ok(released)
        })
    }

    /// Forgets processed-item markers older than `before` (items that old never come back).
    pub fn prune_processed(&self, integration: &str, before: jiff::Timestamp) -> Result<(), StoreError> {
        self.write(|w| w.prune_processed(integration, before))
    }

    /// Writes a consistent copy of the store at `source` to `dest`, while a service may be writing to
    /// it: the copy is one read snapshot. `dest` is written under a temporary name and renamed into
    /// place, so it is either complete or absent.
    pub fn backup(source: &Path, dest: &Path) -> Result<BackupSummary, StoreError> {
        if !check_existing_file(source)? {
            return Err(StoreError::Missing { path: source.to_path_buf() });
        }
        let db = read_only(source)?;
        let schema_version = schema_version_of(&db, source)?;
        let tmp = temporary_sibling(dest);
        let result = copy_snapshot(&db, source, &tmp);
        let (tables, entries) = match result {
            Ok(counts) => counts,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let io = |e: std::io::Error| StoreError::Io { path: dest.to_path_buf(), action: "write the backup", source: e };
        std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io)?;
        std::fs::rename(&tmp, dest).map_err(io)?;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable.
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        let bytes = std::fs::metadata(dest).map(|m| m.len()).map_err(io)?;
        Ok(BackupSummary { tables, entries, bytes, schema_version })
    }
}

/// Opens a store read-only in the same sharing mode as the service, so it can run beside it.
fn read_only(path: &Path) -> Result<redb::ReadOnlyDatabase, StoreError> {
    Database::builder()
        .set_concurrency_mode(ConcurrencyMode::SingleWriter)
        .set_cache_size(16 * 1024 * 1024)
        .open_read_only(path)
        .map_err(|e| StoreError::open(path, e))
}

fn schema_version_of(db: &impl ReadableDatabase, path: &Path) -> Result<u32, StoreError> {
    let ctx = |e: redb::Error| StoreError::Db {
        path: path.to_path_buf(),
        action: "read the schema version",
        source: Box::new(e),
    };
    let tx = db.begin_read().map_err(|e| ctx(e.into()))?;
    let meta = match tx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(ctx(e.into())),
    };
    let Some(raw) = meta.get(SCHEMA_KEY).map_err(|e| ctx(e.into()))? else {
        return Ok(0);
    };
    let bytes: [u8; 4] = raw.value().try_into().map_err(|_| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: "the schema version record is malformed".into(),
    })?;
    Ok(u32::from_be_bytes(bytes))
}

/// Returns whether `path` exists; refuses a file that exists but is not a redb database.
fn check_existing_file(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StoreError::Io { path: path.to_path_buf(), action: "open the store", source: e });
        }
    };
    let mut head = [0u8; REDB_MAGIC.len()];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => {
                return Err(StoreError::Io { path: path.to_path_buf(), action: "read the store", source: e });
            }
        }
    }
    if filled < head.len() || head != REDB_MAGIC {
        return Err(StoreError::NotAStore { path: path.to_path_buf() });
    }
    Ok(true)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

fn temporary_sibling(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn copy_snapshot(db: &redb::ReadOnlyDatabase, source: &Path, tmp: &Path) -> Result<(usize, u64), StoreError> {
    let read_ctx = |e: redb::Error| StoreError::Db {
        path: source.to_path_buf(),
        action: "read for the backup",
        source: Box::new(e),
    };
    let write_ctx =
        |e: redb::Error| StoreError::Db { path: tmp.to_path_buf(), action: "write the backup", source: Box::new(e) };
    let _ = std::fs::remove_file(tmp);
    let out = Database::builder().create(tmp).map_err(|e| StoreError::open(tmp, e))?;
    let snapshot = db.begin_read().map_err(|e| read_ctx(e.into()))?;
    let wtx = out.begin_write().map_err(|e| write_ctx(e.into()))?;
    let mut tables = 0;
    let mut entries = 0u64;
    for handle in snapshot.list_tables().map_err(|e| read_ctx(e.into()))? {
        let name = handle.name().to_string();
        let def: TableDefinition<&[u8], &[u8]> = TableDefinition::new(&name);
        let src = snapshot.open_table(def).map_err(|e| read_ctx(e.into()))?;
        let mut dst = wtx.open_table(def).map_err(|e| write_ctx(e.into()))?;
        for row in src.iter().map_err(|e| read_ctx(e.into()))? {
            let (k, v) = row.map_err(|e| read_ctx(e.into()))?;
            dst.insert(k.value(), v.value()).map_err(|e| write_ctx(e.into()))?;
            entries += 1;
        }
        tables += 1;
    }
    wtx.commit().map_err(|e| write_ctx(e.into()))?;
    drop(out);
    Ok((tables, entries))
}
