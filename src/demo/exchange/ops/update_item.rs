//! `UpdateItem`: `SetItemField`, `AppendToItemField` and `DeleteItemField` on calendar items (a
//! whole meeting or one occurrence, which becomes an exception) and messages, with the meeting
//! updates Exchange then sends (`SendMeetingInvitationsOrCancellations`).
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem-operation>.

use jiff::Timestamp;

use super::{Ctx, item_target};
use crate::demo::exchange::item_read::{Props, instant, read_props, zone_of};
use crate::demo::exchange::meetings::{self, SendMode};
use crate::demo::exchange::model::{
    Attendee, Change, Exception, Item, ItemRef, Kind, Response, change_key, decode_change_key,
};
use crate::demo::exchange::series;
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::ews::ResponseCode;

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mode = SendMode::parse(body.attr("SendMeetingInvitationsOrCancellations"));
    let never_overwrite = body.attr("ConflictResolution") == Some("NeverOverwrite");
    let mut w = Writer::new();
    soap::open_response(&mut w, "UpdateItem");
    let changes: Vec<&Element> =
        body.child("ItemChanges").map(|c| c.children_named("ItemChange").collect()).unwrap_or_default();
    for change in changes {
        match update_one(ctx, change, mode, never_overwrite) {
            Ok((tag, r, version)) => {
                soap::open_message(&mut w, "UpdateItem", None);
                w.open("m:Items");
                w.open(tag);
                w.empty("t:ItemId", &[("Id", &r.encode()), ("ChangeKey", &change_key(version))]);
                w.close(tag);
                w.close("m:Items");
                w.open("m:ConflictResults");
                w.leaf("t:Count", "0");
                w.close("m:ConflictResults");
            }
            Err(e) => {
                soap::open_message(&mut w, "UpdateItem", Some(&e));
                w.empty("m:Items", &[]);
            }
        }
        soap::close_message(&mut w, "UpdateItem");
    }
    soap::close_response(&mut w, "UpdateItem");
    w.out
}

/// One update: the field URI, the kind of update, and the item element carrying the value.
struct FieldUpdate<'a> {
    uri: String,
    kind: &'a str,
    props: Props,
}

fn read_updates(change: &Element) -> Result<Vec<FieldUpdate<'_>>, MessageError> {
    let mut out = Vec::new();
    for u in change.child("Updates").map(|u| u.children.iter().collect::<Vec<_>>()).unwrap_or_default() {
        let path =
            u.children.iter().find(|c| matches!(c.name.as_str(), "FieldURI" | "IndexedFieldURI" | "ExtendedFieldURI"));
        let uri = match path {
            Some(p) if p.name == "FieldURI" => p.attr("FieldURI").unwrap_or("").to_string(),
            Some(p) if p.name == "ExtendedFieldURI" => "extended".to_string(),
            Some(p) => format!("indexed:{}", p.attr("FieldURI").unwrap_or("")),
            None => {
                return Err(MessageError::with_text(ResponseCode::ErrorInvalidRequest, "An update names no property."));
            }
        };
        let props = match u.children.iter().find(|c| {
            matches!(
                c.name.as_str(),
                "CalendarItem" | "Message" | "Item" | "MeetingRequest" | "MeetingResponse" | "MeetingCancellation"
            )
        }) {
            Some(item) => read_props(item)?,
            None if u.name == "DeleteItemField" => {
                let mut p = Props::default();
                if let Some(ext) = path.filter(|p| p.name == "ExtendedFieldURI")
                    && let Some(key) = crate::demo::exchange::item_write::ext_key(ext)
                {
                    p.extended.push(crate::demo::exchange::model::ExtendedValue {
                        key,
                        values: Vec::new(),
                        multi: false,
                    });
                }
                p
            }
            None => {
                return Err(MessageError::with_text(ResponseCode::ErrorInvalidRequest, "An update carries no item."));
            }
        };
        out.push(FieldUpdate { uri, kind: u.name.as_str(), props });
    }
    Ok(out)
}

