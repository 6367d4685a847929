//! Microsoft's example requests (`../shared/ews/examples/*-request.xml`) for every operation the
//! simulator implements are accepted, over HTTPS with Basic auth, with schema-valid responses; the
//! ones that name ids of Microsoft's own mailboxes get the per-item error Exchange would give.

use super::*;

/// Operations the simulator implements (the others' examples are streaming/notification ones).
const IMPLEMENTED: &[&str] =
    &["ConvertId", "CreateItem", "DeleteItem", "FindItem", "GetFolder", "GetItem", "SyncFolderItems", "UpdateItem"];

/// The expected first `ResponseCode` per example (ids in Microsoft's samples exist only in their
/// mailboxes, so those get the error Exchange gives for a foreign or truncated id).
const EXPECTED: &[(&str, &str)] = &[
    ("convertid-request.xml", "ErrorInvalidIdMalformed"),
    ("createitem-acceptitem-request.xml", "ErrorInvalidIdMalformed"),
    ("createitem-alldayevent-request.xml", "NoError"),
    ("createitem-appointment-impersonation-request.xml", "NoError"),
    ("createitem-appointment-request.xml", "NoError"),
    ("createitem-calendaritem-meeting-request.xml", "NoError"),
    ("createitem-cancelcalendaritem-request.xml", "ErrorInvalidIdMalformed"),
    ("createitem-declineitem-occurrence-request.xml", "ErrorInvalidIdMalformed"),
    ("createitem-meeting-request.xml", "NoError"),
    ("deleteitem-calendaritem-request.xml", "ErrorInvalidIdMalformed"),
    ("deleteitem-harddelete-request.xml", "ErrorInvalidIdMalformed"),
    ("finditem-calendarview-reference-request.xml", "NoError"),
    ("finditem-calendarview-request.xml", "ErrorInvalidIdMalformed"),
    ("finditem-delegate-restriction-request.xml", "NoError"),
    ("finditem-restriction-calendar-request.xml", "NoError"),
    ("getfolder-calendar-request.xml", "NoError"),
    ("getitem-calendaritem-batch-request.xml", "ErrorInvalidIdMalformed"),
    ("getitem-calendaritem-idonly-request.xml", "ErrorInvalidIdMalformed"),
    ("getitem-meetingrequest-request.xml", "ErrorInvalidIdMalformed"),
    ("syncfolderitems-ignore-request.xml", "ErrorInvalidSyncStateData"),
    ("syncfolderitems-initial-request.xml", "NoError"),
    ("syncfolderitems-syncstate-request.xml", "ErrorInvalidSyncStateData"),
    ("updateitem-calendaritem-batch-request.xml", "ErrorInvalidIdMalformed"),
    ("updateitem-calendaritem-subject-request.xml", "ErrorInvalidIdMalformed"),
    ("updateitem-meeting-attendees-request.xml", "ErrorInvalidIdMalformed"),
];

const LOGIN: &str = "user1@example.com";

#[test]
fn every_microsoft_example_request_of_an_implemented_operation_gets_a_schema_valid_answer() {
    let sim = start();
    let mailboxes = [
        "Mack.Chaves@contoso.com",
        "Magdalena.Kemp@contoso.com",
        "Sadie.Daniels@contoso.com",
        "user1@example.com",
        "User2@example.com",
        "alfred@contoso.com",
        "alisa@contoso.com",
        "dlpprojector@contoso.com",
        "primary@contoso.com",
    ];
    for m in mailboxes {
        sim.add_mailbox(m, m, MailboxKind::User);
    }
    sim.set_password(LOGIN, PASSWORD);
    sim.grant_impersonation_all(LOGIN);
    sim.grant_delegate_access(LOGIN, "primary@contoso.com");
    let dir = shared_ews().join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-request.xml"))
        .collect();
    names.sort();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for name in names {
        let request = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        let Some(body) = body_element(&request) else { panic!("{name} has no body") };
        let op = Doc::parse(&body).root.name.clone();
        if !IMPLEMENTED.contains(&op.as_str()) {
            continue;
        }
        let answer = post_raw(&sim, Some(&basic(LOGIN, PASSWORD)), &request);
        assert_eq!(answer.status, 200, "{name}: {}", answer.body);
        assert_schema_valid(&[&answer.body]);
        let code = Doc::parse(&answer.body).text("ResponseCode").unwrap_or_default();
        let expected = EXPECTED.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
        if Some(code.as_str()) != expected {
            mismatches.push(format!("{name}: got {code}, expected {expected:?}"));
        }
        checked += 1;
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(checked, EXPECTED.len(), "an example was not exercised");
}

#[test]
fn microsoft_example_requests_themselves_are_schema_valid() {
    // Guards the validator: the requests this file replays are valid EWS.
    let dir = shared_ews().join("examples");
    let requests: Vec<String> =
        EXPECTED.iter().map(|(n, _)| std::fs::read_to_string(dir.join(n)).unwrap_or_default()).collect();
    let refs: Vec<&str> = requests.iter().map(String::as_str).collect();
    assert_schema_valid(&refs);
}
