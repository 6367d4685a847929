//! Parse throughput of EWS answers (MB/s): Microsoft's example FindItem, GetItem and SyncFolderItems
//! answers scaled up to 1,000 items each, read with the client's own reader. Run with
//! `cargo bench --bench ews_parse`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use vmr_scheduler::exchange::ews::op::Operation;
use vmr_scheduler::exchange::ews::op::find_item::FindItem;
use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::sync_folder_items::SyncFolderItems;
use vmr_scheduler::exchange::ews::op::types::ParseContext;
use vmr_scheduler::exchange::ews::soap::read_response;
use vmr_scheduler::exchange::ews::xml::Limits;

const ITEMS: usize = 1000;

fn example(name: &str) -> Result<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ews/examples").join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Repeats the first `open`…`close` block of `doc` until there are `ITEMS` of them.
fn scale(doc: &str, open: &str, close: &str) -> Result<String, String> {
    let start = doc.find(open).ok_or(format!("no {open}"))?;
    let end = doc[start..].find(close).ok_or(format!("no {close}"))? + start + close.len();
    let block = &doc[start..end];
    Ok(format!("{}{}{}", &doc[..start], block.repeat(ITEMS), &doc[end..]))
}

fn measure<O: Operation>(label: &str, doc: &str, check: impl Fn(&O::Response) -> usize) -> Result<(), String> {
    let limits = Limits { max_bytes: 256 * 1024 * 1024, ..Limits::default() };
    let ctx = ParseContext::default();
    let answer = read_response::<O>(doc.as_bytes(), &ctx, &limits).map_err(|e| format!("{label}: {e}"))?;
    let count: usize = answer.messages.iter().filter_map(|m| m.content.as_ref()).map(&check).sum();
    if count != ITEMS {
        return Err(format!("{label}: read {count} items, expected {ITEMS}"));
    }
    let started = Instant::now();
    let mut rounds = 0u32;
    while started.elapsed() < Duration::from_secs(2) {
        black_box(read_response::<O>(black_box(doc.as_bytes()), &ctx, &limits).map_err(|e| e.to_string())?);
        rounds += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let megabytes = doc.len() as f64 * f64::from(rounds) / 1_000_000.0;
    println!(
        "{label:<16} {:>8.1} KB per answer, {ITEMS} items: {:>7.1} MB/s, {:>8.0} items/ms",
        doc.len() as f64 / 1000.0,
        megabytes / seconds,
        f64::from(rounds) * ITEMS as f64 / (seconds * 1000.0)
    );
    Ok(())
}

fn run() -> Result<(), String> {
    // The example has five items: the first one, repeated, replaces them all.
    let find = example("finditem-calendarview-response.xml")?;
    let find = {
        let first = find.find("<t:CalendarItem>").ok_or("no item")?;
        let items_end = find.find("</t:Items>").ok_or("no Items end")?;
        let block_end =
            find[first..].find("</t:CalendarItem>").ok_or("no item end")? + first + "</t:CalendarItem>".len();
        format!("{}{}{}", &find[..first], find[first..block_end].repeat(ITEMS), &find[items_end..])
    };
    measure::<FindItem>("FindItem", &find, |r| r.items.len())?;

    let get = scale(
        &example("getitem-calendaritem-allproperties-response.xml")?,
        "<m:GetItemResponseMessage",
        "</m:GetItemResponseMessage>",
    )?;
    measure::<GetItem>("GetItem", &get, Vec::len)?;

    let get_mr = scale(
        &example("getitem-meetingrequest-response.xml")?,
        "<m:GetItemResponseMessage",
        "</m:GetItemResponseMessage>",
    )?;
    measure::<GetItem>("GetItem (MR)", &get_mr, Vec::len)?;

    let sync = scale(&example("syncfolderitems-meetingrequest-response.xml")?, "<t:Create>", "</t:Create>")?;
    measure::<SyncFolderItems>("SyncFolderItems", &sync, |r| r.changes.len())?;
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("ews_parse: {e}");
        std::process::exit(1);
    }
}
