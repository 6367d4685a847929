//! The scheduler end to end: the real EWS client against the simulated Exchange, over HTTPS with
//! the enterprise CA, deciding from the resource mailbox and answering the organizer. Each accept
//! and reject reason, updates, cancellations, a series with a moved and a deleted occurrence, the
//! placeholder path, crashes between steps, and Exchange going away and coming back.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use vmr_scheduler::config::{self, Config};
use vmr_scheduler::demo::exchange::{
    ItemView, MailboxKind, MeetingChange, MeetingSpec, RunningSim, SimOptions, SimulatedExchange,
};
use vmr_scheduler::exchange::ews::{EwsMailbox, EwsSettings};
use vmr_scheduler::exchange::{DayOfWeek, Mailbox, Pattern, Range, Recurrence};
use vmr_scheduler::meeting::body;
use vmr_scheduler::reservations::{self, PLACEHOLDER_TOKEN, Tokens};
use vmr_scheduler::scheduler::{Context, CycleReport, run_cycle};
use vmr_scheduler::store::{Store, Vmr, VmrState};
use vmr_scheduler::templates::Templates;

use crate::support::{TempDir, fixture};

pub const ORGANIZER: &str = "alice@example.com";
pub const ROOM: &str = "vmr-room@example.com";
const SERVICE: &str = "svc-vmr@example.com";

/// A simulated Exchange, an appliance store and config, and the real EWS mailbox between them.
pub struct Harness {
    pub sim: RunningSim,
    pub config: Arc<Config>,
    pub store: Store,
    pub templates: Templates,
    pub tokens: Tokens,
    pub mailbox: EwsMailbox,
    pub dir: TempDir,
}

impl Harness {
    pub fn new() -> Harness {
        let cert = std::fs::read_to_string(fixture("tls/rsa.pem")).expect("cert");
        let key = std::fs::read_to_string(fixture("tls/rsa-pkcs8.key")).expect("key");
        let sim = SimulatedExchange::start(SimOptions::new(cert, key)).expect("simulator");
        for (email, name, kind) in [
            (ORGANIZER, "Alice Organizer", MailboxKind::User),
            ("bob@example.com", "Bob Attendee", MailboxKind::User),
            ("carol@example.com", "Carol Attendee", MailboxKind::User),
            (ROOM, "Video meeting room", MailboxKind::Resource),
            (SERVICE, "VMR service", MailboxKind::User),
        ] {
            sim.add_mailbox(email, name, kind);
        }
        sim.set_password(SERVICE, "service-password");
        sim.grant_impersonation_all(SERVICE);
        let dir = TempDir::new("scheduler");
        let doc = json!({
            "server": {"listen": ["127.0.0.1:0"], "tls_certificate_file": fixture("tls/rsa.pem"), "tls_private_key_file": fixture("tls/rsa-pkcs8.key")},
            "store": {"path": dir.join("store.redb")},
            "integrations": [{
                "name": "corp",
                "addin_server_domain": "scheduler.example.com",
                "exchange_domains": ["localhost", "127.0.0.1"],
                "room_mailbox_email_address": ROOM,
                "url": sim.ews_url(),
                "ca_certificates_file": fixture("tls/ca.pem"),
                "username": SERVICE,
                "password": "service-password",
                "scheduled_alias_prefix": "77",
                "scheduled_alias_domain": "vc.example.com",
            }],
        });
        let config = Arc::new(config::load(doc.to_string().as_bytes(), Some(dir.path()), None).expect("config"));
        let store = Store::open(&dir.join("store.redb")).expect("store");
        let templates = Templates::compile(&config).expect("templates");
        let tokens = Tokens::load(&store).expect("tokens");
        let mailbox = mailbox(&config);
        Harness { sim, config, store, templates, tokens, mailbox, dir }
    }

