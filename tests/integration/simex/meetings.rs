//! Meeting semantics over EWS, as real Exchange applies them in the resource-mailbox flow: requests
//! with the attendee's tentative calendar item, replies to the organizer, lookups by
//! CleanGlobalObjectId, occurrence updates and cancellations with RecurrenceId, series cancellation.

use base64::Engine as _;

use super::*;

const SHAPE_ALL: &str = r#"<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape>"#;

fn attendee_xml(tag: &str, email: &str) -> String {
    format!(
        "<t:{tag}><t:Attendee><t:Mailbox><t:EmailAddress>{email}</t:EmailAddress></t:Mailbox></t:Attendee></t:{tag}>"
    )
}

/// The organizer creates a meeting with the room as resource; returns its item id.
fn create_meeting(sim: &RunningSim, zone: &str, start: &str, end: &str, recurrence: &str) -> String {
    let body = format!(
        r#"<m:CreateItem SendMeetingInvitations="SendToAllAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId><m:Items><t:CalendarItem><t:Subject>Design review</t:Subject><t:Body BodyType="HTML">&lt;p&gt;VMR:-ABC#&lt;/p&gt;</t:Body><t:Start>{start}</t:Start><t:End>{end}</t:End><t:Location>Room 1</t:Location>{}{}{recurrence}<t:StartTimeZone Id="{zone}"/><t:EndTimeZone Id="{zone}"/></t:CalendarItem></m:Items></m:CreateItem>"#,
        attendee_xml("RequiredAttendees", ATTENDEE),
        attendee_xml("Resources", ROOM)
    );
    let doc = call(sim, ORGANIZER, None, Some(zone), &body);
    assert_eq!(doc.text("ResponseCode").as_deref(), Some("NoError"), "{}", doc.root.name);
    doc.attrs("ItemId", "Id").into_iter().next().unwrap_or_default()
}

fn get(sim: &RunningSim, account: &str, impersonate: Option<&str>, ids: &str) -> Doc {
    call(sim, account, impersonate, None, &format!("<m:GetItem>{SHAPE_ALL}<m:ItemIds>{ids}</m:ItemIds></m:GetItem>"))
}

