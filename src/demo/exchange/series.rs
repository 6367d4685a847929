//! The instances of a recurring meeting: the pattern's slots in the meeting's start time zone, with
//! modified occurrences moved and deleted ones marked, numbered as EWS `InstanceIndex` counts them.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::model::Meeting;
use super::time;

/// One slot of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// 1-based `InstanceIndex`.
    pub index: usize,
    pub original_start: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub modified: bool,
    pub deleted: bool,
}

/// The zone the meeting's local times are kept in.
pub fn zone(meeting: &Meeting) -> TimeZone {
    meeting.start_tz.as_deref().and_then(time::zone_for_windows_id).unwrap_or(TimeZone::UTC)
}

/// Every slot of the series, in order (empty for a single meeting).
pub fn instances(meeting: &Meeting) -> Vec<Instance> {
    let Some(recurrence) = &meeting.recurrence else {
        return Vec::new();
    };
    let zone = zone(meeting);
    let length = meeting.end.as_second() - meeting.start.as_second();
    let mut out = Vec::new();
    for (i, date) in time::expand(recurrence, time::MAX_OCCURRENCES).into_iter().enumerate() {
        let Some(original_start) = time::at_local_time(date, meeting.start, &zone) else {
            continue;
        };
        let original_end = Timestamp::from_second(original_start.as_second() + length).unwrap_or(original_start);
        let exception = meeting.exceptions.iter().find(|e| e.original_start == original_start);
        let deleted = meeting.deleted.contains(&original_start);
        out.push(Instance {
            index: i + 1,
            original_start,
            start: exception.map_or(original_start, |e| e.start),
            end: exception.map_or(original_end, |e| e.end),
            modified: exception.is_some(),
            deleted,
        });
    }
    out
}

/// The slot whose original start is `original_start`.
pub fn instance_at(meeting: &Meeting, original_start: Timestamp) -> Option<Instance> {
    instances(meeting).into_iter().find(|i| i.original_start == original_start)
}
