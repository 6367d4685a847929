//! `DeleteItem`: hard, soft and move-to-Deleted-Items deletion of items and of single occurrences;
//! an organizer deleting a meeting with `SendMeetingCancellations` cancels it for the attendees.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem-operation>.

use jiff::Timestamp;

use super::{Ctx, id_elements, item_target};
use crate::demo::exchange::meetings::{self, SendMode};
use crate::demo::exchange::model::{Change, Folder, ItemRef, Kind, Response};
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::ews::ResponseCode;

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeleteType {
    Hard,
    Soft,
    Move,
}

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let delete_type = match body.attr("DeleteType") {
        Some("HardDelete") => Some(DeleteType::Hard),
        Some("SoftDelete") => Some(DeleteType::Soft),
        Some("MoveToDeletedItems") => Some(DeleteType::Move),
        _ => None,
    };
    let mode = SendMode::parse(body.attr("SendMeetingCancellations"));
    let mut w = Writer::new();
    soap::open_response(&mut w, "DeleteItem");
    for id in id_elements(body.child("ItemIds")) {
        let result = match delete_type {
            Some(t) => delete_one(ctx, id, t, mode),
            None => Err(MessageError::with_text(ResponseCode::ErrorInvalidRequest, "DeleteType is required.")),
        };
        soap::open_message(&mut w, "DeleteItem", result.as_ref().err());
        soap::close_message(&mut w, "DeleteItem");
    }
    soap::close_response(&mut w, "DeleteItem");
    w.out
}

fn delete_one(ctx: &mut Ctx<'_>, id: &Element, t: DeleteType, mode: Option<SendMode>) -> Result<(), MessageError> {
    let r = item_target(ctx, id)?;
    let item = ctx.store.item(r).cloned().ok_or_else(|| MessageError::new(ResponseCode::ErrorItemNotFound))?;
    if item.kind == Kind::CalendarItem {
        let mode = mode.ok_or_else(|| MessageError::new(ResponseCode::ErrorSendMeetingCancellationsRequired))?;
        let organizer = item.meeting.as_ref().is_some_and(|m| m.is_meeting && m.my_response == Response::Organizer);
        if organizer {
            meetings::cancel(ctx.store, r.mailbox, r, None, mode.sends(), mode.saves_copy(), ctx.now)?;
            if r.occurrence.is_some() {
                return Ok(());
            }
        } else if let Some(occ) = r.occurrence.and_then(|s| Timestamp::from_second(s).ok()) {
            if let Some(m) = ctx.store.item_mut(r.mailbox, item.num).and_then(|i| i.meeting.as_mut()) {
                m.deleted.push(occ);
                m.exceptions.retain(|e| e.original_start != occ);
            }
            ctx.store.touch(r.mailbox, item.num, Change::Update, ctx.now);
            return Ok(());
        }
    }
    let r = ItemRef::new(r.mailbox, item.num);
    match t {
        DeleteType::Move if item.folder != Folder::DeletedItems => {
            ctx.store.move_item(r.mailbox, r.item, Folder::DeletedItems)
        }
        _ => ctx.store.remove(r.mailbox, r.item),
    }
    Ok(())
}
