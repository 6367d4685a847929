//! `GetItem`: items (and occurrences) by id with the requested shape: `IdOnly`, `Default` or
//! `AllProperties`, `AdditionalProperties` (unknown ones are ignored, as Exchange returns what it
//! has), extended properties and the HTML/Text/Best body type.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation>.

use jiff::Timestamp;

use super::{Ctx, id_elements, item_target};
use crate::demo::exchange::item_write::{OccurrenceView, read_shape, write_item};
use crate::demo::exchange::series;
use crate::demo::exchange::soap;
use crate::demo::exchange::xml::{Element, Writer};

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let shape = read_shape(body.child("ItemShape"));
    let mut w = Writer::new();
    soap::open_response(&mut w, "GetItem");
    for id in id_elements(body.child("ItemIds")) {
        match item_target(ctx, id) {
            Ok(r) => {
                soap::open_message(&mut w, "GetItem", None);
                w.open("m:Items");
                if let Some(item) = ctx.store.item(r) {
                    let occ = r.occurrence.and_then(|s| {
                        let start = Timestamp::from_second(s).ok()?;
                        let instance = series::instance_at(item.meeting.as_ref()?, start)?;
                        Some(OccurrenceView { instance })
                    });
                    write_item(&mut w, r.mailbox, item, occ.as_ref(), &shape);
                }
                w.close("m:Items");
            }
            Err(e) => {
                soap::open_message(&mut w, "GetItem", Some(&e));
                w.empty("m:Items", &[]);
            }
        }
        soap::close_message(&mut w, "GetItem");
    }
    soap::close_response(&mut w, "GetItem");
    w.out
}
