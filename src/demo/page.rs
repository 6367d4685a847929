//! The `/demo/` pages of `vmr-scheduler demo`: the Outlook-like new-meeting page, its script and
//! style, the Office.js test double the real task pane loads in the demo, and the small JSON API the
//! page uses to act as the organizer (or the delegate) on the simulated Exchange and to show what
//! happened. Only the demo command serves these routes.

use std::sync::{Arc, Mutex, OnceLock};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use super::exchange::RunningSim;
use super::outlook::{NewMeeting, OutlookAccount, Repeat, Reschedule, Series, Target};
use super::views::{self, Person};
use crate::config::Integration;
use crate::exchange::ExchangeError;
use crate::http::{Handler, Request, Response};
use crate::service::Appliance;
use crate::store::Store;

const PAGE: &str = include_str!("web/demo.html");
const SCRIPT: &str = include_str!("web/demo.js");
const STYLE: &str = include_str!("web/demo.css");
const OFFICE_DOUBLE: &str = include_str!("web/office-double.js");

/// The page may run only its own scripts; message bodies from Exchange are shown in sandboxed
/// frames without scripts, and keep their inline styles.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// Windows time zones the form suggests (any other id can be typed; Exchange checks it).
const TIME_ZONES: [&str; 12] = [
    "UTC",
    "GMT Standard Time",
    "W. Europe Standard Time",
    "Romance Standard Time",
    "Central Europe Standard Time",
    "FLE Standard Time",
    "Eastern Standard Time",
    "Central Standard Time",
    "Pacific Standard Time",
    "India Standard Time",
    "Tokyo Standard Time",
    "AUS Eastern Standard Time",
];

/// What the page works with. The appliance is set once it runs (the page is part of it).
pub struct DemoSite {
    pub sim: Arc<RunningSim>,
    pub integration: Integration,
    pub organizer: Person,
    pub delegate: Person,
    pub attendees: Vec<Person>,
    pub resource: Person,
    pub organizer_outlook: OutlookAccount,
    pub delegate_outlook: OutlookAccount,
    /// The appliance's limit on request bodies (`server.max_body_bytes`).
    pub max_body_bytes: usize,
    pub store: OnceLock<Arc<Store>>,
    pub appliance: Mutex<Option<Appliance>>,
}

/// Who the page acts as: the organizer, or the delegate working in the organizer's calendar.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Acting {
    Organizer,
    Delegate,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(rename = "as")]
    acting: Acting,
}

#[derive(Deserialize)]
struct SendForm {
    #[serde(rename = "as")]
    acting: Acting,
    subject: String,
    required: Vec<String>,
    optional: Vec<String>,
    start: String,
    end: String,
    time_zone: String,
    repeat: String,
    count: u32,
    location: String,
    body_html: String,
}

#[derive(Deserialize)]
struct UpdateForm {
    #[serde(rename = "as")]
    acting: Acting,
    id: String,
    start: String,
    end: String,
    time_zone: String,
    /// `none`, `daily` or `weekly`; absent for a single occurrence.
    repeat: Option<String>,
    count: Option<u32>,
    /// The occurrence to move instead of the whole meeting.
    index: Option<u32>,
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(rename = "as")]
    acting: Acting,
    id: String,
    index: Option<u32>,
}

impl DemoSite {
    fn store(&self) -> Option<&Arc<Store>> {
        self.store.get()
    }

