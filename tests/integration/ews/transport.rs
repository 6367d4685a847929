//! `EwsMailbox` over HTTPS against a local scripted EWS server (127.0.0.1 only): trust of the extra CA
//! file, Basic credentials, 401, throttling back-off, size limit, timeouts, proxy, and the whole
//! `Mailbox` surface with every request it sends checked against the schema.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vmr_scheduler::config::{AuthMethod, Secret};
use vmr_scheduler::exchange::ews::{EwsMailbox, EwsSettings, ResponseCode};
use vmr_scheduler::exchange::{
    DayOfWeek, ExchangeError, ItemChange, ItemId, Mailbox, MeetingMessage, Occurrence, Pattern, Person, Range, Reply,
    RequestType,
};
use vmr_scheduler::http::{Bound, Handler, Listener, Request, Response, ServerOptions, server_config};

use super::faults::fault;
use super::requests::{HOSTILE, assert_schema_valid, standalone_parts};
use super::{err, example, ok, ts};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

/// What the scripted server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Answers requests with a script of (status, body), in order, and records them.
#[derive(Default)]
struct Script {
    answers: Mutex<VecDeque<(u16, String)>>,
    seen: Mutex<Vec<Seen>>,
}

impl Handler for Script {
    fn handle(&self, request: &Request) -> Response {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(Seen {
                headers: request.headers.clone(),
                body: String::from_utf8_lossy(&request.body).into_owned(),
            });
        }
        let next = self.answers.lock().ok().and_then(|mut a| a.pop_front());
        let (status, body) = next.unwrap_or((599, "script exhausted".into()));
        let mut response =
            Response::new(status).header("Content-Type", "text/xml; charset=utf-8").body(body.into_bytes());
        if status == 401 {
            response = response.header("WWW-Authenticate", "Basic realm=\"127.0.0.1\"");
        }
        response
    }
}

struct Ews {
    script: Arc<Script>,
    addr: SocketAddr,
    server: Option<vmr_scheduler::http::Server>,
}

impl Ews {
    fn start(answers: Vec<(u16, String)>) -> Ews {
        let key = ok(std::fs::read_to_string(fixture("rsa-pkcs8.key")), "key");
        let tls = ok(server_config(&fixture("rsa.pem"), &key), "server TLS");
        let bound = ok(Bound::bind(&[(SocketAddr::from(([127, 0, 0, 1], 0)), Listener::Https(tls))]), "bind");
        let addr = bound.local_addrs()[0];
        let script = Arc::new(Script { answers: Mutex::new(answers.into()), seen: Mutex::default() });
        let options = ServerOptions {
            max_connections: 8,
            handshake_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
            max_body_bytes: 4 * 1024 * 1024,
            base_headers: Vec::new(),
        };
        let server = ok(bound.serve(options, script.clone()), "serve");
        Ews { script, addr, server: Some(server) }
    }

    fn settings(&self) -> EwsSettings {
        settings(&format!("https://127.0.0.1:{}/EWS/Exchange.asmx", self.addr.port()), Some(fixture("ca.pem")))
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Ews {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown(Duration::from_secs(2));
        }
    }
}

fn settings(url: &str, ca: Option<PathBuf>) -> EwsSettings {
    EwsSettings {
        url: url.into(),
        username: "svc-vmr@example.com".into(),
        password: Secret::new("pässword:1"),
        authentication_method: AuthMethod::Basic,
        ca_certificates_file: ca,
        proxy: None,
        resource_mailbox: "room1@example.com".into(),
        impersonate_resource: true,
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
        max_response_bytes: 1024 * 1024,
        busy_retries: 3,
        max_back_off: Duration::from_secs(60),
    }
}

fn open(settings: &EwsSettings) -> (EwsMailbox, Arc<Mutex<Vec<Duration>>>) {
    let slept = Arc::new(Mutex::new(Vec::new()));
    let record = slept.clone();
    let mailbox = ok(EwsMailbox::new(settings), "mailbox").with_sleep(move |d| {
        if let Ok(mut s) = record.lock() {
            s.push(d);
        }
    });
    (mailbox, slept)
}

