//! What to do with one item of the resource mailbox: the rules of §2.1 as a pure decision over the
//! store's current state, made inside the write transaction that records it.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::Context;
use crate::exchange::{MeetingCancellation, MeetingMessage, MeetingRequest, RequestType, timezone};
use crate::meeting::MeetingTimes;
use crate::reservations::{self, TokenFound};
use crate::store::{Intent, Meeting, StoreError, Vmr, VmrState, Writer};
use crate::templates::{Template, Vars};

/// What the scheduler decided for one item.
#[derive(Debug)]
pub(super) struct Decision {
    /// The VMRs as they should now be stored (usually one; two when a meeting moves to a new VMR).
    pub vmrs: Vec<Vmr>,
    /// What to tell Exchange; `None` when nothing needs saying.
    pub intent: Option<Intent>,
    /// What was decided, for the operation log (`accept_new_single_meeting`, `reject_...`).
    pub action: String,
    pub alias: String,
    pub uid: String,
    pub subject: String,
    pub organizer: String,
    pub detail: String,
}

impl Decision {
    fn new(action: &str, message: &Summary) -> Decision {
        Decision {
            vmrs: Vec::new(),
            intent: None,
            action: action.to_string(),
            alias: String::new(),
            uid: message.uid.clone(),
            subject: message.subject.clone(),
            organizer: message.organizer.clone(),
            detail: String::new(),
        }
    }
}

/// The parts of an item every decision logs.
struct Summary {
    uid: String,
    subject: String,
    organizer: String,
}

/// Decides what to do with `message`, reading (and in the placeholder case reserving) through `w`.
pub(super) fn decide(
    w: &Writer<'_>,
    ctx: &Context,
    message: &MeetingMessage,
    now: Timestamp,
    correlation_id: &str,
) -> Result<Decision, StoreError> {
    match message {
        MeetingMessage::Request(r) => request(w, ctx, r, now, correlation_id),
        MeetingMessage::Cancellation(c) => cancellation(w, ctx, c, now),
        MeetingMessage::Other { item_class, .. } => {
            let mut d = Decision::new(
                "ignore_other_item",
                &Summary { uid: String::new(), subject: String::new(), organizer: String::new() },
            );
            d.detail = format!("item class {item_class}");
            Ok(d)
        }
    }
}

/// The general-error decline for an item that could not even be read.
pub(super) fn unreadable(ctx: &Context, correlation_id: &str, detail: String) -> Decision {
    let summary = Summary { uid: String::new(), subject: String::new(), organizer: String::new() };
    let mut d = Decision::new("reject_general_error", &summary);
    d.intent = Some(general_error(ctx, correlation_id));
    d.detail = detail;
    d
}

/// The general-error decline, with the correlation id the organizer can quote.
pub(super) fn general_error(ctx: &Context, correlation_id: &str) -> Intent {
    let vars = Vars { correlation_id: correlation_id.to_string(), ..base_vars(ctx) };
    Intent::Decline { body_html: render(ctx, Template::RejectGeneralError, &vars) }
}

