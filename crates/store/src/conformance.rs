//! The storage conformance suite: every [`Store`] implementation must pass every check here.
//! Backend test files instantiate it with [`conformance_tests!`](crate::conformance_tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::{
    CaKind, CaRecord, CertKind, CertRecord, CertStatus, CrlRecord, MAX_SETTING_VALUE, Store,
    StoreError,
};

pub use crate::conformance_audit::{
    audit_append_assigns_consecutive_indexes, audit_checkpoints, audit_concurrent_appends,
    audit_keys, audit_limits_refused, audit_proofs_verify, audit_rolled_back_append_leaves_nothing,
    audit_search_filters_and_pages,
};
pub use crate::conformance_identity::{
    identity_challenges_single_use, identity_security_events, identity_session_touch_batches,
    identity_sessions, identity_users_and_devices,
};
pub use crate::conformance_ledger::{
    ledger_accounts, ledger_approvals, ledger_batches_and_concurrency, ledger_monitoring_window,
    ledger_signing_devices, ledger_transfers, writes_touches_and_commands_together,
};

const T0: OffsetDateTime = datetime!(2026-11-29 10:00:00 UTC);
const T_ROOT: OffsetDateTime = datetime!(2026-11-29 09:00:00 UTC);
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
        .put_setting("limits.lockout", "5", T0, None, Vec::new())
        .await
        .unwrap();
    assert_eq!(
        (s.key.as_str(), s.value.as_str(), s.version, s.updated_at),
        ("limits.lockout", "5", 1, T0)
    );
    let s = store
        .put_setting("limits.lockout", "7", T1, None, Vec::new())
        .await
        .unwrap();
    assert_eq!((s.value.as_str(), s.version, s.updated_at), ("7", 2, T1));
    assert_eq!(store.get_setting("limits.lockout").await.unwrap(), Some(s));
}

/// Optimistic concurrency: a stale expected version is refused and changes nothing.
pub async fn settings_optimistic_concurrency(store: Arc<dyn Store>) {
    store
        .put_setting("k", "a", T0, Some(0), Vec::new())
        .await
        .unwrap();
    let err = store
        .put_setting("k", "b", T1, Some(0), Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .put_setting("k", "b", T1, Some(5), Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.get_setting("k").await.unwrap().unwrap().value, "a");
    let s = store
        .put_setting("k", "b", T1, Some(1), Vec::new())
        .await
        .unwrap();
    assert_eq!((s.value.as_str(), s.version), ("b", 2));
}

/// A setting change and its audit record commit together: a refused change writes neither.
pub async fn settings_change_is_audited_atomically(store: Arc<dyn Store>) {
    let before = store.audit_size().await.unwrap();
    let event = crate::conformance_audit::sample_event(1, "admin1");
    store
        .put_setting("policy", "a", T0, Some(0), vec![event.clone()])
        .await
        .unwrap();
    assert_eq!(store.audit_size().await.unwrap(), before + 1);
    let err = store
        .put_setting("policy", "b", T1, Some(0), vec![event])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.audit_size().await.unwrap(), before + 1);
    assert_eq!(
        store.get_setting("policy").await.unwrap().unwrap().value,
        "a"
    );
}

