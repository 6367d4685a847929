//! The simulator at the protocol level: authentication, faults, throttling, outages, impersonation,
//! exchangelib's version probe, folders, and sync states.

use super::*;

const GET_INBOX_FOLDER: &str = r#"<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>"#;

fn sync(sim: &RunningSim, state: Option<&str>, max: u32) -> Doc {
    let state = state.map(|s| format!("<m:SyncState>{s}</m:SyncState>")).unwrap_or_default();
    let body = format!(
        r#"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:ItemClass"/></t:AdditionalProperties></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>{state}<m:MaxChangesReturned>{max}</m:MaxChangesReturned></m:SyncFolderItems>"#
    );
    call(sim, SERVICE, Some(ROOM), None, &body)
}

fn send_message(sim: &RunningSim, subject: &str) {
    let body = format!(
        r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>{subject}</t:Subject><t:Body BodyType="Text">hi</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>{ROOM}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#
    );
    let doc = call(sim, ORGANIZER, None, None, &body);
    assert_eq!(doc.text("ResponseCode").as_deref(), Some("NoError"));
}

#[test]
fn requests_without_valid_basic_credentials_get_401_with_a_basic_challenge() {
    let sim = start();
    let request = envelope(None, None, GET_INBOX_FOLDER);
    for auth in [None, Some(basic(ORGANIZER, "wrong")), Some("Bearer abc".to_string()), Some("Basic !!!".into())] {
        let answer = post_raw(&sim, auth.as_deref(), &request);
        assert_eq!(answer.status, 401);
        assert!(answer.header("www-authenticate").is_some_and(|v| v.starts_with("Basic realm=")));
    }
    let ok = post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &request);
    assert_eq!(ok.status, 200);
}

#[test]
fn garbage_bodies_get_soap_faults_not_crashes() {
    let sim = start();
    let auth = basic(ORGANIZER, PASSWORD);
    let cases = [
        ("not xml at all <<<", "ErrorSchemaValidation"),
        ("<a><b></a>", "ErrorSchemaValidation"),
        (r#"<x xmlns="urn:other"/>"#, "ErrorInvalidRequest"),
        (
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><t:RequestServerVersion xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2099"/></s:Header><s:Body><m:GetFolder xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>"#,
            "ErrorInvalidServerVersion",
        ),
    ];
    for (body, code) in cases {
        let answer = post_raw(&sim, Some(&auth), body);
        assert_eq!(answer.status, 500, "{body}");
        assert!(answer.body.contains(&format!("<e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">{code}</e:ResponseCode>")), "{body} -> {}", answer.body);
    }
    let unknown = post_raw(&sim, Some(&auth), &envelope(None, None, "<m:GetUserAvailability/>"));
    assert_eq!(unknown.status, 500);
    assert!(unknown.body.contains("a:ErrorInvalidOperation"));
    // Still serving after all that.
    assert_eq!(post_raw(&sim, Some(&auth), &envelope(None, None, GET_INBOX_FOLDER)).status, 200);
}

#[test]
fn server_busy_is_a_fault_with_back_off_for_the_next_n_requests_only() {
    let sim = start();
    sim.busy_next(2, 1500);
    let request = envelope(None, None, GET_INBOX_FOLDER);
    for _ in 0..2 {
        let answer = post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &request);
        assert_eq!(answer.status, 500);
        let doc = Doc::parse(&answer.body);
        assert_eq!(doc.text("faultcode").as_deref(), Some("a:ErrorServerBusy"));
        assert_eq!(doc.attrs("Value", "Name"), vec!["BackOffMilliseconds"]);
        assert_eq!(doc.text("Value").as_deref(), Some("1500"));
    }
    assert_eq!(post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &request).status, 200);
    let log = sim.requests();
    assert_eq!(log.iter().filter(|r| r.response_code == "ErrorServerBusy").count(), 2);
}

#[test]
fn an_unavailable_server_answers_503_until_it_is_back() {
    let sim = start();
    sim.set_unavailable(true);
    let request = envelope(None, None, GET_INBOX_FOLDER);
    assert_eq!(post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &request).status, 503);
    sim.set_unavailable(false);
    assert_eq!(post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &request).status, 200);
}

