//! The HTTP layer: TLS with every key type, limits answered with the right status, slow and idle
//! clients that cannot starve others, the redirect listener, and graceful shutdown.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vmr_scheduler::http::{Bound, Handler, Listener, Request, Response, Server, ServerOptions, server_config};

use crate::support::fixture;

/// Echoes what the server saw; `/slow` takes half a second.
struct Echo;

impl Handler for Echo {
    fn handle(&self, request: &Request) -> Response {
        if request.path == "/slow" {
            std::thread::sleep(Duration::from_millis(500));
        }
        Response::text(
            200,
            format!("{} {} peer={} body={}", request.method, request.path, request.peer.ip(), request.body.len()),
        )
    }
}

fn options() -> ServerOptions {
    ServerOptions {
        max_connections: 2048,
        handshake_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        max_header_bytes: 8192,
        max_body_bytes: 64 * 1024,
        base_headers: vec![
            ("strict-transport-security".into(), "max-age=31536000".into()),
            ("x-content-type-options".into(), "nosniff".into()),
        ],
    }
}

fn start_with(key: &str, cert: &str, options: ServerOptions, redirect: bool) -> (Server, SocketAddr) {
    let key_pem = std::fs::read_to_string(fixture(key)).expect("key");
    let tls = server_config(&fixture(cert), &key_pem).expect("tls config");
    let mut listeners = vec![("127.0.0.1:0".parse().expect("addr"), Listener::Https(tls))];
    if redirect {
        listeners.push(("127.0.0.1:0".parse().expect("addr"), Listener::Redirect { https_port: 8443 }));
    }
    let bound = Bound::bind(&listeners).expect("bind");
    let addr = bound.local_addrs()[0];
    let server = bound.serve(options, Arc::new(Echo)).expect("serve");
    (server, addr)
}

fn start() -> (Server, SocketAddr) {
    start_with("tls/rsa-pkcs8.key", "tls/rsa.pem", options(), false)
}

fn client_config(versions: &[&'static rustls::SupportedProtocolVersion]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read(fixture("tls/ca.pem")).expect("ca");
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.expect("cert")).expect("add");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

fn connect(addr: SocketAddr) -> Tls {
    connect_with(addr, &[&rustls::version::TLS13, &rustls::version::TLS12])
}

fn connect_with(addr: SocketAddr, versions: &[&'static rustls::SupportedProtocolVersion]) -> Tls {
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(client_config(versions), name).expect("client");
    rustls::StreamOwned::new(conn, sock)
}

/// A parsed response.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one response (head + Content-Length body); `None` if the connection closed first.
fn read_reply(stream: &mut impl Read, head_only: bool) -> Option<Reply> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(n)) = parsed.parse(&buf) {
            let status = parsed.code.unwrap_or(0);
            let headers: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
                .collect();
            let len: usize =
                headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
            let len = if head_only || status == 304 { 0 } else { len };
            let mut body = buf[n..].to_vec();
            while body.len() < len {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => body.extend_from_slice(&chunk[..k]),
                }
            }
            body.truncate(len);
            return Some(Reply { status, headers, body });
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
        }
    }
}

fn get(stream: &mut Tls, path: &str) -> Reply {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("write");
    read_reply(stream, false).expect("reply")
}

#[test]
fn tls_works_with_pkcs8_pkcs1_and_sec1_keys() {
    for (key, cert) in [
        ("tls/rsa-pkcs8.key", "tls/rsa.pem"),
        ("tls/rsa-pkcs1.key", "tls/rsa.pem"),
        ("tls/ec-sec1.key", "tls/ec.pem"),
        ("tls/ec-pkcs8.key", "tls/ec.pem"),
    ] {
        let (server, addr) = start_with(key, cert, options(), false);
        let mut s = connect(addr);
        let reply = get(&mut s, "/hello");
        assert_eq!(reply.status, 200, "{key}");
        assert_eq!(reply.text(), "GET /hello peer=127.0.0.1 body=0", "the client's address reaches the handler");
        assert_eq!(s.conn.alpn_protocol(), Some(&b"http/1.1"[..]), "{key}");
        server.shutdown(Duration::from_secs(1));
    }
}

