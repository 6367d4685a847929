//! `vmr-scheduler demo`: the whole product on this machine, with no Exchange of one's own. Makes a
//! state directory and certificates, starts the simulated Exchange with its people, writes a real
//! config for them and starts the production appliance on it (HTTPS listener, add-in, scheduler
//! with the EWS client) with the demo page added under `/demo/`; prints what to do and every
//! scheduling operation; on SIGINT/SIGTERM stops everything and removes the temporary directory.

use std::fmt;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use serde_json::json;

use super::certs;
use super::exchange::{MailboxKind, RunningSim, SimError, SimOptions, SimulatedExchange};
use super::outlook::OutlookAccount;
use super::page::DemoSite;
use super::views::Person;
use crate::config::{self, ConfigError};
use crate::scheduler::Observer;
use crate::service::{Appliance, Extras, ServiceError};
use crate::store::Operation;
use crate::system::Termination;

/// The appliance's port when none is asked for.
pub const DEFAULT_PORT: u16 = 8443;
/// The integration the demo configures.
const INTEGRATION: &str = "demo";
const SERVICE_ACCOUNT: &str = "svc-vmr@example.com";

/// What `vmr-scheduler demo` was asked for.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Keep state here instead of a temporary directory (created if missing, never removed).
    pub dir: Option<PathBuf>,
    /// The appliance's port; `None`: 8443, or any free port if that one is taken; `Some(0)`: any.
    pub port: Option<u16>,
}

/// Why the demo could not start.
#[derive(Debug)]
pub enum DemoError {
    Dir { path: PathBuf, detail: String },
    PortTaken { port: u16 },
    Port { detail: String },
    Certificates(String),
    Exchange(SimError),
    Config { path: PathBuf, errors: Vec<ConfigError> },
    Service(ServiceError),
    Signals(std::io::Error),
}

impl DemoError {
    /// The process exit code (as for `serve`: 1 at run time, 2 for a bad config, 3 for the store).
    pub fn exit_code(&self) -> u8 {
        match self {
            DemoError::Service(e) => e.exit_code(),
            DemoError::Config { .. } => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Dir { path, detail } => {
                write!(f, "cannot use \"{}\" for the demo's state: {detail}; give a writable --dir", path.display())
            }
            DemoError::PortTaken { port } => {
                write!(f, "port {port} is taken; choose another with --port, or leave --port out to get a free one")
            }
            DemoError::Port { detail } => write!(f, "cannot find a free port on 127.0.0.1: {detail}"),
            DemoError::Certificates(e) => write!(f, "cannot make the demo's certificates: {e}"),
            DemoError::Exchange(e) => write!(f, "{e}"),
            DemoError::Config { path, errors } => {
                let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "the config the demo wrote ({}) is refused: {}", path.display(), all.join("; "))
            }
            DemoError::Service(e) => write!(f, "{e}"),
            DemoError::Signals(e) => write!(f, "cannot set up signal handling: {e}"),
        }
    }
}

impl std::error::Error for DemoError {}

/// Where the demo keeps its files: a temporary directory (removed at the end) or `--dir` (kept).
struct StateDir {
    path: PathBuf,
    temporary: bool,
}