#[test]
fn impersonation_needs_the_right_and_an_existing_mailbox() {
    let sim = start();
    sim.set_password("helpdesk@example.com", PASSWORD);
    sim.grant_impersonation("helpdesk@example.com", ATTENDEE);
    let request = |who: &str| envelope(Some(who), None, GET_INBOX_FOLDER);
    let denied = post_raw(&sim, Some(&basic("helpdesk@example.com", PASSWORD)), &request(ROOM));
    assert_eq!(denied.status, 500);
    assert!(denied.body.contains("a:ErrorImpersonateUserDenied"));
    let allowed = post_raw(&sim, Some(&basic("helpdesk@example.com", PASSWORD)), &request(ATTENDEE));
    assert_eq!(allowed.status, 200);
    let missing = post_raw(&sim, Some(&basic(SERVICE, PASSWORD)), &request("nobody@example.com"));
    assert_eq!(missing.status, 500);
    assert!(missing.body.contains("a:ErrorNonExistentMailbox") && missing.body.contains("nobody@example.com"));
    // Without impersonation another mailbox's folder is off limits.
    let body = format!(
        r#"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>{ROOM}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds></m:GetFolder>"#
    );
    let doc = call(&sim, ORGANIZER, None, None, &body);
    assert_eq!(doc.text("ResponseCode").as_deref(), Some("ErrorAccessDenied"));
    let log = sim.requests();
    assert!(log.iter().any(|r| r.response_code == "ErrorImpersonateUserDenied" && r.http_status == 500));
}

#[test]
fn the_exchangelib_version_probe_gets_server_version_info_and_a_per_message_error() {
    let sim = start();
    let body = r#"<m:ConvertId DestinationFormat="EntryId"><m:SourceIds><t:AlternateId Id="DUMMY" Format="EwsId" Mailbox="DUMMY"/></m:SourceIds></m:ConvertId>"#;
    let request = envelope(None, None, body);
    let answer = post_raw(&sim, Some(&basic(SERVICE, PASSWORD)), &request);
    assert_eq!(answer.status, 200);
    assert_schema_valid(&[&request, &answer.body]);
    let doc = Doc::parse(&answer.body);
    for attr in ["MajorVersion", "MinorVersion", "MajorBuildNumber", "MinorBuildNumber"] {
        let v = doc.attrs("ServerVersionInfo", attr);
        assert!(v.first().is_some_and(|v| v.parse::<u32>().is_ok()), "{attr}");
    }
    assert_eq!(doc.text("ResponseCode").as_deref(), Some("ErrorInvalidIdMalformed"));
}

