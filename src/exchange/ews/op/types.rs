//! Element types shared by the operations (types.xsd): item and folder ids, mailboxes, bodies,
//! property paths, and the read side of items — one [`EwsItem`] for every item element, with only the
//! properties the client asks for. Operation files use these and never each other.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::values::{parse_bool, parse_date, parse_datetime, parse_u32, shorten};
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{
    DayOfWeek, DaySpec, ExchangeError, ItemId, Occurrence, Pattern, Person, Range, Recurrence, WeekIndex,
};

/// How to read values whose meaning depends on the request: naive date-times are local to the
/// `TimeZoneContext` the request carried (UTC when it carried none).
#[derive(Debug, Clone)]
pub struct ParseContext {
    pub zone: TimeZone,
}

impl Default for ParseContext {
    fn default() -> ParseContext {
        ParseContext { zone: TimeZone::UTC }
    }
}

/// A `Malformed` error naming the element path and what is wrong there.
pub fn malformed(path: &str, what: impl std::fmt::Display) -> ExchangeError {
    ExchangeError::Malformed { detail: format!("{path}: {what}") }
}

/// Writes an `ItemIdType` element (`ItemId`, `ReferenceItemId`, …): `Id` and, when known, `ChangeKey`.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/itemid>
pub fn write_item_id(w: &mut XmlWriter, tag: &str, id: &ItemId) {
    if id.change_key.is_empty() {
        w.empty(tag, &[("Id", &id.id)]);
    } else {
        w.empty(tag, &[("Id", &id.id), ("ChangeKey", &id.change_key)]);
    }
}

/// Reads an `ItemIdType` element; `Id` is required, a missing `ChangeKey` reads as "".
pub fn read_item_id(e: &Element, path: &str) -> Result<ItemId, ExchangeError> {
    let id = e.attr("Id").filter(|id| !id.is_empty()).ok_or_else(|| malformed(path, "no Id attribute"))?;
    Ok(ItemId { id: id.to_owned(), change_key: e.attr("ChangeKey").unwrap_or("").to_owned() })
}

/// A well-known folder (`DistinguishedFolderIdNameType`) of a given mailbox.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/distinguishedfolderid>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedFolder {
    /// `inbox`, `calendar`, `sentitems`, …
    pub id: &'static str,
    /// The SMTP address of the mailbox the folder belongs to (`DistinguishedFolderId/Mailbox`).
    pub mailbox: Option<String>,
}

impl DistinguishedFolder {
    pub fn write(&self, w: &mut XmlWriter) {
        match &self.mailbox {
            None => w.empty("t:DistinguishedFolderId", &[("Id", self.id)]),
            Some(smtp) => {
                w.open("t:DistinguishedFolderId", &[("Id", self.id)]);
                w.open("t:Mailbox", &[]);
                w.leaf("t:EmailAddress", &[], smtp);
                w.close();
                w.close();
            }
        }
    }
}

/// A property path (`BasePathToElementType`): a schema property or a MAPI extended property.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/additionalproperties>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyPath {
    /// `FieldURI`, e.g. `calendar:UID`.
    Field(&'static str),
    /// `ExtendedFieldURI` of a named property in a well-known property set.
    Extended(ExtendedProperty),
}

impl PropertyPath {
    pub fn write(&self, w: &mut XmlWriter) {
        match self {
            PropertyPath::Field(uri) => w.empty("t:FieldURI", &[("FieldURI", uri)]),
            PropertyPath::Extended(p) => p.write(w),
        }
    }
}

/// A MAPI named property addressed by distinguished property set and numeric id.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/extendedfielduri>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedProperty {
    /// `DistinguishedPropertySetId`: `Meeting`, `Appointment`, …
    pub set: &'static str,
    /// The set's GUID, as Exchange may echo it back in `PropertySetId` instead of the name.
    pub set_guid: &'static str,
    pub id: u32,
    /// `PropertyType`: `Binary`, `Integer`, …
    pub kind: &'static str,
}

/// `PidLidCleanGlobalObjectId`: the meeting's GlobalObjectId with the instance date zeroed, identical for
/// a series, its occurrences and exceptions in every attendee's mailbox (MS-OXPROPS 2.57).
pub const CLEAN_GLOBAL_OBJECT_ID: ExtendedProperty =
    ExtendedProperty { set: "Meeting", set_guid: "6ED8DA90-450B-101B-98DA-00AA003F1305", id: 0x23, kind: "Binary" };

