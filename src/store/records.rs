//! The records the store keeps, in the product's words: VMRs from reservation to release, the
//! resource-mailbox work queue, intents (what the scheduler decided and has yet to tell Exchange),
//! processed-item markers, and the operation log.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::meeting::{Occurrence, Person, Recurrence};

/// A single-use VMR: one alias, from its reservation by the add-in to its release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vmr {
    /// A random UUID; also the alias-ID token's content and the templates' `alias_uuid`.
    pub id: String,
    pub integration: String,
    /// The digits (prefix + random suffix).
    pub numeric_alias: String,
    /// `<digits>@<domain>`, or the digits when the integration has no alias domain.
    pub alias: String,
    pub created_at: Timestamp,
    /// Who reserved it: the Outlook user's key (metadata URL + Exchange user id), or
    /// `placeholder:<organizer email>` when the scheduler assigned it for a placeholder meeting.
    pub reserved_by: String,
    /// The add-in's idempotency key for the reservation, if it came from the add-in.
    pub request_id: Option<String>,
    pub state: VmrState,
}

/// Where a VMR is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum VmrState {
    /// Handed to the add-in; released if no meeting claims it by `expires_at`.
    Reserved { expires_at: Timestamp },
    /// Claimed by a meeting (the resource accepted it).
    Scheduled(Meeting),
    /// The meeting was cancelled; the alias stays out of the pool until `release_at`.
    Cancelled { meeting: Meeting, release_at: Timestamp },
}

/// The meeting a VMR belongs to, as the resource mailbox last saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub uid: String,
    pub subject: String,
    pub organizer: Person,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Windows time-zone id the meeting repeats in.
    pub time_zone: Option<String>,
    pub recurrence: Option<Recurrence>,
    pub modified_occurrences: Vec<Occurrence>,
    pub deleted_occurrences: Vec<Timestamp>,
    /// The highest `AppointmentSequenceNumber` processed (older updates are ignored).
    pub sequence: u32,
    /// When the last join window closes (`None`: a series without end). The VMR is released then.
    #[serde(default)]
    pub release_after: Option<Timestamp>,
    pub scheduled_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An item of the resource mailbox waiting to be processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedItem {
    pub item_id: String,
    pub change_key: String,
    pub queued_at: Timestamp,
    /// How many times processing was tried and deferred (Exchange unavailable).
    pub attempts: u32,
}

/// What the scheduler decided to tell Exchange about one item, persisted before it acts so that a
/// crash repeats the same answer instead of deciding again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intent {
    Accept {
        body_html: String,
    },
    Decline {
        body_html: String,
    },
    /// Remove a cancelled meeting from the resource's calendar.
    RemoveCancelled,
    /// Replace the placeholder in the organizer's meeting with these instructions and send the update.
    /// `token` is the alias-ID token inside `instructions_html`: its presence in the organizer's
    /// meeting shows the update already went out.
    FillPlaceholder {
        organizer: String,
        uid: String,
        instructions_html: String,
        token: String,
    },
}

/// A pending intent with its context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIntent {
    pub item_id: String,
    pub change_key: String,
    pub intent: Intent,
    pub correlation_id: String,
    pub decided_at: Timestamp,
    /// Attempts that failed for a passing reason (Exchange unavailable).
    #[serde(default)]
    pub attempts: u32,
}

/// Marks an item version as done, so that seeing it again changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Processed {
    pub at: Timestamp,
    pub outcome: String,
    pub correlation_id: String,
}

/// One scheduling operation, for administrators ("why was my meeting declined?").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub at: Timestamp,
    pub integration: String,
    pub correlation_id: String,
    pub item_id: String,
    pub uid: String,
    pub subject: String,
    pub organizer: String,
    /// What was done: `accept_new_single_meeting`, `reject_invalid_alias_id`, `remove_cancelled`, ...
    pub action: String,
    /// `done`, `deferred` (will retry) or `failed`.
    pub outcome: String,
    /// The alias concerned, if any.
    pub alias: String,
    /// The error code (EWS response code or ours), empty on success.
    pub error_code: String,
    pub detail: String,
}