#[test]
fn distinguished_folders_are_served_with_their_folder_types() {
    let sim = start();
    let ids = ["root", "msgfolderroot", "inbox", "calendar", "sentitems", "deleteditems", "drafts", "contacts", "tasks"]
        .map(|id| format!(r#"<t:DistinguishedFolderId Id="{id}"><t:Mailbox><t:EmailAddress>{ORGANIZER}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"#))
        .join("");
    let body = format!(
        r#"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape><m:FolderIds>{ids}</m:FolderIds></m:GetFolder>"#
    );
    let doc = call(&sim, ORGANIZER, None, None, &body);
    assert_eq!(doc.texts("ResponseCode"), vec!["NoError"; 9]);
    assert_eq!(doc.texts("DisplayName")[3], "Calendar");
    assert_eq!(doc.texts("CalendarFolder").len(), 1);
    let unknown = call(&sim, ORGANIZER, None, None, &body.replace("\"root\"", "\"conversationhistory\""));
    assert_eq!(unknown.text("ResponseCode").as_deref(), Some("ErrorFolderNotFound"));
}

#[test]
fn sync_states_report_creates_read_flags_and_deletes_in_pages() {
    let sim = start();
    let first = sync(&sim, None, 10);
    assert_eq!(first.text("IncludesLastItemInRange").as_deref(), Some("true"));
    assert!(first.children_of("Changes").is_empty());
    let state0 = first.text("SyncState").unwrap_or_default();
    for n in 0..3 {
        send_message(&sim, &format!("note {n}"));
    }
    let page1 = sync(&sim, Some(&state0), 2);
    assert_eq!(page1.children_of("Changes"), vec!["Create", "Create"]);
    assert_eq!(page1.text("IncludesLastItemInRange").as_deref(), Some("false"));
    let page2 = sync(&sim, page1.text("SyncState").as_deref(), 2);
    assert_eq!(page2.children_of("Changes"), vec!["Create"]);
    assert_eq!(page2.text("IncludesLastItemInRange").as_deref(), Some("true"));
    assert_eq!(page2.texts("Subject"), vec!["note 2"]);
    let state = page2.text("SyncState").unwrap_or_default();
    // Nothing new: no changes, same answer again.
    assert!(sync(&sim, Some(&state), 10).children_of("Changes").is_empty());
    let ids = page1.attrs("ItemId", "Id");
    let mark_read = format!(
        r#"<m:UpdateItem ConflictResolution="AlwaysOverwrite" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="{}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#,
        ids[0]
    );
    assert_eq!(call(&sim, SERVICE, Some(ROOM), None, &mark_read).text("ResponseCode").as_deref(), Some("NoError"));
    let delete = format!(
        r#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="{}"/></m:ItemIds></m:DeleteItem>"#,
        ids[1]
    );
    assert_eq!(call(&sim, SERVICE, Some(ROOM), None, &delete).text("ResponseCode").as_deref(), Some("NoError"));
    let changes = sync(&sim, Some(&state), 10);
    assert_eq!(changes.children_of("Changes"), vec!["ReadFlagChange", "Delete"]);
    assert_eq!(changes.text("IsRead").as_deref(), Some("true"));
}

#[test]
fn a_sync_state_that_was_not_issued_for_the_folder_is_invalid() {
    let sim = start();
    let garbage = sync(&sim, Some("H4sIAAAAAAAEAO29B2AcSZYl"), 10);
    assert_eq!(garbage.text("ResponseCode").as_deref(), Some("ErrorInvalidSyncStateData"));
    // The error still carries SyncState and IncludesLastItemInRange (exchangelib reads them first).
    assert_eq!(garbage.texts("SyncState").len(), 1);
    let inbox_state = sync(&sim, None, 10).text("SyncState").unwrap_or_default();
    let body = format!(
        r#"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="calendar"/></m:SyncFolderId><m:SyncState>{inbox_state}</m:SyncState><m:MaxChangesReturned>5</m:MaxChangesReturned></m:SyncFolderItems>"#
    );
    let other_folder = call(&sim, SERVICE, Some(ROOM), None, &body);
    assert_eq!(other_folder.text("ResponseCode").as_deref(), Some("ErrorInvalidSyncStateData"));
}

#[test]
fn oversized_requests_are_refused_before_parsing() {
    let sim = start();
    let huge = envelope(None, None, &"x".repeat(5 * 1024 * 1024));
    let sent = agent().post(sim.ews_url()).header("authorization", basic(ORGANIZER, PASSWORD)).send(&huge);
    // Either the 413 arrives, or the server closed the connection before the body was written.
    if let Ok(answer) = sent {
        assert_eq!(answer.status().as_u16(), 413);
    }
    assert!(sim.requests().is_empty(), "the oversized request reached the EWS handler");
    let ok = post_raw(&sim, Some(&basic(ORGANIZER, PASSWORD)), &envelope(None, None, GET_INBOX_FOLDER));
    assert_eq!(ok.status, 200);
}