/// `PidLidAppointmentSequence`: the meeting's sequence number, also on cancellations, whose EWS
/// element set has no `AppointmentSequenceNumber` (MS-OXPROPS 2.11).
pub const APPOINTMENT_SEQUENCE: ExtendedProperty = ExtendedProperty {
    set: "Appointment",
    set_guid: "00062002-0000-0000-C000-000000000046",
    id: 0x8201,
    kind: "Integer",
};

impl ExtendedProperty {
    pub fn write(&self, w: &mut XmlWriter) {
        let id = self.id.to_string();
        w.empty(
            "t:ExtendedFieldURI",
            &[("DistinguishedPropertySetId", self.set), ("PropertyId", &id), ("PropertyType", self.kind)],
        );
    }

    /// Whether an `ExtendedFieldURI` element names this property (by set name or GUID).
    fn matches(&self, e: &Element) -> bool {
        let set_ok = e.attr("DistinguishedPropertySetId") == Some(self.set)
            || e.attr("PropertySetId").is_some_and(|g| g.eq_ignore_ascii_case(self.set_guid));
        let id_ok = e.attr("PropertyId").and_then(|v| parse_u32(v).ok()) == Some(self.id);
        set_ok && id_ok
    }
}

/// `BodyType` of an item body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Html,
    Text,
}

impl BodyType {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyType::Html => "HTML",
            BodyType::Text => "Text",
        }
    }
}

/// Which item element a change or an answer carried (`t:MeetingRequest`, `t:CalendarItem`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    MeetingRequest,
    MeetingCancellation,
    MeetingResponse,
    MeetingMessage,
    CalendarItem,
    Message,
    /// Any other item element (contacts, tasks, posts, …), by its local name.
    Other(String),
}

impl ItemKind {
    pub fn from_element(name: &str) -> ItemKind {
        match name {
            "MeetingRequest" => ItemKind::MeetingRequest,
            "MeetingCancellation" => ItemKind::MeetingCancellation,
            "MeetingResponse" => ItemKind::MeetingResponse,
            "MeetingMessage" => ItemKind::MeetingMessage,
            "CalendarItem" => ItemKind::CalendarItem,
            "Message" => ItemKind::Message,
            other => ItemKind::Other(other.to_owned()),
        }
    }
}

/// One item as read from an answer: only the properties the client uses, each `None` when Exchange
/// did not send it. Properties of nested elements (`ConflictingMeetings/CalendarItem/Start`) are not
/// mistaken for the item's own.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/meetingrequest>
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EwsItem {
    pub kind: Option<ItemKind>,
    pub id: Option<ItemId>,
    /// The folder holding the item (`item:ParentFolderId`).
    pub parent_folder_id: Option<String>,
    pub item_class: Option<String>,
    pub subject: Option<String>,
    pub body: Option<(BodyType, String)>,
    pub sender: Option<Person>,
    pub from: Option<Person>,
    pub organizer: Option<Person>,
    pub associated_calendar_item_id: Option<ItemId>,
    pub is_out_of_date: Option<bool>,
    pub uid: Option<String>,
    pub recurrence_id: Option<Timestamp>,
    pub meeting_request_type: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub is_all_day: Option<bool>,
    pub is_cancelled: Option<bool>,
    pub location: Option<String>,
    pub calendar_item_type: Option<String>,
    pub sequence: Option<u32>,
    pub recurrence: Option<Recurrence>,
    pub modified_occurrences: Option<Vec<Occurrence>>,
    pub deleted_occurrences: Option<Vec<Timestamp>>,
    pub start_time_zone: Option<String>,
    /// `PidLidCleanGlobalObjectId`, base64 as EWS sends binary values.
    pub clean_global_object_id: Option<String>,
    /// `PidLidAppointmentSequence`.
    pub appointment_sequence: Option<u32>,
}

