//! Storage of the ledger: accounts with their balances, immutable transfers (with the signed
//! payload and signature, so anyone can re-verify them later) and append-only postings.
//!
//! Writes go through [`LedgerStore::execute_ledger`]: a batch of commands executed in **one**
//! database transaction (group commit). The batch loads and locks every account it touches (on
//! PostgreSQL `FOR UPDATE` in id order, on SQLite under `BEGIN IMMEDIATE`), applies the pure
//! ledger rules of `pqbank_domain::ledger` in memory command by command, then writes transfers,
//! postings, balances and the audit events of every command before committing. A command that the
//! rules refuse gets its own outcome and never affects the others.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use async_trait::async_trait;
use pqbank_audit::AuditEvent;
use pqbank_domain::ledger::{
    Balance, LedgerAccount, TransferRejection, TransferRequest, evaluate_transfer, plan_release,
    plan_settlement,
};
use pqbank_domain::{
    AccountId, AccountKind, AccountStatus, ApprovalPolicy, Currency, Money, OverdraftLimit,
    TransferAmount, TransferStatus,
};

use crate::StoreError;

/// Most commands in one batch.
pub const MAX_LEDGER_BATCH: usize = 512;
/// Most rows one ledger list returns.
pub const MAX_LEDGER_PAGE: u32 = 500;

/// Microseconds in a day (report buckets are UTC days).
pub const DAY_US: i64 = 86_400_000_000;

/// What a transfer is, for the cash desk's maker-checker flow and the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// Customer to customer.
    Transfer,
    /// Cash desk to customer.
    CashDeposit,
    /// Customer to cash desk.
    CashWithdrawal,
}

impl TransferKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferKind::Transfer => "transfer",
            TransferKind::CashDeposit => "cash_deposit",
            TransferKind::CashWithdrawal => "cash_withdrawal",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "transfer" => Ok(TransferKind::Transfer),
            "cash_deposit" => Ok(TransferKind::CashDeposit),
            "cash_withdrawal" => Ok(TransferKind::CashWithdrawal),
            _ => Err(StoreError::Corrupt("transfer kind")),
        }
    }
}

/// An account row with its balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// UUID text.
    pub id: String,
    /// Owning customer; `None` for the bank's internal accounts.
    pub owner_id: Option<String>,
    /// Kind.
    pub kind: AccountKind,
    /// Currency.
    pub currency: Currency,
    /// Status.
    pub status: AccountStatus,
    /// Overdraft limit in minor units (`>= 0`).
    pub overdraft_minor: i64,
    /// Posted balance (`credits - debits`).
    pub posted: i64,
    /// Reserved by outgoing pending transfers.
    pub pending_debits: i64,
    /// Reserved by incoming pending transfers.
    pub pending_credits: i64,
    /// Creation time (µs).
    pub created_us: i64,
    /// Last change (µs).
    pub updated_us: i64,
    /// Bumped by every change.
    pub version: i64,
}

impl AccountRecord {
    /// The account as the domain rules see it (checks the row's invariants).
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] if the row breaks an invariant.
    pub fn ledger(&self) -> Result<LedgerAccount, StoreError> {
        let id: AccountId = self
            .id
            .parse()
            .map_err(|_| StoreError::Corrupt("account id"))?;
        let balance = Balance::new(
            self.currency,
            self.posted,
            self.pending_debits,
            self.pending_credits,
        )
        .map_err(|_| StoreError::Corrupt("account balance"))?;
        let overdraft = OverdraftLimit::new(Money::from_minor(self.overdraft_minor, self.currency))
            .map_err(|_| StoreError::Corrupt("overdraft"))?;
        LedgerAccount::new(id, self.kind, self.status, overdraft, balance)
            .map_err(|_| StoreError::Corrupt("account"))
    }

    /// Funds available for debits (`None` for internal accounts).
    pub fn available(&self) -> Option<i64> {
        if self.kind.is_internal() {
            None
        } else {
            Some(
                self.posted
                    .saturating_sub(self.pending_debits)
                    .saturating_add(self.overdraft_minor),
            )
        }
    }

    fn with_balance(&mut self, b: Balance) {
        self.posted = b.posted().minor_units();
        self.pending_debits = b.pending_debits().minor_units();
        self.pending_credits = b.pending_credits().minor_units();
    }
}

