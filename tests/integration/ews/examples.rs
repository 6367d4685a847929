//! Microsoft's example answers (`../shared/ews/examples/*-response.xml`) read by the client.

use vmr_scheduler::exchange::ews::op::Operation;
use vmr_scheduler::exchange::ews::op::create_item::CreateItem;
use vmr_scheduler::exchange::ews::op::delete_item::DeleteItem;
use vmr_scheduler::exchange::ews::op::find_item::FindItem;
use vmr_scheduler::exchange::ews::op::get_folder::GetFolder;
use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::sync_folder_items::{SyncChange, SyncFolderItems};
use vmr_scheduler::exchange::ews::op::types::{BodyType, ItemKind, ParseContext};
use vmr_scheduler::exchange::ews::op::update_item::UpdateItem;
use vmr_scheduler::exchange::ews::soap::{Answer, ResponseClass, read_envelope, read_messages, read_response};
use vmr_scheduler::exchange::ews::xml::Limits;
use vmr_scheduler::exchange::ews::{ResponseCode, meeting_request};
use vmr_scheduler::exchange::{ExchangeError, ItemId, Person};

use super::{err, example, ok, shared_ews, ts};

fn read<O: Operation>(name: &str) -> Answer<O::Response> {
    ok(read_response::<O>(&example(name), &ParseContext::default(), &Limits::default()), name)
}

fn content<T: Clone>(answer: &Answer<T>, index: usize) -> T {
    let message = &answer.messages[index];
    assert_eq!(message.class, ResponseClass::Success);
    assert_eq!(message.code, ResponseCode::NoError);
    match &message.content {
        Some(c) => c.clone(),
        None => panic!("message {index} has no content"),
    }
}

fn id(id: &str, change_key: &str) -> Option<ItemId> {
    Some(ItemId { id: id.into(), change_key: change_key.into() })
}

