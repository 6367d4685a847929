//! Listeners, the accept loops and the bounded set of connection threads, and graceful shutdown:
//! stop accepting, let in-flight requests finish, close idle connections.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::conn;
use super::message::{Request, Response};
use super::wake::{Wait, Waker, wait_readable};

/// Answers requests. Runs on connection threads; must not panic on any input.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: &Request) -> Response;
}

/// Limits and timeouts of the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub max_connections: usize,
    pub handshake_timeout: Duration,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_body_bytes: usize,
    /// Headers added to every response that does not set them itself (HSTS, nosniff, ...).
    pub base_headers: Vec<(String, String)>,
}

/// What a listening socket speaks.
#[derive(Clone)]
pub enum Listener {
    /// HTTPS with this TLS configuration.
    Https(Arc<rustls::ServerConfig>),
    /// Plain HTTP that only redirects to HTTPS on this port.
    Redirect { https_port: u16 },
}

/// An error binding or starting the server, with what to change.
#[derive(Debug)]
pub struct HttpError {
    pub addr: SocketAddr,
    pub source: io::Error,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = match self.source.kind() {
            io::ErrorKind::AddrInUse => "another program listens there; stop it or change the address in server.listen",
            io::ErrorKind::PermissionDenied => {
                "ports below 1024 need CAP_NET_BIND_SERVICE (the systemd unit grants it) or a higher port"
            }
            io::ErrorKind::AddrNotAvailable => "this machine has no such address; use 0.0.0.0 or one of its own",
            _ => "check server.listen and server.redirect_listen",
        };
        write!(f, "cannot listen on {}: {}; {hint}", self.addr, self.source)
    }
}

impl std::error::Error for HttpError {}

/// Extra connections beyond `max_connections` that are accepted only to be told 503.
const OVERFLOW_CONNECTIONS: usize = 64;
/// Stack of a connection thread: the TLS handshake and the handlers fit well within it.
const CONNECTION_STACK: usize = 512 * 1024;

pub(super) struct Shared {
    pub options: ServerOptions,
    pub handler: Arc<dyn Handler>,
    pub waker: Waker,
    stopping: AtomicBool,
    active: AtomicUsize,
    overflow: AtomicUsize,
    idle: (Mutex<()>, Condvar),
}

impl Shared {
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

/// Counts a connection thread until it ends, however it ends.
struct Slot {
    shared: Arc<Shared>,
    overflow: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let counter = if self.overflow { &self.shared.overflow } else { &self.shared.active };
        counter.fetch_sub(1, Ordering::AcqRel);
        let _guard = self.shared.idle.0.lock();
        self.shared.idle.1.notify_all();
    }
}

/// Listening sockets bound but not yet serving (so that bind errors surface before start-up ends).
pub struct Bound {
    sockets: Vec<(TcpListener, Listener)>,
}

impl Bound {
    /// Binds every address. Nothing is served until [`Bound::serve`].
    pub fn bind(addrs: &[(SocketAddr, Listener)]) -> Result<Bound, HttpError> {
        let mut sockets = Vec::new();
        for (addr, listener) in addrs {
            let socket = TcpListener::bind(addr).map_err(|source| HttpError { addr: *addr, source })?;
            socket.set_nonblocking(true).map_err(|source| HttpError { addr: *addr, source })?;
            sockets.push((socket, listener.clone()));
        }
        Ok(Bound { sockets })
    }

    /// The bound addresses (with the real port when 0 was asked for), in the order given.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.sockets.iter().filter_map(|(s, _)| s.local_addr().ok()).collect()
    }

    /// Starts an accept thread per listener.
    pub fn serve(self, options: ServerOptions, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let addrs = self.local_addrs();
        let shared = Arc::new(Shared {
            options,
            handler,
            waker: Waker::new()?,
            stopping: AtomicBool::new(false),
            active: AtomicUsize::new(0),
            overflow: AtomicUsize::new(0),
            idle: (Mutex::new(()), Condvar::new()),
        });
        let mut threads = Vec::new();
        for (socket, listener) in self.sockets {
            let shared = Arc::clone(&shared);
            let name = format!("accept-{}", socket.local_addr().map(|a| a.port()).unwrap_or(0));
            threads
                .push(std::thread::Builder::new().name(name).spawn(move || accept_loop(&socket, &listener, &shared))?);
        }
        Ok(Server { shared, threads, addrs })
    }
}

/// A running server.
pub struct Server {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    addrs: Vec<SocketAddr>,
}

impl Server {
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Connections being served right now.
    pub fn active_connections(&self) -> usize {
        self.shared.active.load(Ordering::Acquire)
    }

    /// Stops accepting, closes idle connections, and waits up to `grace` for requests in flight.
    /// Returns how many connections were still busy when the grace period ended.
    pub fn shutdown(self, grace: Duration) -> usize {
        self.shared.stopping.store(true, Ordering::Release);
        self.shared.waker.wake();
        for t in self.threads {
            let _ = t.join();
        }
        let deadline = Instant::now() + grace;
        let mut guard = self.shared.idle.0.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let busy = self.shared.active.load(Ordering::Acquire) + self.shared.overflow.load(Ordering::Acquire);
            let now = Instant::now();
            if busy == 0 || now >= deadline {
                return busy;
            }
            guard = match self.shared.idle.1.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

fn accept_loop(socket: &TcpListener, listener: &Listener, shared: &Arc<Shared>) {
    let mut last_error_log: Option<Instant> = None;
    loop {
        match wait_readable(socket, &shared.waker, Instant::now() + Duration::from_secs(3600)) {
            Wait::Stopping => return,
            Wait::TimedOut => continue,
            Wait::Readable => {}
        }
        let (stream, peer) = match socket.accept() {
            Ok(pair) => pair,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted => {
                continue;
            }
            Err(e) => {
                // Out of file descriptors or memory: say so now and then, and let connections drain.
                if last_error_log.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    log::error!("accepting connections on fd {} failed: {e}", socket.as_raw_fd());
                    last_error_log = Some(Instant::now());
                }
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        dispatch(stream, peer, listener, shared);
    }
}

fn dispatch(stream: std::net::TcpStream, peer: SocketAddr, listener: &Listener, shared: &Arc<Shared>) {
    let overloaded = shared.active.fetch_add(1, Ordering::AcqRel) >= shared.options.max_connections;
    let slot = if overloaded {
        shared.active.fetch_sub(1, Ordering::AcqRel);
        if shared.overflow.fetch_add(1, Ordering::AcqRel) >= OVERFLOW_CONNECTIONS {
            shared.overflow.fetch_sub(1, Ordering::AcqRel);
            log::warn!(
                "connection limit reached ({}); dropped a connection from {peer}",
                shared.options.max_connections
            );
            return;
        }
        Slot { shared: Arc::clone(shared), overflow: true }
    } else {
        Slot { shared: Arc::clone(shared), overflow: false }
    };
    let listener = listener.clone();
    let spawned = std::thread::Builder::new().name("conn".into()).stack_size(CONNECTION_STACK).spawn(move || {
        let slot = slot;
        conn::serve(stream, peer, &listener, &slot.shared, overloaded);
    });
    if let Err(e) = spawned {
        // The closure (and with it the slot) was dropped, so the count is already right.
        log::error!("cannot start a thread for a connection from {peer}: {e}");
    }
}