impl EwsItem {
    /// Reads an item element (`t:MeetingRequest`, `t:CalendarItem`, …) at `path`.
    pub fn read(e: &Element, path: &str, ctx: &ParseContext) -> Result<EwsItem, ExchangeError> {
        let mut item = EwsItem { kind: Some(ItemKind::from_element(&e.name)), ..EwsItem::default() };
        for child in e.children.iter().filter(|c| c.ns == Ns::Types) {
            let p = || format!("{path}/{}", child.name);
            let text = child.text.as_str();
            let dt = |t: &str| parse_datetime(t, &ctx.zone).map_err(|why| malformed(&p(), why));
            let flag = |t: &str| parse_bool(t).map_err(|why| malformed(&p(), why));
            match child.name.as_str() {
                "ItemId" => item.id = Some(read_item_id(child, &p())?),
                "ParentFolderId" => item.parent_folder_id = Some(read_item_id(child, &p())?.id),
                "ItemClass" => item.item_class = Some(text.to_owned()),
                "Subject" => item.subject = Some(text.to_owned()),
                "Body" => {
                    let kind = match child.attr("BodyType") {
                        Some("HTML") => BodyType::Html,
                        Some("Text") | None => BodyType::Text,
                        Some(other) => {
                            return Err(malformed(&p(), format_args!("unknown BodyType \"{}\"", shorten(other))));
                        }
                    };
                    item.body = Some((kind, text.to_owned()));
                }
                "Sender" => item.sender = read_single_recipient(child, &p())?,
                "From" => item.from = read_single_recipient(child, &p())?,
                "Organizer" => item.organizer = read_single_recipient(child, &p())?,
                "AssociatedCalendarItemId" => item.associated_calendar_item_id = Some(read_item_id(child, &p())?),
                "IsOutOfDate" => item.is_out_of_date = Some(flag(text)?),
                "UID" => item.uid = Some(text.trim().to_owned()),
                "RecurrenceId" => item.recurrence_id = Some(dt(text)?),
                "MeetingRequestType" => item.meeting_request_type = Some(text.trim().to_owned()),
                "Start" => item.start = Some(dt(text)?),
                "End" => item.end = Some(dt(text)?),
                "IsAllDayEvent" => item.is_all_day = Some(flag(text)?),
                "IsCancelled" => item.is_cancelled = Some(flag(text)?),
                "Location" => item.location = Some(text.to_owned()),
                "CalendarItemType" => item.calendar_item_type = Some(text.trim().to_owned()),
                "AppointmentSequenceNumber" => {
                    item.sequence = Some(parse_u32(text).map_err(|why| malformed(&p(), why))?);
                }
                "Recurrence" => item.recurrence = Some(read_recurrence(child, &p())?),
                "ModifiedOccurrences" => {
                    let mut list = Vec::new();
                    for (i, occ) in child.children_named(Ns::Types, "Occurrence").enumerate() {
                        let op = format!("{}/Occurrence[{}]", p(), i + 1);
                        let get = |name: &str| {
                            let t = occ
                                .child_text(Ns::Types, name)
                                .ok_or_else(|| malformed(&op, format_args!("no {name}")))?;
                            parse_datetime(t, &ctx.zone).map_err(|why| malformed(&format!("{op}/{name}"), why))
                        };
                        list.push(Occurrence {
                            original_start: get("OriginalStart")?,
                            start: get("Start")?,
                            end: get("End")?,
                        });
                    }
                    item.modified_occurrences = Some(list);
                }
                "DeletedOccurrences" => {
                    let mut list = Vec::new();
                    for (i, occ) in child.children_named(Ns::Types, "DeletedOccurrence").enumerate() {
                        let op = format!("{}/DeletedOccurrence[{}]/Start", p(), i + 1);
                        let t = occ.child_text(Ns::Types, "Start").ok_or_else(|| malformed(&op, "missing"))?;
                        list.push(parse_datetime(t, &ctx.zone).map_err(|why| malformed(&op, why))?);
                    }
                    item.deleted_occurrences = Some(list);
                }
                "StartTimeZone" => item.start_time_zone = child.attr("Id").map(str::to_owned),
                "ExtendedProperty" => read_extended(&mut item, child, &p())?,
                _ => {}
            }
        }
        Ok(item)
    }
}

fn read_extended(item: &mut EwsItem, e: &Element, path: &str) -> Result<(), ExchangeError> {
    let Some(uri) = e.child(Ns::Types, "ExtendedFieldURI") else { return Ok(()) };
    let value = e.child_text(Ns::Types, "Value").unwrap_or("").trim();
    if CLEAN_GLOBAL_OBJECT_ID.matches(uri) {
        item.clean_global_object_id = Some(value.to_owned());
    } else if APPOINTMENT_SEQUENCE.matches(uri) {
        let n = value
            .parse::<i64>()
            .map_err(|_| malformed(path, format_args!("\"{}\" is not an integer", shorten(value))))?;
        item.appointment_sequence = Some(u32::try_from(n.max(0)).unwrap_or(u32::MAX));
    }
    Ok(())
}

/// Reads a `SingleRecipientType` (`Sender`, `From`, `Organizer`): its `Mailbox` name and address.
fn read_single_recipient(e: &Element, path: &str) -> Result<Option<Person>, ExchangeError> {
    let Some(mailbox) = e.child(Ns::Types, "Mailbox") else { return Ok(None) };
    let email = mailbox.child_text(Ns::Types, "EmailAddress").unwrap_or("").trim();
    let name = mailbox.child_text(Ns::Types, "Name").unwrap_or("").trim();
    if email.is_empty() && name.is_empty() {
        return Err(malformed(path, "a Mailbox with neither Name nor EmailAddress"));
    }
    Ok(Some(Person { name: name.to_owned(), email: email.to_owned() }))
}

