//! Writes items as `t:Message`, `t:CalendarItem`, `t:MeetingRequest`, `t:MeetingResponse` and
//! `t:MeetingCancellation`, with the properties a response shape asks for, in the element order of
//! types.xsd (`ItemType`, `MessageType`, `MeetingMessageType`, `CalendarItemType`, ...).
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/itemshape>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;

use super::model::{Attendee, Body, Item, ItemRef, Kind, Meeting, change_key, folder_id};
use super::series::{self, Instance};
pub use super::shape::{PSETID_MEETING, Shape, ext_key, read_shape};
use super::time;
use super::xml::Writer;
use crate::exchange::{DaySpec, Pattern, Person, Range, WeekIndex};

/// Which instance of a series an item is shown as (CalendarView results, occurrence ids).
#[derive(Debug, Clone)]
pub struct OccurrenceView {
    pub instance: Instance,
}

/// Writes one item as its EWS element.
pub fn write_item(w: &mut Writer, mailbox: u32, item: &Item, occ: Option<&OccurrenceView>, s: &Shape) {
    let tag = item.kind.element();
    w.open(tag);
    let r = ItemRef { mailbox, item: item.num, occurrence: occ.map(|o| o.instance.original_start.as_second()) };
    w.empty("t:ItemId", &[("Id", &r.encode()), ("ChangeKey", &change_key(item.change))]);
    if s.wants("item:ParentFolderId") {
        let id = folder_id(mailbox, item.folder);
        w.empty("t:ParentFolderId", &[("Id", &id), ("ChangeKey", "AQAAAA==")]);
    }
    if s.wants("item:ItemClass") {
        w.leaf("t:ItemClass", &item.class);
    }
    let exception = occ
        .and_then(|o| item.meeting.as_ref()?.exceptions.iter().find(|e| e.original_start == o.instance.original_start));
    if s.wants("item:Subject") {
        w.leaf("t:Subject", exception.and_then(|e| e.subject.as_deref()).unwrap_or(&item.subject));
    }
    if s.wants("item:Sensitivity") {
        w.leaf("t:Sensitivity", &item.sensitivity);
    }
    if s.wants("item:Body") {
        let body = exception.and_then(|e| e.body.as_ref()).unwrap_or(&item.body);
        write_body(w, body, s.body_html);
    }
    if s.wants("item:DateTimeReceived") {
        w.leaf("t:DateTimeReceived", &time::format(item.received));
    }
    if s.wants("item:Size") {
        w.leaf("t:Size", &(600 + item.subject.len() + item.body.text.len()).to_string());
    }
    if s.wants("item:Categories") && !item.categories.is_empty() {
        w.open("t:Categories");
        for c in &item.categories {
            w.leaf("t:String", c);
        }
        w.close("t:Categories");
    }
    if s.wants("item:Importance") {
        w.leaf("t:Importance", &item.importance);
    }
    let sent = item.sent.is_some();
    if s.wants("item:IsSubmitted") {
        w.bool("t:IsSubmitted", false);
    }
    if s.wants("item:IsDraft") {
        w.bool("t:IsDraft", false);
    }
    if s.wants("item:IsFromMe") {
        w.bool("t:IsFromMe", false);
    }
    if s.wants("item:IsResend") {
        w.bool("t:IsResend", false);
    }
    if s.wants("item:IsUnmodified") {
        w.bool("t:IsUnmodified", false);
    }
    if s.wants("item:DateTimeSent") && sent {
        w.leaf("t:DateTimeSent", &time::format(item.sent.unwrap_or(item.created)));
    }
    if s.wants("item:DateTimeCreated") {
        w.leaf("t:DateTimeCreated", &time::format(item.created));
    }
    if s.wants("item:ResponseObjects") {
        write_response_objects(w, item);
    }
    if s.wants("item:ReminderIsSet") {
        w.bool("t:ReminderIsSet", item.reminder_is_set);
    }
    if s.wants("item:ReminderMinutesBeforeStart") {
        w.leaf("t:ReminderMinutesBeforeStart", &item.reminder_minutes.to_string());
    }
    if s.wants("item:DisplayCc") {
        w.leaf("t:DisplayCc", &display(&item.cc));
    }
    if s.wants("item:DisplayTo") {
        w.leaf("t:DisplayTo", &display(&item.to));
    }
    if s.wants("item:HasAttachments") {
        w.bool("t:HasAttachments", false);
    }
    write_extended(w, item, s);
    if s.wants("item:Culture") {
        w.leaf("t:Culture", "en-US");
    }
    if s.wants("item:LastModifiedName") {
        w.leaf("t:LastModifiedName", item.from.as_ref().map_or("", |p| p.name.as_str()));
    }
    if s.wants("item:LastModifiedTime") {
        w.leaf("t:LastModifiedTime", &time::format(item.modified));
    }
    if s.wants("item:IsAssociated") {
        w.bool("t:IsAssociated", false);
    }
    match item.kind {
        Kind::CalendarItem => write_calendar(w, mailbox, item, occ, s),
        _ => write_message(w, mailbox, item, s),
    }
    w.close(tag);
}

