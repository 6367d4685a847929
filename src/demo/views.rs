//! What the demo page shows, as JSON: the organizer's inbox and calendar and the attendees'
//! inboxes as the simulated Exchange holds them, and the appliance's VMRs (with their join windows)
//! and operation log as its store holds them. Read-only: nothing here changes any state.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::exchange::{ItemView, RunningSim};
use crate::config::Integration;
use crate::exchange::timezone::zone_for_windows;
use crate::meeting::{MeetingTimes, Pattern, Range, Recurrence};
use crate::store::{Operation, Store, StoreError, Vmr, VmrState};

/// Most characters of one message body sent to the page (a body the page shows, not a transfer).
const MAX_BODY_CHARS: usize = 200_000;
/// Most items listed per folder, newest first.
const MAX_ITEMS: usize = 40;
/// Most occurrences or join windows listed per meeting.
const MAX_OCCURRENCES: usize = 60;

/// A person of the demo: the mailbox and how the page names them.
#[derive(Debug, Clone)]
pub struct Person {
    pub email: String,
    pub name: String,
}

impl Person {
    pub fn json(&self) -> Value {
        json!({"email": self.email, "name": self.name})
    }
}

/// A local date-time for display, in `zone` ("Mon 2 Mar 2026, 10:00 CET").
pub fn display(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%a %-d %b %Y, %H:%M %Z").to_string()
}

/// A local date-time as an `<input type="datetime-local">` value.
fn input(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// The zone of a Windows id; UTC when unknown.
pub fn zone(windows_id: Option<&str>) -> TimeZone {
    windows_id.and_then(zone_for_windows).unwrap_or(TimeZone::UTC)
}

fn body(item: &ItemView) -> Value {
    let mut text: String = item.body.chars().take(MAX_BODY_CHARS).collect();
    if !item.body_is_html {
        text = format!("<pre style=\"white-space:pre-wrap;font:inherit\">{}</pre>", escape(&text));
    }
    Value::String(text)
}

/// Text safe inside HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn message(item: &ItemView, zone: &TimeZone) -> Value {
    json!({
        "id": item.id,
        "kind": item.kind,
        "item_class": item.item_class,
        "subject": item.subject,
        "from": item.from.as_ref().map(|p| json!({"name": p.name, "email": p.email})),
        "response_type": item.response_type,
        "request_type": item.request_type,
        "is_cancelled": item.is_cancelled,
        "when": item.start.map(|s| display(s, zone)),
        "body_html": body(item),
    })
}

/// The newest items of a folder first.
fn newest(items: Vec<ItemView>) -> impl Iterator<Item = ItemView> {
    items.into_iter().rev().take(MAX_ITEMS)
}

/// The organizer's inbox: the resource's replies, newest first.
pub fn inbox(sim: &RunningSim, organizer: &Person) -> Value {
    let items = sim.inbox(&organizer.email).unwrap_or_default();
    Value::Array(newest(items).map(|i| message(&i, &zone(i.time_zone.as_deref()))).collect())
}

/// What each attendee received (requests, updates, cancellations), newest first.
pub fn attendees(sim: &RunningSim, people: &[Person]) -> Value {
    Value::Array(
        people
            .iter()
            .map(|p| {
                let items = sim.inbox(&p.email).unwrap_or_default();
                let list: Vec<Value> = newest(items).map(|i| message(&i, &zone(i.time_zone.as_deref()))).collect();
                json!({"email": p.email, "name": p.name, "items": list})
            })
            .collect(),
    )
}

/// The form's repeat of a recurrence (`daily`/`weekly` with a count), or `other`.
fn repeat(r: Option<&Recurrence>) -> Value {
    let Some(r) = r else { return json!({"kind": "none", "count": 0}) };
    let count = match r.range {
        Range::Numbered { count, .. } => count,
        _ => 0,
    };
    let kind = match r.pattern {
        Pattern::Daily { interval: 1 } => "daily",
        Pattern::Weekly { interval: 1, ref days, .. } if days.len() == 1 => "weekly",
        _ => "other",
    };
    json!({"kind": kind, "count": count})
}

/// Every slot of a series with its `InstanceIndex`, moved and deleted ones marked.
fn occurrences(item: &ItemView, zone: &TimeZone) -> Vec<Value> {
    let (Some(start), Some(end), Some(recurrence)) = (item.start, item.end, item.recurrence.as_ref()) else {
        return Vec::new();
    };
    let slots =
        MeetingTimes { start, end, time_zone: zone.clone(), recurrence: Some(recurrence), modified: &[], deleted: &[] };
    let from = start.checked_sub(SignedDuration::from_hours(24)).unwrap_or(start);
    let to = start.checked_add(SignedDuration::from_hours(24 * 366 * 2)).unwrap_or(start);
    let Ok(all) = slots.occurrences_between(from, to, MAX_OCCURRENCES) else { return Vec::new() };
    all.iter()
        .enumerate()
        .map(|(i, slot)| {
            let moved = item.modified_occurrences.iter().find(|(original, _, _)| *original == slot.original_start);
            let (s, e) = moved.map_or((slot.start, slot.end), |(_, s, e)| (*s, *e));
            json!({
                "index": i + 1,
                "original_start": slot.original_start.to_string(),
                "when": display(s, zone),
                "start_input": input(s, zone),
                "end_input": input(e, zone),
                "modified": moved.is_some(),
                "deleted": item.deleted_occurrences.contains(&slot.original_start),
            })
        })
        .collect()
}

