//! Audit log conformance: every [`Store`] must pass these (registered in
//! [`conformance_tests!`](crate::conformance_tests)).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeSet;
use std::sync::Arc;

use pqbank_audit::{
    Actor, AuditEvent, MemoryNodeStore, NodeId, Outcome, Resource, Timestamp, Token, actions,
    append_batch, leaf_hash, verify_consistency, verify_inclusion,
};
use time::macros::datetime;

use crate::audit::{
    MAX_AUDIT_APPEND, MAX_AUDIT_NODES, audit_consistency_proof, audit_inclusion_proof, audit_root,
};
use crate::{AuditFilter, AuditKeyRecord, CheckpointRecord, Store, StoreError};

const BASE_US: i64 = 1_795_000_000_000_000;

/// A valid event; the index is a placeholder (the store assigns it).
pub fn sample_event(n: u64, user: &str) -> AuditEvent {
    let action = if n.is_multiple_of(3) {
        actions::AUTH_LOGIN
    } else {
        actions::TRANSFER_CREATE
    };
    AuditEvent::new(
        u64::MAX >> 12, // not a valid index: proves the store overwrites it
        Timestamp::from_unix_micros(BASE_US + i64::try_from(n).unwrap() * 1_000_000).unwrap(),
        Actor {
            user_id: Some(Token::new(user).unwrap()),
            roles: vec![Token::new("customer").unwrap()],
            device_cert_serial: None,
        },
        action,
        Resource {
            kind: Token::new("account").unwrap(),
            id: Token::new(format!("acc-{n}")).unwrap(),
        },
        if n.is_multiple_of(5) {
            Outcome::Failure {
                code: Token::new("denied").unwrap(),
            }
        } else {
            Outcome::Success
        },
    )
}

async fn all_entries(store: &Arc<dyn Store>) -> Vec<crate::AuditEntry> {
    let size = store.audit_size().await.unwrap();
    let mut out = Vec::new();
    let mut start = 0;
    while start < size {
        let end = (start + 1000).min(size);
        out.extend(store.audit_entries(start, end).await.unwrap());
        start = end;
    }
    out
}

/// Root recomputed in memory from the stored leaves (independent of the stored nodes).
fn recomputed_root(entries: &[crate::AuditEntry]) -> pqbank_audit::Hash {
    let hashes: Vec<_> = entries.iter().map(|e| leaf_hash(&e.leaf)).collect();
    append_batch(&mut MemoryNodeStore::new(), &hashes)
        .unwrap()
        .root
}

/// Appends assign consecutive indexes from 0, overwrite the given index, and store the
/// canonical leaf and its hash.
pub async fn audit_append_assigns_consecutive_indexes(store: Arc<dyn Store>) {
    assert_eq!(store.audit_size().await.unwrap(), 0);
    assert_eq!(
        store.append_audit(Vec::new()).await.unwrap(),
        Vec::<u64>::new()
    );
    let first = store
        .append_audit((0..3).map(|n| sample_event(n, "alice")).collect())
        .await
        .unwrap();
    assert_eq!(first, [0, 1, 2]);
    let second = store
        .append_audit((3..5).map(|n| sample_event(n, "bob")).collect())
        .await
        .unwrap();
    assert_eq!(second, [3, 4]);
    assert_eq!(store.audit_size().await.unwrap(), 5);
    let entries = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(entries.len(), 5);
    for (i, entry) in entries.iter().enumerate() {
        let event = AuditEvent::from_leaf_bytes(&entry.leaf).unwrap();
        assert_eq!(event.index, i as u64);
        assert_eq!(entry.index, i as u64);
        assert_eq!(entry.leaf_hash, leaf_hash(&entry.leaf));
        let mut expected = sample_event(i as u64, if i < 3 { "alice" } else { "bob" });
        expected.index = i as u64;
        assert_eq!(event, expected);
    }
    assert_eq!(store.audit_entries(2, 4).await.unwrap().len(), 2);
    assert!(store.audit_entries(5, 9).await.unwrap().is_empty());
    assert_eq!(
        audit_root(store.as_ref(), 5).await.unwrap(),
        recomputed_root(&entries)
    );
}