fn request(
    w: &Writer<'_>,
    ctx: &Context,
    r: &MeetingRequest,
    now: Timestamp,
    correlation_id: &str,
) -> Result<Decision, StoreError> {
    let summary = Summary { uid: r.uid.clone(), subject: r.subject.clone(), organizer: r.organizer.email.clone() };
    if r.request_type == RequestType::Outdated {
        return Ok(Decision::new("ignore_outdated_request", &summary));
    }
    let zone = zone_of(r.time_zone.as_deref());
    let meeting = meeting_of(r, now);
    let times = times_of(&meeting, &zone);
    let mut vars = Vars {
        subject: r.subject.clone(),
        organizer_name: r.organizer.name.clone(),
        organizer_email: r.organizer.email.clone(),
        start_time: format_time(r.start, &zone),
        end_time: format_time(r.end, &zone),
        correlation_id: correlation_id.to_string(),
        ..base_vars(ctx)
    };
    // A recurrence we cannot expand is the organizer's meeting, not ours to refuse silently.
    if let Err(e) = times.occurrences_between(now, now, 1) {
        let mut d = decline(ctx, "reject_general_error", Template::RejectGeneralError, &vars, &summary);
        d.detail = e.to_string();
        return Ok(d);
    }
    if let Some(original_start) = r.recurrence_id {
        return occurrence(w, ctx, r, original_start, &zone, vars, &summary, now);
    }
    let recurring = r.recurrence.is_some();
    let past = !times.ends_after(now);
    let (past_action, past_template) = if recurring {
        ("reject_recurring_series_past", Template::RejectRecurringSeriesPast)
    } else {
        ("reject_single_meeting_past", Template::RejectSingleMeetingPast)
    };
    match ctx.tokens.find(&r.body_html) {
        TokenFound::Absent | TokenFound::Tampered => {
            Ok(decline(ctx, "reject_invalid_alias_id", Template::RejectInvalidAliasId, &vars, &summary))
        }
        TokenFound::Placeholder => {
            if past {
                return Ok(decline(ctx, past_action, past_template, &vars, &summary));
            }
            placeholder(w, ctx, r, vars, &summary, now)
        }
        TokenFound::Valid(id) => {
            let Some(vmr) = w.vmr(&id)? else {
                return Ok(decline(ctx, "reject_alias_deleted", Template::RejectAliasDeleted, &vars, &summary));
            };
            if vmr.integration != ctx.integration.name {
                // A VMR of another integration (another resource mailbox) is not this one's to give.
                let mut d = decline(ctx, "reject_invalid_alias_id", Template::RejectInvalidAliasId, &vars, &summary);
                d.detail = format!("the token names a VMR of integration {}", vmr.integration);
                return Ok(d);
            }
            fill_alias(&mut vars, &vmr);
            let (owner, cancelled) = match &vmr.state {
                VmrState::Reserved { .. } => (None, false),
                VmrState::Scheduled(m) => (Some(m), false),
                VmrState::Cancelled { meeting, .. } => (Some(meeting), true),
            };
            if let Some(m) = owner
                && m.uid != r.uid
            {
                let mut d = decline(ctx, "reject_alias_conflict", Template::RejectAliasConflict, &vars, &summary);
                d.alias = vmr.alias.clone();
                d.detail = format!("alias belongs to meeting {}", m.uid);
                return Ok(d);
            }
            // Older than what we hold: a stale copy (a cancellation holds its own sequence, so a
            // request it superseded cannot bring the VMR back).
            if let Some(m) = owner
                && (r.sequence < m.sequence || cancelled && r.sequence <= m.sequence)
            {
                let mut d = Decision::new("ignore_outdated_request", &summary);
                d.detail = format!("sequence {} after {}", r.sequence, m.sequence);
                return Ok(d);
            }
            let edited = owner.is_some() && !cancelled;
            if past {
                let mut d = decline(ctx, past_action, past_template, &vars, &summary);
                d.alias = vmr.alias.clone();
                if edited {
                    // An update moved the meeting into the past: its VMR ends.
                    let release_at = hold_until(ctx, &meeting, &zone, now);
                    d.vmrs.push(Vmr { state: VmrState::Cancelled { meeting, release_at }, ..vmr });
                }
                return Ok(d);
            }
            let (action, template) = match (edited, recurring) {
                (false, false) => ("accept_new_single_meeting", Template::AcceptNewSingleMeeting),
                (false, true) => ("accept_new_recurring_series", Template::AcceptNewRecurringSeries),
                (true, false) => ("accept_edited_single_meeting", Template::AcceptEditedSingleMeeting),
                (true, true) => ("accept_edited_recurring_series", Template::AcceptEditedRecurringSeries),
            };
            let scheduled_at = owner.filter(|_| edited).map_or(now, |m| m.scheduled_at);
            let mut d = accept(ctx, action, template, &vars, &summary);
            d.alias = vmr.alias.clone();
            // The meeting may already hold another VMR (the add-in run again where the first
            // reservation was not visible): the body's token wins, and the old VMR ends.
            if let Some(previous) = w.vmr_by_uid(&ctx.integration.name, &r.uid)?
                && previous.id != vmr.id
                && let VmrState::Scheduled(old) = previous.state.clone()
            {
                let release_at = hold_until(ctx, &old, &zone, now);
                d.detail = format!("replaces VMR {} of this meeting", previous.alias);
                d.vmrs.push(Vmr { state: VmrState::Cancelled { meeting: old, release_at }, ..previous });
            }
            d.vmrs.push(Vmr { state: scheduled(ctx, Meeting { scheduled_at, ..meeting }, &zone), ..vmr });
            Ok(d)
        }
    }
}

