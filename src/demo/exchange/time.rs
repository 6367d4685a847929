//! Date-times as EWS writes and reads them, Windows time-zone ids, and recurrence expansion: which
//! local dates a pattern and range produce, in the meeting's own zone (so occurrences keep their
//! local time across daylight-saving changes).

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};

use crate::exchange::{DayOfWeek, DaySpec, Pattern, Range, Recurrence, WeekIndex};

/// Upper bound on the occurrences one series expands to (a `NoEndRecurrence` is cut there).
pub const MAX_OCCURRENCES: usize = 1000;

/// `YYYY-MM-DDTHH:MM:SSZ`, the only form the simulator writes (exchangelib drops fractional seconds).
pub fn format(ts: Timestamp) -> String {
    ts.to_zoned(TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Reads an `xs:dateTime`: UTC (`Z`), with an offset, or naive (then local time in `zone`, the
/// item's start time zone or the request's `TimeZoneContext`, UTC when neither is given).
pub fn parse(text: &str, zone: Option<&TimeZone>) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil: DateTime = text.parse().ok()?;
    let zone = zone.cloned().unwrap_or(TimeZone::UTC);
    civil.to_zoned(zone).ok().map(|z| z.timestamp())
}

/// Reads an `xs:date`, with or without a zone suffix (`2025-01-06`, `2025-01-06Z`, `2025-01-06+01:00`).
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let core = text.get(..10)?;
    let rest = &text[10..];
    let suffix_ok = rest.is_empty()
        || rest == "Z"
        || (rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && rest.as_bytes()[3] == b':');
    if !suffix_ok {
        return None;
    }
    core.parse().ok()
}

/// A date as Exchange writes recurrence dates: the local date with the zone's offset on that day.
pub fn format_date(date: Date, zone: &TimeZone) -> String {
    let offset = date.to_zoned(zone.clone()).map(|z| z.offset().seconds()).unwrap_or(0);
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    format!("{}{sign}{:02}:{:02}", date, abs / 3600, (abs % 3600) / 60)
}

/// Windows time-zone id (`TimeZoneContext`, `StartTimeZone/@Id`) → zone, through the project's
/// CLDR table (`exchange::timezone`).
pub fn zone_for_windows_id(id: &str) -> Option<TimeZone> {
    crate::exchange::timezone::zone_for_windows(id.trim())
}

/// The local dates of a series, in order, from its range start; deleted occurrences are still
/// included (callers filter them) so that instance indexes stay stable.
pub fn expand(recurrence: &Recurrence, max: usize) -> Vec<Date> {
    let (start, end, count) = match recurrence.range {
        Range::NoEnd { start } => (start, None, None),
        Range::EndDate { start, end } => (start, Some(end), None),
        Range::Numbered { start, count } => (start, None, Some(count as usize)),
    };
    let limit = count.unwrap_or(max).min(max);
    let mut out = Vec::new();
    // Walk far enough for any pattern: 100 years of days at most, stopping early.
    let horizon = start.checked_add(100.years()).unwrap_or(Date::MAX);
    let mut push = |d: Date, out: &mut Vec<Date>| -> bool {
        if d < start {
            return true;
        }
        if end.is_some_and(|e| d > e) || d > horizon || out.len() >= limit {
            return false;
        }
        out.push(d);
        true
    };
    match &recurrence.pattern {
        Pattern::Daily { interval } => {
            let step = (*interval).max(1) as i64;
            let mut d = start;
            loop {
                if !push(d, &mut out) {
                    break;
                }
                match d.checked_add(Span::new().days(step)) {
                    Ok(n) => d = n,
                    Err(_) => break,
                }
            }
        }
        Pattern::Weekly { interval, days, first_day_of_week } => {
            let step = (*interval).max(1) as i64;
            let first = first_day_of_week.to_jiff();
            let back = start.weekday().since(first) as i64;
            let mut week = start.checked_sub(Span::new().days(back)).unwrap_or(start);
            let mut ordered: Vec<Weekday> = days.iter().map(|d| d.to_jiff()).collect();
            ordered.sort_by_key(|w| w.since(first));
            ordered.dedup();
            if ordered.is_empty() {
                return out;
            }
            'weeks: loop {
                for w in &ordered {
                    let Ok(d) = week.checked_add(Span::new().days(w.since(first) as i64)) else {
                        break 'weeks;
                    };
                    if !push(d, &mut out) {
                        break 'weeks;
                    }
                }
                match week.checked_add(Span::new().weeks(step)) {
                    Ok(n) => week = n,
                    Err(_) => break,
                }
            }
        }
        Pattern::AbsoluteMonthly { interval, day_of_month } => {
            months(start, (*interval).max(1), |y, m| day_in_month(y, m, *day_of_month), &mut out, &mut push);
        }
        Pattern::RelativeMonthly { interval, days, index } => {
            months(start, (*interval).max(1), |y, m| relative_day(y, m, *days, *index), &mut out, &mut push);
        }
        Pattern::AbsoluteYearly { month, day_of_month } => {
            let month = *month as i8;
            months(
                start,
                1,
                |y, m| if m == month { day_in_month(y, m, *day_of_month) } else { None },
                &mut out,
                &mut push,
            );
        }
        Pattern::RelativeYearly { month, days, index } => {
            let month = *month as i8;
            months(
                start,
                1,
                |y, m| if m == month { relative_day(y, m, *days, *index) } else { None },
                &mut out,
                &mut push,
            );
        }
    }
    out
}