impl StateDir {
    fn create(options: &DemoOptions) -> Result<StateDir, DemoError> {
        use std::os::unix::fs::DirBuilderExt;
        let (path, temporary) = match &options.dir {
            Some(dir) => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| DemoError::Dir { path: dir.clone(), detail: e.to_string() })?;
                (dir.clone(), false)
            }
            None => {
                let mut random = [0u8; 6];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
                    .map_err(|_| DemoError::Dir { path: std::env::temp_dir(), detail: "no randomness".into() })?;
                let name = format!("vmr-scheduler-demo-{}-{}", std::process::id(), hex(&random));
                let path = std::env::temp_dir().join(name);
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&path)
                    .map_err(|e| DemoError::Dir { path: path.clone(), detail: e.to_string() })?;
                (path, true)
            }
        };
        let dir = StateDir { path, temporary };
        // Fail now, before anything starts, if files cannot be written there.
        dir.write(".write-test", "", false)?;
        let _ = std::fs::remove_file(dir.path.join(".write-test"));
        Ok(dir)
    }

    fn write(&self, name: &str, contents: &str, private: bool) -> Result<PathBuf, DemoError> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.path.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true).mode(if private { 0o600 } else { 0o644 });
        let result = options.open(&path).and_then(|mut f| f.write_all(contents.as_bytes()));
        result.map_err(|e| DemoError::Dir { path: self.path.clone(), detail: format!("{name}: {e}") })?;
        Ok(path)
    }

    fn remove(&self) {
        if self.temporary
            && let Err(e) = std::fs::remove_dir_all(&self.path)
        {
            log::warn!("cannot remove the demo's directory {}: {e}", self.path.display());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn secret() -> Result<String, DemoError> {
    let mut random = [0u8; 18];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| DemoError::Certificates("no randomness".into()))?;
    Ok(hex(&random))
}

/// Whether `port` can be bound on `ip` now: `Some(true)` free, `Some(false)` taken, `None` the
/// address does not exist here (no IPv6).
fn bindable(ip: IpAddr, port: u16) -> Option<bool> {
    match TcpListener::bind(SocketAddr::new(ip, port)) {
        Ok(_) => Some(true),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Some(false),
        Err(_) => None,
    }
}

/// The port to use and, when it is not the one expected, a sentence saying so.
fn choose_port(requested: Option<u16>) -> Result<(u16, bool, Option<String>), DemoError> {
    let ipv6 = bindable(IpAddr::V6(Ipv6Addr::LOCALHOST), 0) == Some(true);
    let free = |port: u16| {
        bindable(IpAddr::V4(Ipv4Addr::LOCALHOST), port) == Some(true)
            && (!ipv6 || bindable(IpAddr::V6(Ipv6Addr::LOCALHOST), port) != Some(false))
    };
    let any = || -> Result<u16, DemoError> {
        for _ in 0..20 {
            let listener =
                TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| DemoError::Port { detail: e.to_string() })?;
            let port = listener.local_addr().map_err(|e| DemoError::Port { detail: e.to_string() })?.port();
            drop(listener);
            if free(port) {
                return Ok(port);
            }
        }
        Err(DemoError::Port { detail: "every port tried was taken".into() })
    };
    match requested {
        Some(0) => Ok((any()?, ipv6, None)),
        Some(port) if free(port) => Ok((port, ipv6, None)),
        Some(port) => Err(DemoError::PortTaken { port }),
        None if free(DEFAULT_PORT) => Ok((DEFAULT_PORT, ipv6, None)),
        None => {
            let port = any()?;
            Ok((port, ipv6, Some(format!("port {DEFAULT_PORT} is taken (another demo?); using port {port} instead"))))
        }
    }
}

/// The people of the demo's Exchange.
struct People {
    organizer: Person,
    delegate: Person,
    attendees: Vec<Person>,
    resource: Person,
}

fn people() -> People {
    let p = |email: &str, name: &str| Person { email: email.into(), name: name.into() };
    People {
        organizer: p("alex.morgan@example.com", "Alex Morgan"),
        delegate: p("jordan.lee@example.com", "Jordan Lee"),
        attendees: vec![p("sam.rivera@example.com", "Sam Rivera"), p("priya.shah@example.com", "Priya Shah")],
        resource: p("vmr@example.com", "Video Meeting Room"),
    }
}

/// A running demo.
pub struct Demo {
    site: Arc<DemoSite>,
    dir: StateDir,
    url: String,
    notice: Option<String>,
    config_path: PathBuf,
}

impl Demo {
    /// Starts the simulated Exchange and the appliance; `observer` sees every scheduling operation.
    pub fn start(options: &DemoOptions, observer: Option<Observer>) -> Result<Demo, DemoError> {
        let dir = StateDir::create(options)?;
        match Demo::start_in(dir, options, observer) {
            Ok(demo) => Ok(demo),
            Err((dir, e)) => {
                dir.remove();
                Err(e)
            }
        }
    }