    pub fn context(&self) -> Context<'_> {
        Context {
            integration: &self.config.integrations[0],
            store: &self.store,
            templates: &self.templates,
            tokens: &self.tokens,
            observer: None,
        }
    }

    /// One scheduler pass at `now`.
    pub fn cycle_at(&mut self, now: Timestamp) -> CycleReport {
        let ctx = Context {
            integration: &self.config.integrations[0],
            store: &self.store,
            templates: &self.templates,
            tokens: &self.tokens,
            observer: None,
        };
        run_cycle(&ctx, &mut self.mailbox, now).expect("cycle")
    }

    pub fn cycle(&mut self) -> CycleReport {
        self.cycle_at(Timestamp::now())
    }

    /// What the add-in does: reserve a VMR and return the body block it inserts.
    pub fn addin_body(&self, user: &str) -> (Vmr, String) {
        let integration = &self.config.integrations[0];
        let reserved = reservations::reserve(&self.store, integration, user, None, Timestamp::now()).expect("reserve");
        let token = self.tokens.token(&reserved.vmr.id);
        let inner = format!("<p>Join: {}</p>{}", reserved.vmr.alias, reservations::token_html(&token));
        (reserved.vmr, format!("<html><body><p>Agenda: budget</p>{}</body></html>", body::block_html(&inner)))
    }

    pub fn send(&self, subject: &str, body_html: &str, start: Timestamp, recurrence: Option<Recurrence>) -> String {
        let spec = MeetingSpec {
            subject: subject.into(),
            body_html: body_html.into(),
            start: Some(start),
            end: Some(start + SignedDuration::from_hours(1)),
            time_zone: Some("W. Europe Standard Time".into()),
            location: String::new(),
            required: vec!["bob@example.com".into()],
            optional: vec![],
            resources: vec![ROOM.into()],
            recurrence,
        };
        self.sim.send_meeting(ORGANIZER, &spec).expect("send")
    }

    /// The organizer's meeting replies with this subject prefix, newest last.
    pub fn replies(&self, prefix: &str) -> Vec<ItemView> {
        self.sim
            .inbox(ORGANIZER)
            .expect("inbox")
            .into_iter()
            .filter(|i| i.kind == "MeetingResponse" && i.subject.starts_with(prefix))
            .collect()
    }

    pub fn vmr(&self, id: &str) -> Vmr {
        self.store.vmr(id).expect("read").expect("vmr exists")
    }

    pub fn actions(&self) -> Vec<String> {
        let mut ops = self.store.operations(1000).expect("ops");
        ops.reverse();
        ops.into_iter()
            .filter(|o| {
                o.outcome == "decided"
                    || o.outcome == "done"
                        && !o.action.starts_with("send_")
                        && o.action != "remove_cancelled"
                        && o.action != "update_organizer_meeting"
            })
            .map(|o| o.action)
            .collect()
    }
}

pub fn mailbox(config: &Config) -> EwsMailbox {
    EwsMailbox::new(&EwsSettings::from_integration(&config.integrations[0])).expect("mailbox").with_sleep(|_| {})
}

/// This time tomorrow, on the minute (meetings start on whole minutes; EWS has no fractions).
pub fn tomorrow() -> Timestamp {
    let t = Timestamp::now().as_second() + 24 * 3600;
    Timestamp::from_second(t - t % 60).expect("time")
}

fn weekly(count: u32, start: Timestamp) -> Recurrence {
    let day = start.to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").expect("tz")).date();
    let weekday = match day.weekday() {
        jiff::civil::Weekday::Monday => DayOfWeek::Monday,
        jiff::civil::Weekday::Tuesday => DayOfWeek::Tuesday,
        jiff::civil::Weekday::Wednesday => DayOfWeek::Wednesday,
        jiff::civil::Weekday::Thursday => DayOfWeek::Thursday,
        jiff::civil::Weekday::Friday => DayOfWeek::Friday,
        jiff::civil::Weekday::Saturday => DayOfWeek::Saturday,
        jiff::civil::Weekday::Sunday => DayOfWeek::Sunday,
    };
    Recurrence {
        pattern: Pattern::Weekly { interval: 1, days: vec![weekday], first_day_of_week: DayOfWeek::Monday },
        range: Range::Numbered { start: day, count },
    }
}

#[test]
fn a_meeting_with_its_alias_id_is_accepted_and_its_vmr_scheduled_with_a_join_window() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    let start = tomorrow();
    h.send("Budget review", &body, start, None);
    let report = h.cycle();
    assert_eq!(report.processed, 1, "{report:?}");
    let accepted = h.replies("Accepted: ");
    assert_eq!(accepted.len(), 1, "one accept reaches the organizer");
    assert!(accepted[0].body.contains(&vmr.alias), "{}", accepted[0].body);
    assert!(accepted[0].body.contains("is booked for"), "the accept template: {}", accepted[0].body);
    let VmrState::Scheduled(m) = h.vmr(&vmr.id).state else { panic!("not scheduled") };
    assert_eq!((m.subject.as_str(), m.start), ("Budget review", start));
    assert_eq!(m.organizer.email, ORGANIZER);
    assert_eq!(h.actions(), ["accept_new_single_meeting"]);

    // Processing again changes nothing.
    let again = h.cycle();
    assert_eq!(again.processed, 0);
    assert_eq!(h.replies("Accepted: ").len(), 1);
}

