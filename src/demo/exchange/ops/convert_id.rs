//! `ConvertId`: converts item ids between formats. The simulator's ids are the same bytes in every
//! format (base64 for EwsId/EntryId/StoreId, hex for HexEntryId); anything it did not issue is
//! `ErrorInvalidIdMalformed`, which is also how exchangelib's version probe (`Id="DUMMY"`) is answered.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/convertid-operation>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use super::Ctx;
use crate::demo::exchange::model::ItemRef;
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::ews::ResponseCode;

const FORMATS: &[&str] = &["EwsLegacyId", "EwsId", "EntryId", "HexEntryId", "StoreId", "OwaId"];

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let _ = &ctx.account;
    let destination = body.attr("DestinationFormat").unwrap_or("");
    let mut w = Writer::new();
    soap::open_response(&mut w, "ConvertId");
    let ids: Vec<&Element> = body.child("SourceIds").map(|s| s.children.iter().collect()).unwrap_or_default();
    for id in ids {
        let converted = convert(id, destination);
        match converted {
            Ok(value) => {
                soap::open_message(&mut w, "ConvertId", None);
                let mailbox = id.attr("Mailbox").unwrap_or("");
                w.empty(
                    "m:AlternateId",
                    &[
                        ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                        ("xsi:type", "t:AlternateIdType"),
                        ("Format", destination),
                        ("Id", &value),
                        ("Mailbox", mailbox),
                    ],
                );
            }
            Err(e) => soap::open_message(&mut w, "ConvertId", Some(&e)),
        }
        soap::close_message(&mut w, "ConvertId");
    }
    soap::close_response(&mut w, "ConvertId");
    w.out
}

fn convert(id: &Element, destination: &str) -> Result<String, MessageError> {
    let malformed = || MessageError::new(ResponseCode::ErrorInvalidIdMalformed);
    if !FORMATS.contains(&destination) {
        return Err(MessageError::with_text(ResponseCode::ErrorInvalidRequest, "Unknown DestinationFormat."));
    }
    let raw = id.attr("Id").unwrap_or("");
    let bytes = match id.attr("Format").unwrap_or("") {
        "HexEntryId" => hex(raw).ok_or_else(malformed)?,
        "OwaId" => {
            B64.decode(raw.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")).map_err(|_| malformed())?
        }
        f if FORMATS.contains(&f) => B64.decode(raw.trim()).map_err(|_| malformed())?,
        _ => return Err(malformed()),
    };
    let canonical = B64.encode(&bytes);
    if ItemRef::decode(&canonical).is_none() {
        return Err(malformed());
    }
    Ok(match destination {
        "HexEntryId" => bytes.iter().map(|b| format!("{b:02X}")).collect(),
        "OwaId" => canonical.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D"),
        _ => canonical,
    })
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
