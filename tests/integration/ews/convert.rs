//! Meeting messages as EWS writes them, turned into the product's types: every recurrence pattern and
//! range, UIDs from either source, delegates, and what a message must carry.

use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::types::{EwsItem, ParseContext};
use vmr_scheduler::exchange::ews::soap::read_response;
use vmr_scheduler::exchange::ews::xml::Limits;
use vmr_scheduler::exchange::ews::{meeting_cancellation, meeting_request};
use vmr_scheduler::exchange::{DayOfWeek, DaySpec, ExchangeError, Pattern, Range, WeekIndex};

use super::{ok, ts};

fn items(inner: &str, ctx: &ParseContext) -> Result<Vec<EwsItem>, ExchangeError> {
    let doc = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>{inner}</m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#
    );
    let answer = read_response::<GetItem>(doc.as_bytes(), ctx, &Limits::default())?;
    answer.messages.into_iter().next().map(|m| m.into_result()).unwrap_or(Ok(Vec::new()))
}

fn request(extra: &str) -> String {
    format!(
        "<t:MeetingRequest><t:ItemId Id=\"MR\" ChangeKey=\"CK\"/><t:Subject>S</t:Subject>\
<t:UID>uid-1</t:UID><t:Start>2025-01-06T09:00:00Z</t:Start><t:End>2025-01-06T10:00:00Z</t:End>\
<t:Organizer><t:Mailbox><t:Name>O</t:Name><t:EmailAddress>o@example.com</t:EmailAddress></t:Mailbox></t:Organizer>{extra}</t:MeetingRequest>"
    )
}

fn recurrence(xml: &str) -> Result<(Pattern, Range), ExchangeError> {
    let item = items(&request(&format!("<t:Recurrence>{xml}</t:Recurrence>")), &ParseContext::default())?.remove(0);
    let r = meeting_request(item)?.recurrence.ok_or(ExchangeError::Malformed { detail: "no recurrence".into() })?;
    Ok((r.pattern, r.range))
}

fn date(y: i16, m: i8, d: i8) -> jiff::civil::Date {
    jiff::civil::date(y, m, d)
}

// Notes §4: all six patterns and three ranges of types.xsd (each validated there with xmllint).
#[test]
fn every_recurrence_pattern_and_range_is_read() {
    let cases = [
        (
            "<t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            Pattern::Daily { interval: 2 },
            Range::NoEnd { start: date(2025, 1, 6) },
        ),
        (
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2025-01-06</t:StartDate><t:NumberOfOccurrences>10</t:NumberOfOccurrences></t:NumberedRecurrence>",
            Pattern::Weekly {
                interval: 1,
                days: vec![DayOfWeek::Monday, DayOfWeek::Wednesday],
                first_day_of_week: DayOfWeek::Sunday,
            },
            Range::Numbered { start: date(2025, 1, 6), count: 10 },
        ),
        (
            "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>15</t:DayOfMonth></t:AbsoluteMonthlyRecurrence><t:EndDateRecurrence><t:StartDate>2025-01-15</t:StartDate><t:EndDate>2025-12-31-08:00</t:EndDate></t:EndDateRecurrence>",
            Pattern::AbsoluteMonthly { interval: 1, day_of_month: 15 },
            Range::EndDate { start: date(2025, 1, 15), end: date(2025, 12, 31) },
        ),
        (
            "<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-14Z</t:StartDate></t:NoEndRecurrence>",
            Pattern::RelativeMonthly { interval: 1, days: DaySpec::Day(DayOfWeek::Tuesday), index: WeekIndex::Second },
            Range::NoEnd { start: date(2025, 1, 14) },
        ),
        (
            "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>24</t:DayOfMonth><t:Month>December</t:Month></t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-12-24</t:StartDate></t:NoEndRecurrence>",
            Pattern::AbsoluteYearly { month: 12, day_of_month: 24 },
            Range::NoEnd { start: date(2025, 12, 24) },
        ),
        (
            "<t:RelativeYearlyRecurrence><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex><t:Month>November</t:Month></t:RelativeYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-11-28</t:StartDate></t:NoEndRecurrence>",
            Pattern::RelativeYearly { month: 11, days: DaySpec::Weekday, index: WeekIndex::Last },
            Range::NoEnd { start: date(2025, 11, 28) },
        ),
    ];
    for (xml, pattern, range) in cases {
        assert_eq!(ok(recurrence(xml), xml), (pattern, range));
    }
}

#[test]
fn weekly_day_groups_expand_to_their_days() {
    let (pattern, _) = ok(
        recurrence(
            "<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
        ),
        "weekday",
    );
    use DayOfWeek::*;
    assert_eq!(
        pattern,
        Pattern::Weekly {
            interval: 2,
            days: vec![Monday, Tuesday, Wednesday, Thursday, Friday],
            first_day_of_week: Monday
        }
    );
}

