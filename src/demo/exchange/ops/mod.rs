//! The EWS operations the simulator implements, one file each, dispatched on the `soap:Body` child;
//! and what they share: the request context, folder and item id resolution with access checks.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/ews-operations-in-exchange>.

mod convert_id;
mod create_item;
mod delete_item;
mod find_item;
mod get_folder;
mod get_item;
mod restriction;
mod sync_folder_items;
mod update_item;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::model::{Folder, ItemRef, Kind, Store, decode_folder_id};
use super::series;
use super::soap::{Fault, MessageError};
use super::xml::{Element, NS_M};
use crate::exchange::ews::ResponseCode;

/// One request being served.
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    /// The authenticated account.
    pub account: String,
    /// The mailbox acted as: the impersonated one, or the account's own.
    pub acting: Option<u32>,
    /// `TimeZoneContext`, for naive date-times.
    pub zone: Option<TimeZone>,
    /// The Windows id of `zone`.
    pub zone_id: Option<String>,
    pub now: Timestamp,
}

/// Runs the operation in `body`; returns the response element (with namespace declarations).
pub fn dispatch(ctx: &mut Ctx<'_>, body: &Element) -> Result<String, Fault> {
    if body.ns != NS_M {
        return Err(Fault::new(ResponseCode::ErrorInvalidRequest, "The request is not an EWS operation."));
    }
    match body.name.as_str() {
        "ConvertId" => Ok(convert_id::run(ctx, body)),
        "GetFolder" => Ok(get_folder::run(ctx, body)),
        "FindItem" => Ok(find_item::run(ctx, body)),
        "GetItem" => Ok(get_item::run(ctx, body)),
        "CreateItem" => Ok(create_item::run(ctx, body)),
        "UpdateItem" => Ok(update_item::run(ctx, body)),
        "DeleteItem" => Ok(delete_item::run(ctx, body)),
        "SyncFolderItems" => Ok(sync_folder_items::run(ctx, body)),
        other => Err(Fault::new(
            ResponseCode::ErrorInvalidOperation,
            format!("The operation {other} is not supported by this (simulated) server."),
        )),
    }
}

/// Whether the operation needs a mailbox to act as (ConvertId does not).
pub fn needs_mailbox(operation: &str) -> bool {
    operation != "ConvertId"
}

/// Resolves a `DistinguishedFolderId` or `FolderId` to a mailbox folder the caller may use.
pub fn folder_target(ctx: &Ctx<'_>, el: &Element) -> Result<(u32, Folder), MessageError> {
    match el.name.as_str() {
        "DistinguishedFolderId" => {
            let folder = el
                .attr("Id")
                .and_then(Folder::from_id)
                .ok_or_else(|| MessageError::new(ResponseCode::ErrorFolderNotFound))?;
            let mailbox = match el.child("Mailbox").and_then(|m| m.child_text("EmailAddress")) {
                Some(email) => ctx.store.mailbox_index(email).ok_or_else(|| {
                    MessageError::with_text(
                        ResponseCode::ErrorNonExistentMailbox,
                        format!("The SMTP address has no mailbox associated with it: {email}"),
                    )
                })?,
                None => ctx.acting.ok_or_else(|| {
                    MessageError::with_text(
                        ResponseCode::ErrorNonExistentMailbox,
                        "The account has no mailbox; name one in DistinguishedFolderId/Mailbox or impersonate one.",
                    )
                })?,
            };
            check_access(ctx, mailbox)?;
            Ok((mailbox, folder))
        }
        "FolderId" => {
            let (mailbox, folder) = el
                .attr("Id")
                .and_then(decode_folder_id)
                .ok_or_else(|| MessageError::new(ResponseCode::ErrorInvalidIdMalformed))?;
            if ctx.store.mailbox(mailbox).is_none() {
                return Err(MessageError::new(ResponseCode::ErrorFolderNotFound));
            }
            check_access(ctx, mailbox)?;
            Ok((mailbox, folder))
        }
        _ => Err(MessageError::with_text(ResponseCode::ErrorInvalidRequest, "Unsupported folder id element.")),
    }
}

fn check_access(ctx: &Ctx<'_>, mailbox: u32) -> Result<(), MessageError> {
    let delegate = ctx.store.mailbox(mailbox).is_some_and(|m| {
        ctx.store.delegates.contains(&(ctx.account.to_ascii_lowercase(), m.email.to_ascii_lowercase()))
    });
    if ctx.acting == Some(mailbox) || delegate {
        Ok(())
    } else {
        Err(MessageError::new(ResponseCode::ErrorAccessDenied))
    }
}

/// Resolves `ItemId`, `OccurrenceItemId` or `RecurringMasterItemId` to an existing item (or
/// occurrence) in the acting mailbox.
pub fn item_target(ctx: &Ctx<'_>, el: &Element) -> Result<ItemRef, MessageError> {
    let malformed = || MessageError::new(ResponseCode::ErrorInvalidIdMalformed);
    let r = match el.name.as_str() {
        "ItemId" | "ReferenceItemId" => el.attr("Id").and_then(ItemRef::decode).ok_or_else(malformed)?,
        "RecurringMasterItemId" => {
            let occ = el.attr("OccurrenceId").and_then(ItemRef::decode).ok_or_else(malformed)?;
            ItemRef { occurrence: None, ..occ }
        }
        "OccurrenceItemId" => {
            let master = el.attr("RecurringMasterId").and_then(ItemRef::decode).ok_or_else(malformed)?;
            let index: usize = el.attr("InstanceIndex").and_then(|i| i.trim().parse().ok()).ok_or_else(malformed)?;
            check_access(ctx, master.mailbox)?;
            let meeting = ctx
                .store
                .item(master)
                .and_then(|i| i.meeting.as_ref())
                .ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
            if meeting.recurrence.is_none() {
                return Err(MessageError::new(ResponseCode::ErrorCalendarCannotUseIdForOccurrenceId));
            }
            let instance = series::instances(meeting)
                .into_iter()
                .find(|i| i.index == index)
                .ok_or_else(|| MessageError::new(ResponseCode::ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange))?;
            if instance.deleted {
                return Err(MessageError::new(ResponseCode::ErrorCalendarOccurrenceIsDeletedFromRecurrence));
            }
            ItemRef { occurrence: Some(instance.original_start.as_second()), ..master }
        }
        _ => return Err(malformed()),
    };
    check_access(ctx, r.mailbox)?;
    let item = ctx.store.item(r).ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    if let Some(occ) = r.occurrence {
        let meeting = item
            .meeting
            .as_ref()
            .filter(|_| item.kind == Kind::CalendarItem)
            .ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
        let start = Timestamp::from_second(occ).map_err(|_| malformed())?;
        match series::instance_at(meeting, start) {
            Some(i) if !i.deleted => {}
            Some(_) => return Err(MessageError::new(ResponseCode::ErrorCalendarOccurrenceIsDeletedFromRecurrence)),
            None => return Err(MessageError::new(ResponseCode::ErrorItemNotFound)),
        }
    }
    Ok(r)
}

/// The item id elements of an `m:ItemIds` container.
pub fn id_elements(container: Option<&Element>) -> Vec<&Element> {
    container
        .map(|c| {
            c.children
                .iter()
                .filter(|e| matches!(e.name.as_str(), "ItemId" | "OccurrenceItemId" | "RecurringMasterItemId"))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) use create_item::create_calendar_item;