/// A transfer row: what was signed, by whom, and what became of it.
#[derive(Clone, PartialEq, Eq)]
pub struct TransferRecord {
    /// Client-chosen UUIDv7 (the idempotency key).
    pub id: String,
    /// Kind.
    pub kind: TransferKind,
    /// Status.
    pub status: TransferStatus,
    /// Debited account.
    pub from_account: String,
    /// Credited account.
    pub to_account: String,
    /// Amount (minor units, `> 0`).
    pub amount_minor: i64,
    /// Currency.
    pub currency: Currency,
    /// Free-text reference.
    pub reference: String,
    /// The user who signed it.
    pub initiator_id: String,
    /// Their certificate.
    pub initiator_cert_serial: String,
    /// The canonical payload bytes that were signed.
    pub payload: Vec<u8>,
    /// SHA-256 of `payload`, lowercase hex.
    pub payload_sha256: String,
    /// The device signature.
    pub signature: Vec<u8>,
    /// Its algorithm name.
    pub signature_alg: String,
    /// At or above the approval threshold.
    pub approval_required: bool,
    /// Server time of acceptance (µs).
    pub created_us: i64,
    /// When a pending transfer expires (µs).
    pub expires_us: Option<i64>,
    /// When it was approved, rejected or expired (µs).
    pub decided_us: Option<i64>,
    /// Who decided (none for expiry).
    pub decided_by: Option<String>,
    /// The approver's signed approval payload.
    pub approval_payload: Option<Vec<u8>>,
    /// Its signature.
    pub approval_signature: Option<Vec<u8>>,
    /// The approver's certificate.
    pub approval_cert_serial: Option<String>,
    /// Rejection reason.
    pub reason: Option<String>,
}

impl fmt::Debug for TransferRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransferRecord")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("from_account", &self.from_account)
            .field("to_account", &self.to_account)
            .field("amount_minor", &self.amount_minor)
            .field("currency", &self.currency)
            .field("initiator_id", &self.initiator_id)
            .field("payload_sha256", &self.payload_sha256)
            .finish_non_exhaustive()
    }
}

impl TransferRecord {
    fn amount(&self) -> Result<TransferAmount, StoreError> {
        TransferAmount::from_minor(self.amount_minor, self.currency)
            .map_err(|_| StoreError::Invalid("transfer amount"))
    }
}

/// One leg of a posted transfer, as an account's transaction list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingRecord {
    /// Order of posting (the pagination cursor).
    pub seq: i64,
    /// The transfer.
    pub transfer_id: String,
    /// The account.
    pub account_id: String,
    /// Signed amount: `> 0` credit, `< 0` debit.
    pub amount_minor: i64,
    /// Currency.
    pub currency: Currency,
    /// Posted balance after this leg.
    pub balance_after: i64,
    /// Posting time (µs).
    pub time_us: i64,
    /// The transfer's reference.
    pub reference: String,
    /// The other account.
    pub counterparty: String,
    /// The transfer's kind.
    pub kind: TransferKind,
}

/// Builds the audit events of an account change from the changed account (inside the
/// transaction, so an event is written exactly when its action is).
pub type AccountAuditBuilder = Box<dyn Fn(&AccountRecord) -> Vec<AuditEvent> + Send + Sync>;

/// Builds the audit events of a ledger command from its outcome (inside the transaction).
pub type AuditBuilder = Box<dyn Fn(&LedgerOutcome) -> Vec<AuditEvent> + Send + Sync>;

/// A new transfer to evaluate and book.
pub struct CreateTransfer {
    /// The transfer; `status`, `approval_required` and `expires_us` are set by the store from
    /// `policy`.
    pub transfer: TransferRecord,
    /// Threshold and time-to-live.
    pub policy: ApprovalPolicy,
    /// The device whose key signed it: refused ([`LedgerOutcome::DeviceNotActive`]) unless
    /// that device is active in the batch's transaction. `None`: no device (tests).
    pub signing_device: Option<String>,
    /// Audit events for the outcome.
    pub audit: AuditBuilder,
}

/// What happens to a pending transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A second person approved: the reservation is posted.
    Approve,
    /// Rejected with a reason: the reservation is released.
    Reject,
    /// Not decided in time: released.
    Expire,
}

/// A decision on a pending transfer.
pub struct DecideTransfer {
    /// The transfer.
    pub transfer_id: String,
    /// The decision.
    pub decision: Decision,
    /// The approver (never the initiator); `None` for expiry.
    pub decided_by: Option<String>,
    /// Decision time (µs).
    pub decided_us: i64,
    /// The approval must be bound to this payload digest (hex), when given.
    pub expected_payload_sha256: Option<String>,
    /// Signed approval payload.
    pub approval_payload: Option<Vec<u8>>,
    /// Its signature.
    pub approval_signature: Option<Vec<u8>>,
    /// The approver's certificate.
    pub approval_cert_serial: Option<String>,
    /// Reason (rejection).
    pub reason: Option<String>,
    /// For expiry: only if `expires_us <= now_us`.
    pub now_us: i64,
    /// The approver's device whose key signed the approval: refused
    /// ([`LedgerOutcome::DeviceNotActive`]) unless active in the batch's transaction. `None`
    /// for rejections and expiry, which are not signed.
    pub signing_device: Option<String>,
    /// Audit events for the outcome.
    pub audit: AuditBuilder,
}

