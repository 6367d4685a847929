//! `CreateItem` with response objects: accepting or declining a meeting request as the attendee, and
//! removing a cancelled meeting from the attendee's calendar.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem-operation-meeting-request>

use super::Operation;
use super::types::{BodyType, EwsItem, ParseContext, malformed, read_items, write_item_id};
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: response objects sent with `MessageDisposition="SendAndSaveCopy"` (response objects
/// require a disposition; the copy lands in the attendee's Sent Items).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/createitem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateItem {
    pub items: Vec<ResponseObject>,
}

/// A response object (`WellKnownResponseObjectType` / `ResponseObjectType`).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/acceptitem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseObject {
    /// `AcceptItem`: accept the meeting request (or calendar item) `reference`, with an optional body.
    Accept { reference: ItemId, body: Option<(BodyType, String)> },
    /// `DeclineItem`.
    Decline { reference: ItemId, body: Option<(BodyType, String)> },
    /// `RemoveItem`: remove the meeting of cancellation `reference` from the calendar.
    Remove { reference: ItemId },
}

impl Operation for CreateItem {
    const NAME: &'static str = "CreateItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = Vec<EwsItem>;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![("MessageDisposition", "SendAndSaveCopy".to_owned())]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        w.open("m:Items", &[]);
        for item in &self.items {
            let (tag, reference, body) = match item {
                ResponseObject::Accept { reference, body } => ("t:AcceptItem", reference, body.as_ref()),
                ResponseObject::Decline { reference, body } => ("t:DeclineItem", reference, body.as_ref()),
                ResponseObject::Remove { reference } => ("t:RemoveItem", reference, None),
            };
            w.open(tag, &[]);
            // Schema order: Body comes before ReferenceItemId.
            if let Some((kind, text)) = body {
                w.leaf("t:Body", &[("BodyType", kind.as_str())], text);
            }
            write_item_id(w, "t:ReferenceItemId", reference);
            w.close();
        }
        w.close();
    }

    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<Vec<EwsItem>, ExchangeError> {
        // Exchange 2007 answers `<m:Items/>`; newer versions list the affected items' ids.
        let items = message.child(Ns::Messages, "Items").ok_or_else(|| malformed(path, "no Items"))?;
        read_items(items, &format!("{path}/Items"), ctx)
    }
}
