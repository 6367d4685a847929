//! Typed access to the store's tables. [`Writer`] is handed to the closure of `Store::write`, so that
//! callers compose several changes into one atomic transaction without ever opening one themselves;
//! the read functions each run their own snapshot.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use redb::{ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;
use super::records::{Operation, PendingIntent, Processed, QueuedItem, Vmr, VmrState};

pub(super) type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;

pub(super) const VMRS: Bytes = TableDefinition::new("vmrs");
const VMR_BY_ALIAS: Bytes = TableDefinition::new("vmr_by_alias");
const VMR_BY_UID: Bytes = TableDefinition::new("vmr_by_uid");
const VMR_BY_REQUEST: Bytes = TableDefinition::new("vmr_by_request");
const SYNC_STATE: Bytes = TableDefinition::new("sync_state");
const QUEUE: Bytes = TableDefinition::new("inbox_queue");
const QUEUE_BY_ITEM: Bytes = TableDefinition::new("inbox_queue_by_item");
const INTENTS: Bytes = TableDefinition::new("intents");
const PROCESSED: Bytes = TableDefinition::new("processed");
const OPERATIONS: Bytes = TableDefinition::new("operations");
const COUNTERS: Bytes = TableDefinition::new("counters");
const SECRETS: Bytes = TableDefinition::new("secrets");

/// The operation log keeps this many entries; older ones are dropped.
pub const MAX_OPERATIONS: u64 = 20_000;

/// A key made of parts separated by NUL (which none of the parts may contain: ids, names, emails).
pub(super) fn key(parts: &[&str]) -> Vec<u8> {
    parts.join("\0").into_bytes()
}

fn prefix(parts: &[&str]) -> Vec<u8> {
    let mut k = key(parts);
    k.push(0);
    k
}

/// The end of the key range starting with `prefix`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    end.push(0xff);
    end
}

fn encode(path: &Path, value: &impl Serialize) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Corrupt { path: path.to_path_buf(), detail: format!("cannot encode a record: {e}") })
}

fn decode<T: DeserializeOwned>(path: &Path, table: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("a record in {table} is unreadable: {e}"),
    })
}

pub(super) fn db_error<'a>(path: &'a Path, action: &'static str) -> impl Fn(redb::Error) -> StoreError + 'a {
    move |e| StoreError::Db { path: path.to_path_buf(), action, source: Box::new(e) }
}

/// Changes within one write transaction.
pub struct Writer<'t> {
    pub(super) tx: &'t redb::WriteTransaction,
    pub(super) path: &'t Path,
}

