//! `GetFolder`: a folder's id and name, which proves that the credentials, the impersonation right
//! and the mailbox all work (the connectivity self-test).
//! <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getfolder>

use super::Operation;
use super::types::{DistinguishedFolder, ParseContext, malformed, read_item_id};
use super::values::parse_u32;
use crate::exchange::ews::xml::{Element, Ns, XmlWriter};
use crate::exchange::{ExchangeError, ItemId};

/// The request: `folders`, with their display names and item counts.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getfolder>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetFolder {
    pub folders: Vec<DistinguishedFolder>,
}

/// A folder as answered (`t:Folder`, `t:CalendarFolder`, …).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/folders-ex15websvcsotherref>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The folder element's name (`CalendarFolder`, `Folder`, …).
    pub kind: String,
    pub id: ItemId,
    pub display_name: Option<String>,
    pub total_count: Option<u32>,
}

impl Operation for GetFolder {
    const NAME: &'static str = "GetFolder";
    const TIME_ZONE_CONTEXT: bool = true;
    type Response = Vec<Folder>;

    fn write_body(&self, w: &mut XmlWriter) {
        w.open("m:FolderShape", &[]);
        w.leaf("t:BaseShape", &[], "IdOnly");
        w.open("t:AdditionalProperties", &[]);
        w.empty("t:FieldURI", &[("FieldURI", "folder:DisplayName")]);
        w.empty("t:FieldURI", &[("FieldURI", "folder:TotalCount")]);
        w.close();
        w.close();
        w.open("m:FolderIds", &[]);
        for folder in &self.folders {
            folder.write(w);
        }
        w.close();
    }

    fn read_message(message: &Element, path: &str, _: &ParseContext) -> Result<Vec<Folder>, ExchangeError> {
        let folders = message.child(Ns::Messages, "Folders").ok_or_else(|| malformed(path, "no Folders"))?;
        let mut out = Vec::new();
        for (i, f) in folders.children.iter().filter(|c| c.ns == Ns::Types).enumerate() {
            let p = format!("{path}/Folders/{}[{}]", f.name, i + 1);
            let id = f.child(Ns::Types, "FolderId").ok_or_else(|| malformed(&p, "no FolderId"))?;
            let total_count = match f.child_text(Ns::Types, "TotalCount") {
                Some(n) => Some(parse_u32(n).map_err(|why| malformed(&format!("{p}/TotalCount"), why))?),
                None => None,
            };
            out.push(Folder {
                kind: f.name.clone(),
                id: read_item_id(id, &format!("{p}/FolderId"))?,
                display_name: f.child_text(Ns::Types, "DisplayName").map(str::to_owned),
                total_count,
            });
        }
        Ok(out)
    }
}
