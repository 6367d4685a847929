//! `DeleteItem`: deleting items by id (meetings with or without cancellations to their attendees).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem>

use super::Operation;
use super::types::{ParseContext, write_item_id};
use crate::exchange::ews::xml::{Element, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: delete `ids` the `delete_type` way. Deleting a calendar item needs
/// `send_meeting_cancellations` (`SendToNone`, `SendOnlyToAll` or `SendToAllAndSaveCopy`).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/deleteitem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteItem {
    pub ids: Vec<ItemId>,
    /// `HardDelete`, `SoftDelete` or `MoveToDeletedItems`.
    pub delete_type: &'static str,
    pub send_meeting_cancellations: Option<&'static str>,
}

impl Operation for DeleteItem {
    const NAME: &'static str = "DeleteItem";
    const TIME_ZONE_CONTEXT: bool = false;
    /// A DeleteItem response message carries nothing but its class and code.
    type Response = ();

    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut attrs = vec![("DeleteType", self.delete_type.to_owned())];
        if let Some(send) = self.send_meeting_cancellations {
            attrs.push(("SendMeetingCancellations", send.to_owned()));
        }
        attrs
    }

    fn write_body(&self, w: &mut XmlWriter) {
        w.open("m:ItemIds", &[]);
        for id in &self.ids {
            write_item_id(w, "t:ItemId", id);
        }
        w.close();
    }

    fn read_message(_: &Element, _: &str, _: &ParseContext) -> Result<(), ExchangeError> {
        Ok(())
    }
}