/// One command of a batch.
pub enum LedgerCommand {
    /// Book a new transfer.
    Create(Box<CreateTransfer>),
    /// Decide a pending one.
    Decide(Box<DecideTransfer>),
}

impl fmt::Debug for CreateTransfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateTransfer")
            .field("transfer", &self.transfer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for DecideTransfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecideTransfer")
            .field("transfer_id", &self.transfer_id)
            .field("decision", &self.decision)
            .field("decided_by", &self.decided_by)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for LedgerCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerCommand::Create(c) => write!(f, "Create({})", c.transfer.id),
            LedgerCommand::Decide(d) => write!(f, "Decide({}, {:?})", d.transfer_id, d.decision),
        }
    }
}

/// The result of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerOutcome {
    /// A new transfer (posted or pending approval).
    Created(TransferRecord),
    /// The same id with the same payload existed: the original, nothing written.
    Replayed(TransferRecord),
    /// The same id exists with a different payload.
    IdConflict,
    /// The ledger rules refused it (nothing booked).
    Refused(TransferRejection),
    /// An account does not exist.
    UnknownAccount,
    /// A decision was applied.
    Decided(TransferRecord),
    /// No such transfer.
    NotFound,
    /// The transfer is not pending (the current record).
    NotPending(TransferRecord),
    /// The approver initiated it.
    SelfApproval,
    /// The approval is for another payload.
    DigestMismatch,
    /// Expiry asked for before the deadline.
    NotDue,
    /// The signing device was removed (nothing booked).
    DeviceNotActive,
}

/// A change of an account's status and/or overdraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChange {
    /// New status.
    pub status: Option<AccountStatus>,
    /// New overdraft limit (minor units).
    pub overdraft_minor: Option<i64>,
    /// Change time (µs).
    pub now_us: i64,
}

/// Why an account change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChangeError {
    /// Not a valid transition or limit (the domain's reason).
    Invalid(String),
    /// The new overdraft is below what the account already uses.
    OverdraftInUse,
}

/// Filters for [`LedgerStore::list_transfers`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferFilter {
    /// Transfers debiting or crediting this account.
    pub account: Option<String>,
    /// Transfers debiting or crediting any account of this owner.
    pub owner: Option<String>,
    /// With this status.
    pub status: Option<TransferStatus>,
    /// Only those needing approval.
    pub approval_required: Option<bool>,
    /// Created at or after (µs).
    pub since_us: Option<i64>,
    /// Keyset cursor: strictly after `(created_us, id)` in the order.
    pub after: Option<(i64, String)>,
    /// Oldest first (default newest first).
    pub ascending: bool,
}

/// Most rows [`LedgerStore::initiated_since`] returns.
pub const MAX_WINDOW_TRANSFERS: u32 = 1000;

/// A customer transfer in a monitoring window ([`LedgerStore::initiated_since`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowTransfer {
    /// Transfer id.
    pub id: String,
    /// When it was created (µs).
    pub created_us: i64,
    /// Currency.
    pub currency: Currency,
    /// Amount (minor units).
    pub amount_minor: i64,
}

/// What the transfer monitoring rules read about one new transfer
/// ([`LedgerStore::monitoring_facts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitoringQuery<'a> {
    /// The initiator, for [`LedgerStore::initiated_since`].
    pub initiator: &'a str,
    /// Start of the velocity window (µs).
    pub since_us: i64,
    /// Most window transfers to read.
    pub window_limit: u32,
    /// The source account, for [`LedgerStore::recent_outgoing`].
    pub account: &'a str,
    /// The transfer's currency.
    pub currency: &'a str,
    /// Only transfers created before this time (µs) make the account's usual: the new
    /// transfer itself, or all of a batch, is left out.
    pub before_us: i64,
    /// How many recent transfers make the usual.
    pub history: u32,
}

/// The answers to a [`MonitoringQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringFacts {
    /// As [`LedgerStore::initiated_since`].
    pub window: Vec<WindowTransfer>,
    /// As [`LedgerStore::recent_outgoing`]: count and sum.
    pub recent: (i64, i64),
}

