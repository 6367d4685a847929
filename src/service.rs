//! The appliance's life cycle: opens the store, starts the HTTPS (and redirect) listeners and the
//! scheduler; `run` (the `serve` command) tells systemd it is ready and, on SIGTERM/SIGINT, stops
//! accepting, lets requests in flight finish, stops the scheduler and closes the store.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::addin::{AddinApi, HttpsMetadataFetcher};
use crate::config::Config;
use crate::exchange::ExchangeError;
use crate::exchange::ews::{EwsMailbox, EwsSettings};
use crate::http::{self, App, Bound, Handler, Listener, SecurityHeaders, Server, ServerOptions};
use crate::reservations::{ReserveError, Tokens};
use crate::scheduler::{IntegrationStatus, Mailboxes, Observer, Scheduler};
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
    Exchange { integration: String, source: ExchangeError },
    Listen(http::HttpError),
    Start(std::io::Error),
}

impl ServiceError {
    /// The process exit code for this error (see `main.rs`).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::Store(_) | ServiceError::Tokens(_) => 3,
            ServiceError::Tls(_) | ServiceError::Templates(_) | ServiceError::Exchange { .. } => 2,
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
            ServiceError::Exchange { integration, source } => write!(f, "integration \"{integration}\": {source}"),
            ServiceError::Listen(e) => write!(f, "{e}"),
            ServiceError::Start(e) => write!(f, "cannot start the server: {e}"),
        }
    }
}

/// What a caller adds to the production appliance (the demo; tests).
#[derive(Default)]
pub struct Extras {
    /// Handles every path under this prefix (the demo's `/demo/`).
    pub extension: Option<(&'static str, Arc<dyn Handler>)>,
    /// Sees every scheduling operation as it is recorded.
    pub observer: Option<Observer>,
    /// Mailboxes to watch instead of the EWS mailboxes the config describes.
    pub mailboxes: Option<Mailboxes>,
}

/// A running appliance: the listeners, the add-in API and the scheduler threads.
pub struct Appliance {
    server: Server,
    scheduler: Scheduler,
    store: Arc<Store>,
    https: Vec<SocketAddr>,
    grace: Duration,
}

impl Appliance {
    /// Opens the store, binds the listeners and starts serving and scheduling.
    pub fn start(config: Config, extras: Extras) -> Result<Appliance, ServiceError> {
        // Each connection holds a descriptor; the usual soft limit of 1024 would cap us below max_connections.
        system::raise_open_files_limit(config.server.max_connections as u64 * 2 + 256);
        let tls = http::server_config(&config.server.tls_certificate_file, config.server.tls_private_key.expose())
            .map_err(ServiceError::Tls)?;
        let templates = Arc::new(Templates::compile(&config).map_err(ServiceError::Templates)?);
        let mailboxes = match extras.mailboxes {
            Some(m) => m,
            None => ews_mailboxes(&config)?,
        };
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
        let mut app = App::new(Arc::clone(&config), Arc::clone(&store), api);
        if let Some((prefix, handler)) = extras.extension {
            app = app.with_extension(prefix, handler);
        }
        let scheduler =
            Scheduler::start(Arc::clone(&config), Arc::clone(&store), templates, tokens, mailboxes, extras.observer)
                .map_err(ServiceError::Start)?;
        let server = match bound.serve(options, Arc::new(app)) {
            Ok(s) => s,
            Err(e) => {
                scheduler.stop();
                return Err(ServiceError::Start(e));
            }
        };
        let mut https = Vec::new();
        for (addr, (_, listener)) in local.iter().zip(&addrs) {
            match listener {
                Listener::Https(_) => {
                    log::info!("listening on https://{addr}");
                    https.push(*addr);
                }
                Listener::Redirect { .. } => log::info!("redirecting http://{addr} to HTTPS"),
            }
        }
        Ok(Appliance { server, scheduler, store, https, grace })
    }

    /// The HTTPS listeners' addresses (with the real port when 0 was configured).
    pub fn https_addrs(&self) -> &[SocketAddr] {
        &self.https
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Makes the scheduler look at the mailboxes now.
    pub fn wake_scheduler(&self) {
        self.scheduler.wake();
    }

    pub fn scheduler_status(&self) -> Vec<IntegrationStatus> {
        self.scheduler.status()
    }

    /// Stops accepting, lets requests in flight finish, stops the scheduler and closes the store.
    pub fn stop(self) {
        let busy = self.server.shutdown(self.grace);
        if busy > 0 {
            log::warn!("{busy} connection(s) still busy after {}s; closing them", self.grace.as_secs());
        }
        self.scheduler.stop();
        drop(self.store);
    }
}

/// One EWS mailbox per integration that offers single-use VMRs (the ones that need watching).
fn ews_mailboxes(config: &Config) -> Result<Mailboxes, ServiceError> {
    let mut out: Mailboxes = Vec::new();
    for integration in config.integrations.iter().filter(|i| i.enable_dynamic_vmrs) {
        let mailbox = EwsMailbox::new(&EwsSettings::from_integration(integration))
            .map_err(|e| ServiceError::Exchange { integration: integration.name.clone(), source: e })?;
        out.push((integration.name.clone(), Box::new(mailbox)));
    }
    Ok(out)
}

/// Runs until SIGTERM or SIGINT.
pub fn run(config: Config) -> Result<(), ServiceError> {
    let termination = system::Termination::block().map_err(ServiceError::Start)?;
    let integrations = config.integrations.len();
    let appliance = Appliance::start(config, Extras::default())?;
    system::notify(&format!("READY=1\nSTATUS=serving {integrations} integration(s)"));
    let signal = termination.wait();
    log::info!("{signal} received: finishing requests in flight (at most {}s)", appliance.grace.as_secs());
    system::notify("STOPPING=1");
    appliance.stop();
    log::info!("stopped");
    Ok(())
}

/// How long shutdown waits for requests in flight: long enough for any request the limits allow.
fn shutdown_grace(config: &Config) -> Duration {
    config.server.request_timeout + config.server.handshake_timeout
}
