//! [`EwsMailbox`]: the `Mailbox` the scheduler uses, over EWS. It watches the resource mailbox's
//! inbox with SyncFolderItems, reads meeting messages with GetItem, answers with Accept/Decline/
//! RemoveItem, and reaches organizers' calendars by impersonation; `ErrorServerBusy` is waited out
//! (a bounded number of times) here, so the scheduler sees it only when Exchange stays busy.

use std::time::Duration;

use jiff::Timestamp;

use super::auth::{Auth, BasicAuth};
use super::client::Client;
use super::codes::ResponseCode;
use super::op::Operation;
use super::op::create_item::{CreateItem, ResponseObject};
use super::op::find_item::FindItem;
use super::op::get_folder::{Folder, GetFolder};
use super::op::get_item::GetItem;
use super::op::sync_folder_items::{SyncChange, SyncFolderItems};
use super::op::types::{
    APPOINTMENT_SEQUENCE, BodyType, CLEAN_GLOBAL_OBJECT_ID, DistinguishedFolder, EwsItem, ItemKind, ItemShape,
    PropertyPath, malformed,
};
use super::op::update_item::UpdateItem;
use super::settings::EwsSettings;
use super::soap::{RequestHeader, ServerVersionInfo};
use super::transport::{Transport, TransportSettings};
use super::uid::{clean_global_object_id, uid_from_global_object_id};
use super::xml::{Limits, escape_into};
use crate::config::AuthMethod;
use crate::exchange::{
    Changes, ExchangeError, ItemChange, ItemId, Mailbox, MeetingCancellation, MeetingMessage, MeetingRequest,
    OrganizerMeeting, Person, Reply, RequestType,
};

/// The time zone sent as `TimeZoneContext`: answers then read naive date-times as UTC (Exchange
/// answers in UTC anyway).
const CONTEXT_ZONE: &str = "UTC";

/// Properties read from a meeting message (GetItem `AdditionalProperties`). Exchange leaves out
/// those that do not apply to an item's type, so one shape serves requests, cancellations and mail.
const MEETING_FIELDS: &[PropertyPath] = &[
    PropertyPath::Field("item:ItemClass"),
    PropertyPath::Field("item:Subject"),
    PropertyPath::Field("item:Body"),
    PropertyPath::Field("message:Sender"),
    PropertyPath::Field("message:From"),
    PropertyPath::Field("meeting:AssociatedCalendarItemId"),
    PropertyPath::Field("meeting:IsOutOfDate"),
    PropertyPath::Field("calendar:UID"),
    PropertyPath::Field("calendar:RecurrenceId"),
    PropertyPath::Field("meetingRequest:MeetingRequestType"),
    PropertyPath::Field("calendar:Start"),
    PropertyPath::Field("calendar:End"),
    PropertyPath::Field("calendar:IsAllDayEvent"),
    PropertyPath::Field("calendar:CalendarItemType"),
    PropertyPath::Field("calendar:Organizer"),
    PropertyPath::Field("calendar:AppointmentSequenceNumber"),
    PropertyPath::Field("calendar:Recurrence"),
    PropertyPath::Field("calendar:ModifiedOccurrences"),
    PropertyPath::Field("calendar:DeletedOccurrences"),
    PropertyPath::Field("calendar:StartTimeZone"),
    // UID and sequence also as MAPI properties: EWS has no AppointmentSequenceNumber on cancellations,
    // and whether it fills UID on meeting messages is not documented for every version.
    PropertyPath::Extended(CLEAN_GLOBAL_OBJECT_ID),
    PropertyPath::Extended(APPOINTMENT_SEQUENCE),
];

/// A resource mailbox reached over EWS.
pub struct EwsMailbox {
    client: Client,
    resource: String,
    impersonate_resource: bool,
    busy_retries: u32,
    max_back_off: Duration,
    sleep: Box<dyn FnMut(Duration) + Send>,
    /// The resource's inbox folder id, learned on first need.
    inbox_id: Option<String>,
}

