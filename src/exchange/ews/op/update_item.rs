//! `UpdateItem`: replacing the body of a meeting and sending the update to its attendees.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem>

use super::Operation;
use super::types::{BodyType, EwsItem, ParseContext, malformed, read_items, write_item_id};
use super::values::parse_u32;
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: set `item:Body` of calendar item `id`, with `ConflictResolution="AutoResolve"` and
/// `SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"` (every attendee gets the update).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateItem {
    pub id: ItemId,
    pub body: (BodyType, String),
}

/// One message of the answer: the item with its new change key, and how many conflicts AutoResolve
/// settled (`ConflictResults/Count`).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitemresponsemessage>
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateItemResult {
    pub items: Vec<EwsItem>,
    pub conflicts: Option<u32>,
}

impl Operation for UpdateItem {
    const NAME: &'static str = "UpdateItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = UpdateItemResult;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ConflictResolution", "AutoResolve".to_owned()),
            ("MessageDisposition", "SaveOnly".to_owned()),
            ("SendMeetingInvitationsOrCancellations", "SendToAllAndSaveCopy".to_owned()),
        ]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        w.open("m:ItemChanges", &[]);
        w.open("t:ItemChange", &[]);
        write_item_id(w, "t:ItemId", &self.id);
        w.open("t:Updates", &[]);
        w.open("t:SetItemField", &[]);
        w.empty("t:FieldURI", &[("FieldURI", "item:Body")]);
        w.open("t:CalendarItem", &[]);
        w.leaf("t:Body", &[("BodyType", self.body.0.as_str())], &self.body.1);
        w.close();
        w.close();
        w.close();
        w.close();
        w.close();
    }

    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<UpdateItemResult, ExchangeError> {
        let items = message.child(Ns::Messages, "Items").ok_or_else(|| malformed(path, "no Items"))?;
        let items = read_items(items, &format!("{path}/Items"), ctx)?;
        let conflicts =
            match message.child(Ns::Messages, "ConflictResults").and_then(|c| c.child_text(Ns::Types, "Count")) {
                Some(n) => Some(parse_u32(n).map_err(|why| malformed(&format!("{path}/ConflictResults/Count"), why))?),
                None => None,
            };
        Ok(UpdateItemResult { items, conflicts })
    }
}