    fn start_in(
        dir: StateDir,
        options: &DemoOptions,
        observer: Option<Observer>,
    ) -> Result<Demo, (StateDir, DemoError)> {
        match Demo::build(&dir, options, observer) {
            Ok((site, url, notice, config_path)) => Ok(Demo { site, dir, url, notice, config_path }),
            Err(e) => Err((dir, e)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn build(
        dir: &StateDir,
        options: &DemoOptions,
        observer: Option<Observer>,
    ) -> Result<(Arc<DemoSite>, String, Option<String>, PathBuf), DemoError> {
        let pki = certs::generate(Timestamp::now()).map_err(|e| DemoError::Certificates(e.to_string()))?;
        let ca_path = dir.write("ca.pem", &pki.ca_pem, false)?;
        dir.write("appliance.pem", &pki.appliance.chain_pem, false)?;
        dir.write("appliance.key", &pki.appliance.key_pem, true)?;

        let sim = SimulatedExchange::start(SimOptions::new(pki.exchange.chain_pem, pki.exchange.key_pem))
            .map_err(DemoError::Exchange)?;
        let people = people();
        let (organizer_password, delegate_password, service_password) = (secret()?, secret()?, secret()?);
        sim.add_mailbox(&people.resource.email, &people.resource.name, MailboxKind::Resource);
        for p in [&people.organizer, &people.delegate].into_iter().chain(&people.attendees) {
            sim.add_mailbox(&p.email, &p.name, MailboxKind::User);
        }
        sim.set_password(&people.organizer.email, &organizer_password);
        sim.set_password(&people.delegate.email, &delegate_password);
        sim.set_password(SERVICE_ACCOUNT, &service_password);
        sim.grant_impersonation_all(SERVICE_ACCOUNT);
        sim.grant_delegate_access(&people.delegate.email, &people.organizer.email);
        dir.write("ews-password", &service_password, true)?;

        let sim = Arc::new(sim);
        let mut requested = options.port;
        let mut notice = None;
        // Another program (a second demo started at the same moment) may take the port between
        // our check and the appliance's bind: then try another, unless the port was asked for.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (port, ipv6, note) = choose_port(requested)?;
            notice = note.or(notice);
            let config_path = dir.write("config.json", &config_json(&sim, &people, port, ipv6), false)?;
            let config = std::fs::File::open(&config_path)
                .map_err(|e| DemoError::Dir { path: dir.path.clone(), detail: e.to_string() })
                .and_then(|f| {
                    config::load(f, Some(&dir.path), None)
                        .map_err(|errors| DemoError::Config { path: config_path.clone(), errors })
                })?;
            let integration = config
                .integration(INTEGRATION)
                .cloned()
                .ok_or_else(|| DemoError::Config { path: config_path.clone(), errors: Vec::new() })?;
            let outlook = |p: &Person, password: &str| {
                OutlookAccount::new(&sim.ews_url(), &ca_path, &p.email, password)
                    .map_err(|e| DemoError::Exchange(SimError::Setup(e.to_string())))
            };
            let site = Arc::new(DemoSite {
                organizer_outlook: outlook(&people.organizer, &organizer_password)?,
                delegate_outlook: outlook(&people.delegate, &delegate_password)?,
                sim: Arc::clone(&sim),
                integration,
                organizer: people.organizer.clone(),
                delegate: people.delegate.clone(),
                attendees: people.attendees.clone(),
                resource: people.resource.clone(),
                max_body_bytes: config.server.max_body_bytes,
                store: OnceLock::new(),
                appliance: Mutex::new(None),
            });
            let handler: Arc<dyn crate::http::Handler> = site.clone();
            let extras = Extras { extension: Some(("/demo", handler)), observer: observer.clone(), mailboxes: None };
            let appliance = match Appliance::start(config, extras) {
                Ok(a) => a,
                Err(ServiceError::Listen(e)) if e.source.kind() == std::io::ErrorKind::AddrInUse => {
                    if options.port.is_some_and(|p| p != 0) {
                        return Err(DemoError::PortTaken { port });
                    }
                    if attempts >= 5 {
                        return Err(DemoError::Service(ServiceError::Listen(e)));
                    }
                    notice = Some(format!("port {port} was taken as the demo started (another demo?); trying another"));
                    requested = Some(0);
                    continue;
                }
                Err(e) => return Err(DemoError::Service(e)),
            };
            let _ = site.store.set(Arc::clone(appliance.store()));
            *site.appliance.lock().unwrap_or_else(|p| p.into_inner()) = Some(appliance);
            if let Some(n) = notice.as_mut().filter(|n| n.ends_with("trying another")) {
                *n = n.replace("trying another", &format!("using port {port} instead"));
            }
            let url = format!("https://localhost:{port}/demo/");
            return Ok((site, url, notice, config_path));
        }
    }

    /// `https://localhost:<port>/demo/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Set when the demo did not get the port it wanted.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn dir(&self) -> &Path {
        &self.dir.path
    }

    /// Stops the appliance and the simulated Exchange and removes a temporary directory.
    pub fn stop(self) {
        let appliance = self.site.appliance.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(appliance) = appliance {
            appliance.stop();
        }
        drop(self.site);
        self.dir.remove();
    }
}

/// The config an administrator would write for this Exchange (kept in the demo's directory).
fn config_json(sim: &RunningSim, people: &People, port: u16, ipv6: bool) -> String {
    let mut listen = vec![format!("127.0.0.1:{port}")];
    if ipv6 {
        listen.push(format!("[::1]:{port}"));
    }
    let exchange_host = sim.addr().ip().to_string();
    let config = json!({
        "//": "Written by `vmr-scheduler demo` for its simulated Exchange; a real site's config looks the same (see packaging/config.example.json).",
        "server": {
            "listen": listen,
            "tls_certificate_file": "appliance.pem",
            "tls_private_key_file": "appliance.key",
            "//hsts": "No HSTS: it would stay in the browser for localhost after the demo.",
            "hsts_max_age_seconds": 0,
        },
        "store": { "path": "store.redb" },
        "log_level": "warn",
        "integrations": [{
            "name": INTEGRATION,
            "description": "The demo's simulated Exchange",
            "addin_server_domain": format!("localhost:{port}"),
            "exchange_domains": [exchange_host, "localhost"],
            "room_mailbox_email_address": people.resource.email,
            "room_mailbox_name": people.resource.name,
            "url": sim.ews_url(),
            "ca_certificates_file": "ca.pem",
            "username": SERVICE_ACCOUNT,
            "password_file": "ews-password",
            "scheduled_alias_prefix": "77",
            "scheduled_alias_domain": "vc.example.com",
            "poll_interval_seconds": 2,
            "//office_js_url": "The Office.js test double, bound to the demo page's form, instead of Microsoft's Office.js.",
            "office_js_url": format!("https://localhost:{port}/demo/office-double.js"),
        }],
    });
    let mut text = serde_json::to_string_pretty(&config).unwrap_or_default();
    text.push('\n');
    text
}

/// One line per scheduling operation, on stdout.
pub fn print_operation(op: &Operation) {
    let time = op.at.to_zoned(jiff::tz::TimeZone::system()).strftime("%H:%M:%S").to_string();
    let mut line = format!("{time}  {:<32} {:<8}", op.action, op.outcome);
    if !op.subject.is_empty() {
        line.push_str(&format!(" \"{}\"", op.subject));
    }
    if !op.alias.is_empty() {
        line.push_str(&format!(" {}", op.alias));
    }
    if !op.error_code.is_empty() {
        line.push_str(&format!(" error {}", op.error_code));
    }
    line.push_str(&format!(" [{}]", op.correlation_id));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Runs the demo until SIGINT or SIGTERM.
pub fn run(options: &DemoOptions) -> Result<(), DemoError> {
    let termination = Termination::block().map_err(DemoError::Signals)?;
    let started = std::time::Instant::now();
    let observer: Observer = Arc::new(print_operation);
    let demo = Demo::start(options, Some(observer))?;
    let mut out = std::io::stdout().lock();
    if let Some(notice) = demo.notice() {
        let _ = writeln!(out, "vmr-scheduler demo: {notice}");
    }
    let kept = if demo.dir.temporary { "removed when the demo stops; keep it with --dir PATH" } else { "kept" };
    let _ = write!(
        out,
        "vmr-scheduler demo: the appliance and a simulated Exchange, on this machine only (ready in {} ms).\n\n\
         \x20 Open {}\n\
         \x20 (the browser warns about the demo's own certificate: continue, or trust {})\n\n\
         \x20 1. Fill in the new meeting and click \"Add a video meeting room\": the real Outlook add-in adds one.\n\
         \x20 2. Send it. Exchange delivers it to the room's mailbox, the scheduler accepts it within seconds,\n\
         \x20    and the page shows the reply, the room and its join windows, and the scheduling log.\n\
         \x20 3. Move, repeat or cancel the meeting, or try the \"Break it\" actions.\n\n\
         \x20 State: {} ({kept})\n\
         \x20 Config the demo wrote: {}\n\
         \x20 Stop with Ctrl-C.\n\n\
         Scheduling operations, as they happen:\n",
        started.elapsed().as_millis(),
        demo.url(),
        demo.dir().join("ca.pem").display(),
        demo.dir().display(),
        demo.config_path.display(),
    );
    let _ = out.flush();
    drop(out);
    let signal = termination.wait();
    log::info!("{signal} received: stopping the demo");
    demo.stop();
    println!("vmr-scheduler demo: stopped");
    Ok(())
}
