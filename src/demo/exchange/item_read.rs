//! Reads the properties a client sends in `t:CalendarItem` / `t:Message` elements (CreateItem, and
//! the one-property items of UpdateItem's `SetItemField`), including `t:Recurrence`.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/calendaritem>.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::item_write::{MONTHS, ext_key};
use super::model::{Body, ExtendedValue};
use super::soap::MessageError;
use super::time;
use super::xml::{Element, parse_bool};
use crate::exchange::ews::ResponseCode;
use crate::exchange::{DaySpec, Pattern, Person, Range, Recurrence, WeekIndex};

/// Properties present in one item element; `None` for those it did not carry.
#[derive(Debug, Default, Clone)]
pub struct Props {
    pub subject: Option<String>,
    pub body: Option<Body>,
    pub importance: Option<String>,
    pub sensitivity: Option<String>,
    pub categories: Option<Vec<String>>,
    pub reminder_is_set: Option<bool>,
    pub reminder_minutes: Option<u32>,
    /// Raw `Start`/`End`: naive values are resolved in the item's start zone by the caller.
    pub start: Option<String>,
    pub end: Option<String>,
    pub start_tz: Option<String>,
    pub end_tz: Option<String>,
    pub all_day: Option<bool>,
    pub location: Option<String>,
    pub free_busy: Option<String>,
    pub required: Option<Vec<Person>>,
    pub optional: Option<Vec<Person>>,
    pub resources: Option<Vec<Person>>,
    pub recurrence: Option<Recurrence>,
    pub to: Option<Vec<Person>>,
    pub cc: Option<Vec<Person>>,
    pub is_read: Option<bool>,
    pub extended: Vec<ExtendedValue>,
}

fn invalid(code: ResponseCode, text: impl Into<String>) -> MessageError {
    MessageError::with_text(code, text)
}

/// Reads an item element's properties.
pub fn read_props(el: &Element) -> Result<Props, MessageError> {
    let mut p = Props::default();
    for c in &el.children {
        let text = c.text.trim();
        match c.name.as_str() {
            "Subject" => p.subject = Some(c.text.clone()),
            "Body" => p.body = Some(Body { html: c.attr("BodyType") != Some("Text"), text: c.text.clone() }),
            "Importance" => p.importance = Some(text.to_string()),
            "Sensitivity" => p.sensitivity = Some(text.to_string()),
            "Categories" => p.categories = Some(c.children.iter().map(|s| s.text.clone()).collect()),
            "ReminderIsSet" => p.reminder_is_set = parse_bool(text),
            "ReminderMinutesBeforeStart" => p.reminder_minutes = text.parse().ok(),
            "Start" => p.start = Some(text.to_string()),
            "End" => p.end = Some(text.to_string()),
            "StartTimeZone" | "MeetingTimeZone" => {
                let id = c.attr("Id").or(c.attr("TimeZoneName")).unwrap_or("").to_string();
                if time::zone_for_windows_id(&id).is_none() {
                    return Err(invalid(
                        ResponseCode::ErrorCalendarInvalidTimeZone,
                        format!("The time zone \"{id}\" is not valid."),
                    ));
                }
                if c.name == "StartTimeZone" || p.start_tz.is_none() {
                    p.start_tz = Some(id);
                }
            }
            "EndTimeZone" => p.end_tz = c.attr("Id").map(str::to_string),
            "IsAllDayEvent" => p.all_day = parse_bool(text),
            "Location" => p.location = Some(c.text.clone()),
            "LegacyFreeBusyStatus" => p.free_busy = Some(text.to_string()),
            "RequiredAttendees" => p.required = Some(attendees(c)),
            "OptionalAttendees" => p.optional = Some(attendees(c)),
            "Resources" => p.resources = Some(attendees(c)),
            "ToRecipients" => p.to = Some(mailboxes(c)),
            "CcRecipients" => p.cc = Some(mailboxes(c)),
            "IsRead" => p.is_read = parse_bool(text),
            "Recurrence" => p.recurrence = Some(read_recurrence(c)?),
            "ExtendedProperty" => {
                let key = c.child("ExtendedFieldURI").and_then(ext_key).ok_or_else(|| {
                    invalid(ResponseCode::ErrorInvalidExtendedProperty, "The extended property is not valid.")
                })?;
                let (values, multi) = match c.child("Values") {
                    Some(vs) => (vs.children.iter().map(|v| v.text.clone()).collect(), true),
                    None => (vec![c.child("Value").map(|v| v.text.clone()).unwrap_or_default()], false),
                };
                p.extended.retain(|e| e.key != key);
                p.extended.push(ExtendedValue { key, values, multi });
            }
            _ => {}
        }
    }
    Ok(p)
}

/// The zone naive date-times of an item are read in: its `StartTimeZone`, else the request's
/// `TimeZoneContext`, else UTC.
pub fn zone_of(start_tz: Option<&str>, context: Option<&TimeZone>) -> Option<TimeZone> {
    start_tz.and_then(time::zone_for_windows_id).or_else(|| context.cloned())
}

pub fn instant(raw: &str, zone: Option<&TimeZone>) -> Result<Timestamp, MessageError> {
    time::parse(raw, zone).ok_or_else(|| {
        invalid(ResponseCode::ErrorInvalidValueForProperty, format!("\"{raw}\" is not a valid date and time."))
    })
}

fn person(mailbox: &Element) -> Option<Person> {
    let email = mailbox.child_text("EmailAddress")?.to_string();
    if email.is_empty() {
        return None;
    }
    Some(Person { name: mailbox.child_text("Name").unwrap_or("").to_string(), email })
}

