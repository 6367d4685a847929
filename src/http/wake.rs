//! Waiting on a socket with a deadline while staying interruptible by shutdown: a self-pipe that
//! becomes readable (and stays so) once the server stops, polled beside each socket.

use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// Becomes readable forever once [`Waker::wake`] is called.
pub(super) struct Waker {
    read: RawFd,
    write: RawFd,
}

impl Waker {
    pub fn new() -> std::io::Result<Waker> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Waker { read: fds[0], write: fds[1] })
    }

    /// Wakes every current and future waiter.
    pub fn wake(&self) {
        let byte = [1u8];
        // SAFETY: writing one byte from a valid buffer to a pipe we own; failure (full pipe) is fine
        // because the pipe is then already readable.
        unsafe {
            libc::write(self.write, byte.as_ptr().cast(), 1);
        }
    }
}

impl Drop for Waker {
    fn drop(&mut self) {
        // SAFETY: both descriptors were opened by `new` and are closed exactly once, here.
        unsafe {
            libc::close(self.read);
            libc::close(self.write);
        }
    }
}

/// Why a wait ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Wait {
    Readable,
    TimedOut,
    Stopping,
}

/// Waits until `socket` is readable, `deadline` passes, or the waker fires.
pub(super) fn wait_readable(socket: &impl AsRawFd, waker: &Waker, deadline: Instant) -> Wait {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Wait::TimedOut;
        }
        let timeout = (deadline - now).min(Duration::from_secs(3600)).as_millis().max(1) as libc::c_int;
        let mut fds = [
            libc::pollfd { fd: socket.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: waker.read, events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: `fds` is a valid array of two pollfd structures for the duration of the call.
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout) };
        if rc < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Wait::Stopping;
        }
        if fds[1].revents != 0 {
            return Wait::Stopping;
        }
        if fds[0].revents != 0 {
            // Readable, hung up or in error: the following read reports which.
            return Wait::Readable;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_woken_waker_interrupts_every_wait_and_a_deadline_ends_one() {
        let waker = Waker::new().expect("pipe");
        let (a, _b) = std::os::unix::net::UnixStream::pair().expect("pair");
        let t = Instant::now();
        assert_eq!(wait_readable(&a, &waker, t + Duration::from_millis(30)), Wait::TimedOut);
        waker.wake();
        assert_eq!(wait_readable(&a, &waker, Instant::now() + Duration::from_secs(5)), Wait::Stopping);
        assert_eq!(wait_readable(&a, &waker, Instant::now() + Duration::from_secs(5)), Wait::Stopping);
    }
}