impl std::fmt::Debug for EwsMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EwsMailbox")
            .field("client", &self.client)
            .field("resource", &self.resource)
            .field("impersonate_resource", &self.impersonate_resource)
            .finish_non_exhaustive()
    }
}

impl EwsMailbox {
    /// A mailbox authenticating the way `settings.authentication_method` says.
    pub fn new(settings: &EwsSettings) -> Result<EwsMailbox, ExchangeError> {
        let auth: Box<dyn Auth> = match settings.authentication_method {
            AuthMethod::Basic => Box::new(BasicAuth::new(settings.username.clone(), settings.password.clone())),
        };
        EwsMailbox::with_auth(settings, auth)
    }

    /// A mailbox authenticating with `auth` (the seam for NTLM and Kerberos).
    pub fn with_auth(settings: &EwsSettings, auth: Box<dyn Auth>) -> Result<EwsMailbox, ExchangeError> {
        if settings.resource_mailbox.trim().is_empty() {
            return Err(ExchangeError::Setup { detail: "no resource mailbox address".into() });
        }
        let transport = Transport::new(
            &TransportSettings {
                url: &settings.url,
                ca_certificates_file: settings.ca_certificates_file.as_deref(),
                proxy: settings.proxy.as_deref(),
                connect_timeout: settings.connect_timeout,
                read_timeout: settings.read_timeout,
                total_timeout: settings.total_timeout,
                max_response_bytes: settings.max_response_bytes,
            },
            auth,
        )?;
        let limits = Limits { max_bytes: settings.max_response_bytes, ..Limits::default() };
        Ok(EwsMailbox {
            client: Client { transport, limits },
            resource: settings.resource_mailbox.clone(),
            impersonate_resource: settings.impersonate_resource,
            busy_retries: settings.busy_retries,
            max_back_off: settings.max_back_off,
            sleep: Box::new(std::thread::sleep),
            inbox_id: None,
        })
    }

    /// Replaces how the mailbox waits out `ErrorServerBusy` back-offs (tests record them instead).
    pub fn with_sleep(mut self, sleep: impl FnMut(Duration) + Send + 'static) -> EwsMailbox {
        self.sleep = Box::new(sleep);
        self
    }

    /// Connectivity self-test: reads the resource's inbox folder, which needs the credentials, the
    /// impersonation right (when used) and the mailbox all to work.
    pub fn check(&mut self) -> Result<(Option<ServerVersionInfo>, Folder), ExchangeError> {
        let resource = self.resource.clone();
        let impersonate = self.impersonation();
        let op = GetFolder { folders: vec![self.folder("inbox", &resource)] };
        let mut version = None;
        let folders = self.with_retries(|mb| {
            let header = RequestHeader { impersonate: impersonate.as_deref(), time_zone: Some(CONTEXT_ZONE) };
            let answer = mb.client.call(&op, &header, Some(&resource))?;
            version = answer.server_version;
            one_message::<GetFolder>(answer.messages)
        })?;
        let folder = folders.into_iter().next().ok_or_else(|| malformed("GetFolderResponseMessage", "no folder"))?;
        Ok((version, folder))
    }

    fn impersonation(&self) -> Option<String> {
        self.impersonate_resource.then(|| self.resource.clone())
    }

    fn folder(&self, id: &'static str, mailbox: &str) -> DistinguishedFolder {
        DistinguishedFolder { id, mailbox: Some(mailbox.to_owned()) }
    }

    /// Calls `f` again after `ErrorServerBusy` back-offs up to `max_back_off`, `busy_retries` times.
    fn with_retries<T>(
        &mut self,
        mut f: impl FnMut(&mut EwsMailbox) -> Result<T, ExchangeError>,
    ) -> Result<T, ExchangeError> {
        let mut attempt = 0;
        loop {
            match f(self) {
                Err(ExchangeError::ServerBusy { back_off })
                    if attempt < self.busy_retries && back_off <= self.max_back_off =>
                {
                    attempt += 1;
                    log::info!(
                        "Exchange is busy; retry {attempt} of {} in {} ms",
                        self.busy_retries,
                        back_off.as_millis()
                    );
                    (self.sleep)(back_off);
                }
                other => return other,
            }
        }
    }

