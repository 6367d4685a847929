//! Meeting semantics as Exchange and its Calendar Attendant apply them: sending requests to
//! attendees (with the attendee's tentative calendar item), replies to the organizer, updates of a
//! meeting or of one occurrence, and cancellations. EWS operations and the simulator's own organizer
//! actions both go through here, so they behave alike.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/calendars-and-ews-in-exchange>.

use jiff::Timestamp;

use super::model::{Body, Exception, Folder, Item, ItemRef, Kind, Meeting, MeetingMessage, Response, Store};
use super::series;
use super::soap::MessageError;
use crate::exchange::Person;
use crate::exchange::ews::ResponseCode;

/// Who gets meeting messages (`SendMeetingInvitations[OrCancellations]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    None,
    All,
    AllAndSaveCopy,
    Changed,
    ChangedAndSaveCopy,
}

impl SendMode {
    pub fn parse(text: Option<&str>) -> Option<SendMode> {
        Some(match text? {
            "SendToNone" => SendMode::None,
            "SendOnlyToAll" => SendMode::All,
            "SendToAllAndSaveCopy" => SendMode::AllAndSaveCopy,
            "SendOnlyToChanged" => SendMode::Changed,
            "SendToChangedAndSaveCopy" => SendMode::ChangedAndSaveCopy,
            _ => return None,
        })
    }

    pub fn sends(self) -> bool {
        self != SendMode::None
    }

    pub fn saves_copy(self) -> bool {
        matches!(self, SendMode::AllAndSaveCopy | SendMode::ChangedAndSaveCopy)
    }
}

/// A new PidLidGlobalObjectId as Outlook builds one: class id, zero instance date, creation
/// FILETIME, reserved zeros, then 16 random bytes (MS-OXOCAL 2.2.1.27).
pub fn new_goid(now: Timestamp) -> Vec<u8> {
    let mut goid = vec![0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08];
    goid.extend_from_slice(&[0, 0, 0, 0]);
    let filetime = (now.as_second().max(0) as u64)
        .wrapping_add(11_644_473_600)
        .wrapping_mul(10_000_000)
        .wrapping_add(u64::from(now.subsec_nanosecond().max(0) as u32 / 100));
    goid.extend_from_slice(&filetime.to_le_bytes());
    goid.extend_from_slice(&[0; 8]);
    goid.extend_from_slice(&16u32.to_le_bytes());
    let mut random = [0u8; 16];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).is_err() {
        random.copy_from_slice(&now.as_nanosecond().to_le_bytes());
    }
    goid.extend_from_slice(&random);
    goid
}

/// A blank item of `kind` in `folder`, timestamps `now`.
pub fn blank(kind: Kind, class: &str, folder: Folder, now: Timestamp) -> Item {
    Item {
        num: 0,
        folder,
        kind,
        class: class.to_string(),
        subject: String::new(),
        body: Body { html: true, text: String::new() },
        importance: "Normal".into(),
        sensitivity: "Normal".into(),
        categories: Vec::new(),
        created: now,
        received: now,
        sent: None,
        modified: now,
        change: 0,
        is_read: false,
        from: None,
        to: Vec::new(),
        cc: Vec::new(),
        internet_message_id: format!("<{}.{}@simulated-exchange>", now.as_millisecond(), kind.element()),
        reminder_is_set: false,
        reminder_minutes: 15,
        extended: Vec::new(),
        meeting: None,
        message: None,
    }
}

/// The calendar item of meeting `goid` (the series or single item, not an orphan instance) in a
/// mailbox's calendar.
pub fn find_calendar_item(store: &Store, mailbox: u32, goid: &[u8]) -> Option<u64> {
    store
        .mailbox(mailbox)?
        .in_folder(Folder::Calendar)
        .find(|i| {
            i.kind == Kind::CalendarItem
                && i.meeting.as_ref().is_some_and(|m| m.goid == goid && m.recurrence_id.is_none())
        })
        .map(|i| i.num)
}

