//! Latency of the add-in's single-use reservation call over HTTPS (keep-alive, one client): the real
//! appliance with identity tokens signed by the simulated Exchange and validated as in production.
//! Prints p50/p90/p99 and the rate. Run with `cargo bench --bench reservation_api [-- N]`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use serde_json::json;
use vmr_scheduler::addin;
use vmr_scheduler::config;
use vmr_scheduler::demo::exchange::{MailboxKind, SimOptions, SimulatedExchange};
use vmr_scheduler::service::{Appliance, Extras};

fn main() -> Result<(), String> {
    let count: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(2000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("{p}: {e}"));
    let sim = SimulatedExchange::start(SimOptions::new(
        read("tests/fixtures/tls/rsa.pem")?,
        read("tests/fixtures/tls/rsa-pkcs8.key")?,
    ))
    .map_err(|e| e.to_string())?;
    let users: Vec<String> = (0..50).map(|n| format!("user{n}@example.com")).collect();
    for u in &users {
        sim.add_mailbox(u, u, MailboxKind::User);
    }
    let dir = std::env::temp_dir().join(format!("vmr-bench-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let metadata_host = sim.metadata_url().split('/').nth(2).unwrap_or("").split(':').next().unwrap_or("").to_string();
    let doc = json!({
        "server": {"listen": ["127.0.0.1:0"], "tls_certificate_file": root.join("tests/fixtures/tls/rsa.pem"), "tls_private_key_file": root.join("tests/fixtures/tls/rsa-pkcs8.key")},
        "store": {"path": dir.join("store.redb")},
        "log_level": "warn",
        "integrations": [{
            "name": "bench", "addin_server_domain": "localhost", "exchange_domains": [metadata_host],
            "room_mailbox_email_address": "vmr@example.com", "url": sim.ews_url(),
            "ca_certificates_file": root.join("tests/fixtures/tls/ca.pem"), "username": "svc@example.com",
            "password": "pw", "scheduled_alias_suffix_length": 8, "max_reservations_per_user_per_hour": 10000,
        }],
    });
    let config = config::load(doc.to_string().as_bytes(), Some(&dir), None).map_err(|e| format!("{e:?}"))?;
    let aud = addin::taskpane_url(&config.integrations[0]);
    let appliance = Appliance::start(config, Extras { mailboxes: Some(Vec::new()), ..Extras::default() })
        .map_err(|e| e.to_string())?;
    let addr = appliance.https_addrs()[0];
    let tokens: Vec<String> =
        users.iter().map(|u| sim.identity_token(u, &aud).map_err(|e| format!("{e:?}"))).collect::<Result<_, _>>()?;

    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(root.join("tests/fixtures/tls/ca.pem"))
        .map_err(|e| e.to_string())?
    {
        roots.add(cert.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    }
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(Arc::new(client), name).map_err(|e| e.to_string())?;
    let sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, sock);

    let mut latencies = Vec::with_capacity(count);
    let started = Instant::now();
    for n in 0..count {
        let body = json!({
            "identity_token": tokens[n % tokens.len()],
            "token_type": "exchange_identity",
            "request_id": format!("00000000-0000-4000-8000-{n:012}"),
            "subject": "Benchmark",
        })
        .to_string();
        let request = format!(
            "POST /api/client/v2/msexchange_schedulers/bench/single_use_vmr HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let t = Instant::now();
        tls.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let status = read_response(&mut tls)?;
        latencies.push(t.elapsed());
        if status != 200 {
            return Err(format!("request {n}: HTTP {status}"));
        }
    }
    let total = started.elapsed();
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "single_use_vmr over HTTPS keep-alive: {count} reservations in {:.1} s ({:.0}/s); p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        total.as_secs_f64(),
        count as f64 / total.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    appliance.stop();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Reads one response with a Content-Length body; returns its status.
fn read_response(stream: &mut impl Read) -> Result<u16, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < head_end + 4 + length {
                let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return head.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| "no status".to_string());
        }
    }
}
