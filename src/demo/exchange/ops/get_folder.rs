//! `GetFolder`: the distinguished folders of a mailbox (root, inbox, calendar, sent items, ...), by
//! `DistinguishedFolderId` or `FolderId`, as `t:Folder`, `t:CalendarFolder`, `t:ContactsFolder` or
//! `t:TasksFolder`.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getfolder-operation>.

use super::{Ctx, folder_target};
use crate::demo::exchange::model::{Folder, change_key, folder_id};
use crate::demo::exchange::soap;
use crate::demo::exchange::xml::{Element, Writer};

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut w = Writer::new();
    soap::open_response(&mut w, "GetFolder");
    let ids: Vec<&Element> = body.child("FolderIds").map(|f| f.children.iter().collect()).unwrap_or_default();
    for id in ids {
        match folder_target(ctx, id) {
            Ok((mailbox, folder)) => {
                soap::open_message(&mut w, "GetFolder", None);
                w.open("m:Folders");
                write_folder(ctx, &mut w, mailbox, folder);
                w.close("m:Folders");
            }
            Err(e) => {
                soap::open_message(&mut w, "GetFolder", Some(&e));
                w.empty("m:Folders", &[]);
            }
        }
        soap::close_message(&mut w, "GetFolder");
    }
    soap::close_response(&mut w, "GetFolder");
    w.out
}

/// Writes one folder with every property the simulator knows (clients ignore extras).
pub fn write_folder(ctx: &Ctx<'_>, w: &mut Writer, mailbox: u32, folder: Folder) {
    let tag = match folder {
        Folder::Calendar => "t:CalendarFolder",
        Folder::Contacts => "t:ContactsFolder",
        Folder::Tasks => "t:TasksFolder",
        _ => "t:Folder",
    };
    let (total, unread) = ctx
        .store
        .mailbox(mailbox)
        .map(|m| {
            let items: Vec<_> = m.in_folder(folder).collect();
            (items.len(), items.iter().filter(|i| !i.is_read).count())
        })
        .unwrap_or((0, 0));
    let children = match folder {
        Folder::Root => 1,
        Folder::MsgFolderRoot => Folder::ALL.len() - 2,
        _ => 0,
    };
    w.open(tag);
    w.empty("t:FolderId", &[("Id", &folder_id(mailbox, folder)), ("ChangeKey", &change_key(1))]);
    if let Some(parent) = folder.parent() {
        w.empty("t:ParentFolderId", &[("Id", &folder_id(mailbox, parent)), ("ChangeKey", &change_key(1))]);
    }
    if !folder.class().is_empty() {
        w.leaf("t:FolderClass", folder.class());
    }
    w.leaf("t:DisplayName", folder.display_name());
    w.leaf("t:TotalCount", &total.to_string());
    w.leaf("t:ChildFolderCount", &children.to_string());
    w.open("t:EffectiveRights");
    for right in ["t:CreateAssociated", "t:CreateContents", "t:CreateHierarchy", "t:Delete", "t:Modify", "t:Read"] {
        w.bool(right, true);
    }
    w.bool("t:ViewPrivateItems", true);
    w.close("t:EffectiveRights");
    w.leaf("t:DistinguishedFolderId", folder.id());
    if tag == "t:Folder" {
        w.leaf("t:UnreadCount", &unread.to_string());
    }
    w.close(tag);
}