#[test]
fn tls_1_2_and_1_3_are_both_accepted() {
    let (server, addr) = start();
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut s = connect_with(addr, &[version]);
        assert_eq!(get(&mut s, "/").status, 200);
        assert_eq!(s.conn.protocol_version(), Some(version.version));
    }
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn missing_or_mismatched_certificate_files_are_named_in_the_error() {
    let key = std::fs::read_to_string(fixture("tls/rsa-pkcs8.key")).expect("key");
    let err = server_config(&fixture("tls/nope.pem"), &key).expect_err("missing cert");
    assert!(err.to_string().contains("nope.pem"), "{err}");
    let err = server_config(&fixture("tls/rsa-pkcs8.key"), &key).expect_err("a key is not a certificate");
    assert!(err.to_string().contains("holds no PEM certificate"), "{err}");
    let err = server_config(&fixture("tls/rsa.pem"), "not a key").expect_err("bad key");
    assert!(err.to_string().contains("tls_private_key"), "{err}");
    let ec_key = std::fs::read_to_string(fixture("tls/ec-sec1.key")).expect("key");
    let err = server_config(&fixture("tls/rsa.pem"), &ec_key).expect_err("key of another certificate");
    assert!(err.to_string().contains("cannot be used together"), "{err}");
}

#[test]
fn keep_alive_serves_several_requests_and_head_has_no_body() {
    let (server, addr) = start();
    let mut s = connect(addr);
    assert_eq!(get(&mut s, "/one").text(), "GET /one peer=127.0.0.1 body=0");
    write!(s, "POST /two HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello").expect("write");
    assert_eq!(read_reply(&mut s, false).expect("reply").text(), "POST /two peer=127.0.0.1 body=5");
    write!(s, "HEAD /three HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("write");
    let head = read_reply(&mut s, true).expect("reply");
    assert_eq!(head.status, 200);
    assert!(head.header("content-length").is_some_and(|l| l != "0"));
    assert_eq!(get(&mut s, "/four").status, 200, "HEAD left no stray body on the connection");
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn every_response_carries_the_base_security_headers() {
    let (server, addr) = start();
    let reply = get(&mut connect(addr), "/");
    assert_eq!(reply.header("strict-transport-security"), Some("max-age=31536000"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn oversized_bodies_get_413_and_oversized_heads_get_431() {
    let (server, addr) = start();
    let mut s = connect(addr);
    write!(s, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", 10 * 1024 * 1024).expect("write");
    let reply = read_reply(&mut s, false).expect("reply");
    assert_eq!(reply.status, 413);
    assert_eq!(reply.header("connection"), Some("close"));

    let mut s = connect(addr);
    let big = "x".repeat(9000);
    let _ = write!(s, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\n\r\n");
    assert_eq!(read_reply(&mut s, false).expect("reply").status, 431);

    let mut s = connect(addr);
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let _ = write!(s, "GET / HTTP/1.1\r\nHost: localhost\r\n{many}\r\n");
    assert_eq!(read_reply(&mut s, false).expect("reply").status, 431, "too many header lines");
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn malformed_requests_get_4xx_and_the_server_keeps_serving() {
    let (server, addr) = start();
    for (request, status) in [
        ("\x01\x02garbage\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),            // no Host
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505), // version
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411), // chunked
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        ("GET http://elsewhere/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ] {
        let mut s = connect(addr);
        let _ = s.write_all(request.as_bytes());
        let reply = read_reply(&mut s, false).expect("reply");
        assert_eq!(reply.status, status, "{request:?}");
    }
    assert_eq!(get(&mut connect(addr), "/").status, 200);
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn plain_http_or_garbage_on_the_tls_port_is_answered_or_closed() {
    let (server, addr) = start();
    let mut plain = TcpStream::connect(addr).expect("connect");
    plain.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    let reply = read_reply(&mut plain, false).expect("plain-text answer");
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("HTTPS"));

    let mut garbage = TcpStream::connect(addr).expect("connect");
    garbage.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    garbage.write_all(&[0x16, 0x03, 0x01, 0xff, 0xff, 0, 0, 0]).expect("write");
    let mut rest = Vec::new();
    let _ = garbage.read_to_end(&mut rest); // an alert or nothing, then close
    assert_eq!(get(&mut connect(addr), "/").status, 200);
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn a_client_that_sends_its_head_too_slowly_gets_408() {
    let mut opts = options();
    opts.request_timeout = Duration::from_millis(600);
    let (server, addr) = start_with("tls/rsa-pkcs8.key", "tls/rsa.pem", opts, false);
    let mut s = connect(addr);
    let started = Instant::now();
    for b in b"GET / HTTP/1.1\r\nHost: loc" {
        if s.write_all(&[*b]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    let reply = read_reply(&mut s, false).expect("reply");
    assert_eq!(reply.status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    server.shutdown(Duration::from_secs(1));
}

/// design.md §4.1: 1,000 idle or slow connections must not stop the server answering others.
#[test]
fn a_thousand_idle_and_slow_connections_do_not_block_other_clients() {
    raise_fd_limit(4096);
    let (server, addr) = start();
    let mut idle = Vec::new();
    for i in 0..1000 {
        let mut s = TcpStream::connect(addr).expect("connect");
        if i % 2 == 0 {
            // Half of them start a TLS handshake and never finish it.
            let _ = s.write_all(&[0x16, 0x03, 0x01]);
        }
        idle.push(s);
    }
    let started = Instant::now();
    let mut s = connect(addr);
    assert_eq!(get(&mut s, "/healthz").status, 200);
    assert!(started.elapsed() < Duration::from_secs(3), "answered in {:?}", started.elapsed());
    drop(idle);
    server.shutdown(Duration::from_secs(2));
}

#[test]
fn past_the_connection_limit_clients_get_503() {
    let mut opts = options();
    opts.max_connections = 16;
    let (server, addr) = start_with("tls/rsa-pkcs8.key", "tls/rsa.pem", opts, false);
    let held: Vec<Tls> = (0..16)
        .map(|_| {
            let mut s = connect(addr);
            assert_eq!(get(&mut s, "/").status, 200);
            s
        })
        .collect();
    let reply = get(&mut connect(addr), "/");
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("5"));
    drop(held);
    // Freed slots are reused.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if get(&mut connect(addr), "/").status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "slots were not freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn the_redirect_listener_sends_clients_to_https() {
    let key_pem = std::fs::read_to_string(fixture("tls/rsa-pkcs8.key")).expect("key");
    let tls = server_config(&fixture("tls/rsa.pem"), &key_pem).expect("tls");
    let bound = Bound::bind(&[
        ("127.0.0.1:0".parse().expect("addr"), Listener::Https(tls)),
        ("127.0.0.1:0".parse().expect("addr"), Listener::Redirect { https_port: 8443 }),
    ])
    .expect("bind");
    let redirect = bound.local_addrs()[1];
    let server = bound.serve(options(), Arc::new(Echo)).expect("serve");
    let mut s = TcpStream::connect(redirect).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    s.write_all(b"GET /addin/corp/manifest.xml?x=1 HTTP/1.1\r\nHost: scheduler.example.com\r\n\r\n").expect("write");
    let reply = read_reply(&mut s, false).expect("reply");
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some("https://scheduler.example.com:8443/addin/corp/manifest.xml?x=1"));
    assert_eq!(reply.header("strict-transport-security"), None, "no HSTS over plain HTTP");

    let mut s = TcpStream::connect(redirect).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    s.write_all(b"GET / HTTP/1.1\r\nHost: evil.example/@x\r\n\r\n").expect("write");
    assert_eq!(read_reply(&mut s, false).expect("reply").status, 400, "no open redirect via Host");
    server.shutdown(Duration::from_secs(1));
}

#[test]
fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let (server, addr) = start();
    let mut idle = connect(addr);
    assert_eq!(get(&mut idle, "/").status, 200);
    let mut busy = connect(addr);
    busy.write_all(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("write");
    busy.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(100)); // the handler is now sleeping
    let in_flight = std::thread::spawn(move || read_reply(&mut busy, false));
    let started = Instant::now();
    let still_busy = server.shutdown(Duration::from_secs(5));
    assert_eq!(still_busy, 0);
    let reply = in_flight.join().expect("join").expect("the request in flight got its answer");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(started.elapsed() < Duration::from_secs(3), "shutdown took {:?}", started.elapsed());
    assert!(read_reply(&mut idle, false).is_none(), "the idle connection was closed");
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

fn raise_fd_limit(want: u64) {
    // SAFETY: getrlimit/setrlimit with a valid, initialised struct.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

mod garbage {
    //! Property test: whatever bytes a client sends, the server answers with an error status or
    //! closes the connection, and keeps serving others (no panic, no hung worker).

    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use proptest::collection::vec;
    use proptest::num::u8::ANY;
    use proptest::{prop_assert, proptest};

    use super::{Echo, connect, get, options};
    use vmr_scheduler::http::{Bound, Listener};

    proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 200, ..Default::default() })]

        #[test]
        fn random_requests_get_an_error_or_a_closed_connection(head in vec(ANY, 0..400), tail in vec(ANY, 0..64)) {
            let bound = Bound::bind(&[("127.0.0.1:0".parse().expect("addr"), Listener::Redirect { https_port: 443 })]).expect("bind");
            let addr = bound.local_addrs()[0];
            let mut opts = options();
            opts.request_timeout = Duration::from_millis(300);
            opts.idle_timeout = Duration::from_millis(300);
            let server = bound.serve(opts, std::sync::Arc::new(Echo)).expect("serve");
            let mut s = TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
            let mut input = b"GET /".to_vec();
            input.extend_from_slice(&head);
            input.extend_from_slice(b"\r\n");
            input.extend_from_slice(&tail);
            let _ = s.write_all(&input);
            let _ = s.shutdown(std::net::Shutdown::Write); // as a client that is done sending
            let mut answer = Vec::new();
            let _ = s.read_to_end(&mut answer);
            if !answer.is_empty() {
                let status: u16 = String::from_utf8_lossy(&answer[9..12.min(answer.len())]).parse().unwrap_or(0);
                prop_assert!(status == 301 || (400..600).contains(&status), "status {status}");
            }
            prop_assert!(server.shutdown(Duration::from_secs(3)) == 0, "a worker hung");
        }
    }

    #[test]
    fn the_tls_port_survives_random_bytes() {
        let (server, addr) = super::start();
        for seed in 0u8..50 {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
            let junk: Vec<u8> = (0..200u32).map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed)).collect();
            let _ = s.write_all(&junk);
            let _ = s.shutdown(std::net::Shutdown::Write);
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
        assert_eq!(get(&mut connect(addr), "/").status, 200);
        assert_eq!(server.shutdown(Duration::from_secs(3)), 0);
    }
}

/// A client that trickles bytes (one every 300 ms) must not renew the handshake or request
/// deadline with each byte: rustls reads until a whole record has arrived.
#[test]
fn trickled_tls_records_do_not_outlive_the_deadlines() {
    let mut opts = options();
    opts.handshake_timeout = Duration::from_secs(1);
    opts.request_timeout = Duration::from_secs(1);
    opts.idle_timeout = Duration::from_secs(1);
    let (server, addr) = start_with("tls/rsa-pkcs8.key", "tls/rsa.pem", opts, false);

    // During the handshake: a real ClientHello, one byte at a time.
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut client = rustls::ClientConnection::new(client_config(&[&rustls::version::TLS13]), name).expect("client");
    let mut hello = Vec::new();
    client.write_tls(&mut hello).expect("hello");
    let trickle = |stream: &mut TcpStream, bytes: &[u8]| -> Duration {
        let started = Instant::now();
        for b in bytes {
            if stream.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            if started.elapsed() > Duration::from_secs(8) {
                break;
            }
        }
        started.elapsed()
    };
    let mut sock = TcpStream::connect(addr).expect("connect");
    let took = trickle(&mut sock, &hello);
    assert!(took < Duration::from_secs(5), "the handshake deadline held the trickler only {took:?}");

    // After the handshake: an encrypted request record, one byte at a time.
    let mut tls = connect(addr);
    assert_eq!(get(&mut tls, "/warm-up").status, 200);
    tls.conn.writer().write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("plaintext");
    let mut record = Vec::new();
    while tls.conn.wants_write() {
        tls.conn.write_tls(&mut record).expect("record");
    }
    let took = trickle(&mut tls.sock, &record);
    assert!(took < Duration::from_secs(5), "the request deadline held the trickler only {took:?}");
    server.shutdown(Duration::from_secs(2));
}

/// A client that sends a too-large body anyway (as browsers do) still gets to read the 413.
#[test]
fn a_client_uploading_a_refused_body_reads_the_413() {
    let (server, addr) = start();
    let mut s = connect(addr);
    let body = vec![b'x'; 3 * 1024 * 1024];
    write!(s, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n", body.len()).expect("head");
    s.write_all(&body).expect("the appliance reads the refused body instead of resetting"); // as browsers do
    let reply = read_reply(&mut s, false).expect("the 413 arrives instead of a reset");
    assert_eq!(reply.status, 413);
    server.shutdown(Duration::from_secs(3));
}