fn update_one(
    ctx: &mut Ctx<'_>,
    change: &Element,
    mode: Option<SendMode>,
    never_overwrite: bool,
) -> Result<(&'static str, ItemRef, u64), MessageError> {
    let id_el = change
        .children
        .iter()
        .find(|c| matches!(c.name.as_str(), "ItemId" | "OccurrenceItemId" | "RecurringMasterItemId"))
        .ok_or_else(|| MessageError::new(ResponseCode::ErrorInvalidIdMalformed))?;
    let r = item_target(ctx, id_el)?;
    let item = ctx.store.item(r).cloned().ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    if never_overwrite
        && let Some(ck) = id_el.attr("ChangeKey")
        && decode_change_key(ck) != Some(item.change)
    {
        return Err(MessageError::new(ResponseCode::ErrorIrresolvableConflict));
    }
    let updates = read_updates(change)?;
    let tag = item.kind.element();
    if item.kind != Kind::CalendarItem {
        let mut updated = item.clone();
        let mut only_read_flag = true;
        for u in &updates {
            if u.uri != "message:IsRead" {
                only_read_flag = false;
            }
            apply_common(&mut updated, u)?;
        }
        let (mailbox, num) = (r.mailbox, item.num);
        if let Some(slot) = ctx.store.item_mut(mailbox, num) {
            *slot = updated;
        }
        ctx.store.touch(mailbox, num, if only_read_flag { Change::ReadFlag } else { Change::Update }, ctx.now);
        let version = ctx.store.item(r).map_or(0, |i| i.change);
        return Ok((tag, r, version));
    }
    let mode =
        mode.ok_or_else(|| MessageError::new(ResponseCode::ErrorSendMeetingInvitationsOrCancellationsRequired))?;
    let before = item.meeting.clone().ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    let mut updated = item.clone();
    let occurrence = r.occurrence.and_then(|s| Timestamp::from_second(s).ok());
    match occurrence {
        Some(original) => apply_occurrence(ctx, &mut updated, original, &updates)?,
        None => apply_calendar(ctx, &mut updated, &updates)?,
    }
    let (mailbox, num) = (r.mailbox, item.num);
    if let Some(slot) = ctx.store.item_mut(mailbox, num) {
        *slot = updated;
    }
    ctx.store.touch(mailbox, num, Change::Update, ctx.now);
    if before.is_meeting && before.my_response == Response::Organizer && mode.sends() {
        meetings::send_update(ctx.store, mailbox, num, &before, &item.subject, mode, occurrence, ctx.now);
    } else if !before.is_meeting
        && mode.sends()
        && let Some(after) = ctx.store.item(ItemRef::new(mailbox, num)).and_then(|i| i.meeting.clone())
        && after.attendees().next().is_some()
    {
        // An appointment that gained attendees becomes a meeting: everyone gets a new request.
        if let Some(m) = ctx.store.item_mut(mailbox, num).and_then(|i| i.meeting.as_mut()) {
            m.is_meeting = true;
            m.request_was_sent = true;
        }
        let recipients: Vec<_> = after.attendees().map(|a| a.person.clone()).collect();
        meetings::send_requests(
            ctx.store,
            mailbox,
            num,
            &recipients,
            "NewMeetingRequest",
            None,
            mode.saves_copy(),
            ctx.now,
        );
    }
    let version = ctx.store.item(ItemRef::new(mailbox, num)).map_or(0, |i| i.change);
    Ok((tag, r, version))
}

fn bad_field(code: ResponseCode, uri: &str) -> MessageError {
    let mut e = MessageError::with_text(code, format!("The property {uri} can't be changed this way."));
    e.field_uri = Some(uri.to_string());
    e
}

/// Fields every item has.
fn apply_common(item: &mut Item, u: &FieldUpdate<'_>) -> Result<(), MessageError> {
    let p = &u.props;
    let delete = u.kind == "DeleteItemField";
    match u.uri.as_str() {
        "item:Subject" => item.subject = if delete { String::new() } else { p.subject.clone().unwrap_or_default() },
        "item:Body" => {
            let body = p.body.clone().unwrap_or_default();
            if u.kind == "AppendToItemField" {
                item.body.text.push_str(&body.text);
            } else {
                item.body = if delete { Default::default() } else { body };
            }
        }
        "item:Importance" => item.importance = p.importance.clone().unwrap_or_else(|| "Normal".into()),
        "item:Sensitivity" => item.sensitivity = p.sensitivity.clone().unwrap_or_else(|| "Normal".into()),
        "item:Categories" => {
            item.categories = if delete { Vec::new() } else { p.categories.clone().unwrap_or_default() }
        }
        "item:ReminderIsSet" => item.reminder_is_set = p.reminder_is_set.unwrap_or(false),
        "item:ReminderMinutesBeforeStart" => item.reminder_minutes = p.reminder_minutes.unwrap_or(15),
        "message:IsRead" => item.is_read = p.is_read.unwrap_or(true),
        "message:ToRecipients" => item.to = p.to.clone().unwrap_or_default(),
        "message:CcRecipients" => item.cc = p.cc.clone().unwrap_or_default(),
        "extended" => {
            for e in &p.extended {
                item.extended.retain(|x| x.key != e.key);
                if !delete {
                    item.extended.push(e.clone());
                }
            }
        }
        other => {
            let code = match u.kind {
                "DeleteItemField" => ResponseCode::ErrorInvalidPropertyDelete,
                "AppendToItemField" => ResponseCode::ErrorInvalidPropertyAppend,
                _ => ResponseCode::ErrorInvalidPropertySet,
            };
            return Err(bad_field(code, other));
        }
    }
    Ok(())
}

fn people(list: Option<Vec<crate::exchange::Person>>) -> Vec<Attendee> {
    list.unwrap_or_default()
        .into_iter()
        .map(|person| Attendee { person, response: Response::Unknown, last_response: None })
        .collect()
}

