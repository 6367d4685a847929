//! The demo page's Outlook: what the organizer (or the delegate who manages the organizer's
//! calendar) does to a meeting, sent to the simulated Exchange as an EWS client sends it, over
//! HTTPS with Basic authentication and the demo CA, so that Exchange's own checks (time zones,
//! dates, sizes, delegate rights) answer the page. Uses the production EWS envelope, transport and
//! response reader; only the organizer's operations are written here.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use crate::config::Secret;
use crate::exchange::ews::op::Operation;
use crate::exchange::ews::op::types::{ParseContext, read_items};
use crate::exchange::ews::soap::RequestHeader;
use crate::exchange::ews::xml::{Element, Limits, Ns, XmlWriter};
use crate::exchange::ews::{BasicAuth, Transport, TransportSettings, interpret, soap};
use crate::exchange::{ExchangeError, ItemId};

/// A repeat pattern as the demo's form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Daily,
    Weekly,
}

/// A series: the pattern, its first day (`YYYY-MM-DD`, local) and its weekday (for weekly), and how
/// many occurrences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub repeat: Repeat,
    pub start_date: String,
    /// `Monday` … `Sunday`, the EWS `DayOfWeekType` of `start_date`.
    pub weekday: String,
    pub count: u32,
}

/// A new meeting as the form holds it. Times are local (`YYYY-MM-DDTHH:MM:SS`) in `time_zone`, a
/// Windows time-zone id, exactly as typed: Exchange checks them.
#[derive(Debug, Clone, Default)]
pub struct NewMeeting {
    pub subject: String,
    pub body_html: String,
    pub start: String,
    pub end: String,
    pub time_zone: String,
    pub location: String,
    pub required: Vec<String>,
    pub optional: Vec<String>,
    pub series: Option<Series>,
}

/// Which item an update or deletion is about.
#[derive(Debug, Clone)]
pub enum Target {
    /// The meeting (a single meeting or a whole series).
    Meeting(String),
    /// One occurrence of a series: its master's id and 1-based `InstanceIndex`.
    Occurrence { master: String, index: u32 },
}

/// A change of times (and of the recurrence) to send to every attendee.
#[derive(Debug, Clone, Default)]
pub struct Reschedule {
    pub start: String,
    pub end: String,
    pub time_zone: String,
    /// `Some(None)` makes a series a single meeting; `None` leaves the recurrence as it is.
    pub series: Option<Option<Series>>,
}

/// One EWS account of the page (the organizer or the delegate).
pub struct OutlookAccount {
    pub email: String,
    transport: Mutex<Transport>,
}

/// How long the page waits for the simulated Exchange.
const TIMEOUT: Duration = Duration::from_secs(20);

impl OutlookAccount {
    pub fn new(ews_url: &str, ca_file: &Path, email: &str, password: &str) -> Result<OutlookAccount, ExchangeError> {
        let settings = TransportSettings {
            url: ews_url,
            ca_certificates_file: Some(ca_file),
            proxy: None,
            connect_timeout: TIMEOUT,
            read_timeout: TIMEOUT,
            total_timeout: TIMEOUT,
            max_response_bytes: 16 * 1024 * 1024,
        };
        let auth = Box::new(BasicAuth::new(email, Secret::new(password)));
        Ok(OutlookAccount { email: email.to_string(), transport: Mutex::new(Transport::new(&settings, auth)?) })
    }

    /// Sends a new meeting to its attendees and saves it in `owner`'s calendar (the account's own
    /// when `owner` is `None`); returns the calendar item's id.
    pub fn send(&self, meeting: &NewMeeting, owner: Option<&str>) -> Result<String, ExchangeError> {
        let op = CreateMeeting { meeting, owner };
        let ids = self.call(&op, Some(&meeting.time_zone), owner)?;
        ids.into_iter()
            .next()
            .ok_or_else(|| ExchangeError::Malformed { detail: "CreateItem answered without the item's id".into() })
    }

    /// Moves a meeting or one occurrence, or changes the recurrence, and sends the update.
    pub fn reschedule(&self, target: &Target, change: &Reschedule, owner: Option<&str>) -> Result<(), ExchangeError> {
        self.call(&UpdateMeeting { target, change }, Some(&change.time_zone), owner).map(drop)
    }

