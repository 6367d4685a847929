//! The simulator's HTTP side: `POST /EWS/Exchange.asmx` with Basic authentication, the
//! impersonation check, injected `ErrorServerBusy` and outages, SOAP faults for anything malformed,
//! the request log; and `GET /autodiscover/metadata/json/1` (the identity metadata document).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;

use super::identity::Identity;
use super::model::{LoggedRequest, Store};
use super::ops::{self, Ctx};
use super::soap::{self, Fault};
use super::xml;
use crate::exchange::ews::ResponseCode;
use crate::http::{Handler, Request, Response};

/// The path of the EWS endpoint (matched case-insensitively, as IIS does).
pub const EWS_PATH: &str = "/EWS/Exchange.asmx";
/// The path of the authentication metadata document.
pub const METADATA_PATH: &str = "/autodiscover/metadata/json/1";

pub struct SimHandler {
    pub store: Arc<Mutex<Store>>,
    pub identity: Arc<Identity>,
    pub realm: String,
    /// `https://host:port`, for the metadata document's own URL.
    pub base_url: String,
}

impl Handler for SimHandler {
    fn handle(&self, request: &Request) -> Response {
        let path = request.path.to_ascii_lowercase();
        if path == METADATA_PATH {
            if self.lock().unavailable {
                return Response::text(503, "Service Unavailable");
            }
            let amurl = format!("{}{METADATA_PATH}", self.base_url);
            return Response::json(200, &self.identity.metadata(&amurl, &self.realm));
        }
        if path != EWS_PATH.to_ascii_lowercase() {
            return Response::text(404, "Not Found");
        }
        self.ews(request)
    }
}

/// What the log line of one request records.
struct Outcome {
    operation: String,
    account: Option<String>,
    mailbox: Option<String>,
    status: u16,
    body: String,
    extra_headers: Vec<(&'static str, String)>,
}

impl SimHandler {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ews(&self, request: &Request) -> Response {
        let mut store = self.lock();
        if store.unavailable {
            log::debug!("simulated exchange: unavailable, answering 503");
            return Response::text(503, "Service Unavailable");
        }
        let outcome = self.serve(&mut store, request);
        let (class, code) = summarize(&outcome);
        log::debug!(
            "simulated exchange: {} account={:?} mailbox={:?} -> {} {class} {code}",
            outcome.operation,
            outcome.account,
            outcome.mailbox,
            outcome.status
        );
        let record = store.record_bodies;
        store.log.push(LoggedRequest {
            operation: outcome.operation.clone(),
            account: outcome.account.clone(),
            mailbox: outcome.mailbox.clone(),
            http_status: outcome.status,
            response_class: class,
            response_code: code,
            request_body: record.then(|| String::from_utf8_lossy(&request.body).into_owned()),
            response_body: record.then(|| outcome.body.clone()),
        });
        drop(store);
        let content_type = if outcome.status == 401 { "text/plain; charset=utf-8" } else { "text/xml; charset=utf-8" };
        let mut response = Response::new(outcome.status).header("content-type", content_type);
        for (name, value) in outcome.extra_headers {
            response = response.header(name, value);
        }
        response.body(outcome.body.into_bytes())
    }