/// The organizer's calendar: the meetings the page can change, newest first.
pub fn meetings(sim: &RunningSim, organizer: &Person) -> Value {
    let items = sim.calendar(&organizer.email).unwrap_or_default();
    Value::Array(
        newest(items)
            .filter(|i| i.kind == "CalendarItem")
            .map(|i| {
                let zone = zone(i.time_zone.as_deref());
                json!({
                    "id": i.id,
                    "subject": i.subject,
                    "when": i.start.map(|s| display(s, &zone)),
                    "start_input": i.start.map(|s| input(s, &zone)),
                    "end_input": i.end.map(|e| input(e, &zone)),
                    "time_zone": i.time_zone,
                    "location": i.location,
                    "repeat": repeat(i.recurrence.as_ref()),
                    "is_cancelled": i.is_cancelled,
                    "attendees": i.attendees.iter().map(|(e, r)| json!({"email": e, "response": r})).collect::<Vec<_>>(),
                    "occurrences": occurrences(&i, &zone),
                    "body_html": body(&i),
                })
            })
            .collect(),
    )
}

/// The VMRs of the integration with their state and join windows, newest first.
pub fn vmrs(store: &Store, integration: &Integration, now: Timestamp) -> Result<Value, StoreError> {
    let mut list = store.vmrs(Some(&integration.name))?;
    list.sort_by_key(|v| std::cmp::Reverse(v.created_at));
    let before = SignedDuration::try_from(integration.meeting_buffer_before).unwrap_or_default();
    let after = SignedDuration::try_from(integration.meeting_buffer_after).unwrap_or_default();
    Ok(Value::Array(list.iter().take(MAX_ITEMS).map(|v| vmr(v, before, after, now)).collect()))
}

fn vmr(v: &Vmr, before: SignedDuration, after: SignedDuration, now: Timestamp) -> Value {
    let (state, meeting, until) = match &v.state {
        VmrState::Reserved { expires_at } => ("reserved", None, Some(*expires_at)),
        VmrState::Scheduled(m) => ("scheduled", Some(m), None),
        VmrState::Cancelled { meeting, release_at } => ("cancelled", Some(meeting), Some(*release_at)),
    };
    let mut out = json!({
        "alias": v.alias,
        "numeric_alias": v.numeric_alias,
        "state": state,
        "placeholder": v.reserved_by.starts_with("placeholder:"),
        "until": until.map(|t| display(t, &TimeZone::UTC)),
    });
    if let Some(m) = meeting {
        let zone = zone(m.time_zone.as_deref());
        let times = MeetingTimes {
            start: m.start,
            end: m.end,
            time_zone: zone.clone(),
            recurrence: m.recurrence.as_ref(),
            modified: &m.modified_occurrences,
            deleted: &m.deleted_occurrences,
        };
        let from = m.start.checked_sub(SignedDuration::from_hours(24)).unwrap_or(m.start);
        let to = m.start.checked_add(SignedDuration::from_hours(24 * 366 * 2)).unwrap_or(m.start);
        let windows: Vec<Value> = times
            .occurrences_between(from, to, MAX_OCCURRENCES)
            .unwrap_or_default()
            .iter()
            .map(|o| {
                let opens = o.start.checked_sub(before).unwrap_or(o.start);
                let closes = o.end.checked_add(after).unwrap_or(o.end);
                json!({
                    "opens": display(opens, &zone),
                    "closes": display(closes, &zone),
                    "open_now": opens <= now && now <= closes,
                    "past": closes < now,
                })
            })
            .collect();
        out["subject"] = json!(m.subject);
        out["organizer"] = json!(m.organizer.email);
        out["windows"] = Value::Array(windows);
        if let Some(until) = until {
            out["until"] = json!(display(until, &zone));
        }
    }
    out
}

/// The most recent scheduling operations, newest first.
pub fn operations(store: &Store, limit: usize) -> Result<Value, StoreError> {
    let ops: Vec<Operation> = store.operations(limit)?;
    // Carrying out a decision is logged without the meeting; it has the decision's correlation id.
    let decided =
        |o: &Operation| ops.iter().find(|d| d.correlation_id == o.correlation_id && !d.subject.is_empty()).cloned();
    Ok(Value::Array(
        ops.iter()
            .map(|o| {
                let decision = if o.subject.is_empty() { decided(o) } else { None };
                let subject = decision.as_ref().map_or(o.subject.as_str(), |d| d.subject.as_str());
                let alias =
                    if o.alias.is_empty() { decision.as_ref().map_or("", |d| d.alias.as_str()) } else { &o.alias };
                json!({
                    "at": o.at.to_string(),
                    "time": o.at.to_zoned(TimeZone::system()).strftime("%H:%M:%S").to_string(),
                    "action": o.action,
                    "outcome": o.outcome,
                    "subject": subject,
                    "organizer": o.organizer,
                    "alias": alias,
                    "correlation_id": o.correlation_id,
                    "error_code": o.error_code,
                    "detail": o.detail,
                })
            })
            .collect(),
    ))
}