/// Sends the organizer's meeting `num` to `recipients` as meeting requests (the whole meeting, or
/// the occurrence `original_start`), and saves a copy in Sent Items when asked.
#[allow(clippy::too_many_arguments)]
pub fn send_requests(
    store: &mut Store,
    organizer: u32,
    num: u64,
    recipients: &[Person],
    request_type: &'static str,
    occurrence: Option<Timestamp>,
    save_copy: bool,
    now: Timestamp,
) {
    let Some(org_item) = store.item(ItemRef::new(organizer, num)).cloned() else {
        return;
    };
    let Some(mut meeting) = org_item.meeting.clone() else {
        return;
    };
    let mut subject = org_item.subject.clone();
    let mut body = org_item.body.clone();
    if let Some(original) = occurrence {
        let instance = series::instance_at(&meeting, original);
        let exception = meeting.exceptions.iter().find(|e| e.original_start == original).cloned();
        if let Some(e) = &exception {
            subject = e.subject.clone().unwrap_or(subject);
            body = e.body.clone().unwrap_or(body);
            meeting.location = e.location.clone().unwrap_or(meeting.location);
        }
        if let Some(i) = instance {
            meeting.start = i.start;
            meeting.end = i.end;
        }
        meeting.recurrence = None;
        meeting.exceptions.clear();
        meeting.deleted.clear();
        meeting.recurrence_id = Some(original);
    }
    meeting.stamp = now;
    meeting.request_was_sent = false;
    meeting.my_response = Response::NoResponseReceived;
    for r in recipients {
        let Some(to) = store.mailbox_index(&r.email) else {
            log::info!("simulated exchange: {} has no mailbox here; the request to it is dropped", r.email);
            continue;
        };
        if to == organizer {
            continue;
        }
        deliver_request(store, to, &org_item, &meeting, &subject, &body, request_type, now);
    }
    if save_copy {
        let mut copy = blank(Kind::MeetingRequest, "IPM.Schedule.Meeting.Request", Folder::SentItems, now);
        copy.subject = subject;
        copy.body = body;
        copy.from = Some(meeting.organizer.clone());
        copy.to = meeting.required.iter().chain(meeting.resources.iter()).map(|a| a.person.clone()).collect();
        copy.cc = meeting.optional.iter().map(|a| a.person.clone()).collect();
        copy.sent = Some(now);
        copy.is_read = true;
        copy.meeting = Some(meeting);
        copy.message = Some(MeetingMessage {
            request_type: Some(request_type),
            response: Response::Organizer,
            associated: Some(num),
            is_out_of_date: false,
            has_been_processed: true,
            intended_free_busy: "Busy".into(),
        });
        store.insert(organizer, copy);
    }
}

