//! The storage conformance suite: every [`Store`] implementation must pass every check here.
//! Backend test files instantiate it with [`conformance_tests!`](crate::conformance_tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::{MAX_SETTING_VALUE, Store, StoreError};

const T0: OffsetDateTime = datetime!(2026-11-29 10:00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-11-29 10:05:00 UTC);

/// The database answers and reports its pool.
pub async fn ping_and_pool(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let stats = store.pool_stats();
    assert!(stats.max >= 1);
    assert!(stats.size <= stats.max);
}

/// Settings: insert, read back, update bumps the version, times round-trip exactly.
pub async fn settings_roundtrip(store: Arc<dyn Store>) {
    assert_eq!(store.get_setting("limits.lockout").await.unwrap(), None);
    let s = store
        .put_setting("limits.lockout", "5", T0, None)
        .await
        .unwrap();
    assert_eq!(
        (s.key.as_str(), s.value.as_str(), s.version, s.updated_at),
        ("limits.lockout", "5", 1, T0)
    );
    let s = store
        .put_setting("limits.lockout", "7", T1, None)
        .await
        .unwrap();
    assert_eq!((s.value.as_str(), s.version, s.updated_at), ("7", 2, T1));
    assert_eq!(store.get_setting("limits.lockout").await.unwrap(), Some(s));
}

/// Optimistic concurrency: a stale expected version is refused and changes nothing.
pub async fn settings_optimistic_concurrency(store: Arc<dyn Store>) {
    store.put_setting("k", "a", T0, Some(0)).await.unwrap();
    let err = store.put_setting("k", "b", T1, Some(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store.put_setting("k", "b", T1, Some(5)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.get_setting("k").await.unwrap().unwrap().value, "a");
    let s = store.put_setting("k", "b", T1, Some(1)).await.unwrap();
    assert_eq!((s.value.as_str(), s.version), ("b", 2));
}

/// Limits are enforced before the database sees the value; nothing is written.
pub async fn settings_limits(store: Arc<dyn Store>) {
    let long_key = "k".repeat(129);
    assert!(matches!(
        store.put_setting(&long_key, "v", T0, None).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.put_setting("", "v", T0, None).await,
        Err(StoreError::Invalid(_))
    ));
    let big = "v".repeat(MAX_SETTING_VALUE + 1);
    assert!(matches!(
        store.put_setting("big", &big, T0, None).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.get_setting("big").await.unwrap(), None);
    let max = "v".repeat(MAX_SETTING_VALUE);
    assert_eq!(
        store
            .put_setting("big", &max, T0, None)
            .await
            .unwrap()
            .value
            .len(),
        MAX_SETTING_VALUE
    );
    // Unicode and quotes survive unchanged.
    let odd = "ünïcødé 'quoted' \"double\" -- ; DROP TABLE settings;";
    assert_eq!(
        store.put_setting("odd", odd, T0, None).await.unwrap().value,
        odd
    );
}

/// Listing is ordered by key and bounded.
pub async fn settings_list_ordered_and_bounded(store: Arc<dyn Store>) {
    for k in ["b", "c", "a"] {
        store.put_setting(k, k, T0, None).await.unwrap();
    }
    let all: Vec<String> = store
        .list_settings(10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert_eq!(all, ["a", "b", "c"]);
    assert_eq!(store.list_settings(2).await.unwrap().len(), 2);
    assert_eq!(store.list_settings(0).await.unwrap().len(), 0);
}

/// Concurrent writers of one key: every write applies exactly once (versions 1..=n, no lost update).
pub async fn settings_concurrent_writers(store: Arc<dyn Store>) {
    let n = 16;
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .put_setting("counter", &i.to_string(), T0, None)
                .await
                .unwrap()
                .version
        }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=n).collect::<Vec<i64>>());
}

/// Instantiates the whole suite as `#[tokio::test]`s; `$make` is an async expression yielding
/// `Arc<dyn Store>` for a fresh database (and may keep guards alive via `$guard`).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            ping_and_pool, settings_roundtrip, settings_optimistic_concurrency, settings_limits,
            settings_list_ordered_and_bounded, settings_concurrent_writers);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_guard, store) = $make.await;
                $crate::conformance::$name(store.clone()).await;
                store.close().await;
            }
        )*
    };
}