#[test]
fn every_reject_reason_gets_its_own_reply() {
    let mut h = Harness::new();
    // No alias-ID at all: the room was added by hand.
    h.send("No add-in", "<p>Meet me</p>", tomorrow(), None);
    // An altered token.
    let (_, body) = h.addin_body("user-a");
    let tampered = body.replacen("VMR:-", "VMR:-X", 1);
    h.send("Tampered", &tampered, tomorrow(), None);
    // A token whose VMR was released.
    let (gone, body) = h.addin_body("user-a");
    h.store.write(|w| w.delete_vmr(&gone)).expect("delete");
    h.send("Released", &body, tomorrow(), None);
    // Single meeting in the past.
    let (_, body) = h.addin_body("user-a");
    h.send("Yesterday", &body, Timestamp::now() - SignedDuration::from_hours(26), None);
    // A series entirely in the past.
    let (_, body) = h.addin_body("user-a");
    let past_start = Timestamp::now() - SignedDuration::from_hours(24 * 30);
    h.send("Old series", &body, past_start, Some(weekly(2, past_start)));
    h.cycle();
    let declined: Vec<(String, String)> = h.replies("Declined: ").into_iter().map(|i| (i.subject, i.body)).collect();
    let reply = |subject: &str| {
        declined
            .iter()
            .find(|(s, _)| s.ends_with(subject))
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("no decline for {subject}: {declined:?}"))
    };
    assert!(reply("No add-in").contains("has no valid video meeting room"));
    assert!(reply("Tampered").contains("has no valid video meeting room"));
    assert!(reply("Released").contains("no longer exists"));
    assert!(reply("Yesterday").contains("the meeting is already over"));
    assert!(reply("Old series").contains("every occurrence of the series is already over"));
    assert!(h.replies("Accepted: ").is_empty());
}

#[test]
fn an_alias_already_used_by_another_meeting_is_a_conflict() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    h.send("First", &body, tomorrow(), None);
    h.cycle();
    h.send("Copied invitation", &body, tomorrow() + SignedDuration::from_hours(3), None);
    h.cycle();
    let declined = h.replies("Declined: ");
    assert_eq!(declined.len(), 1);
    assert!(declined[0].body.contains("already belongs to another meeting"), "{}", declined[0].body);
    let VmrState::Scheduled(m) = h.vmr(&vmr.id).state else { panic!("not scheduled") };
    assert_eq!(m.subject, "First", "the first meeting keeps its VMR");
}

#[test]
fn moving_a_meeting_updates_its_vmr_and_cancelling_ends_it() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    let id = h.send("Weekly sync", &body, tomorrow(), None);
    h.cycle();
    let later = tomorrow() + SignedDuration::from_hours(5);
    let change =
        MeetingChange { start: Some(later), end: Some(later + SignedDuration::from_hours(1)), ..Default::default() };
    h.sim.update_meeting(ORGANIZER, &id, &change).expect("update");
    h.cycle();
    let accepted = h.replies("Accepted: ");
    assert_eq!(accepted.len(), 2, "{:?}", accepted.iter().map(|a| &a.subject).collect::<Vec<_>>());
    assert!(accepted[1].body.contains("now follows the new time"), "edited template: {}", accepted[1].body);
    let VmrState::Scheduled(m) = h.vmr(&vmr.id).state else { panic!("not scheduled") };
    assert_eq!(m.start, later);

    h.sim.cancel_meeting(ORGANIZER, &id, "<p>Cancelled</p>").expect("cancel");
    h.cycle();
    match h.vmr(&vmr.id).state {
        VmrState::Cancelled { release_at, .. } => {
            assert_eq!(
                release_at,
                later + SignedDuration::from_hours(1) + SignedDuration::from_mins(60),
                "held through its window"
            );
        }
        other => panic!("not cancelled: {other:?}"),
    }
    assert!(
        h.sim.calendar(ROOM).expect("calendar").iter().all(|i| i.uid != h.vmr(&vmr.id).state_uid()),
        "removed from the room's calendar"
    );
    // After the window the alias returns to the pool.
    h.cycle_at(later + SignedDuration::from_hours(3));
    assert!(h.store.vmr(&vmr.id).expect("read").is_none(), "alias freed after its window");
    assert_eq!(h.actions(), ["accept_new_single_meeting", "accept_edited_single_meeting", "cancel_meeting"]);
}