/// Limits are enforced before the database sees the value; nothing is written.
pub async fn settings_limits(store: Arc<dyn Store>) {
    let long_key = "k".repeat(129);
    assert!(matches!(
        store
            .put_setting(&long_key, "v", T0, None, Vec::new())
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.put_setting("", "v", T0, None, Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
    let big = "v".repeat(MAX_SETTING_VALUE + 1);
    assert!(matches!(
        store.put_setting("big", &big, T0, None, Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.get_setting("big").await.unwrap(), None);
    let max = "v".repeat(MAX_SETTING_VALUE);
    assert_eq!(
        store
            .put_setting("big", &max, T0, None, Vec::new())
            .await
            .unwrap()
            .value
            .len(),
        MAX_SETTING_VALUE
    );
    // Unicode and quotes survive unchanged.
    let odd = "ünïcødé 'quoted' \"double\" -- ; DROP TABLE settings;";
    assert_eq!(
        store
            .put_setting("odd", odd, T0, None, Vec::new())
            .await
            .unwrap()
            .value,
        odd
    );
}

/// Listing is ordered by key and bounded.
pub async fn settings_list_ordered_and_bounded(store: Arc<dyn Store>) {
    for k in ["b", "c", "a"] {
        store.put_setting(k, k, T0, None, Vec::new()).await.unwrap();
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
                .put_setting("counter", &i.to_string(), T0, None, Vec::new())
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

fn ca(id: &str, kind: CaKind, active: bool, at: OffsetDateTime) -> CaRecord {
    CaRecord {
        id: id.into(),
        kind,
        parent_id: None,
        algorithm: "mldsa65-ed25519".into(),
        cert_der: vec![0x30, 1, 2],
        key_encrypted: vec![9; 100],
        not_after: T1,
        active,
        created_at: at,
    }
}

fn cert(serial: &str, ca_id: &str) -> CertRecord {
    CertRecord {
        serial: serial.into(),
        ca_id: ca_id.into(),
        user_id: "alice".into(),
        device_id: "phone".into(),
        usage: CertKind::Signature,
        cert_der: vec![0x30, 3],
        not_after: T1,
        status: CertStatus::Valid,
        superseded_by: None,
        created_at: T0,
    }
}

/// CA records: at most one active per kind; inserting an active one deactivates the old one.
pub async fn pki_ca_records(store: Arc<dyn Store>) {
    assert!(store.list_cas().await.unwrap().is_empty());
    store
        .insert_ca(&ca("root", CaKind::Root, true, T_ROOT))
        .await
        .unwrap();
    store
        .insert_ca(&ca("iss1", CaKind::Issuing, true, T0))
        .await
        .unwrap();
    store
        .insert_ca(&ca("iss2", CaKind::Issuing, true, T1))
        .await
        .unwrap();
    let all = store.list_cas().await.unwrap();
    assert_eq!(all.len(), 3);
    let active: Vec<_> = all
        .iter()
        .filter(|c| c.active)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(active, ["root", "iss2"]);
    assert_eq!(all[0], ca("root", CaKind::Root, true, T_ROOT));
    assert!(matches!(
        store.insert_ca(&ca("root", CaKind::Root, false, T1)).await,
        Err(StoreError::Conflict(_))
    ));
}

/// The CA hierarchy is created once: concurrent creators (instances starting at once) are
/// serialised and only the first inserts; the others see the existing root.
pub async fn pki_ca_hierarchy_created_once(store: Arc<dyn Store>) {
    assert!(matches!(
        store
            .create_ca_hierarchy(&ca("r0", CaKind::Root, true, T_ROOT), &issuing_for("other"))
            .await,
        Err(StoreError::Invalid(_))
    ));
    let tasks: Vec<_> = (0..4)
        .map(|n| {
            let store = store.clone();
            let root = format!("root{n}");
            let issuing = issuing_for(&root);
            tokio::spawn(async move {
                store
                    .create_ca_hierarchy(&ca(&root, CaKind::Root, true, T_ROOT), &issuing)
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        if task.await.unwrap().unwrap() {
            created += 1;
        }
    }
    assert_eq!(created, 1, "exactly one creator wins");
    let all = store.list_cas().await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let (root, issuing) = (&all[0], &all[1]);
    assert!(root.active && root.kind == CaKind::Root);
    assert!(issuing.active && issuing.parent_id.as_deref() == Some(root.id.as_str()));
    assert!(
        !store
            .create_ca_hierarchy(
                &ca("late", CaKind::Root, true, T_ROOT),
                &issuing_for("late")
            )
            .await
            .unwrap()
    );
}

fn issuing_for(root: &str) -> CaRecord {
    CaRecord {
        parent_id: Some(root.to_owned()),
        ..ca(&format!("{root}-iss"), CaKind::Issuing, true, T0)
    }
}

/// Certificates, revocation and the feed: revoking twice conflicts, unknown serials are not found,
/// the feed is ordered, supersession is recorded.
pub async fn pki_certificates_and_revocations(store: Arc<dyn Store>) {
    store
        .insert_ca(&ca("iss", CaKind::Issuing, true, T0))
        .await
        .unwrap();
    store
        .insert_certificate(&cert("4a01", "iss"), None)
        .await
        .unwrap();
    store
        .insert_certificate(&cert("4a02", "iss"), Some("4a01"))
        .await
        .unwrap();
    assert!(matches!(
        store.insert_certificate(&cert("4a02", "iss"), None).await,
        Err(StoreError::Conflict(_))
    ));
    let old = store.get_certificate("4a01").await.unwrap().unwrap();
    assert_eq!(old.superseded_by.as_deref(), Some("4a02"));
    assert_eq!(store.list_certificates("alice", 10).await.unwrap().len(), 2);
    assert!(store.list_certificates("bob", 10).await.unwrap().is_empty());

    let r1 = store.revoke_certificate("4a01", 1, T1).await.unwrap();
    assert_eq!(
        (r1.serial.as_str(), r1.reason, r1.revoked_at),
        ("4a01", 1, T1)
    );
    assert!(matches!(
        store.revoke_certificate("4a01", 1, T1).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.revoke_certificate("ffff", 1, T1).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.revoke_certificate("4a02", 7, T1).await,
        Err(StoreError::Invalid(_))
    ));
    let r2 = store.revoke_certificate("4a02", 0, T1).await.unwrap();
    assert!(r2.seq > r1.seq);
    assert_eq!(
        store.get_certificate("4a02").await.unwrap().unwrap().status,
        CertStatus::Revoked
    );
    let feed = store.revocations_since(0, 100).await.unwrap();
    assert_eq!(feed, [r1.clone(), r2.clone()]);
    assert_eq!(store.revocations_since(r1.seq, 100).await.unwrap(), [r2]);
    assert_eq!(store.revocations_for_ca("iss").await.unwrap().len(), 2);
    assert!(store.revocations_for_ca("other").await.unwrap().is_empty());
}

/// CRL numbers increase under concurrency; a CRL only replaces one with a smaller number.
pub async fn pki_crl_numbers(store: Arc<dyn Store>) {
    store
        .insert_ca(&ca("iss", CaKind::Issuing, true, T0))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.next_crl_number("iss").await.unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=8).collect::<Vec<i64>>());
    let crl = |number| CrlRecord {
        ca_id: "iss".into(),
        number,
        this_update: T0,
        next_update: T1,
        der: vec![u8::try_from(number).unwrap()],
    };
    assert_eq!(store.get_crl("iss").await.unwrap(), None);
    assert!(store.put_crl(&crl(5)).await.unwrap());
    assert!(!store.put_crl(&crl(3)).await.unwrap());
    assert!(store.put_crl(&crl(6)).await.unwrap());
    assert_eq!(store.get_crl("iss").await.unwrap(), Some(crl(6)));
}

/// Instantiates the whole suite as `#[tokio::test]`s; `$make` is an async expression yielding
/// `Arc<dyn Store>` for a fresh database (and may keep guards alive via `$guard`).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@each $make;
            ping_and_pool, settings_roundtrip, settings_optimistic_concurrency, settings_limits,
            settings_change_is_audited_atomically,
            settings_list_ordered_and_bounded, settings_concurrent_writers, pki_ca_records,
            pki_ca_hierarchy_created_once,
            pki_certificates_and_revocations, pki_crl_numbers, identity_users_and_devices,
            identity_challenges_single_use, identity_sessions, identity_session_touch_batches,
            identity_security_events,
            audit_append_assigns_consecutive_indexes, audit_proofs_verify,
            audit_concurrent_appends, audit_rolled_back_append_leaves_nothing,
            audit_limits_refused, audit_search_filters_and_pages, audit_checkpoints, audit_keys,
            ledger_accounts, ledger_transfers, ledger_approvals, ledger_batches_and_concurrency,
            ledger_monitoring_window,
            ledger_signing_devices, writes_touches_and_commands_together);
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
