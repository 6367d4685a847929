//! Every request the client can build validates against the EWS schema (`../shared/ews/messages.xsd`)
//! with xmllint, hostile text and impersonation included.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use vmr_scheduler::exchange::ItemId;
use vmr_scheduler::exchange::ews::clean_global_object_id;
use vmr_scheduler::exchange::ews::op::Operation;
use vmr_scheduler::exchange::ews::op::create_item::{CreateItem, ResponseObject};
use vmr_scheduler::exchange::ews::op::delete_item::DeleteItem;
use vmr_scheduler::exchange::ews::op::find_item::FindItem;
use vmr_scheduler::exchange::ews::op::get_folder::GetFolder;
use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::sync_folder_items::SyncFolderItems;
use vmr_scheduler::exchange::ews::op::types::{
    APPOINTMENT_SEQUENCE, BodyType, CLEAN_GLOBAL_OBJECT_ID, DistinguishedFolder, ItemShape, PropertyPath,
};
use vmr_scheduler::exchange::ews::op::update_item::UpdateItem;
use vmr_scheduler::exchange::ews::soap::{RequestHeader, write_request};
use vmr_scheduler::exchange::ews::xml::{self, Limits, Ns};

use super::{ok, shared_ews};

/// Text no request may mangle: markup characters, quotes, non-ASCII, a CR and a control character.
pub const HOSTILE: &str = "<&\"'> ]]> Zoë 会議 🎥\r\n\u{1}end";

/// The top-level elements of `s:Header` and `s:Body`, each a standalone document (the client
/// declares the EWS namespaces on each of them).
pub fn standalone_parts(document: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for (open, close) in [("<s:Header>", "</s:Header>"), ("<s:Body>", "</s:Body>")] {
        let (Some(start), Some(end)) = (document.find(open), document.rfind(close)) else {
            panic!("no {open} in {document}")
        };
        let inner = &document[start + open.len()..end];
        let mut depth = 0usize;
        let mut begin = 0;
        let mut i = 0;
        let bytes = inner.as_bytes();
        while i < bytes.len() {
            if bytes[i] == b'<' {
                let tag_end = inner[i..].find('>').map(|n| i + n).unwrap_or(bytes.len() - 1);
                let tag = &inner[i..=tag_end];
                if tag.starts_with("</") {
                    depth -= 1;
                    if depth == 0 {
                        parts.push(inner[begin..=tag_end].to_owned());
                    }
                } else if tag.ends_with("/>") {
                    if depth == 0 {
                        parts.push(tag.to_owned());
                    }
                } else {
                    if depth == 0 {
                        begin = i;
                    }
                    depth += 1;
                }
                i = tag_end + 1;
            } else {
                i += 1;
            }
        }
    }
    parts
}

