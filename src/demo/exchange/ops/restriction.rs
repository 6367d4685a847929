//! FindItem restrictions (`t:Restriction`): the search expressions (`IsEqualTo`, `IsNotEqualTo`,
//! `IsGreaterThan[OrEqualTo]`, `IsLessThan[OrEqualTo]`, `Contains`, `Excludes`, `Exists`, `And`,
//! `Or`, `Not`) over the properties clients filter on, including the PSETID_Meeting
//! GlobalObjectId/CleanGlobalObjectId binary properties. Like Exchange, a restriction on
//! `calendar:UID` is refused.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/restriction>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::demo::exchange::item_write::{PSETID_MEETING, ext_key, global_object_id};
use crate::demo::exchange::model::{ExtKey, Item};
use crate::demo::exchange::soap::MessageError;
use crate::demo::exchange::time;
use crate::demo::exchange::xml::{Element, parse_bool};
use crate::exchange::ews::ResponseCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
pub enum Path {
    Field(String),
    Ext(ExtKey),
}

/// A parsed restriction.
#[derive(Debug, Clone)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare { op: Op, path: Path, constant: String },
    Contains { path: Path, constant: String, mode: String, ignore_case: bool, negate: bool },
    Exists(Path),
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Val {
    Str(String),
    Bool(bool),
    Time(Timestamp),
    Int(i64),
    Bytes(Vec<u8>),
}

const FIELDS: &[&str] = &[
    "item:Subject",
    "item:ItemClass",
    "item:DateTimeReceived",
    "item:DateTimeCreated",
    "item:DateTimeSent",
    "item:LastModifiedTime",
    "item:Importance",
    "item:Sensitivity",
    "item:Categories",
    "item:Body",
    "message:IsRead",
    "message:From",
    "message:Sender",
    "calendar:Start",
    "calendar:End",
    "calendar:Location",
    "calendar:IsRecurring",
    "calendar:IsCancelled",
    "calendar:IsMeeting",
    "calendar:CalendarItemType",
    "calendar:Organizer",
    "calendar:AppointmentSequenceNumber",
    "meetingRequest:MeetingRequestType",
    "meeting:ResponseType",
    "meeting:IsOutOfDate",
];

fn unsupported(uri: &str) -> MessageError {
    let mut e = MessageError::new(ResponseCode::ErrorUnsupportedPathForQuery);
    e.field_uri = Some(uri.to_string());
    e
}

fn path(el: &Element) -> Result<Path, MessageError> {
    let p = el
        .children
        .iter()
        .find(|c| matches!(c.name.as_str(), "FieldURI" | "IndexedFieldURI" | "ExtendedFieldURI"))
        .ok_or_else(|| {
            MessageError::with_text(ResponseCode::ErrorInvalidRestriction, "The restriction names no property.")
        })?;
    match p.name.as_str() {
        "FieldURI" => {
            let uri = p.attr("FieldURI").unwrap_or("");
            // Exchange does not accept restrictions on the UID (exchangelib refuses them too).
            if FIELDS.contains(&uri) { Ok(Path::Field(uri.to_string())) } else { Err(unsupported(uri)) }
        }
        "ExtendedFieldURI" => ext_key(p).map(Path::Ext).ok_or_else(|| {
            MessageError::with_text(ResponseCode::ErrorInvalidExtendedProperty, "The extended property is not valid.")
        }),
        _ => Err(unsupported(p.attr("FieldURI").unwrap_or("IndexedFieldURI"))),
    }
}

fn constant(el: &Element) -> Result<String, MessageError> {
    let c = el
        .child("FieldURIOrConstant")
        .and_then(|f| f.child("Constant"))
        .or_else(|| el.child("Constant"))
        .and_then(|c| c.attr("Value"))
        .ok_or_else(|| {
            MessageError::with_text(ResponseCode::ErrorUnsupportedQueryFilter, "Only constants can be compared with.")
        })?;
    Ok(c.to_string())
}

/// Reads the one expression inside `m:Restriction` (or a nested expression).
pub fn parse(el: &Element) -> Result<Expr, MessageError> {
    let op = match el.name.as_str() {
        "Restriction" => {
            let inner = el
                .children
                .first()
                .ok_or_else(|| MessageError::with_text(ResponseCode::ErrorInvalidRestriction, "Empty restriction."))?;
            return parse(inner);
        }
        "And" | "Or" => {
            let parts = el.children.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
            return Ok(if el.name == "And" { Expr::And(parts) } else { Expr::Or(parts) });
        }
        "Not" => {
            let inner = el
                .children
                .first()
                .ok_or_else(|| MessageError::with_text(ResponseCode::ErrorInvalidRestriction, "Empty Not."))?;
            return Ok(Expr::Not(Box::new(parse(inner)?)));
        }
        "Exists" => return Ok(Expr::Exists(path(el)?)),
        "Contains" | "Excludes" => {
            let comparison = el.attr("ContainmentComparison").unwrap_or("Exact");
            return Ok(Expr::Contains {
                path: path(el)?,
                constant: constant(el)?,
                mode: el.attr("ContainmentMode").unwrap_or("Substring").to_string(),
                ignore_case: comparison != "Exact",
                negate: el.name == "Excludes",
            });
        }
        "IsEqualTo" => Op::Eq,
        "IsNotEqualTo" => Op::Ne,
        "IsGreaterThan" => Op::Gt,
        "IsGreaterThanOrEqualTo" => Op::Ge,
        "IsLessThan" => Op::Lt,
        "IsLessThanOrEqualTo" => Op::Le,
        other => {
            return Err(MessageError::with_text(
                ResponseCode::ErrorInvalidRestriction,
                format!("The restriction element {other} is not supported."),
            ));
        }
    };
    Ok(Expr::Compare { op, path: path(el)?, constant: constant(el)? })
}

