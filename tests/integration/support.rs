//! Helpers shared by the integration tests: fixture paths, configs (a valid one, or built from JSON),
//! temporary directories, and requests for the router.

use std::path::{Path, PathBuf};

use std::net::SocketAddr;
use std::time::Instant;

use serde_json::{Value, json};
use vmr_scheduler::config::{self, Config, ConfigError};
use vmr_scheduler::http::Request;

/// The crate's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate's root directory (the add-in tests' name for it).
pub fn repo() -> PathBuf {
    root()
}

/// A file under `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A fresh, empty directory under the target directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("vmr-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A minimal valid config: one integration, TLS from the fixtures, the store in `dir`.
pub fn valid_config(dir: &Path) -> Value {
    json!({
        "server": {
            "listen": ["127.0.0.1:0"],
            "tls_certificate_file": fixture("tls/rsa.pem"),
            "tls_private_key_file": fixture("tls/rsa-pkcs8.key"),
        },
        "store": { "path": dir.join("store.redb") },
        "integrations": [{
            "name": "corp",
            "addin_server_domain": "scheduler.example.com",
            "exchange_domains": ["mail.example.com"],
            "room_mailbox_email_address": "vmr-room@example.com",
            // Loopback, port 1: the scheduler's polls are refused at once, never leave the machine.
            "url": "https://127.0.0.1:1/EWS/Exchange.asmx",
            "username": "svc-vmr@example.com",
            "password": "correct horse battery staple",
        }],
    })
}

/// The path of the built binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vmr-scheduler"))
}

/// The integration of [`valid_config`], loaded through the real config checks.
pub fn loaded_integration(dir: &Path) -> vmr_scheduler::config::Integration {
    let config = vmr_scheduler::config::load(valid_config(dir).to_string().as_bytes(), Some(dir), None)
        .unwrap_or_else(|e| panic!("valid config: {e:?}"));
    config.integrations[0].clone()
}

/// One integration with every required key; `extra` overrides or adds keys.
pub fn integration(name: &str, extra: Value) -> Value {
    let mut i = json!({
        "name": name,
        "addin_server_domain": "scheduler.example.com",
        "exchange_domains": ["mail.example.com"],
        "room_mailbox_email_address": "vmr@example.com",
        "room_mailbox_name": "Video Meeting Resource",
        "url": "https://mail.example.com/EWS/Exchange.asmx",
        "username": "svc@example.com",
        "password": "secret",
    });
    if let (Some(map), Some(more)) = (i.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    i
}

/// A whole config document around `integrations`.
pub fn document(integrations: Vec<Value>, server_extra: Value) -> Value {
    let mut server = json!({
        "tls_certificate_file": fixture("tls/rsa.pem").to_string_lossy(),
        "tls_private_key_file": fixture("tls/rsa-pkcs8.key").to_string_lossy(),
    });
    if let (Some(map), Some(more)) = (server.as_object_mut(), server_extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    json!({"server": server, "integrations": integrations})
}

pub fn try_load(doc: &Value) -> Result<Config, Vec<ConfigError>> {
    config::load(doc.to_string().as_bytes(), Some(&repo()), None)
}

pub fn load(doc: &Value) -> Config {
    match try_load(doc) {
        Ok(c) => c,
        Err(errors) => {
            panic!("config refused: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
        }
    }
}

pub fn get(path: &str) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        headers: vec![("host".into(), "scheduler.example.com".into())],
        body: Vec::new(),
        peer: SocketAddr::from(([127, 0, 0, 1], 40000)),
        secure: true,
        started: Instant::now(),
    }
}
