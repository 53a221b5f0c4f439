//! Conformance checks of [`crate::LedgerStore`] (both backends must pass them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use pqbank_domain::{AccountKind, AccountStatus, ApprovalPolicy, Currency, TransferStatus};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::conformance_audit::sample_event;
use crate::{
    AccountChange, AccountChangeError, AccountRecord, AuditBuilder, CreateTransfer, DecideTransfer,
    Decision, LedgerCommand, LedgerOutcome, MonitoringFacts, MonitoringQuery, Store,
    TransferFilter, TransferKind, TransferRecord, UserRecord, UserStatus, WindowTransfer,
};

const T0: OffsetDateTime = datetime!(2026-11-29 10:00:00 UTC);
const US0: i64 = 1_796_032_800_000_000; // 2026-11-29T10:00:00Z in µs

fn uuid(n: u32) -> String {
    format!("0190f000-0000-7000-8000-{n:012x}")
}

async fn user(store: &Arc<dyn Store>, id: &str) {
    store
        .create_user(
            &UserRecord {
                id: id.into(),
                username: format!("user-{id}"),
                password_hash: None,
                roles: "customer".into(),
                branch: None,
                status: UserStatus::Active,
                pii_encrypted: vec![1; 16],
                activation_hash: None,
                activation_expires_at: None,
                failed_logins: 0,
                locked_until: None,
                created_at: T0,
                updated_at: T0,
                version: 1,
            },
            None,
            Vec::new(),
        )
        .await
        .unwrap();
}

fn account(n: u32, owner: Option<&str>, kind: AccountKind) -> AccountRecord {
    AccountRecord {
        id: uuid(n),
        owner_id: owner.map(str::to_owned),
        kind,
        currency: Currency::EUR,
        status: AccountStatus::Open,
        overdraft_minor: 0,
        posted: 0,
        pending_debits: 0,
        pending_credits: 0,
        created_us: US0,
        updated_us: US0,
        version: 1,
    }
}

fn transfer(id: u32, from: u32, to: u32, amount: i64, initiator: &str) -> TransferRecord {
    let payload = format!("{{\"id\":{id},\"amount\":{amount},\"from\":{from},\"to\":{to}}}");
    TransferRecord {
        id: uuid(id),
        kind: TransferKind::Transfer,
        status: TransferStatus::Posted,
        from_account: uuid(from),
        to_account: uuid(to),
        amount_minor: amount,
        currency: Currency::EUR,
        reference: format!("ref {id}"),
        initiator_id: initiator.into(),
        initiator_cert_serial: "0a".into(),
        payload_sha256: format!(
            "{:064x}",
            u128::from(id) * 1_000_003 + amount.unsigned_abs() as u128
        ),
        payload: payload.into_bytes(),
        signature: vec![9; 32],
        signature_alg: "mldsa65-ed25519".into(),
        approval_required: false,
        created_us: US0 + i64::from(id),
        expires_us: None,
        decided_us: None,
        decided_by: None,
        approval_payload: None,
        approval_signature: None,
        approval_cert_serial: None,
        reason: None,
    }
}

fn one_event(user: &'static str) -> AuditBuilder {
    Box::new(move |_| vec![sample_event(0, user)])
}

fn create(t: TransferRecord) -> LedgerCommand {
    LedgerCommand::Create(Box::new(CreateTransfer {
        transfer: t,
        policy: ApprovalPolicy::default(),
        signing_device: None,
        audit: one_event("u1"),
    }))
}

fn decide(id: u32, decision: Decision, by: Option<&str>, now_us: i64) -> LedgerCommand {
    LedgerCommand::Decide(Box::new(DecideTransfer {
        transfer_id: uuid(id),
        decision,
        decided_by: by.map(str::to_owned),
        decided_us: now_us,
        expected_payload_sha256: None,
        approval_payload: None,
        approval_signature: None,
        approval_cert_serial: None,
        reason: (decision == Decision::Reject).then(|| "not today".to_owned()),
        now_us,
        signing_device: None,
        audit: one_event("u2"),
    }))
}

