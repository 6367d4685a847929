//! Builds the rustls (ring provider) server configuration from the configured PEM certificate chain
//! and private key (PKCS#8, PKCS#1 or SEC1), for TLS 1.2 and 1.3 with ALPN `http/1.1`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What is wrong with the certificate or key; each says which file and what to do.
#[derive(Debug)]
pub enum TlsError {
    Read { path: PathBuf, source: std::io::Error },
    NoCertificate { path: PathBuf },
    BadPem { what: &'static str, path: Option<PathBuf>, detail: String },
    NoKey,
    Rejected { detail: String },
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::Read { path, source } => write!(
                f,
                "cannot read TLS certificate file \"{}\": {source}; check server.tls_certificate_file",
                path.display()
            ),
            TlsError::NoCertificate { path } => write!(
                f,
                "\"{}\" holds no PEM certificate (-----BEGIN CERTIFICATE-----); server.tls_certificate_file must name the server certificate followed by its intermediates",
                path.display()
            ),
            TlsError::BadPem { what, path: Some(path), detail } => {
                write!(f, "the {what} in \"{}\" is not valid PEM ({detail})", path.display())
            }
            TlsError::BadPem { what, path: None, detail } => {
                write!(f, "the {what} (server.tls_private_key) is not valid PEM ({detail})")
            }
            TlsError::NoKey => write!(
                f,
                "server.tls_private_key holds no private key; give a PEM key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)"
            ),
            TlsError::Rejected { detail } => write!(
                f,
                "the TLS certificate and key cannot be used together ({detail}); check that the key belongs to the first certificate in server.tls_certificate_file"
            ),
        }
    }
}

impl std::error::Error for TlsError {}

/// Reads the certificate chain from `cert_file` and the key from its PEM text.
pub fn server_config(cert_file: &Path, key_pem: &str) -> Result<Arc<ServerConfig>, TlsError> {
    let pem = std::fs::read(cert_file).map_err(|source| TlsError::Read { path: cert_file.to_path_buf(), source })?;
    let chain = certificates(&pem, cert_file)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey,
        other => TlsError::BadPem { what: "private key", path: None, detail: other.to_string() },
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Rejected { detail: e.to_string() })?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rejected { detail: e.to_string() })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn certificates(pem: &[u8], path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let mut chain = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| TlsError::BadPem {
            what: "certificate",
            path: Some(path.to_path_buf()),
            detail: e.to_string(),
        })?;
        chain.push(cert);
    }
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_path_buf() });
    }
    Ok(chain)
}