fn text(name: &str) -> String {
    String::from_utf8_lossy(&example(name)).into_owned()
}

#[test]
fn the_extra_ca_file_is_trusted_and_basic_credentials_and_impersonation_are_sent() {
    let ews = Ews::start(vec![(200, text("getfolder-calendar-response.xml"))]);
    let (mut mailbox, _) = open(&ews.settings());
    let (version, folder) = ok(mailbox.check(), "self-test");
    assert_eq!(version.and_then(|v| v.major_build), Some(731));
    assert_eq!(folder.id.id, "AAMk");
    let seen = ews.seen();
    // RFC 7617 §2: base64 of "user:password" (UTF-8).
    assert_eq!(seen[0].header("authorization"), Some("Basic c3ZjLXZtckBleGFtcGxlLmNvbTpww6Rzc3dvcmQ6MQ=="));
    assert_eq!(seen[0].header("content-type"), Some("text/xml; charset=utf-8"));
    assert_eq!(seen[0].header("x-anchormailbox"), Some("room1@example.com"));
    assert!(seen[0].body.contains("<t:PrimarySmtpAddress>room1@example.com</t:PrimarySmtpAddress>"));
}

#[test]
fn without_the_extra_ca_file_the_connection_fails_with_a_clear_transport_error() {
    let ews = Ews::start(vec![(200, text("getfolder-calendar-response.xml"))]);
    let mut s = ews.settings();
    s.ca_certificates_file = None;
    let (mut mailbox, _) = open(&s);
    let e = err(mailbox.check(), "untrusted server");
    let ExchangeError::Transport { detail, .. } = &e else { panic!("{e:?}") };
    assert!(detail.contains("certificate") && detail.contains("ca_certificates_file"), "{detail}");
    assert!(ews.seen().is_empty());
}

#[test]
fn an_unreadable_or_empty_ca_file_is_a_setup_error() {
    let missing = settings("https://127.0.0.1:1/EWS/Exchange.asmx", Some(PathBuf::from("/nonexistent/ca.pem")));
    assert!(
        matches!(EwsMailbox::new(&missing), Err(ExchangeError::Setup { detail }) if detail.contains("cannot be read"))
    );
    let not_pem = settings("https://127.0.0.1:1/EWS/Exchange.asmx", Some(fixture("rsa-pkcs8.key")));
    assert!(
        matches!(EwsMailbox::new(&not_pem), Err(ExchangeError::Setup { detail }) if detail.contains("no certificate"))
    );
}

// RFC 7617 §4: Basic sends the password in clear; only over HTTPS.
#[test]
fn basic_authentication_refuses_plain_http_and_unusable_proxies() {
    let plain = settings("http://127.0.0.1:1/EWS/Exchange.asmx", None);
    assert!(matches!(EwsMailbox::new(&plain), Err(ExchangeError::Setup { detail }) if detail.contains("plain http")));
    let mut socks = settings("https://127.0.0.1:1/EWS/Exchange.asmx", None);
    socks.proxy = Some("socks5://127.0.0.1:1080".into());
    assert!(matches!(EwsMailbox::new(&socks), Err(ExchangeError::Setup { detail }) if detail.contains("proxy")));
}

#[test]
fn http_401_is_unauthorized_naming_the_account() {
    let ews = Ews::start(vec![(401, String::new())]);
    let (mut mailbox, _) = open(&ews.settings());
    let e = err(mailbox.sync(None, 10), "401");
    assert!(matches!(&e, ExchangeError::Unauthorized { username, .. } if username == "svc-vmr@example.com"), "{e:?}");
    assert!(!e.to_string().contains("pässword"));
}

#[test]
fn server_busy_is_waited_out_for_its_back_off_then_the_call_succeeds() {
    let busy = fault("ErrorServerBusy", &[("BackOffMilliseconds", "1500")]);
    let ews = Ews::start(vec![(500, busy.clone()), (500, busy), (200, text("syncfolderitems-initial-response.xml"))]);
    let (mut mailbox, slept) = open(&ews.settings());
    let changes = ok(mailbox.sync(None, 100), "sync after back-off");
    assert_eq!(changes.items.len(), 5);
    assert_eq!(*ok(slept.lock(), "sleeps"), vec![Duration::from_millis(1500); 2]);
    assert_eq!(ews.seen().len(), 3);
}