/// Puts a meeting request into an attendee's inbox and lets the Calendar Attendant place (or
/// update) the attendee's own tentative calendar item.
#[allow(clippy::too_many_arguments)]
fn deliver_request(
    store: &mut Store,
    to: u32,
    org_item: &Item,
    meeting: &Meeting,
    subject: &str,
    body: &Body,
    request_type: &'static str,
    now: Timestamp,
) {
    let Some(recipient) = store.mailbox(to).map(|m| m.email.clone()) else {
        return;
    };
    let full = request_type != "InformationalUpdate";
    // The Calendar Attendant (AutomateProcessing AutoUpdate): the attendee's calendar item.
    let existing = find_calendar_item(store, to, &meeting.goid);
    let cal = match (meeting.recurrence_id, existing) {
        (None, Some(num)) => {
            if let Some(item) = store.item_mut(to, num) {
                item.subject = subject.to_string();
                item.body = body.clone();
                if let Some(m) = item.meeting.as_mut() {
                    let (response, reply) = (m.my_response, m.reply_time);
                    *m = meeting.clone();
                    m.my_response = if full { Response::NoResponseReceived } else { response };
                    m.reply_time = if full { None } else { reply };
                    m.free_busy = if m.my_response == Response::Accept { "Busy".into() } else { "Tentative".into() };
                }
            }
            store.touch(to, num, super::model::Change::Update, now);
            num
        }
        (Some(original), Some(num)) => {
            if let Some(m) = store.item_mut(to, num).and_then(|i| i.meeting.as_mut()) {
                m.exceptions.retain(|e| e.original_start != original);
                m.exceptions.push(Exception {
                    original_start: original,
                    start: meeting.start,
                    end: meeting.end,
                    subject: Some(subject.to_string()),
                    location: Some(meeting.location.clone()),
                    body: Some(body.clone()),
                });
                m.sequence = m.sequence.max(meeting.sequence);
            }
            store.touch(to, num, super::model::Change::Update, now);
            num
        }
        (_, None) => {
            let mut item = blank(Kind::CalendarItem, "IPM.Appointment", Folder::Calendar, now);
            item.subject = subject.to_string();
            item.body = body.clone();
            item.from = Some(meeting.organizer.clone());
            let mut m = meeting.clone();
            m.my_response = Response::NoResponseReceived;
            m.free_busy = "Tentative".into();
            m.request_was_sent = false;
            item.meeting = Some(m);
            store.insert(to, item)
        }
    };
    // Older requests for the same meeting (and occurrence) are now out of date.
    let older: Vec<u64> = store
        .mailbox(to)
        .map(|m| {
            m.items
                .values()
                .filter(|i| {
                    i.kind == Kind::MeetingRequest
                        && i.folder == Folder::Inbox
                        && i.meeting
                            .as_ref()
                            .is_some_and(|x| x.goid == meeting.goid && x.recurrence_id == meeting.recurrence_id)
                        && i.message.as_ref().is_some_and(|x| !x.is_out_of_date)
                })
                .map(|i| i.num)
                .collect()
        })
        .unwrap_or_default();
    for num in older {
        if let Some(x) = store.item_mut(to, num).and_then(|i| i.message.as_mut()) {
            x.is_out_of_date = true;
        }
        store.touch(to, num, super::model::Change::Update, now);
    }
    let mut request = blank(Kind::MeetingRequest, "IPM.Schedule.Meeting.Request", Folder::Inbox, now);
    request.subject = subject.to_string();
    request.body = body.clone();
    request.importance = org_item.importance.clone();
    request.sensitivity = org_item.sensitivity.clone();
    request.from = Some(meeting.organizer.clone());
    request.to = meeting.required.iter().chain(meeting.resources.iter()).map(|a| a.person.clone()).collect();
    request.cc = meeting.optional.iter().map(|a| a.person.clone()).collect();
    if !request.to.iter().chain(request.cc.iter()).any(|p| p.email.eq_ignore_ascii_case(&recipient))
        && let Some(p) = store.mailbox(to).map(|m| m.person())
    {
        request.to.push(p);
    }
    request.sent = Some(now);
    let mut m = meeting.clone();
    m.my_response = Response::NoResponseReceived;
    m.free_busy = "Tentative".into();
    request.meeting = Some(m);
    request.message = Some(MeetingMessage {
        request_type: Some(request_type),
        response: Response::NoResponseReceived,
        associated: Some(cal),
        is_out_of_date: false,
        has_been_processed: true,
        intended_free_busy: meeting.free_busy.clone(),
    });
    store.insert(to, request);
}

/// What an attendee answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Tentative,
    Decline,
}

impl Answer {
    fn codes(self) -> (ResponseCode, ResponseCode) {
        match self {
            Answer::Accept => {
                (ResponseCode::ErrorCalendarIsCancelledForAccept, ResponseCode::ErrorCalendarIsOrganizerForAccept)
            }
            Answer::Tentative => {
                (ResponseCode::ErrorCalendarIsCancelledForTentative, ResponseCode::ErrorCalendarIsOrganizerForTentative)
            }
            Answer::Decline => {
                (ResponseCode::ErrorCalendarIsCancelledForDecline, ResponseCode::ErrorCalendarIsOrganizerForDecline)
            }
        }
    }

    fn invalid_item(self) -> ResponseCode {
        match self {
            Answer::Accept => ResponseCode::ErrorInvalidItemForOperationAcceptItem,
            Answer::Tentative => ResponseCode::ErrorInvalidItemForOperationTentative,
            Answer::Decline => ResponseCode::ErrorInvalidItemForOperationDeclineItem,
        }
    }