fn apply_calendar(ctx: &Ctx<'_>, item: &mut Item, updates: &[FieldUpdate<'_>]) -> Result<(), MessageError> {
    let Some(mut m) = item.meeting.clone() else {
        return Ok(());
    };
    // Time zones first: naive Start/End in the same request are read in the new zone.
    for u in updates {
        match u.uri.as_str() {
            "calendar:StartTimeZone" | "calendar:MeetingTimeZone" => m.start_tz = u.props.start_tz.clone(),
            "calendar:EndTimeZone" => m.end_tz = u.props.end_tz.clone(),
            _ => {}
        }
    }
    let zone = zone_of(m.start_tz.as_deref(), ctx.zone.as_ref());
    let mut schedule_changed = false;
    for u in updates {
        let p = &u.props;
        let delete = u.kind == "DeleteItemField";
        let append = u.kind == "AppendToItemField";
        match u.uri.as_str() {
            "calendar:StartTimeZone" | "calendar:MeetingTimeZone" | "calendar:EndTimeZone" => {}
            "calendar:Start" => {
                m.start = instant(p.start.as_deref().unwrap_or(""), zone.as_ref())?;
                schedule_changed = true;
            }
            "calendar:End" => {
                m.end = instant(p.end.as_deref().unwrap_or(""), zone.as_ref())?;
                schedule_changed = true;
            }
            "calendar:Location" => {
                m.location = if delete { String::new() } else { p.location.clone().unwrap_or_default() }
            }
            "calendar:IsAllDayEvent" => m.all_day = p.all_day.unwrap_or(false),
            "calendar:LegacyFreeBusyStatus" => m.free_busy = p.free_busy.clone().unwrap_or_else(|| "Busy".into()),
            "calendar:Recurrence" => {
                m.recurrence = if delete { None } else { p.recurrence.clone() };
                schedule_changed = true;
            }
            "calendar:RequiredAttendees" | "calendar:OptionalAttendees" | "calendar:Resources" => {
                let (list, given) = match u.uri.as_str() {
                    "calendar:RequiredAttendees" => (&mut m.required, p.required.clone()),
                    "calendar:OptionalAttendees" => (&mut m.optional, p.optional.clone()),
                    _ => (&mut m.resources, p.resources.clone()),
                };
                let new = people(given);
                if delete {
                    list.clear();
                } else if append {
                    for a in new {
                        if !list.iter().any(|x| x.person.email.eq_ignore_ascii_case(&a.person.email)) {
                            list.push(a);
                        }
                    }
                } else {
                    // Keep the answers of attendees who stay.
                    let old = std::mem::take(list);
                    for mut a in new {
                        if let Some(o) = old.iter().find(|o| o.person.email.eq_ignore_ascii_case(&a.person.email)) {
                            a.response = o.response;
                            a.last_response = o.last_response;
                        }
                        list.push(a);
                    }
                }
            }
            _ => {
                item.meeting = Some(m.clone());
                apply_common(item, u)?;
                m = item.meeting.clone().unwrap_or(m);
            }
        }
    }
    if m.end < m.start {
        return Err(MessageError::new(ResponseCode::ErrorCalendarEndDateIsEarlierThanStartDate));
    }
    if schedule_changed && m.recurrence.is_some() {
        // A new pattern or time drops the series' exceptions; the start moves to the first slot.
        m.exceptions.clear();
        m.deleted.clear();
        let first = series::instances(&m)
            .into_iter()
            .next()
            .ok_or_else(|| MessageError::new(ResponseCode::ErrorRecurrenceHasNoOccurrence))?;
        m.start = first.start;
        m.end = first.end;
    }
    item.meeting = Some(m);
    Ok(())
}

fn apply_occurrence(
    ctx: &Ctx<'_>,
    item: &mut Item,
    original: Timestamp,
    updates: &[FieldUpdate<'_>],
) -> Result<(), MessageError> {
    let Some(m) = item.meeting.as_mut() else {
        return Ok(());
    };
    let instance =
        series::instance_at(m, original).ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    let zone = zone_of(m.start_tz.as_deref(), ctx.zone.as_ref());
    let mut e = m.exceptions.iter().find(|e| e.original_start == original).cloned().unwrap_or(Exception {
        original_start: original,
        start: instance.start,
        end: instance.end,
        subject: None,
        location: None,
        body: None,
    });
    for u in updates {
        let p = &u.props;
        match u.uri.as_str() {
            "calendar:Start" => e.start = instant(p.start.as_deref().unwrap_or(""), zone.as_ref())?,
            "calendar:End" => e.end = instant(p.end.as_deref().unwrap_or(""), zone.as_ref())?,
            "calendar:StartTimeZone" | "calendar:EndTimeZone" => {}
            "item:Subject" => e.subject = p.subject.clone(),
            "calendar:Location" => e.location = p.location.clone(),
            "item:Body" => e.body = p.body.clone(),
            other => return Err(bad_field(ResponseCode::ErrorInvalidPropertySet, other)),
        }
    }
    if e.end < e.start {
        return Err(MessageError::new(ResponseCode::ErrorCalendarEndDateIsEarlierThanStartDate));
    }
    m.exceptions.retain(|x| x.original_start != original);
    m.exceptions.push(e);
    Ok(())
}
