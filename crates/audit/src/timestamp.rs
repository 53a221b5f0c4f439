//! UTC timestamps with one canonical RFC 3339 text form.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A UTC instant with microsecond precision, years 0000 to 9999.
///
/// Canonical text form (RFC 3339, always six fractional digits and `Z`):
/// `2026-11-29T09:10:00.000000Z`. Parsing accepts only that form, so equal instants always
/// serialise to equal bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// A time value outside the supported range or not in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp: {0}")]
pub struct TimestampError(&'static str);

impl Timestamp {
    /// Converts any date-time to UTC, truncating to microseconds.
    pub fn new(time: OffsetDateTime) -> Result<Self, TimestampError> {
        let utc = time.to_offset(UtcOffset::UTC).truncate_to_microsecond();
        if !(0..=9999).contains(&utc.year()) {
            return Err(TimestampError("year outside 0000-9999"));
        }
        Ok(Self(utc))
    }

    /// From microseconds since the Unix epoch.
    pub fn from_unix_micros(micros: i64) -> Result<Self, TimestampError> {
        let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .map_err(|_| TimestampError("out of range"))?;
        Self::new(dt)
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> i64 {
        // Years 0..=9999 keep this well inside i64.
        i64::try_from(self.0.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
    }

    /// The instant as a `time` value (UTC offset).
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Parses the canonical form only: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        const LAYOUT: &[u8; 27] = b"dddd-dd-ddTdd:dd:dd.ddddddZ";
        let bad = TimestampError("expected YYYY-MM-DDTHH:MM:SS.ffffffZ");
        let bytes = text.as_bytes();
        if bytes.len() != LAYOUT.len()
            || !bytes.iter().zip(LAYOUT).all(|(&b, &l)| match l {
                b'd' => b.is_ascii_digit(),
                _ => b == l,
            })
        {
            return Err(bad);
        }
        let num = |range: std::ops::Range<usize>| -> u32 {
            bytes
                .get(range)
                .unwrap_or_default()
                .iter()
                .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
        };
        let invalid = |_| TimestampError("no such date or time");
        let month =
            Month::try_from(u8::try_from(num(5..7)).map_err(|_| bad.clone())?).map_err(invalid)?;
        let date = Date::from_calendar_date(
            i32::try_from(num(0..4)).map_err(|_| bad.clone())?,
            month,
            u8::try_from(num(8..10)).map_err(|_| bad.clone())?,
        )
        .map_err(invalid)?;
        let time = Time::from_hms_micro(
            u8::try_from(num(11..13)).map_err(|_| bad.clone())?,
            u8::try_from(num(14..16)).map_err(|_| bad.clone())?,
            u8::try_from(num(17..19)).map_err(|_| bad.clone())?,
            num(20..26),
        )
        .map_err(invalid)?;
        Self::new(PrimitiveDateTime::new(date, time).assume_utc())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn canonical_form_round_trips() {
        let ts = Timestamp::new(datetime!(2026-11-29 10:10:00.123456789 +01:00)).unwrap();
        assert_eq!(ts.to_string(), "2026-11-29T09:10:00.123456Z");
        assert_eq!(Timestamp::parse("2026-11-29T09:10:00.123456Z").unwrap(), ts);
        let micros = ts.unix_micros();
        assert_eq!(Timestamp::from_unix_micros(micros).unwrap(), ts);
    }

    #[test]
    fn rejects_non_canonical_forms() {
        for bad in [
            "2026-11-29T09:10:00Z",
            "2026-11-29T09:10:00.123Z",
            "2026-11-29T09:10:00.123456+00:00",
            "2026-11-29t09:10:00.123456Z",
            "2026-11-29T09:10:00.123456z",
            "2026-02-30T09:10:00.000000Z",
            "2026-11-29T24:00:00.000000Z",
            "+026-11-29T09:10:00.000000Z",
            " 2026-11-29T09:10:00.00000Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
