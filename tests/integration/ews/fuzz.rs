//! Hostile answers: random bytes, every truncation of real answers, deep nesting and huge values all
//! end in a typed error or a parse, never a panic or unbounded memory.

use proptest::prelude::*;

use vmr_scheduler::exchange::ExchangeError;
use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::sync_folder_items::SyncFolderItems;
use vmr_scheduler::exchange::ews::op::types::ParseContext;
use vmr_scheduler::exchange::ews::soap::read_response;
use vmr_scheduler::exchange::ews::xml::Limits;

use super::{err, example};

fn read_any(bytes: &[u8]) -> Result<(), ExchangeError> {
    let ctx = ParseContext::default();
    let limits = Limits::default();
    let get = read_response::<GetItem>(bytes, &ctx, &limits).map(drop);
    let sync = read_response::<SyncFolderItems>(bytes, &ctx, &limits).map(drop);
    get.and(sync)
}

fn is_typed(e: &ExchangeError) -> bool {
    matches!(
        e,
        ExchangeError::Malformed { .. }
            | ExchangeError::TooLarge { .. }
            | ExchangeError::Response { .. }
            | ExchangeError::ServerBusy { .. }
    )
}

#[test]
fn every_truncation_of_real_answers_is_a_typed_error() {
    for name in [
        "getitem-meetingrequest-response.xml",
        "syncfolderitems-meetingrequest-response.xml",
        "getitem-calendaritem-allproperties-response.xml",
    ] {
        let bytes = example(name);
        let end = bytes.iter().rposition(|b| *b == b'>').unwrap_or(bytes.len());
        for cut in 0..end {
            let e = err(read_any(&bytes[..cut]), &format!("{name} cut at {cut}"));
            assert!(is_typed(&e), "{name} cut at {cut}: {e:?}");
        }
    }
}

#[test]
fn deeply_nested_elements_are_refused_without_exhausting_the_stack() {
    let depth = 100_000;
    let doc = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>{}{}</s:Body></s:Envelope>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    let e = err(read_any(doc.as_bytes()), "deep");
    assert!(matches!(&e, ExchangeError::Malformed { detail } if detail.contains("deeper")), "{e:?}");
}

#[test]
fn huge_attribute_values_and_oversized_answers_are_refused() {
    let doc =
        format!("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" a=\"{}\"/>", "x".repeat(1 << 20));
    let e = err(read_any(doc.as_bytes()), "huge attribute");
    assert!(matches!(&e, ExchangeError::Malformed { detail } if detail.contains("longer than")), "{e:?}");
    let big = vec![b' '; 17 * 1024 * 1024];
    assert!(matches!(read_any(&big), Err(ExchangeError::TooLarge { .. })));
}

#[test]
fn entity_tricks_are_refused() {
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol2;</s:Body></s:Envelope>"#;
    assert!(matches!(read_any(billion_laughs.as_bytes()), Err(ExchangeError::Malformed { .. })));
    let external =
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&xxe;</s:Body></s:Envelope>"#;
    assert!(matches!(read_any(external.as_bytes()), Err(ExchangeError::Malformed { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Err(e) = read_any(&bytes) {
            prop_assert!(is_typed(&e), "{:?}", e);
        }
    }

    #[test]
    fn random_markup_never_panics(parts in proptest::collection::vec(prop_oneof![
        Just("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">".to_string()),
        Just("<s:Body>".to_string()),
        Just("<m:GetItemResponse xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\">".to_string()),
        Just("<m:ResponseMessages>".to_string()),
        Just("<m:GetItemResponseMessage ResponseClass=\"Success\">".to_string()),
        Just("<m:Items>".to_string()),
        Just("<t:MeetingRequest>".to_string()),
        Just("<t:Start>2025-01-06T09:00:00Z</t:Start>".to_string()),
        Just("<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence>".to_string()),
        Just("<t:ItemId Id=\"A\" ChangeKey=\"B\"/>".to_string()),
        Just("&amp;&#xD800;&#1114112;".to_string()),
        Just("</t:MeetingRequest></m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>".to_string()),
        "[<>/&;\"'=a-z: ]{0,12}",
    ], 0..40)) {
        let doc: String = parts.concat();
        if let Err(e) = read_any(doc.as_bytes()) {
            prop_assert!(is_typed(&e), "{:?}", e);
        }
    }

    #[test]
    fn random_mutations_of_a_real_answer_never_panic(
        position in 0usize..1500,
        byte in any::<u8>(),
        delete in any::<bool>(),
    ) {
        let mut bytes = example("getitem-meetingrequest-response.xml");
        let at = position % bytes.len();
        if delete { bytes.remove(at); } else { bytes[at] = byte; }
        if let Err(e) = read_any(&bytes) {
            prop_assert!(is_typed(&e), "{:?}", e);
        }
    }
}