/// Validates each document with xmllint against messages.xsd; panics with xmllint's report.
pub fn assert_schema_valid(label: &str, documents: &[String]) {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "vmr-ews-xsd-{}-{}-{label}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    ok(std::fs::create_dir_all(&dir), "temp dir");
    let files: Vec<PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let path = dir.join(format!("{i}.xml"));
            ok(std::fs::write(&path, doc), "write");
            path
        })
        .collect();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(shared_ews().join("messages.xsd"))
        .args(&files)
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => panic!("xmllint cannot run ({e}); install it: apt-get install libxml2-utils"),
    };
    let report = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        let mut shown = String::new();
        for (i, doc) in documents.iter().enumerate() {
            if report.contains(&format!("/{i}.xml")) && !report.contains(&format!("/{i}.xml validates")) {
                shown.push_str(&format!("--- {i}.xml:\n{doc}\n"));
            }
        }
        panic!("{label}: requests fail the EWS schema:\n{report}\n{shown}");
    }
    for file in &files {
        assert!(report.contains(&format!("{} validates", file.display())), "{label}: {report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn id(s: &str) -> ItemId {
    ItemId { id: s.into(), change_key: "CK".into() }
}

fn parts_of<O: Operation>(op: &O, header: &RequestHeader<'_>) -> Vec<String> {
    let document = write_request(op, header);
    // Every request is well-formed XML that the client's own reader takes back.
    let root = ok(xml::parse(document.as_bytes(), &Limits::default()), "own request");
    assert!(root.is(Ns::Soap, "Envelope"));
    standalone_parts(&document)
}

fn every_request(header: &RequestHeader<'_>) -> Vec<String> {
    let inbox = DistinguishedFolder { id: "inbox", mailbox: Some("room1@example.com".into()) };
    let calendar = DistinguishedFolder { id: "calendar", mailbox: Some(format!("o{HOSTILE}@example.com")) };
    let full_shape = ItemShape {
        base: "IdOnly",
        body_type: Some(BodyType::Html),
        additional: vec![
            PropertyPath::Field("item:Subject"),
            PropertyPath::Field("calendar:UID"),
            PropertyPath::Field("meetingRequest:MeetingRequestType"),
            PropertyPath::Extended(CLEAN_GLOBAL_OBJECT_ID),
            PropertyPath::Extended(APPOINTMENT_SEQUENCE),
        ],
    };
    let body = (BodyType::Html, format!("<p>{HOSTILE}</p>"));
    let mut parts = Vec::new();
    parts.extend(parts_of(
        &SyncFolderItems { shape: ItemShape::id_only(), folder: inbox.clone(), sync_state: None, max_changes: 100 },
        header,
    ));
    parts.extend(parts_of(
        &SyncFolderItems {
            shape: ItemShape::id_only(),
            folder: DistinguishedFolder { id: "inbox", mailbox: None },
            sync_state: Some("H4sIAAA==".into()),
            max_changes: 9999,
        },
        header,
    ));
    parts.extend(parts_of(&GetItem { shape: full_shape.clone(), ids: vec![id("A1"), id(HOSTILE)] }, header));
    parts.extend(parts_of(
        &CreateItem {
            items: vec![
                ResponseObject::Accept { reference: id("MR1"), body: Some(body.clone()) },
                ResponseObject::Decline { reference: id("MR2"), body: Some((BodyType::Text, HOSTILE.into())) },
                ResponseObject::Accept {
                    reference: ItemId { id: "MR3".into(), change_key: String::new() },
                    body: None,
                },
                ResponseObject::Remove { reference: id("MC1") },
            ],
        },
        header,
    ));
    parts.extend(parts_of(
        &FindItem {
            shape: full_shape,
            max_entries: 10,
            equal_to: (PropertyPath::Extended(CLEAN_GLOBAL_OBJECT_ID), clean_global_object_id(HOSTILE)),
            folder: calendar.clone(),
        },
        header,
    ));
    parts.extend(parts_of(
        &FindItem {
            shape: ItemShape::id_only(),
            max_entries: 0,
            equal_to: (PropertyPath::Field("item:Subject"), HOSTILE.into()),
            folder: calendar,
        },
        header,
    ));
    parts.extend(parts_of(&UpdateItem { id: id("CAL1"), body }, header));
    parts.extend(parts_of(
        &DeleteItem {
            ids: vec![id("X1"), id("X2")],
            delete_type: "MoveToDeletedItems",
            send_meeting_cancellations: Some("SendToNone"),
        },
        header,
    ));
    parts.extend(parts_of(
        &DeleteItem { ids: vec![id("X3")], delete_type: "HardDelete", send_meeting_cancellations: None },
        header,
    ));
    parts.extend(parts_of(
        &GetFolder { folders: vec![inbox, DistinguishedFolder { id: "calendar", mailbox: None }] },
        header,
    ));
    parts
}

#[test]
fn every_operation_request_validates_against_the_ews_schema() {
    let header = RequestHeader { impersonate: None, time_zone: None };
    assert_schema_valid("plain", &every_request(&header));
}

#[test]
fn impersonated_requests_with_a_time_zone_context_validate_against_the_ews_schema() {
    let header = RequestHeader { impersonate: Some("room1@example.com"), time_zone: Some("W. Europe Standard Time") };
    let parts = every_request(&header);
    assert!(parts.iter().any(|p| p.contains("<t:PrimarySmtpAddress>room1@example.com</t:PrimarySmtpAddress>")));
    assert!(parts.iter().any(|p| p.contains("TimeZoneDefinition Id=\"W. Europe Standard Time\"")));
    assert_schema_valid("impersonated", &parts);
}

// services.wsdl: SyncFolderItems and DeleteItem take no TimeZoneContext header.
#[test]
fn time_zone_context_is_sent_only_to_operations_whose_wsdl_takes_it() {
    let header = RequestHeader { impersonate: None, time_zone: Some("UTC") };
    let sync = write_request(
        &SyncFolderItems {
            shape: ItemShape::id_only(),
            folder: DistinguishedFolder { id: "inbox", mailbox: None },
            sync_state: None,
            max_changes: 1,
        },
        &header,
    );
    assert!(!sync.contains("TimeZoneContext"));
    let get = write_request(&GetItem { shape: ItemShape::id_only(), ids: vec![id("A")] }, &header);
    assert!(get.contains("<t:TimeZoneContext"));
    assert!(get.contains("<t:RequestServerVersion xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\" Version=\"Exchange2013_SP1\"/>"));
}

#[test]
fn hostile_text_in_bodies_survives_the_round_trip_through_escaping() {
    let op = UpdateItem { id: id("CAL1"), body: (BodyType::Html, HOSTILE.into()) };
    let document = write_request(&op, &RequestHeader::default());
    let root = ok(xml::parse(document.as_bytes(), &Limits::default()), "own request");
    let mut node = &root;
    for name in ["Body", "UpdateItem", "ItemChanges", "ItemChange", "Updates", "SetItemField", "CalendarItem", "Body"] {
        node = match node.children.iter().find(|c| c.name == name) {
            Some(c) => c,
            None => panic!("no {name} in {document}"),
        };
    }
    // Only the control character, which XML 1.0 cannot carry, is replaced.
    assert_eq!(node.text, HOSTILE.replace('\u{1}', "\u{FFFD}"));
}