    /// Calls a one-message operation as the resource (impersonated when configured).
    fn as_resource<O: Operation>(&mut self, op: &O) -> Result<O::Response, ExchangeError> {
        let impersonate = self.impersonation();
        let resource = self.resource.clone();
        self.with_retries(|mb| {
            let header = RequestHeader { impersonate: impersonate.as_deref(), time_zone: Some(CONTEXT_ZONE) };
            one_message::<O>(mb.client.call(op, &header, Some(&resource))?.messages)
        })
    }

    /// Calls a one-message operation impersonating `smtp` (an organizer).
    fn as_user<O: Operation>(&mut self, smtp: &str, op: &O) -> Result<O::Response, ExchangeError> {
        self.with_retries(|mb| {
            let header = RequestHeader { impersonate: Some(smtp), time_zone: Some(CONTEXT_ZONE) };
            one_message::<O>(mb.client.call(op, &header, Some(smtp))?.messages)
        })
    }

    fn get_one(&mut self, id: &ItemId, fields: &[PropertyPath], user: Option<&str>) -> Result<EwsItem, ExchangeError> {
        let op = GetItem {
            shape: ItemShape { base: "IdOnly", body_type: Some(BodyType::Html), additional: fields.to_vec() },
            ids: vec![id.clone()],
        };
        let items = match user {
            Some(smtp) => self.as_user(smtp, &op)?,
            None => self.as_resource(&op)?,
        };
        items.into_iter().next().ok_or_else(|| malformed("GetItemResponseMessage/Items", "no item"))
    }