impl MonitoringFacts {
    /// The answers as a backend read them: the window in any order (a compound statement's row
    /// order is not promised), put oldest first as [`LedgerStore::initiated_since`] gives it.
    pub(crate) fn new(mut window: Vec<WindowTransfer>, recent: (i64, i64)) -> Self {
        window.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Self { window, recent }
    }
}

/// One row of the volume report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeRow {
    /// UTC day (days since the epoch).
    pub day: i64,
    /// Currency.
    pub currency: Currency,
    /// Posted transfers.
    pub count: i64,
    /// Their total (minor units).
    pub total_minor: i64,
}

/// What the invariant check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerCheck {
    /// Accounts checked.
    pub accounts: i64,
    /// Transfers checked.
    pub transfers: i64,
    /// Postings checked.
    pub postings: i64,
    /// Every violation, described (empty = the books are consistent).
    pub violations: Vec<String>,
}

/// Storage of accounts, transfers and postings.
#[async_trait]
pub trait LedgerStore {
    /// Inserts an account (with its audit events, same transaction).
    async fn create_account(
        &self,
        account: &AccountRecord,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;

    /// The internal account of `kind` and `currency`, created (as `candidate`) if missing.
    async fn ensure_internal_account(
        &self,
        candidate: &AccountRecord,
    ) -> Result<AccountRecord, StoreError>;

    /// One account.
    async fn get_account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError>;

    /// Accounts of `owner` (or all customer accounts, or with `internal` the internal ones),
    /// ordered by id, after `after`, at most `limit`.
    async fn list_accounts(
        &self,
        owner: Option<&str>,
        internal: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AccountRecord>, StoreError>;

    /// Changes status and/or overdraft under the account's lock, re-checking the rules.
    async fn change_account(
        &self,
        id: &str,
        change: AccountChange,
        audit: AccountAuditBuilder,
    ) -> Result<Result<AccountRecord, AccountChangeError>, StoreError>;

    /// Executes a batch in one transaction (see the module docs); one outcome per command.
    async fn execute_ledger(
        &self,
        commands: &[LedgerCommand],
    ) -> Result<Vec<LedgerOutcome>, StoreError>;

    /// One transfer.
    async fn get_transfer(&self, id: &str) -> Result<Option<TransferRecord>, StoreError>;

    /// Transfers matching `filter`, ordered by `(created_us, id)`, at most `limit`.
    async fn list_transfers(
        &self,
        filter: &TransferFilter,
        limit: u32,
    ) -> Result<Vec<TransferRecord>, StoreError>;

    /// Ids of pending transfers whose deadline is at or before `now_us`, oldest deadline first.
    async fn due_pending_transfers(
        &self,
        now_us: i64,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// Postings of an account, newest first, with `seq < before_seq`, inside `[from_us, to_us)`.
    async fn list_postings(
        &self,
        account: &str,
        before_seq: Option<i64>,
        from_us: Option<i64>,
        to_us: Option<i64>,
        limit: u32,
    ) -> Result<Vec<PostingRecord>, StoreError>;

    /// Sum of an account's postings strictly before `before_us` (the opening balance).
    async fn posted_balance_before(&self, account: &str, before_us: i64)
    -> Result<i64, StoreError>;

    /// The customer transfers (any status) `initiator` created at or after `since_us`, oldest
    /// first (creation time, then id), at most `limit` (capped at [`MAX_WINDOW_TRANSFERS`]):
    /// what the velocity rules count.
    async fn initiated_since(
        &self,
        initiator: &str,
        since_us: i64,
        limit: u32,
    ) -> Result<Vec<WindowTransfer>, StoreError>;

    /// Count and sum (minor units) of the `limit` (at most 100) most recent posted customer
    /// transfers out of `account` in `currency` created before `before_us`: the account's
    /// usual.
    async fn recent_outgoing(
        &self,
        account: &str,
        currency: &str,
        before_us: i64,
        limit: u32,
    ) -> Result<(i64, i64), StoreError>;

    /// Both reads of the transfer monitoring rules, [`LedgerStore::initiated_since`] and
    /// [`LedgerStore::recent_outgoing`], with the same answers (backends answer both in one
    /// statement).
    async fn monitoring_facts(
        &self,
        q: &MonitoringQuery<'_>,
    ) -> Result<MonitoringFacts, StoreError> {
        Ok(MonitoringFacts {
            window: self
                .initiated_since(q.initiator, q.since_us, q.window_limit)
                .await?,
            recent: self
                .recent_outgoing(q.account, q.currency, q.before_us, q.history)
                .await?,
        })
    }

    /// Posted transfers per UTC day and currency since `since_us`.
    async fn volume_by_day(&self, since_us: i64) -> Result<Vec<VolumeRow>, StoreError>;

    /// Recomputes every balance from the postings and checks the ledger invariants.
    async fn ledger_check(&self) -> Result<LedgerCheck, StoreError>;
}

/// Checks an account row before writing it.
pub(crate) fn check_account(a: &AccountRecord) -> Result<(), StoreError> {
    if a.id.len() != 36 {
        return Err(StoreError::Invalid("account id"));
    }
    if a.owner_id.is_some() == a.kind.is_internal() {
        return Err(StoreError::Invalid(
            "internal accounts have no owner, customer accounts have one",
        ));
    }
    a.ledger()
        .map_err(|_| StoreError::Invalid("account invariants"))?;
    Ok(())
}

/// A posting row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewPosting {
    pub transfer_id: String,
    pub account_id: String,
    pub amount_minor: i64,
    pub currency: Currency,
    pub balance_after: i64,
    pub time_us: i64,
}

/// What a batch writes.
#[derive(Debug, Default)]
pub(crate) struct LedgerWrites {
    pub outcomes: Vec<LedgerOutcome>,
    pub inserts: Vec<TransferRecord>,
    pub updates: Vec<TransferRecord>,
    pub postings: Vec<NewPosting>,
    pub accounts: Vec<AccountRecord>,
    pub events: Vec<AuditEvent>,
}

/// Ids a batch needs: transfers first (to find the accounts of decisions), then accounts.
pub(crate) fn transfer_ids(commands: &[&LedgerCommand]) -> Result<Vec<String>, StoreError> {
    if commands.len() > MAX_LEDGER_BATCH {
        return Err(StoreError::Invalid("ledger batch too large"));
    }
    let ids: BTreeSet<String> = commands
        .iter()
        .map(|c| match c {
            LedgerCommand::Create(c) => c.transfer.id.clone(),
            LedgerCommand::Decide(d) => d.transfer_id.clone(),
        })
        .collect();
    Ok(ids.into_iter().collect())
}

/// The signing devices of the batch's commands, sorted and distinct: their status is read
/// inside the batch's transaction.
pub(crate) fn device_ids(commands: &[&LedgerCommand]) -> Vec<String> {
    let ids: BTreeSet<&String> = commands
        .iter()
        .filter_map(|c| match c {
            LedgerCommand::Create(c) => c.signing_device.as_ref(),
            LedgerCommand::Decide(d) => d.signing_device.as_ref(),
        })
        .collect();
    ids.into_iter().cloned().collect()
}

/// Account ids touched by the batch, sorted (the lock order).
pub(crate) fn account_ids(
    commands: &[&LedgerCommand],
    existing: &HashMap<String, TransferRecord>,
) -> Vec<String> {
    let mut ids = BTreeSet::new();
    for c in commands {
        match c {
            LedgerCommand::Create(c) => {
                ids.insert(c.transfer.from_account.clone());
                ids.insert(c.transfer.to_account.clone());
            }
            LedgerCommand::Decide(d) => {
                if let Some(t) = existing.get(&d.transfer_id) {
                    ids.insert(t.from_account.clone());
                    ids.insert(t.to_account.clone());
                }
            }
        }
    }
    ids.into_iter().collect()
}

fn same_signed_content(a: &TransferRecord, b: &TransferRecord) -> bool {
    a.payload_sha256 == b.payload_sha256
        && a.initiator_id == b.initiator_id
        && a.kind == b.kind
        && a.payload == b.payload
}

/// Applies the batch in memory: the heart of the ledger. Pure; the backends load and write.
pub(crate) fn plan_ledger(
    commands: &[&LedgerCommand],
    mut transfers: HashMap<String, TransferRecord>,
    mut accounts: HashMap<String, AccountRecord>,
    active_devices: &HashSet<String>,
) -> Result<LedgerWrites, StoreError> {
    let mut w = LedgerWrites::default();
    let mut new_ids: HashSet<String> = HashSet::new();
    let mut updated: HashSet<String> = HashSet::new();
    let mut dirty: BTreeSet<String> = BTreeSet::new();
    for command in commands {
        let device = match command {
            LedgerCommand::Create(c) => c.signing_device.as_ref(),
            LedgerCommand::Decide(d) => d.signing_device.as_ref(),
        };
        let (outcome, audit) = match command {
            _ if device.is_some_and(|d| !active_devices.contains(d)) => (
                LedgerOutcome::DeviceNotActive,
                match command {
                    LedgerCommand::Create(c) => &c.audit,
                    LedgerCommand::Decide(d) => &d.audit,
                },
            ),
            LedgerCommand::Create(c) => (
                create(c, &mut transfers, &mut accounts, &mut w, &mut dirty)?,
                &c.audit,
            ),
            LedgerCommand::Decide(d) => (
                decide(d, &mut transfers, &mut accounts, &mut w, &mut dirty)?,
                &d.audit,
            ),
        };
        match &outcome {
            LedgerOutcome::Created(t) => {
                new_ids.insert(t.id.clone());
            }
            LedgerOutcome::Decided(t) if !new_ids.contains(&t.id) => {
                updated.insert(t.id.clone());
            }
            _ => {}
        }
        if !matches!(outcome, LedgerOutcome::Replayed(_)) {
            w.events.extend(audit(&outcome));
        }
        w.outcomes.push(outcome);
    }
    for id in new_ids {
        if let Some(t) = transfers.get(&id) {
            w.inserts.push(t.clone());
        }
    }
    w.inserts.sort_by(|a, b| a.id.cmp(&b.id));
    for id in updated {
        if let Some(t) = transfers.get(&id) {
            w.updates.push(t.clone());
        }
    }
    w.updates.sort_by(|a, b| a.id.cmp(&b.id));
    for id in dirty {
        if let Some(a) = accounts.get(&id) {
            w.accounts.push(a.clone());
        }
    }
    Ok(w)
}

fn create(
    c: &CreateTransfer,
    transfers: &mut HashMap<String, TransferRecord>,
    accounts: &mut HashMap<String, AccountRecord>,
    w: &mut LedgerWrites,
    dirty: &mut BTreeSet<String>,
) -> Result<LedgerOutcome, StoreError> {
    let t = &c.transfer;
    if let Some(existing) = transfers.get(&t.id) {
        return Ok(if same_signed_content(existing, t) {
            LedgerOutcome::Replayed(existing.clone())
        } else {
            LedgerOutcome::IdConflict
        });
    }
    let amount = t.amount()?;
    let (Some(from), Some(to)) = (accounts.get(&t.from_account), accounts.get(&t.to_account))
    else {
        return Ok(LedgerOutcome::UnknownAccount);
    };
    let (from_l, to_l) = (from.ledger()?, to.ledger()?);
    let plan = match evaluate_transfer(
        &TransferRequest {
            from: &from_l,
            to: &to_l,
            amount,
            spending_limit: None,
        },
        &c.policy,
    ) {
        Ok(p) => p,
        Err(rejection) => return Ok(LedgerOutcome::Refused(rejection)),
    };
    let mut record = t.clone();
    record.status = plan.status;
    record.approval_required = plan.status == TransferStatus::PendingApproval;
    record.expires_us = record.approval_required.then(|| {
        t.created_us
            .saturating_add(c.policy.pending_ttl_seconds().saturating_mul(1_000_000))
    });
    let (from_id, to_id) = (t.from_account.clone(), t.to_account.clone());
    apply_balances(
        accounts,
        dirty,
        (&from_id, plan.from_balance),
        (&to_id, plan.to_balance),
        t.created_us,
    );
    if plan.status == TransferStatus::Posted {
        push_postings(w, &record, plan.from_balance, plan.to_balance, t.created_us);
    }
    transfers.insert(record.id.clone(), record.clone());
    Ok(LedgerOutcome::Created(record))
}

fn decide(
    d: &DecideTransfer,
    transfers: &mut HashMap<String, TransferRecord>,
    accounts: &mut HashMap<String, AccountRecord>,
    w: &mut LedgerWrites,
    dirty: &mut BTreeSet<String>,
) -> Result<LedgerOutcome, StoreError> {
    let Some(t) = transfers.get(&d.transfer_id).cloned() else {
        return Ok(LedgerOutcome::NotFound);
    };
    if t.status != TransferStatus::PendingApproval {
        return Ok(LedgerOutcome::NotPending(t));
    }
    if let Some(digest) = &d.expected_payload_sha256
        && *digest != t.payload_sha256
    {
        return Ok(LedgerOutcome::DigestMismatch);
    }
    if d.decision != Decision::Expire && d.decided_by.as_deref() == Some(t.initiator_id.as_str()) {
        return Ok(LedgerOutcome::SelfApproval);
    }
    if d.decision == Decision::Expire && t.expires_us.is_none_or(|e| e > d.now_us) {
        return Ok(LedgerOutcome::NotDue);
    }
    let amount = t.amount()?;
    let (Some(from), Some(to)) = (accounts.get(&t.from_account), accounts.get(&t.to_account))
    else {
        return Ok(LedgerOutcome::UnknownAccount);
    };
    let (from_l, to_l) = (from.ledger()?, to.ledger()?);
    let (status, pair) = match d.decision {
        Decision::Approve => match plan_settlement(&from_l, &to_l, amount) {
            Ok(p) => (TransferStatus::Posted, p),
            Err(rejection) => return Ok(LedgerOutcome::Refused(rejection)),
        },
        Decision::Reject | Decision::Expire => match plan_release(&from_l, &to_l, amount) {
            Ok(p) => (
                if d.decision == Decision::Reject {
                    TransferStatus::Rejected
                } else {
                    TransferStatus::Expired
                },
                p,
            ),
            Err(rejection) => return Ok(LedgerOutcome::Refused(rejection)),
        },
    };
    let mut record = t;
    record.status = status;
    record.decided_us = Some(d.decided_us);
    record.decided_by = d.decided_by.clone();
    record.approval_payload = d.approval_payload.clone();
    record.approval_signature = d.approval_signature.clone();
    record.approval_cert_serial = d.approval_cert_serial.clone();
    record.reason = d.reason.clone();
    let (from_id, to_id) = (record.from_account.clone(), record.to_account.clone());
    apply_balances(
        accounts,
        dirty,
        (&from_id, pair.from_balance),
        (&to_id, pair.to_balance),
        d.decided_us,
    );
    if status == TransferStatus::Posted {
        push_postings(w, &record, pair.from_balance, pair.to_balance, d.decided_us);
    }
    transfers.insert(record.id.clone(), record.clone());
    Ok(LedgerOutcome::Decided(record))
}

fn apply_balances(
    accounts: &mut HashMap<String, AccountRecord>,
    dirty: &mut BTreeSet<String>,
    from: (&str, Balance),
    to: (&str, Balance),
    now_us: i64,
) {
    for (id, balance) in [from, to] {
        if let Some(a) = accounts.get_mut(id) {
            a.with_balance(balance);
            a.updated_us = a.updated_us.max(now_us);
            if dirty.insert(id.to_owned()) {
                a.version = a.version.saturating_add(1);
            }
        }
    }
}

fn push_postings(
    w: &mut LedgerWrites,
    t: &TransferRecord,
    from_balance: Balance,
    to_balance: Balance,
    time_us: i64,
) {
    w.postings.push(NewPosting {
        transfer_id: t.id.clone(),
        account_id: t.from_account.clone(),
        amount_minor: -t.amount_minor,
        currency: t.currency,
        balance_after: from_balance.posted().minor_units(),
        time_us,
    });
    w.postings.push(NewPosting {
        transfer_id: t.id.clone(),
        account_id: t.to_account.clone(),
        amount_minor: t.amount_minor,
        currency: t.currency,
        balance_after: to_balance.posted().minor_units(),
        time_us,
    });
}

/// Applies an [`AccountChange`] to a locked account row.
pub(crate) fn apply_account_change(
    current: &AccountRecord,
    change: AccountChange,
) -> Result<Result<AccountRecord, AccountChangeError>, StoreError> {
    let mut ledger = current.ledger()?;
    if let Some(status) = change.status {
        ledger = match ledger.with_status(status) {
            Ok(l) => l,
            Err(e) => return Ok(Err(AccountChangeError::Invalid(e.to_string()))),
        };
    }
    let mut next = current.clone();
    if let Some(limit) = change.overdraft_minor {
        let overdraft = match OverdraftLimit::new(Money::from_minor(limit, current.currency)) {
            Ok(o) => o,
            Err(e) => return Ok(Err(AccountChangeError::Invalid(e.to_string()))),
        };
        if let Err(e) = ledger.with_overdraft(overdraft) {
            return Ok(Err(AccountChangeError::Invalid(e.to_string())));
        }
        // Never lower a limit below what the account already uses.
        if current.posted.saturating_sub(current.pending_debits) < -limit {
            return Ok(Err(AccountChangeError::OverdraftInUse));
        }
        next.overdraft_minor = limit;
    }
    next.status = ledger.status();
    next.updated_us = change.now_us;
    next.version = current.version.saturating_add(1);
    Ok(Ok(next))
}

/// Clamps a ledger page size.
pub(crate) fn page(limit: u32) -> i64 {
    i64::from(limit.clamp(1, MAX_LEDGER_PAGE))
}

/// The invariant checks, as queries returning one text row per violation (same SQL on both
/// databases). Each is bounded so a badly broken ledger still gives a readable report.
pub(crate) const LEDGER_CHECKS: &[(&str, &str)] = &[
    (
        "postings do not sum to zero",
        "SELECT currency || ' postings sum to ' || CAST(SUM(amount_minor) AS TEXT) \
         FROM postings GROUP BY currency HAVING SUM(amount_minor) <> 0 LIMIT 100",
    ),
    (
        "posted balance differs from its postings",
        "SELECT a.id || ': posted ' || CAST(a.posted AS TEXT) || ', postings ' || \
         CAST(COALESCE(s.total, 0) AS TEXT) FROM accounts a LEFT JOIN \
         (SELECT account_id, SUM(amount_minor) AS total FROM postings GROUP BY account_id) s \
         ON s.account_id = a.id WHERE a.posted <> COALESCE(s.total, 0) LIMIT 100",
    ),
    (
        "pending debits differ from pending transfers",
        "SELECT a.id || ': pending debits ' || CAST(a.pending_debits AS TEXT) || ', pending ' || \
         CAST(COALESCE(s.total, 0) AS TEXT) FROM accounts a LEFT JOIN \
         (SELECT from_account AS id, SUM(amount_minor) AS total FROM transfers \
          WHERE status = 'pending_approval' GROUP BY from_account) s ON s.id = a.id \
         WHERE a.pending_debits <> COALESCE(s.total, 0) LIMIT 100",
    ),
    (
        "pending credits differ from pending transfers",
        "SELECT a.id || ': pending credits ' || CAST(a.pending_credits AS TEXT) || ', pending ' || \
         CAST(COALESCE(s.total, 0) AS TEXT) FROM accounts a LEFT JOIN \
         (SELECT to_account AS id, SUM(amount_minor) AS total FROM transfers \
          WHERE status = 'pending_approval' GROUP BY to_account) s ON s.id = a.id \
         WHERE a.pending_credits <> COALESCE(s.total, 0) LIMIT 100",
    ),
    (
        "available balance below its limit",
        "SELECT id || ': available ' || CAST(posted - pending_debits + overdraft_minor AS TEXT) \
         FROM accounts WHERE kind IN ('current', 'savings') \
         AND posted - pending_debits + overdraft_minor < 0 LIMIT 100",
    ),
    (
        "transfer applied a wrong number of times",
        // A count per transfer from the postings' (transfer_id, account_id) index, streamed:
        // a GROUP BY over the transfers would build a temporary table of every transfer (in
        // memory on SQLite, whose temporary storage is in memory).
        "SELECT id || ' (' || status || ') has ' || CAST(n AS TEXT) || ' postings' FROM \
         (SELECT t.id, t.status, \
         (SELECT COUNT(*) FROM postings p WHERE p.transfer_id = t.id) AS n FROM transfers t) c \
         WHERE n <> CASE status WHEN 'posted' THEN 2 ELSE 0 END LIMIT 100",
    ),
    (
        "posting does not match its transfer",
        "SELECT p.transfer_id || ' leg on ' || p.account_id FROM postings p \
         JOIN transfers t ON t.id = p.transfer_id JOIN accounts a ON a.id = p.account_id \
         WHERE NOT ((p.account_id = t.from_account AND p.amount_minor = -t.amount_minor) \
         OR (p.account_id = t.to_account AND p.amount_minor = t.amount_minor)) \
         OR p.currency <> t.currency OR a.currency <> t.currency LIMIT 100",
    ),
    (
        "posting refers to a missing transfer or account",
        "SELECT p.transfer_id || ' leg on ' || p.account_id FROM postings p \
         LEFT JOIN transfers t ON t.id = p.transfer_id \
         LEFT JOIN accounts a ON a.id = p.account_id \
         WHERE t.id IS NULL OR a.id IS NULL LIMIT 100",
    ),
    (
        "transfer refers to a missing account or user",
        "SELECT t.id FROM transfers t \
         LEFT JOIN accounts f ON f.id = t.from_account \
         LEFT JOIN accounts d ON d.id = t.to_account \
         LEFT JOIN users u ON u.id = t.initiator_id \
         LEFT JOIN users m ON m.id = t.decided_by \
         WHERE f.id IS NULL OR d.id IS NULL OR u.id IS NULL \
         OR (t.decided_by IS NOT NULL AND m.id IS NULL) LIMIT 100",
    ),
    (
        "closed account holds money",
        "SELECT id FROM accounts WHERE status = 'closed' \
         AND (posted <> 0 OR pending_debits <> 0 OR pending_credits <> 0) LIMIT 100",
    ),
];
