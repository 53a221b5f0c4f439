//! Times in certificates and CRLs: [`ValidityPeriod`] and conversions between
//! [`time::OffsetDateTime`] (what the service's clock gives) and X.509 `Time`.
//!
//! X.509 times have whole seconds; sub-second parts are dropped. Times before 1970 or after 9999
//! are refused.

use core::time::Duration;

use der::DateTime;
use time::OffsetDateTime;
use x509_cert::time::{Time, Validity};

use crate::PkiError;

/// A certificate's validity: `not_before` up to and including `not_after` (RFC 5280).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl ValidityPeriod {
    /// Checks `not_before < not_after`, both representable in X.509 (1970 to 9999).
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] otherwise.
    pub fn new(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Result<Self, PkiError> {
        let not_before = truncate(not_before)?;
        let not_after = truncate(not_after)?;
        if not_before >= not_after {
            return Err(PkiError::InvalidParameter(
                "notBefore must be before notAfter",
            ));
        }
        Ok(Self {
            not_before,
            not_after,
        })
    }

    /// `days` days starting at `start`.
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] for zero days or an end beyond 9999.
    pub fn days_from(start: OffsetDateTime, days: u32) -> Result<Self, PkiError> {
        let end = start
            .checked_add(time::Duration::days(i64::from(days)))
            .ok_or(PkiError::InvalidParameter("validity out of range"))?;
        Self::new(start, end)
    }

    /// Start of validity.
    #[must_use]
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of validity (inclusive).
    #[must_use]
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    pub(crate) fn to_x509(self) -> Result<Validity, PkiError> {
        Ok(Validity::new(
            to_x509_time(self.not_before)?,
            to_x509_time(self.not_after)?,
        ))
    }
}

/// Drops sub-second precision and checks the range X.509 can carry.
fn truncate(t: OffsetDateTime) -> Result<OffsetDateTime, PkiError> {
    let secs = unix_seconds(t)?;
    let t = OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .map_err(|_| PkiError::InvalidParameter("time out of range"))?;
    if t.year() > 9999 {
        return Err(PkiError::InvalidParameter("time after 9999"));
    }
    Ok(t)
}

/// Whole seconds since the Unix epoch.
pub(crate) fn unix_seconds(t: OffsetDateTime) -> Result<u64, PkiError> {
    u64::try_from(t.unix_timestamp()).map_err(|_| PkiError::InvalidParameter("time before 1970"))
}

/// An X.509 `Time` (UTCTime up to 2049, GeneralizedTime from 2050, as RFC 5280 requires).
pub(crate) fn to_x509_time(t: OffsetDateTime) -> Result<Time, PkiError> {
    let secs = unix_seconds(t)?;
    let dt = DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|_| PkiError::InvalidParameter("time out of range"))?;
    Ok(Time::from(dt))
}

/// The instant an X.509 `Time` names.
pub(crate) fn from_x509_time(t: &Time) -> Result<OffsetDateTime, PkiError> {
    let secs =
        i64::try_from(t.to_unix_duration().as_secs()).map_err(|_| PkiError::Malformed("time"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| PkiError::Malformed("time"))
}

/// The validation time as rustls-webpki wants it.
pub(crate) fn to_unix_time(t: OffsetDateTime) -> Result<rustls_pki_types::UnixTime, PkiError> {
    Ok(rustls_pki_types::UnixTime::since_unix_epoch(
        Duration::from_secs(unix_seconds(t)?),
    ))
}

/// RFC 3339-like text for [`crate::inspect`] (`2026-01-31 12:00:00 UTC`).
pub(crate) fn display(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn validity_is_ordered_and_whole_seconds() {
        let start = datetime!(2026-01-01 00:00:00.7 UTC);
        let v = ValidityPeriod::days_from(start, 90).unwrap();
        assert_eq!(v.not_before(), datetime!(2026-01-01 00:00:00 UTC));
        assert_eq!(v.not_after(), datetime!(2026-04-01 00:00:00 UTC));
        assert!(ValidityPeriod::days_from(start, 0).is_err());
        assert!(ValidityPeriod::new(v.not_after(), v.not_before()).is_err());
        assert!(ValidityPeriod::new(datetime!(1969-12-31 0:00 UTC), start).is_err());
    }

    #[test]
    fn x509_time_round_trips_across_2050() {
        for t in [
            datetime!(2026-05-06 07:08:09 UTC),
            datetime!(2049-12-31 23:59:59 UTC),
            datetime!(2050-01-01 00:00:00 UTC),
        ] {
            let x = to_x509_time(t).unwrap();
            assert_eq!(matches!(x, Time::UtcTime(_)), t.year() < 2050);
            assert_eq!(from_x509_time(&x).unwrap(), t);
        }
        assert_eq!(
            display(datetime!(2026-05-06 07:08:09 UTC)),
            "2026-05-06 07:08:09 UTC"
        );
    }
}
