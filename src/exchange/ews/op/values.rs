//! EWS's scalar values: date-times, dates, booleans and numbers as they appear in element text, parsed
//! strictly and without panics. Each parser returns a short reason; callers add the element path.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

/// Parses an `xs:dateTime` as EWS writes it: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)?`. A value
/// without a zone is local time in `zone` (the request's `TimeZoneContext`, UTC by default).
pub fn parse_datetime(text: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    let bad = || format!("\"{}\" is not a date-time (YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm))", shorten(text));
    let b = text.as_bytes();
    if b.len() < 19 || b[10] != b'T' {
        return Err(bad());
    }
    let date = parse_date_part(&text[..10]).ok_or_else(bad)?;
    if b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let hour = digits(&b[11..13]).ok_or_else(bad)?;
    let minute = digits(&b[14..16]).ok_or_else(bad)?;
    let second = digits(&b[17..19]).ok_or_else(bad)?;
    let mut rest = &text[19..];
    let mut nanos: i64 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return Err(bad());
        }
        let value = digits(&fraction.as_bytes()[..n]).ok_or_else(bad)?;
        nanos = value * 10_i64.pow(9 - n as u32);
        rest = &fraction[n..];
    }
    // 24:00:00 is allowed by xs:dateTime and means the next midnight.
    let (hour, next_day) = match (hour, minute, second, nanos) {
        (24, 0, 0, 0) => (0, true),
        (h, _, _, _) => (h, false),
    };
    let civil = DateTime::new(
        date.year(),
        date.month(),
        date.day(),
        i8::try_from(hour).map_err(|_| bad())?,
        i8::try_from(minute).map_err(|_| bad())?,
        i8::try_from(second).map_err(|_| bad())?,
        i32::try_from(nanos).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let civil = if next_day { civil.tomorrow().map_err(|_| bad())? } else { civil };
    let offset = parse_zone_suffix(rest).ok_or_else(bad)?;
    match offset {
        Some(offset) => offset.to_timestamp(civil).map_err(|_| bad()),
        None => zone.to_ambiguous_timestamp(civil).compatible().map_err(|_| bad()),
    }
}

/// Parses an `xs:date` (`YYYY-MM-DD` with an optional `Z` or `±hh:mm`, which EWS adds to recurrence
/// dates). The zone is dropped: recurrence dates are local dates in the meeting's time zone.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let bad = || format!("\"{}\" is not a date (YYYY-MM-DD)", shorten(text));
    if text.len() < 10 || !text.is_char_boundary(10) {
        return Err(bad());
    }
    let date = parse_date_part(&text[..10]).ok_or_else(bad)?;
    parse_zone_suffix(&text[10..]).ok_or_else(bad)?;
    Ok(date)
}

/// Parses an `xs:boolean`: `true`, `false`, `1` or `0`.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("\"{}\" is not a boolean", shorten(other))),
    }
}

/// Parses a non-negative decimal integer that fits `u32`.
pub fn parse_u32(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{}\" is not a whole number", shorten(text)));
    }
    t.parse::<u32>().map_err(|_| format!("\"{}\" is out of range", shorten(text)))
}

