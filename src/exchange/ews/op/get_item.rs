//! `GetItem`: the properties of items by id.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem>

use super::Operation;
use super::types::{EwsItem, ItemShape, ParseContext, malformed, read_items, write_item_id};
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: `shape` of each item in `ids`; the answer has one message per id, in order.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetItem {
    pub shape: ItemShape,
    pub ids: Vec<ItemId>,
}

impl Operation for GetItem {
    const NAME: &'static str = "GetItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = Vec<EwsItem>;

    fn write_body(&self, w: &mut XmlWriter) {
        self.shape.write(w);
        w.open("m:ItemIds", &[]);
        for id in &self.ids {
            write_item_id(w, "t:ItemId", id);
        }
        w.close();
    }

    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<Vec<EwsItem>, ExchangeError> {
        let items = message.child(Ns::Messages, "Items").ok_or_else(|| malformed(path, "no Items"))?;
        read_items(items, &format!("{path}/Items"), ctx)
    }
}