/// A request about one occurrence of a series the VMR already serves.
#[allow(clippy::too_many_arguments)]
fn occurrence(
    w: &Writer<'_>,
    ctx: &Context,
    r: &MeetingRequest,
    original_start: Timestamp,
    zone: &TimeZone,
    mut vars: Vars,
    summary: &Summary,
    now: Timestamp,
) -> Result<Decision, StoreError> {
    let Some(vmr) = w.vmr_by_uid(&ctx.integration.name, &r.uid)? else {
        return Ok(decline(ctx, "reject_invalid_alias_id", Template::RejectInvalidAliasId, &vars, summary));
    };
    fill_alias(&mut vars, &vmr);
    let VmrState::Scheduled(mut m) = vmr.state.clone() else {
        return Ok(decline(ctx, "reject_alias_deleted", Template::RejectAliasDeleted, &vars, summary));
    };
    vars.start_time = format_time(r.start, zone);
    vars.end_time = format_time(r.end, zone);
    if r.end < now {
        let mut d = decline(ctx, "reject_single_meeting_past", Template::RejectSingleMeetingPast, &vars, summary);
        d.alias = vmr.alias.clone();
        return Ok(d);
    }
    m.modified_occurrences.retain(|o| o.original_start != original_start);
    m.deleted_occurrences.retain(|d| *d != original_start);
    m.modified_occurrences.push(crate::meeting::Occurrence { original_start, start: r.start, end: r.end });
    m.updated_at = now;
    let mut d = accept(ctx, "accept_edited_occurrence", Template::AcceptEditedOccurrence, &vars, summary);
    d.alias = vmr.alias.clone();
    d.detail = format!("occurrence of {original_start} now {} to {}", r.start, r.end);
    d.vmrs.push(Vmr { state: scheduled(ctx, m, zone), ..vmr });
    Ok(d)
}

/// The add-in could not reach us: give the meeting a VMR now and put its instructions into the
/// organizer's meeting, which Exchange then sends to everyone (the resource included, whose copy
/// then carries the real token and is accepted as usual).
fn placeholder(
    w: &Writer<'_>,
    ctx: &Context,
    r: &MeetingRequest,
    mut vars: Vars,
    summary: &Summary,
    now: Timestamp,
) -> Result<Decision, StoreError> {
    let reserved_by = format!("placeholder:{}", r.organizer.email.to_ascii_lowercase());
    let request_id = format!("placeholder:{}", r.uid);
    let vmr = match reservations::reserve_in(w, ctx.integration, &reserved_by, Some(&request_id), now) {
        Ok(reserved) => reserved.vmr,
        Err(reservations::ReserveError::Store(e)) => return Err(e),
        Err(e) => {
            let mut d = decline(ctx, "reject_general_error", Template::RejectGeneralError, &vars, summary);
            d.detail = e.to_string();
            return Ok(d);
        }
    };
    fill_alias(&mut vars, &vmr);
    let token = ctx.tokens.token(&vmr.id);
    let instructions =
        format!("{}{}", render(ctx, Template::MeetingInstructions, &vars), reservations::token_html(&token));
    let mut d = Decision::new("fill_placeholder", summary);
    d.alias = vmr.alias.clone();
    d.intent = Some(Intent::FillPlaceholder {
        organizer: r.organizer.email.clone(),
        uid: r.uid.clone(),
        instructions_html: instructions,
        token,
    });
    Ok(d)
}

fn cancellation(
    w: &Writer<'_>,
    ctx: &Context,
    c: &MeetingCancellation,
    now: Timestamp,
) -> Result<Decision, StoreError> {
    let summary = Summary { uid: c.uid.clone(), subject: c.subject.clone(), organizer: c.organizer.email.clone() };
    let vmr = w.vmr_by_uid(&ctx.integration.name, &c.uid)?;
    let current = vmr.as_ref().and_then(|v| match &v.state {
        VmrState::Scheduled(m) => Some(m.clone()),
        _ => None,
    });
    let (action, new_state) = match (c.recurrence_id, current) {
        (Some(original_start), Some(mut m)) => {
            m.modified_occurrences.retain(|o| o.original_start != original_start);
            if !m.deleted_occurrences.contains(&original_start) {
                m.deleted_occurrences.push(original_start);
            }
            m.updated_at = now;
            let zone = zone_of(m.time_zone.as_deref());
            ("cancel_occurrence", Some(scheduled(ctx, m, &zone)))
        }
        (None, Some(m)) => {
            let zone = zone_of(m.time_zone.as_deref());
            let release_at = hold_until(ctx, &m, &zone, now);
            // The cancellation's sequence stays with the meeting, so that an older request
            // arriving late cannot bring it back.
            let sequence = m.sequence.max(c.sequence);
            (
                "cancel_meeting",
                Some(VmrState::Cancelled { meeting: Meeting { updated_at: now, sequence, ..m }, release_at }),
            )
        }
        (_, None) => ("cancel_unknown_meeting", None),
    };
    let mut d = Decision::new(action, &summary);
    d.intent = Some(Intent::RemoveCancelled);
    if let (Some(vmr), Some(state)) = (vmr, new_state) {
        d.alias = vmr.alias.clone();
        if let VmrState::Cancelled { release_at, .. } = &state {
            d.detail = format!("alias held until {release_at}");
        }
        d.vmrs.push(Vmr { state, ..vmr });
    }
    Ok(d)
}

