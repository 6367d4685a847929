//! The simulated Exchange: a real HTTPS endpoint speaking EWS SOAP (Exchange 2016 level) with
//! mailboxes that have an inbox and a calendar, meeting semantics as Exchange applies them, Basic
//! authentication, impersonation rights, injected throttling and outages, and the identity
//! provider of the add-in (identity tokens + metadata document). Used by the integration tests and
//! by `vmr-scheduler demo`. This file is its whole public surface.

mod identity;
mod item_read;
mod item_write;
mod meetings;
mod model;
mod ops;
mod series;
mod server;
mod shape;
mod soap;
mod time;
mod xml;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use identity::{EXCHANGE_APP_ID, TOKEN_LIFETIME_SECS};
pub use meetings::Answer;
pub use model::{LoggedRequest, MailboxKind};

use crate::exchange::{Person, Recurrence};
use crate::http::{Bound, Listener, Server, ServerOptions};
use identity::Identity;
use meetings::SendMode;
use model::{Folder, Item, ItemRef, Kind, Store};
use ops::Ctx;

/// How to start the simulator.
#[derive(Clone)]
pub struct SimOptions {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub bind: SocketAddr,
    /// The PEM certificate chain and key of the HTTPS listener.
    pub cert_pem: String,
    pub key_pem: String,
    /// Host (and port) to put in URLs; default: the bound address.
    pub public_host: Option<String>,
    /// The realm in identity tokens' `iss` and in the metadata document; default: the host name.
    pub realm: Option<String>,
    /// Largest request body accepted (413 beyond it).
    pub max_request_bytes: usize,
    /// Keep every request and response body in the request log (for schema checks in tests).
    pub record_bodies: bool,
}

impl SimOptions {
    pub fn new(cert_pem: impl Into<String>, key_pem: impl Into<String>) -> SimOptions {
        SimOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            cert_pem: cert_pem.into(),
            key_pem: key_pem.into(),
            public_host: None,
            realm: None,
            max_request_bytes: 4 * 1024 * 1024,
            record_bodies: false,
        }
    }
}

/// What went wrong starting or driving the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The certificate, key or socket could not be used.
    Setup(String),
    /// No mailbox has this address.
    NoSuchMailbox(String),
    /// No item has this id in that mailbox.
    NoSuchItem(String),
    /// The action failed as the EWS operation would have, with this response code.
    Ews { code: String, text: String },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Setup(d) => write!(f, "simulated exchange cannot start: {d}"),
            SimError::NoSuchMailbox(e) => write!(f, "simulated exchange has no mailbox {e}; add it with add_mailbox"),
            SimError::NoSuchItem(i) => write!(f, "simulated exchange has no item {i}"),
            SimError::Ews { code, text } => write!(f, "simulated exchange refused: {code}: {text}"),
        }
    }
}

impl std::error::Error for SimError {}

impl From<soap::MessageError> for SimError {
    fn from(e: soap::MessageError) -> SimError {
        SimError::Ews { code: e.code.as_str().to_string(), text: e.text }
    }
}

/// Entry point: `SimulatedExchange::start(options)`.
pub struct SimulatedExchange;

impl SimulatedExchange {
    /// Binds the HTTPS listener and starts serving.
    pub fn start(options: SimOptions) -> Result<RunningSim, SimError> {
        let tls = tls_config(&options.cert_pem, &options.key_pem)?;
        let bound = Bound::bind(&[(options.bind, Listener::Https(tls))]).map_err(|e| SimError::Setup(e.to_string()))?;
        let addr = *bound.local_addrs().first().ok_or_else(|| SimError::Setup("no address bound".into()))?;
        let host = options.public_host.clone().unwrap_or_else(|| addr.to_string());
        let realm = options.realm.clone().unwrap_or_else(|| host.split(':').next().unwrap_or("localhost").to_string());
        let mut secret = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .map_err(|_| SimError::Setup("no randomness".into()))?;
        let mut store = Store::new(secret);
        store.record_bodies = options.record_bodies;
        let store = Arc::new(Mutex::new(store));
        let identity = Arc::new(Identity::load().map_err(SimError::Setup)?);
        let base_url = format!("https://{host}");
        let handler = server::SimHandler {
            store: Arc::clone(&store),
            identity: Arc::clone(&identity),
            realm: realm.clone(),
            base_url: base_url.clone(),
        };
        let server_options = ServerOptions {
            max_connections: 64,
            handshake_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_header_bytes: 32 * 1024,
            max_body_bytes: options.max_request_bytes,
            base_headers: Vec::new(),
        };
        let server = bound.serve(server_options, Arc::new(handler)).map_err(|e| SimError::Setup(e.to_string()))?;
        log::info!("simulated exchange listening on {base_url}{}", server::EWS_PATH);
        Ok(RunningSim { server: Some(server), addr, base_url, realm, store, identity })
    }
}