    fn response(self) -> Response {
        match self {
            Answer::Accept => Response::Accept,
            Answer::Tentative => Response::Tentative,
            Answer::Decline => Response::Decline,
        }
    }
}

/// Answers a meeting request (or the attendee's calendar item, or one occurrence of it): updates
/// the attendee's calendar, moves the request to Deleted Items, and (when `send`) delivers a
/// meeting response to the organizer, whose Calendar Attendant records the answer.
#[allow(clippy::too_many_arguments)]
pub fn respond(
    store: &mut Store,
    mailbox: u32,
    reference: ItemRef,
    answer: Answer,
    reply: Option<Body>,
    send: bool,
    save_copy: bool,
    now: Timestamp,
) -> Result<(), MessageError> {
    let (cancelled_code, organizer_code) = answer.codes();
    let referenced = store
        .item(ItemRef::new(reference.mailbox, reference.item))
        .cloned()
        .ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    let Some(meeting) = referenced.meeting.clone() else {
        return Err(MessageError::with_text(answer.invalid_item(), "The item is not a meeting request or meeting."));
    };
    let (request_num, cal_num, occurrence) = match referenced.kind {
        Kind::MeetingRequest => {
            let msg = referenced.message.as_ref();
            if msg.is_some_and(|m| m.is_out_of_date) {
                return Err(MessageError::new(ResponseCode::ErrorCalendarMeetingRequestIsOutOfDate));
            }
            let cal = msg.and_then(|m| m.associated).filter(|n| store.item(ItemRef::new(mailbox, *n)).is_some());
            (
                Some(referenced.num),
                cal.or_else(|| find_calendar_item(store, mailbox, &meeting.goid)),
                meeting.recurrence_id,
            )
        }
        Kind::CalendarItem => {
            (None, Some(referenced.num), reference.occurrence.and_then(|s| Timestamp::from_second(s).ok()))
        }
        Kind::MeetingCancellation => return Err(MessageError::new(cancelled_code)),
        _ => {
            return Err(MessageError::with_text(
                answer.invalid_item(),
                "The item is not a meeting request or meeting.",
            ));
        }
    };
    if meeting.my_response == Response::Organizer
        || store.mailbox(mailbox).is_some_and(|m| m.email.eq_ignore_ascii_case(&meeting.organizer.email))
    {
        return Err(MessageError::new(organizer_code));
    }
    let cal_meeting = cal_num.and_then(|n| store.item(ItemRef::new(mailbox, n))).and_then(|i| i.meeting.clone());
    if meeting.is_cancelled || cal_meeting.as_ref().is_some_and(|m| m.is_cancelled) {
        return Err(MessageError::new(cancelled_code));
    }
    if !meeting.is_meeting {
        return Err(MessageError::with_text(answer.invalid_item(), "The item is not a meeting request or meeting."));
    }
    // The attendee's calendar.
    if let Some(num) = cal_num {
        match (answer, occurrence) {
            (Answer::Decline, Some(original)) => {
                if let Some(m) = store.item_mut(mailbox, num).and_then(|i| i.meeting.as_mut()) {
                    if !m.deleted.contains(&original) {
                        m.deleted.push(original);
                    }
                    m.exceptions.retain(|e| e.original_start != original);
                }
                store.touch(mailbox, num, super::model::Change::Update, now);
            }
            (_, Some(_)) => {}
            (_, None) => {
                if let Some(m) = store.item_mut(mailbox, num).and_then(|i| i.meeting.as_mut()) {
                    m.my_response = answer.response();
                    m.reply_time = Some(now);
                    m.free_busy = if answer == Answer::Accept { "Busy".into() } else { "Tentative".into() };
                }
                store.touch(mailbox, num, super::model::Change::Update, now);
                if answer == Answer::Decline {
                    store.move_item(mailbox, num, Folder::DeletedItems);
                }
            }
        }
    }
    if let Some(num) = request_num {
        if let Some(x) = store.item_mut(mailbox, num).and_then(|i| i.message.as_mut()) {
            x.response = answer.response();
        }
        store.move_item(mailbox, num, Folder::DeletedItems);
    }
    let Some(responder) = store.mailbox(mailbox).map(|m| m.person()) else {
        return Ok(());
    };
    let subject_base = referenced.subject.clone();
    let prefix = match answer {
        Answer::Accept => "Accepted: ",
        Answer::Tentative => "Tentative: ",
        Answer::Decline => "Declined: ",
    };
    let class = match answer {
        Answer::Accept => "IPM.Schedule.Meeting.Resp.Pos",
        Answer::Tentative => "IPM.Schedule.Meeting.Resp.Tent",
        Answer::Decline => "IPM.Schedule.Meeting.Resp.Neg",
    };
    let mut response_meeting = meeting.clone();
    if let Some(original) = occurrence {
        response_meeting.recurrence_id = Some(original);
        response_meeting.recurrence = None;
        if let Some(i) = cal_meeting.as_ref().and_then(|m| series::instance_at(m, original)) {
            response_meeting.start = i.start;
            response_meeting.end = i.end;
        }
    }
    response_meeting.stamp = now;
    let make = |folder: Folder| {
        let mut r = blank(Kind::MeetingResponse, class, folder, now);
        r.subject = format!("{prefix}{subject_base}");
        r.body = reply.clone().unwrap_or(Body { html: false, text: String::new() });
        r.from = Some(responder.clone());
        r.to = vec![meeting.organizer.clone()];
        r.sent = Some(now);
        r.meeting = Some(response_meeting.clone());
        r
    };
    if send && let Some(org) = store.mailbox_index(&meeting.organizer.email) {
        let org_cal = find_calendar_item(store, org, &meeting.goid);
        let mut r = make(Folder::Inbox);
        r.message = Some(MeetingMessage {
            request_type: None,
            response: answer.response(),
            associated: org_cal,
            is_out_of_date: false,
            has_been_processed: true,
            intended_free_busy: "Busy".into(),
        });
        store.insert(org, r);
        // The organizer's Calendar Attendant records the answer on the organizer's item.
        if let (Some(num), None) = (org_cal, occurrence) {
            if let Some(a) =
                store.item_mut(org, num).and_then(|i| i.meeting.as_mut()).and_then(|m| m.attendee_mut(&responder.email))
            {
                a.response = answer.response();
                a.last_response = Some(now);
            }
            store.touch(org, num, super::model::Change::Update, now);
        }
    }
    if save_copy {
        let mut r = make(Folder::SentItems);
        r.is_read = true;
        r.message = Some(MeetingMessage {
            request_type: None,
            response: answer.response(),
            associated: cal_num,
            is_out_of_date: false,
            has_been_processed: true,
            intended_free_busy: "Busy".into(),
        });
        store.insert(mailbox, r);
    }
    Ok(())
}