trait StateUid {
    fn state_uid(&self) -> Option<String>;
}

impl StateUid for Vmr {
    fn state_uid(&self) -> Option<String> {
        match &self.state {
            VmrState::Scheduled(m) | VmrState::Cancelled { meeting: m, .. } => Some(m.uid.clone()),
            VmrState::Reserved { .. } => None,
        }
    }
}

#[test]
fn a_series_honours_a_moved_and_a_deleted_occurrence() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    let start = tomorrow();
    let id = h.send("Stand-up", &body, start, Some(weekly(4, start)));
    h.cycle();
    let accepted = h.replies("Accepted: ");
    assert!(accepted[0].body.contains("every occurrence"), "{}", accepted[0].body);

    let second = start + SignedDuration::from_hours(24 * 7);
    let moved_to = second + SignedDuration::from_hours(2);
    h.sim.move_occurrence(ORGANIZER, &id, second, moved_to, moved_to + SignedDuration::from_hours(1)).expect("move");
    let third = start + SignedDuration::from_hours(24 * 14);
    h.sim.cancel_occurrence(ORGANIZER, &id, third).expect("delete one");
    h.cycle();
    let accepted = h.replies("Accepted: ");
    assert!(accepted.last().expect("edited").body.contains("one occurrence"), "{}", accepted.last().expect("x").body);

    let VmrState::Scheduled(m) = h.vmr(&vmr.id).state else { panic!("not scheduled") };
    assert_eq!(m.deleted_occurrences, vec![third]);
    assert_eq!(m.modified_occurrences.len(), 1);
    // Join windows: the moved occurrence at its new time, none at the deleted one's.
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("tz");
    let times = vmr_scheduler::meeting::MeetingTimes {
        start: m.start,
        end: m.end,
        time_zone: zone,
        recurrence: m.recurrence.as_ref(),
        modified: &m.modified_occurrences,
        deleted: &m.deleted_occurrences,
    };
    let (b, a) = (SignedDuration::from_mins(30), SignedDuration::from_mins(60));
    assert!(times.window_at(moved_to + SignedDuration::from_mins(10), b, a).is_some());
    assert!(times.window_at(second + SignedDuration::from_mins(10), b, a).is_none(), "not at the old time");
    assert!(times.window_at(third + SignedDuration::from_mins(10), b, a).is_none(), "not at the deleted occurrence");
    assert!(
        times.window_at(start + SignedDuration::from_hours(24 * 21) + SignedDuration::from_mins(10), b, a).is_some()
    );
}

#[test]
fn a_placeholder_meeting_gets_a_vmr_and_its_instructions_reach_every_attendee() {
    let mut h = Harness::new();
    let placeholder = body::block_html(&format!("<p>Instructions follow.</p><p>{PLACEHOLDER_TOKEN}</p>"));
    h.send("Offline add-in", &format!("<html><body><p>Agenda</p>{placeholder}</body></html>"), tomorrow(), None);
    h.cycle(); // reserves an alias and updates the organizer's meeting for all attendees
    let organizer_item = h
        .sim
        .calendar(ORGANIZER)
        .expect("calendar")
        .into_iter()
        .find(|i| i.subject == "Offline add-in")
        .expect("meeting");
    assert!(!organizer_item.body.contains(PLACEHOLDER_TOKEN), "placeholder replaced: {}", organizer_item.body);
    assert!(organizer_item.body.contains("<p>Agenda</p>"), "the rest of the body kept");
    let bob = h.sim.inbox("bob@example.com").expect("inbox");
    let update =
        bob.iter().rev().find(|i| i.kind == "MeetingRequest" && i.subject == "Offline add-in").expect("update");
    assert!(
        update.body.contains("VMR:-") && !update.body.contains(PLACEHOLDER_TOKEN),
        "attendees got the instructions"
    );
    h.cycle(); // the room's copy of the update carries the real token: accepted
    let accepted = h.replies("Accepted: ");
    assert_eq!(accepted.len(), 1, "{:?}", h.actions());
    let vmrs = h.store.vmrs(Some("corp")).expect("vmrs");
    assert!(matches!(&vmrs[0].state, VmrState::Scheduled(m) if m.subject == "Offline add-in"));
    assert!(vmrs[0].reserved_by.starts_with("placeholder:"));
}

