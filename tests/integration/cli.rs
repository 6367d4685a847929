//! The command line as an administrator meets it: exit codes, help, check-config output, and the
//! service's life cycle (readiness, probes, backup while running, clean stop on SIGTERM).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{TempDir, binary, fixture, valid_config};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary()).args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_config(dir: &TempDir, value: &Value) -> String {
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn every_command_has_help_and_usage_errors_exit_2() {
    for cmd in [
        &["--help"][..],
        &["serve", "--help"],
        &["check-config", "--help"],
        &["config-schema", "--help"],
        &["backup", "--help"],
        &["version", "--help"],
    ] {
        let (code, stdout, _) = run(cmd);
        assert_eq!(code, 0, "{cmd:?}");
        assert!(stdout.contains("Usage:"), "{cmd:?}: {stdout}");
    }
    let (code, _, stderr) = run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(!stderr.is_empty());
    let (code, stdout, _) = run(&["version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("vmr-scheduler "));
}

#[test]
fn check_config_lists_every_problem_and_exits_2() {
    let dir = TempDir::new("cli");
    let mut c = valid_config(dir.path());
    c["integrations"][0]["url"] = json!("mail.example.com/EWS/Exchange.asmx");
    c["integrations"][0]["meeting_buffer_before"] = json!(500);
    let path = write_config(&dir, &c);
    let (code, stdout, stderr) = run(&["check-config", "--config", &path]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(stderr.contains("integrations[0].url: \"mail.example.com/EWS/Exchange.asmx\" has no scheme; write \"https://mail.example.com/EWS/Exchange.asmx\""), "{stderr}");
    assert!(
        stderr.contains("integrations[0].meeting_buffer_before: 500 is out of range; use 0 to 180 minutes"),
        "{stderr}"
    );

    let (code, stdout, _) = run(&["check-config", "--config", &write_config(&dir, &valid_config(dir.path()))]);
    assert_eq!(code, 0);
    assert!(stdout.contains("OK (1 integration(s): corp)"), "{stdout}");

    let (code, _, stderr) = run(&["check-config", "--config", "/nonexistent/config.json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read config file \"/nonexistent/config.json\""), "{stderr}");
}

#[test]
fn check_config_tries_the_certificate_and_key() {
    let dir = TempDir::new("cli");
    let mut c = valid_config(dir.path());
    c["server"]["tls_private_key_file"] = json!(fixture("tls/ec-sec1.key")); // not the RSA certificate's key
    let (code, _, stderr) = run(&["check-config", "--config", &write_config(&dir, &c)]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used together"), "{stderr}");
}

#[test]
fn config_schema_prints_a_json_schema() {
    let (code, stdout, _) = run(&["config-schema"]);
    assert_eq!(code, 0);
    let schema: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(schema["$schema"], json!("https://json-schema.org/draft/2020-12/schema"));
}

/// A running `serve`, killed on drop if the test did not stop it.
struct Service {
    child: Child,
    addr: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Service {
    fn start(config: &str, env: &[(&str, &str)]) -> Service {
        let mut child = Command::new(binary())
            .args(["serve", "--config", config])
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on https://").nth(1) {
                        return Service { child, addr: rest.trim().to_string(), stderr: rx };
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the service did not start listening");
                }
            }
        }
    }

    fn terminate(&mut self) -> (i32, Vec<String>) {
        // SAFETY: sending SIGTERM to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().expect("wait");
        // The reader thread forwards the last lines after the process ended; it hangs up at EOF.
        let mut lines = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            lines.push(line);
        }
        (status.code().unwrap_or(-1), lines)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTPS GET that does not verify the certificate's name (the service's address is an IP).
fn https_get(addr: &str, path: &str) -> (u16, String) {
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(fixture("tls/ca.pem")).expect("ca");
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert.expect("cert")).expect("add");
    }
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("client");
    let sock = TcpStream::connect(addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut s = rustls::StreamOwned::new(conn, sock);
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[test]
fn serve_notifies_systemd_answers_probes_backs_up_while_running_and_stops_on_sigterm() {
    use std::os::unix::net::UnixDatagram;
    let dir = TempDir::new("cli");
    let notify_path = dir.join("notify.sock");
    let notify = UnixDatagram::bind(&notify_path).expect("notify socket");
    notify.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let config = write_config(&dir, &valid_config(dir.path()));
    let mut service = Service::start(&config, &[("NOTIFY_SOCKET", &notify_path.to_string_lossy())]);

    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).expect("readiness notification");
    let ready = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(ready.starts_with("READY=1"), "{ready}");

    let (status, body) = https_get(&service.addr, "/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, body) = https_get(&service.addr, "/readyz");
    assert_eq!(status, 200);
    let ready: Value = serde_json::from_str(&body).expect("readyz JSON");
    assert_eq!(ready["store"], json!("open"));

    let backup = dir.join("backup.redb");
    let (code, stdout, stderr) = run(&["backup", "--config", &config, &backup.to_string_lossy()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("schema v"), "{stdout}");
    assert!(backup.exists());

    let (code, lines) = service.terminate();
    assert_eq!(code, 0, "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("SIGTERM received")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.ends_with("stopped")), "{lines:#?}");
    let n = notify.recv(&mut buf).expect("stopping notification");
    assert_eq!(&buf[..n], b"STOPPING=1");
}

#[test]
fn serve_refuses_a_store_that_is_not_a_store_with_exit_3() {
    let dir = TempDir::new("cli");
    std::fs::write(dir.join("store.redb"), b"not a database").expect("write");
    let config = write_config(&dir, &valid_config(dir.path()));
    let (code, _, stderr) = run(&["serve", "--config", &config]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("is not a vmr-scheduler store"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("store.redb")).expect("read"), b"not a database");
}

#[test]
fn serve_reports_a_taken_port_with_exit_1() {
    let dir = TempDir::new("cli");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut c = valid_config(dir.path());
    c["server"]["listen"] = json!([taken.local_addr().expect("addr").to_string()]);
    let (code, _, stderr) = run(&["serve", "--config", &write_config(&dir, &c)]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("server.listen"), "{stderr}");
}