/// Cancels the organizer's meeting (or one occurrence of it): attendees get a meeting
/// cancellation, their calendar items are marked cancelled (or lose the occurrence), and the
/// organizer's item goes to Deleted Items (or records the deleted occurrence).
pub fn cancel(
    store: &mut Store,
    organizer: u32,
    reference: ItemRef,
    body: Option<Body>,
    send: bool,
    save_copy: bool,
    now: Timestamp,
) -> Result<(), MessageError> {
    let item = store
        .item(ItemRef::new(reference.mailbox, reference.item))
        .cloned()
        .ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    let Some(mut meeting) = item.meeting.clone().filter(|_| item.kind == Kind::CalendarItem) else {
        return Err(MessageError::with_text(
            ResponseCode::ErrorInvalidItemForOperationCancelItem,
            "The item is not a calendar item.",
        ));
    };
    if meeting.my_response != Response::Organizer {
        return Err(MessageError::new(ResponseCode::ErrorCalendarIsNotOrganizer));
    }
    let occurrence = reference.occurrence.and_then(|s| Timestamp::from_second(s).ok());
    meeting.sequence += 1;
    meeting.stamp = now;
    let mut subject = item.subject.clone();
    match occurrence {
        Some(original) => {
            let Some(instance) = series::instance_at(&meeting, original) else {
                return Err(MessageError::new(ResponseCode::ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange));
            };
            if instance.deleted {
                return Err(MessageError::new(ResponseCode::ErrorCalendarOccurrenceIsDeletedFromRecurrence));
            }
            if let Some(e) = meeting.exceptions.iter().find(|e| e.original_start == original) {
                subject = e.subject.clone().unwrap_or(subject);
            }
            if let Some(m) = store.item_mut(organizer, item.num).and_then(|i| i.meeting.as_mut()) {
                m.deleted.push(original);
                m.exceptions.retain(|e| e.original_start != original);
                m.sequence = meeting.sequence;
            }
            store.touch(organizer, item.num, super::model::Change::Update, now);
            meeting.start = instance.start;
            meeting.end = instance.end;
            meeting.recurrence = None;
            meeting.exceptions.clear();
            meeting.deleted.clear();
            meeting.recurrence_id = Some(original);
        }
        None => {
            if let Some(m) = store.item_mut(organizer, item.num).and_then(|i| i.meeting.as_mut()) {
                m.is_cancelled = true;
                m.sequence = meeting.sequence;
            }
            store.touch(organizer, item.num, super::model::Change::Update, now);
            store.move_item(organizer, item.num, Folder::DeletedItems);
            meeting.is_cancelled = true;
        }
    }
    if !send || !meeting.is_meeting {
        return Ok(());
    }
    let recipients: Vec<Person> = meeting.attendees().map(|a| a.person.clone()).collect();
    deliver_cancellations(store, &meeting, &subject, body.clone(), &recipients, now);
    if save_copy {
        let mut copy = cancellation_item(&meeting, &subject, body, Folder::SentItems, now);
        copy.is_read = true;
        copy.to = recipients;
        store.insert(organizer, copy);
    }
    Ok(())
}