    /// Deletes a meeting (cancelling it for everyone) or one occurrence of a series.
    pub fn cancel(&self, target: &Target, owner: Option<&str>) -> Result<(), ExchangeError> {
        self.call(&DeleteMeeting { target }, None, owner).map(drop)
    }

    fn call<O: Operation<Response = Vec<String>>>(
        &self,
        op: &O,
        zone: Option<&str>,
        owner: Option<&str>,
    ) -> Result<Vec<String>, ExchangeError> {
        let header = RequestHeader { impersonate: None, time_zone: zone.filter(|z| !z.is_empty()) };
        let request = soap::write_request(op, &header);
        let answer = {
            let mut transport = self.transport.lock().unwrap_or_else(|p| p.into_inner());
            let url = transport.url().to_owned();
            let answer = transport.post(&request, Some(owner.unwrap_or(&self.email)))?;
            (answer, url)
        };
        let ctx = ParseContext { zone: jiff::tz::TimeZone::UTC };
        let limits = Limits::default();
        let parsed = interpret::<O>(answer.0, &ctx, &limits).map_err(|e| match e {
            ExchangeError::Http { status, .. } => ExchangeError::Http { url: answer.1.clone(), status },
            other => other,
        })?;
        let mut out = Vec::new();
        for message in parsed.messages {
            out.extend(message.into_result()?);
        }
        Ok(out)
    }
}

fn mailbox(w: &mut XmlWriter, email: &str) {
    w.open("t:Mailbox", &[]);
    w.leaf("t:EmailAddress", &[], email);
    w.close();
}

fn attendees(w: &mut XmlWriter, tag: &str, list: &[String]) {
    if list.is_empty() {
        return;
    }
    w.open(tag, &[]);
    for email in list {
        w.open("t:Attendee", &[]);
        mailbox(w, email);
        w.close();
    }
    w.close();
}

/// `t:Recurrence`: a daily or weekly pattern with a numbered range.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/recurrence-recurrencetype>
fn recurrence(w: &mut XmlWriter, s: &Series) {
    w.open("t:Recurrence", &[]);
    match s.repeat {
        Repeat::Daily => {
            w.open("t:DailyRecurrence", &[]);
            w.leaf("t:Interval", &[], "1");
            w.close();
        }
        Repeat::Weekly => {
            w.open("t:WeeklyRecurrence", &[]);
            w.leaf("t:Interval", &[], "1");
            w.leaf("t:DaysOfWeek", &[], &s.weekday);
            w.leaf("t:FirstDayOfWeek", &[], "Monday");
            w.close();
        }
    }
    w.open("t:NumberedRecurrence", &[]);
    w.leaf("t:StartDate", &[], &s.start_date);
    w.leaf("t:NumberOfOccurrences", &[], &s.count.to_string());
    w.close();
    w.close();
}

fn read_ids(message: &Element, path: &str) -> Result<Vec<String>, ExchangeError> {
    let Some(items) = message.child(Ns::Messages, "Items") else { return Ok(Vec::new()) };
    let ctx = ParseContext { zone: jiff::tz::TimeZone::UTC };
    Ok(read_items(items, &format!("{path}/Items"), &ctx)?.into_iter().filter_map(|i| i.id).map(|i| i.id).collect())
}

fn write_target(w: &mut XmlWriter, target: &Target) {
    match target {
        Target::Meeting(id) => {
            crate::exchange::ews::op::types::write_item_id(
                w,
                "t:ItemId",
                &ItemId { id: id.clone(), change_key: String::new() },
            );
        }
        Target::Occurrence { master, index } => {
            w.empty("t:OccurrenceItemId", &[("RecurringMasterId", master), ("InstanceIndex", &index.to_string())])
        }
    }
}

/// `CreateItem` of a `CalendarItem` with `SendMeetingInvitations="SendToAllAndSaveCopy"`; a
/// delegate names the owner's calendar in `SavedItemFolderId`.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-calendar-item>
struct CreateMeeting<'a> {
    meeting: &'a NewMeeting,
    owner: Option<&'a str>,
}