#[test]
fn broken_recurrences_are_malformed_with_their_path() {
    for (xml, expected) in [
        (
            "<t:DailyRecurrence><t:Interval>0</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            "Interval",
        ),
        ("<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence>", "no recurrence range"),
        (
            "<t:DailyRegeneration><t:Interval>1</t:Interval></t:DailyRegeneration><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            "not a calendar recurrence",
        ),
        (
            "<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>32</t:DayOfMonth></t:AbsoluteMonthlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            "DayOfMonth",
        ),
        (
            "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>1</t:DayOfMonth><t:Month>Smarch</t:Month></t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            "Month",
        ),
        (
            "<t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Funday</t:DaysOfWeek></t:WeeklyRecurrence><t:NoEndRecurrence><t:StartDate>2025-01-06</t:StartDate></t:NoEndRecurrence>",
            "DaysOfWeek",
        ),
        (
            "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>06/01/2025</t:StartDate></t:NoEndRecurrence>",
            "StartDate",
        ),
    ] {
        match recurrence(xml) {
            Err(ExchangeError::Malformed { detail }) => {
                assert!(detail.contains("Recurrence") && detail.contains(expected), "{xml}: {detail}")
            }
            other => panic!("{xml}: {other:?}"),
        }
    }
}

#[test]
fn naive_date_times_are_read_in_the_time_zone_context_and_bad_ones_name_their_element() {
    let berlin = ParseContext { zone: ok(jiff::tz::TimeZone::get("Europe/Berlin"), "zone") };
    let xml = request("").replace("2025-01-06T09:00:00Z", "2025-01-06T10:00:00");
    let item = ok(items(&xml, &berlin), "naive").remove(0);
    assert_eq!(item.start, Some(ts("2025-01-06T09:00:00Z")));
    let bad = request("").replace("2025-01-06T10:00:00Z", "tomorrow");
    match items(&bad, &ParseContext::default()) {
        Err(ExchangeError::Malformed { detail }) => assert!(detail.contains("MeetingRequest[1]/End"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_organizer_sending_for_themselves_is_no_delegate_and_a_missing_uid_comes_from_the_global_object_id() {
    let sender =
        "<t:Sender><t:Mailbox><t:Name>O</t:Name><t:EmailAddress>O@Example.com</t:EmailAddress></t:Mailbox></t:Sender>";
    let xml = request("").replace("<t:UID>uid-1</t:UID>", "").replace("<t:Subject>S</t:Subject>", &format!("<t:Subject>S</t:Subject>{sender}"))
        .replace("</t:MeetingRequest>", "<t:ExtendedProperty><t:ExtendedFieldURI DistinguishedPropertySetId=\"Meeting\" PropertyId=\"35\" PropertyType=\"Binary\"/><t:Value>BAAAAIIA4AB0xbcQGoLgCAAAAACgscLT5PXWAQAAAAAAAAAAEAAAABI0VniQq83vEjRWeJCrze8=</t:Value></t:ExtendedProperty></t:MeetingRequest>");
    let converted = ok(meeting_request(ok(items(&xml, &ParseContext::default()), "read").remove(0)), "convert");
    assert_eq!(converted.sender, None);
    assert_eq!(
        converted.uid,
        "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D6010000000000000000100000001234567890ABCDEF1234567890ABCDEF"
    );
}

#[test]
fn a_text_body_becomes_escaped_html_and_a_cancellation_needs_its_times() {
    let xml = request("").replace(
        "<t:Subject>S</t:Subject>",
        "<t:Subject>S</t:Subject><t:Body BodyType=\"Text\">a &lt;b&gt; &amp; c</t:Body>",
    );
    let converted = ok(meeting_request(ok(items(&xml, &ParseContext::default()), "read").remove(0)), "convert");
    assert_eq!(converted.body_html, "<pre>a &lt;b&gt; &amp; c</pre>");
    let cancel = "<t:MeetingCancellation><t:ItemId Id=\"MC\"/><t:UID>uid-1</t:UID><t:Start>2025-01-06T09:00:00Z</t:Start>\
<t:From><t:Mailbox><t:EmailAddress>o@example.com</t:EmailAddress></t:Mailbox></t:From></t:MeetingCancellation>";
    match meeting_cancellation(ok(items(cancel, &ParseContext::default()), "read").remove(0)) {
        Err(ExchangeError::Malformed { detail }) => assert!(detail.contains("no End"), "{detail}"),
        other => panic!("{other:?}"),
    }
}

// Notes §7: an exception's GlobalObjectId (and possibly its UID) carries the instance date; the clean
// id is the series'.
#[test]
fn the_uid_comes_from_the_clean_global_object_id_when_both_are_sent() {
    let exception_uid = "040000008200E00074C5B7101A82E00807E9010DA0B1C2D3E4F5D6010000000000000000100000001234567890ABCDEF1234567890ABCDEF";
    let xml = request("").replace("<t:UID>uid-1</t:UID>", &format!("<t:UID>{exception_uid}</t:UID>")).replace(
        "</t:MeetingRequest>",
        "<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId=\"6ED8DA90-450B-101B-98DA-00AA003F1305\" PropertyId=\"35\" PropertyType=\"Binary\"/><t:Value>BAAAAIIA4AB0xbcQGoLgCAAAAACgscLT5PXWAQAAAAAAAAAAEAAAABI0VniQq83vEjRWeJCrze8=</t:Value></t:ExtendedProperty></t:MeetingRequest>",
    );
    let converted = ok(meeting_request(ok(items(&xml, &ParseContext::default()), "read").remove(0)), "convert");
    assert_eq!(
        converted.uid,
        "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D6010000000000000000100000001234567890ABCDEF1234567890ABCDEF"
    );
}