fn attendees(list: &Element) -> Vec<Person> {
    list.children_named("Attendee").filter_map(|a| a.child("Mailbox")).filter_map(person).collect()
}

fn mailboxes(list: &Element) -> Vec<Person> {
    list.children_named("Mailbox").filter_map(person).collect()
}

fn bad_recurrence(why: &str) -> MessageError {
    invalid(ResponseCode::ErrorCalendarInvalidRecurrence, format!("The recurrence pattern is not valid: {why}."))
}

fn day_spec(text: &str) -> Result<DaySpec, MessageError> {
    Ok(match text {
        "Day" => DaySpec::AnyDay,
        "Weekday" => DaySpec::Weekday,
        "WeekendDay" => DaySpec::WeekendDay,
        other => DaySpec::Day(time::parse_day(other).ok_or_else(|| bad_recurrence("unknown day"))?),
    })
}

fn week_index(text: &str) -> Result<WeekIndex, MessageError> {
    Ok(match text {
        "First" => WeekIndex::First,
        "Second" => WeekIndex::Second,
        "Third" => WeekIndex::Third,
        "Fourth" => WeekIndex::Fourth,
        "Last" => WeekIndex::Last,
        _ => return Err(bad_recurrence("unknown DayOfWeekIndex")),
    })
}

fn number<T: std::str::FromStr>(el: &Element, name: &str) -> Result<T, MessageError> {
    el.child_text(name).and_then(|t| t.parse().ok()).ok_or_else(|| bad_recurrence(name))
}

fn month(el: &Element) -> Result<u8, MessageError> {
    let name = el.child_text("Month").unwrap_or("");
    MONTHS.iter().position(|m| *m == name).map(|i| i as u8 + 1).ok_or_else(|| bad_recurrence("unknown Month"))
}

/// Reads `t:Recurrence` (pattern then range).
pub fn read_recurrence(el: &Element) -> Result<Recurrence, MessageError> {
    let mut pattern = None;
    let mut range = None;
    for c in &el.children {
        match c.name.as_str() {
            "DailyRecurrence" => pattern = Some(Pattern::Daily { interval: number(c, "Interval")? }),
            "WeeklyRecurrence" => {
                let days = c
                    .child_text("DaysOfWeek")
                    .unwrap_or("")
                    .split_whitespace()
                    .map(|d| time::parse_day(d).ok_or_else(|| bad_recurrence("unknown day")))
                    .collect::<Result<Vec<_>, _>>()?;
                if days.is_empty() {
                    return Err(bad_recurrence("a weekly pattern needs DaysOfWeek"));
                }
                let first = c.child_text("FirstDayOfWeek").and_then(time::parse_day);
                pattern = Some(Pattern::Weekly {
                    interval: number(c, "Interval")?,
                    days,
                    first_day_of_week: first.unwrap_or(crate::exchange::DayOfWeek::Sunday),
                });
            }
            "AbsoluteMonthlyRecurrence" => {
                pattern = Some(Pattern::AbsoluteMonthly {
                    interval: number(c, "Interval")?,
                    day_of_month: number(c, "DayOfMonth")?,
                })
            }
            "RelativeMonthlyRecurrence" => {
                pattern = Some(Pattern::RelativeMonthly {
                    interval: number(c, "Interval")?,
                    days: day_spec(c.child_text("DaysOfWeek").unwrap_or(""))?,
                    index: week_index(c.child_text("DayOfWeekIndex").unwrap_or(""))?,
                })
            }
            "AbsoluteYearlyRecurrence" => {
                pattern = Some(Pattern::AbsoluteYearly { month: month(c)?, day_of_month: number(c, "DayOfMonth")? })
            }
            "RelativeYearlyRecurrence" => {
                pattern = Some(Pattern::RelativeYearly {
                    month: month(c)?,
                    days: day_spec(c.child_text("DaysOfWeek").unwrap_or(""))?,
                    index: week_index(c.child_text("DayOfWeekIndex").unwrap_or(""))?,
                })
            }
            "NoEndRecurrence" | "EndDateRecurrence" | "NumberedRecurrence" => {
                let start =
                    c.child_text("StartDate").and_then(time::parse_date).ok_or_else(|| bad_recurrence("StartDate"))?;
                range = Some(match c.name.as_str() {
                    "NoEndRecurrence" => Range::NoEnd { start },
                    "EndDateRecurrence" => {
                        let end = c
                            .child_text("EndDate")
                            .and_then(time::parse_date)
                            .ok_or_else(|| bad_recurrence("EndDate"))?;
                        if end < start {
                            return Err(bad_recurrence("EndDate is before StartDate"));
                        }
                        Range::EndDate { start, end }
                    }
                    _ => {
                        let count: u32 = number(c, "NumberOfOccurrences")?;
                        if count == 0 {
                            return Err(bad_recurrence("NumberOfOccurrences must be at least 1"));
                        }
                        Range::Numbered { start, count }
                    }
                });
            }
            _ => {}
        }
    }
    match (pattern, range) {
        (Some(pattern), Some(range)) => {
            let interval_ok = match &pattern {
                Pattern::Daily { interval }
                | Pattern::Weekly { interval, .. }
                | Pattern::AbsoluteMonthly { interval, .. }
                | Pattern::RelativeMonthly { interval, .. } => *interval >= 1 && *interval <= 999,
                _ => true,
            };
            if !interval_ok {
                return Err(bad_recurrence("Interval must be between 1 and 999"));
            }
            Ok(Recurrence { pattern, range })
        }
        _ => Err(bad_recurrence("a recurrence needs a pattern and a range")),
    }
}