#[test]
fn exchange_unavailable_for_a_while_delays_but_loses_nothing() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    h.send("During the outage", &body, tomorrow(), None);
    h.sim.set_unavailable(true);
    for _ in 0..3 {
        let report = h.cycle();
        assert!(report.deferred.is_some(), "{report:?}");
    }
    h.sim.set_unavailable(false);
    h.cycle();
    assert_eq!(h.replies("Accepted: ").len(), 1);
    assert!(matches!(h.vmr(&vmr.id).state, VmrState::Scheduled(_)));
}

#[test]
fn server_busy_is_waited_out() {
    let mut h = Harness::new();
    let (_, body) = h.addin_body("user-a");
    h.send("Busy day", &body, tomorrow(), None);
    h.sim.busy_next(2, 10);
    let report = h.cycle();
    assert!(report.deferred.is_none(), "{report:?}");
    assert_eq!(h.replies("Accepted: ").len(), 1);
}

/// Crash after the decision was stored but before Exchange heard of it: the restart sends it.
#[test]
fn a_crash_before_answering_is_answered_after_restart_exactly_once() {
    let h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    h.send("Crash test", &body, tomorrow(), None);
    {
        let ctx = h.context();
        let mut dying = Crashing { inner: mailbox(&h.config), crash_on_reply: true };
        let report = run_cycle(&ctx, &mut dying, Timestamp::now()).expect("cycle");
        assert!(report.deferred.is_some());
    }
    assert!(h.replies("Accepted: ").is_empty(), "nothing sent before the crash");
    let mut h = restart(h);
    h.cycle();
    assert_eq!(h.replies("Accepted: ").len(), 1);
    h.cycle();
    assert_eq!(h.replies("Accepted: ").len(), 1, "not sent twice");
    assert!(matches!(h.vmr(&vmr.id).state, VmrState::Scheduled(_)));
}

/// Crash after Exchange sent the answer but before the store recorded it: no second answer.
#[test]
fn a_crash_after_answering_does_not_answer_twice() {
    let h = Harness::new();
    let (_, body) = h.addin_body("user-a");
    h.send("Crash after", &body, tomorrow(), None);
    {
        let ctx = h.context();
        let mut dying = Crashing { inner: mailbox(&h.config), crash_on_reply: false };
        let report = run_cycle(&ctx, &mut dying, Timestamp::now()).expect("cycle");
        assert!(report.deferred.is_some());
    }
    assert_eq!(h.replies("Accepted: ").len(), 1, "the answer went out before the crash");
    let mut h = restart(h);
    h.cycle();
    h.cycle();
    assert_eq!(h.replies("Accepted: ").len(), 1, "and was not repeated");
    let ops = h.store.operations(10).expect("ops");
    assert!(ops.iter().any(|o| o.detail == "already answered"), "{ops:?}");
}

/// Reopens the store (a new process after a crash) with the same simulated Exchange.
fn restart(h: Harness) -> Harness {
    let Harness { sim, config, store, dir, .. } = h;
    drop(store);
    let store = Store::open(&dir.join("store.redb")).expect("reopen");
    let templates = Templates::compile(&config).expect("templates");
    let tokens = Tokens::load(&store).expect("tokens");
    let mailbox = mailbox(&config);
    Harness { sim, config, store, templates, tokens, mailbox, dir }
}

/// A mailbox whose process "dies" at the reply: before sending it, or right after.
struct Crashing {
    inner: EwsMailbox,
    crash_on_reply: bool,
}

impl Mailbox for Crashing {
    fn sync(
        &mut self,
        s: Option<&str>,
        max: u16,
    ) -> Result<vmr_scheduler::exchange::Changes, vmr_scheduler::exchange::ExchangeError> {
        self.inner.sync(s, max)
    }
    fn meeting_message(
        &mut self,
        id: &vmr_scheduler::exchange::ItemId,
    ) -> Result<vmr_scheduler::exchange::MeetingMessage, vmr_scheduler::exchange::ExchangeError> {
        self.inner.meeting_message(id)
    }
    fn awaits_answer(
        &mut self,
        id: &vmr_scheduler::exchange::ItemId,
    ) -> Result<bool, vmr_scheduler::exchange::ExchangeError> {
        self.inner.awaits_answer(id)
    }
    fn reply(
        &mut self,
        request: &vmr_scheduler::exchange::ItemId,
        reply: &vmr_scheduler::exchange::Reply,
    ) -> Result<(), vmr_scheduler::exchange::ExchangeError> {
        if !self.crash_on_reply {
            self.inner.reply(request, reply)?;
        }
        Err(vmr_scheduler::exchange::ExchangeError::Transport {
            url: "crash".into(),
            detail: "the process died here".into(),
        })
    }
    fn remove_cancelled(
        &mut self,
        c: &vmr_scheduler::exchange::ItemId,
    ) -> Result<(), vmr_scheduler::exchange::ExchangeError> {
        self.inner.remove_cancelled(c)
    }
    fn find_organizer_meeting(
        &mut self,
        o: &str,
        uid: &str,
    ) -> Result<Option<vmr_scheduler::exchange::OrganizerMeeting>, vmr_scheduler::exchange::ExchangeError> {
        self.inner.find_organizer_meeting(o, uid)
    }
    fn update_organizer_meeting(
        &mut self,
        o: &str,
        m: &vmr_scheduler::exchange::ItemId,
        b: &str,
    ) -> Result<(), vmr_scheduler::exchange::ExchangeError> {
        self.inner.update_organizer_meeting(o, m, b)
    }
}