#[test]
fn every_example_answer_parses_as_an_envelope_with_its_response_classes() {
    let dir = shared_ews().join("examples");
    let mut seen = 0;
    for entry in ok(std::fs::read_dir(&dir), "examples directory") {
        let path = ok(entry, "directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_owned();
        if !name.ends_with("-response.xml") {
            continue;
        }
        let bytes = ok(std::fs::read(&path), &name);
        let envelope = ok(read_envelope(&bytes, &Limits::default()), &name);
        assert!(envelope.body.name.ends_with("Response"), "{name}: body is {}", envelope.body.name);
        let messages = ok(read_messages(&envelope.body, |_, _| Ok(())), &name);
        assert!(!messages.is_empty(), "{name}: no response message");
        let expected_error = name.contains("-error-");
        for m in &messages {
            let class = if expected_error { ResponseClass::Error } else { ResponseClass::Success };
            assert_eq!(m.class, class, "{name}");
        }
        assert!(envelope.server_version.is_some_and(|v| v.major.is_some()), "{name}: no ServerVersionInfo");
        seen += 1;
    }
    assert!(seen >= 25, "only {seen} example answers found in {}", dir.display());
}

#[test]
fn the_meeting_request_example_reads_as_a_meeting_request_with_its_times() {
    let answer = read::<GetItem>("getitem-meetingrequest-response.xml");
    let version = answer.server_version.clone().unwrap_or_default();
    assert_eq!((version.major, version.minor, version.major_build), (Some(15), Some(0), Some(815)));
    assert_eq!(version.version.as_deref(), Some("V2_7"));
    let items = content(&answer, 0);
    let item = &items[0];
    assert_eq!(item.kind, Some(ItemKind::MeetingRequest));
    assert_eq!(item.id, id("AAMkADEzOTExYjJkL1AAA=", "CwAAAB/G6X"));
    assert_eq!(item.subject.as_deref(), Some("Competitive analysis: kick off meeting"));
    assert_eq!(item.start, Some(ts("2013-11-09T17:00:00Z")));
    assert_eq!(item.end, Some(ts("2013-11-09T17:30:00Z")));
    // The example carries no UID or organizer: converting it says exactly what is missing.
    let e = err(meeting_request(item.clone()), "meeting request without UID");
    assert!(matches!(&e, ExchangeError::Malformed { detail } if detail.contains("no UID")), "{e}");
}

#[test]
fn the_calendar_item_example_keeps_the_items_own_times_not_those_of_its_conflicts() {
    let answer = read::<GetItem>("getitem-calendaritem-allproperties-response.xml");
    let item = &content(&answer, 0)[0];
    assert_eq!(item.kind, Some(ItemKind::CalendarItem));
    assert_eq!(item.id, id("ASUAdT", "otlIqB=="));
    assert_eq!(item.item_class.as_deref(), Some("IPM.Appointment"));
    assert_eq!(item.body, Some((BodyType::Text, String::new())));
    assert_eq!(item.start, Some(ts("2006-06-16T00:30:00Z")));
    assert_eq!(item.end, Some(ts("2006-06-16T01:00:00Z")));
    assert_eq!(item.is_all_day, Some(false));
    assert_eq!(item.is_cancelled, Some(false));
    assert_eq!(item.calendar_item_type.as_deref(), Some("Single"));
    assert_eq!(item.sequence, Some(0));
    assert_eq!(item.organizer, Some(Person { name: "Bob".into(), email: "someone@example.com".into() }));
    assert_eq!(item.subject, None, "the conflicting meetings' empty Subject is not the item's");
}

#[test]
fn a_batch_answer_has_one_message_per_item_with_html_bodies() {
    let answer = read::<GetItem>("getitem-calendaritem-batch-response.xml");
    assert_eq!(answer.messages.len(), 3);
    let subjects: Vec<String> = (0..3).map(|i| content(&answer, i)[0].subject.clone().unwrap_or_default()).collect();
    assert_eq!(subjects, ["Review current quarterly deliverables", "Food bank delivery", "Code Blast"]);
    let second = &content(&answer, 1)[0];
    assert_eq!(second.calendar_item_type.as_deref(), Some("RecurringMaster"));
    assert_eq!(second.start, Some(ts("2014-01-18T18:59:07Z")));
    let (kind, body) = content(&answer, 0)[0].body.clone().unwrap_or((BodyType::Text, String::new()));
    assert_eq!(kind, BodyType::Html);
    // Microsoft's sample escapes the HTML twice; one level of escaping is undone here.
    assert!(body.contains("&lt;body&gt;") && body.contains("Wrap up all outstanding deliverables"), "{body}");
    let idonly = read::<GetItem>("getitem-calendaritem-idonly-response.xml");
    assert_eq!(content(&idonly, 0)[0].id, id("ASUAd", "otlIqB=="));
}

#[test]
fn the_initial_sync_example_lists_five_created_messages_and_its_sync_state() {
    let answer = read::<SyncFolderItems>("syncfolderitems-initial-response.xml");
    let result = content(&answer, 0);
    assert_eq!(result.sync_state, "H4sIAAA==");
    assert!(result.includes_last_item_in_range);
    assert_eq!(result.changes.len(), 5);
    let SyncChange::Create(first) = &result.changes[0] else { panic!("not a Create: {:?}", result.changes[0]) };
    assert_eq!(first.kind, Some(ItemKind::Message));
    assert_eq!(first.id, id("q04QAAAA==", "CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVdC"));
}

#[test]
fn the_meeting_request_sync_example_names_the_item_kind_and_its_organizer() {
    let answer = read::<SyncFolderItems>("syncfolderitems-meetingrequest-response.xml");
    assert_eq!(answer.server_version.clone().unwrap_or_default().major, Some(8));
    let result = content(&answer, 0);
    assert_eq!(result.sync_state, "H4sIAAAAA=");
    let SyncChange::Create(item) = &result.changes[0] else { panic!("not a Create") };
    assert_eq!(item.kind, Some(ItemKind::MeetingRequest));
    assert_eq!(item.id, id("AQApAHRwA==", "CwAAABYA"));
    assert_eq!(item.subject.as_deref(), Some("Budget Q3"));
    assert_eq!(item.is_out_of_date, Some(false));
    assert_eq!(item.start, Some(ts("2006-08-02T17:30:00Z")));
    assert_eq!(item.end, Some(ts("2006-08-02T19:30:00Z")));
    assert_eq!(item.location.as_deref(), Some("Conference Room 2"));
    assert_eq!(item.organizer, Some(Person { name: "Dan Park".into(), email: "dpark@example.com".into() }));
}

#[test]
fn find_item_examples_give_the_root_folder_paging_and_items() {
    let restriction = content(&read::<FindItem>("finditem-restriction-calendar-response.xml"), 0);
    assert_eq!(restriction.total_items_in_view, Some(1));
    assert!(restriction.includes_last_item_in_range);
    let master = &restriction.items[0];
    assert_eq!(master.id, id("AAMkADA5...", "DwAAABYA..."));
    assert_eq!(master.subject.as_deref(), Some("Swim Team Practice"));
    assert_eq!(master.calendar_item_type.as_deref(), Some("RecurringMaster"));
    assert_eq!(master.start, Some(ts("2014-07-02T15:30:00Z")));

    let view = content(&read::<FindItem>("finditem-calendarview-response.xml"), 0);
    assert_eq!(view.total_items_in_view, Some(33));
    assert!(!view.includes_last_item_in_range);
    assert_eq!(view.items.len(), 5);
    assert_eq!(view.items[4].subject.as_deref(), Some("Online training webcast"));
    assert_eq!(view.items[4].end, Some(ts("2013-08-22T22:00:00Z")));

    let delegate = content(&read::<FindItem>("finditem-delegate-restriction-response.xml"), 0);
    assert_eq!(delegate.items[0].id, id("IJpUAAA=", "DwAAABYAAADOilbYa8KaT7ZgMoTz2P+hAAAAIKhS"));
}

#[test]
fn create_item_examples_give_no_items_or_the_created_ids() {
    assert!(content(&read::<CreateItem>("createitem-acceptitem-response.xml"), 0).is_empty());
    for (name, expected) in [
        ("createitem-cancelcalendaritem-response.xml", id("AAMkA", "DwAAA")),
        ("createitem-calendaritem-meeting-response.xml", id("AAAlAFV", "DwAAABYA")),
        ("createitem-appointment-impersonation-response.xml", id("AAMkA", "DwAAA")),
        ("createitem-appointment-response.xml", None),
        ("createitem-meeting-response.xml", None),
    ] {
        let items = content(&read::<CreateItem>(name), 0);
        assert_eq!(items.len(), 1, "{name}");
        assert_eq!(items[0].kind, Some(ItemKind::CalendarItem), "{name}");
        if expected.is_some() {
            assert_eq!(items[0].id, expected, "{name}");
        }
    }
}

#[test]
fn update_item_examples_give_the_new_change_key_and_conflict_count() {
    let single = content(&read::<UpdateItem>("updateitem-calendaritem-subject-response.xml"), 0);
    assert_eq!(single.items[0].id, id("AAMkA", "DwAAAB"));
    assert_eq!(single.conflicts, Some(0));
    let batch = read::<UpdateItem>("updateitem-calendaritem-batch-response.xml");
    assert_eq!(batch.messages.len(), 3);
    assert_eq!(content(&batch, 2).conflicts, Some(1));
    assert_eq!(content(&read::<UpdateItem>("updateitem-meeting-attendees-response.xml"), 0).conflicts, Some(0));
}

#[test]
fn delete_item_examples_succeed_and_the_error_example_is_item_not_found() {
    for name in ["deleteitem-calendaritem-response.xml", "deleteitem-harddelete-response.xml"] {
        let answer = read::<DeleteItem>(name);
        assert_eq!(answer.messages.len(), 1);
        content(&answer, 0);
    }
    let answer = read::<DeleteItem>("deleteitem-error-itemnotfound-response.xml");
    let message = answer.messages[0].clone();
    assert_eq!(message.class, ResponseClass::Error);
    assert_eq!(message.code, ResponseCode::ErrorItemNotFound);
    assert_eq!(message.text, "The specified object was not found in the store.");
    let ExchangeError::Response { code, code_text, message } = err(message.into_result(), "ErrorItemNotFound") else {
        panic!("not a Response error")
    };
    assert_eq!((code, code_text.as_str()), (ResponseCode::ErrorItemNotFound, "ErrorItemNotFound"));
    assert!(message.contains("not found"));
}

#[test]
fn the_get_folder_example_gives_the_calendar_folder_id() {
    let folders = content(&read::<GetFolder>("getfolder-calendar-response.xml"), 0);
    assert_eq!(folders[0].kind, "CalendarFolder");
    assert_eq!(folders[0].id, ItemId { id: "AAMk".into(), change_key: "AgAA".into() });
}

#[test]
fn an_answer_to_another_operation_is_refused_by_name() {
    let e = err(
        read_response::<GetItem>(
            &example("deleteitem-harddelete-response.xml"),
            &ParseContext::default(),
            &Limits::default(),
        ),
        "DeleteItemResponse read as GetItem",
    );
    assert!(matches!(&e, ExchangeError::Malformed { detail } if detail.contains("expected GetItemResponse")), "{e}");
}