fn write_body(w: &mut Writer, body: &Body, want_html: Option<bool>) {
    let html = want_html.unwrap_or(body.html);
    let text = match (html, body.html) {
        (true, false) => format!("<html><body>{}</body></html>", super::xml::escape(&body.text)),
        (false, true) => strip_html(&body.text),
        _ => body.text.clone(),
    };
    w.leaf_attrs("t:Body", &[("BodyType", if html { "HTML" } else { "Text" })], &text);
}

/// Text of an HTML body, as Exchange's Text body type gives it (tags dropped, entities decoded).
pub fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&nbsp;", " ").replace("&amp;", "&")
}

fn display(people: &[Person]) -> String {
    people
        .iter()
        .map(|p| if p.name.is_empty() { p.email.as_str() } else { p.name.as_str() })
        .collect::<Vec<_>>()
        .join("; ")
}

fn write_response_objects(w: &mut Writer, item: &Item) {
    let objects: &[&str] = match item.kind {
        Kind::MeetingRequest => &[
            "t:AcceptItem",
            "t:TentativelyAcceptItem",
            "t:DeclineItem",
            "t:ReplyToItem",
            "t:ReplyAllToItem",
            "t:ForwardItem",
        ],
        Kind::MeetingCancellation => &["t:RemoveItem", "t:ReplyToItem", "t:ReplyAllToItem", "t:ForwardItem"],
        Kind::CalendarItem => match &item.meeting {
            Some(m) if m.is_meeting && m.my_response == super::model::Response::Organizer => {
                &["t:CancelCalendarItem", "t:ForwardItem"]
            }
            Some(m) if m.is_meeting && m.is_cancelled => &["t:RemoveItem", "t:ForwardItem"],
            Some(m) if m.is_meeting => {
                &["t:AcceptItem", "t:TentativelyAcceptItem", "t:DeclineItem", "t:ReplyToItem", "t:ForwardItem"]
            }
            _ => &["t:ForwardItem"],
        },
        _ => &["t:ReplyToItem", "t:ReplyAllToItem", "t:ForwardItem"],
    };
    w.open("t:ResponseObjects");
    for o in objects {
        w.empty(o, &[]);
    }
    w.close("t:ResponseObjects");
}

fn write_extended(w: &mut Writer, item: &Item, s: &Shape) {
    for req in &s.extended {
        let value = if req.key.set == PSETID_MEETING && req.key.kind == "Binary" {
            let Some(m) = &item.meeting else { continue };
            match req.key.id.as_str() {
                "35" => Some(B64.encode(&m.goid)),
                "3" => Some(B64.encode(global_object_id(m))),
                _ => None,
            }
        } else {
            None
        };
        let stored = item.extended.iter().find(|e| e.key == req.key);
        if value.is_none() && stored.is_none() {
            continue;
        }
        w.open("t:ExtendedProperty");
        let attrs: Vec<(&str, &str)> = req.attrs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        w.empty("t:ExtendedFieldURI", &attrs);
        match (value, stored) {
            (Some(v), _) => w.leaf("t:Value", &v),
            (None, Some(e)) if e.multi => {
                w.open("t:Values");
                for v in &e.values {
                    w.leaf("t:Value", v);
                }
                w.close("t:Values");
            }
            (None, Some(e)) => w.leaf("t:Value", e.values.first().map_or("", String::as_str)),
            (None, None) => {}
        }
        w.close("t:ExtendedProperty");
    }
}

/// PidLidGlobalObjectId: the clean id with the instance date (YH YL M D at bytes 16..20) set for a
/// message about one occurrence (MS-OXOCAL 2.2.1.27).
pub fn global_object_id(m: &Meeting) -> Vec<u8> {
    let mut goid = m.goid.clone();
    if let (Some(rid), true) = (m.recurrence_id, goid.len() >= 20) {
        let date = rid.to_zoned(series::zone(m)).date();
        let year = date.year() as u16;
        goid[16] = (year >> 8) as u8;
        goid[17] = (year & 0xff) as u8;
        goid[18] = date.month() as u8;
        goid[19] = date.day() as u8;
    }
    goid
}

