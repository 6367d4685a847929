//! Wall time for the scheduler to process N meeting requests (default 10,000) from the simulated
//! Exchange: each reserved through the alias pool like the add-in does, sent by an organizer with the
//! resource as attendee, then read over EWS/HTTPS, decided, stored and accepted. Prints the time and
//! the rate. Run with `cargo bench --bench scheduler_throughput [-- N]`.

use std::path::PathBuf;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use vmr_scheduler::config;
use vmr_scheduler::demo::exchange::{MailboxKind, MeetingSpec, SimOptions, SimulatedExchange};
use vmr_scheduler::exchange::ews::{EwsMailbox, EwsSettings};
use vmr_scheduler::meeting::body;
use vmr_scheduler::reservations::{self, Tokens};
use vmr_scheduler::scheduler::{Context, run_cycle};
use vmr_scheduler::store::Store;
use vmr_scheduler::templates::Templates;

fn main() -> Result<(), String> {
    let count: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(10_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).map_err(|e| format!("{p}: {e}"));
    let sim = SimulatedExchange::start(SimOptions::new(
        read("tests/fixtures/tls/rsa.pem")?,
        read("tests/fixtures/tls/rsa-pkcs8.key")?,
    ))
    .map_err(|e| e.to_string())?;
    sim.add_mailbox("alice@example.com", "Alice", MailboxKind::User);
    sim.add_mailbox("vmr@example.com", "Room", MailboxKind::Resource);
    sim.add_mailbox("svc@example.com", "Service", MailboxKind::User);
    sim.set_password("svc@example.com", "pw");
    sim.grant_impersonation_all("svc@example.com");

    let dir = std::env::temp_dir().join(format!("vmr-bench-scheduler-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let doc = json!({
        "server": {"tls_certificate_file": root.join("tests/fixtures/tls/rsa.pem"), "tls_private_key_file": root.join("tests/fixtures/tls/rsa-pkcs8.key")},
        "store": {"path": dir.join("store.redb")},
        "integrations": [{
            "name": "bench", "addin_server_domain": "scheduler.example.com", "exchange_domains": ["localhost"],
            "room_mailbox_email_address": "vmr@example.com", "url": sim.ews_url(),
            "ca_certificates_file": root.join("tests/fixtures/tls/ca.pem"), "username": "svc@example.com",
            "password": "pw", "scheduled_alias_suffix_length": 8, "max_reservations_per_user_per_hour": 10000,
        }],
    });
    let config = config::load(doc.to_string().as_bytes(), Some(&dir), None).map_err(|e| format!("{e:?}"))?;
    let integration = &config.integrations[0];
    let store = Store::open(&dir.join("store.redb")).map_err(|e| e.to_string())?;
    let templates = Templates::compile(&config).map_err(|e| format!("{e:?}"))?;
    let tokens = Tokens::load(&store).map_err(|e| e.to_string())?;
    let mut mailbox = EwsMailbox::new(&EwsSettings::from_integration(integration)).map_err(|e| e.to_string())?;

    let start = Timestamp::now() + SignedDuration::from_hours(48);
    let started = Instant::now();
    for n in 0..count {
        let vmr = reservations::reserve(&store, integration, "bench-user", None, Timestamp::now())
            .map_err(|e| e.to_string())?
            .vmr;
        let inner = format!("<p>{}</p>{}", vmr.alias, reservations::token_html(&tokens.token(&vmr.id)));
        let at = Timestamp::from_second(start.as_second() / 60 * 60 + 60 * n as i64).map_err(|e| e.to_string())?;
        let spec = MeetingSpec {
            subject: format!("Meeting {n}"),
            body_html: body::block_html(&inner),
            start: Some(at),
            end: Some(at + SignedDuration::from_mins(30)),
            time_zone: Some("UTC".into()),
            location: String::new(),
            required: vec![],
            optional: vec![],
            resources: vec!["vmr@example.com".into()],
            recurrence: None,
        };
        sim.send_meeting("alice@example.com", &spec).map_err(|e| format!("{e:?}"))?;
    }
    println!("prepared {count} meeting requests in {:.1} s", started.elapsed().as_secs_f64());

    let ctx = Context { integration, store: &store, templates: &templates, tokens: &tokens, observer: None };
    let started = Instant::now();
    let mut processed = 0;
    while processed < count {
        let report = run_cycle(&ctx, &mut mailbox, Timestamp::now()).map_err(|e| e.to_string())?;
        if let Some(e) = report.deferred {
            return Err(format!("deferred: {e}"));
        }
        if report.processed == 0 && report.synced == 0 {
            break;
        }
        processed += report.processed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let accepted = sim
        .inbox("alice@example.com")
        .map_err(|e| format!("{e:?}"))?
        .iter()
        .filter(|i| i.subject.starts_with("Accepted: "))
        .count();
    println!(
        "scheduler: {processed} requests processed, {accepted} accepted, in {elapsed:.1} s ({:.0} requests/s, {:.1} ms each)",
        processed as f64 / elapsed,
        elapsed * 1000.0 / processed.max(1) as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
    if accepted != count {
        return Err(format!("only {accepted} of {count} accepted"));
    }
    Ok(())
}