fn months(
    start: Date,
    interval: u32,
    day: impl Fn(i16, i8) -> Option<Date>,
    out: &mut Vec<Date>,
    push: &mut impl FnMut(Date, &mut Vec<Date>) -> bool,
) {
    let mut year = start.year();
    let mut month = start.month();
    for _ in 0..(1200 / interval.max(1) + 1) {
        if let Some(d) = day(year, month)
            && !push(d, out)
        {
            return;
        }
        let total = (month as i32 - 1) + interval as i32;
        year += (total / 12) as i16;
        month = (total % 12 + 1) as i8;
        if year > 9000 {
            return;
        }
    }
}

/// Day `n` of a month, or its last day when the month is shorter (as Outlook does).
fn day_in_month(year: i16, month: i8, n: u8) -> Option<Date> {
    let first = Date::new(year, month, 1).ok()?;
    let last = first.days_in_month();
    Date::new(year, month, (n as i8).clamp(1, last)).ok()
}

fn relative_day(year: i16, month: i8, days: DaySpec, index: WeekIndex) -> Option<Date> {
    let first = Date::new(year, month, 1).ok()?;
    let matching: Vec<Date> = (1..=first.days_in_month())
        .filter_map(|d| Date::new(year, month, d).ok())
        .filter(|d| day_matches(d.weekday(), days))
        .collect();
    match index {
        WeekIndex::First => matching.first().copied(),
        WeekIndex::Second => matching.get(1).copied(),
        WeekIndex::Third => matching.get(2).copied(),
        WeekIndex::Fourth => matching.get(3).copied(),
        WeekIndex::Last => matching.last().copied(),
    }
}

fn day_matches(w: Weekday, spec: DaySpec) -> bool {
    match spec {
        DaySpec::Day(d) => d.to_jiff() == w,
        DaySpec::AnyDay => true,
        DaySpec::Weekday => !matches!(w, Weekday::Saturday | Weekday::Sunday),
        DaySpec::WeekendDay => matches!(w, Weekday::Saturday | Weekday::Sunday),
    }
}

/// EWS day names.
pub fn day_name(d: DayOfWeek) -> &'static str {
    match d {
        DayOfWeek::Sunday => "Sunday",
        DayOfWeek::Monday => "Monday",
        DayOfWeek::Tuesday => "Tuesday",
        DayOfWeek::Wednesday => "Wednesday",
        DayOfWeek::Thursday => "Thursday",
        DayOfWeek::Friday => "Friday",
        DayOfWeek::Saturday => "Saturday",
    }
}