fn mailbox_el(w: &mut Writer, p: &Person) {
    w.open("t:Mailbox");
    w.leaf("t:Name", if p.name.is_empty() { &p.email } else { &p.name });
    w.leaf("t:EmailAddress", &p.email);
    w.leaf("t:RoutingType", "SMTP");
    w.leaf("t:MailboxType", "Mailbox");
    w.close("t:Mailbox");
}

fn single(w: &mut Writer, tag: &str, p: &Person) {
    w.open(tag);
    mailbox_el(w, p);
    w.close(tag);
}

fn recipients(w: &mut Writer, tag: &str, people: &[Person]) {
    if people.is_empty() {
        return;
    }
    w.open(tag);
    for p in people {
        mailbox_el(w, p);
    }
    w.close(tag);
}

fn attendees(w: &mut Writer, tag: &str, list: &[Attendee]) {
    if list.is_empty() {
        return;
    }
    w.open(tag);
    for a in list {
        w.open("t:Attendee");
        mailbox_el(w, &a.person);
        w.leaf("t:ResponseType", a.response.as_str());
        if let Some(t) = a.last_response {
            w.leaf("t:LastResponseTime", &time::format(t));
        }
        w.close("t:Attendee");
    }
    w.close(tag);
}

fn write_message(w: &mut Writer, mailbox: u32, item: &Item, s: &Shape) {
    if let Some(from) = &item.from
        && s.wants("message:Sender")
    {
        single(w, "t:Sender", from);
    }
    if s.wants("message:ToRecipients") {
        recipients(w, "t:ToRecipients", &item.to);
    }
    if s.wants("message:CcRecipients") {
        recipients(w, "t:CcRecipients", &item.cc);
    }
    if s.wants("message:IsReadReceiptRequested") {
        w.bool("t:IsReadReceiptRequested", false);
    }
    if s.wants("message:IsDeliveryReceiptRequested") {
        w.bool("t:IsDeliveryReceiptRequested", false);
    }
    if s.wants("message:ConversationTopic") {
        w.leaf("t:ConversationTopic", &item.subject);
    }
    if let Some(from) = &item.from
        && s.wants("message:From")
    {
        single(w, "t:From", from);
    }
    if s.wants("message:InternetMessageId") {
        w.leaf("t:InternetMessageId", &item.internet_message_id);
    }
    if s.wants("message:IsRead") {
        w.bool("t:IsRead", item.is_read);
    }
    if s.wants("message:IsResponseRequested") {
        w.bool("t:IsResponseRequested", item.kind == Kind::MeetingRequest);
    }
    if let Some(first) = item.to.first()
        && item.kind != Kind::Message
    {
        if s.wants("message:ReceivedBy") {
            single(w, "t:ReceivedBy", first);
        }
        if s.wants("message:ReceivedRepresenting") {
            single(w, "t:ReceivedRepresenting", first);
        }
    }
    let (Some(mm), Some(m)) = (&item.message, &item.meeting) else {
        return;
    };
    if let Some(cal) = mm.associated
        && s.wants("meeting:AssociatedCalendarItemId")
    {
        let id = ItemRef::new(mailbox, cal).encode();
        w.empty("t:AssociatedCalendarItemId", &[("Id", &id), ("ChangeKey", &change_key(item.change))]);
    }
    if s.wants("meeting:IsDelegated") {
        w.bool("t:IsDelegated", false);
    }
    if s.wants("meeting:IsOutOfDate") {
        w.bool("t:IsOutOfDate", mm.is_out_of_date);
    }
    if s.wants("meeting:HasBeenProcessed") {
        w.bool("t:HasBeenProcessed", mm.has_been_processed);
    }
    if s.wants("meeting:ResponseType") {
        w.leaf("t:ResponseType", mm.response.as_str());
    }
    if s.wants("calendar:UID") {
        w.leaf("t:UID", &m.uid());
    }
    if let Some(rid) = m.recurrence_id
        && s.wants("calendar:RecurrenceId")
    {
        w.leaf("t:RecurrenceId", &time::format(rid));
    }
    if s.wants("calendar:DateTimeStamp") {
        w.leaf("t:DateTimeStamp", &time::format(m.stamp));
    }
    if s.wants("calendar:IsOrganizer") {
        w.bool("t:IsOrganizer", false);
    }
    let item_type = match (m.recurrence_id, &m.recurrence) {
        (Some(_), _) if item.kind == Kind::MeetingRequest => "Exception",
        (Some(_), _) => "Occurrence",
        (None, Some(_)) => "RecurringMaster",
        (None, None) => "Single",
    };
    match item.kind {
        Kind::MeetingRequest => {
            if s.wants("meetingRequest:MeetingRequestType") {
                w.leaf("t:MeetingRequestType", mm.request_type.unwrap_or("None"));
            }
            if s.wants("meetingRequest:IntendedFreeBusyStatus") {
                w.leaf("t:IntendedFreeBusyStatus", &mm.intended_free_busy);
            }
            let view = CalView { mailbox, item, m, occ: None, item_type, attendee_copy: true };
            write_calendar_fields(w, &view, s, false);
        }
        Kind::MeetingResponse | Kind::MeetingCancellation => {
            if s.wants("calendar:Start") {
                w.leaf("t:Start", &time::format(m.start));
            }
            if s.wants("calendar:End") {
                w.leaf("t:End", &time::format(m.end));
            }
            if s.wants("calendar:Location") {
                w.leaf("t:Location", &m.location);
            }
            if let Some(r) = &m.recurrence
                && s.wants("calendar:Recurrence")
                && m.recurrence_id.is_none()
            {
                write_recurrence(w, r, m);
            }
            if s.wants("calendar:CalendarItemType") {
                w.leaf("t:CalendarItemType", item_type);
            }
        }
        _ => {}
    }
}