/// Reads a `RecurrenceType`: one pattern element, then one range element.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/recurrence-recurrencetype>
pub fn read_recurrence(e: &Element, path: &str) -> Result<Recurrence, ExchangeError> {
    let mut pattern = None;
    let mut range = None;
    for child in e.children.iter().filter(|c| c.ns == Ns::Types) {
        let p = format!("{path}/{}", child.name);
        match child.name.as_str() {
            "DailyRecurrence"
            | "WeeklyRecurrence"
            | "AbsoluteMonthlyRecurrence"
            | "RelativeMonthlyRecurrence"
            | "AbsoluteYearlyRecurrence"
            | "RelativeYearlyRecurrence" => pattern = Some(read_pattern(child, &p)?),
            "NoEndRecurrence" | "EndDateRecurrence" | "NumberedRecurrence" => range = Some(read_range(child, &p)?),
            other => return Err(malformed(&p, format_args!("{other} is not a calendar recurrence"))),
        }
    }
    match (pattern, range) {
        (Some(pattern), Some(range)) => Ok(Recurrence { pattern, range }),
        (None, _) => Err(malformed(path, "no recurrence pattern")),
        (_, None) => Err(malformed(path, "no recurrence range")),
    }
}

fn read_pattern(e: &Element, path: &str) -> Result<Pattern, ExchangeError> {
    let field = |name: &str| e.child_text(Ns::Types, name).ok_or_else(|| malformed(path, format_args!("no {name}")));
    let number = |name: &str| parse_u32(field(name)?).map_err(|why| malformed(&format!("{path}/{name}"), why));
    let interval = || {
        let n = number("Interval")?;
        if n == 0 { Err(malformed(&format!("{path}/Interval"), "must be at least 1")) } else { Ok(n) }
    };
    let day_of_month = || {
        let n = number("DayOfMonth")?;
        u8::try_from(n)
            .ok()
            .filter(|d| (1..=31).contains(d))
            .ok_or_else(|| malformed(&format!("{path}/DayOfMonth"), "must be 1 to 31"))
    };
    let month = || {
        let t = field("Month")?;
        month_number(t.trim())
            .ok_or_else(|| malformed(&format!("{path}/Month"), format_args!("\"{}\" is not a month", shorten(t))))
    };
    let days = || {
        let t = field("DaysOfWeek")?;
        day_spec(t.trim())
            .ok_or_else(|| malformed(&format!("{path}/DaysOfWeek"), format_args!("\"{}\" is not one day", shorten(t))))
    };
    let index = || {
        let t = field("DayOfWeekIndex")?;
        week_index(t.trim()).ok_or_else(|| {
            malformed(&format!("{path}/DayOfWeekIndex"), format_args!("\"{}\" is not a week index", shorten(t)))
        })
    };
    Ok(match e.name.as_str() {
        "DailyRecurrence" => Pattern::Daily { interval: interval()? },
        "WeeklyRecurrence" => {
            let list = field("DaysOfWeek")?;
            let mut days = Vec::new();
            for word in list.split_whitespace() {
                let spec = day_spec(word).ok_or_else(|| {
                    malformed(&format!("{path}/DaysOfWeek"), format_args!("\"{}\" is not a day", shorten(word)))
                })?;
                for d in expand(spec) {
                    if !days.contains(&d) {
                        days.push(d);
                    }
                }
            }
            if days.is_empty() {
                return Err(malformed(&format!("{path}/DaysOfWeek"), "no day"));
            }
            // MAPI's default first day of the week is Sunday (MS-OXOCAL FirstDOW = 0).
            let first = match e.child_text(Ns::Types, "FirstDayOfWeek") {
                None => DayOfWeek::Sunday,
                Some(t) => match day_spec(t.trim()) {
                    Some(DaySpec::Day(d)) => d,
                    _ => {
                        return Err(malformed(
                            &format!("{path}/FirstDayOfWeek"),
                            format_args!("\"{}\" is not a day", shorten(t)),
                        ));
                    }
                },
            };
            Pattern::Weekly { interval: interval()?, days, first_day_of_week: first }
        }
        "AbsoluteMonthlyRecurrence" => {
            Pattern::AbsoluteMonthly { interval: interval()?, day_of_month: day_of_month()? }
        }
        "RelativeMonthlyRecurrence" => {
            Pattern::RelativeMonthly { interval: interval()?, days: days()?, index: index()? }
        }
        "AbsoluteYearlyRecurrence" => Pattern::AbsoluteYearly { month: month()?, day_of_month: day_of_month()? },
        _ => Pattern::RelativeYearly { month: month()?, days: days()?, index: index()? },
    })
}

