//! UTC timestamps with second precision, as used in signed payloads.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Errors from building or parsing a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimestampError {
    /// Not of the form `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("timestamp must be RFC 3339 UTC with second precision, e.g. 2026-01-31T12:00:00Z")]
    Malformed,
    /// Fields out of range (month 13, 30 February, second 60, ...).
    #[error("timestamp is not a valid date and time")]
    InvalidDate,
    /// Before 1970-01-01T00:00:00Z or after 9999-12-31T23:59:59Z.
    #[error("timestamp out of range (1970 to 9999)")]
    OutOfRange,
}

/// A point in time in UTC, with whole seconds, between 1970-01-01T00:00:00Z and
/// 9999-12-31T23:59:59Z.
///
/// Text and serde form: `YYYY-MM-DDTHH:MM:SSZ` (an RFC 3339 profile: upper-case `T` and `Z`, no
/// fraction, no offset other than `Z`; leap second 60 is rejected). Only that exact form parses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Smallest value: the Unix epoch.
    pub const MIN_UNIX_SECONDS: i64 = 0;
    /// Largest value: 9999-12-31T23:59:59Z.
    pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

    /// From Unix seconds.
    pub fn from_unix_seconds(seconds: i64) -> Result<Timestamp, TimestampError> {
        if (Self::MIN_UNIX_SECONDS..=Self::MAX_UNIX_SECONDS).contains(&seconds) {
            Ok(Timestamp(seconds))
        } else {
            Err(TimestampError::OutOfRange)
        }
    }

    /// From any date-time: converted to UTC and truncated to whole seconds (what a clock gives).
    pub fn from_datetime_truncated(dt: OffsetDateTime) -> Result<Timestamp, TimestampError> {
        Timestamp::from_unix_seconds(dt.unix_timestamp())
    }

    /// Unix seconds.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// As a `time` date-time in UTC.
    pub fn to_datetime(self) -> OffsetDateTime {
        // The range is checked at construction, so this conversion cannot fail; fall back to the
        // epoch rather than panic to keep this function total.
        OffsetDateTime::from_unix_timestamp(self.0).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `self + seconds`, if still in range.
    pub fn checked_add_seconds(self, seconds: i64) -> Option<Timestamp> {
        self.0
            .checked_add(seconds)
            .and_then(|s| Timestamp::from_unix_seconds(s).ok())
    }

    /// Absolute difference in seconds.
    pub const fn abs_diff_seconds(self, other: Timestamp) -> u64 {
        self.0.abs_diff(other.0)
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, TimestampError> {
        let b = s.as_bytes();
        let shape = b.len() == 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z';
        if !shape {
            return Err(TimestampError::Malformed);
        }
        let field = |r: std::ops::Range<usize>| digits(&b[r]).ok_or(TimestampError::Malformed);
        let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
        let (hour, minute, second) = (field(11..13)?, field(14..16)?, field(17..19)?);
        let invalid = |_| TimestampError::InvalidDate;
        let month = u8::try_from(month).map_err(|_| TimestampError::InvalidDate)?;
        let date = Date::from_calendar_date(
            i32::try_from(year).map_err(|_| TimestampError::InvalidDate)?,
            Month::try_from(month).map_err(invalid)?,
            u8::try_from(day).map_err(|_| TimestampError::InvalidDate)?,
        )
        .map_err(invalid)?;
        let time = Time::from_hms(
            u8::try_from(hour).map_err(|_| TimestampError::InvalidDate)?,
            u8::try_from(minute).map_err(|_| TimestampError::InvalidDate)?,
            u8::try_from(second).map_err(|_| TimestampError::InvalidDate)?,
        )
        .map_err(invalid)?;
        Timestamp::from_unix_seconds(
            PrimitiveDateTime::new(date, time)
                .assume_utc()
                .unix_timestamp(),
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.to_datetime();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

crate::serde_str::serde_via_str!(
    Timestamp,
    "an RFC 3339 UTC timestamp like 2026-01-31T12:00:00Z"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats() {
        let t: Timestamp = "2026-11-29T09:10:00Z".parse().unwrap();
        assert_eq!(t.unix_seconds(), 1_795_943_400);
        assert_eq!(t.to_string(), "2026-11-29T09:10:00Z");
        assert_eq!(format!("{t:?}"), "Timestamp(2026-11-29T09:10:00Z)");
        assert_eq!(
            Timestamp::from_unix_seconds(0).unwrap().to_string(),
            "1970-01-01T00:00:00Z"
        );
        let max = Timestamp::from_unix_seconds(Timestamp::MAX_UNIX_SECONDS).unwrap();
        assert_eq!(max.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(
            "2024-02-29T23:59:59Z"
                .parse::<Timestamp>()
                .map(|t| t.to_string())
                .unwrap(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-29T09:10:00Z\""
        );
        assert_eq!(
            serde_json::from_str::<Timestamp>("\"2026-11-29T09:10:00Z\"").unwrap(),
            t
        );
    }

    #[test]
    fn rejects_other_spellings() {
        for bad in [
            "2026-11-29T09:10:00.000Z",
            "2026-11-29T09:10:00+00:00",
            "2026-11-29t09:10:00z",
            "2026-11-29 09:10:00Z",
            "2026-11-29T09:10Z",
            "+2026-11-29T09:10:00Z",
            "2026-1-29T09:10:00Z",
            "２026-11-29T09:10:00Z",
            "",
            "2026-11-29T09:10:00",
            "-026-11-29T09:10:00Z",
        ] {
            assert_eq!(
                bad.parse::<Timestamp>(),
                Err(TimestampError::Malformed),
                "{bad:?}"
            );
        }
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2016-12-31T23:59:60Z",
        ] {
            assert_eq!(
                bad.parse::<Timestamp>(),
                Err(TimestampError::InvalidDate),
                "{bad:?}"
            );
        }
        assert_eq!(
            "1969-12-31T23:59:59Z".parse::<Timestamp>(),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(-1),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MAX_UNIX_SECONDS + 1),
            Err(TimestampError::OutOfRange)
        );
    }

    #[test]
    fn truncation_and_arithmetic() {
        let dt = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_999_999_999)
            .unwrap()
            .to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
        let t = Timestamp::from_datetime_truncated(dt).unwrap();
        assert_eq!(t.unix_seconds(), 1_700_000_000);
        assert_eq!(t.to_datetime().offset(), time::UtcOffset::UTC);
        assert_eq!(
            t.checked_add_seconds(60).unwrap().unix_seconds(),
            1_700_000_060
        );
        assert_eq!(t.checked_add_seconds(i64::MAX), None);
        assert_eq!(t.checked_add_seconds(-1_700_000_001), None);
        let u = t.checked_add_seconds(-5).unwrap();
        assert_eq!(t.abs_diff_seconds(u), 5);
        assert_eq!(u.abs_diff_seconds(t), 5);
    }

    proptest! {
        #[test]
        fn round_trip(secs in Timestamp::MIN_UNIX_SECONDS..=Timestamp::MAX_UNIX_SECONDS) {
            let t = Timestamp::from_unix_seconds(secs).unwrap();
            prop_assert_eq!(t.to_string().parse::<Timestamp>(), Ok(t));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,24}") {
            let _ = s.parse::<Timestamp>();
        }
    }
}
