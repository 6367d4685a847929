//! Occurrence expansion: each pattern, each range, DST, moved and deleted occurrences, windows.

use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::meeting::{DayOfWeek, DaySpec, Occurrence, Pattern, Range, Recurrence, WeekIndex};

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("bundled tzdb")
}

fn starts(times: &MeetingTimes<'_>, from: &str, to: &str) -> Vec<String> {
    times.occurrences_between(at(from), at(to), 1000).expect("expands").iter().map(|o| o.start.to_string()).collect()
}

fn series<'a>(start: &str, end: &str, recurrence: &'a Recurrence) -> MeetingTimes<'a> {
    MeetingTimes {
        start: at(start),
        end: at(end),
        time_zone: berlin(),
        recurrence: Some(recurrence),
        modified: &[],
        deleted: &[],
    }
}

#[test]
fn a_single_meeting_is_its_own_only_occurrence() {
    let t = MeetingTimes {
        start: at("2026-11-24T09:00:00Z"),
        end: at("2026-11-24T10:00:00Z"),
        time_zone: TimeZone::UTC,
        recurrence: None,
        modified: &[],
        deleted: &[],
    };
    assert_eq!(starts(&t, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"), ["2026-11-24T09:00:00Z"]);
    assert!(starts(&t, "2026-11-25T00:00:00Z", "2026-12-01T00:00:00Z").is_empty());
    assert_eq!(t.last_end(), None, "a single meeting has no recurrence to end");
}

#[test]
fn weekly_occurrences_keep_their_local_time_across_daylight_saving() {
    // 09:00 Berlin every Monday; summer time ends on 2026-10-25.
    let r = Recurrence {
        pattern: Pattern::Weekly { interval: 1, days: vec![DayOfWeek::Monday], first_day_of_week: DayOfWeek::Monday },
        range: Range::Numbered { start: date(2026, 10, 12), count: 4 },
    };
    let t = series("2026-10-12T07:00:00Z", "2026-10-12T08:00:00Z", &r);
    assert_eq!(
        starts(&t, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ["2026-10-12T07:00:00Z", "2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z", "2026-11-02T08:00:00Z"]
    );
    assert_eq!(t.last_end(), Some(at("2026-11-02T09:00:00Z")));
}

#[test]
fn weekly_with_several_days_and_an_interval_skips_weeks() {
    let r = Recurrence {
        pattern: Pattern::Weekly {
            interval: 2,
            days: vec![DayOfWeek::Tuesday, DayOfWeek::Thursday],
            first_day_of_week: DayOfWeek::Sunday,
        },
        range: Range::EndDate { start: date(2026, 11, 24), end: date(2026, 12, 10) },
    };
    let t = series("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", &r);
    assert_eq!(
        starts(&t, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ["2026-11-24T13:00:00Z", "2026-11-26T13:00:00Z", "2026-12-08T13:00:00Z", "2026-12-10T13:00:00Z"]
    );
}

#[test]
fn daily_numbered_ranges_count_deleted_occurrences_and_moved_ones_move() {
    let r = Recurrence {
        pattern: Pattern::Daily { interval: 1 },
        range: Range::Numbered { start: date(2026, 11, 23), count: 5 },
    };
    let moved = [Occurrence {
        original_start: at("2026-11-24T09:00:00Z"),
        start: at("2026-11-24T15:00:00Z"),
        end: at("2026-11-24T16:00:00Z"),
    }];
    let deleted = [at("2026-11-25T09:00:00Z")];
    let t = MeetingTimes {
        modified: &moved,
        deleted: &deleted,
        ..series("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z", &r)
    };
    assert_eq!(
        starts(&t, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ["2026-11-23T09:00:00Z", "2026-11-24T15:00:00Z", "2026-11-26T09:00:00Z", "2026-11-27T09:00:00Z"]
    );
}

#[test]
fn monthly_patterns_clamp_to_short_months_and_find_relative_days() {
    let r = Recurrence {
        pattern: Pattern::AbsoluteMonthly { interval: 1, day_of_month: 31 },
        range: Range::Numbered { start: date(2027, 1, 31), count: 3 },
    };
    let t = series("2027-01-31T09:00:00Z", "2027-01-31T10:00:00Z", &r);
    assert_eq!(
        starts(&t, "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"),
        ["2027-01-31T09:00:00Z", "2027-02-28T09:00:00Z", "2027-03-31T08:00:00Z"]
    );
    let r = Recurrence {
        pattern: Pattern::RelativeMonthly {
            interval: 1,
            days: DaySpec::Day(DayOfWeek::Friday),
            index: WeekIndex::Last,
        },
        range: Range::Numbered { start: date(2026, 11, 27), count: 2 },
    };
    let t = series("2026-11-27T14:00:00Z", "2026-11-27T15:00:00Z", &r);
    assert_eq!(
        starts(&t, "2026-11-01T00:00:00Z", "2027-03-01T00:00:00Z"),
        ["2026-11-27T14:00:00Z", "2026-12-25T14:00:00Z"]
    );
    let r = Recurrence {
        pattern: Pattern::RelativeYearly { month: 3, days: DaySpec::Weekday, index: WeekIndex::First },
        range: Range::Numbered { start: date(2027, 3, 1), count: 2 },
    };
    let t = series("2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z", &r);
    assert_eq!(
        starts(&t, "2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z"),
        ["2027-03-01T09:00:00Z", "2028-03-01T09:00:00Z"]
    );
}

#[test]
fn join_windows_open_before_and_close_after_each_occurrence() {
    let r = Recurrence { pattern: Pattern::Daily { interval: 1 }, range: Range::NoEnd { start: date(2026, 11, 23) } };
    let t = series("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z", &r);
    let (before, after) = (SignedDuration::from_mins(30), SignedDuration::from_mins(60));
    let w = t.window_at(at("2026-11-30T08:45:00Z"), before, after).expect("open");
    assert_eq!((w.opens, w.closes), (at("2026-11-30T08:30:00Z"), at("2026-11-30T11:00:00Z")));
    assert!(t.window_at(at("2026-11-30T08:29:59Z"), before, after).is_none());
    assert!(t.window_at(at("2026-11-30T11:00:01Z"), before, after).is_none());
    let next = t.current_or_next_window(at("2026-11-30T12:00:00Z"), before, after).expect("next");
    assert_eq!(next.opens, at("2026-12-01T08:30:00Z"));
    assert!(t.ends_after(at("2030-01-01T00:00:00Z")), "a series without end never lies in the past");
    assert_eq!(t.last_end(), None);
}

#[test]
fn a_series_entirely_in_the_past_ends_before_now() {
    let r = Recurrence {
        pattern: Pattern::Daily { interval: 2 },
        range: Range::EndDate { start: date(2025, 1, 1), end: date(2025, 1, 31) },
    };
    let t = series("2025-01-01T09:00:00Z", "2025-01-01T10:00:00Z", &r);
    assert!(!t.ends_after(at("2026-11-23T00:00:00Z")));
    assert!(t.ends_after(at("2025-01-30T00:00:00Z")));
    assert_eq!(t.last_end(), Some(at("2025-01-31T10:00:00Z")));
}

#[test]
fn nonsense_recurrences_are_errors_not_loops() {
    let r = Recurrence { pattern: Pattern::Daily { interval: 0 }, range: Range::NoEnd { start: date(2026, 1, 1) } };
    let t = series("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", &r);
    assert!(t.occurrences_between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), 10).is_err());
    let r = Recurrence {
        pattern: Pattern::Weekly { interval: 1, days: vec![], first_day_of_week: DayOfWeek::Monday },
        range: Range::NoEnd { start: date(2026, 1, 1) },
    };
    assert!(
        series("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", &r)
            .occurrences_between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), 10)
            .is_err()
    );
    let backwards =
        MeetingTimes { end: at("2026-01-01T08:00:00Z"), ..series("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", &r) };
    assert!(backwards.occurrences_between(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), 10).is_err());
}
