//! What the process needs from its host: systemd readiness notification (`sd_notify`), waiting for
//! SIGTERM/SIGINT, and knowing whether stderr goes to the journal.

use std::io;

/// Tells systemd about the service's state (`READY=1`, `STOPPING=1`, `STATUS=...`) when it started
/// us with `Type=notify`; does nothing otherwise.
pub fn notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(e) = send_notify(&path, state) {
        log::warn!("cannot notify systemd ({}): {e}", path.to_string_lossy());
    }
}

fn send_notify(path: &std::ffi::OsStr, state: &str) -> io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let bytes = path.as_bytes();
    let addr = match bytes.first() {
        // A leading '@' names a socket in the abstract namespace.
        Some(b'@') => SocketAddr::from_abstract_name(&bytes[1..])?,
        Some(b'/') => SocketAddr::from_pathname(std::path::Path::new(path))?,
        _ => {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "NOTIFY_SOCKET is neither a path nor @name"));
        }
    };
    let socket = UnixDatagram::unbound()?;
    socket.send_to_addr(state.as_bytes(), &addr)?;
    Ok(())
}

/// Whether stderr is connected to the systemd journal (which adds its own timestamps).
pub fn logging_to_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let value = value.to_string_lossy();
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    // JOURNAL_STREAM is inherited by children; it applies only if stderr is still that stream.
    match std::fs::metadata("/proc/self/fd/2") {
        Ok(meta) => dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino()),
        Err(_) => false,
    }
}

/// Signals that end the service. Blocked in every thread so that only [`Termination::wait`] sees them.
pub struct Termination {
    set: libc::sigset_t,
}

impl Termination {
    /// Blocks SIGTERM and SIGINT in the calling thread and in threads it starts afterwards; call
    /// before starting any thread.
    pub fn block() -> io::Result<Termination> {
        // SAFETY: sigset_t is plain data; sigemptyset/sigaddset initialise it, and pthread_sigmask
        // only changes this thread's mask.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(io::Error::from_raw_os_error(rc));
            }
            Ok(Termination { set })
        }
    }

    /// Waits for SIGTERM or SIGINT and returns its name.
    pub fn wait(&self) -> &'static str {
        loop {
            let mut signal: libc::c_int = 0;
            // SAFETY: `self.set` was initialised in `block`; `signal` is a valid out-parameter.
            let rc = unsafe { libc::sigwait(&self.set, &mut signal) };
            if rc == 0 {
                return if signal == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
            }
        }
    }
}

/// This process's resident set size in KiB, from /proc (for logs and benchmarks).
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Raises the soft limit on open files towards `want` (never above the hard limit).
pub fn raise_open_files_limit(want: u64) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write a valid, initialised struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 || lim.rlim_cur >= want {
            return;
        }
        lim.rlim_cur = want.min(lim.rlim_max);
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            log::warn!("cannot raise the open-files limit to {want}: {}", std::io::Error::last_os_error());
        }
    }
}
