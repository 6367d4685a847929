//! One client connection: the TLS handshake, then requests read under deadlines and size limits,
//! handed to the handler, and answered, until the client leaves, a limit is hit or the server stops.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::message::{Request, Response, reason};
use super::server::{Listener, Shared};
use super::wake::{Wait, wait_readable};

/// Most header lines in one request head; more get 431.
const MAX_HEADERS: usize = 64;
/// How much is read from the transport at once.
const READ_CHUNK: usize = 8 * 1024;
/// How long, and how much, a closing connection keeps reading what the client is still sending:
/// enough for a browser to finish sending a refused upload of a few megabytes and then read the
/// 413 instead of seeing a reset, bounded so that it costs little.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 8 * 1024 * 1024;
/// A TLS record starts with this content type (handshake).
const TLS_HANDSHAKE: u8 = 0x16;

/// A TCP stream whose every read respects one deadline, however often the caller loops. rustls
/// keeps reading until a whole record has arrived, so a timeout set once per call would be renewed
/// by every byte of a client that trickles them, and no deadline would ever pass.
struct DeadlineSocket {
    stream: TcpStream,
    deadline: Option<Instant>,
    /// The same for writes: a client that reads our answer a byte at a time cannot hold us either.
    write_deadline: Option<Instant>,
}

impl Read for DeadlineSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.deadline {
            let now = Instant::now();
            if now >= deadline {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(deadline - now))?;
        }
        self.stream.read(buf)
    }
}

impl Write for DeadlineSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(deadline) = self.write_deadline {
            let now = Instant::now();
            if now >= deadline {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_write_timeout(Some(deadline - now))?;
        }
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

enum Transport {
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, DeadlineSocket>>),
    Plain(DeadlineSocket),
}

impl Transport {
    fn socket(&self) -> &TcpStream {
        match self {
            Transport::Tls(s) => &s.sock.stream,
            Transport::Plain(s) => &s.stream,
        }
    }

    fn set_deadline(&mut self, deadline: Instant) {
        self.sock_mut().deadline = Some(deadline);
    }

    fn set_write_deadline(&mut self, deadline: Instant) {
        self.sock_mut().write_deadline = Some(deadline);
    }

    fn sock_mut(&mut self) -> &mut DeadlineSocket {
        match self {
            Transport::Tls(s) => &mut s.sock,
            Transport::Plain(s) => s,
        }
    }

    /// Whether decrypted bytes are already waiting, so the socket need not become readable.
    fn has_buffered(&mut self) -> bool {
        match self {
            Transport::Tls(s) => {
                s.conn.process_new_packets().map(|st| st.plaintext_bytes_to_read() > 0).unwrap_or(true)
            }
            Transport::Plain(_) => false,
        }
    }

    fn read_before(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
        self.set_deadline(deadline);
        let result = match self {
            Transport::Tls(s) => s.read(buf),
            Transport::Plain(s) => s.read(buf),
        };
        result.map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => io::ErrorKind::TimedOut.into(),
            _ => e,
        })
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Transport::Tls(s) => s.write_all(data),
            Transport::Plain(s) => s.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Tls(s) => s.flush(),
            Transport::Plain(s) => s.flush(),
        }
    }

    /// Closes gracefully: TLS close_notify, then a lingering close — stop writing, and read (and
    /// drop) what the client is still sending for a moment, so that closing with unread input does
    /// not reset the connection and destroy the response we just sent (RFC 9112 §9.6).
    fn close(mut self) {
        self.set_write_deadline(Instant::now() + LINGER);
        if let Transport::Tls(s) = &mut self {
            s.conn.send_close_notify();
            let _ = s.conn.write_tls(&mut s.sock);
        }
        let sock = self.socket();
        if sock.shutdown(std::net::Shutdown::Write).is_err() {
            return;
        }
        let deadline = Instant::now() + LINGER;
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < LINGER_BYTES {
            let now = Instant::now();
            if now >= deadline || sock.set_read_timeout(Some(deadline - now)).is_err() {
                break;
            }
            match (&*sock).read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}

/// Serves one accepted connection to the end. `overloaded` connections get one 503 and are closed.
pub(super) fn serve(stream: TcpStream, peer: SocketAddr, listener: &Listener, shared: &Arc<Shared>, overloaded: bool) {
    let options = &shared.options;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(options.request_timeout));
    let accepted = Instant::now();
    let transport = match listener {
        Listener::Https(config) => match handshake(stream, config, accepted + options.handshake_timeout) {
            Some(t) => t,
            None => return,
        },
        Listener::Redirect { .. } => Transport::Plain(DeadlineSocket { stream, deadline: None, write_deadline: None }),
    };
    let mut conn = Connection { transport, pending: Vec::new(), peer, shared, listener };
    conn.run(overloaded);
    conn.transport.close();
}