/// The scheduled state of a meeting, with when its last join window closes (when the VMR is
/// released); `None` for a series without end.
fn scheduled(ctx: &Context, mut m: Meeting, zone: &TimeZone) -> VmrState {
    let (_, after) = buffers(ctx);
    let last_end = match &m.recurrence {
        None => Some(m.end),
        Some(_) => times_of(&m, zone).last_end(),
    };
    m.release_after = last_end.and_then(|end| end.checked_add(after).ok());
    VmrState::Scheduled(m)
}

/// When a cancelled meeting's alias may return to the pool: after the window in which the meeting
/// (or its next occurrence) would have taken place, so that nobody holding the old invitation
/// reaches a stranger's meeting.
fn hold_until(ctx: &Context, m: &Meeting, zone: &TimeZone, now: Timestamp) -> Timestamp {
    let (before, after) = buffers(ctx);
    times_of(m, zone).current_or_next_window(now, before, after).map_or(now, |w| w.closes.max(now))
}

pub(super) fn buffers(ctx: &Context) -> (SignedDuration, SignedDuration) {
    let d = |x: std::time::Duration| SignedDuration::try_from(x).unwrap_or_default();
    (d(ctx.integration.meeting_buffer_before), d(ctx.integration.meeting_buffer_after))
}

fn meeting_of(r: &MeetingRequest, now: Timestamp) -> Meeting {
    Meeting {
        uid: r.uid.clone(),
        subject: r.subject.clone(),
        organizer: r.organizer.clone(),
        start: r.start,
        end: r.end,
        time_zone: r.time_zone.clone(),
        recurrence: r.recurrence.clone(),
        modified_occurrences: r.modified_occurrences.clone(),
        deleted_occurrences: r.deleted_occurrences.clone(),
        sequence: r.sequence,
        release_after: None,
        scheduled_at: now,
        updated_at: now,
    }
}

/// The occurrence times of a stored meeting.
pub(super) fn times_of<'a>(m: &'a Meeting, zone: &TimeZone) -> MeetingTimes<'a> {
    MeetingTimes {
        start: m.start,
        end: m.end,
        time_zone: zone.clone(),
        recurrence: m.recurrence.as_ref(),
        modified: &m.modified_occurrences,
        deleted: &m.deleted_occurrences,
    }
}

/// The zone of a Windows time-zone id; UTC when it is missing or unknown.
pub(super) fn zone_of(windows_id: Option<&str>) -> TimeZone {
    windows_id.and_then(timezone::zone_for_windows).unwrap_or(TimeZone::UTC)
}

fn format_time(t: Timestamp, zone: &TimeZone) -> String {
    let zoned = t.to_zoned(zone.clone());
    zoned.strftime("%a %-d %b %Y %H:%M %Z").to_string()
}

fn base_vars(ctx: &Context) -> Vars {
    Vars { addin_server_domain: ctx.integration.addin_server_domain.clone(), ..Vars::default() }
}

fn fill_alias(vars: &mut Vars, vmr: &Vmr) {
    vars.alias = vmr.alias.clone();
    vars.numeric_alias = vmr.numeric_alias.clone();
    vars.alias_uuid = vmr.id.clone();
}

fn accept(ctx: &Context, action: &str, template: Template, vars: &Vars, summary: &Summary) -> Decision {
    let mut d = Decision::new(action, summary);
    d.intent = Some(Intent::Accept { body_html: render(ctx, template, vars) });
    d
}

fn decline(ctx: &Context, action: &str, template: Template, vars: &Vars, summary: &Summary) -> Decision {
    let mut d = Decision::new(action, summary);
    d.intent = Some(Intent::Decline { body_html: render(ctx, template, vars) });
    d
}

/// Renders a reply; a template failing at render time falls back to a plain sentence with the
/// correlation id, so that the organizer still hears something useful.
fn render(ctx: &Context, template: Template, vars: &Vars) -> String {
    match ctx.templates.render(&ctx.integration.name, template, vars) {
        Ok(text) => text,
        Err(e) => {
            log::error!("{e} [{}]", vars.correlation_id);
            format!("<p>Video meeting room service: {} (reference {}).</p>", template.key(), vars.correlation_id)
        }
    }
}
