//! Helpers shared by the integration tests: fixture paths, a valid config, temporary directories.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

/// The crate's root directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
            "url": "https://mail.example.com/EWS/Exchange.asmx",
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
pub fn integration(dir: &Path) -> vmr_scheduler::config::Integration {
    let config = vmr_scheduler::config::load(valid_config(dir).to_string().as_bytes(), Some(dir), None)
        .unwrap_or_else(|e| panic!("valid config: {e:?}"));
    config.integrations[0].clone()
}
