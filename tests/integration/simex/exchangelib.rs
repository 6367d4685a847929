//! exchangelib (PyPI), a real third-party EWS client, as the organizer: account setup (version
//! probe, GetFolder), a meeting and a weekly series sent with SendToAllAndSaveCopy, the room's
//! replies found with FindItem restrictions + GetItem, the meeting updated (UpdateItem) and the
//! series cancelled (CancelCalendarItem). Every request exchangelib sent and every response it got
//! is then validated against the EWS schema.

use std::path::PathBuf;
use std::process::Command;

use super::*;

const ACCEPT_TEXT: &str = "Your VMR is booked.";

/// The Python with exchangelib: `VMR_PYTHON`, the venv under target/, or python3.
fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VMR_PYTHON").map(PathBuf::from),
        Some(repo().join("target/pyenv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| Command::new(p).args(["-c", "import exchangelib"]).output().is_ok_and(|o| o.status.success()))
}

fn run_phase(python: &PathBuf, config: &PathBuf, phase: &str) {
    let script = repo().join("tests/exchangelib/organizer_flow.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(config)
        .arg(phase)
        .env("REQUESTS_CA_BUNDLE", repo().join("tests/fixtures/tls/ca.pem"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "organizer_flow.py {phase} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The room's requests, by subject, via SyncFolderItems as the service account.
fn room_requests(sim: &RunningSim) -> Vec<(String, String)> {
    let body = r#"<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="item:ItemClass"/></t:AdditionalProperties></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId><m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>"#;
    let doc = call(sim, SERVICE, Some(ROOM), None, body);
    let ids = doc.attrs("ItemId", "Id");
    let subjects = doc.texts("Subject");
    assert_eq!(doc.texts("ItemClass"), vec!["IPM.Schedule.Meeting.Request"; 2]);
    ids.into_iter().zip(subjects).map(|(i, s)| (s, i)).collect()
}

#[test]
fn exchangelib_as_organizer_sends_updates_and_cancels_meetings_and_reads_the_rooms_replies() {
    // Set VMR_REQUIRE_EXCHANGELIB=1 (the project's test script does) to make a missing client fail.
    let Some(python) = python() else {
        if std::env::var_os("VMR_REQUIRE_EXCHANGELIB").is_some() {
            panic!("exchangelib is not installed: pip install -r tests/exchangelib/requirements.txt");
        }
        eprintln!("SKIPPED: exchangelib is not installed (pip install -r tests/exchangelib/requirements.txt)");
        return;
    };
    let sim = start();
    let dir = std::env::temp_dir().join(format!("simex-exchangelib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.join("config.json");
    let (single, weekly) = ("Quarterly review", "Weekly sync");
    let cfg = serde_json::json!({
        "ews_url": sim.ews_url(),
        "organizer": ORGANIZER,
        "password": PASSWORD,
        "attendee": ATTENDEE,
        "room": ROOM,
        "single_subject": single,
        "series_subject": weekly,
        "accept_text": ACCEPT_TEXT,
        "state": dir.join("state.json"),
        "out": dir.join("out.json"),
    });
    std::fs::write(&config, cfg.to_string()).unwrap_or_else(|e| panic!("{e}"));

    run_phase(&python, &config, "send");

    // The room (the service account impersonating it, as the appliance does) answers.
    let requests = room_requests(&sim);
    let id_of = |subject: &str| requests.iter().find(|(s, _)| s == subject).map(|(_, i)| i.clone()).unwrap_or_default();
    let get = format!(
        r#"<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>HTML</t:BodyType></m:ItemShape><m:ItemIds><t:ItemId Id="{}"/><t:ItemId Id="{}"/></m:ItemIds></m:GetItem>"#,
        id_of(single),
        id_of(weekly)
    );
    let doc = call(&sim, SERVICE, Some(ROOM), None, &get);
    assert_eq!(doc.texts("MeetingRequestType"), vec!["NewMeetingRequest"; 2]);
    assert_eq!(doc.texts("CalendarItemType"), vec!["Single", "RecurringMaster"]);
    assert_eq!(doc.attrs("StartTimeZone", "Id"), vec!["W. Europe Standard Time"; 2]);
    // 10:00 in Berlin in January is 09:00 UTC.
    assert_eq!(doc.texts("Start")[0], "2030-01-07T09:00:00Z");
    let answer = |kind: &str, id: String, text: &str| {
        format!(
            r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:{kind}><t:Body BodyType="HTML">&lt;p&gt;{text}&lt;/p&gt;</t:Body><t:ReferenceItemId Id="{id}"/></t:{kind}></m:Items></m:CreateItem>"#
        )
    };
    let accepted = call(&sim, SERVICE, Some(ROOM), None, &answer("AcceptItem", id_of(single), ACCEPT_TEXT));
    assert_eq!(accepted.text("ResponseCode").as_deref(), Some("NoError"));
    let declined = call(&sim, SERVICE, Some(ROOM), None, &answer("DeclineItem", id_of(weekly), "Busy."));
    assert_eq!(declined.text("ResponseCode").as_deref(), Some("NoError"));

    run_phase(&python, &config, "verify");

    // The room got the update and the cancellation as Exchange sends them.
    let inbox = sim.inbox(ROOM).unwrap_or_default();
    let update = inbox.iter().find(|i| i.kind == "MeetingRequest" && i.subject == format!("{single} (moved)"));
    let update = update.unwrap_or_else(|| panic!("no update in the room's inbox: {inbox:#?}"));
    assert_eq!(update.request_type.as_deref(), Some("FullUpdate"));
    assert_eq!(update.sequence, Some(1));
    assert_eq!(update.start.map(vmr_scheduler_time), Some("2030-01-07T10:00:00Z".to_string()));
    let cancellation = inbox.iter().find(|i| i.kind == "MeetingCancellation");
    let cancellation = cancellation.unwrap_or_else(|| panic!("no cancellation in the room's inbox: {inbox:#?}"));
    assert_eq!(cancellation.item_class, "IPM.Schedule.Meeting.Canceled");
    assert_eq!(cancellation.subject, format!("Canceled: {weekly}"));
    assert!(cancellation.body.contains("Series cancelled"));
    let bob = sim.inbox(ATTENDEE).unwrap_or_default();
    assert!(bob.iter().any(|i| i.request_type.as_deref() == Some("FullUpdate")), "{bob:#?}");

    // Everything exchangelib sent, and everything it got back, is valid EWS.
    let log = sim.requests();
    let mut bodies: Vec<&str> = Vec::new();
    for r in &log {
        assert_eq!(r.http_status, 200, "{} answered {} {}", r.operation, r.http_status, r.response_code);
        bodies.extend(r.request_body.as_deref());
        bodies.extend(r.response_body.as_deref());
    }
    for op in ["ConvertId", "GetFolder", "CreateItem", "FindItem", "GetItem", "UpdateItem", "SyncFolderItems"] {
        assert!(log.iter().any(|r| r.operation == op), "exchangelib flow never sent {op}");
    }
    assert_schema_valid(&bodies);
    let _ = std::fs::remove_dir_all(&dir);
}

fn vmr_scheduler_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