async fn run(store: &Arc<dyn Store>, cmd: LedgerCommand) -> LedgerOutcome {
    let mut out = store.execute_ledger(&[cmd]).await.unwrap();
    assert_eq!(out.len(), 1);
    out.remove(0)
}

async fn balance(store: &Arc<dyn Store>, n: u32) -> (i64, i64, i64) {
    let a = store.get_account(&uuid(n)).await.unwrap().unwrap();
    (a.posted, a.pending_debits, a.pending_credits)
}

/// Cash account 1, customer accounts 10 (u1) and 11 (u2), 12 (u2, savings); 10 funded with
/// 1,000.00 EUR by a deposit.
async fn books(store: &Arc<dyn Store>) {
    user(store, "u1").await;
    user(store, "u2").await;
    let cash = store
        .ensure_internal_account(&account(1, None, AccountKind::Cash))
        .await
        .unwrap();
    assert_eq!(cash.id, uuid(1));
    // A second ensure returns the same account, whatever id the candidate had.
    let again = store
        .ensure_internal_account(&account(2, None, AccountKind::Cash))
        .await
        .unwrap();
    assert_eq!(again.id, uuid(1));
    for (n, owner, kind) in [
        (10, "u1", AccountKind::Current),
        (11, "u2", AccountKind::Current),
        (12, "u2", AccountKind::Savings),
    ] {
        store
            .create_account(&account(n, Some(owner), kind), vec![sample_event(0, owner)])
            .await
            .unwrap();
    }
    let mut deposit = transfer(100, 1, 10, 100_000, "u1");
    deposit.kind = TransferKind::CashDeposit;
    deposit.created_us = US0 - 1000;
    assert!(matches!(
        run(store, create(deposit)).await,
        LedgerOutcome::Created(t) if t.status == TransferStatus::Posted
    ));
}

async fn assert_consistent(store: &Arc<dyn Store>) {
    let check = store.ledger_check().await.unwrap();
    assert!(check.violations.is_empty(), "{:?}", check.violations);
}