fn value(item: &Item, path: &Path) -> Option<Val> {
    let m = item.meeting.as_ref();
    let mm = item.message.as_ref();
    let ts = Val::Time;
    Some(match path {
        Path::Ext(key) => {
            if key.set == PSETID_MEETING && key.kind == "Binary" && (key.id == "35" || key.id == "3") {
                let m = m?;
                return Some(Val::Bytes(if key.id == "35" { m.goid.clone() } else { global_object_id(m) }));
            }
            let stored = item.extended.iter().find(|e| &e.key == key)?;
            Val::Str(stored.values.first().cloned().unwrap_or_default())
        }
        Path::Field(f) => match f.as_str() {
            "item:Subject" => Val::Str(item.subject.clone()),
            "item:ItemClass" => Val::Str(item.class.clone()),
            "item:DateTimeReceived" => ts(item.received),
            "item:DateTimeCreated" => ts(item.created),
            "item:DateTimeSent" => ts(item.sent?),
            "item:LastModifiedTime" => ts(item.modified),
            "item:Importance" => Val::Str(item.importance.clone()),
            "item:Sensitivity" => Val::Str(item.sensitivity.clone()),
            "item:Categories" => Val::Str(item.categories.join("\u{1}")),
            "item:Body" => Val::Str(item.body.text.clone()),
            "message:IsRead" => Val::Bool(item.is_read),
            "message:From" | "message:Sender" => Val::Str(item.from.as_ref()?.email.clone()),
            "calendar:Start" => ts(m?.start),
            "calendar:End" => ts(m?.end),
            "calendar:Location" => Val::Str(m?.location.clone()),
            "calendar:IsRecurring" => Val::Bool(m?.recurrence.is_some()),
            "calendar:IsCancelled" => Val::Bool(m?.is_cancelled),
            "calendar:IsMeeting" => Val::Bool(m?.is_meeting),
            "calendar:CalendarItemType" => {
                Val::Str(if m?.recurrence.is_some() { "RecurringMaster" } else { "Single" }.into())
            }
            "calendar:Organizer" => Val::Str(m?.organizer.email.clone()),
            "calendar:AppointmentSequenceNumber" => Val::Int(m?.sequence as i64),
            "meetingRequest:MeetingRequestType" => Val::Str(mm?.request_type?.to_string()),
            "meeting:ResponseType" => Val::Str(mm?.response.as_str().to_string()),
            "meeting:IsOutOfDate" => Val::Bool(mm?.is_out_of_date),
            _ => return None,
        },
    })
}

fn typed_constant(sample: &Val, text: &str, zone: Option<&TimeZone>) -> Option<Val> {
    Some(match sample {
        Val::Str(_) => Val::Str(text.to_string()),
        Val::Bool(_) => Val::Bool(parse_bool(text)?),
        Val::Time(_) => Val::Time(time::parse(text, zone)?),
        Val::Int(_) => Val::Int(text.trim().parse().ok()?),
        Val::Bytes(_) => Val::Bytes(B64.decode(text.trim()).ok()?),
    })
}

/// Whether `item` matches.
pub fn matches(expr: &Expr, item: &Item, zone: Option<&TimeZone>) -> bool {
    match expr {
        Expr::And(parts) => parts.iter().all(|p| matches(p, item, zone)),
        Expr::Or(parts) => parts.iter().any(|p| matches(p, item, zone)),
        Expr::Not(inner) => !matches(inner, item, zone),
        Expr::Exists(path) => value(item, path).is_some(),
        Expr::Compare { op, path, constant } => {
            let Some(actual) = value(item, path) else {
                return false;
            };
            let Some(expected) = typed_constant(&actual, constant, zone) else {
                return false;
            };
            let (a, e) = match (&actual, &expected) {
                (Val::Str(a), Val::Str(e)) => (Val::Str(a.to_lowercase()), Val::Str(e.to_lowercase())),
                _ => (actual, expected),
            };
            match op {
                Op::Eq => a == e,
                Op::Ne => a != e,
                Op::Gt => a > e,
                Op::Ge => a >= e,
                Op::Lt => a < e,
                Op::Le => a <= e,
            }
        }
        Expr::Contains { path, constant, mode, ignore_case, negate } => {
            let Some(Val::Str(actual)) = value(item, path) else {
                return *negate;
            };
            let (a, c) = if *ignore_case {
                (actual.to_lowercase(), constant.to_lowercase())
            } else {
                (actual, constant.clone())
            };
            let hit = match mode.as_str() {
                "FullString" => a == c || a.split('\u{1}').any(|part| part == c),
                "Prefixed" => a.starts_with(&c),
                "PrefixOnWords" => a.split(|ch: char| !ch.is_alphanumeric()).any(|w| w.starts_with(&c)),
                _ => a.contains(&c),
            };
            hit != *negate
        }
    }
}