struct CalView<'a> {
    mailbox: u32,
    item: &'a Item,
    m: &'a Meeting,
    occ: Option<&'a OccurrenceView>,
    item_type: &'a str,
    attendee_copy: bool,
}

fn write_calendar(w: &mut Writer, mailbox: u32, item: &Item, occ: Option<&OccurrenceView>, s: &Shape) {
    let Some(m) = &item.meeting else {
        return;
    };
    let item_type = match (occ, &m.recurrence) {
        (Some(o), _) if o.instance.modified => "Exception",
        (Some(_), _) => "Occurrence",
        (None, Some(_)) => "RecurringMaster",
        (None, None) => "Single",
    };
    if s.wants("calendar:UID") {
        w.leaf("t:UID", &m.uid());
    }
    if let Some(o) = occ
        && s.wants("calendar:RecurrenceId")
    {
        w.leaf("t:RecurrenceId", &time::format(o.instance.original_start));
    }
    if s.wants("calendar:DateTimeStamp") {
        w.leaf("t:DateTimeStamp", &time::format(m.stamp));
    }
    let attendee_copy = m.my_response != super::model::Response::Organizer;
    write_calendar_fields(w, &CalView { mailbox, item, m, occ, item_type, attendee_copy }, s, true);
}

/// The calendar fields shared by `CalendarItemType` and `MeetingRequestMessageType`, from `Start`
/// to `EndTimeZone`; `calendar_item` adds the fields only calendar items have.
fn write_calendar_fields(w: &mut Writer, v: &CalView<'_>, s: &Shape, calendar_item: bool) {
    let m = v.m;
    let (start, end) = match v.occ {
        Some(o) => (o.instance.start, o.instance.end),
        None => (m.start, m.end),
    };
    if s.wants("calendar:Start") {
        w.leaf("t:Start", &time::format(start));
    }
    if s.wants("calendar:End") {
        w.leaf("t:End", &time::format(end));
    }
    if let Some(o) = v.occ
        && s.wants("calendar:OriginalStart")
    {
        w.leaf("t:OriginalStart", &time::format(o.instance.original_start));
    }
    if s.wants("calendar:IsAllDayEvent") {
        w.bool("t:IsAllDayEvent", m.all_day);
    }
    if s.wants("calendar:LegacyFreeBusyStatus") {
        w.leaf("t:LegacyFreeBusyStatus", &m.free_busy);
    }
    if s.wants("calendar:Location") {
        let exception = v.occ.and_then(|o| m.exceptions.iter().find(|e| e.original_start == o.instance.original_start));
        w.leaf("t:Location", exception.and_then(|e| e.location.as_deref()).unwrap_or(&m.location));
    }
    if s.wants("calendar:IsMeeting") {
        w.bool("t:IsMeeting", m.is_meeting);
    }
    if s.wants("calendar:IsCancelled") {
        w.bool("t:IsCancelled", m.is_cancelled);
    }
    if s.wants("calendar:IsRecurring") {
        w.bool("t:IsRecurring", m.recurrence.is_some() || m.recurrence_id.is_some());
    }
    if s.wants("calendar:MeetingRequestWasSent") {
        w.bool("t:MeetingRequestWasSent", m.request_was_sent);
    }
    if calendar_item && s.wants("calendar:IsResponseRequested") {
        w.bool("t:IsResponseRequested", m.is_meeting);
    }
    if s.wants("calendar:CalendarItemType") {
        w.leaf("t:CalendarItemType", v.item_type);
    }
    if s.wants("calendar:MyResponseType") {
        w.leaf("t:MyResponseType", m.my_response.as_str());
    }
    if s.wants("calendar:Organizer") && m.is_meeting {
        single(w, "t:Organizer", &m.organizer);
    }
    if s.wants("calendar:RequiredAttendees") {
        attendees(w, "t:RequiredAttendees", &m.required);
    }
    if s.wants("calendar:OptionalAttendees") {
        attendees(w, "t:OptionalAttendees", &m.optional);
    }
    if s.wants("calendar:Resources") {
        attendees(w, "t:Resources", &m.resources);
    }
    if s.wants("calendar:ConflictingMeetingCount") {
        w.leaf("t:ConflictingMeetingCount", "0");
    }
    if s.wants("calendar:AdjacentMeetingCount") {
        w.leaf("t:AdjacentMeetingCount", "0");
    }
    if s.wants("calendar:Duration") {
        w.leaf("t:Duration", &time::duration(start, end));
    }
    if let Some(t) = m.reply_time
        && s.wants("calendar:AppointmentReplyTime")
    {
        w.leaf("t:AppointmentReplyTime", &time::format(t));
    }
    if s.wants("calendar:AppointmentSequenceNumber") {
        w.leaf("t:AppointmentSequenceNumber", &m.sequence.to_string());
    }
    if s.wants("calendar:AppointmentState") {
        let state = match (m.is_meeting, v.attendee_copy) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 3,
        } + if m.is_cancelled { 4 } else { 0 };
        w.leaf("t:AppointmentState", &state.to_string());
    }
    let master = v.occ.is_none() && m.recurrence_id.is_none();
    if let (Some(r), true) = (&m.recurrence, master) {
        if s.wants("calendar:Recurrence") {
            write_recurrence(w, r, m);
        }
        let all = series::instances(m);
        let live: Vec<&Instance> = all.iter().filter(|i| !i.deleted).collect();
        if let Some(first) = live.first()
            && s.wants("calendar:FirstOccurrence")
        {
            occurrence_info(w, "t:FirstOccurrence", v, first);
        }
        if let Some(last) = live.last()
            && s.wants("calendar:LastOccurrence")
        {
            occurrence_info(w, "t:LastOccurrence", v, last);
        }
        let modified: Vec<&&Instance> = live.iter().filter(|i| i.modified).collect();
        if !modified.is_empty() && s.wants("calendar:ModifiedOccurrences") {
            w.open("t:ModifiedOccurrences");
            for i in modified {
                occurrence_info(w, "t:Occurrence", v, i);
            }
            w.close("t:ModifiedOccurrences");
        }
        if !m.deleted.is_empty() && s.wants("calendar:DeletedOccurrences") {
            w.open("t:DeletedOccurrences");
            for d in &m.deleted {
                w.open("t:DeletedOccurrence");
                w.leaf("t:Start", &time::format(*d));
                w.close("t:DeletedOccurrence");
            }
            w.close("t:DeletedOccurrences");
        }
    }
    if let Some(tz) = &m.start_tz
        && s.wants("calendar:StartTimeZone")
    {
        w.empty("t:StartTimeZone", &[("Id", tz)]);
    }
    if let Some(tz) = m.end_tz.as_ref().or(m.start_tz.as_ref())
        && s.wants("calendar:EndTimeZone")
    {
        w.empty("t:EndTimeZone", &[("Id", tz)]);
    }
    if s.wants("calendar:AllowNewTimeProposal") {
        w.bool("t:AllowNewTimeProposal", true);
    }
    if calendar_item && s.wants("calendar:IsOrganizer") {
        w.bool("t:IsOrganizer", !v.attendee_copy);
    }
}

