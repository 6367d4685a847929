//! Mailbox backends. The scheduler sees Exchange only through the [`Mailbox`] trait and the meeting
//! types below, in the product's words; `ews/` speaks EWS SOAP (and a later `graph/` Microsoft Graph).

mod error;
pub mod ews;
pub mod timezone;

use jiff::Timestamp;

pub use error::ExchangeError;
pub use ews::ResponseCode;

// The meeting vocabulary is shared with the store and the scheduler; re-exported for backends.
pub use crate::meeting::{DayOfWeek, DaySpec, Occurrence, Pattern, Person, Range, Recurrence, WeekIndex};

/// An Exchange item id with the change key that versions it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ItemId {
    pub id: String,
    pub change_key: String,
}

/// What changed in the watched folder since the last sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub items: Vec<ItemChange>,
    /// Opaque state to pass to the next call; persisted before the changes are acted on is NOT safe,
    /// so the scheduler persists it only once every change in `items` is recorded.
    pub sync_state: String,
    /// More changes are waiting beyond this batch.
    pub more_available: bool,
}

/// One change in the watched folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemChange {
    Created(ItemId),
    Updated(ItemId),
    /// Gone from the folder (moved or deleted); only the id is known.
    Deleted(String),
}

/// An item read from the watched folder.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingMessage {
    Request(MeetingRequest),
    Cancellation(MeetingCancellation),
    /// Anything else (ordinary mail, meeting responses, reports): not ours to process.
    Other {
        id: ItemId,
        item_class: String,
    },
}

/// What kind of meeting request Exchange says this is (`MeetingRequestType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RequestType {
    NewMeetingRequest,
    FullUpdate,
    InformationalUpdate,
    SilentUpdate,
    Outdated,
    PrincipalWantsCopy,
    /// `None` in EWS.
    Unspecified,
}

/// A meeting request (new, or an update) as delivered to the resource mailbox.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRequest {
    pub id: ItemId,
    /// The meeting's iCalendar UID, shared by the series and all its occurrences.
    pub uid: String,
    /// Set when the request is about one occurrence of a series: that occurrence's original start.
    pub recurrence_id: Option<Timestamp>,
    pub request_type: RequestType,
    pub subject: String,
    /// The body as HTML.
    pub body_html: String,
    pub organizer: Person,
    /// The mailbox that sent the request, when a delegate sent it on the organizer's behalf.
    pub sender: Option<Person>,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Windows time-zone id the meeting was created in (`StartTimeZone/@Id`), if given.
    pub time_zone: Option<String>,
    pub is_all_day: bool,
    /// For a series: its pattern and range.
    pub recurrence: Option<Recurrence>,
    /// Occurrences of the series moved away from their pattern slot.
    pub modified_occurrences: Vec<Occurrence>,
    /// Original starts of occurrences removed from the series.
    pub deleted_occurrences: Vec<Timestamp>,
    /// `AppointmentSequenceNumber`: grows with every update the organizer sends.
    pub sequence: u32,
}

/// A cancellation of a meeting, a series, or one occurrence (`recurrence_id`).
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingCancellation {
    pub id: ItemId,
    pub uid: String,
    pub recurrence_id: Option<Timestamp>,
    pub subject: String,
    pub organizer: Person,
    pub start: Timestamp,
    pub end: Timestamp,
    pub sequence: u32,
}

/// The resource mailbox's answer to a meeting request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Accept { body_html: String },
    Decline { body_html: String },
}

/// The organizer's copy of a meeting, found by impersonation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizerMeeting {
    pub id: ItemId,
    pub body_html: String,
}

/// A mailbox the scheduler watches and answers from. Implementations must be safe to call again
/// after any error: every method either did its whole effect or none that matters.
pub trait Mailbox: Send {
    /// Changes in the watched inbox since `sync_state` (`None`: from the beginning), at most `max`.
    fn sync(&mut self, sync_state: Option<&str>, max: u16) -> Result<Changes, ExchangeError>;

    /// Reads one item of the watched inbox. An item that no longer exists is `ErrorItemNotFound`.
    fn meeting_message(&mut self, id: &ItemId) -> Result<MeetingMessage, ExchangeError>;

    /// Whether an item of the watched inbox is still there, waiting for an answer. Answering moves a
    /// meeting request out of the inbox, so `false` means an earlier answer went out (or the item is
    /// gone): the scheduler asks before repeating an answer it may already have sent.
    fn awaits_answer(&mut self, id: &ItemId) -> Result<bool, ExchangeError>;

    /// Accepts or declines a meeting request as the resource, sending the reply to the organizer.
    fn reply(&mut self, request: &ItemId, reply: &Reply) -> Result<(), ExchangeError>;

    /// Removes a cancelled meeting from the resource's calendar (answering a cancellation).
    fn remove_cancelled(&mut self, cancellation: &ItemId) -> Result<(), ExchangeError>;

    /// Finds the organizer's own calendar item of the meeting `uid` (impersonating the organizer).
    fn find_organizer_meeting(&mut self, organizer: &str, uid: &str)
    -> Result<Option<OrganizerMeeting>, ExchangeError>;

    /// Replaces the body of the organizer's meeting and sends the update to every attendee
    /// (impersonating the organizer).
    fn update_organizer_meeting(
        &mut self,
        organizer: &str,
        meeting: &ItemId,
        body_html: &str,
    ) -> Result<(), ExchangeError>;
}