    fn wake(&self) {
        if let Some(a) = self.appliance.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            a.wake_scheduler();
        }
    }

    fn outlook(&self, acting: Acting) -> (&OutlookAccount, Option<&str>) {
        match acting {
            Acting::Organizer => (&self.organizer_outlook, None),
            Acting::Delegate => (&self.delegate_outlook, Some(self.organizer.email.as_str())),
        }
    }

    fn setup(&self, request: &Request) -> Response {
        let iana = request.query_param("iana").unwrap_or_default();
        let default_zone = crate::exchange::timezone::windows_for_iana(&iana).unwrap_or("UTC");
        let mut zones: Vec<&str> = TIME_ZONES.to_vec();
        if !zones.contains(&default_zone) {
            zones.insert(0, default_zone);
        }
        Response::json(
            200,
            &json!({
                "organizer": self.organizer.json(),
                "delegate": self.delegate.json(),
                "attendees": self.attendees.iter().map(Person::json).collect::<Vec<_>>(),
                "resource": self.resource.json(),
                "taskpane_url": format!("/addin/{}/taskpane.html", self.integration.name),
                "alias_domain": self.integration.scheduled_alias_domain,
                "poll_interval_seconds": self.integration.poll_interval.as_secs(),
                "buffer_before_minutes": self.integration.meeting_buffer_before.as_secs() / 60,
                "buffer_after_minutes": self.integration.meeting_buffer_after.as_secs() / 60,
                "time_zones": zones,
                "default_time_zone": default_zone,
                "exchange_url": self.sim.ews_url(),
                "max_body_bytes": self.max_body_bytes,
            }),
        )
    }

    fn state(&self) -> Response {
        let Some(store) = self.store() else { return unavailable() };
        let scheduler = self.appliance.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|a| a.scheduler_status());
        let status = scheduler.and_then(|s| s.into_iter().next()).map(|s| {
            json!({
                "last_pass": s.last_pass.map(|t| t.to_string()),
                "last_error": s.last_error,
            })
        });
        let (vmrs, operations) =
            match (views::vmrs(store, &self.integration, Timestamp::now()), views::operations(store, 60)) {
                (Ok(v), Ok(o)) => (v, o),
                (Err(e), _) | (_, Err(e)) => {
                    log::error!("demo page: {e}");
                    return problem(500, "appliance", &format!("The appliance's store cannot be read: {e}"));
                }
            };
        Response::json(
            200,
            &json!({
                "scheduler": status,
                "inbox": views::inbox(&self.sim, &self.organizer),
                "attendees": views::attendees(&self.sim, &self.attendees),
                "meetings": views::meetings(&self.sim, &self.organizer),
                "vmrs": vmrs,
                "operations": operations,
            }),
        )
    }

    fn token(&self, body: &[u8]) -> Response {
        let form: TokenForm = match parse(body) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let person = if form.acting == Acting::Delegate { &self.delegate } else { &self.organizer };
        let aud = crate::addin::taskpane_url(&self.integration);
        match self.sim.identity_token(&person.email, &aud) {
            Ok(token) => Response::json(200, &json!({"token": token})),
            Err(e) => problem(500, "demo", &e.to_string()),
        }
    }

    fn send(&self, body: &[u8]) -> Response {
        let form: SendForm = match parse(body) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let (start, end) = (full_time(&form.start), full_time(&form.end));
        let meeting = NewMeeting {
            subject: form.subject,
            body_html: form.body_html,
            series: series(&form.repeat, form.count, &start),
            start,
            end,
            time_zone: form.time_zone,
            location: form.location,
            required: clean(form.required),
            optional: clean(form.optional),
        };
        // Without attendees Exchange saves an appointment and sends nothing.
        let appointment = meeting.required.is_empty() && meeting.optional.is_empty();
        let (outlook, owner) = self.outlook(form.acting);
        let result = outlook.send(&meeting, owner);
        self.wake();
        match result {
            Ok(id) => Response::json(200, &json!({"id": id, "appointment": appointment})),
            Err(e) => exchange_problem(&e),
        }
    }

    fn update(&self, body: &[u8]) -> Response {
        let form: UpdateForm = match parse(body) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let (start, end) = (full_time(&form.start), full_time(&form.end));
        let target = match form.index {
            Some(index) => Target::Occurrence { master: form.id, index },
            None => Target::Meeting(form.id),
        };
        let repeat = form.repeat.as_deref().map(|r| series(r, form.count.unwrap_or(0), &start));
        let change = Reschedule { start, end, time_zone: form.time_zone, series: repeat };
        let (outlook, owner) = self.outlook(form.acting);
        let result = outlook.reschedule(&target, &change, owner);
        self.wake();
        match result {
            Ok(()) => Response::json(200, &json!({})),
            Err(e) => exchange_problem(&e),
        }
    }

    fn cancel(&self, body: &[u8]) -> Response {
        let form: CancelForm = match parse(body) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let target = match form.index {
            Some(index) => Target::Occurrence { master: form.id, index },
            None => Target::Meeting(form.id),
        };
        let (outlook, owner) = self.outlook(form.acting);
        let result = outlook.cancel(&target, owner);
        self.wake();
        match result {
            Ok(()) => Response::json(200, &json!({})),
            Err(e) => exchange_problem(&e),
        }
    }
}

