//! The `serve` command: opens the store, starts the HTTPS (and redirect) listeners, tells systemd it is
//! ready, and on SIGTERM/SIGINT stops accepting, lets requests in flight finish and closes the store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::addin::{AddinApi, HttpsMetadataFetcher};
use crate::config::Config;
use crate::http::{self, App, Bound, Listener, SecurityHeaders, ServerOptions};
use crate::reservations::{ReserveError, Tokens};
use crate::store::{Store, StoreError};
use crate::system;
use crate::templates::{TemplateError, Templates};

/// Why the service could not run.
#[derive(Debug)]
pub enum ServiceError {
    Store(StoreError),
    Templates(Vec<TemplateError>),
    Tokens(ReserveError),
    Tls(http::TlsError),
    Listen(http::HttpError),
    Start(std::io::Error),
}

impl ServiceError {
    /// The process exit code for this error (see `main.rs`).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::Store(_) | ServiceError::Tokens(_) => 3,
            ServiceError::Tls(_) | ServiceError::Templates(_) => 2,
            ServiceError::Listen(_) | ServiceError::Start(_) => 1,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Store(e) => write!(f, "{e}"),
            ServiceError::Templates(errors) => {
                let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "templates do not compile: {}", all.join("; "))
            }
            ServiceError::Tokens(e) => write!(f, "cannot set up alias-ID tokens: {e}"),
            ServiceError::Tls(e) => write!(f, "{e}"),
            ServiceError::Listen(e) => write!(f, "{e}"),
            ServiceError::Start(e) => write!(f, "cannot start the server: {e}"),
        }
    }
}

/// Runs until SIGTERM or SIGINT.
pub fn run(config: Config) -> Result<(), ServiceError> {
    let termination = system::Termination::block().map_err(ServiceError::Start)?;
    // Each connection holds a descriptor; the usual soft limit of 1024 would cap us below max_connections.
    system::raise_open_files_limit(config.server.max_connections as u64 * 2 + 256);
    let tls = http::server_config(&config.server.tls_certificate_file, config.server.tls_private_key.expose())
        .map_err(ServiceError::Tls)?;
    let templates = Arc::new(Templates::compile(&config).map_err(ServiceError::Templates)?);
    let store = Arc::new(Store::open(&config.store.path).map_err(ServiceError::Store)?);
    let tokens = Arc::new(Tokens::load(&store).map_err(ServiceError::Tokens)?);
    log::info!("store {} open (schema v{})", config.store.path.display(), crate::store::SCHEMA_VERSION);

    let mut addrs: Vec<_> = config.server.listen.iter().map(|a| (*a, Listener::Https(Arc::clone(&tls)))).collect();
    if let Some(redirect) = config.server.redirect_listen {
        let https_port = config.server.listen.first().map_or(443, |a| a.port());
        addrs.push((redirect, Listener::Redirect { https_port }));
    }
    let bound = Bound::bind(&addrs).map_err(ServiceError::Listen)?;
    let local = bound.local_addrs();

    let headers = SecurityHeaders::new(&config);
    let options = ServerOptions {
        max_connections: config.server.max_connections,
        handshake_timeout: config.server.handshake_timeout,
        request_timeout: config.server.request_timeout,
        idle_timeout: config.server.idle_timeout,
        max_header_bytes: config.server.max_header_bytes,
        max_body_bytes: config.server.max_body_bytes,
        base_headers: headers.base().to_vec(),
    };
    let grace = shutdown_grace(&config);
    let config = Arc::new(config);
    let api = Arc::new(AddinApi::new(
        Arc::clone(&config),
        Arc::clone(&store),
        Arc::clone(&templates),
        Arc::clone(&tokens),
        Box::new(HttpsMetadataFetcher),
    ));
    let app = Arc::new(App::new(Arc::clone(&config), Arc::clone(&store), api));
    let server = bound.serve(options, app).map_err(ServiceError::Start)?;

    for (addr, (_, listener)) in local.iter().zip(&addrs) {
        match listener {
            Listener::Https(_) => log::info!("listening on https://{addr}"),
            Listener::Redirect { .. } => log::info!("redirecting http://{addr} to HTTPS"),
        }
    }
    system::notify(&format!("READY=1\nSTATUS=serving {} integration(s)", config.integrations.len()));

    let signal = termination.wait();
    log::info!("{signal} received: finishing requests in flight (at most {}s)", grace.as_secs());
    system::notify("STOPPING=1");
    let busy = server.shutdown(grace);
    if busy > 0 {
        log::warn!("{busy} connection(s) still busy after {}s; closing them", grace.as_secs());
    }
    drop(store);
    log::info!("stopped");
    Ok(())
}

/// How long shutdown waits for requests in flight: long enough for any request the limits allow.
fn shutdown_grace(config: &Config) -> Duration {
    config.server.request_timeout + config.server.handshake_timeout
}