fn occurrence_info(w: &mut Writer, tag: &str, v: &CalView<'_>, i: &Instance) {
    w.open(tag);
    let id = ItemRef { mailbox: v.mailbox, item: v.item.num, occurrence: Some(i.original_start.as_second()) };
    w.empty("t:ItemId", &[("Id", &id.encode()), ("ChangeKey", &change_key(v.item.change))]);
    w.leaf("t:Start", &time::format(i.start));
    w.leaf("t:End", &time::format(i.end));
    w.leaf("t:OriginalStart", &time::format(i.original_start));
    w.close(tag);
}

/// `t:Recurrence` with its pattern and range; dates carry the zone offset as Exchange writes them.
pub fn write_recurrence(w: &mut Writer, r: &crate::exchange::Recurrence, m: &Meeting) {
    let zone = series::zone(m);
    w.open("t:Recurrence");
    match &r.pattern {
        Pattern::Daily { interval } => {
            w.open("t:DailyRecurrence");
            w.leaf("t:Interval", &interval.to_string());
            w.close("t:DailyRecurrence");
        }
        Pattern::Weekly { interval, days, first_day_of_week } => {
            w.open("t:WeeklyRecurrence");
            w.leaf("t:Interval", &interval.to_string());
            let names: Vec<&str> = days.iter().map(|d| time::day_name(*d)).collect();
            w.leaf("t:DaysOfWeek", &names.join(" "));
            w.leaf("t:FirstDayOfWeek", time::day_name(*first_day_of_week));
            w.close("t:WeeklyRecurrence");
        }
        Pattern::AbsoluteMonthly { interval, day_of_month } => {
            w.open("t:AbsoluteMonthlyRecurrence");
            w.leaf("t:Interval", &interval.to_string());
            w.leaf("t:DayOfMonth", &day_of_month.to_string());
            w.close("t:AbsoluteMonthlyRecurrence");
        }
        Pattern::RelativeMonthly { interval, days, index } => {
            w.open("t:RelativeMonthlyRecurrence");
            w.leaf("t:Interval", &interval.to_string());
            w.leaf("t:DaysOfWeek", day_spec(*days));
            w.leaf("t:DayOfWeekIndex", week_index(*index));
            w.close("t:RelativeMonthlyRecurrence");
        }
        Pattern::AbsoluteYearly { month, day_of_month } => {
            w.open("t:AbsoluteYearlyRecurrence");
            w.leaf("t:DayOfMonth", &day_of_month.to_string());
            w.leaf("t:Month", month_name(*month));
            w.close("t:AbsoluteYearlyRecurrence");
        }
        Pattern::RelativeYearly { month, days, index } => {
            w.open("t:RelativeYearlyRecurrence");
            w.leaf("t:DaysOfWeek", day_spec(*days));
            w.leaf("t:DayOfWeekIndex", week_index(*index));
            w.leaf("t:Month", month_name(*month));
            w.close("t:RelativeYearlyRecurrence");
        }
    }
    match r.range {
        Range::NoEnd { start } => {
            w.open("t:NoEndRecurrence");
            w.leaf("t:StartDate", &time::format_date(start, &zone));
            w.close("t:NoEndRecurrence");
        }
        Range::EndDate { start, end } => {
            w.open("t:EndDateRecurrence");
            w.leaf("t:StartDate", &time::format_date(start, &zone));
            w.leaf("t:EndDate", &time::format_date(end, &zone));
            w.close("t:EndDateRecurrence");
        }
        Range::Numbered { start, count } => {
            w.open("t:NumberedRecurrence");
            w.leaf("t:StartDate", &time::format_date(start, &zone));
            w.leaf("t:NumberOfOccurrences", &count.to_string());
            w.close("t:NumberedRecurrence");
        }
    }
    w.close("t:Recurrence");
}

pub fn day_spec(d: DaySpec) -> &'static str {
    match d {
        DaySpec::Day(d) => time::day_name(d),
        DaySpec::AnyDay => "Day",
        DaySpec::Weekday => "Weekday",
        DaySpec::WeekendDay => "WeekendDay",
    }
}

pub fn week_index(i: WeekIndex) -> &'static str {
    match i {
        WeekIndex::First => "First",
        WeekIndex::Second => "Second",
        WeekIndex::Third => "Third",
        WeekIndex::Fourth => "Fourth",
        WeekIndex::Last => "Last",
    }
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(m: u8) -> &'static str {
    MONTHS.get((m as usize).saturating_sub(1)).copied().unwrap_or("January")
}

/// The instant to sort and filter an item by in views: its start (calendar) or receipt.
pub fn start_or_received(item: &Item) -> Timestamp {
    item.meeting.as_ref().map_or(item.received, |m| m.start)
}