#[test]
fn unused_reservations_are_released_after_a_week() {
    let mut h = Harness::new();
    let (vmr, _) = h.addin_body("user-a");
    h.cycle_at(Timestamp::now() + SignedDuration::from_hours(24 * 6));
    assert!(h.store.vmr(&vmr.id).expect("read").is_some());
    let report = h.cycle_at(Timestamp::now() + SignedDuration::from_hours(24 * 7 + 1));
    assert_eq!(report.released, 1);
    assert!(h.store.vmr(&vmr.id).expect("read").is_none());
}

#[test]
fn changing_a_series_recurrence_is_accepted_as_an_edited_series() {
    let mut h = Harness::new();
    let (vmr, body) = h.addin_body("user-a");
    let start = tomorrow();
    let id = h.send("Planning", &body, start, Some(weekly(3, start)));
    h.cycle();
    let change = MeetingChange { recurrence: Some(Some(weekly(6, start))), ..Default::default() };
    h.sim.update_meeting(ORGANIZER, &id, &change).expect("update");
    h.cycle();
    let accepted = h.replies("Accepted: ");
    assert_eq!(accepted.len(), 2);
    assert!(accepted[1].body.contains("follows the updated schedule"), "{}", accepted[1].body);
    let VmrState::Scheduled(m) = h.vmr(&vmr.id).state else { panic!("not scheduled") };
    assert!(matches!(m.recurrence, Some(Recurrence { range: Range::Numbered { count: 6, .. }, .. })));
    assert_eq!(h.actions(), ["accept_new_recurring_series", "accept_edited_recurring_series"]);
}

/// Issue 4 §7: every request the client sends and every response the simulator returns validates
/// against messages.xsd, over a whole day of the scheduler's work.
#[test]
fn all_traffic_between_scheduler_and_simulator_is_schema_valid() {
    let mut h = Harness::new();
    h.sim.record_bodies(true);
    let (_, body) = h.addin_body("user-a");
    let start = tomorrow();
    let series = h.send("Series <&> \"quoted\" Åsa", &body, start, Some(weekly(3, start)));
    h.send("No token", "<p>plain</p>", tomorrow(), None);
    let placeholder = body::block_html(&format!("<p>{PLACEHOLDER_TOKEN}</p>"));
    h.send("Placeholder", &placeholder, tomorrow(), None);
    h.cycle();
    h.sim.cancel_occurrence(ORGANIZER, &series, start + SignedDuration::from_hours(24 * 7)).expect("cancel one");
    h.cycle();
    h.sim.cancel_meeting(ORGANIZER, &series, "<p>off</p>").expect("cancel");
    h.cycle();
    let log = h.sim.requests();
    let mut envelopes: Vec<String> = Vec::new();
    for r in &log {
        if let Some(req) = &r.request_body {
            envelopes.push(req.clone());
        }
        if let Some(resp) = r.response_body.as_ref().filter(|_| r.response_class != "Fault") {
            envelopes.push(resp.clone());
        }
    }
    let operations: std::collections::BTreeSet<&str> = log.iter().map(|r| r.operation.as_str()).collect();
    for op in ["SyncFolderItems", "GetItem", "CreateItem", "FindItem", "UpdateItem"] {
        assert!(operations.contains(op), "the scenario exercised {op}: {operations:?}");
    }
    let refs: Vec<&str> = envelopes.iter().map(String::as_str).collect();
    crate::simex::assert_schema_valid(&refs);
}