fn tls_config(cert_pem: &str, key_pem: &str) -> Result<Arc<rustls::ServerConfig>, SimError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| SimError::Setup(format!("certificate: {e}")))?;
    if chain.is_empty() {
        return Err(SimError::Setup("no certificate in cert_pem".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| SimError::Setup(format!("key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| SimError::Setup(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| SimError::Setup(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A meeting for [`RunningSim::send_meeting`].
#[derive(Debug, Clone, Default)]
pub struct MeetingSpec {
    pub subject: String,
    pub body_html: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// Windows time-zone id of the meeting (`StartTimeZone`).
    pub time_zone: Option<String>,
    pub location: String,
    pub required: Vec<String>,
    pub optional: Vec<String>,
    pub resources: Vec<String>,
    pub recurrence: Option<Recurrence>,
}

/// Changes for [`RunningSim::update_meeting`]; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct MeetingChange {
    pub subject: Option<String>,
    pub body_html: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub location: Option<String>,
    /// `Some(None)` removes the recurrence.
    pub recurrence: Option<Option<Recurrence>>,
    pub resources: Option<Vec<String>>,
}

/// An item as tests and the demo inspect it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    /// The EWS item id.
    pub id: String,
    /// `Message`, `CalendarItem`, `MeetingRequest`, `MeetingResponse` or `MeetingCancellation`.
    pub kind: &'static str,
    pub item_class: String,
    pub subject: String,
    pub body: String,
    pub body_is_html: bool,
    pub from: Option<Person>,
    pub is_read: bool,
    /// Meeting data, for calendar items and meeting messages.
    pub uid: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub time_zone: Option<String>,
    pub location: Option<String>,
    pub recurrence: Option<Recurrence>,
    pub recurrence_id: Option<Timestamp>,
    pub sequence: Option<u32>,
    pub is_cancelled: bool,
    /// `MeetingRequestType` of a request.
    pub request_type: Option<String>,
    /// A response's answer, a request's recipient answer, or a calendar item's `MyResponseType`.
    pub response_type: Option<String>,
    pub is_out_of_date: bool,
    /// Attendees and their `ResponseType`.
    pub attendees: Vec<(String, String)>,
    pub deleted_occurrences: Vec<Timestamp>,
    /// (original start, start, end) of modified occurrences.
    pub modified_occurrences: Vec<(Timestamp, Timestamp, Timestamp)>,
}

/// A running simulator. Dropping it stops the server.
pub struct RunningSim {
    server: Option<Server>,
    addr: SocketAddr,
    base_url: String,
    realm: String,
    store: Arc<Mutex<Store>>,
    identity: Arc<Identity>,
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(2));
        }
    }
}

impl RunningSim {
    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://host:port/EWS/Exchange.asmx`.
    pub fn ews_url(&self) -> String {
        format!("{}{}", self.base_url, server::EWS_PATH)
    }

