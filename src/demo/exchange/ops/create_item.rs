//! `CreateItem`: calendar items (appointments, and meetings sent with `SendMeetingInvitations`),
//! messages, and the meeting response objects `AcceptItem`, `TentativelyAcceptItem`,
//! `DeclineItem`, `RemoveItem` and `CancelCalendarItem`.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-calendar-item>.

use super::{Ctx, folder_target, item_target};
use crate::demo::exchange::item_read::{Props, instant, read_props, zone_of};
use crate::demo::exchange::meetings::{self, Answer, SendMode};
use crate::demo::exchange::model::{Attendee, Body, Folder, ItemRef, Kind, Meeting, Response, change_key};
use crate::demo::exchange::series;
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::Person;
use crate::exchange::ews::ResponseCode;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Disposition {
    SaveOnly,
    SendOnly,
    SendAndSaveCopy,
}

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let disposition = match body.attr("MessageDisposition") {
        Some("SaveOnly") => Some(Disposition::SaveOnly),
        Some("SendOnly") => Some(Disposition::SendOnly),
        Some("SendAndSaveCopy") => Some(Disposition::SendAndSaveCopy),
        _ => None,
    };
    let invitations = SendMode::parse(body.attr("SendMeetingInvitations"));
    let saved_folder = body.child("SavedItemFolderId").and_then(|f| f.children.first());
    let mut w = Writer::new();
    soap::open_response(&mut w, "CreateItem");
    let items: Vec<&Element> = body.child("Items").map(|i| i.children.iter().collect()).unwrap_or_default();
    for el in items {
        let result = create_one(ctx, el, disposition, invitations, saved_folder);
        match result {
            Ok(created) => {
                soap::open_message(&mut w, "CreateItem", None);
                match created {
                    Some((tag, r, change)) => {
                        w.open("m:Items");
                        w.open(tag);
                        w.empty("t:ItemId", &[("Id", &r.encode()), ("ChangeKey", &change_key(change))]);
                        w.close(tag);
                        w.close("m:Items");
                    }
                    None => w.empty("m:Items", &[]),
                }
            }
            Err(e) => {
                soap::open_message(&mut w, "CreateItem", Some(&e));
                w.empty("m:Items", &[]);
            }
        }
        soap::close_message(&mut w, "CreateItem");
    }
    soap::close_response(&mut w, "CreateItem");
    w.out
}