/// Inclusion and consistency proofs computed from the stored nodes verify against roots from
/// the stored nodes and an in-memory recomputation; an altered proof fails.
pub async fn audit_proofs_verify(store: Arc<dyn Store>) {
    // Several appends of odd sizes, so nodes come from many batches.
    let mut n = 0;
    for batch in [1u64, 2, 5, 13, 1, 21, 1, 0, 8] {
        store
            .append_audit((n..n + batch).map(|i| sample_event(i, "carol")).collect())
            .await
            .unwrap();
        n += batch;
    }
    let entries = all_entries(&store).await;
    assert_eq!(entries.len() as u64, n);
    for size in 1..=n {
        let root = audit_root(store.as_ref(), size).await.unwrap();
        assert_eq!(
            root,
            recomputed_root(&entries[..size as usize]),
            "size {size}"
        );
        for index in [0, size / 2, size - 1] {
            let proof = audit_inclusion_proof(store.as_ref(), index, size)
                .await
                .unwrap();
            verify_inclusion(
                &entries[index as usize].leaf_hash,
                index,
                size,
                &proof,
                &root,
            )
            .unwrap();
            if let Some(first) = proof.first() {
                let mut bad = proof.clone();
                bad[0] = leaf_hash(first.as_bytes());
                assert!(
                    verify_inclusion(&entries[index as usize].leaf_hash, index, size, &bad, &root)
                        .is_err()
                );
            }
        }
        for old in [1, size / 3, size - 1] {
            if old == 0 {
                continue;
            }
            let old_root = audit_root(store.as_ref(), old).await.unwrap();
            let proof = audit_consistency_proof(store.as_ref(), old, size)
                .await
                .unwrap();
            verify_consistency(old, size, &old_root, &root, &proof).unwrap();
        }
    }
    assert!(matches!(
        audit_inclusion_proof(store.as_ref(), n, n).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        audit_root(store.as_ref(), n + 1).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        audit_consistency_proof(store.as_ref(), 5, 4).await,
        Err(StoreError::Invalid(_))
    ));
}

/// Eight tasks appending at once produce a gap-free log whose stored root equals a
/// recomputation from the stored leaves, every leaf carrying its own index.
pub async fn audit_concurrent_appends(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..8u64)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                for round in 0..6u64 {
                    let events = (0..3).map(|k| sample_event(t * 100 + round * 3 + k, "dave"));
                    got.extend(store.append_audit(events.collect()).await.unwrap());
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        let got = t.await.unwrap();
        // Each append's indexes are consecutive.
        for chunk in got.chunks(3) {
            assert_eq!(chunk[1], chunk[0] + 1);
            assert_eq!(chunk[2], chunk[0] + 2);
        }
        all.extend(got);
    }
    let set: BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(set.len(), 8 * 6 * 3);
    assert_eq!(set, (0..8 * 6 * 3).collect());
    let entries = all_entries(&store).await;
    assert_eq!(entries.len(), 8 * 6 * 3);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(
            AuditEvent::from_leaf_bytes(&e.leaf).unwrap().index,
            i as u64
        );
    }
    let size = entries.len() as u64;
    assert_eq!(
        audit_root(store.as_ref(), size).await.unwrap(),
        recomputed_root(&entries)
    );
}

/// An append inside a transaction that is rolled back leaves no event, node or head change;
/// the next append reuses the indexes.
pub async fn audit_rolled_back_append_leaves_nothing(store: Arc<dyn Store>) {
    store
        .append_audit(vec![sample_event(0, "erin")])
        .await
        .unwrap();
    let root_before = audit_root(store.as_ref(), 1).await.unwrap();
    let got = store
        .audit_append_rolled_back((1..4).map(|n| sample_event(n, "erin")).collect())
        .await
        .unwrap();
    assert_eq!(got, [1, 2, 3]);
    assert_eq!(store.audit_size().await.unwrap(), 1);
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
    let nodes = store
        .audit_nodes(&[NodeId { level: 0, index: 1 }, NodeId { level: 1, index: 0 }])
        .await
        .unwrap();
    assert_eq!(nodes, [None, None]);
    assert_eq!(audit_root(store.as_ref(), 1).await.unwrap(), root_before);
    let again = store
        .append_audit(vec![sample_event(9, "erin")])
        .await
        .unwrap();
    assert_eq!(again, [1]);
    let entries = all_entries(&store).await;
    assert_eq!(
        audit_root(store.as_ref(), 2).await.unwrap(),
        recomputed_root(&entries)
    );
}

