//! Response shapes (`ItemShape`: base shape, body type, additional and extended properties) and
//! the normalized names of extended properties, as clients send them.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/itemshape>.

use std::collections::HashSet;

use super::model::ExtKey;
use super::xml::Element;

/// `DefaultShapeNamesType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseShape {
    IdOnly,
    Default,
    AllProperties,
}

/// A property named with `ExtendedFieldURI`, with the attributes the client used (echoed back).
#[derive(Debug, Clone)]
pub struct ExtRequest {
    pub attrs: Vec<(String, String)>,
    pub key: ExtKey,
}

/// `ItemResponseShapeType`, read.
#[derive(Debug, Clone)]
pub struct Shape {
    pub base: BaseShape,
    /// `Some(true)` HTML, `Some(false)` Text, `None` Best.
    pub body_html: Option<bool>,
    pub fields: HashSet<String>,
    pub extended: Vec<ExtRequest>,
    /// FindItem never returns bodies and multi-valued properties.
    pub for_find: bool,
}

/// The PSETID_Meeting property set (GlobalObjectId is 0x3, CleanGlobalObjectId 0x23).
pub const PSETID_MEETING: &str = "6ed8da90-450b-101b-98da-00aa003f1305";

const DEFAULT_FIELDS: &[&str] = &[
    "item:ParentFolderId",
    "item:ItemClass",
    "item:Subject",
    "item:Sensitivity",
    "item:Body",
    "item:DateTimeReceived",
    "item:Size",
    "item:Importance",
    "item:HasAttachments",
    "item:DateTimeSent",
    "item:DateTimeCreated",
    "item:ResponseObjects",
    "message:IsRead",
    "message:From",
    "message:Sender",
    "message:ToRecipients",
    "meeting:AssociatedCalendarItemId",
    "meeting:ResponseType",
    "meeting:IsOutOfDate",
    "meeting:HasBeenProcessed",
    "meetingRequest:MeetingRequestType",
    "calendar:UID",
    "calendar:RecurrenceId",
    "calendar:Start",
    "calendar:End",
    "calendar:Location",
    "calendar:IsMeeting",
    "calendar:IsCancelled",
    "calendar:IsRecurring",
    "calendar:CalendarItemType",
    "calendar:MyResponseType",
    "calendar:Organizer",
    "calendar:AppointmentSequenceNumber",
];

impl Shape {
    pub fn id_only() -> Shape {
        Shape {
            base: BaseShape::IdOnly,
            body_html: None,
            fields: HashSet::new(),
            extended: Vec::new(),
            for_find: false,
        }
    }

    pub fn wants(&self, uri: &str) -> bool {
        if self.for_find
            && matches!(
                uri,
                "item:Body"
                    | "item:Attachments"
                    | "calendar:RequiredAttendees"
                    | "calendar:OptionalAttendees"
                    | "calendar:Resources"
                    | "message:ToRecipients"
                    | "message:CcRecipients"
                    | "calendar:ModifiedOccurrences"
                    | "calendar:DeletedOccurrences"
                    | "item:ResponseObjects"
            )
        {
            return false;
        }
        match self.base {
            BaseShape::AllProperties => true,
            BaseShape::Default => DEFAULT_FIELDS.contains(&uri) || self.fields.contains(uri),
            BaseShape::IdOnly => self.fields.contains(uri),
        }
    }
}

/// Reads `m:ItemShape` (or a FindItem/SyncFolderItems shape).
pub fn read_shape(el: Option<&Element>) -> Shape {
    let mut shape = Shape::id_only();
    let Some(el) = el else {
        return shape;
    };
    shape.base = match el.child_text("BaseShape") {
        Some("Default") => BaseShape::Default,
        Some("AllProperties") => BaseShape::AllProperties,
        _ => BaseShape::IdOnly,
    };
    shape.body_html = match el.child_text("BodyType") {
        Some("HTML") => Some(true),
        Some("Text") => Some(false),
        _ => None,
    };
    if let Some(props) = el.child("AdditionalProperties") {
        for p in &props.children {
            match p.name.as_str() {
                "FieldURI" => {
                    if let Some(uri) = p.attr("FieldURI") {
                        shape.fields.insert(uri.to_string());
                    }
                }
                "ExtendedFieldURI" => {
                    if let Some(key) = ext_key(p) {
                        shape.extended.push(ExtRequest { attrs: p.attrs.clone(), key });
                    }
                }
                _ => {}
            }
        }
    }
    shape
}

/// Normalizes an `ExtendedFieldURI` (`PropertySetId` or `DistinguishedPropertySetId`, and
/// `PropertyId`, `PropertyName` or `PropertyTag`).
pub fn ext_key(el: &Element) -> Option<ExtKey> {
    let set = match (el.attr("PropertySetId"), el.attr("DistinguishedPropertySetId")) {
        (Some(guid), _) => guid.trim().to_ascii_lowercase(),
        (None, Some(name)) => match name {
            "Meeting" => PSETID_MEETING.to_string(),
            "PublicStrings" => "00020329-0000-0000-c000-000000000046".to_string(),
            "Common" => "00062008-0000-0000-c000-000000000046".to_string(),
            "Appointment" => "00062002-0000-0000-c000-000000000046".to_string(),
            "InternetHeaders" => "00020386-0000-0000-c000-000000000046".to_string(),
            "Address" => "00062004-0000-0000-c000-000000000046".to_string(),
            "Task" => "00062003-0000-0000-c000-000000000046".to_string(),
            other => other.to_ascii_lowercase(),
        },
        (None, None) => String::new(),
    };
    let id = if let Some(id) = el.attr("PropertyId") {
        id.trim().parse::<i64>().ok()?.to_string()
    } else if let Some(name) = el.attr("PropertyName") {
        format!("name:{name}")
    } else if let Some(tag) = el.attr("PropertyTag") {
        let tag = tag.trim();
        let n = match tag.strip_prefix("0x").or_else(|| tag.strip_prefix("0X")) {
            Some(hex) => i64::from_str_radix(hex, 16).ok()?,
            None => tag.parse().ok()?,
        };
        format!("tag:{n}")
    } else {
        return None;
    };
    Some(ExtKey { set, id, kind: el.attr("PropertyType")?.to_string() })
}