/// Completes the TLS handshake before `deadline`. Plain HTTP sent to the TLS port gets a short
/// plain-text 400 so that an administrator who typed http:// sees why.
fn handshake(stream: TcpStream, config: &Arc<rustls::ServerConfig>, deadline: Instant) -> Option<Transport> {
    let mut first = [0u8; 1];
    let _ =
        stream.set_read_timeout(Some(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))));
    match stream.peek(&mut first) {
        Ok(1) if first[0] == TLS_HANDSHAKE => {}
        Ok(1) if first[0].is_ascii_uppercase() => {
            let mut s = stream;
            let body = "This port speaks HTTPS; use an https:// URL.\n";
            let msg = format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(msg.as_bytes());
            let _ = s.shutdown(std::net::Shutdown::Both);
            return None;
        }
        _ => return None,
    }
    let conn = match rustls::ServerConnection::new(Arc::clone(config)) {
        Ok(c) => c,
        Err(e) => {
            log::warn!("cannot start a TLS session: {e}");
            return None;
        }
    };
    let mut stream = rustls::StreamOwned::new(
        conn,
        DeadlineSocket { stream, deadline: Some(deadline), write_deadline: Some(deadline) },
    );
    while stream.conn.is_handshaking() {
        if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
            log::debug!("TLS handshake from {:?} failed: {e}", stream.sock.stream.peer_addr().ok());
            // Send the alert rustls queued (if any), so the client learns why.
            let _ = stream.conn.write_tls(&mut stream.sock);
            return None;
        }
    }
    Some(Transport::Tls(Box::new(stream)))
}

struct Connection<'a> {
    transport: Transport,
    /// Bytes received but not yet consumed (the start of the next request).
    pending: Vec<u8>,
    peer: SocketAddr,
    shared: &'a Arc<Shared>,
    listener: &'a Listener,
}

/// How reading a request ended when it did not produce one.
enum ReadFailure {
    /// The client left or went quiet between requests: close without a word.
    Closed,
    /// Answer with this status and close.
    Refuse(u16, &'static str),
}

struct Head {
    method: String,
    target: String,
    minor: u8,
    headers: Vec<(String, String)>,
}

impl Connection<'_> {
    fn run(&mut self, overloaded: bool) {
        let options = &self.shared.options;
        let mut first = true;
        loop {
            // Between requests: wait for the next one, but not past the idle timeout or shutdown.
            let idle_deadline = Instant::now() + options.idle_timeout;
            if self.pending.is_empty() && !self.transport.has_buffered() {
                if !first && self.shared.is_stopping() {
                    return;
                }
                match wait_readable(self.transport.socket(), &self.shared.waker, idle_deadline) {
                    Wait::Readable => {}
                    Wait::TimedOut => return,
                    // A connection that has not sent its first request yet is not in flight.
                    Wait::Stopping => return,
                }
            }
            first = false;
            let started = Instant::now();
            let deadline = started + options.request_timeout;
            let (request, minor) = match self.read_request(started, deadline) {
                Ok(r) => r,
                Err(ReadFailure::Closed) => return,
                Err(ReadFailure::Refuse(status, why)) => {
                    log::debug!("{}: refused a request with {status}: {why}", self.peer);
                    let _ = self.respond(Response::text(status, format!("{why}\n")), false, true, 1);
                    return;
                }
            };
            let (keep_alive, head_only) = keep_alive(&request, minor);
            let response = if overloaded {
                Response::text(503, "The server is busy; try again shortly.\n").header("retry-after", "5")
            } else {
                match self.listener {
                    Listener::Https(_) => self.shared.handler.handle(&request),
                    Listener::Redirect { https_port } => redirect(&request, *https_port),
                }
            };
            let close = !keep_alive
                || overloaded
                || self.shared.is_stopping()
                || response.get_header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
            let status = response.status;
            let sent = self.respond(response, head_only, close, minor);
            log::debug!(
                "{} \"{} {}\" {status} {}ms",
                self.peer,
                request.method,
                request.path,
                started.elapsed().as_millis()
            );
            if sent.is_err() || close {
                return;
            }
        }
    }