fn cancellation_item(meeting: &Meeting, subject: &str, body: Option<Body>, folder: Folder, now: Timestamp) -> Item {
    let mut c = blank(Kind::MeetingCancellation, "IPM.Schedule.Meeting.Canceled", folder, now);
    c.subject = format!("Canceled: {subject}");
    c.body = body.unwrap_or(Body { html: true, text: String::new() });
    c.importance = "High".into();
    c.from = Some(meeting.organizer.clone());
    c.sent = Some(now);
    let mut m = meeting.clone();
    m.is_cancelled = true;
    m.free_busy = "Free".into();
    c.meeting = Some(m);
    c
}

/// Delivers meeting cancellations for `meeting` (whole, or the occurrence in `recurrence_id`).
pub fn deliver_cancellations(
    store: &mut Store,
    meeting: &Meeting,
    subject: &str,
    body: Option<Body>,
    recipients: &[Person],
    now: Timestamp,
) {
    for r in recipients {
        let Some(to) = store.mailbox_index(&r.email) else {
            continue;
        };
        let cal = find_calendar_item(store, to, &meeting.goid);
        if let Some(num) = cal {
            if let Some(item) = store.item_mut(to, num) {
                match (meeting.recurrence_id, item.meeting.as_mut()) {
                    (Some(original), Some(m)) => {
                        if !m.deleted.contains(&original) {
                            m.deleted.push(original);
                        }
                        m.exceptions.retain(|e| e.original_start != original);
                    }
                    (None, Some(m)) => {
                        m.is_cancelled = true;
                        m.sequence = meeting.sequence;
                        if !item.subject.starts_with("Canceled: ") {
                            item.subject = format!("Canceled: {}", item.subject);
                        }
                    }
                    _ => {}
                }
            }
            store.touch(to, num, super::model::Change::Update, now);
        }
        let mut c = cancellation_item(meeting, subject, body.clone(), Folder::Inbox, now);
        c.to = vec![r.clone()];
        c.message = Some(MeetingMessage {
            request_type: None,
            response: Response::NoResponseReceived,
            associated: cal,
            is_out_of_date: false,
            has_been_processed: true,
            intended_free_busy: "Free".into(),
        });
        store.insert(to, c);
    }
}

