//! `SyncFolderItems`: the changes in a folder since an opaque sync state (Create, Update, Delete,
//! ReadFlagChange), at most `MaxChangesReturned` at a time, with a new state and
//! `IncludesLastItemInRange`. States are journal versions with a keyed checksum, so a state from
//! anywhere else is `ErrorInvalidSyncStateData`.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation>.

use std::collections::BTreeMap;

use super::{Ctx, folder_target};
use crate::demo::exchange::item_write::{read_shape, write_item};
use crate::demo::exchange::model::{Change, ItemRef, change_key, decode_sync_state, encode_sync_state};
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::ews::ResponseCode;

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut w = Writer::new();
    soap::open_response(&mut w, "SyncFolderItems");
    match sync(ctx, body) {
        Ok(out) => {
            soap::open_message(&mut w, "SyncFolderItems", None);
            w.out.push_str(&out);
        }
        Err(e) => {
            soap::open_message(&mut w, "SyncFolderItems", Some(&e));
            w.empty("m:SyncState", &[]);
            w.bool("m:IncludesLastItemInRange", true);
        }
    }
    soap::close_message(&mut w, "SyncFolderItems");
    soap::close_response(&mut w, "SyncFolderItems");
    w.out
}

enum Out {
    Create,
    Update,
    ReadFlag,
    Delete,
}

fn sync(ctx: &mut Ctx<'_>, body: &Element) -> Result<String, MessageError> {
    let shape = read_shape(body.child("ItemShape"));
    let folder_el = body
        .child("SyncFolderId")
        .and_then(|f| f.children.first())
        .ok_or_else(|| MessageError::new(ResponseCode::ErrorSyncFolderNotFound))?;
    let (mailbox, folder) = folder_target(ctx, folder_el)?;
    let max: usize = body
        .child_text("MaxChangesReturned")
        .and_then(|m| m.parse().ok())
        .filter(|m| (1..=512).contains(m))
        .ok_or_else(|| {
            MessageError::with_text(ResponseCode::ErrorInvalidRequest, "MaxChangesReturned must be 1 to 512.")
        })?;
    let since = match body.child_text("SyncState").filter(|s| !s.is_empty()) {
        None => 0,
        Some(state) => decode_sync_state(&ctx.store.secret, state, mailbox, folder)
            .filter(|v| *v <= ctx.store.version)
            .ok_or_else(|| MessageError::new(ResponseCode::ErrorInvalidSyncStateData))?,
    };
    let ignore: Vec<ItemRef> = body
        .child("Ignore")
        .map(|i| i.children.iter().filter_map(|id| id.attr("Id")).filter_map(ItemRef::decode).collect())
        .unwrap_or_default();
    let mbx = ctx.store.mailbox(mailbox).ok_or_else(|| MessageError::new(ResponseCode::ErrorSyncFolderNotFound))?;
    // Per item: (first change after `since`, every change a read flag?, latest version).
    let mut touched: BTreeMap<u64, (Change, bool, u64)> = BTreeMap::new();
    for e in mbx.journal.iter().filter(|e| e.version > since && e.folder == folder) {
        let entry = touched.entry(e.item).or_insert((e.change, true, e.version));
        entry.1 &= e.change == Change::ReadFlag;
        entry.2 = e.version;
    }
    let mut changes: Vec<(u64, u64, Out)> = Vec::new();
    for (num, (first, only_read, latest)) in touched {
        let exists = mbx.items.get(&num).is_some_and(|i| i.folder == folder);
        let out = match (first == Change::Create, exists) {
            (true, true) => Out::Create,
            (true, false) => continue,
            (false, false) => Out::Delete,
            (false, true) if only_read => Out::ReadFlag,
            (false, true) => Out::Update,
        };
        if ignore.iter().any(|r| r.mailbox == mailbox && r.item == num) {
            continue;
        }
        changes.push((latest, num, out));
    }
    changes.sort_by_key(|(v, n, _)| (*v, *n));
    let complete = changes.len() <= max;
    changes.truncate(max);
    let version = if complete { ctx.store.version } else { changes.last().map_or(since, |(v, _, _)| *v) };
    let mut w = Writer::new();
    w.leaf("m:SyncState", &encode_sync_state(&ctx.store.secret, mailbox, folder, version));
    w.bool("m:IncludesLastItemInRange", complete);
    w.open("m:Changes");
    for (_, num, out) in &changes {
        let item = mbx.items.get(num);
        let id = ItemRef::new(mailbox, *num).encode();
        match (out, item) {
            (Out::Create, Some(item)) | (Out::Update, Some(item)) => {
                let tag = if matches!(out, Out::Create) { "t:Create" } else { "t:Update" };
                w.open(tag);
                write_item(&mut w, mailbox, item, None, &shape);
                w.close(tag);
            }
            (Out::ReadFlag, Some(item)) => {
                w.open("t:ReadFlagChange");
                w.empty("t:ItemId", &[("Id", &id), ("ChangeKey", &change_key(item.change))]);
                w.bool("t:IsRead", item.is_read);
                w.close("t:ReadFlagChange");
            }
            _ => {
                w.open("t:Delete");
                w.empty("t:ItemId", &[("Id", &id)]);
                w.close("t:Delete");
            }
        }
    }
    w.close("m:Changes");
    Ok(w.out)
}