    fn read_request(&mut self, started: Instant, deadline: Instant) -> Result<(Request, u8), ReadFailure> {
        let head = self.read_head(deadline)?;
        let minor = head.minor;
        let mut request = Request {
            method: head.method,
            path: String::new(),
            query: String::new(),
            headers: head.headers,
            body: Vec::new(),
            peer: self.peer,
            secure: matches!(self.listener, Listener::Https(_)),
            started,
        };
        let (path, query) = head.target.split_once('?').unwrap_or((head.target.as_str(), ""));
        let asterisk = request.method == "OPTIONS" && path == "*";
        if !(path.starts_with('/') || asterisk) {
            return Err(ReadFailure::Refuse(400, "the request target must be an absolute path"));
        }
        request.path = path.to_string();
        request.query = query.to_string();
        if minor == 1 && request.header("host").is_none() {
            return Err(ReadFailure::Refuse(400, "HTTP/1.1 requests need a Host header"));
        }
        if request.header("transfer-encoding").is_some() {
            return Err(ReadFailure::Refuse(411, "chunked request bodies are not accepted; send Content-Length"));
        }
        let length = content_length(&request.headers)?;
        if length > self.shared.options.max_body_bytes as u64 {
            return Err(ReadFailure::Refuse(413, "the request body is too large"));
        }
        if length > 0 {
            if request.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
                let _ = self.transport.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").and_then(|_| self.transport.flush());
            }
            request.body = self.read_body(length as usize, deadline)?;
        }
        Ok((request, minor))
    }

    fn read_head(&mut self, deadline: Instant) -> Result<Head, ReadFailure> {
        let max = self.shared.options.max_header_bytes;
        loop {
            if !self.pending.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Request::new(&mut headers);
                match parsed.parse(&self.pending) {
                    Ok(httparse::Status::Complete(n)) => {
                        if n > max {
                            return Err(ReadFailure::Refuse(431, "the request head is too large"));
                        }
                        let head = Head {
                            method: parsed.method.unwrap_or("").to_string(),
                            target: parsed.path.unwrap_or("").to_string(),
                            minor: parsed.version.unwrap_or(1),
                            headers: parsed
                                .headers
                                .iter()
                                .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
                                .collect(),
                        };
                        self.pending.drain(..n);
                        return Ok(head);
                    }
                    Ok(httparse::Status::Partial) if self.pending.len() > max => {
                        return Err(ReadFailure::Refuse(431, "the request head is too large"));
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(ReadFailure::Refuse(431, "the request has too many header lines"));
                    }
                    Err(httparse::Error::Version) => {
                        return Err(ReadFailure::Refuse(505, "only HTTP/1.0 and HTTP/1.1 are spoken here"));
                    }
                    Err(_) => {
                        return Err(ReadFailure::Refuse(400, "the request is not valid HTTP"));
                    }
                }
            }
            let had_bytes = !self.pending.is_empty();
            match self.fill(deadline, max + 1) {
                Ok(0) if had_bytes => return Err(ReadFailure::Closed),
                Ok(0) => return Err(ReadFailure::Closed),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut && had_bytes => {
                    return Err(ReadFailure::Refuse(408, "the request took too long to arrive"));
                }
                Err(_) => return Err(ReadFailure::Closed),
            }
        }
    }

    /// Reads more bytes into `pending`, never letting it grow past `cap`.
    fn fill(&mut self, deadline: Instant, cap: usize) -> io::Result<usize> {
        let room = cap.saturating_sub(self.pending.len()).clamp(1, READ_CHUNK);
        let mut chunk = [0u8; READ_CHUNK];
        let n = self.transport.read_before(&mut chunk[..room], deadline)?;
        self.pending.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    fn read_body(&mut self, length: usize, deadline: Instant) -> Result<Vec<u8>, ReadFailure> {
        let mut body = Vec::with_capacity(length.min(64 * 1024));
        let take = self.pending.len().min(length);
        body.extend(self.pending.drain(..take));
        let mut chunk = [0u8; READ_CHUNK];
        while body.len() < length {
            let want = (length - body.len()).min(READ_CHUNK);
            match self.transport.read_before(&mut chunk[..want], deadline) {
                Ok(0) => return Err(ReadFailure::Closed),
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return Err(ReadFailure::Refuse(408, "the request body took too long to arrive"));
                }
                Err(_) => return Err(ReadFailure::Closed),
            }
        }
        Ok(body)
    }

    fn respond(&mut self, response: Response, head_only: bool, close: bool, minor: u8) -> io::Result<()> {
        self.transport.set_write_deadline(Instant::now() + self.shared.options.request_timeout);
        let mut head = String::with_capacity(512);
        head.push_str(if minor == 0 { "HTTP/1.0 " } else { "HTTP/1.1 " });
        head.push_str(&response.status.to_string());
        head.push(' ');
        head.push_str(reason(response.status));
        head.push_str("\r\n");
        for (name, value) in &response.headers {
            if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            push_header(&mut head, name, value);
        }
        for (name, value) in &self.shared.options.base_headers {
            if matches!(self.listener, Listener::Redirect { .. })
                && name.eq_ignore_ascii_case("strict-transport-security")
            {
                continue; // HSTS is meaningless (and ignored) over plain HTTP
            }
            if response.get_header(name).is_none() {
                push_header(&mut head, name, value);
            }
        }
        let no_body = matches!(response.status, 100..=199 | 204 | 304);
        let body = response.body.as_bytes();
        if !no_body {
            head.push_str("content-length: ");
            head.push_str(&body.len().to_string());
            head.push_str("\r\n");
        }
        if close {
            head.push_str("connection: close\r\n");
        } else if minor == 0 {
            head.push_str("connection: keep-alive\r\n");
        }
        head.push_str("\r\n");
        let send_body = !head_only && !no_body && !body.is_empty();
        if send_body && body.len() <= 16 * 1024 {
            let mut all = head.into_bytes();
            all.extend_from_slice(body);
            self.transport.write_all(&all)?;
        } else {
            self.transport.write_all(head.as_bytes())?;
            if send_body {
                self.transport.write_all(body)?;
            }
        }
        self.transport.flush()
    }
}