    /// Fills in a recurring request's exceptions from its calendar item in the resource's calendar
    /// when the request itself carries none. Exchange documents Modified/DeletedOccurrences for
    /// meeting requests, but whether it fills them there (rather than only on the calendar item) is
    /// not documented; asking the calendar item costs one call and is always right.
    fn complete_occurrences(&mut self, item: &mut EwsItem) -> Result<(), ExchangeError> {
        if item.recurrence.is_none() || item.modified_occurrences.is_some() || item.deleted_occurrences.is_some() {
            return Ok(());
        }
        let Some(calendar_id) = item.associated_calendar_item_id.clone() else { return Ok(()) };
        let fields =
            [PropertyPath::Field("calendar:ModifiedOccurrences"), PropertyPath::Field("calendar:DeletedOccurrences")];
        match self.get_one(&calendar_id, &fields, None) {
            Ok(calendar) => {
                item.modified_occurrences = calendar.modified_occurrences;
                item.deleted_occurrences = calendar.deleted_occurrences;
                Ok(())
            }
            Err(e) if e.response_code() == Some(ResponseCode::ErrorItemNotFound) => {
                log::debug!("calendar item of a meeting request is gone; using the request's own data");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// The content of the one response message of a one-item request.
fn one_message<O: Operation>(
    messages: Vec<super::soap::ResponseMessage<O::Response>>,
) -> Result<O::Response, ExchangeError> {
    let count = messages.len();
    let mut messages = messages.into_iter();
    match (messages.next(), count) {
        (Some(message), 1) => message.into_result(),
        _ => Err(malformed(
            &format!("{}Response/ResponseMessages", O::NAME),
            format_args!("{count} messages for one request"),
        )),
    }
}

impl Mailbox for EwsMailbox {
    fn sync(&mut self, sync_state: Option<&str>, max: u16) -> Result<Changes, ExchangeError> {
        let op = SyncFolderItems {
            shape: ItemShape::id_only(),
            folder: self.folder("inbox", &self.resource.clone()),
            sync_state: sync_state.map(str::to_owned),
            max_changes: max,
        };
        let result = self.as_resource(&op)?;
        let items = result
            .changes
            .into_iter()
            .filter_map(|change| match change {
                SyncChange::Create(item) => item.id.map(ItemChange::Created),
                SyncChange::Update(item) => item.id.map(ItemChange::Updated),
                SyncChange::Delete(id) => Some(ItemChange::Deleted(id.id)),
                SyncChange::ReadFlagChange { .. } => None,
            })
            .collect();
        Ok(Changes { items, sync_state: result.sync_state, more_available: !result.includes_last_item_in_range })
    }

    fn meeting_message(&mut self, id: &ItemId) -> Result<MeetingMessage, ExchangeError> {
        let mut item = self.get_one(id, MEETING_FIELDS, None)?;
        match item.kind {
            Some(ItemKind::MeetingRequest) => {
                self.complete_occurrences(&mut item)?;
                Ok(MeetingMessage::Request(meeting_request(item)?))
            }
            Some(ItemKind::MeetingCancellation) => Ok(MeetingMessage::Cancellation(meeting_cancellation(item)?)),
            _ => Ok(MeetingMessage::Other {
                id: item.id.unwrap_or_else(|| id.clone()),
                item_class: item.item_class.unwrap_or_default(),
            }),
        }
    }

    fn awaits_answer(&mut self, id: &ItemId) -> Result<bool, ExchangeError> {
        let inbox = match &self.inbox_id {
            Some(inbox) => inbox.clone(),
            None => {
                let (_, folder) = self.check()?;
                self.inbox_id = Some(folder.id.id.clone());
                folder.id.id
            }
        };
        match self.get_one(id, &[PropertyPath::Field("item:ParentFolderId")], None) {
            Ok(item) => Ok(item.parent_folder_id.as_deref() == Some(inbox.as_str())),
            Err(e) if e.response_code() == Some(ResponseCode::ErrorItemNotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn reply(&mut self, request: &ItemId, reply: &Reply) -> Result<(), ExchangeError> {
        let object = match reply {
            Reply::Accept { body_html } => {
                ResponseObject::Accept { reference: request.clone(), body: Some((BodyType::Html, body_html.clone())) }
            }
            Reply::Decline { body_html } => {
                ResponseObject::Decline { reference: request.clone(), body: Some((BodyType::Html, body_html.clone())) }
            }
        };
        self.as_resource(&CreateItem { items: vec![object] }).map(drop)
    }

    fn remove_cancelled(&mut self, cancellation: &ItemId) -> Result<(), ExchangeError> {
        self.as_resource(&CreateItem { items: vec![ResponseObject::Remove { reference: cancellation.clone() }] })
            .map(drop)
    }

    fn find_organizer_meeting(
        &mut self,
        organizer: &str,
        uid: &str,
    ) -> Result<Option<OrganizerMeeting>, ExchangeError> {
        let op = FindItem {
            shape: ItemShape {
                base: "IdOnly",
                body_type: None,
                additional: vec![PropertyPath::Field("calendar:CalendarItemType")],
            },
            max_entries: 10,
            equal_to: (PropertyPath::Extended(CLEAN_GLOBAL_OBJECT_ID), clean_global_object_id(uid)),
            folder: self.folder("calendar", organizer),
        };
        let found = self.as_user(organizer, &op)?;
        // With an IndexedPageItemView the hits are single meetings and series masters; prefer those
        // over anything else should a copy of an exception show up.
        let best = found
            .items
            .iter()
            .filter(|i| i.id.is_some())
            .min_by_key(|i| match i.calendar_item_type.as_deref() {
                Some("RecurringMaster") | Some("Single") | None => 0,
                _ => 1,
            })
            .and_then(|i| i.id.clone());
        let Some(id) = best else { return Ok(None) };
        let item = self.get_one(&id, &[PropertyPath::Field("item:Body")], Some(organizer))?;
        let body_html = item.body.map(|(kind, text)| as_html(kind, text)).unwrap_or_default();
        Ok(Some(OrganizerMeeting { id: item.id.unwrap_or(id), body_html }))
    }

    fn update_organizer_meeting(
        &mut self,
        organizer: &str,
        meeting: &ItemId,
        body_html: &str,
    ) -> Result<(), ExchangeError> {
        let op = UpdateItem { id: meeting.clone(), body: (BodyType::Html, body_html.to_owned()) };
        self.as_user(organizer, &op).map(drop)
    }
}

fn as_html(kind: BodyType, text: String) -> String {
    match kind {
        BodyType::Html => text,
        BodyType::Text => {
            let mut html = String::with_capacity(text.len() + 16);
            html.push_str("<pre>");
            escape_into(&mut html, &text, false);
            html.push_str("</pre>");
            html
        }
    }
}

fn required<T>(value: Option<T>, what: &str, kind: &str) -> Result<T, ExchangeError> {
    value.ok_or_else(|| malformed(kind, format_args!("no {what}")))
}

/// The meeting's UID, the same for a series and every message about one of its occurrences: from
/// `PidLidCleanGlobalObjectId` when Exchange sent it (the `UID` of an exception's message may carry
/// the instance date, notes §7), else from `UID`.
fn uid_of(item: &EwsItem, kind: &str) -> Result<String, ExchangeError> {
    let from_property = item.clean_global_object_id.as_deref().and_then(uid_from_global_object_id);
    required(from_property.or_else(|| item.uid.clone().filter(|u| !u.is_empty())), "UID", kind)
}

fn times(item: &EwsItem, kind: &str) -> Result<(Timestamp, Timestamp), ExchangeError> {
    Ok((required(item.start, "Start", kind)?, required(item.end, "End", kind)?))
}

/// The organizer: `Organizer` on requests; cancellations have none in EWS, so `From`, then `Sender`.
fn organizer_of(item: &EwsItem, kind: &str) -> Result<Person, ExchangeError> {
    required(item.organizer.clone().or_else(|| item.from.clone()).or_else(|| item.sender.clone()), "Organizer", kind)
}

/// Converts a read `t:MeetingRequest` into the product's type.
pub fn meeting_request(item: EwsItem) -> Result<MeetingRequest, ExchangeError> {
    const KIND: &str = "MeetingRequest";
    let uid = uid_of(&item, KIND)?;
    let (start, end) = times(&item, KIND)?;
    let organizer = organizer_of(&item, KIND)?;
    let sender = item.sender.clone().filter(|s| !s.email.eq_ignore_ascii_case(&organizer.email));
    let request_type = match item.meeting_request_type.as_deref() {
        Some("NewMeetingRequest") => RequestType::NewMeetingRequest,
        Some("FullUpdate") => RequestType::FullUpdate,
        Some("InformationalUpdate") => RequestType::InformationalUpdate,
        Some("SilentUpdate") => RequestType::SilentUpdate,
        Some("Outdated") => RequestType::Outdated,
        Some("PrincipalWantsCopy") => RequestType::PrincipalWantsCopy,
        _ => RequestType::Unspecified,
    };
    Ok(MeetingRequest {
        id: required(item.id, "ItemId", KIND)?,
        uid,
        recurrence_id: item.recurrence_id,
        request_type,
        subject: item.subject.unwrap_or_default(),
        body_html: item.body.map(|(kind, text)| as_html(kind, text)).unwrap_or_default(),
        organizer,
        sender,
        start,
        end,
        time_zone: item.start_time_zone,
        is_all_day: item.is_all_day.unwrap_or(false),
        recurrence: item.recurrence,
        modified_occurrences: item.modified_occurrences.unwrap_or_default(),
        deleted_occurrences: item.deleted_occurrences.unwrap_or_default(),
        sequence: item.sequence.or(item.appointment_sequence).unwrap_or(0),
    })
}

/// Converts a read `t:MeetingCancellation` into the product's type.
pub fn meeting_cancellation(item: EwsItem) -> Result<MeetingCancellation, ExchangeError> {
    const KIND: &str = "MeetingCancellation";
    let uid = uid_of(&item, KIND)?;
    let (start, end) = times(&item, KIND)?;
    let organizer = organizer_of(&item, KIND)?;
    Ok(MeetingCancellation {
        id: required(item.id, "ItemId", KIND)?,
        uid,
        recurrence_id: item.recurrence_id,
        subject: item.subject.unwrap_or_default(),
        organizer,
        start,
        end,
        sequence: item.sequence.or(item.appointment_sequence).unwrap_or(0),
    })
}