/// `RemoveItem` on a meeting cancellation: the attendee's cancelled calendar item and the
/// cancellation itself go to Deleted Items.
pub fn remove_cancelled(
    store: &mut Store,
    mailbox: u32,
    reference: ItemRef,
    now: Timestamp,
) -> Result<(), MessageError> {
    let item = store
        .item(ItemRef::new(reference.mailbox, reference.item))
        .cloned()
        .ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    if item.kind != Kind::MeetingCancellation {
        return Err(MessageError::with_text(
            ResponseCode::ErrorInvalidItemForOperationRemoveItem,
            "RemoveItem needs a meeting cancellation.",
        ));
    }
    if let Some(m) = &item.meeting
        && m.recurrence_id.is_none()
        && let Some(cal) = find_calendar_item(store, mailbox, &m.goid)
    {
        store.move_item(mailbox, cal, Folder::DeletedItems);
    }
    if let Some(x) = store.item_mut(mailbox, item.num).and_then(|i| i.message.as_mut()) {
        x.has_been_processed = true;
    }
    store.touch(mailbox, item.num, super::model::Change::Update, now);
    store.move_item(mailbox, item.num, Folder::DeletedItems);
    Ok(())
}

/// After the organizer changed meeting `num` (from `before`), sends what Exchange sends: updates
/// to remaining attendees, requests to added ones, cancellations to removed ones. `occurrence`
/// names the one occurrence changed, if only one was.
#[allow(clippy::too_many_arguments)]
pub fn send_update(
    store: &mut Store,
    organizer: u32,
    num: u64,
    before: &Meeting,
    before_subject: &str,
    mode: SendMode,
    occurrence: Option<Timestamp>,
    now: Timestamp,
) {
    let Some(after) = store.item(ItemRef::new(organizer, num)).and_then(|i| i.meeting.clone()) else {
        return;
    };
    let was: Vec<String> = before.attendees().map(|a| a.person.email.to_ascii_lowercase()).collect();
    let now_list: Vec<Person> = after.attendees().map(|a| a.person.clone()).collect();
    let removed: Vec<Person> = before
        .attendees()
        .filter(|a| !now_list.iter().any(|p| p.email.eq_ignore_ascii_case(&a.person.email)))
        .map(|a| a.person.clone())
        .collect();
    let added: Vec<Person> =
        now_list.iter().filter(|p| !was.contains(&p.email.to_ascii_lowercase())).cloned().collect();
    let kept: Vec<Person> = now_list.iter().filter(|p| was.contains(&p.email.to_ascii_lowercase())).cloned().collect();
    let time_changed = before.start != after.start
        || before.end != after.end
        || before.recurrence != after.recurrence
        || occurrence.is_some();
    let update_type =
        if time_changed || before.location != after.location { "FullUpdate" } else { "InformationalUpdate" };
    if let Some(item) = store.item_mut(organizer, num)
        && let Some(m) = item.meeting.as_mut()
    {
        m.sequence += 1;
        m.request_was_sent = true;
        m.is_meeting = m.is_meeting || !now_list.is_empty();
        if time_changed {
            for a in m.required.iter_mut().chain(m.optional.iter_mut()).chain(m.resources.iter_mut()) {
                a.response = Response::Unknown;
                a.last_response = None;
            }
        }
    }
    store.touch(organizer, num, super::model::Change::Update, now);
    let changed_only = matches!(mode, SendMode::Changed | SendMode::ChangedAndSaveCopy);
    if !changed_only || time_changed || before.location != after.location || before_subject.is_empty() {
        send_requests(store, organizer, num, &kept, update_type, occurrence, mode.saves_copy(), now);
    }
    if !added.is_empty() {
        send_requests(store, organizer, num, &added, "NewMeetingRequest", occurrence, false, now);
    }
    if !removed.is_empty() {
        let mut gone = after.clone();
        gone.stamp = now;
        deliver_cancellations(store, &gone, before_subject, None, &removed, now);
    }
}