/// Formats a timestamp as EWS's UTC form `YYYY-MM-DDTHH:MM:SSZ` (whole seconds).
pub fn format_utc(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_date_part(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i16::try_from(digits(&b[0..4])?).ok()?;
    let month = i8::try_from(digits(&b[5..7])?).ok()?;
    let day = i8::try_from(digits(&b[8..10])?).ok()?;
    Date::new(year, month, day).ok()
}

/// `""` → no zone; `Z` → UTC; `±hh:mm` → that offset; anything else → `None`.
fn parse_zone_suffix(s: &str) -> Option<Option<Offset>> {
    match s {
        "" => Some(None),
        "Z" => Some(Some(Offset::UTC)),
        _ => {
            let b = s.as_bytes();
            if b.len() != 6 || b[3] != b':' {
                return None;
            }
            let sign = match b[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours = digits(&b[1..3])?;
            let minutes = digits(&b[4..6])?;
            if hours > 14 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(sign * (hours * 3600 + minutes * 60)).ok()?;
            Offset::from_seconds(seconds).ok().map(Some)
        }
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 18 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0_i64, |acc, d| acc * 10 + i64::from(d - b'0')))
}

/// The first 60 characters of a value, for error messages.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        match s.parse() {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn date_times_in_utc_with_offsets_and_fractions_are_parsed() {
        let utc = TimeZone::UTC;
        assert_eq!(parse_datetime("2025-01-06T09:00:00Z", &utc), Ok(ts("2025-01-06T09:00:00Z")));
        assert_eq!(parse_datetime("2025-01-06T10:00:00+01:00", &utc), Ok(ts("2025-01-06T09:00:00Z")));
        assert_eq!(parse_datetime("2025-01-06T04:00:00-05:00", &utc), Ok(ts("2025-01-06T09:00:00Z")));
        assert_eq!(parse_datetime("2013-09-21T19:00:00.000Z", &utc), Ok(ts("2013-09-21T19:00:00Z")));
        assert_eq!(parse_datetime("2013-09-21T19:00:00.1234567Z", &utc), Ok(ts("2013-09-21T19:00:00.1234567Z")));
        assert_eq!(parse_datetime(" 2025-01-06T24:00:00Z ", &utc), Ok(ts("2025-01-07T00:00:00Z")));
    }

    #[test]
    fn date_times_without_a_zone_are_local_to_the_time_zone_context() {
        let Ok(berlin) = TimeZone::get("Europe/Berlin") else { panic!("no Europe/Berlin") };
        assert_eq!(parse_datetime("2025-01-06T10:00:00", &berlin), Ok(ts("2025-01-06T09:00:00Z")));
        assert_eq!(parse_datetime("2025-07-07T10:00:00", &berlin), Ok(ts("2025-07-07T08:00:00Z")));
        assert_eq!(parse_datetime("2025-01-06T10:00:00", &TimeZone::UTC), Ok(ts("2025-01-06T10:00:00Z")));
    }

    #[test]
    fn malformed_date_times_are_refused() {
        let utc = TimeZone::UTC;
        for bad in [
            "",
            "2025-01-06",
            "2025-13-06T09:00:00Z",
            "2025-02-30T09:00:00Z",
            "2025-01-06T25:00:00Z",
            "2025-01-06T09:60:00Z",
            "2025-01-06 09:00:00Z",
            "2025-01-06T09:00:00.Z",
            "2025-01-06T09:00:00.1234567890Z",
            "2025-01-06T09:00:00+1:00",
            "2025-01-06T09:00:00+15:00",
            "2025-01-06T09:00:00ZZ",
            "２０２５-01-06T09:00:00Z",
            "99999-01-06T09:00:00Z",
        ] {
            assert!(parse_datetime(bad, &utc).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn dates_accept_an_optional_zone_suffix_and_keep_the_local_date() {
        let d = |y, m, day| Date::new(y, m, day).ok();
        assert_eq!(parse_date("2025-01-06").ok(), d(2025, 1, 6));
        assert_eq!(parse_date("2025-01-06Z").ok(), d(2025, 1, 6));
        assert_eq!(parse_date("2025-01-06+01:00").ok(), d(2025, 1, 6));
        assert_eq!(parse_date("2014-03-08-08:00").ok(), d(2014, 3, 8));
        assert!(parse_date("2025-1-6").is_err());
        assert!(parse_date("2025-01-06T").is_err());
        assert!(parse_date("2025-01-0é").is_err());
    }

    #[test]
    fn booleans_and_numbers_follow_xml_schema() {
        assert_eq!(parse_bool("true"), Ok(true));
        assert_eq!(parse_bool("1"), Ok(true));
        assert_eq!(parse_bool(" false "), Ok(false));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("yes").is_err());
        assert_eq!(parse_u32("42"), Ok(42));
        assert!(parse_u32("-1").is_err());
        assert!(parse_u32("99999999999").is_err());
        assert!(parse_u32("").is_err());
    }

    #[test]
    fn utc_formatting_has_whole_seconds_and_z() {
        assert_eq!(format_utc(ts("2025-01-06T09:00:00.5Z")), "2025-01-06T09:00:00Z");
    }
}