/// Limits: oversized appends, ranges and node lists, invalid events and checkpoints beyond the
/// log are refused and write nothing.
pub async fn audit_limits_refused(store: Arc<dyn Store>) {
    let too_many: Vec<_> = (0..=MAX_AUDIT_APPEND as u64)
        .map(|n| sample_event(n, "frank"))
        .collect();
    assert!(matches!(
        store.append_audit(too_many).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad = sample_event(1, "frank");
    bad.actor.roles = vec![Token::new("r").unwrap(); 17];
    assert!(matches!(
        store
            .append_audit(vec![sample_event(0, "frank"), bad])
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.audit_size().await.unwrap(), 0);
    assert!(matches!(
        store.audit_entries(0, 1001).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.audit_entries(5, 4).await,
        Err(StoreError::Invalid(_))
    ));
    let ids = vec![NodeId { level: 0, index: 0 }; MAX_AUDIT_NODES + 1];
    assert!(matches!(
        store.audit_nodes(&ids).await,
        Err(StoreError::Invalid(_))
    ));
    let cp = CheckpointRecord {
        size: 1,
        time: datetime!(2026-11-29 10:00 UTC),
        note: "x\n".into(),
    };
    assert!(matches!(
        store.put_checkpoint(&cp).await,
        Err(StoreError::Invalid(_))
    ));
    let huge = CheckpointRecord {
        size: 0,
        note: "x".repeat(256 * 1024 + 1),
        ..cp
    };
    assert!(matches!(
        store.put_checkpoint(&huge).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    assert!(
        store
            .audit_search(&AuditFilter {
                limit: 5000,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
}

/// Filtered search by action, user and time, with cursor paging.
pub async fn audit_search_filters_and_pages(store: Arc<dyn Store>) {
    let events: Vec<_> = (0..30)
        .map(|n| sample_event(n, if n % 2 == 0 { "gina" } else { "hank" }))
        .collect();
    store.append_audit(events).await.unwrap();
    let idx = |v: Vec<crate::AuditEntry>| v.into_iter().map(|e| e.index).collect::<Vec<_>>();
    let gina = idx(store
        .audit_search(&AuditFilter {
            user_id: Some("gina".into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap());
    assert_eq!(gina, (0..30).step_by(2).collect::<Vec<_>>());
    let logins = idx(store
        .audit_search(&AuditFilter {
            action: Some("auth.login".into()),
            user_id: Some("hank".into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap());
    assert_eq!(logins, [3, 9, 15, 21, 27]);
    let from = time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(BASE_US + 10 * 1_000_000) * 1000,
    )
    .unwrap();
    let window = idx(store
        .audit_search(&AuditFilter {
            from: Some(from),
            until: Some(from + time::Duration::seconds(5)),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap());
    assert_eq!(window, [10, 11, 12, 13, 14]);
    // Cursor paging over everything, 7 at a time.
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = idx(store
            .audit_search(&AuditFilter {
                after_index: cursor,
                limit: 7,
                ..AuditFilter::default()
            })
            .await
            .unwrap());
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 7);
        cursor = page.last().copied();
        seen.extend(page);
    }
    assert_eq!(seen, (0..30).collect::<Vec<_>>());
}

/// Checkpoints: one per size, latest is the largest, listing is ordered and paged.
pub async fn audit_checkpoints(store: Arc<dyn Store>) {
    store
        .append_audit((0..10).map(|n| sample_event(n, "ivan")).collect())
        .await
        .unwrap();
    let t = datetime!(2026-11-29 10:00:00.123456 UTC);
    let cp = |size: u64, note: &str| CheckpointRecord {
        size,
        time: t + time::Duration::seconds(i64::try_from(size).unwrap()),
        note: note.into(),
    };
    assert!(store.put_checkpoint(&cp(4, "four\n")).await.unwrap());
    assert!(store.put_checkpoint(&cp(10, "ten\n")).await.unwrap());
    assert!(store.put_checkpoint(&cp(0, "zero\n")).await.unwrap());
    assert!(!store.put_checkpoint(&cp(4, "other\n")).await.unwrap());
    assert_eq!(
        store.latest_checkpoint().await.unwrap(),
        Some(cp(10, "ten\n"))
    );
    let all = store.list_checkpoints(None, 100).await.unwrap();
    assert_eq!(all, [cp(0, "zero\n"), cp(4, "four\n"), cp(10, "ten\n")]);
    assert_eq!(
        store.list_checkpoints(Some(0), 1).await.unwrap(),
        [cp(4, "four\n")]
    );
    assert!(
        store
            .list_checkpoints(Some(10), 5)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Audit keys: one active at a time, conflicts on duplicate ids.
pub async fn audit_keys(store: Arc<dyn Store>) {
    let key = |id: &str, at| AuditKeyRecord {
        id: id.into(),
        algorithm: "mldsa65-ed25519".into(),
        cert_der: vec![0x30, 1],
        key_encrypted: vec![7; 64],
        not_after: datetime!(2030-01-01 00:00 UTC),
        active: true,
        created_at: at,
    };
    assert!(store.list_audit_keys().await.unwrap().is_empty());
    store
        .insert_audit_key(&key("a1", datetime!(2026-01-01 00:00 UTC)))
        .await
        .unwrap();
    store
        .insert_audit_key(&key("a2", datetime!(2026-02-01 00:00 UTC)))
        .await
        .unwrap();
    let all = store.list_audit_keys().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all.iter()
            .filter(|k| k.active)
            .map(|k| k.id.as_str())
            .collect::<Vec<_>>(),
        ["a2"]
    );
    assert_eq!(all[1], key("a2", datetime!(2026-02-01 00:00 UTC)));
    assert!(matches!(
        store
            .insert_audit_key(&key("a1", datetime!(2026-03-01 00:00 UTC)))
            .await,
        Err(StoreError::Conflict(_))
    ));
}