fn item_id(id: &str) -> String {
    format!(r#"<t:ItemId Id="{id}"/>"#)
}

fn respond(sim: &RunningSim, kind: &str, id: &str) -> Doc {
    let body = format!(
        r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:{kind}><t:Body BodyType="Text">ok</t:Body><t:ReferenceItemId Id="{id}"/></t:{kind}></m:Items></m:CreateItem>"#
    );
    call(sim, SERVICE, Some(ROOM), None, &body)
}

fn room_items(sim: &RunningSim, kind: &str) -> Vec<vmr_scheduler::demo::exchange::ItemView> {
    sim.inbox(ROOM).unwrap_or_default().into_iter().filter(|i| i.kind == kind).collect()
}

#[test]
fn a_sent_meeting_reaches_the_room_as_a_request_with_a_tentative_calendar_item() {
    let sim = start();
    // Naive times are read in the request's TimeZoneContext / StartTimeZone (Eastern, UTC-5 in January).
    create_meeting(&sim, "Eastern Standard Time", "2030-01-07T10:00:00", "2030-01-07T11:00:00", "");
    let requests = room_items(&sim, "MeetingRequest");
    assert_eq!(requests.len(), 1);
    let doc = get(&sim, SERVICE, Some(ROOM), &item_id(&requests[0].id));
    assert_eq!(doc.text("ItemClass").as_deref(), Some("IPM.Schedule.Meeting.Request"));
    assert_eq!(doc.text("MeetingRequestType").as_deref(), Some("NewMeetingRequest"));
    assert_eq!(doc.text("Start").as_deref(), Some("2030-01-07T15:00:00Z"));
    assert_eq!(doc.text("AppointmentSequenceNumber").as_deref(), Some("0"));
    // (the first "Body" is the SOAP body)
    assert_eq!(doc.texts("Body").last().map(String::as_str), Some("<p>VMR:-ABC#</p>"));
    let uid = doc.text("UID").unwrap_or_default();
    assert!(uid.starts_with("040000008200E00074C5B7101A82E008"), "{uid}");
    let cal = doc.attrs("AssociatedCalendarItemId", "Id");
    let cal_doc = get(&sim, SERVICE, Some(ROOM), &item_id(&cal[0]));
    assert_eq!(cal_doc.text("UID"), Some(uid));
    assert_eq!(cal_doc.text("MyResponseType").as_deref(), Some("NoResponseReceived"));
    assert_eq!(cal_doc.text("LegacyFreeBusyStatus").as_deref(), Some("Tentative"));
    // The required attendee got one too; the organizer's copy says it was sent.
    assert_eq!(sim.inbox(ATTENDEE).unwrap_or_default().len(), 1);
    let org = sim.calendar(ORGANIZER).unwrap_or_default();
    assert_eq!(org[0].response_type.as_deref(), Some("Organizer"));
}

#[test]
fn accepting_replies_to_the_organizer_and_moves_the_request_to_deleted_items() {
    let sim = start();
    create_meeting(&sim, "W. Europe Standard Time", "2030-01-07T10:00:00+01:00", "2030-01-07T11:00:00+01:00", "");
    let request = room_items(&sim, "MeetingRequest").remove(0);
    assert_eq!(respond(&sim, "AcceptItem", &request.id).text("ResponseCode").as_deref(), Some("NoError"));
    let replies: Vec<_> =
        sim.inbox(ORGANIZER).unwrap_or_default().into_iter().filter(|i| i.kind == "MeetingResponse").collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].item_class, "IPM.Schedule.Meeting.Resp.Pos");
    assert_eq!(replies[0].subject, "Accepted: Design review");
    assert_eq!(replies[0].body, "ok");
    assert!(room_items(&sim, "MeetingRequest").is_empty());
    assert_eq!(sim.folder(ROOM, "deleteditems").unwrap_or_default().len(), 1);
    assert_eq!(sim.folder(ROOM, "sentitems").unwrap_or_default()[0].kind, "MeetingResponse");
    let room_cal = sim.calendar(ROOM).unwrap_or_default();
    assert_eq!(room_cal[0].response_type.as_deref(), Some("Accept"));
    let org = sim.calendar(ORGANIZER).unwrap_or_default();
    assert!(org[0].attendees.contains(&(ROOM.to_string(), "Accept".to_string())));
    // The reply as the organizer sees it over EWS.
    let doc = get(&sim, ORGANIZER, None, &item_id(&replies[0].id));
    assert_eq!(doc.text("ResponseType").as_deref(), Some("Accept"));
    // The organizer cannot answer its own meeting.
    let own = call(
        &sim,
        ORGANIZER,
        None,
        None,
        &format!(
            r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:AcceptItem><t:ReferenceItemId Id="{}"/></t:AcceptItem></m:Items></m:CreateItem>"#,
            org[0].id
        ),
    );
    assert_eq!(own.text("ResponseCode").as_deref(), Some("ErrorCalendarIsOrganizerForAccept"));
    // Response objects need a MessageDisposition.
    let no_disposition = call(
        &sim,
        SERVICE,
        Some(ROOM),
        None,
        &format!(
            r#"<m:CreateItem><m:Items><t:DeclineItem><t:ReferenceItemId Id="{}"/></t:DeclineItem></m:Items></m:CreateItem>"#,
            room_cal[0].id
        ),
    );
    assert_eq!(no_disposition.text("ResponseCode").as_deref(), Some("ErrorMessageDispositionRequired"));
}