    fn serve(&self, store: &mut Store, request: &Request) -> Outcome {
        let mut out = Outcome {
            operation: "(none)".into(),
            account: None,
            mailbox: None,
            status: 200,
            body: String::new(),
            extra_headers: Vec::new(),
        };
        if request.method != "POST" {
            out.status = 405;
            out.operation = format!("({})", request.method);
            out.body = soap::fault(&Fault::new(ResponseCode::ErrorInvalidRequest, "EWS requests must be POSTed."));
            out.extra_headers.push(("allow", "POST".into()));
            return out;
        }
        // Basic authentication on every request.
        let Some(account) = authenticate(store, request) else {
            out.status = 401;
            out.operation = "(unauthenticated)".into();
            out.body = "401 - Unauthorized: Access is denied due to invalid credentials.".into();
            out.extra_headers.push(("www-authenticate", format!("Basic realm=\"{}\"", self.realm)));
            return out;
        };
        out.account = Some(account.clone());
        let fault = |out: &mut Outcome, f: Fault| {
            out.status = 500;
            out.body = soap::fault(&f);
        };
        let Ok(text) = std::str::from_utf8(&request.body) else {
            fault(&mut out, Fault::new(ResponseCode::ErrorSchemaValidation, "The request is not UTF-8."));
            return out;
        };
        let root = match xml::parse(text) {
            Ok(r) => r,
            Err(e) => {
                let mut f = Fault::new(ResponseCode::ErrorSchemaValidation, "The request failed schema validation.");
                f.values.push(("Violation", e.0));
                fault(&mut out, f);
                return out;
            }
        };
        let envelope = match soap::read(root) {
            Ok(e) => e,
            Err(f) => {
                fault(&mut out, f);
                return out;
            }
        };
        out.operation = envelope.body.name.clone();
        log::trace!("simulated exchange: {} at version {:?}", out.operation, envelope.version);
        if let Some((remaining, back_off)) = store.busy
            && remaining > 0
        {
            store.busy = if remaining > 1 { Some((remaining - 1, back_off)) } else { None };
            let mut f = Fault::new(
                ResponseCode::ErrorServerBusy,
                "The server cannot service this request right now. Try again later.",
            );
            f.values.push(("BackOffMilliseconds", back_off.to_string()));
            fault(&mut out, f);
            return out;
        }
        let acting = match &envelope.impersonate {
            Some(target) => {
                let Some(index) = store.mailbox_index(target) else {
                    let mut f = Fault::new(
                        ResponseCode::ErrorNonExistentMailbox,
                        format!("The SMTP address has no mailbox associated with it: {target}"),
                    );
                    f.values.push(("SmtpAddress", target.clone()));
                    fault(&mut out, f);
                    return out;
                };
                if !store.may_impersonate(&account, target) {
                    fault(
                        &mut out,
                        Fault::new(
                            ResponseCode::ErrorImpersonateUserDenied,
                            "The account does not have permission to impersonate the requested user.",
                        ),
                    );
                    return out;
                }
                Some(index)
            }
            None => store.mailbox_index(&account),
        };
        out.mailbox = acting.and_then(|i| store.mailbox(i)).map(|m| m.email.clone());
        let _ = ops::needs_mailbox(&out.operation);
        let mut ctx = Ctx {
            store,
            account,
            acting,
            zone: envelope.zone.clone(),
            zone_id: envelope.zone_id.clone(),
            now: Timestamp::now(),
        };
        match ops::dispatch(&mut ctx, &envelope.body) {
            Ok(body) => out.body = soap::envelope(&body),
            Err(f) => fault(&mut out, f),
        }
        out
    }
}

/// The account of a valid `Authorization: Basic` header.
fn authenticate(store: &Store, request: &Request) -> Option<String> {
    let value = request.header("authorization")?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = B64.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    let key = user.trim().to_ascii_lowercase();
    let expected = store.passwords.get(&key)?;
    // Compare in constant time: the simulator may face a browser in the demo.
    constant_time_eq(expected.as_bytes(), password.as_bytes()).then_some(key)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// The response class and code of the first response message (or the fault), for the log.
fn summarize(out: &Outcome) -> (String, String) {
    if out.status == 401 {
        return ("Unauthorized".into(), String::new());
    }
    if out.body.contains("<s:Fault>") {
        let code = between(
            &out.body,
            "<e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">",
            "<",
        );
        return ("Fault".into(), code.unwrap_or_default());
    }
    let class = between(&out.body, "ResponseClass=\"", "\"").unwrap_or_default();
    let code = between(&out.body, "<m:ResponseCode>", "<").unwrap_or_default();
    (class, code)
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(text[from..from + len].to_string())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Instant;

    use proptest::prelude::*;

    use super::*;
    use crate::demo::exchange::model::MailboxKind;

    fn handler() -> SimHandler {
        let mut store = Store::new([1; 16]);
        store.add_mailbox("a@example.com", "A", MailboxKind::User);
        store.add_mailbox("room@example.com", "Room", MailboxKind::Resource);
        store.passwords.insert("a@example.com".into(), "pw".into());
        store.impersonate_all.insert("a@example.com".into());
        SimHandler {
            store: Arc::new(Mutex::new(store)),
            identity: Arc::new(Identity::load().unwrap_or_else(|e| panic!("{e}"))),
            realm: "test".into(),
            base_url: "https://127.0.0.1:1".into(),
        }
    }

    fn post(h: &SimHandler, body: Vec<u8>) -> Response {
        let request = Request {
            method: "POST".into(),
            path: EWS_PATH.into(),
            query: String::new(),
            headers: vec![("authorization".into(), format!("Basic {}", B64.encode("a@example.com:pw")))],
            body,
            peer: SocketAddr::from(([127, 0, 0, 1], 1)),
            secure: true,
            started: Instant::now(),
        };
        h.handle(&request)
    }

    const VALID: &str = r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><t:RequestServerVersion Version="Exchange2016"/><t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"/></t:TimeZoneContext></s:Header><s:Body><m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy"><m:Items><t:CalendarItem><t:Subject>x</t:Subject><t:Start>2030-01-06T10:00:00</t:Start><t:End>2030-01-06T11:00:00</t:End><t:Resources><t:Attendee><t:Mailbox><t:EmailAddress>room@example.com</t:EmailAddress></t:Mailbox></t:Attendee></t:Resources><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2030-01-06</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence></t:CalendarItem></m:Items></m:CreateItem></s:Body></s:Envelope>"#;

    #[test]
    fn a_valid_request_creates_the_meeting() {
        let h = handler();
        let response = post(&h, VALID.as_bytes().to_vec());
        assert_eq!(response.status, 200);
        let store = h.lock();
        assert_eq!(store.mailboxes[1].items.len(), 2, "request and tentative calendar item for the room");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        // The simulator answers garbage with a fault, never a panic (release builds abort on panic).
        #[test]
        fn mutated_requests_never_panic(cut in 0usize..1600, at in 0usize..1600, byte in any::<u8>(), noise in proptest::collection::vec(any::<u8>(), 0..64)) {
            let h = handler();
            let mut body = VALID.as_bytes().to_vec();
            if at < body.len() {
                body[at] = byte;
            }
            body.truncate(cut.max(1));
            let status = post(&h, body).status;
            prop_assert!(status == 200 || status == 500, "status {status}");
            let status = post(&h, noise).status;
            prop_assert!(status == 500);
        }

        #[test]
        fn odd_values_in_valid_xml_never_panic(interval in any::<u32>(), count in any::<u32>(), day in any::<u16>(), max in any::<u64>(), offset in any::<u64>()) {
            let h = handler();
            let body = VALID
                .replace("<t:Interval>1</t:Interval>", &format!("<t:Interval>{interval}</t:Interval>"))
                .replace("<t:NumberOfOccurrences>3<", &format!("<t:NumberOfOccurrences>{count}<"))
                .replace("2030-01-06</t:StartDate>", &format!("{:04}-01-06</t:StartDate>", day % 10000));
            let status = post(&h, body.into_bytes()).status;
            prop_assert!(status == 200 || status == 500);
            let find = VALID.replace(
                &VALID[VALID.find("<m:CreateItem").unwrap_or(0)..VALID.find("</s:Body>").unwrap_or(0)],
                &format!(r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="{max}" Offset="{offset}" BasePoint="End"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#),
            );
            prop_assert_eq!(post(&h, find.into_bytes()).status, 200);
        }
    }
}
