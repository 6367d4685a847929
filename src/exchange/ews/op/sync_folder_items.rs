//! `SyncFolderItems`: what changed in a folder since a sync state.
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems>

use super::Operation;
use super::types::{DistinguishedFolder, EwsItem, ItemShape, ParseContext, malformed, read_item_id};
use super::values::parse_bool;
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: changes in `folder` after `sync_state` (`None`: from the start), at most `max_changes`
/// (EWS allows 1 to 512).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFolderItems {
    pub shape: ItemShape,
    pub folder: DistinguishedFolder,
    pub sync_state: Option<String>,
    pub max_changes: u16,
}

/// One message of the answer.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitemsresponsemessage>
#[derive(Debug, Clone, PartialEq)]
pub struct SyncFolderItemsResult {
    /// State to send next time (`SyncState`).
    pub sync_state: String,
    /// `IncludesLastItemInRange`: no more changes wait beyond this batch.
    pub includes_last_item_in_range: bool,
    pub changes: Vec<SyncChange>,
}

/// One entry of `Changes`.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/changes-items>
#[derive(Debug, Clone, PartialEq)]
pub enum SyncChange {
    Create(EwsItem),
    Update(EwsItem),
    Delete(ItemId),
    ReadFlagChange { id: ItemId, is_read: bool },
}

impl Operation for SyncFolderItems {
    const NAME: &'static str = "SyncFolderItems";
    const TIME_ZONE_CONTEXT: bool = false;
    type Response = SyncFolderItemsResult;

    fn write_body(&self, w: &mut XmlWriter) {
        self.shape.write(w);
        w.open("m:SyncFolderId", &[]);
        self.folder.write(w);
        w.close();
        if let Some(state) = &self.sync_state {
            w.leaf("m:SyncState", &[], state);
        }
        w.leaf("m:MaxChangesReturned", &[], &self.max_changes.clamp(1, 512).to_string());
        w.leaf("m:SyncScope", &[], "NormalItems");
    }

    fn read_message(message: &Element, path: &str, ctx: &ParseContext) -> Result<SyncFolderItemsResult, ExchangeError> {
        let sync_state = message
            .child_text(Ns::Messages, "SyncState")
            .map(|s| s.trim().to_owned())
            .ok_or_else(|| malformed(path, "no SyncState"))?;
        let includes_last = message
            .child_text(Ns::Messages, "IncludesLastItemInRange")
            .ok_or_else(|| malformed(path, "no IncludesLastItemInRange"))?;
        let includes_last_item_in_range =
            parse_bool(includes_last).map_err(|why| malformed(&format!("{path}/IncludesLastItemInRange"), why))?;
        let mut changes = Vec::new();
        if let Some(list) = message.child(Ns::Messages, "Changes") {
            for (i, change) in list.children.iter().filter(|c| c.ns == Ns::Types).enumerate() {
                let p = format!("{path}/Changes/{}[{}]", change.name, i + 1);
                let item = || {
                    let e =
                        change.children.iter().find(|c| c.ns == Ns::Types).ok_or_else(|| malformed(&p, "no item"))?;
                    let item = EwsItem::read(e, &format!("{p}/{}", e.name), ctx)?;
                    if item.id.is_none() {
                        return Err(malformed(&format!("{p}/{}", e.name), "no ItemId"));
                    }
                    Ok(item)
                };
                let id = || {
                    let e = change.child(Ns::Types, "ItemId").ok_or_else(|| malformed(&p, "no ItemId"))?;
                    read_item_id(e, &format!("{p}/ItemId"))
                };
                changes.push(match change.name.as_str() {
                    "Create" => SyncChange::Create(item()?),
                    "Update" => SyncChange::Update(item()?),
                    "Delete" => SyncChange::Delete(id()?),
                    "ReadFlagChange" => {
                        let flag = change.child_text(Ns::Types, "IsRead").ok_or_else(|| malformed(&p, "no IsRead"))?;
                        let is_read = parse_bool(flag).map_err(|why| malformed(&format!("{p}/IsRead"), why))?;
                        SyncChange::ReadFlagChange { id: id()?, is_read }
                    }
                    other => return Err(malformed(&p, format_args!("unknown change {other}"))),
                });
            }
        }
        Ok(SyncFolderItemsResult { sync_state, includes_last_item_in_range, changes })
    }
}
