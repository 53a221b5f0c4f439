//! Conformance checks of [`crate::IdentityStore`] (both backends must pass them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::{
    CaKind, CaRecord, CertKind, CertRecord, CertStatus, ChallengeRecord, DeviceRecord,
    DeviceStatus, MAX_TOUCH_BATCH, NewDevice, SecurityEventRecord, SecurityEventStatus,
    SessionRecord, SessionTouch, Store, StoreError, UserRecord, UserStatus,
};

const T0: OffsetDateTime = datetime!(2026-11-29 10:00:00 UTC);
const T1: OffsetDateTime = datetime!(2026-11-29 10:05:00 UTC);

fn user(id: &str, username: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        username: username.into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$x$y".into()),
        roles: "customer".into(),
        branch: None,
        status: UserStatus::Active,
        pii_encrypted: vec![7; 64],
        activation_hash: None,
        activation_expires_at: None,
        failed_logins: 0,
        locked_until: None,
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

pub(crate) fn device(id: &str, user_id: &str) -> DeviceRecord {
    DeviceRecord {
        id: id.into(),
        user_id: user_id.into(),
        name: "phone".into(),
        status: DeviceStatus::Active,
        created_at: T0,
        removed_at: None,
    }
}

pub(crate) fn cert(serial: &str, user_id: &str, device_id: &str) -> CertRecord {
    CertRecord {
        serial: serial.into(),
        ca_id: "iss".into(),
        user_id: user_id.into(),
        device_id: device_id.into(),
        usage: CertKind::Signature,
        cert_der: vec![0x30, 3],
        not_after: T1,
        status: CertStatus::Valid,
        superseded_by: None,
        created_at: T0,
    }
}

pub(crate) async fn with_ca(store: &Arc<dyn Store>) {
    store
        .insert_ca(&CaRecord {
            id: "iss".into(),
            kind: CaKind::Issuing,
            parent_id: None,
            algorithm: "mldsa65-ed25519".into(),
            cert_der: vec![0x30, 1],
            key_encrypted: vec![1; 10],
            not_after: T1,
            active: true,
            created_at: T0,
        })
        .await
        .unwrap();
}

pub(crate) fn session(
    id_char: char,
    public: &str,
    user_id: &str,
    device_id: &str,
) -> SessionRecord {
    SessionRecord {
        id: id_char.to_string().repeat(64),
        public_id: public.into(),
        user_id: user_id.into(),
        device_id: device_id.into(),
        cert_serial: "0a".into(),
        key_encrypted: vec![5; 100],
        created_at: T0,
        last_seen_at: T0,
        expires_at: T1,
        idle_secs: 900,
        last_counter: 0,
        revoked_at: None,
        client_addr: Some("127.0.0.1".into()),
        user_agent: None,
    }
}

/// Users with their first device: created atomically, unique usernames, optimistic updates;
/// a failing device insert leaves no user behind.
pub async fn identity_users_and_devices(store: Arc<dyn Store>) {
    with_ca(&store).await;
    let u = user("u1", "alice");
    let d = device("d1", "u1");
    let c = cert("0a", "u1", "d1");
    store
        .create_user(
            &u,
            Some(NewDevice {
                device: &d,
                cert: &c,
            }),
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(store.get_user("u1").await.unwrap().unwrap(), u);
    assert_eq!(
        store
            .get_user_by_username("alice")
            .await
            .unwrap()
            .unwrap()
            .id,
        "u1"
    );
    assert_eq!(store.list_devices("u1").await.unwrap(), vec![d.clone()]);
    assert_eq!(
        store
            .get_certificate("0a")
            .await
            .unwrap()
            .unwrap()
            .device_id,
        "d1"
    );

    // Same username: conflict.
    let err = store
        .create_user(&user("u2", "alice"), None, Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // A device whose certificate serial exists: the whole creation rolls back.
    let d3 = device("d3", "u3");
    let dup = cert("0a", "u3", "d3");
    assert!(
        store
            .create_user(
                &user("u3", "carol"),
                Some(NewDevice {
                    device: &d3,
                    cert: &dup
                }),
                Vec::new()
            )
            .await
            .is_err()
    );
    assert!(store.get_user("u3").await.unwrap().is_none());
    assert!(store.get_user_by_username("carol").await.unwrap().is_none());

    // Optimistic update.
    let mut changed = u.clone();
    changed.roles = "customer,clerk".into();
    changed.branch = Some("HQ".into());
    store
        .update_user(&changed, 1, None, Vec::new())
        .await
        .unwrap();
    let err = store
        .update_user(&changed, 1, None, Vec::new())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)));
    let got = store.get_user("u1").await.unwrap().unwrap();
    assert_eq!((got.version, got.roles.as_str()), (2, "customer,clerk"));
    assert!(store.role_has_holder("clerk").await.unwrap());
    assert!(!store.role_has_holder("admin").await.unwrap());
    assert!(!store.role_has_holder("cler").await.unwrap());

    // Failures count up; a lock time is kept.
    assert_eq!(store.record_login_failure("u1", None).await.unwrap(), 1);
    assert_eq!(store.record_login_failure("u1", Some(T1)).await.unwrap(), 2);
    assert_eq!(
        store.get_user("u1").await.unwrap().unwrap().locked_until,
        Some(T1)
    );

    // Another device, then removal.
    let d2 = device("d2", "u1");
    store
        .insert_device(
            NewDevice {
                device: &d2,
                cert: &cert("0b", "u1", "d2"),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(store.list_devices("u1").await.unwrap().len(), 2);
    assert!(store.remove_device("d2", T1, Vec::new()).await.unwrap());
    assert!(!store.remove_device("d2", T1, Vec::new()).await.unwrap());
    let removed = store.get_device("d2").await.unwrap().unwrap();
    assert_eq!(
        (removed.status, removed.removed_at),
        (DeviceStatus::Removed, Some(T1))
    );
    // The admin's certificate search: by status and usage, paged by serial.
    store.revoke_certificate("0b", 1, T1).await.unwrap();
    let all = store
        .search_certificates(None, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(),
        ["0a", "0b"]
    );
    let valid = store
        .search_certificates(Some(CertStatus::Valid), Some(CertKind::Signature), None, 10)
        .await
        .unwrap();
    assert_eq!(valid.len(), 1);
    assert_eq!(valid[0].serial, "0a");
    assert_eq!(
        store
            .search_certificates(None, None, Some("0a"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .search_certificates(None, Some(CertKind::Kem), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Users page in username order.
    store
        .create_user(&user("u4", "bob"), None, Vec::new())
        .await
        .unwrap();
    let names: Vec<_> = store
        .list_users(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(store.list_users(Some("alice"), 10).await.unwrap().len(), 1);
}

/// Challenges are single use: the first consume sees `used = false`, later ones `true`,
/// also under concurrency (exactly one winner).
pub async fn identity_challenges_single_use(store: Arc<dyn Store>) {
    let c = ChallengeRecord {
        nonce: "ab".repeat(32),
        username: "alice".into(),
        cert_serial: "0a".into(),
        origin: "https://bank.example".into(),
        created_at: T0,
        expires_at: T1,
        used: false,
    };
    store.insert_challenge(&c).await.unwrap();
    assert!(store.insert_challenge(&c).await.is_err());
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let nonce = c.nonce.clone();
        tasks.push(tokio::spawn(async move {
            store.consume_challenge(&nonce).await.unwrap().unwrap().used
        }));
    }
    let mut fresh = 0;
    for t in tasks {
        if !t.await.unwrap() {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "exactly one consumer gets the unused challenge");
    assert!(
        store
            .consume_challenge("cd".repeat(32).as_str())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .purge_challenges(T1 + time::Duration::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert!(store.consume_challenge(&c.nonce).await.unwrap().is_none());
}

/// The CA, user u1 ("alice") and her device d1 with signature certificate 0a.
async fn alice_with_phone(store: &Arc<dyn Store>) {
    with_ca(store).await;
    let d = device("d1", "u1");
    store
        .create_user(
            &user("u1", "alice"),
            Some(NewDevice {
                device: &d,
                cert: &cert("0a", "u1", "d1"),
            }),
            Vec::new(),
        )
        .await
        .unwrap();
}

/// Sessions: counters only increase (replays refused, also concurrently), revocation is
/// final, revoking the device certificate or removing the device ends its sessions, a login
/// resets failed-login counts.
pub async fn identity_sessions(store: Arc<dyn Store>) {
    alice_with_phone(&store).await;
    store.record_login_failure("u1", Some(T1)).await.unwrap();
    let s = session('a', "pub-a", "u1", "d1");
    store.create_session(&s, Vec::new()).await.unwrap();
    let after = store.get_user("u1").await.unwrap().unwrap();
    assert_eq!((after.failed_logins, after.locked_until), (0, None));
    assert_eq!(store.get_session(&s.id).await.unwrap().unwrap(), s);
    let (joined, owner) = store.get_session_and_user(&s.id).await.unwrap().unwrap();
    assert_eq!(joined, s);
    assert_eq!(owner, store.get_user("u1").await.unwrap().unwrap());
    assert_eq!(
        store.get_session_and_user(&"9".repeat(64)).await.unwrap(),
        None
    );

    assert!(store.touch_session(&s.id, T1, Some(1)).await.unwrap());
    assert!(
        !store.touch_session(&s.id, T1, Some(1)).await.unwrap(),
        "replayed counter"
    );
    assert!(store.touch_session(&s.id, T1, None).await.unwrap());
    // Concurrent requests with the same counter: one wins.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let id = s.id.clone();
        tasks.push(tokio::spawn(async move {
            store.touch_session(&id, T1, Some(5)).await.unwrap()
        }));
    }
    let mut wins = 0;
    for t in tasks {
        if t.await.unwrap() {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    let got = store.get_session(&s.id).await.unwrap().unwrap();
    assert_eq!((got.last_counter, got.last_seen_at), (5, T1));

    assert!(
        !store
            .revoke_session("u2", "pub-a", T1, Vec::new())
            .await
            .unwrap(),
        "not u2's"
    );
    assert!(
        store
            .revoke_session("u1", "pub-a", T1, Vec::new())
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_session("u1", "pub-a", T1, Vec::new())
            .await
            .unwrap()
    );
    assert!(!store.touch_session(&s.id, T1, None).await.unwrap());

    let s2 = session('b', "pub-b", "u1", "d1");
    store.create_session(&s2, Vec::new()).await.unwrap();
    assert_eq!(store.list_sessions("u1", 10).await.unwrap().len(), 2);
    store.remove_device("d1", T1, Vec::new()).await.unwrap();
    assert_eq!(
        store.get_session(&s2.id).await.unwrap().unwrap().revoked_at,
        Some(T1)
    );
    // Revoking the device certificate ends the sessions signed in with it.
    let s3 = session('c', "pub-c", "u1", "d1");
    store.create_session(&s3, Vec::new()).await.unwrap();
    store.revoke_certificate("0a", 1, T1).await.unwrap();
    assert_eq!(
        store.get_session(&s3.id).await.unwrap().unwrap().revoked_at,
        Some(T1)
    );
    assert!(!store.touch_session(&s3.id, T1, None).await.unwrap());
}

/// Batched session touches: applied in order in one transaction, each judged as a single
/// touch (a later touch of the same session sees the earlier ones); revoked and unknown sessions
/// are refused without failing the others; the batch size is bounded; an applied touch reports
/// the current version of the session's user.
pub async fn identity_session_touch_batches(store: Arc<dyn Store>) {
    alice_with_phone(&store).await;
    // Only whether each touch applied; every applied one reports alice's current version.
    let applied = |done: Vec<Option<i64>>, version: i64| -> Vec<bool> {
        assert!(done.iter().flatten().all(|v| *v == version), "{done:?}");
        done.iter().map(Option::is_some).collect()
    };
    let a = session('a', "pub-a", "u1", "d1");
    let b = session('b', "pub-b", "u1", "d1");
    let c = session('c', "pub-c", "u1", "d1");
    for s in [&a, &b, &c] {
        store.create_session(s, Vec::new()).await.unwrap();
    }
    assert!(
        store
            .revoke_session("u1", "pub-c", T1, Vec::new())
            .await
            .unwrap()
    );
    let touch = |s: &SessionRecord, counter: Option<i64>| SessionTouch {
        id: s.id.clone(),
        now: T1,
        counter,
    };
    let unknown = SessionTouch {
        id: "f".repeat(64),
        now: T1,
        counter: None,
    };
    let done = store
        .touch_sessions(&[
            touch(&b, Some(3)),
            touch(&a, Some(2)),
            touch(&a, Some(2)), // replayed within the batch
            touch(&a, Some(1)), // stale within the batch
            touch(&a, Some(7)),
            touch(&c, None), // revoked
            unknown,
            touch(&b, None),
        ])
        .await
        .unwrap();
    assert_eq!(
        applied(done, 1),
        [true, true, false, false, true, false, false, true]
    );
    let got = store.get_session(&a.id).await.unwrap().unwrap();
    assert_eq!((got.last_counter, got.last_seen_at), (7, T1));
    assert_eq!(last_counter(&store, &b.id).await, 3);
    assert!(store.touch_sessions(&[]).await.unwrap().is_empty());
    let too_many = vec![touch(&a, None); MAX_TOUCH_BATCH + 1];
    assert!(matches!(
        store.touch_sessions(&too_many).await,
        Err(StoreError::Invalid(_))
    ));
    let got = store.get_session(&a.id).await.unwrap().unwrap();
    assert_eq!(got.last_counter, 7, "a refused batch changes nothing");

    // Each session at most once in a batch: the same judgements.
    let unknown = SessionTouch {
        id: "e".repeat(64),
        now: T1,
        counter: Some(1),
    };
    let done = store
        .touch_sessions(&[
            touch(&a, Some(7)),   // stale
            touch(&b, None),      // no counter: last seen only
            touch(&c, Some(100)), // revoked
            unknown,
        ])
        .await
        .unwrap();
    assert_eq!(applied(done, 1), [false, true, false, false]);
    assert_eq!(last_counter(&store, &b.id).await, 3);
    // A change to alice shows in the next touch, so a cached read of her can be checked.
    let mut alice = store.get_user("u1").await.unwrap().unwrap();
    alice.roles = "customer,clerk".into();
    store
        .update_user(&alice, alice.version, None, Vec::new())
        .await
        .unwrap();
    let done = store
        .touch_sessions(&[touch(&a, Some(8)), touch(&b, Some(4))])
        .await
        .unwrap();
    assert_eq!(applied(done, 2), [true, true]);
    let done = store
        .touch_sessions(&[touch(&a, Some(9)), touch(&a, Some(10))])
        .await
        .unwrap();
    assert_eq!(applied(done, 2), [true, true], "the one-by-one path too");
    assert_eq!(last_counter(&store, &a.id).await, 10);

    // Concurrent batches with the same counter for one session: exactly one touch wins.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let batch = vec![touch(&a, Some(11)), touch(&b, Some(9))];
        tasks.push(tokio::spawn(async move {
            store.touch_sessions(&batch).await.unwrap()
        }));
    }
    let mut wins = [0, 0];
    for t in tasks {
        let done = t.await.unwrap();
        for (w, d) in wins.iter_mut().zip(done) {
            *w += usize::from(d.is_some());
        }
    }
    assert_eq!(wins, [1, 1]);
}

/// Security events: ascending ids, filters, bounded details.
pub async fn identity_security_events(store: Arc<dyn Store>) {
    let ev = |kind: &str, user: Option<&str>| SecurityEventRecord {
        id: 0,
        time: T0,
        kind: kind.into(),
        severity: "warning".into(),
        user_id: user.map(Into::into),
        client_addr: Some("10.0.0.1".into()),
        details: "{}".into(),
        status: "open".into(),
        evidence: vec![3, 5, 8],
        status_by: None,
        status_note: None,
        status_time: None,
    };
    let before = store.audit_size().await.unwrap();
    let (a, indexes) = store
        .insert_security_event(
            &ev("auth.a", Some("u1")),
            vec![crate::conformance_audit::sample_event(1, "u1")],
        )
        .await
        .unwrap();
    assert_eq!(indexes, vec![before]);
    let (b, none) = store
        .insert_security_event(&ev("auth.b", None), Vec::new())
        .await
        .unwrap();
    assert!(b > a);
    assert!(none.is_empty());
    let got = store.get_security_event(a).await.unwrap().unwrap();
    assert_eq!(got.evidence, vec![3, 5, 8]);
    assert_eq!(
        (got.status_by, got.status_note, got.status_time),
        (None, None, None)
    );
    assert_eq!(store.get_security_event(9999).await.unwrap(), None);
    let status = |s: &str, note: Option<&str>| SecurityEventStatus {
        status: s.into(),
        by: "auditor1".into(),
        note: note.map(Into::into),
        time: T1,
    };
    let all = store.list_security_events(0, None, 10).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["auth.a", "auth.b"]
    );
    assert_eq!(all[0].time, T0);
    assert_eq!(
        store.list_security_events(a, None, 10).await.unwrap().len(),
        1
    );
    assert_eq!(
        store
            .list_security_events(0, Some("u1"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .set_security_event_status(a, &status("acknowledged", None), Vec::new())
            .await
            .unwrap()
    );
    assert!(
        store
            .set_security_event_status(
                a,
                &status("resolved", Some("false positive: the user mistyped")),
                vec![crate::conformance_audit::sample_event(2, "auditor1")],
            )
            .await
            .unwrap()
    );
    assert_eq!(store.audit_size().await.unwrap(), before + 2);
    assert!(
        !store
            .set_security_event_status(
                9999,
                &status("resolved", None),
                vec![crate::conformance_audit::sample_event(3, "auditor1")],
            )
            .await
            .unwrap()
    );
    // Nothing was written for the unknown event: no audit record without its action.
    assert_eq!(store.audit_size().await.unwrap(), before + 2);
    assert!(
        store
            .set_security_event_status(a, &status("bogus", None), Vec::new())
            .await
            .is_err()
    );
    assert!(
        store
            .set_security_event_status(a, &status("resolved", Some(&"n".repeat(501))), Vec::new())
            .await
            .is_err()
    );
    let got = store.list_security_events(0, Some("u1"), 10).await.unwrap();
    assert_eq!(got[0].status, "resolved");
    assert_eq!(
        (
            got[0].status_by.as_deref(),
            got[0].status_note.as_deref(),
            got[0].status_time
        ),
        (
            Some("auditor1"),
            Some("false positive: the user mistyped"),
            Some(T1)
        )
    );
    let mut many = ev("auth.d", None);
    many.evidence = (0..101).collect();
    assert!(matches!(
        store.insert_security_event(&many, Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
    let mut big = ev("auth.c", None);
    big.details = "x".repeat(5000);
    assert!(matches!(
        store.insert_security_event(&big, Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
}

/// The stored MAC counter of a session.
pub(crate) async fn last_counter(store: &Arc<dyn Store>, id: &str) -> i64 {
    store.get_session(id).await.unwrap().unwrap().last_counter
}