impl Writer<'_> {
    fn get(&self, def: Bytes, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let err = db_error(self.path, "read");
        let table = self.tx.open_table(def).map_err(|e| err(e.into()))?;
        let value = table.get(k).map_err(|e| err(e.into()))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    fn put(&self, def: Bytes, k: &[u8], v: &[u8]) -> Result<(), StoreError> {
        let err = db_error(self.path, "write");
        let mut table = self.tx.open_table(def).map_err(|e| err(e.into()))?;
        table.insert(k, v).map_err(|e| err(e.into()))?;
        Ok(())
    }

    fn remove(&self, def: Bytes, k: &[u8]) -> Result<(), StoreError> {
        let err = db_error(self.path, "write");
        let mut table = self.tx.open_table(def).map_err(|e| err(e.into()))?;
        table.remove(k).map_err(|e| err(e.into()))?;
        Ok(())
    }

    fn vmr_via(&self, index: Bytes, k: &[u8]) -> Result<Option<Vmr>, StoreError> {
        match self.get(index, k)? {
            Some(id) => self.vmr(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    pub fn vmr(&self, id: &str) -> Result<Option<Vmr>, StoreError> {
        self.get(VMRS, id.as_bytes())?.map(|b| decode(self.path, "vmrs", &b)).transpose()
    }

    /// The VMR holding this alias (reserved, scheduled or waiting for release).
    pub fn vmr_by_alias(&self, integration: &str, numeric_alias: &str) -> Result<Option<Vmr>, StoreError> {
        self.vmr_via(VMR_BY_ALIAS, &key(&[integration, numeric_alias]))
    }

    /// The VMR scheduled for the meeting with this UID.
    pub fn vmr_by_uid(&self, integration: &str, uid: &str) -> Result<Option<Vmr>, StoreError> {
        self.vmr_via(VMR_BY_UID, &key(&[integration, uid]))
    }

    /// The VMR an add-in request already reserved.
    pub fn vmr_by_request(&self, integration: &str, user: &str, request_id: &str) -> Result<Option<Vmr>, StoreError> {
        self.vmr_via(VMR_BY_REQUEST, &key(&[integration, user, request_id]))
    }

    /// Stores a VMR and keeps its alias, meeting and request indexes in step.
    pub fn put_vmr(&self, vmr: &Vmr) -> Result<(), StoreError> {
        if let Some(old) = self.vmr(&vmr.id)?
            && let Some(uid) = meeting_uid(&old)
            && meeting_uid(vmr) != Some(uid)
        {
            self.remove(VMR_BY_UID, &key(&[&old.integration, uid]))?;
        }
        self.put(VMRS, vmr.id.as_bytes(), &encode(self.path, vmr)?)?;
        self.put(VMR_BY_ALIAS, &key(&[&vmr.integration, &vmr.numeric_alias]), vmr.id.as_bytes())?;
        if let Some(uid) = meeting_uid(vmr) {
            self.put(VMR_BY_UID, &key(&[&vmr.integration, uid]), vmr.id.as_bytes())?;
        }
        if let Some(request) = &vmr.request_id {
            self.put(VMR_BY_REQUEST, &key(&[&vmr.integration, &vmr.reserved_by, request]), vmr.id.as_bytes())?;
        }
        Ok(())
    }

    /// Removes a VMR and its indexes; its alias returns to the pool.
    pub fn delete_vmr(&self, vmr: &Vmr) -> Result<(), StoreError> {
        self.remove(VMRS, vmr.id.as_bytes())?;
        self.remove(VMR_BY_ALIAS, &key(&[&vmr.integration, &vmr.numeric_alias]))?;
        if let Some(uid) = meeting_uid(vmr) {
            // Only if the index still points here (a newer VMR may have taken the UID).
            let k = key(&[&vmr.integration, uid]);
            if self.get(VMR_BY_UID, &k)?.as_deref() == Some(vmr.id.as_bytes()) {
                self.remove(VMR_BY_UID, &k)?;
            }
        }
        if let Some(request) = &vmr.request_id {
            self.remove(VMR_BY_REQUEST, &key(&[&vmr.integration, &vmr.reserved_by, request]))?;
        }
        Ok(())
    }

    pub fn set_sync_state(&self, integration: &str, state: &str) -> Result<(), StoreError> {
        self.put(SYNC_STATE, integration.as_bytes(), state.as_bytes())
    }

    /// Queues an item for processing; an item already queued keeps its place with the newer change key.
    pub fn enqueue(
        &self,
        integration: &str,
        item_id: &str,
        change_key: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let by_item = key(&[integration, item_id]);
        if let Some(queue_key) = self.get(QUEUE_BY_ITEM, &by_item)?
            && let Some(raw) = self.get(QUEUE, &queue_key)?
        {
            let mut item: QueuedItem = decode(self.path, "inbox_queue", &raw)?;
            item.change_key = change_key.to_string();
            return self.put(QUEUE, &queue_key, &encode(self.path, &item)?);
        }
        let seq = self.next_counter(&format!("queue\0{integration}"))?;
        let mut queue_key = prefix(&[integration]);
        queue_key.extend_from_slice(&seq.to_be_bytes());
        let item = QueuedItem {
            item_id: item_id.to_string(),
            change_key: change_key.to_string(),
            queued_at: now,
            attempts: 0,
        };
        self.put(QUEUE, &queue_key, &encode(self.path, &item)?)?;
        self.put(QUEUE_BY_ITEM, &by_item, &queue_key)
    }

    /// Takes an item off the queue.
    pub fn dequeue(&self, integration: &str, item_id: &str) -> Result<(), StoreError> {
        let by_item = key(&[integration, item_id]);
        if let Some(queue_key) = self.get(QUEUE_BY_ITEM, &by_item)? {
            self.remove(QUEUE, &queue_key)?;
            self.remove(QUEUE_BY_ITEM, &by_item)?;
        }
        Ok(())
    }

    /// Counts a deferred attempt at a queued item; returns the new count.
    pub fn count_attempt(&self, integration: &str, item_id: &str) -> Result<u32, StoreError> {
        let Some(queue_key) = self.get(QUEUE_BY_ITEM, &key(&[integration, item_id]))? else {
            return Ok(0);
        };
        let Some(raw) = self.get(QUEUE, &queue_key)? else { return Ok(0) };
        let mut item: QueuedItem = decode(self.path, "inbox_queue", &raw)?;
        item.attempts = item.attempts.saturating_add(1);
        self.put(QUEUE, &queue_key, &encode(self.path, &item)?)?;
        Ok(item.attempts)
    }

    pub fn put_intent(&self, integration: &str, intent: &PendingIntent) -> Result<(), StoreError> {
        self.put(INTENTS, &key(&[integration, &intent.item_id]), &encode(self.path, intent)?)
    }

    pub fn intent(&self, integration: &str, item_id: &str) -> Result<Option<PendingIntent>, StoreError> {
        self.get(INTENTS, &key(&[integration, item_id]))?.map(|b| decode(self.path, "intents", &b)).transpose()
    }

    pub fn delete_intent(&self, integration: &str, item_id: &str) -> Result<(), StoreError> {
        self.remove(INTENTS, &key(&[integration, item_id]))
    }

    /// Marks an item done. Keyed by item id alone: Exchange changes an item's change key for
    /// bookkeeping (read flags, processing marks) without it becoming a new request.
    pub fn mark_processed(&self, integration: &str, item_id: &str, processed: &Processed) -> Result<(), StoreError> {
        self.put(PROCESSED, &key(&[integration, item_id]), &encode(self.path, processed)?)
    }

    pub fn processed(&self, integration: &str, item_id: &str) -> Result<Option<Processed>, StoreError> {
        self.get(PROCESSED, &key(&[integration, item_id]))?.map(|b| decode(self.path, "processed", &b)).transpose()
    }

    /// Drops processed markers of `integration` recorded before `before`.
    pub fn prune_processed(&self, integration: &str, before: Timestamp) -> Result<(), StoreError> {
        let err = db_error(self.path, "prune processed items");
        let mut table = self.tx.open_table(PROCESSED).map_err(|e| err(e.into()))?;
        let start = prefix(&[integration]);
        let end = prefix_end(&start);
        table
            .retain_in(start.as_slice()..end.as_slice(), |_, v| {
                serde_json::from_slice::<Processed>(v).map_or(true, |p| p.at >= before)
            })
            .map_err(|e| err(e.into()))?;
        Ok(())
    }

    /// A named secret of this store (created by `generate` on first use).
    pub fn secret(&self, name: &str, generate: impl FnOnce() -> Vec<u8>) -> Result<Vec<u8>, StoreError> {
        if let Some(v) = self.get(SECRETS, name.as_bytes())? {
            return Ok(v);
        }
        let v = generate();
        self.put(SECRETS, name.as_bytes(), &v)?;
        Ok(v)
    }

    /// Appends to the operation log, dropping the oldest entries beyond [`MAX_OPERATIONS`].
    pub fn log(&self, op: &Operation) -> Result<(), StoreError> {
        let seq = self.next_counter("operations")?;
        self.put(OPERATIONS, &seq.to_be_bytes(), &encode(self.path, op)?)?;
        if seq >= MAX_OPERATIONS {
            self.remove(OPERATIONS, &(seq - MAX_OPERATIONS).to_be_bytes())?;
        }
        Ok(())
    }

    fn next_counter(&self, name: &str) -> Result<u64, StoreError> {
        let current = match self.get(COUNTERS, name.as_bytes())? {
            Some(raw) => u64::from_be_bytes(raw.as_slice().try_into().map_err(|_| StoreError::Corrupt {
                path: self.path.to_path_buf(),
                detail: format!("counter {name:?} is malformed"),
            })?),
            None => 0,
        };
        self.put(COUNTERS, name.as_bytes(), &(current + 1).to_be_bytes())?;
        Ok(current)
    }
}

fn meeting_uid(vmr: &Vmr) -> Option<&str> {
    match &vmr.state {
        VmrState::Reserved { .. } => None,
        VmrState::Scheduled(m) | VmrState::Cancelled { meeting: m, .. } => Some(&m.uid),
    }
}

/// Read-only queries, each on its own snapshot.
pub(super) struct Reader<'a> {
    pub tx: redb::ReadTransaction,
    pub path: &'a PathBuf,
}

impl Reader<'_> {
    /// Every value in `def` whose key starts with `prefix`, in key order, at most `limit`.
    fn scan(&self, def: Bytes, prefix: &[u8], limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let err = db_error(self.path, "read");
        let table = match self.tx.open_table(def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(err(e.into())),
        };
        let end = prefix_end(prefix);
        let mut out = Vec::new();
        for row in table.range(prefix..end.as_slice()).map_err(|e| err(e.into()))? {
            let (_, v) = row.map_err(|e| err(e.into()))?;
            out.push(v.value().to_vec());
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    fn get(&self, def: Bytes, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let err = db_error(self.path, "read");
        let table = match self.tx.open_table(def) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(err(e.into())),
        };
        Ok(table.get(k).map_err(|e| err(e.into()))?.map(|v| v.value().to_vec()))
    }

    pub fn vmr(&self, id: &str) -> Result<Option<Vmr>, StoreError> {
        self.get(VMRS, id.as_bytes())?.map(|b| decode(self.path, "vmrs", &b)).transpose()
    }

    pub fn vmr_by_index(&self, index: IndexKind, parts: &[&str]) -> Result<Option<Vmr>, StoreError> {
        let def = match index {
            IndexKind::Alias => VMR_BY_ALIAS,
            IndexKind::Uid => VMR_BY_UID,
            IndexKind::Request => VMR_BY_REQUEST,
        };
        match self.get(def, &key(parts))? {
            Some(id) => self.vmr(&String::from_utf8_lossy(&id)),
            None => Ok(None),
        }
    }

    /// All VMRs (of one integration, if given).
    pub fn vmrs(&self, integration: Option<&str>) -> Result<Vec<Vmr>, StoreError> {
        let all = self.scan(VMRS, b"", usize::MAX)?;
        let mut out = Vec::new();
        for raw in all {
            let vmr: Vmr = decode(self.path, "vmrs", &raw)?;
            if integration.is_none_or(|i| vmr.integration == i) {
                out.push(vmr);
            }
        }
        Ok(out)
    }

    pub fn sync_state(&self, integration: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(SYNC_STATE, integration.as_bytes())?.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    pub fn queue(&self, integration: &str, limit: usize) -> Result<Vec<QueuedItem>, StoreError> {
        self.scan(QUEUE, &prefix(&[integration]), limit)?.iter().map(|b| decode(self.path, "inbox_queue", b)).collect()
    }

    pub fn intents(&self, integration: &str) -> Result<Vec<PendingIntent>, StoreError> {
        self.scan(INTENTS, &prefix(&[integration]), usize::MAX)?
            .iter()
            .map(|b| decode(self.path, "intents", b))
            .collect()
    }

    /// The most recent operations, newest first.
    pub fn operations(&self, limit: usize) -> Result<Vec<Operation>, StoreError> {
        let err = db_error(self.path, "read");
        let table = match self.tx.open_table(OPERATIONS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(err(e.into())),
        };
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| err(e.into()))?.rev() {
            let (_, v) = row.map_err(|e| err(e.into()))?;
            out.push(decode(self.path, "operations", v.value())?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

/// Which index a lookup goes through.
#[derive(Debug, Clone, Copy)]
pub(super) enum IndexKind {
    Alias,
    Uid,
    Request,
}