/// The monitoring window: one initiator's customer transfers since a time, oldest first, any
/// status, cash operations and other initiators left out, bounded.
pub async fn ledger_monitoring_window(store: Arc<dyn Store>) {
    books(&store).await;
    // u1: transfers 1..=5 (created at US0 + id); u2: transfer 6. The cash deposit in `books`
    // (initiated by u1, at US0 - 1000) is not a customer transfer; a refused transfer is not
    // stored at all.
    for id in 1..=5 {
        let t = transfer(id, 10, 11, 100 * i64::from(id), "u1");
        assert!(matches!(
            run(&store, create(t)).await,
            LedgerOutcome::Created(_)
        ));
    }
    let refused = run(&store, create(transfer(7, 10, 11, 10_000_000, "u1"))).await;
    assert!(!matches!(refused, LedgerOutcome::Created(_)));
    let out = run(&store, create(transfer(6, 11, 10, 50, "u2"))).await;
    assert!(matches!(out, LedgerOutcome::Created(_)));
    let all = store
        .initiated_since("u1", US0 - 10_000, 100)
        .await
        .unwrap();
    let ids: Vec<String> = all.iter().map(|w| w.id.clone()).collect();
    assert_eq!(ids, (1..=5).map(uuid).collect::<Vec<_>>());
    assert_eq!(
        all[2],
        WindowTransfer {
            id: uuid(3),
            created_us: US0 + 3,
            currency: Currency::EUR,
            amount_minor: 300,
        }
    );
    let recent = store.initiated_since("u1", US0 + 3, 100).await.unwrap();
    assert_eq!(recent.len(), 3, "since is inclusive");
    let first = store.initiated_since("u1", US0, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|w| w.id.clone()).collect::<Vec<_>>(),
        [uuid(1), uuid(2)]
    );
    assert_eq!(
        store.initiated_since("u2", US0, 100).await.unwrap().len(),
        1
    );
    assert!(
        store
            .initiated_since("nobody", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .initiated_since("u1", US0 + 6, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Both monitoring reads in one call give the answers of the two separate reads.
    let (from, to, usd) = (uuid(10), uuid(11), "USD");
    for (initiator, since_us, limit, account, currency, before_us) in [
        ("u1", US0 - 10_000, 100, from.as_str(), "EUR", US0 + 5),
        ("u1", US0 + 2, 2, from.as_str(), "EUR", US0 + 2),
        ("u1", US0, 100, from.as_str(), "EUR", US0 + 100),
        ("u2", US0, 100, to.as_str(), "EUR", US0 + 6),
        ("nobody", 0, 100, from.as_str(), usd, US0 + 9),
    ] {
        let q = MonitoringQuery {
            initiator,
            since_us,
            window_limit: limit,
            account,
            currency,
            before_us,
            history: 3,
        };
        let facts = store.monitoring_facts(&q).await.unwrap();
        let separate = MonitoringFacts {
            window: store
                .initiated_since(initiator, since_us, limit)
                .await
                .unwrap(),
            recent: store
                .recent_outgoing(account, currency, before_us, 3)
                .await
                .unwrap(),
        };
        assert_eq!(facts, separate, "{q:?}");
    }
    let facts = store
        .monitoring_facts(&MonitoringQuery {
            initiator: "u1",
            since_us: US0,
            window_limit: 100,
            account: &from,
            currency: "EUR",
            before_us: US0 + 5,
            history: 3,
        })
        .await
        .unwrap();
    assert_eq!(facts.window.len(), 5);
    assert_eq!(
        facts.recent,
        (3, 200 + 300 + 400),
        "the latest three before 5"
    );
    // Created at the limit is not before it; an early limit leaves fewer.
    assert_eq!(
        store
            .recent_outgoing(&from, "EUR", US0 + 3, 3)
            .await
            .unwrap(),
        (2, 100 + 200)
    );
    assert_eq!(
        store
            .recent_outgoing(&from, "EUR", US0 + 1, 3)
            .await
            .unwrap(),
        (0, 0)
    );
}

/// The signing device is checked in the batch's own transaction: a transfer or an approval
/// signed on a removed (or unknown) device is refused with nothing booked, without failing the
/// rest of the batch.
pub async fn ledger_signing_devices(store: Arc<dyn Store>) {
    books(&store).await;
    crate::conformance_identity::with_ca(&store).await;
    // u1 binds a phone (d1) and a tablet (d2, then removed); u2 a phone (d3).
    for (user, version, device, serial) in [
        ("u1", 1, "d1", "0a"),
        ("u1", 2, "d2", "0b"),
        ("u2", 1, "d3", "0c"),
    ] {
        let mut record = store.get_user(user).await.unwrap().unwrap();
        assert_eq!(record.version, version);
        record.updated_at = T0;
        store
            .update_user(
                &record,
                version,
                Some(crate::NewDevice {
                    device: &crate::conformance_identity::device(device, user),
                    cert: &crate::conformance_identity::cert(serial, user, device),
                }),
                Vec::new(),
            )
            .await
            .unwrap();
    }
    assert!(store.remove_device("d2", T0, Vec::new()).await.unwrap());
    let signed = |t: TransferRecord, device: &str| {
        LedgerCommand::Create(Box::new(CreateTransfer {
            transfer: t,
            policy: ApprovalPolicy::default(),
            signing_device: Some(device.to_owned()),
            audit: one_event("u1"),
        }))
    };
    let outcomes = store
        .execute_ledger(&[
            signed(transfer(1, 10, 11, 100, "u1"), "d1"),
            signed(transfer(2, 10, 11, 200, "u1"), "d2"),
            signed(transfer(3, 10, 11, 300, "u1"), "nope"),
            signed(transfer(4, 10, 11, 400, "u1"), "d1"),
        ])
        .await
        .unwrap();
    assert!(matches!(outcomes[0], LedgerOutcome::Created(_)));
    assert_eq!(outcomes[1], LedgerOutcome::DeviceNotActive);
    assert_eq!(outcomes[2], LedgerOutcome::DeviceNotActive);
    assert!(matches!(outcomes[3], LedgerOutcome::Created(_)));
    for (id, stored) in [(1, true), (2, false), (3, false), (4, true)] {
        assert_eq!(
            store.get_transfer(&uuid(id)).await.unwrap().is_some(),
            stored,
            "transfer {id}"
        );
    }
    assert_eq!(balance(&store, 10).await, (100_000 - 500, 0, 0));

    // An approval signed on a removed device changes nothing; on an active one it posts.
    let policy = ApprovalPolicy::default().with_threshold(
        pqbank_domain::ApprovalThreshold::new(pqbank_domain::Money::from_minor(
            10_000,
            Currency::EUR,
        ))
        .unwrap(),
    );
    let pending = LedgerCommand::Create(Box::new(CreateTransfer {
        transfer: transfer(5, 10, 11, 20_000, "u1"),
        policy,
        signing_device: Some("d1".into()),
        audit: one_event("u1"),
    }));
    let LedgerOutcome::Created(t) = run(&store, pending).await else {
        panic!("pending transfer not created")
    };
    assert_eq!(t.status, TransferStatus::PendingApproval);
    let approve = |device: &str| {
        let LedgerCommand::Decide(mut d) = decide(5, Decision::Approve, Some("u2"), US0 + 10)
        else {
            unreachable!()
        };
        d.signing_device = Some(device.to_owned());
        LedgerCommand::Decide(d)
    };
    store.remove_device("d3", T0, Vec::new()).await.unwrap();
    assert_eq!(
        run(&store, approve("d3")).await,
        LedgerOutcome::DeviceNotActive
    );
    let still = store.get_transfer(&uuid(5)).await.unwrap().unwrap();
    assert_eq!(still.status, TransferStatus::PendingApproval);
    assert!(matches!(
        run(&store, approve("d1")).await,
        LedgerOutcome::Decided(t) if t.status == TransferStatus::Posted
    ));
    let check = store.ledger_check().await.unwrap();
    assert!(check.violations.is_empty(), "{:?}", check.violations);
}

/// Accounts: create, read, list, internal accounts, status and overdraft changes.
pub async fn ledger_accounts(store: Arc<dyn Store>) {
    books(&store).await;
    assert!(
        store
            .create_account(&account(10, Some("u1"), AccountKind::Current), vec![])
            .await
            .is_err(),
        "duplicate id"
    );
    // A customer account needs an owner, an internal one must not have one.
    assert!(
        store
            .create_account(&account(13, None, AccountKind::Current), vec![])
            .await
            .is_err()
    );
    let mine = store
        .list_accounts(Some("u2"), false, None, 10)
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        vec![uuid(11), uuid(12)]
    );
    let page = store
        .list_accounts(Some("u2"), false, Some(&uuid(11)), 10)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let internal = store.list_accounts(None, true, None, 10).await.unwrap();
    assert_eq!(internal.len(), 1);
    assert_eq!(internal[0].kind, AccountKind::Cash);

    let size = store.audit_size().await.unwrap();
    let frozen = store
        .change_account(
            &uuid(11),
            AccountChange {
                status: Some(AccountStatus::Frozen),
                overdraft_minor: None,
                now_us: US0 + 5,
            },
            Box::new(|_| vec![sample_event(0, "u3")]),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(frozen.status, AccountStatus::Frozen);
    assert_eq!(store.audit_size().await.unwrap(), size + 1);
    // Frozen → closed is not a valid transition; nothing written.
    let refused = store
        .change_account(
            &uuid(11),
            AccountChange {
                status: Some(AccountStatus::Closed),
                overdraft_minor: None,
                now_us: US0 + 6,
            },
            Box::new(|_| vec![sample_event(0, "u3")]),
        )
        .await
        .unwrap();
    assert!(matches!(refused, Err(AccountChangeError::Invalid(_))));
    assert_eq!(store.audit_size().await.unwrap(), size + 1);
    // Savings accounts have no overdraft.
    let refused = store
        .change_account(
            &uuid(12),
            AccountChange {
                status: None,
                overdraft_minor: Some(100),
                now_us: US0 + 6,
            },
            Box::new(|_| vec![]),
        )
        .await
        .unwrap();
    assert!(matches!(refused, Err(AccountChangeError::Invalid(_))));
    // Closing an account that holds money is refused; an empty one closes.
    let refused = store
        .change_account(
            &uuid(10),
            AccountChange {
                status: Some(AccountStatus::Closed),
                overdraft_minor: None,
                now_us: US0 + 7,
            },
            Box::new(|_| vec![]),
        )
        .await
        .unwrap();
    assert!(matches!(refused, Err(AccountChangeError::Invalid(_))));
    let closed = store
        .change_account(
            &uuid(12),
            AccountChange {
                status: Some(AccountStatus::Closed),
                overdraft_minor: None,
                now_us: US0 + 7,
            },
            Box::new(|_| vec![]),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status, AccountStatus::Closed);
    assert!(
        store
            .change_account(
                &uuid(99),
                AccountChange {
                    status: Some(AccountStatus::Frozen),
                    overdraft_minor: None,
                    now_us: US0
                },
                Box::new(|_| vec![])
            )
            .await
            .is_err()
    );
    assert_consistent(&store).await;
}

/// Posting, refusals, idempotent replay, id conflicts, postings and reads.
pub async fn ledger_transfers(store: Arc<dyn Store>) {
    books(&store).await;
    let size = store.audit_size().await.unwrap();
    let t = transfer(1, 10, 11, 25_000, "u1");
    let LedgerOutcome::Created(created) = run(&store, create(t.clone())).await else {
        panic!("not created");
    };
    assert_eq!(created.status, TransferStatus::Posted);
    assert_eq!(balance(&store, 10).await, (75_000, 0, 0));
    assert_eq!(balance(&store, 11).await, (25_000, 0, 0));
    assert_eq!(store.audit_size().await.unwrap(), size + 1);
    // Same id, same payload: the original, nothing new (no audit event either).
    assert_eq!(
        run(&store, create(t.clone())).await,
        LedgerOutcome::Replayed(created.clone())
    );
    assert_eq!(store.audit_size().await.unwrap(), size + 1);
    // Same id, different payload.
    let mut other = t.clone();
    other.amount_minor = 26_000;
    other.payload = b"different".to_vec();
    other.payload_sha256 = "f".repeat(64);
    assert_eq!(run(&store, create(other)).await, LedgerOutcome::IdConflict);
    assert_eq!(balance(&store, 10).await, (75_000, 0, 0));
    // The conflicting attempt is audited as a failure.
    assert_eq!(store.audit_size().await.unwrap(), size + 2);
    // Insufficient funds, unknown account: refused, nothing booked, failure audited.
    let out = run(&store, create(transfer(2, 10, 11, 75_001, "u1"))).await;
    assert!(
        matches!(&out, LedgerOutcome::Refused(r) if r.code() == "insufficient_funds"),
        "{out:?}"
    );
    assert_eq!(
        run(&store, create(transfer(3, 10, 98, 1, "u1"))).await,
        LedgerOutcome::UnknownAccount
    );
    assert!(store.get_transfer(&uuid(2)).await.unwrap().is_none());
    assert_eq!(store.audit_size().await.unwrap(), size + 4);
    // The same id can be used again once it was refused (it was never booked).
    assert!(matches!(
        run(&store, create(transfer(2, 10, 11, 75_000, "u1"))).await,
        LedgerOutcome::Created(_)
    ));
    assert_eq!(balance(&store, 10).await, (0, 0, 0));

    // Reads: postings newest first with running balances and counterparties.
    let postings = store
        .list_postings(&uuid(10), None, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        postings
            .iter()
            .map(|p| (p.amount_minor, p.balance_after))
            .collect::<Vec<_>>(),
        vec![(-75_000, 0), (-25_000, 75_000), (100_000, 100_000)]
    );
    assert_eq!(postings[0].counterparty, uuid(11));
    assert_eq!(postings[2].kind, TransferKind::CashDeposit);
    let older = store
        .list_postings(&uuid(10), Some(postings[0].seq), None, None, 1)
        .await
        .unwrap();
    assert_eq!(older[0].seq, postings[1].seq);
    assert_eq!(
        store
            .posted_balance_before(&uuid(10), US0 + 2)
            .await
            .unwrap(),
        75_000
    );
    let list = store
        .list_transfers(
            &TransferFilter {
                owner: Some("u2".into()),
                ..TransferFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        vec![uuid(2), uuid(1)]
    );
    let next = store
        .list_transfers(
            &TransferFilter {
                account: Some(uuid(10)),
                after: Some((list[0].created_us, list[0].id.clone())),
                ..TransferFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(next.len(), 2);
    let volume = store.volume_by_day(US0 - 10_000).await.unwrap();
    assert_eq!(volume.len(), 1);
    assert_eq!(volume[0].count, 3);
    assert_eq!(volume[0].total_minor, 200_000);

    // Frozen destination: refused.
    store
        .change_account(
            &uuid(11),
            AccountChange {
                status: Some(AccountStatus::Frozen),
                overdraft_minor: None,
                now_us: US0 + 10,
            },
            Box::new(|_| vec![]),
        )
        .await
        .unwrap()
        .unwrap();
    let out = run(&store, create(transfer(4, 1, 11, 5, "u1"))).await;
    assert!(matches!(&out, LedgerOutcome::Refused(r) if r.code() == "destination_frozen"));
    assert_consistent(&store).await;
}

/// Pending approval: reservation, four eyes, approval posts, rejection and expiry release.
pub async fn ledger_approvals(store: Arc<dyn Store>) {
    books(&store).await;
    let policy = ApprovalPolicy::default()
        .with_threshold(
            pqbank_domain::ApprovalThreshold::new(pqbank_domain::Money::from_minor(
                10_000,
                Currency::EUR,
            ))
            .unwrap(),
        )
        .with_pending_ttl_seconds(3600)
        .unwrap();
    let pending = |id: u32, amount: i64| {
        LedgerCommand::Create(Box::new(CreateTransfer {
            transfer: transfer(id, 10, 11, amount, "u1"),
            policy: policy.clone(),
            signing_device: None,
            audit: one_event("u1"),
        }))
    };
    let LedgerOutcome::Created(t) = run(&store, pending(1, 30_000)).await else {
        panic!()
    };
    assert_eq!(t.status, TransferStatus::PendingApproval);
    assert!(t.approval_required);
    assert_eq!(t.expires_us, Some(t.created_us + 3_600_000_000));
    assert_eq!(balance(&store, 10).await, (100_000, 30_000, 0));
    assert_eq!(balance(&store, 11).await, (0, 0, 30_000));
    // The reservation holds: only 70,000 left.
    let out = run(&store, pending(2, 70_001)).await;
    assert!(matches!(&out, LedgerOutcome::Refused(r) if r.code() == "insufficient_funds"));
    assert_eq!(
        store
            .list_transfers(
                &TransferFilter {
                    status: Some(TransferStatus::PendingApproval),
                    ascending: true,
                    ..TransferFilter::default()
                },
                10
            )
            .await
            .unwrap()
            .len(),
        1
    );
    // Four eyes: the initiator cannot decide.
    assert_eq!(
        run(&store, decide(1, Decision::Approve, Some("u1"), US0 + 100)).await,
        LedgerOutcome::SelfApproval
    );
    // An approval bound to another payload digest.
    let mut wrong = decide(1, Decision::Approve, Some("u2"), US0 + 100);
    if let LedgerCommand::Decide(d) = &mut wrong {
        d.expected_payload_sha256 = Some("0".repeat(64));
    }
    assert_eq!(run(&store, wrong).await, LedgerOutcome::DigestMismatch);
    // Expiry before the deadline does nothing.
    assert_eq!(
        run(&store, decide(1, Decision::Expire, None, US0 + 100)).await,
        LedgerOutcome::NotDue
    );
    let LedgerOutcome::Decided(done) =
        run(&store, decide(1, Decision::Approve, Some("u2"), US0 + 200)).await
    else {
        panic!()
    };
    assert_eq!(done.status, TransferStatus::Posted);
    assert_eq!(done.decided_by.as_deref(), Some("u2"));
    assert_eq!(balance(&store, 10).await, (70_000, 0, 0));
    assert_eq!(balance(&store, 11).await, (30_000, 0, 0));
    // Decided transfers are final.
    assert!(matches!(
        run(&store, decide(1, Decision::Reject, Some("u2"), US0 + 300)).await,
        LedgerOutcome::NotPending(_)
    ));
    assert_eq!(
        run(&store, decide(77, Decision::Reject, Some("u2"), US0 + 300)).await,
        LedgerOutcome::NotFound
    );
    // Rejection releases the reservation.
    assert!(matches!(
        run(&store, pending(3, 20_000)).await,
        LedgerOutcome::Created(_)
    ));
    assert_eq!(balance(&store, 10).await, (70_000, 20_000, 0));
    let LedgerOutcome::Decided(r) =
        run(&store, decide(3, Decision::Reject, Some("u2"), US0 + 400)).await
    else {
        panic!()
    };
    assert_eq!(r.status, TransferStatus::Rejected);
    assert_eq!(r.reason.as_deref(), Some("not today"));
    assert_eq!(balance(&store, 10).await, (70_000, 0, 0));
    // Expiry after the deadline releases too; the due list finds it.
    assert!(matches!(
        run(&store, pending(4, 20_000)).await,
        LedgerOutcome::Created(_)
    ));
    let late = US0 + 4 + 3_600_000_000;
    assert!(
        store
            .due_pending_transfers(late - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.due_pending_transfers(late, 10).await.unwrap(),
        vec![uuid(4)]
    );
    let LedgerOutcome::Decided(e) = run(&store, decide(4, Decision::Expire, None, late)).await
    else {
        panic!()
    };
    assert_eq!(e.status, TransferStatus::Expired);
    assert_eq!(balance(&store, 10).await, (70_000, 0, 0));
    assert_eq!(balance(&store, 11).await, (30_000, 0, 0));
    assert_consistent(&store).await;
}

/// A batch: commands see each other's effects in order, and a refused one does not disturb the
/// rest; concurrent batches keep the books consistent.
pub async fn ledger_batches_and_concurrency(store: Arc<dyn Store>) {
    books(&store).await;
    let out = store
        .execute_ledger(&[
            create(transfer(1, 10, 11, 60_000, "u1")),
            create(transfer(2, 10, 11, 60_000, "u1")), // only 40,000 left
            create(transfer(1, 10, 11, 60_000, "u1")), // replay inside the batch
            create(transfer(3, 11, 10, 10_000, "u2")),
        ])
        .await
        .unwrap();
    assert!(matches!(out[0], LedgerOutcome::Created(_)));
    assert!(matches!(&out[1], LedgerOutcome::Refused(r) if r.code() == "insufficient_funds"));
    assert!(matches!(out[2], LedgerOutcome::Replayed(_)));
    assert!(matches!(out[3], LedgerOutcome::Created(_)));
    assert_eq!(balance(&store, 10).await, (50_000, 0, 0));
    assert_eq!(balance(&store, 11).await, (50_000, 0, 0));

    // Eight writers moving money back and forth between the two accounts.
    let mut tasks = Vec::new();
    for w in 0..8u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for i in 0..20u32 {
                let id = 1000 + w * 100 + i;
                let (from, to) = if (w + i) % 2 == 0 { (10, 11) } else { (11, 10) };
                let batch = vec![create(transfer(id, from, to, 7_000, "u1"))];
                let out = store.execute_ledger(&batch).await.unwrap();
                if matches!(out[0], LedgerOutcome::Created(_)) {
                    created += 1;
                }
            }
            created
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += t.await.unwrap();
    }
    assert!(created > 0);
    let (a, _, _) = balance(&store, 10).await;
    let (b, _, _) = balance(&store, 11).await;
    assert_eq!(a + b, 100_000, "money created or lost");
    assert!(a >= 0 && b >= 0);
    assert_consistent(&store).await;
}

/// `execute_writes`: session touches and ledger commands in one transaction, each judged as
/// `touch_sessions` and `execute_ledger` would; an error rolls back both.
pub async fn writes_touches_and_commands_together(store: Arc<dyn Store>) {
    books(&store).await;
    crate::conformance_identity::with_ca(&store).await;
    let mut u1 = store.get_user("u1").await.unwrap().unwrap();
    u1.updated_at = T0;
    store
        .update_user(
            &u1,
            1,
            Some(crate::NewDevice {
                device: &crate::conformance_identity::device("d1", "u1"),
                cert: &crate::conformance_identity::cert("0a", "u1", "d1"),
            }),
            Vec::new(),
        )
        .await
        .unwrap();
    let session = crate::conformance_identity::session('a', "pub-a", "u1", "d1");
    store.create_session(&session, Vec::new()).await.unwrap();
    let touch = |counter: i64| crate::SessionTouch {
        id: session.id.clone(),
        now: T0,
        counter: Some(counter),
    };
    let signed = |t: TransferRecord| {
        LedgerCommand::Create(Box::new(CreateTransfer {
            transfer: t,
            policy: ApprovalPolicy::default(),
            signing_device: Some("d1".to_owned()),
            audit: one_event("u1"),
        }))
    };
    let (a, b) = (
        signed(transfer(1, 10, 11, 100, "u1")),
        signed(transfer(2, 10, 11, 200, "u1")),
    );
    let (touched, outcomes) = store
        .execute_writes(&[touch(5), touch(5)], &[&a, &b])
        .await
        .unwrap();
    // The user's version after binding d1 is 2; the replayed counter is refused.
    assert_eq!(touched, [Some(2), None]);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, LedgerOutcome::Created(_)))
    );
    assert_eq!(
        crate::conformance_identity::last_counter(&store, &session.id).await,
        5
    );
    assert_eq!(balance(&store, 10).await, (100_000 - 300, 0, 0));

    // A batch the ledger refuses as a whole (too many commands) leaves the touch unapplied.
    let c = signed(transfer(3, 10, 11, 300, "u1"));
    let too_many = vec![&c; crate::ledger::MAX_LEDGER_BATCH + 1];
    assert!(matches!(
        store.execute_writes(&[touch(9)], &too_many).await,
        Err(crate::StoreError::Invalid(_))
    ));
    assert_eq!(
        crate::conformance_identity::last_counter(&store, &session.id).await,
        5
    );
    assert!(store.get_transfer(&uuid(3)).await.unwrap().is_none());

    // Touches alone, commands alone, nothing at all.
    assert_eq!(
        store.execute_writes(&[touch(6)], &[]).await.unwrap(),
        (vec![Some(2)], Vec::new())
    );
    let (touched, outcomes) = store.execute_writes(&[], &[&c]).await.unwrap();
    assert!(touched.is_empty());
    assert!(matches!(outcomes[..], [LedgerOutcome::Created(_)]));
    assert_eq!(
        store.execute_writes(&[], &[]).await.unwrap(),
        (Vec::new(), Vec::new())
    );
    let ledger = store.ledger_check().await.unwrap();
    assert!(ledger.violations.is_empty(), "{:?}", ledger.violations);
}