impl Handler for DemoSite {
    fn handle(&self, request: &Request) -> Response {
        let get = matches!(request.method.as_str(), "GET" | "HEAD");
        let post = request.method == "POST";
        // A JSON content type makes a browser ask before another site's page may post here (CORS
        // preflight, which this API never allows), so no other site can act in the demo.
        if post
            && request.path.starts_with("/demo/api/")
            && !request.header("content-type").is_some_and(|t| t.trim().starts_with("application/json"))
        {
            return problem(415, "demo", "The demo's API takes application/json only.");
        }
        match request.path.as_str() {
            "/demo" => Response::new(308).header("location", "/demo/"),
            "/demo/" if get => page(PAGE, "text/html; charset=utf-8").header("content-security-policy", PAGE_CSP),
            "/demo/demo.js" if get => page(SCRIPT, "text/javascript; charset=utf-8"),
            "/demo/demo.css" if get => page(STYLE, "text/css; charset=utf-8"),
            "/demo/office-double.js" if get => page(OFFICE_DOUBLE, "text/javascript; charset=utf-8"),
            "/demo/api/setup" if get => self.setup(request),
            "/demo/api/state" if get => self.state(),
            "/demo/api/token" if post => self.token(&request.body),
            "/demo/api/send" if post => self.send(&request.body),
            "/demo/api/update" if post => self.update(&request.body),
            "/demo/api/cancel" if post => self.cancel(&request.body),
            "/demo/api/poll" if post => {
                self.wake();
                Response::json(200, &json!({}))
            }
            "/demo/"
            | "/demo/demo.js"
            | "/demo/demo.css"
            | "/demo/office-double.js"
            | "/demo/api/setup"
            | "/demo/api/state" => {
                Response::text(405, "This method is not allowed here.\n").header("allow", "GET, HEAD")
            }
            "/demo/api/token" | "/demo/api/send" | "/demo/api/update" | "/demo/api/cancel" | "/demo/api/poll" => {
                Response::text(405, "This method is not allowed here.\n").header("allow", "POST")
            }
            _ => Response::text(404, "Not found.\n"),
        }
    }
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    let mut r = Response::new(200).header("content-type", content_type).header("cache-control", "no-cache");
    r.body = crate::http::Body::Static(body.as_bytes());
    r
}

fn unavailable() -> Response {
    problem(503, "demo", "The appliance is starting or stopping.")
}

/// An error for the page: who refused (`Exchange`, `appliance`, `demo`) and why.
fn problem(status: u16, source: &str, message: &str) -> Response {
    Response::json(status, &json!({"error": {"source": source, "message": message}}))
}

fn exchange_problem(e: &ExchangeError) -> Response {
    let message = match e {
        ExchangeError::Response { code_text, message, .. } if message.is_empty() => code_text.clone(),
        ExchangeError::Response { code_text, message, .. } => format!("{code_text}: {message}"),
        ExchangeError::Http { status: 413, .. } => {
            "HTTP 413: the request is larger than the simulated Exchange accepts".to_string()
        }
        other => other.to_string(),
    };
    problem(422, "Exchange", &message)
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body)
        .map_err(|e| problem(400, "demo", &format!("The page sent a request the demo cannot read: {e}")))
}

/// Adds the seconds an `<input type="datetime-local">` leaves out; anything else goes to Exchange as typed.
fn full_time(s: &str) -> String {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() == 16 && b.get(10) == Some(&b'T') && b.get(13) == Some(&b':') {
        format!("{s}:00")
    } else {
        s.to_string()
    }
}

fn clean(list: Vec<String>) -> Vec<String> {
    list.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The series the form asks for; its first day is the start's date.
fn series(repeat: &str, count: u32, start: &str) -> Option<Series> {
    let repeat = match repeat {
        "daily" => Repeat::Daily,
        "weekly" => Repeat::Weekly,
        _ => return None,
    };
    let start_date = start.get(..10).unwrap_or(start).to_string();
    let weekday = start_date
        .parse::<jiff::civil::Date>()
        .map(|d| format!("{:?}", d.weekday()))
        .unwrap_or_else(|_| "Monday".to_string());
    Some(Series { repeat, start_date, weekday, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_times_get_their_seconds_and_anything_else_goes_to_exchange_as_typed() {
        assert_eq!(full_time("2030-01-07T10:00"), "2030-01-07T10:00:00");
        assert_eq!(full_time(" 2030-01-07T10:00:30 "), "2030-01-07T10:00:30");
        assert_eq!(full_time("next tuesday"), "next tuesday");
        assert_eq!(full_time(""), "");
    }

    #[test]
    fn a_weekly_series_repeats_on_the_weekday_of_its_first_day() {
        let s = series("weekly", 4, "2030-01-09T10:00:00").expect("weekly");
        assert_eq!(
            (s.repeat, s.start_date.as_str(), s.weekday.as_str(), s.count),
            (Repeat::Weekly, "2030-01-09", "Wednesday", 4)
        );
        assert_eq!(series("daily", 3, "2030-01-09T10:00:00").map(|s| s.repeat), Some(Repeat::Daily));
        assert!(series("none", 4, "2030-01-09T10:00:00").is_none());
        // A start Exchange will refuse still makes a series; Exchange says what is wrong.
        assert_eq!(series("weekly", 2, "garbage").map(|s| s.start_date), Some("garbage".to_string()));
    }
}
