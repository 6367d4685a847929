//! Helpers shared by the integration test modules: configs from JSON text, temporary directories,
//! and requests for the router.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use vmr_scheduler::config::{self, Config, ConfigError};
use vmr_scheduler::http::Request;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(rel)
}

/// A fresh empty directory under the system's temp directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vmr-it-{label}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