    /// `https://host:port/autodiscover/metadata/json/1` (the tokens' `amurl`).
    pub fn metadata_url(&self) -> String {
        format!("{}{}", self.base_url, server::METADATA_PATH)
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// Adds a mailbox (idempotent on the address).
    pub fn add_mailbox(&self, email: &str, name: &str, kind: MailboxKind) {
        self.lock().add_mailbox(email, name, kind);
    }

    /// Lets `account` (a mailbox or a service account without one) sign in with Basic auth.
    pub fn set_password(&self, account: &str, password: &str) {
        self.lock().passwords.insert(account.trim().to_ascii_lowercase(), password.to_string());
    }

    /// Grants `service_account` impersonation of `target` only.
    pub fn grant_impersonation(&self, service_account: &str, target: &str) {
        self.lock().impersonate.insert((service_account.to_ascii_lowercase(), target.to_ascii_lowercase()));
    }

    /// Grants `service_account` the ApplicationImpersonation role over every mailbox.
    pub fn grant_impersonation_all(&self, service_account: &str) {
        self.lock().impersonate_all.insert(service_account.to_ascii_lowercase());
    }

    /// Gives `account` delegate (full) access to `target`'s folders, without impersonation.
    pub fn grant_delegate_access(&self, account: &str, target: &str) {
        self.lock().delegates.insert((account.to_ascii_lowercase(), target.to_ascii_lowercase()));
    }

    /// Answers the next `n` EWS requests with an `ErrorServerBusy` fault carrying `back_off_ms`.
    pub fn busy_next(&self, n: u32, back_off_ms: u64) {
        self.lock().busy = (n > 0).then_some((n, back_off_ms));
    }

    /// While true, every request gets HTTP 503 (Exchange down).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().unavailable = unavailable;
    }

    /// Turns recording of request and response bodies in the log on or off.
    pub fn record_bodies(&self, on: bool) {
        self.lock().record_bodies = on;
    }

    /// The request log so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.lock().log.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// An Exchange user identity token for `mailbox`, for the add-in page `aud`, valid from now.
    pub fn identity_token(&self, mailbox: &str, aud: &str) -> Result<String, SimError> {
        self.identity_token_at(mailbox, aud, Timestamp::now())
    }

    /// The same, issued at `now`.
    pub fn identity_token_at(&self, mailbox: &str, aud: &str, now: Timestamp) -> Result<String, SimError> {
        let email = {
            let store = self.lock();
            let index = store.mailbox_index(mailbox).ok_or_else(|| SimError::NoSuchMailbox(mailbox.to_string()))?;
            store.mailbox(index).map(|m| m.email.clone()).unwrap_or_default()
        };
        let uid = identity::msexchuid(&email, &self.realm);
        self.identity.token(aud, &uid, &self.metadata_url(), &self.realm, now).map_err(SimError::Setup)
    }

    /// The DER certificate that signs identity tokens (published in the metadata document).
    pub fn signing_certificate_der(&self) -> Vec<u8> {
        self.identity.certificate_der().to_vec()
    }

    /// The `x5t` of identity tokens: base64url SHA-1 of [`RunningSim::signing_certificate_der`].
    pub fn signing_x5t(&self) -> String {
        self.identity.x5t().to_string()
    }

    /// Whether `email` is a user or a resource mailbox.
    pub fn mailbox_kind(&self, email: &str) -> Option<MailboxKind> {
        let store = self.lock();
        store.mailbox_index(email).and_then(|i| store.mailbox(i)).map(|m| m.kind)
    }

    /// The `msexchuid` tokens carry for `mailbox`.
    pub fn msexchuid(&self, mailbox: &str) -> String {
        identity::msexchuid(mailbox, &self.realm)
    }

    /// The items of a mailbox's inbox, oldest first.
    pub fn inbox(&self, email: &str) -> Result<Vec<ItemView>, SimError> {
        self.folder(email, "inbox")
    }

    /// The items of a mailbox's calendar.
    pub fn calendar(&self, email: &str) -> Result<Vec<ItemView>, SimError> {
        self.folder(email, "calendar")
    }

    /// The items of a distinguished folder (`inbox`, `calendar`, `sentitems`, `deleteditems`, ...).
    pub fn folder(&self, email: &str, folder: &str) -> Result<Vec<ItemView>, SimError> {
        let store = self.lock();
        let index = store.mailbox_index(email).ok_or_else(|| SimError::NoSuchMailbox(email.to_string()))?;
        let folder = Folder::from_id(folder).ok_or_else(|| SimError::Setup(format!("no folder {folder}")))?;
        let mailbox = store.mailbox(index).ok_or_else(|| SimError::NoSuchMailbox(email.to_string()))?;
        Ok(mailbox.in_folder(folder).map(|i| view(index, i)).collect())
    }

