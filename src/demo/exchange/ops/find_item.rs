//! `FindItem` (Shallow traversal): items of a folder with `IndexedPageItemView` paging, or the
//! expanded instances of a calendar with `CalendarView`; restrictions and sort orders.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation>.

use jiff::Timestamp;

use super::restriction::{self, Expr};
use super::{Ctx, folder_target};
use crate::demo::exchange::item_write::{OccurrenceView, Shape, read_shape, start_or_received, write_item};
use crate::demo::exchange::model::{Item, Kind};
use crate::demo::exchange::series;
use crate::demo::exchange::soap::{self, MessageError};
use crate::demo::exchange::time;
use crate::demo::exchange::xml::{Element, Writer};
use crate::exchange::ews::ResponseCode;

enum View {
    Indexed { max: Option<usize>, offset: usize, from_end: bool },
    Calendar { start: Timestamp, end: Timestamp, max: Option<usize> },
}

pub fn run(ctx: &mut Ctx<'_>, body: &Element) -> String {
    let mut w = Writer::new();
    soap::open_response(&mut w, "FindItem");
    let folders: Vec<&Element> = body.child("ParentFolderIds").map(|f| f.children.iter().collect()).unwrap_or_default();
    let prepared = prepare(ctx, body);
    for folder in folders {
        let result = prepared.clone().and_then(|p| find(ctx, folder, &p));
        match result {
            Ok(found) => {
                soap::open_message(&mut w, "FindItem", None);
                w.out.push_str(&found);
            }
            Err(e) => soap::open_message(&mut w, "FindItem", Some(&e)),
        }
        soap::close_message(&mut w, "FindItem");
    }
    soap::close_response(&mut w, "FindItem");
    w.out
}

#[derive(Clone)]
struct Prepared {
    shape: Shape,
    view: std::rc::Rc<View>,
    restriction: Option<Expr>,
    sort: Option<(String, bool)>,
    /// `Associated` and `SoftDeleted` traversals see none of the simulator's (normal, live) items.
    shallow: bool,
}

fn prepare(ctx: &Ctx<'_>, body: &Element) -> Result<Prepared, MessageError> {
    let mut shape = read_shape(body.child("ItemShape"));
    shape.for_find = true;
    match body.attr("Traversal") {
        Some("Shallow") | Some("SoftDeleted") | Some("Associated") => {}
        _ => {
            return Err(MessageError::with_text(
                ResponseCode::ErrorInvalidRequest,
                "Traversal must be Shallow, SoftDeleted or Associated.",
            ));
        }
    }
    let max = |el: &Element| el.attr("MaxEntriesReturned").and_then(|m| m.trim().parse::<usize>().ok());
    let view = if let Some(v) = body.child("CalendarView") {
        let start = v.attr("StartDate").and_then(|s| time::parse(s, ctx.zone.as_ref()));
        let end = v.attr("EndDate").and_then(|s| time::parse(s, ctx.zone.as_ref()));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(MessageError::with_text(
                ResponseCode::ErrorInvalidRequest,
                "CalendarView needs StartDate and EndDate.",
            ));
        };
        if end < start {
            return Err(MessageError::new(ResponseCode::ErrorCalendarEndDateIsEarlierThanStartDate));
        }
        if end.as_second() - start.as_second() > 2 * 366 * 86_400 + 86_400 {
            return Err(MessageError::new(ResponseCode::ErrorCalendarViewRangeTooBig));
        }
        View::Calendar { start, end, max: max(v) }
    } else if let Some(v) = body.child("IndexedPageItemView") {
        View::Indexed {
            max: max(v),
            offset: v.attr("Offset").and_then(|o| o.trim().parse().ok()).unwrap_or(0),
            from_end: v.attr("BasePoint") == Some("End"),
        }
    } else {
        View::Indexed { max: None, offset: 0, from_end: false }
    };
    let restriction = body.child("Restriction").map(restriction::parse).transpose()?;
    if restriction.is_some() && matches!(view, View::Calendar { .. }) {
        return Err(MessageError::with_text(
            ResponseCode::ErrorInvalidRestriction,
            "Restrictions can't be used with a CalendarView.",
        ));
    }
    let sort = body.child("SortOrder").and_then(|s| s.child("FieldOrder")).and_then(|f| {
        let uri = f.child("FieldURI")?.attr("FieldURI")?.to_string();
        Some((uri, f.attr("Order") != Some("Ascending")))
    });
    let shallow = body.attr("Traversal") == Some("Shallow");
    Ok(Prepared { shape, view: std::rc::Rc::new(view), restriction, sort, shallow })
}