type Created = Option<(&'static str, ItemRef, u64)>;

fn create_one(
    ctx: &mut Ctx<'_>,
    el: &Element,
    disposition: Option<Disposition>,
    invitations: Option<SendMode>,
    saved_folder: Option<&Element>,
) -> Result<Created, MessageError> {
    let needs_disposition =
        || disposition.ok_or_else(|| MessageError::new(ResponseCode::ErrorMessageDispositionRequired));
    match el.name.as_str() {
        "CalendarItem" => {
            let mode =
                invitations.ok_or_else(|| MessageError::new(ResponseCode::ErrorSendMeetingInvitationsRequired))?;
            let (mailbox, folder) = target(ctx, saved_folder, Folder::Calendar)?;
            let props = read_props(el)?;
            let r = create_calendar_item(ctx, mailbox, folder, props, mode)?;
            let change = ctx.store.item(r).map_or(0, |i| i.change);
            Ok(Some(("t:CalendarItem", r, change)))
        }
        "Message" => {
            let disposition = needs_disposition()?;
            let props = read_props(el)?;
            create_message(ctx, saved_folder, props, disposition)
        }
        "AcceptItem" | "TentativelyAcceptItem" | "DeclineItem" => {
            let disposition = needs_disposition()?;
            let answer = match el.name.as_str() {
                "AcceptItem" => Answer::Accept,
                "TentativelyAcceptItem" => Answer::Tentative,
                _ => Answer::Decline,
            };
            let reference = reference(ctx, el)?;
            let mailbox = ctx.acting.ok_or_else(|| MessageError::new(ResponseCode::ErrorAccessDenied))?;
            let reply = read_props(el)?.body;
            let send = disposition != Disposition::SaveOnly;
            let save = disposition == Disposition::SendAndSaveCopy;
            meetings::respond(ctx.store, mailbox, reference, answer, reply, send, save, ctx.now)?;
            Ok(None)
        }
        "RemoveItem" => {
            needs_disposition()?;
            let reference = reference(ctx, el)?;
            let mailbox = ctx.acting.ok_or_else(|| MessageError::new(ResponseCode::ErrorAccessDenied))?;
            meetings::remove_cancelled(ctx.store, mailbox, reference, ctx.now)?;
            Ok(None)
        }
        "CancelCalendarItem" => {
            let disposition = needs_disposition()?;
            let reference = reference(ctx, el)?;
            let mailbox = ctx.acting.ok_or_else(|| MessageError::new(ResponseCode::ErrorAccessDenied))?;
            let body = el
                .child("NewBodyContent")
                .or_else(|| el.child("Body"))
                .map(|b| Body { html: b.attr("BodyType") != Some("Text"), text: b.text.clone() });
            let send = disposition != Disposition::SaveOnly;
            meetings::cancel(
                ctx.store,
                mailbox,
                reference,
                body,
                send,
                disposition == Disposition::SendAndSaveCopy,
                ctx.now,
            )?;
            let change = ctx.store.item(ItemRef::new(reference.mailbox, reference.item)).map_or(0, |i| i.change);
            Ok(Some(("t:CalendarItem", reference, change)))
        }
        other => Err(MessageError::with_text(
            ResponseCode::ErrorInvalidItemForOperationCreateItem,
            format!("The simulated server cannot create a {other}."),
        )),
    }
}

fn reference(ctx: &Ctx<'_>, el: &Element) -> Result<ItemRef, MessageError> {
    let id = el.child("ReferenceItemId").ok_or_else(|| {
        MessageError::with_text(ResponseCode::ErrorInvalidReferenceItem, "ReferenceItemId is required.")
    })?;
    item_target(ctx, id)
}

fn target(ctx: &Ctx<'_>, saved: Option<&Element>, default: Folder) -> Result<(u32, Folder), MessageError> {
    match saved {
        Some(f) => folder_target(ctx, f),
        None => {
            let mailbox = ctx.acting.ok_or_else(|| MessageError::new(ResponseCode::ErrorNonExistentMailbox))?;
            Ok((mailbox, default))
        }
    }
}

fn attendees(people: Option<Vec<Person>>) -> Vec<Attendee> {
    people
        .unwrap_or_default()
        .into_iter()
        .map(|person| Attendee { person, response: Response::Unknown, last_response: None })
        .collect()
}

/// Creates a calendar item in `folder` from a client's properties and sends the invitations.
pub(crate) fn create_calendar_item(
    ctx: &mut Ctx<'_>,
    mailbox: u32,
    folder: Folder,
    p: Props,
    mode: SendMode,
) -> Result<ItemRef, MessageError> {
    let zone = zone_of(p.start_tz.as_deref(), ctx.zone.as_ref());
    let start = match &p.start {
        Some(s) => instant(s, zone.as_ref())?,
        None => ctx.now,
    };
    let end = match &p.end {
        Some(e) => instant(e, zone.as_ref())?,
        None => jiff::Timestamp::from_second(start.as_second() + 1800).unwrap_or(start),
    };
    if end < start {
        return Err(MessageError::new(ResponseCode::ErrorCalendarEndDateIsEarlierThanStartDate));
    }
    let organizer = ctx.store.mailbox(mailbox).map(|m| m.person()).unwrap_or_default();
    let required = attendees(p.required.clone());
    let optional = attendees(p.optional.clone());
    let resources = attendees(p.resources.clone());
    let is_meeting = !(required.is_empty() && optional.is_empty() && resources.is_empty());
    let mut meeting = Meeting {
        goid: meetings::new_goid(ctx.now),
        start,
        end,
        start_tz: p.start_tz.clone().or_else(|| ctx.zone_id.clone()),
        end_tz: p.end_tz.clone().or(p.start_tz.clone()).or_else(|| ctx.zone_id.clone()),
        all_day: p.all_day.unwrap_or(false),
        location: p.location.clone().unwrap_or_default(),
        free_busy: p.free_busy.clone().unwrap_or_else(|| "Busy".into()),
        organizer: organizer.clone(),
        required,
        optional,
        resources,
        recurrence: p.recurrence.clone(),
        exceptions: Vec::new(),
        deleted: Vec::new(),
        sequence: 0,
        is_meeting,
        is_cancelled: false,
        request_was_sent: is_meeting && mode.sends(),
        my_response: Response::Organizer,
        reply_time: None,
        recurrence_id: None,
        stamp: ctx.now,
    };
    if meeting.recurrence.is_some() {
        // Exchange moves a series' start to its first occurrence.
        let first = series::instances(&meeting)
            .into_iter()
            .next()
            .ok_or_else(|| MessageError::new(ResponseCode::ErrorRecurrenceHasNoOccurrence))?;
        meeting.start = first.start;
        meeting.end = first.end;
    }
    let mut item = meetings::blank(Kind::CalendarItem, "IPM.Appointment", folder, ctx.now);
    item.subject = p.subject.unwrap_or_default();
    item.body = p.body.unwrap_or_default();
    item.importance = p.importance.unwrap_or_else(|| "Normal".into());
    item.sensitivity = p.sensitivity.unwrap_or_else(|| "Normal".into());
    item.categories = p.categories.unwrap_or_default();
    item.reminder_is_set = p.reminder_is_set.unwrap_or(true);
    item.reminder_minutes = p.reminder_minutes.unwrap_or(15);
    item.extended = p.extended;
    item.from = Some(organizer);
    item.is_read = true;
    item.meeting = Some(meeting.clone());
    let num = ctx.store.insert(mailbox, item);
    if is_meeting && mode.sends() {
        let recipients: Vec<Person> = meeting.attendees().map(|a| a.person.clone()).collect();
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
    Ok(ItemRef::new(mailbox, num))
}

fn create_message(
    ctx: &mut Ctx<'_>,
    saved: Option<&Element>,
    p: Props,
    disposition: Disposition,
) -> Result<Created, MessageError> {
    let (mailbox, folder) =
        target(ctx, saved, if disposition == Disposition::SaveOnly { Folder::Drafts } else { Folder::SentItems })?;
    let sender = ctx.store.mailbox(mailbox).map(|m| m.person()).unwrap_or_default();
    let mut item = meetings::blank(Kind::Message, "IPM.Note", folder, ctx.now);
    item.subject = p.subject.unwrap_or_default();
    item.body = p.body.unwrap_or_default();
    item.importance = p.importance.unwrap_or_else(|| "Normal".into());
    item.from = Some(sender);
    item.to = p.to.unwrap_or_default();
    item.cc = p.cc.unwrap_or_default();
    item.extended = p.extended;
    if disposition == Disposition::SaveOnly {
        item.is_read = true;
        let num = ctx.store.insert(mailbox, item);
        let change = ctx.store.item(ItemRef::new(mailbox, num)).map_or(0, |i| i.change);
        return Ok(Some(("t:Message", ItemRef::new(mailbox, num), change)));
    }
    item.sent = Some(ctx.now);
    let recipients: Vec<Person> = item.to.iter().chain(item.cc.iter()).cloned().collect();
    for r in recipients {
        if let Some(to) = ctx.store.mailbox_index(&r.email) {
            let mut copy = item.clone();
            copy.folder = Folder::Inbox;
            copy.is_read = false;
            ctx.store.insert(to, copy);
        }
    }
    if disposition == Disposition::SendAndSaveCopy {
        item.is_read = true;
        ctx.store.insert(mailbox, item);
    }
    Ok(None)
}
