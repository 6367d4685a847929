//! The product's meeting vocabulary, shared by the mailbox backends, the store and the scheduler:
//! people, recurrence patterns and ranges, moved occurrences, and the expansion of a meeting into
//! its occurrences and join windows (`recurrence.rs`).

pub mod body;
mod recurrence;

use jiff::Timestamp;
use jiff::civil::Date;

pub use recurrence::{JoinWindow, MeetingTimes, OccurrenceTimes, RecurrenceError};

/// A person as Exchange names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// A moved occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Occurrence {
    pub original_start: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// A recurrence: a pattern and the range it repeats over, in the meeting's time zone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recurrence {
    pub pattern: Pattern,
    pub range: Range,
}

/// A day of the week, named as EWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DayOfWeek {
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

impl DayOfWeek {
    pub fn to_jiff(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday as W;
        match self {
            DayOfWeek::Sunday => W::Sunday,
            DayOfWeek::Monday => W::Monday,
            DayOfWeek::Tuesday => W::Tuesday,
            DayOfWeek::Wednesday => W::Wednesday,
            DayOfWeek::Thursday => W::Thursday,
            DayOfWeek::Friday => W::Friday,
            DayOfWeek::Saturday => W::Saturday,
        }
    }
}

/// Which week of the month a relative pattern means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

/// The days a relative pattern matches (EWS `DaysOfWeek` also allows the three groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DaySpec {
    Day(DayOfWeek),
    /// Any day of the month (`Day`).
    AnyDay,
    /// Monday to Friday (`Weekday`).
    Weekday,
    /// Saturday or Sunday (`WeekendDay`).
    WeekendDay,
}

/// EWS recurrence patterns (`RecurrencePatternTypes`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pattern {
    Daily { interval: u32 },
    Weekly { interval: u32, days: Vec<DayOfWeek>, first_day_of_week: DayOfWeek },
    AbsoluteMonthly { interval: u32, day_of_month: u8 },
    RelativeMonthly { interval: u32, days: DaySpec, index: WeekIndex },
    AbsoluteYearly { month: u8, day_of_month: u8 },
    RelativeYearly { month: u8, days: DaySpec, index: WeekIndex },
}

/// EWS recurrence ranges (`RecurrenceRangeTypes`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Range {
    NoEnd { start: Date },
    EndDate { start: Date, end: Date },
    Numbered { start: Date, count: u32 },
}