#[test]
fn the_organizers_item_is_found_by_clean_global_object_id_but_not_by_uid() {
    let sim = start();
    create_meeting(&sim, "UTC", "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z", "");
    let uid = room_items(&sim, "MeetingRequest")[0].uid.clone().unwrap_or_default();
    let bytes: Vec<u8> =
        (0..uid.len()).step_by(2).filter_map(|i| u8::from_str_radix(&uid[i..i + 2], 16).ok()).collect();
    let constant = base64::engine::general_purpose::STANDARD.encode(bytes);
    for spelling in
        [r#"PropertySetId="6ED8DA90-450B-101B-98DA-00AA003F1305""#, r#"DistinguishedPropertySetId="Meeting""#]
    {
        let ext = format!(r#"<t:ExtendedFieldURI {spelling} PropertyId="35" PropertyType="Binary"/>"#);
        let body = format!(
            r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/>{ext}</t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:Restriction><t:IsEqualTo>{ext}<t:FieldURIOrConstant><t:Constant Value="{constant}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>{ORGANIZER}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>"#
        );
        let doc = call(&sim, SERVICE, Some(ORGANIZER), None, &body);
        assert_eq!(doc.texts("Subject"), vec!["Design review"], "{spelling}");
        assert_eq!(doc.texts("Value"), vec![constant.clone()]);
        assert_eq!(doc.attrs("RootFolder", "TotalItemsInView"), vec!["1"]);
    }
    let by_uid = format!(
        r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="calendar:UID"/><t:FieldURIOrConstant><t:Constant Value="{uid}"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#
    );
    let refused = call(&sim, SERVICE, Some(ORGANIZER), None, &by_uid);
    assert_eq!(refused.text("ResponseCode").as_deref(), Some("ErrorUnsupportedPathForQuery"));
}

const WEEKLY: &str = r#"<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2030-03-18</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>"#;

#[test]
fn occurrence_changes_and_cancellations_reach_the_room_with_recurrence_ids() {
    let sim = start();
    let master = create_meeting(&sim, "W. Europe Standard Time", "2030-03-18T10:00:00", "2030-03-18T10:30:00", WEEKLY);
    // Move the second occurrence (2030-03-25 10:00 CET = 09:00Z) one hour later.
    let update = format!(
        r#"<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="2"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2030-03-25T10:00:00Z</t:Start></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2030-03-25T10:30:00Z</t:End></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#
    );
    assert_eq!(call(&sim, ORGANIZER, None, None, &update).text("ResponseCode").as_deref(), Some("NoError"));
    let requests = room_items(&sim, "MeetingRequest");
    let exception = requests.iter().find(|r| r.recurrence_id.is_some()).unwrap_or_else(|| panic!("{requests:#?}"));
    let doc = get(&sim, SERVICE, Some(ROOM), &item_id(&exception.id));
    assert_eq!(doc.text("RecurrenceId").as_deref(), Some("2030-03-25T09:00:00Z"));
    assert_eq!(doc.text("Start").as_deref(), Some("2030-03-25T10:00:00Z"));
    assert_eq!(doc.text("CalendarItemType").as_deref(), Some("Exception"));
    assert_eq!(doc.text("UID"), requests[0].uid.clone());
    // Cancel the third occurrence (2030-04-01, after the DST change: 10:00 CEST = 08:00Z).
    let delete = format!(
        r#"<m:DeleteItem DeleteType="MoveToDeletedItems" SendMeetingCancellations="SendToAllAndSaveCopy"><m:ItemIds><t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3"/></m:ItemIds></m:DeleteItem>"#
    );
    assert_eq!(call(&sim, ORGANIZER, None, None, &delete).text("ResponseCode").as_deref(), Some("NoError"));
    let cancellations = room_items(&sim, "MeetingCancellation");
    assert_eq!(cancellations.len(), 1);
    let doc = get(&sim, SERVICE, Some(ROOM), &item_id(&cancellations[0].id));
    assert_eq!(doc.text("RecurrenceId").as_deref(), Some("2030-04-01T08:00:00Z"));
    assert_eq!(doc.text("ItemClass").as_deref(), Some("IPM.Schedule.Meeting.Canceled"));
    // The organizer's series records both; so does the room's copy.
    let series = get(&sim, ORGANIZER, None, &item_id(&master));
    assert_eq!(series.text("CalendarItemType").as_deref(), Some("RecurringMaster"));
    assert_eq!(series.children_of("ModifiedOccurrences"), vec!["Occurrence"]);
    assert_eq!(series.children_of("DeletedOccurrences"), vec!["DeletedOccurrence"]);
    let room_cal = sim.calendar(ROOM).unwrap_or_default();
    assert_eq!(room_cal[0].deleted_occurrences.len(), 1);
    assert_eq!(room_cal[0].modified_occurrences.len(), 1);
    // CalendarView: three occurrences left, each at its local time across DST.
    let view = r#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:CalendarItemType"/></t:AdditionalProperties></m:ItemShape><m:CalendarView StartDate="2030-03-01T00:00:00Z" EndDate="2030-05-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#;
    let doc = call(&sim, ORGANIZER, None, None, view);
    assert_eq!(doc.texts("Start"), vec!["2030-03-18T09:00:00Z", "2030-03-25T10:00:00Z", "2030-04-08T08:00:00Z"]);
    assert_eq!(doc.texts("CalendarItemType"), vec!["Occurrence", "Exception", "Occurrence"]);
    // The deleted instance can no longer be addressed.
    let gone =
        get(&sim, ORGANIZER, None, &format!(r#"<t:OccurrenceItemId RecurringMasterId="{master}" InstanceIndex="3"/>"#));
    assert_eq!(gone.text("ResponseCode").as_deref(), Some("ErrorCalendarOccurrenceIsDeletedFromRecurrence"));
}

#[test]
fn an_update_outdates_the_earlier_request_and_a_cancellation_blocks_answers() {
    let sim = start();
    let master = create_meeting(&sim, "UTC", "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z", "");
    let first = room_items(&sim, "MeetingRequest").remove(0);
    let update = format!(
        r#"<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToAllAndSaveCopy"><m:ItemChanges><t:ItemChange><t:ItemId Id="{master}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Design review v2</t:Subject></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 2</t:Location></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#
    );
    assert_eq!(call(&sim, ORGANIZER, None, None, &update).text("ResponseCode").as_deref(), Some("NoError"));
    let requests = room_items(&sim, "MeetingRequest");
    let latest = requests.iter().find(|r| r.subject == "Design review v2").unwrap_or_else(|| panic!("{requests:#?}"));
    assert_eq!(latest.sequence, Some(1));
    assert_eq!(latest.request_type.as_deref(), Some("FullUpdate"));
    assert_eq!(
        respond(&sim, "AcceptItem", &first.id).text("ResponseCode").as_deref(),
        Some("ErrorCalendarMeetingRequestIsOutOfDate")
    );
    // Cancel the meeting: the room gets a cancellation and can no longer accept.
    let cancel = format!(
        r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:CancelCalendarItem><t:ReferenceItemId Id="{master}"/><t:NewBodyContent BodyType="HTML">Cancelled.</t:NewBodyContent></t:CancelCalendarItem></m:Items></m:CreateItem>"#
    );
    assert_eq!(call(&sim, ORGANIZER, None, None, &cancel).text("ResponseCode").as_deref(), Some("NoError"));
    let cancellation = room_items(&sim, "MeetingCancellation").remove(0);
    assert_eq!(cancellation.subject, "Canceled: Design review v2");
    assert!(sim.calendar(ROOM).unwrap_or_default()[0].is_cancelled);
    assert_eq!(
        respond(&sim, "AcceptItem", &latest.id).text("ResponseCode").as_deref(),
        Some("ErrorCalendarIsCancelledForAccept")
    );
    // RemoveItem clears the cancelled meeting from the room's calendar.
    assert_eq!(
        call(&sim, SERVICE, Some(ROOM), None, &format!(
            r#"<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:RemoveItem><t:ReferenceItemId Id="{}"/></t:RemoveItem></m:Items></m:CreateItem>"#,
            cancellation.id
        )).text("ResponseCode").as_deref(),
        Some("NoError")
    );
    assert!(sim.calendar(ROOM).unwrap_or_default().is_empty());
}

#[test]
fn organizer_actions_of_the_rust_api_behave_like_the_ews_operations() {
    use vmr_scheduler::demo::exchange::{Answer, MeetingSpec};
    use vmr_scheduler::exchange::{DayOfWeek, Pattern, Range, Recurrence};
    let sim = start();
    let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let spec = MeetingSpec {
        subject: "Stand-up".into(),
        body_html: "<p>VMR</p>".into(),
        start: Some(at("2030-03-18T09:00:00Z")),
        end: Some(at("2030-03-18T09:15:00Z")),
        time_zone: Some("W. Europe Standard Time".into()),
        resources: vec![ROOM.into()],
        recurrence: Some(Recurrence {
            pattern: Pattern::Daily { interval: 1 },
            range: Range::Numbered { start: "2030-03-18".parse().unwrap_or(jiff::civil::Date::MIN), count: 5 },
        }),
        ..MeetingSpec::default()
    };
    let _ = DayOfWeek::Monday;
    let id = sim.send_meeting(ORGANIZER, &spec).unwrap_or_else(|e| panic!("{e}"));
    sim.move_occurrence(
        ORGANIZER,
        &id,
        at("2030-03-19T09:00:00Z"),
        at("2030-03-19T11:00:00Z"),
        at("2030-03-19T11:15:00Z"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    sim.cancel_occurrence(ORGANIZER, &id, at("2030-03-20T09:00:00Z")).unwrap_or_else(|e| panic!("{e}"));
    let inbox = sim.inbox(ROOM).unwrap_or_default();
    let kinds: Vec<(&str, Option<String>)> =
        inbox.iter().map(|i| (i.kind, i.recurrence_id.map(|t| t.to_string()))).collect();
    assert_eq!(
        kinds,
        vec![
            ("MeetingRequest", None),
            ("MeetingRequest", Some("2030-03-19T09:00:00Z".into())),
            ("MeetingCancellation", Some("2030-03-20T09:00:00Z".into())),
        ]
    );
    sim.respond(ROOM, &inbox[0].id, Answer::Accept, "<p>Booked</p>").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sim.inbox(ORGANIZER).unwrap_or_default()[0].subject, "Accepted: Stand-up");
    sim.cancel_meeting(ORGANIZER, &id, "<p>Off</p>").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sim.inbox(ROOM).unwrap_or_default().last().map(|i| i.kind), Some("MeetingCancellation"));
    assert!(sim.cancel_meeting(ROOM, &id, "").is_err(), "another mailbox's item id is not found");
}