#[test]
fn server_busy_retries_are_bounded_and_long_back_offs_are_returned_at_once() {
    let busy = fault("ErrorServerBusy", &[("BackOffMilliseconds", "10")]);
    let ews = Ews::start(vec![(500, busy); 5]);
    let (mut mailbox, slept) = open(&ews.settings());
    assert!(matches!(mailbox.sync(None, 1), Err(ExchangeError::ServerBusy { .. })));
    assert_eq!(ok(slept.lock(), "sleeps").len(), 3);
    assert_eq!(ews.seen().len(), 4);

    let long = fault("ErrorServerBusy", &[("BackOffMilliseconds", "297749")]);
    let ews = Ews::start(vec![(500, long)]);
    let (mut mailbox, slept) = open(&ews.settings());
    let e = err(mailbox.sync(None, 1), "long back-off");
    assert!(matches!(e, ExchangeError::ServerBusy { back_off } if back_off == Duration::from_millis(297_749)));
    assert!(ok(slept.lock(), "sleeps").is_empty());
}

#[test]
fn an_answer_larger_than_the_limit_is_too_large() {
    let padding = " ".repeat(8000);
    let ews = Ews::start(vec![(200, format!("{padding}{}", text("syncfolderitems-initial-response.xml")))]);
    let mut s = ews.settings();
    s.max_response_bytes = 4096;
    let (mut mailbox, _) = open(&s);
    assert!(matches!(mailbox.sync(None, 1), Err(ExchangeError::TooLarge { limit: 4096 })));
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = ok(TcpListener::bind("127.0.0.1:0"), "bind");
    let port = ok(listener.local_addr(), "addr").port();
    let holder = std::thread::spawn(move || {
        // Accept and hold the connection without a byte of answer.
        let held = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let mut s = settings(&format!("https://127.0.0.1:{port}/EWS/Exchange.asmx"), Some(fixture("ca.pem")));
    s.connect_timeout = Duration::from_millis(300);
    s.read_timeout = Duration::from_millis(300);
    s.total_timeout = Duration::from_millis(600);
    let (mut mailbox, _) = open(&s);
    let started = std::time::Instant::now();
    let e = err(mailbox.sync(None, 1), "silent server");
    assert!(matches!(&e, ExchangeError::Transport { detail, .. } if detail.contains("in time")), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let _ = holder.join();
}

#[test]
fn the_configured_proxy_is_used_with_connect() {
    let proxy = ok(TcpListener::bind("127.0.0.1:0"), "bind");
    let port = ok(proxy.local_addr(), "addr").port();
    let seen = std::thread::spawn(move || {
        let Ok((mut stream, _)) = proxy.accept() else { return String::new() };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        String::from_utf8_lossy(&head).into_owned()
    });
    let mut s = settings("https://ews.example.com/EWS/Exchange.asmx", None);
    s.proxy = Some(format!("http://127.0.0.1:{port}"));
    let (mut mailbox, _) = open(&s);
    assert!(matches!(mailbox.sync(None, 1), Err(ExchangeError::Transport { .. })));
    let request = seen.join().unwrap_or_default();
    assert!(request.starts_with("CONNECT ews.example.com:443 HTTP/1.1"), "{request}");
}

const M: &str = "xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"";

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header><h:ServerVersionInfo MajorVersion=\"15\" MinorVersion=\"1\" MajorBuildNumber=\"2507\" MinorBuildNumber=\"6\" Version=\"V2017_07_11\" xmlns:h=\"http://schemas.microsoft.com/exchange/services/2006/types\"/></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
}

fn one(op: &str, content: &str) -> String {
    envelope(&format!(
        "<m:{op}Response {M}><m:ResponseMessages><m:{op}ResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>{content}</m:{op}ResponseMessage></m:ResponseMessages></m:{op}Response>"
    ))
}

const UID: &str =
    "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D6010000000000000000100000001234567890ABCDEF1234567890ABCDEF";

/// A GetItem answer for a recurring meeting request, in types.xsd order (notes §3.1), without
/// exceptions (those are on its calendar item).
fn meeting_request_answer() -> String {
    one(
        "GetItem",
        &format!(
            "<m:Items><t:MeetingRequest><t:ItemId Id=\"AAMkMR1\" ChangeKey=\"CwAAAB\"/><t:ItemClass>IPM.Schedule.Meeting.Request</t:ItemClass>\
<t:Subject>Weekly &lt;sync&gt; é</t:Subject><t:Body BodyType=\"HTML\">&lt;html&gt;&lt;body&gt;VMR:-ABC#&lt;/body&gt;&lt;/html&gt;</t:Body>\
<t:Sender><t:Mailbox><t:Name>Dee Legate</t:Name><t:EmailAddress>delegate@example.com</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox></t:Sender>\
<t:From><t:Mailbox><t:Name>Olga Organizer</t:Name><t:EmailAddress>organizer@example.com</t:EmailAddress></t:Mailbox></t:From>\
<t:AssociatedCalendarItemId Id=\"AAMkCAL1\" ChangeKey=\"DwAAAB\"/><t:IsOutOfDate>false</t:IsOutOfDate>\
<t:UID>{UID}</t:UID><t:MeetingRequestType>NewMeetingRequest</t:MeetingRequestType>\
<t:Start>2025-01-06T09:00:00Z</t:Start><t:End>2025-01-06T10:00:00Z</t:End><t:IsAllDayEvent>0</t:IsAllDayEvent>\
<t:CalendarItemType>RecurringMaster</t:CalendarItemType>\
<t:Organizer><t:Mailbox><t:Name>Olga Organizer</t:Name><t:EmailAddress>organizer@example.com</t:EmailAddress></t:Mailbox></t:Organizer>\
<t:AppointmentSequenceNumber>2</t:AppointmentSequenceNumber>\
<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence>\
<t:NumberedRecurrence><t:StartDate>2025-01-06+01:00</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>\
<t:StartTimeZone Id=\"W. Europe Standard Time\" Name=\"(UTC+01:00) Amsterdam, Berlin\"/>\
</t:MeetingRequest></m:Items>"
        ),
    )
}

fn calendar_item_answer() -> String {
    one(
        "GetItem",
        "<m:Items><t:CalendarItem><t:ItemId Id=\"AAMkCAL1\" ChangeKey=\"DwAAAC\"/>\
<t:ModifiedOccurrences><t:Occurrence><t:ItemId Id=\"AAMkOCC3\"/><t:Start>2025-01-13T10:00:00Z</t:Start><t:End>2025-01-13T11:00:00Z</t:End><t:OriginalStart>2025-01-13T09:00:00Z</t:OriginalStart></t:Occurrence></t:ModifiedOccurrences>\
<t:DeletedOccurrences><t:DeletedOccurrence><t:Start>2025-01-15T09:00:00Z</t:Start></t:DeletedOccurrence></t:DeletedOccurrences>\
</t:CalendarItem></m:Items>",
    )
}

fn cancellation_answer() -> String {
    one(
        "GetItem",
        "<m:Items><t:MeetingCancellation><t:ItemId Id=\"AAMkMC1\" ChangeKey=\"CwAAAD\"/><t:ItemClass>IPM.Schedule.Meeting.Canceled</t:ItemClass>\
<t:Subject>Canceled: Weekly sync</t:Subject>\
<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId=\"6ed8da90-450b-101b-98da-00aa003f1305\" PropertyId=\"35\" PropertyType=\"Binary\"/><t:Value>BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAHAAAAHZDYWwtVWlkAQAAAGFiY0BleGFtcGxlLmNvbQA=</t:Value></t:ExtendedProperty>\
<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId=\"Appointment\" PropertyId=\"33281\" PropertyType=\"Integer\"/><t:Value>4</t:Value></t:ExtendedProperty>\
<t:From><t:Mailbox><t:Name>Olga Organizer</t:Name><t:EmailAddress>organizer@example.com</t:EmailAddress></t:Mailbox></t:From>\
<t:RecurrenceId>2025-01-20T09:00:00Z</t:RecurrenceId><t:Start>2025-01-20T09:00:00Z</t:Start><t:End>2025-01-20T10:00:00Z</t:End>\
</t:MeetingCancellation></m:Items>",
    )
}

#[test]
fn every_mailbox_method_sends_schema_valid_requests_and_reads_the_answers() {
    let sync = one(
        "SyncFolderItems",
        "<m:SyncState>STATE2</m:SyncState><m:IncludesLastItemInRange>false</m:IncludesLastItemInRange><m:Changes>\
<t:Create><t:MeetingRequest><t:ItemId Id=\"AAMkMR1\" ChangeKey=\"CwAAAB\"/></t:MeetingRequest></t:Create>\
<t:Update><t:Message><t:ItemId Id=\"AAMkMSG\" ChangeKey=\"CQ\"/></t:Message></t:Update>\
<t:Delete><t:ItemId Id=\"AAMkOLD\" ChangeKey=\"CQ\"/></t:Delete>\
<t:ReadFlagChange><t:ItemId Id=\"AAMkMSG\" ChangeKey=\"CQ\"/><t:IsRead>true</t:IsRead></t:ReadFlagChange></m:Changes>",
    );
    let mail = one(
        "GetItem",
        "<m:Items><t:Message><t:ItemId Id=\"AAMkMSG\" ChangeKey=\"CQ\"/><t:ItemClass>IPM.Note</t:ItemClass></t:Message></m:Items>",
    );
    let found = one(
        "FindItem",
        "<m:RootFolder IndexedPagingOffset=\"1\" TotalItemsInView=\"1\" IncludesLastItemInRange=\"true\"><t:Items>\
<t:CalendarItem><t:ItemId Id=\"AAMkORG\" ChangeKey=\"DwAAAO\"/><t:CalendarItemType>RecurringMaster</t:CalendarItemType></t:CalendarItem></t:Items></m:RootFolder>",
    );
    let organizer_body = one(
        "GetItem",
        "<m:Items><t:CalendarItem><t:ItemId Id=\"AAMkORG\" ChangeKey=\"DwAAAP\"/><t:Body BodyType=\"HTML\">&lt;p&gt;Placeholder&lt;/p&gt;</t:Body></t:CalendarItem></m:Items>",
    );
    let nothing_found = one(
        "FindItem",
        "<m:RootFolder IndexedPagingOffset=\"0\" TotalItemsInView=\"0\" IncludesLastItemInRange=\"true\"><t:Items/></m:RootFolder>",
    );
    let ews = Ews::start(vec![
        (200, sync),
        (200, meeting_request_answer()),
        (200, calendar_item_answer()),
        (200, cancellation_answer()),
        (200, mail),
        (200, text("createitem-acceptitem-response.xml")),
        (200, text("createitem-acceptitem-response.xml")),
        (200, text("createitem-acceptitem-response.xml")),
        (200, found),
        (200, organizer_body),
        (200, nothing_found),
        (200, text("updateitem-calendaritem-subject-response.xml")),
    ]);
    let (mut mb, _) = open(&ews.settings());

    let changes = ok(mb.sync(Some("STATE1"), 50), "sync");
    assert_eq!(changes.sync_state, "STATE2");
    assert!(changes.more_available);
    let mr = ItemId { id: "AAMkMR1".into(), change_key: "CwAAAB".into() };
    assert_eq!(
        changes.items,
        vec![
            ItemChange::Created(mr.clone()),
            ItemChange::Updated(ItemId { id: "AAMkMSG".into(), change_key: "CQ".into() }),
            ItemChange::Deleted("AAMkOLD".into()),
        ]
    );

    let MeetingMessage::Request(request) = ok(mb.meeting_message(&mr), "request") else { panic!("not a request") };
    assert_eq!(request.id, mr);
    assert_eq!(request.uid, UID);
    assert_eq!(request.request_type, RequestType::NewMeetingRequest);
    assert_eq!(request.subject, "Weekly <sync> é");
    assert_eq!(request.body_html, "<html><body>VMR:-ABC#</body></html>");
    assert_eq!(request.organizer, Person { name: "Olga Organizer".into(), email: "organizer@example.com".into() });
    assert_eq!(request.sender, Some(Person { name: "Dee Legate".into(), email: "delegate@example.com".into() }));
    assert_eq!((request.start, request.end), (ts("2025-01-06T09:00:00Z"), ts("2025-01-06T10:00:00Z")));
    assert_eq!(request.time_zone.as_deref(), Some("W. Europe Standard Time"));
    assert!(!request.is_all_day);
    assert_eq!(request.sequence, 2);
    let recurrence = request.recurrence.clone().unwrap_or_else(|| panic!("no recurrence"));
    assert_eq!(
        recurrence.pattern,
        Pattern::Weekly {
            interval: 1,
            days: vec![DayOfWeek::Monday, DayOfWeek::Wednesday],
            first_day_of_week: DayOfWeek::Monday
        }
    );
    assert_eq!(recurrence.range, Range::Numbered { start: jiff::civil::date(2025, 1, 6), count: 10 });
    assert_eq!(
        request.modified_occurrences,
        vec![Occurrence {
            original_start: ts("2025-01-13T09:00:00Z"),
            start: ts("2025-01-13T10:00:00Z"),
            end: ts("2025-01-13T11:00:00Z")
        }]
    );
    assert_eq!(request.deleted_occurrences, vec![ts("2025-01-15T09:00:00Z")]);

    let mc = ItemId { id: "AAMkMC1".into(), change_key: "CwAAAD".into() };
    let MeetingMessage::Cancellation(cancel) = ok(mb.meeting_message(&mc), "cancellation") else {
        panic!("not a cancellation")
    };
    // The foreign meeting's UID is the hex of its CleanGlobalObjectId, which searches back exactly.
    assert!(
        cancel.uid.starts_with("040000008200E00074C5B7101A82E008")
            && cancel.uid.ends_with("616263406578616D706C652E636F6D00")
    );
    assert_eq!(
        vmr_scheduler::exchange::ews::clean_global_object_id(&cancel.uid),
        vmr_scheduler::exchange::ews::clean_global_object_id("abc@example.com")
    );
    assert_eq!(cancel.sequence, 4);
    assert_eq!(cancel.recurrence_id, Some(ts("2025-01-20T09:00:00Z")));
    assert_eq!(cancel.organizer.email, "organizer@example.com");

    let other = ok(mb.meeting_message(&ItemId { id: "AAMkMSG".into(), change_key: "CQ".into() }), "mail");
    assert!(matches!(other, MeetingMessage::Other { item_class, .. } if item_class == "IPM.Note"));

    ok(mb.reply(&mr, &Reply::Accept { body_html: format!("<p>{HOSTILE}</p>") }), "accept");
    ok(mb.reply(&mr, &Reply::Decline { body_html: "<p>No.</p>".into() }), "decline");
    ok(mb.remove_cancelled(&mc), "remove");

    let meeting =
        ok(mb.find_organizer_meeting("organizer@example.com", UID), "find").unwrap_or_else(|| panic!("not found"));
    assert_eq!(meeting.id, ItemId { id: "AAMkORG".into(), change_key: "DwAAAP".into() });
    assert_eq!(meeting.body_html, "<p>Placeholder</p>");
    assert_eq!(ok(mb.find_organizer_meeting("organizer@example.com", "nope@example.com"), "find none"), None);
    ok(mb.update_organizer_meeting("organizer@example.com", &meeting.id, "<p>VMR 7712345678</p>"), "update");

    let seen = ews.seen();
    assert_eq!(seen.len(), 12);
    let ops: Vec<&str> = seen
        .iter()
        .map(|s| {
            ["SyncFolderItems", "GetItem", "CreateItem", "FindItem", "UpdateItem"]
                .into_iter()
                .find(|op| s.body.contains(&format!("<m:{op} ")))
                .unwrap_or("?")
        })
        .collect();
    assert_eq!(
        ops,
        [
            "SyncFolderItems",
            "GetItem",
            "GetItem",
            "GetItem",
            "GetItem",
            "CreateItem",
            "CreateItem",
            "CreateItem",
            "FindItem",
            "GetItem",
            "FindItem",
            "UpdateItem"
        ]
    );
    // The organizer's calendar is reached by impersonating the organizer, the rest as the room.
    assert_eq!(seen[8].header("x-anchormailbox"), Some("organizer@example.com"));
    assert!(seen[8].body.contains("<t:PrimarySmtpAddress>organizer@example.com</t:PrimarySmtpAddress>"));
    assert!(seen[8].body.contains("BAAAAIIA4AB0xbcQGoLgCAAAAACgscLT5PXWAQAAAAAAAAAAEAAAABI0VniQq83vEjRWeJCrze8="));
    assert!(seen[5].body.contains("<t:AcceptItem><t:Body BodyType=\"HTML\">"));
    assert!(seen[11].body.contains("SendMeetingInvitationsOrCancellations=\"SendToAllAndSaveCopy\""));
    let parts: Vec<String> = seen.iter().flat_map(|s| standalone_parts(&s.body)).collect();
    assert_schema_valid("mailbox", &parts);
}

#[test]
fn an_item_that_is_gone_is_item_not_found() {
    let gone = envelope(&format!(
        "<m:GetItemResponse {M}><m:ResponseMessages><m:GetItemResponseMessage ResponseClass=\"Error\"><m:MessageText>The specified object was not found in the store.</m:MessageText><m:ResponseCode>ErrorItemNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse>"
    ));
    let ews = Ews::start(vec![(200, gone)]);
    let (mut mb, _) = open(&ews.settings());
    let e = err(mb.meeting_message(&ItemId { id: "X".into(), change_key: String::new() }), "gone");
    assert_eq!(e.response_code(), Some(ResponseCode::ErrorItemNotFound));
}

#[test]
fn the_resource_itself_is_not_impersonated() {
    let ews = Ews::start(vec![(200, text("syncfolderitems-initial-response.xml"))]);
    let mut s = ews.settings();
    s.impersonate_resource = false;
    let (mut mb, _) = open(&s);
    ok(mb.sync(None, 10), "sync");
    assert!(!ews.seen()[0].body.contains("ExchangeImpersonation"));
}

/// Run by `proxy_variables_of_the_environment_are_ignored` in a child process whose environment
/// names a proxy that refuses connections: the call must still reach the server directly.
#[test]
#[ignore = "run by proxy_variables_of_the_environment_are_ignored with proxy variables set"]
fn env_proxy_probe() {
    let ews = Ews::start(vec![(200, text("syncfolderitems-initial-response.xml"))]);
    let (mut mb, _) = open(&ews.settings());
    ok(mb.sync(None, 10), "direct connection despite proxy variables");
}

#[test]
fn proxy_variables_of_the_environment_are_ignored() {
    let exe = ok(std::env::current_exe(), "test binary");
    let mut child = std::process::Command::new(exe);
    child.args(["--exact", "ews::transport::env_proxy_probe", "--ignored", "--test-threads=1"]);
    for var in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        // Port 9 (discard) on loopback: nothing listens, so a proxied connection fails.
        child.env(var, "http://127.0.0.1:9");
    }
    child.env_remove("NO_PROXY").env_remove("no_proxy");
    let output = ok(child.output(), "child test");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && report.contains("1 passed"),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// Notes §1.5: Exchange's IIS error page comes as a 302; redirects are not followed with credentials.
#[test]
fn redirects_and_unavailable_answers_are_http_errors_naming_the_url() {
    let ews = Ews::start(vec![(302, String::new()), (503, "Service Unavailable".into())]);
    let (mut mb, _) = open(&ews.settings());
    let url = ews.settings().url;
    assert!(matches!(mb.sync(None, 1), Err(ExchangeError::Http { status: 302, url: u }) if u == url));
    let e = err(mb.sync(None, 1), "503");
    assert!(matches!(e, ExchangeError::Http { status: 503, .. }) && e.is_transient(), "{e:?}");
    assert_eq!(ews.seen().len(), 2);
}