    fn with_ctx<T>(
        &self,
        email: &str,
        f: impl FnOnce(&mut Ctx<'_>, u32) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        let mut store = self.lock();
        let index = store.mailbox_index(email).ok_or_else(|| SimError::NoSuchMailbox(email.to_string()))?;
        let account = email.to_ascii_lowercase();
        let mut ctx =
            Ctx { store: &mut store, account, acting: Some(index), zone: None, zone_id: None, now: Timestamp::now() };
        f(&mut ctx, index)
    }

    fn item_ref(store: &Store, mailbox: u32, id: &str) -> Result<ItemRef, SimError> {
        let r =
            ItemRef::decode(id).filter(|r| r.mailbox == mailbox).ok_or_else(|| SimError::NoSuchItem(id.to_string()))?;
        store.item(ItemRef::new(r.mailbox, r.item)).ok_or_else(|| SimError::NoSuchItem(id.to_string()))?;
        Ok(r)
    }

    /// The organizer sends a meeting (as CreateItem with `SendToAllAndSaveCopy` would); returns
    /// the organizer's calendar item id.
    pub fn send_meeting(&self, organizer: &str, spec: &MeetingSpec) -> Result<String, SimError> {
        self.with_ctx(organizer, |ctx, index| {
            let people = |list: &[String]| -> Option<Vec<Person>> {
                Some(list.iter().map(|e| Person { name: String::new(), email: e.clone() }).collect())
            };
            let props = item_read::Props {
                subject: Some(spec.subject.clone()),
                body: Some(model::Body { html: true, text: spec.body_html.clone() }),
                start: spec.start.map(time::format),
                end: spec.end.map(time::format),
                start_tz: spec.time_zone.clone(),
                end_tz: spec.time_zone.clone(),
                location: Some(spec.location.clone()),
                required: people(&spec.required),
                optional: people(&spec.optional),
                resources: people(&spec.resources),
                recurrence: spec.recurrence.clone(),
                ..Default::default()
            };
            let r = ops::create_calendar_item(ctx, index, Folder::Calendar, props, SendMode::AllAndSaveCopy)?;
            Ok(r.encode())
        })
    }

    /// The organizer changes the meeting and sends the update to all attendees.
    pub fn update_meeting(&self, organizer: &str, id: &str, change: &MeetingChange) -> Result<(), SimError> {
        self.with_ctx(organizer, |ctx, index| {
            let r = Self::item_ref(ctx.store, index, id)?;
            let item =
                ctx.store.item(ItemRef::new(index, r.item)).cloned().ok_or_else(|| SimError::NoSuchItem(id.into()))?;
            let before = item.meeting.clone().ok_or_else(|| SimError::NoSuchItem(id.into()))?;
            let mut updated = item.clone();
            if let Some(s) = &change.subject {
                updated.subject = s.clone();
            }
            if let Some(b) = &change.body_html {
                updated.body = model::Body { html: true, text: b.clone() };
            }
            if let Some(m) = updated.meeting.as_mut() {
                m.start = change.start.unwrap_or(m.start);
                m.end = change.end.unwrap_or(m.end);
                if let Some(l) = &change.location {
                    m.location = l.clone();
                }
                if let Some(r) = &change.recurrence {
                    m.recurrence = r.clone();
                    m.exceptions.clear();
                    m.deleted.clear();
                }
                if let Some(list) = &change.resources {
                    m.resources = list
                        .iter()
                        .map(|e| model::Attendee {
                            person: Person { name: String::new(), email: e.clone() },
                            response: model::Response::Unknown,
                            last_response: None,
                        })
                        .collect();
                }
            }
            if let Some(slot) = ctx.store.item_mut(index, r.item) {
                *slot = updated;
            }
            ctx.store.touch(index, r.item, model::Change::Update, ctx.now);
            meetings::send_update(
                ctx.store,
                index,
                r.item,
                &before,
                &item.subject,
                SendMode::AllAndSaveCopy,
                None,
                ctx.now,
            );
            Ok(())
        })
    }

    /// The organizer cancels the whole meeting (as CancelCalendarItem).
    pub fn cancel_meeting(&self, organizer: &str, id: &str, body_html: &str) -> Result<(), SimError> {
        self.with_ctx(organizer, |ctx, index| {
            let r = Self::item_ref(ctx.store, index, id)?;
            let body = Some(model::Body { html: true, text: body_html.to_string() });
            meetings::cancel(ctx.store, index, ItemRef::new(index, r.item), body, true, true, ctx.now)?;
            Ok(())
        })
    }

    /// The organizer cancels one occurrence (by its original start) of a series.
    pub fn cancel_occurrence(&self, organizer: &str, id: &str, original_start: Timestamp) -> Result<(), SimError> {
        self.with_ctx(organizer, |ctx, index| {
            let r = Self::item_ref(ctx.store, index, id)?;
            let occ = ItemRef { occurrence: Some(original_start.as_second()), ..ItemRef::new(index, r.item) };
            meetings::cancel(ctx.store, index, occ, None, true, true, ctx.now)?;
            Ok(())
        })
    }

    /// The organizer moves one occurrence of a series and sends the update for it.
    pub fn move_occurrence(
        &self,
        organizer: &str,
        id: &str,
        original_start: Timestamp,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<(), SimError> {
        self.with_ctx(organizer, |ctx, index| {
            let r = Self::item_ref(ctx.store, index, id)?;
            let before =
                ctx.store.item(ItemRef::new(index, r.item)).cloned().ok_or_else(|| SimError::NoSuchItem(id.into()))?;
            let meeting = before.meeting.clone().ok_or_else(|| SimError::NoSuchItem(id.into()))?;
            let instance =
                series::instance_at(&meeting, original_start).filter(|i| !i.deleted).ok_or_else(|| SimError::Ews {
                    code: "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange".into(),
                    text: "no such occurrence".into(),
                })?;
            if let Some(m) = ctx.store.item_mut(index, r.item).and_then(|i| i.meeting.as_mut()) {
                m.exceptions.retain(|e| e.original_start != instance.original_start);
                m.exceptions.push(model::Exception {
                    original_start: instance.original_start,
                    start,
                    end,
                    subject: None,
                    location: None,
                    body: None,
                });
            }
            ctx.store.touch(index, r.item, model::Change::Update, ctx.now);
            meetings::send_update(
                ctx.store,
                index,
                r.item,
                &meeting,
                &before.subject,
                SendMode::AllAndSaveCopy,
                Some(original_start),
                ctx.now,
            );
            Ok(())
        })
    }

    /// An attendee answers a meeting request (or its calendar item) and sends the response.
    pub fn respond(&self, attendee: &str, id: &str, answer: Answer, body_html: &str) -> Result<(), SimError> {
        self.with_ctx(attendee, |ctx, index| {
            let r = Self::item_ref(ctx.store, index, id)?;
            let body = Some(model::Body { html: true, text: body_html.to_string() });
            meetings::respond(ctx.store, index, r, answer, body, true, true, ctx.now)?;
            Ok(())
        })
    }
}

fn view(mailbox: u32, item: &Item) -> ItemView {
    let m = item.meeting.as_ref();
    let mm = item.message.as_ref();
    ItemView {
        id: ItemRef::new(mailbox, item.num).encode(),
        kind: item.kind.element().trim_start_matches("t:"),
        item_class: item.class.clone(),
        subject: item.subject.clone(),
        body: item.body.text.clone(),
        body_is_html: item.body.html,
        from: item.from.clone(),
        is_read: item.is_read,
        uid: m.map(|m| m.uid()),
        start: m.map(|m| m.start),
        end: m.map(|m| m.end),
        time_zone: m.and_then(|m| m.start_tz.clone()),
        location: m.map(|m| m.location.clone()),
        recurrence: m.and_then(|m| m.recurrence.clone()),
        recurrence_id: m.and_then(|m| m.recurrence_id),
        sequence: m.map(|m| m.sequence),
        is_cancelled: m.is_some_and(|m| m.is_cancelled),
        request_type: mm.and_then(|x| x.request_type).map(str::to_string),
        response_type: match (item.kind, mm, m) {
            (Kind::CalendarItem, _, Some(m)) => Some(m.my_response.as_str().to_string()),
            (_, Some(x), _) => Some(x.response.as_str().to_string()),
            _ => None,
        },
        is_out_of_date: mm.is_some_and(|x| x.is_out_of_date),
        attendees: m
            .map(|m| m.attendees().map(|a| (a.person.email.clone(), a.response.as_str().to_string())).collect())
            .unwrap_or_default(),
        deleted_occurrences: m.map(|m| m.deleted.clone()).unwrap_or_default(),
        modified_occurrences: m
            .map(|m| m.exceptions.iter().map(|e| (e.original_start, e.start, e.end)).collect())
            .unwrap_or_default(),
    }
}