fn find(ctx: &Ctx<'_>, folder_el: &Element, p: &Prepared) -> Result<String, MessageError> {
    let (mailbox, folder) = folder_target(ctx, folder_el)?;
    let traversal_shallow = p.shallow;
    let mbx = ctx.store.mailbox(mailbox).ok_or_else(|| MessageError::new(ResponseCode::ErrorFolderNotFound))?;
    let mut w = Writer::new();
    match p.view.as_ref() {
        View::Calendar { start, end, max } => {
            let mut rows: Vec<(Timestamp, &Item, Option<OccurrenceView>)> = Vec::new();
            for item in mbx.in_folder(folder).filter(|i| i.kind == Kind::CalendarItem && traversal_shallow) {
                let Some(m) = &item.meeting else { continue };
                if m.recurrence.is_some() {
                    for i in series::instances(m) {
                        if !i.deleted && i.end > *start && i.start < *end {
                            rows.push((i.start, item, Some(OccurrenceView { instance: i })));
                        }
                    }
                } else if m.end > *start && m.start < *end {
                    rows.push((m.start, item, None));
                }
            }
            rows.sort_by_key(|(t, i, _)| (*t, i.num));
            let total = rows.len();
            let take = max.unwrap_or(total).min(total);
            let all =
                [("TotalItemsInView", total.to_string()), ("IncludesLastItemInRange", (take == total).to_string())];
            let attrs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (*n, v.as_str())).collect();
            w.open_attrs("m:RootFolder", &attrs);
            w.open("t:Items");
            for (_, item, occ) in rows.iter().take(take) {
                write_item(&mut w, mailbox, item, occ.as_ref(), &p.shape);
            }
            w.close("t:Items");
            w.close("m:RootFolder");
        }
        View::Indexed { max, offset, from_end } => {
            let mut items: Vec<&Item> = mbx
                .in_folder(folder)
                .filter(|_| traversal_shallow)
                .filter(|i| p.restriction.as_ref().is_none_or(|r| restriction::matches(r, i, ctx.zone.as_ref())))
                .collect();
            sort(&mut items, p.sort.as_ref(), folder == crate::demo::exchange::model::Folder::Calendar);
            let total = items.len();
            let first = if *from_end {
                total.saturating_sub(offset.saturating_add(max.unwrap_or(total)))
            } else {
                (*offset).min(total)
            };
            let count = max.unwrap_or(total).min(total - first);
            let next = first + count;
            let all = [
                ("IndexedPagingOffset", next.to_string()),
                ("TotalItemsInView", total.to_string()),
                ("IncludesLastItemInRange", (next >= total).to_string()),
            ];
            let attrs: Vec<(&str, &str)> = all.iter().map(|(n, v)| (*n, v.as_str())).collect();
            w.open_attrs("m:RootFolder", &attrs);
            w.open("t:Items");
            for item in &items[first..next] {
                write_item(&mut w, mailbox, item, None, &p.shape);
            }
            w.close("t:Items");
            w.close("m:RootFolder");
        }
    }
    Ok(w.out)
}

fn sort(items: &mut [&Item], order: Option<&(String, bool)>, calendar: bool) {
    let default =
        if calendar { ("calendar:Start".to_string(), false) } else { ("item:DateTimeReceived".to_string(), true) };
    let (field, descending) = order.cloned().unwrap_or(default);
    items.sort_by(|a, b| {
        let ord = match field.as_str() {
            "item:Subject" => a.subject.to_lowercase().cmp(&b.subject.to_lowercase()),
            "calendar:Start" | "calendar:End" => start_or_received(a).cmp(&start_or_received(b)),
            "item:DateTimeCreated" => a.created.cmp(&b.created),
            _ => a.received.cmp(&b.received),
        }
        .then(a.num.cmp(&b.num));
        if descending { ord.reverse() } else { ord }
    });
}