fn read_range(e: &Element, path: &str) -> Result<Range, ExchangeError> {
    let date = |name: &str| {
        let t = e.child_text(Ns::Types, name).ok_or_else(|| malformed(path, format_args!("no {name}")))?;
        parse_date(t).map_err(|why| malformed(&format!("{path}/{name}"), why))
    };
    Ok(match e.name.as_str() {
        "NoEndRecurrence" => Range::NoEnd { start: date("StartDate")? },
        "EndDateRecurrence" => Range::EndDate { start: date("StartDate")?, end: date("EndDate")? },
        _ => {
            let t = e
                .child_text(Ns::Types, "NumberOfOccurrences")
                .ok_or_else(|| malformed(path, "no NumberOfOccurrences"))?;
            let count = parse_u32(t).map_err(|why| malformed(&format!("{path}/NumberOfOccurrences"), why))?;
            Range::Numbered { start: date("StartDate")?, count }
        }
    })
}

fn day_spec(word: &str) -> Option<DaySpec> {
    Some(match word {
        "Sunday" => DaySpec::Day(DayOfWeek::Sunday),
        "Monday" => DaySpec::Day(DayOfWeek::Monday),
        "Tuesday" => DaySpec::Day(DayOfWeek::Tuesday),
        "Wednesday" => DaySpec::Day(DayOfWeek::Wednesday),
        "Thursday" => DaySpec::Day(DayOfWeek::Thursday),
        "Friday" => DaySpec::Day(DayOfWeek::Friday),
        "Saturday" => DaySpec::Day(DayOfWeek::Saturday),
        "Day" => DaySpec::AnyDay,
        "Weekday" => DaySpec::Weekday,
        "WeekendDay" => DaySpec::WeekendDay,
        _ => return None,
    })
}

/// The days a `DaysOfWeek` word stands for in a weekly pattern.
fn expand(spec: DaySpec) -> Vec<DayOfWeek> {
    use DayOfWeek::*;
    match spec {
        DaySpec::Day(d) => vec![d],
        DaySpec::AnyDay => vec![Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday],
        DaySpec::Weekday => vec![Monday, Tuesday, Wednesday, Thursday, Friday],
        DaySpec::WeekendDay => vec![Sunday, Saturday],
    }
}

fn week_index(word: &str) -> Option<WeekIndex> {
    Some(match word {
        "First" => WeekIndex::First,
        "Second" => WeekIndex::Second,
        "Third" => WeekIndex::Third,
        "Fourth" => WeekIndex::Fourth,
        "Last" => WeekIndex::Last,
        _ => return None,
    })
}

fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
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
    MONTHS.iter().position(|m| *m == word).and_then(|i| u8::try_from(i + 1).ok())
}

/// `ItemShape` (`ItemResponseShapeType`): which properties an answer carries. Written in schema order
/// `BaseShape, BodyType, AdditionalProperties`.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/itemshape>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemShape {
    /// `IdOnly`, `Default` or `AllProperties`.
    pub base: &'static str,
    pub body_type: Option<BodyType>,
    pub additional: Vec<PropertyPath>,
}

impl ItemShape {
    /// Ids only (and the item element's name, which tells the kind of item).
    pub fn id_only() -> ItemShape {
        ItemShape { base: "IdOnly", body_type: None, additional: Vec::new() }
    }

    pub fn write(&self, w: &mut XmlWriter) {
        w.open("m:ItemShape", &[]);
        w.leaf("t:BaseShape", &[], self.base);
        if let Some(kind) = self.body_type {
            w.leaf("t:BodyType", &[], kind.as_str());
        }
        if !self.additional.is_empty() {
            w.open("t:AdditionalProperties", &[]);
            for path in &self.additional {
                path.write(w);
            }
            w.close();
        }
        w.close();
    }
}

/// Reads every item element inside a container (`m:Items`, `t:Items`).
pub fn read_items(container: &Element, path: &str, ctx: &ParseContext) -> Result<Vec<EwsItem>, ExchangeError> {
    container
        .children
        .iter()
        .filter(|c| c.ns == Ns::Types)
        .enumerate()
        .map(|(i, c)| EwsItem::read(c, &format!("{path}/{}[{}]", c.name, i + 1), ctx))
        .collect()
}
