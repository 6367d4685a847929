//! The store: created on first open, refused untouched when it is not ours or too new, migrated when
//! older, and backed up consistently while a writer is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTableMetadata, TableDefinition};
use vmr_scheduler::store::{SCHEMA_VERSION, Store, StoreError};

use crate::support::TempDir;

const META: TableDefinition<&[u8], &[u8]> = TableDefinition::new("meta");

fn write_schema_version(path: &std::path::Path, version: u32) {
    let db = Database::create(path).expect("create");
    let tx = db.begin_write().expect("write");
    {
        let mut meta = tx.open_table(META).expect("meta");
        meta.insert(b"schema_version".as_slice(), version.to_be_bytes().as_slice()).expect("insert");
    }
    tx.commit().expect("commit");
}

#[test]
fn a_missing_store_is_created_at_the_current_schema() {
    let dir = TempDir::new("store");
    let path = dir.join("store.redb");
    let store = Store::open(&path).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(store.is_readable());
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let dir = TempDir::new("store");
    for (name, content) in [("garbage", b"this is not a database at all".to_vec()), ("empty", Vec::new())] {
        let path = dir.join(name);
        std::fs::write(&path, &content).expect("write");
        let err = Store::open(&path).err().expect("refused");
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        assert!(err.to_string().contains("left untouched"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), content, "{name} was modified");
    }
}

#[test]
fn a_store_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = TempDir::new("store");
    let path = dir.join("store.redb");
    write_schema_version(&path, SCHEMA_VERSION + 1);
    let before = std::fs::read(&path).expect("read");
    let err = Store::open(&path).err().expect("refused");
    match &err {
        StoreError::SchemaTooNew { found, supported, .. } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other}"),
    }
    assert!(err.to_string().contains("Install a newer vmr-scheduler"), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_store_without_a_schema_version_is_migrated() {
    let dir = TempDir::new("store");
    let path = dir.join("store.redb");
    Database::create(&path).expect("create a bare redb file");
    let store = Store::open(&path).expect("open migrates");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
}

#[test]
fn a_second_writer_is_refused_with_advice() {
    let dir = TempDir::new("store");
    let path = dir.join("store.redb");
    let _first = Store::open(&path).expect("open");
    let err = Store::open(&path).err().expect("second writer refused");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("systemctl stop"), "{err}");
}

/// A writer keeps two tables the same length, one transaction at a time; every backup taken while
/// it runs must show them equal (one snapshot), and open as a store.
#[test]
fn backups_taken_during_writes_are_consistent_snapshots() {
    let dir = TempDir::new("store");
    let path = dir.join("store.redb");
    drop(Store::open(&path).expect("create"));
    let left: TableDefinition<&[u8], &[u8]> = TableDefinition::new("left");
    let right: TableDefinition<&[u8], &[u8]> = TableDefinition::new("right");
    let writer = Database::builder().set_concurrency_mode(ConcurrencyMode::SingleWriter).create(&path).expect("writer");
    let stop = Arc::new(AtomicBool::new(false));
    let stop_writer = Arc::clone(&stop);
    let handle = std::thread::spawn(move || {
        let mut n: u64 = 0;
        while !stop_writer.load(Ordering::Relaxed) {
            let tx = writer.begin_write().expect("write");
            {
                let mut l = tx.open_table(left).expect("left");
                let mut r = tx.open_table(right).expect("right");
                let key = n.to_be_bytes();
                l.insert(key.as_slice(), [7u8; 200].as_slice()).expect("insert");
                r.insert(key.as_slice(), [9u8; 300].as_slice()).expect("insert");
            }
            tx.commit().expect("commit");
            n += 1;
        }
        n
    });
    let mut seen = Vec::new();
    for i in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(30));
        let dest = dir.join(&format!("backup-{i}.redb"));
        let summary = Store::backup(&path, &dest).expect("backup");
        assert_eq!(summary.schema_version, SCHEMA_VERSION);
        let copy = Database::builder().open_read_only(&dest).expect("backup opens");
        let tx = copy.begin_read().expect("read");
        let l = tx.open_table(left).map(|t| t.len().expect("len")).unwrap_or(0);
        let r = tx.open_table(right).map(|t| t.len().expect("len")).unwrap_or(0);
        assert_eq!(l, r, "backup {i} caught a half-written transaction");
        seen.push(l);
        drop(tx);
        drop(copy);
        assert!(Store::open(&dest).is_ok(), "a backup is a usable store");
    }
    stop.store(true, Ordering::Relaxed);
    let written = handle.join().expect("writer");
    assert!(written > 0 && seen.iter().any(|&n| n > 0), "the writer made progress during the backups: {seen:?}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn a_backup_of_a_missing_or_foreign_file_fails_clearly_and_writes_nothing() {
    let dir = TempDir::new("store");
    let dest = dir.join("backup.redb");
    let err = Store::backup(&dir.join("nothing.redb"), &dest).expect_err("missing");
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    std::fs::write(dir.join("foreign"), b"hello").expect("write");
    let err = Store::backup(&dir.join("foreign"), &dest).expect_err("foreign");
    assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
    assert!(!dest.exists());
}