fn push_header(head: &mut String, name: &str, value: &str) {
    // Handlers never put line breaks in headers; if one slipped through, drop the header rather
    // than let it split the response.
    if name.contains(['\r', '\n', ':']) || value.contains(['\r', '\n']) {
        log::warn!("dropped a response header with a line break: {name}");
        return;
    }
    head.push_str(name);
    head.push_str(": ");
    head.push_str(value);
    head.push_str("\r\n");
}

/// Whether to keep the connection open after this request, and whether it is a HEAD request.
fn keep_alive(request: &Request, minor: u8) -> (bool, bool) {
    let connection = request.header("connection").unwrap_or("");
    let has = |token: &str| connection.split(',').any(|t| t.trim().eq_ignore_ascii_case(token));
    let keep = if has("close") { false } else { minor >= 1 || has("keep-alive") };
    (keep, request.method == "HEAD")
}

fn content_length(headers: &[(String, String)]) -> Result<u64, ReadFailure> {
    let mut length: Option<u64> = None;
    for (name, value) in headers {
        if name != "content-length" {
            continue;
        }
        for part in value.split(',') {
            let n: u64 = part
                .trim()
                .parse()
                .map_err(|_| ReadFailure::Refuse(400, "the Content-Length header is not a number"))?;
            if length.is_some_and(|l| l != n) {
                return Err(ReadFailure::Refuse(400, "conflicting Content-Length headers"));
            }
            length = Some(n);
        }
    }
    Ok(length.unwrap_or(0))
}

/// The plain-HTTP listener's only answer: the same URL on HTTPS.
fn redirect(request: &Request, https_port: u16) -> Response {
    let Some(host) = request.header("host").and_then(host_without_port) else {
        return Response::text(400, "A Host header naming this server is needed to redirect to HTTPS.\n");
    };
    let port = if https_port == 443 { String::new() } else { format!(":{https_port}") };
    let query = if request.query.is_empty() { String::new() } else { format!("?{}", request.query) };
    let location = format!("https://{host}{port}{}{query}", request.path);
    Response::text(301, format!("Moved to {location}\n")).header("location", location)
}

/// The host part of a Host header, if it is a plausible host name or address (never anything that
/// could smuggle a different URL into Location).
fn host_without_port(value: &str) -> Option<&str> {
    let value = value.trim();
    let host = if value.starts_with('[') {
        let end = value.find(']')?;
        &value[..=end]
    } else {
        value.split(':').next()?
    };
    let ok = !host.is_empty()
        && host.len() <= 255
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_hosts_cannot_smuggle_urls() {
        assert_eq!(host_without_port("scheduler.example.com:80"), Some("scheduler.example.com"));
        assert_eq!(host_without_port("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_without_port("evil.com/@x"), None);
        assert_eq!(host_without_port(""), None);
        assert_eq!(host_without_port("a b"), None);
    }
}
