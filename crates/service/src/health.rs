//! Liveness and readiness.

use time::OffsetDateTime;

use crate::{Bank, ServiceError};

/// What `/readyz` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// When the check ran (injected clock).
    pub checked_at: OffsetDateTime,
}

impl Bank {
    /// Ready when the database answers.
    pub async fn readiness(&self) -> Result<Readiness, ServiceError> {
        self.store.ping().await.map_err(ServiceError::Unavailable)?;
        Ok(Readiness {
            database: self.store.backend().as_str(),
            checked_at: self.clock.now(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pqbank_store::{ConnectOptions, connect, testing::fresh_database};
    use time::macros::datetime;

    use crate::clock::ManualClock;
    use crate::entropy::SeededEntropy;
    use crate::{Bank, ServiceError};

    #[tokio::test]
    async fn readiness_follows_the_database() {
        let db = fresh_database().await.unwrap();
        let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 12:00 UTC)));
        let bank = Bank::new(store.clone(), clock, Arc::new(SeededEntropy::new(b"t")));
        let r = bank.readiness().await.unwrap();
        assert_eq!(r.checked_at, datetime!(2026-11-29 12:00 UTC));
        assert!(r.database == "sqlite" || r.database == "postgres");
        store.close().await;
        assert!(matches!(
            bank.readiness().await,
            Err(ServiceError::Unavailable(_))
        ));
    }
}