pub fn parse_day(name: &str) -> Option<DayOfWeek> {
    Some(match name {
        "Sunday" => DayOfWeek::Sunday,
        "Monday" => DayOfWeek::Monday,
        "Tuesday" => DayOfWeek::Tuesday,
        "Wednesday" => DayOfWeek::Wednesday,
        "Thursday" => DayOfWeek::Thursday,
        "Friday" => DayOfWeek::Friday,
        "Saturday" => DayOfWeek::Saturday,
        _ => return None,
    })
}

/// Local wall-clock start of `date` at the time of day of `template` in `zone`.
pub fn at_local_time(date: Date, template: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
    let time = template.to_zoned(zone.clone()).time();
    date.to_datetime(time).to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

/// The span between two instants as an `xs:duration` (`PT1H30M`).
pub fn duration(start: Timestamp, end: Timestamp) -> String {
    let secs = end.as_second().saturating_sub(start.as_second()).max(0);
    let (d, h, m, s) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::from("P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    out.push('T');
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap_or(Date::MIN)
    }

    #[test]
    fn weekly_series_expands_on_the_named_days_from_the_range_start() {
        let r = Recurrence {
            pattern: Pattern::Weekly {
                interval: 2,
                days: vec![DayOfWeek::Wednesday, DayOfWeek::Monday],
                first_day_of_week: DayOfWeek::Monday,
            },
            range: Range::Numbered { start: d("2025-01-08"), count: 4 },
        };
        assert_eq!(expand(&r, 100), vec![d("2025-01-08"), d("2025-01-20"), d("2025-01-22"), d("2025-02-03")]);
    }

    #[test]
    fn monthly_patterns_pick_the_right_days() {
        let abs = Recurrence {
            pattern: Pattern::AbsoluteMonthly { interval: 1, day_of_month: 31 },
            range: Range::EndDate { start: d("2025-01-31"), end: d("2025-04-30") },
        };
        assert_eq!(expand(&abs, 100), vec![d("2025-01-31"), d("2025-02-28"), d("2025-03-31"), d("2025-04-30")]);
        let rel = Recurrence {
            pattern: Pattern::RelativeMonthly {
                interval: 1,
                days: DaySpec::Day(DayOfWeek::Tuesday),
                index: WeekIndex::Second,
            },
            range: Range::Numbered { start: d("2025-01-01"), count: 2 },
        };
        assert_eq!(expand(&rel, 100), vec![d("2025-01-14"), d("2025-02-11")]);
    }

    #[test]
    fn occurrences_keep_local_time_across_daylight_saving() {
        let zone = zone_for_windows_id("W. Europe Standard Time").unwrap_or(TimeZone::UTC);
        let first: Timestamp = "2025-03-24T09:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let after = at_local_time(d("2025-03-31"), first, &zone).map(format);
        assert_eq!(after.as_deref(), Some("2025-03-31T08:00:00Z"));
    }

    #[test]
    fn date_times_are_read_in_every_client_form() {
        let zone = zone_for_windows_id("Eastern Standard Time");
        assert_eq!(parse("2025-01-06T10:00:00.000Z", None).map(format).as_deref(), Some("2025-01-06T10:00:00Z"));
        assert_eq!(parse("2025-01-06T10:00:00+01:00", None).map(format).as_deref(), Some("2025-01-06T09:00:00Z"));
        assert_eq!(parse("2025-01-06T10:00:00", zone.as_ref()).map(format).as_deref(), Some("2025-01-06T15:00:00Z"));
        assert_eq!(parse_date("2025-01-06-08:00"), Some(d("2025-01-06")));
        assert_eq!(parse_date("2025-01-06x"), None);
        assert_eq!(
            duration(
                "2025-01-06T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH),
                "2025-01-06T11:30:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH)
            ),
            "PT1H30M"
        );
    }
}