impl Operation for CreateMeeting<'_> {
    const NAME: &'static str = "CreateItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = Vec<String>;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("MessageDisposition", "SendAndSaveCopy".to_owned()),
            ("SendMeetingInvitations", "SendToAllAndSaveCopy".to_owned()),
        ]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        let m = self.meeting;
        if let Some(owner) = self.owner {
            w.open("m:SavedItemFolderId", &[]);
            w.open("t:DistinguishedFolderId", &[("Id", "calendar")]);
            mailbox(w, owner);
            w.close();
            w.close();
        }
        w.open("m:Items", &[]);
        // Schema order of CalendarItemType: item fields, then Start … Location … attendees …
        // Recurrence … StartTimeZone, EndTimeZone.
        w.open("t:CalendarItem", &[]);
        w.leaf("t:Subject", &[], &m.subject);
        w.leaf("t:Body", &[("BodyType", "HTML")], &m.body_html);
        w.leaf("t:Start", &[], &m.start);
        w.leaf("t:End", &[], &m.end);
        w.leaf("t:Location", &[], &m.location);
        attendees(w, "t:RequiredAttendees", &m.required);
        attendees(w, "t:OptionalAttendees", &m.optional);
        if let Some(s) = &m.series {
            recurrence(w, s);
        }
        w.empty("t:StartTimeZone", &[("Id", &m.time_zone)]);
        w.empty("t:EndTimeZone", &[("Id", &m.time_zone)]);
        w.close();
        w.close();
    }

    fn read_message(message: &Element, path: &str, _: &ParseContext) -> Result<Vec<String>, ExchangeError> {
        read_ids(message, path)
    }
}

/// `UpdateItem` of a meeting's or an occurrence's times (and a series' recurrence), sent to all.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation>
struct UpdateMeeting<'a> {
    target: &'a Target,
    change: &'a Reschedule,
}

fn set_field(w: &mut XmlWriter, uri: &str, write: impl FnOnce(&mut XmlWriter)) {
    w.open("t:SetItemField", &[]);
    w.empty("t:FieldURI", &[("FieldURI", uri)]);
    w.open("t:CalendarItem", &[]);
    write(w);
    w.close();
    w.close();
}

impl Operation for UpdateMeeting<'_> {
    const NAME: &'static str = "UpdateItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = Vec<String>;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ConflictResolution", "AlwaysOverwrite".to_owned()),
            ("MessageDisposition", "SaveOnly".to_owned()),
            ("SendMeetingInvitationsOrCancellations", "SendToAllAndSaveCopy".to_owned()),
        ]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        let c = self.change;
        w.open("m:ItemChanges", &[]);
        w.open("t:ItemChange", &[]);
        write_target(w, self.target);
        w.open("t:Updates", &[]);
        if let (Target::Meeting(_), false) = (self.target, c.time_zone.is_empty()) {
            set_field(w, "calendar:StartTimeZone", |w| w.empty("t:StartTimeZone", &[("Id", &c.time_zone)]));
        }
        match &c.series {
            Some(Some(s)) => set_field(w, "calendar:Recurrence", |w| recurrence(w, s)),
            Some(None) => {
                w.open("t:DeleteItemField", &[]);
                w.empty("t:FieldURI", &[("FieldURI", "calendar:Recurrence")]);
                w.close();
            }
            None => {}
        }
        set_field(w, "calendar:Start", |w| w.leaf("t:Start", &[], &c.start));
        set_field(w, "calendar:End", |w| w.leaf("t:End", &[], &c.end));
        w.close();
        w.close();
        w.close();
    }

    fn read_message(message: &Element, path: &str, _: &ParseContext) -> Result<Vec<String>, ExchangeError> {
        read_ids(message, path)
    }
}

/// `DeleteItem` with `SendMeetingCancellations="SendToAllAndSaveCopy"`: the organizer cancels the
/// meeting, or one occurrence, for everyone.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation>
struct DeleteMeeting<'a> {
    target: &'a Target,
}

impl Operation for DeleteMeeting<'_> {
    const NAME: &'static str = "DeleteItem";
    const TIME_ZONE_CONTEXT: bool = false;
    type Response = Vec<String>;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DeleteType", "MoveToDeletedItems".to_owned()),
            ("SendMeetingCancellations", "SendToAllAndSaveCopy".to_owned()),
        ]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        w.open("m:ItemIds", &[]);
        write_target(w, self.target);
        w.close();
    }

    fn read_message(_: &Element, _: &str, _: &ParseContext) -> Result<Vec<String>, ExchangeError> {
        Ok(Vec::new())
    }
}
