//! `FindItem`: items of a folder that match a restriction, one page of them.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem>

use super::Operation;
use super::types::{DistinguishedFolder, EwsItem, ItemShape, ParseContext, PropertyPath, malformed, read_items};
use super::values::{parse_bool, parse_u32};
use crate::exchange::ExchangeError;
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};

/// The request: a shallow search of `folder` for items whose `path` equals `value`, the first
/// `max_entries` of them (`IndexedPageItemView` from the beginning).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindItem {
    pub shape: ItemShape,
    pub max_entries: u32,
    pub equal_to: (PropertyPath, String),
    pub folder: DistinguishedFolder,
}

/// One message of the answer (`RootFolder`).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/rootfolder-finditemresponsemessage>
#[derive(Debug, Clone, PartialEq)]
pub struct FindItemResult {
    pub items: Vec<EwsItem>,
    pub total_items_in_view: Option<u32>,
    pub includes_last_item_in_range: bool,
}

impl Operation for FindItem {
    const NAME: &'static str = "FindItem";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = FindItemResult;

    fn attributes(&self) -> Vec<(&'static str, String)> {
        vec![("Traversal", "Shallow".to_owned())]
    }

    fn write_body(&self, w: &mut XmlWriter) {
        self.shape.write(w);
        let max = self.max_entries.max(1).to_string();
        w.empty("m:IndexedPageItemView", &[("MaxEntriesReturned", &max), ("Offset", "0"), ("BasePoint", "Beginning")]);
        w.open("m:Restriction", &[]);
        w.open("t:IsEqualTo", &[]);
        self.equal_to.0.write(w);
        w.open("t:FieldURIOrConstant", &[]);
        w.empty("t:Constant", &[("Value", &self.equal_to.1)]);
        w.close();
        w.close();
        w.close();
        w.open("m:ParentFolderIds", &[]);
        self.folder.write(w);
        w.close();
    }

    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<FindItemResult, ExchangeError> {
        let root = message.child(Ns::Messages, "RootFolder").ok_or_else(|| malformed(path, "no RootFolder"))?;
        let p = format!("{path}/RootFolder");
        let total_items_in_view = match root.attr("TotalItemsInView") {
            Some(v) => Some(parse_u32(v).map_err(|why| malformed(&format!("{p}/@TotalItemsInView"), why))?),
            None => None,
        };
        let includes_last_item_in_range = match root.attr("IncludesLastItemInRange") {
            Some(v) => parse_bool(v).map_err(|why| malformed(&format!("{p}/@IncludesLastItemInRange"), why))?,
            None => true,
        };
        let items = match root.child(Ns::Types, "Items") {
            Some(items) => read_items(items, &format!("{p}/Items"), ctx)?,
            None => Vec::new(),
        };
        Ok(FindItemResult { items, total_items_in_view, includes_last_item_in_range })
    }
}
