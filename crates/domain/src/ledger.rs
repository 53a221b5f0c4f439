//! Pure ledger rules: balances, accounts as the ledger sees them, and the accept/reject decision
//! for a transfer.
//!
//! Sign convention: every balance is `credits - debits`. A transfer debits `from` and credits
//! `to`. Transfers that need approval are two-phase, as in TigerBeetle: first the amount is
//! *reserved* (pending debit on `from`, pending credit on `to`); approval *settles* the
//! reservation into posted amounts, rejection/expiry/voiding *releases* it. Available funds count
//! pending debits but never pending credits, so a reservation really holds the money.
//!
//! Every function here returns new values and never mutates: the store applies the result
//! atomically (and re-checks under its lock).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::account::{AccountError, AccountKind, AccountStatus, OverdraftLimit};
use crate::currency::Currency;
use crate::id::AccountId;
use crate::money::{Money, MoneyError, TransferAmount};
use crate::transfer::{ApprovalPolicy, TransferStatus};

/// Arithmetic failures on a [`Balance`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BalanceError {
    /// A total would leave the `i64` range.
    #[error("balance out of range")]
    Overflow,
    /// The amount's currency differs from the balance's.
    #[error("currency mismatch: balance in {balance}, amount in {amount}")]
    CurrencyMismatch {
        /// Balance currency.
        balance: Currency,
        /// Amount currency.
        amount: Currency,
    },
    /// Settling or releasing more than is reserved.
    #[error("pending total smaller than the amount to settle or release")]
    PendingUnderflow,
    /// A pending total given to [`Balance::new`] is negative.
    #[error("pending totals must not be negative")]
    NegativePending,
}

/// An account balance in minor units: posted (`credits - debits`), and the totals reserved by
/// pending transfers (both `>= 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "BalanceWire", into = "BalanceWire")]
pub struct Balance {
    currency: Currency,
    posted: i64,
    pending_debits: i64,
    pending_credits: i64,
}

impl Balance {
    /// Checks that the pending totals are not negative.
    pub fn new(
        currency: Currency,
        posted: i64,
        pending_debits: i64,
        pending_credits: i64,
    ) -> Result<Balance, BalanceError> {
        if pending_debits < 0 || pending_credits < 0 {
            return Err(BalanceError::NegativePending);
        }
        Ok(Balance {
            currency,
            posted,
            pending_debits,
            pending_credits,
        })
    }

    /// A new account's balance.
    pub const fn zero(currency: Currency) -> Balance {
        Balance {
            currency,
            posted: 0,
            pending_debits: 0,
            pending_credits: 0,
        }
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Posted balance.
    pub const fn posted(&self) -> Money {
        Money::from_minor(self.posted, self.currency)
    }

    /// Total reserved for outgoing pending transfers.
    pub const fn pending_debits(&self) -> Money {
        Money::from_minor(self.pending_debits, self.currency)
    }

    /// Total reserved for incoming pending transfers.
    pub const fn pending_credits(&self) -> Money {
        Money::from_minor(self.pending_credits, self.currency)
    }

    /// What can still be debited: `posted - pending_debits + overdraft limit`. May be negative if
    /// the limit was lowered below current use.
    pub fn available(&self, limit: OverdraftLimit) -> Result<Money, MoneyError> {
        self.posted()
            .checked_sub(self.pending_debits())?
            .checked_add(limit.money())
    }

    /// True when posted and both pending totals are zero (the condition for closing).
    pub const fn is_settled(&self) -> bool {
        self.posted == 0 && self.pending_debits == 0 && self.pending_credits == 0
    }

    fn minor_of(&self, amount: TransferAmount) -> Result<i64, BalanceError> {
        if amount.currency() == self.currency {
            Ok(amount.minor_units())
        } else {
            Err(BalanceError::CurrencyMismatch {
                balance: self.currency,
                amount: amount.currency(),
            })
        }
    }

    /// Posts a debit immediately.
    pub fn post_debit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let posted = sub(self.posted, self.minor_of(amount)?)?;
        Ok(Balance { posted, ..self })
    }

    /// Posts a credit immediately.
    pub fn post_credit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let posted = add(self.posted, self.minor_of(amount)?)?;
        Ok(Balance { posted, ..self })
    }

    /// Reserves an outgoing amount (phase one of a pending transfer).
    pub fn reserve_debit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let pending_debits = add(self.pending_debits, self.minor_of(amount)?)?;
        Ok(Balance {
            pending_debits,
            ..self
        })
    }

    /// Reserves an incoming amount.
    pub fn reserve_credit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let pending_credits = add(self.pending_credits, self.minor_of(amount)?)?;
        Ok(Balance {
            pending_credits,
            ..self
        })
    }

    /// Turns a reserved debit into a posted one.
    pub fn settle_debit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let released = self.release_debit(amount)?;
        released.post_debit(amount)
    }

    /// Turns a reserved credit into a posted one.
    pub fn settle_credit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let released = self.release_credit(amount)?;
        released.post_credit(amount)
    }

    /// Drops a reserved debit.
    pub fn release_debit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let pending_debits = release(self.pending_debits, self.minor_of(amount)?)?;
        Ok(Balance {
            pending_debits,
            ..self
        })
    }

    /// Drops a reserved credit.
    pub fn release_credit(self, amount: TransferAmount) -> Result<Balance, BalanceError> {
        let pending_credits = release(self.pending_credits, self.minor_of(amount)?)?;
        Ok(Balance {
            pending_credits,
            ..self
        })
    }
}

fn add(a: i64, b: i64) -> Result<i64, BalanceError> {
    a.checked_add(b).ok_or(BalanceError::Overflow)
}

fn sub(a: i64, b: i64) -> Result<i64, BalanceError> {
    a.checked_sub(b).ok_or(BalanceError::Overflow)
}

fn release(pending: i64, amount: i64) -> Result<i64, BalanceError> {
    if amount > pending {
        Err(BalanceError::PendingUnderflow)
    } else {
        sub(pending, amount)
    }
}

/// Wire form: minor units as strings (exact in JavaScript too).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceWire {
    currency: Currency,
    posted: String,
    pending_debits: String,
    pending_credits: String,
}

impl TryFrom<BalanceWire> for Balance {
    type Error = String;
    fn try_from(w: BalanceWire) -> Result<Self, String> {
        let int = |s: &str| -> Result<i64, String> {
            let canonical = s.parse::<i64>().ok().filter(|v| v.to_string() == s);
            canonical.ok_or_else(|| "balance fields must be canonical integers".to_owned())
        };
        Balance::new(
            w.currency,
            int(&w.posted)?,
            int(&w.pending_debits)?,
            int(&w.pending_credits)?,
        )
        .map_err(|e| e.to_string())
    }
}

impl From<Balance> for BalanceWire {
    fn from(b: Balance) -> Self {
        BalanceWire {
            currency: b.currency,
            posted: b.posted.to_string(),
            pending_debits: b.pending_debits.to_string(),
            pending_credits: b.pending_credits.to_string(),
        }
    }
}

/// An account as the ledger rules see it.
///
/// Invariants: the overdraft limit is in the balance's currency; only current accounts have a
/// non-zero limit; a closed account is settled (zero posted, nothing pending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerAccount {
    id: AccountId,
    kind: AccountKind,
    status: AccountStatus,
    overdraft: OverdraftLimit,
    balance: Balance,
}

impl LedgerAccount {
    /// Checks the invariants (use it when loading from storage too: it detects corrupt rows).
    pub fn new(
        id: AccountId,
        kind: AccountKind,
        status: AccountStatus,
        overdraft: OverdraftLimit,
        balance: Balance,
    ) -> Result<LedgerAccount, AccountError> {
        if overdraft.currency() != balance.currency() {
            return Err(AccountError::CurrencyMismatch {
                expected: balance.currency(),
                found: overdraft.currency(),
            });
        }
        if !overdraft.money().is_zero() && !kind.allows_overdraft() {
            return Err(AccountError::OverdraftNotAllowed);
        }
        if status == AccountStatus::Closed && !balance.is_settled() {
            return Err(AccountError::ClosedWithBalance);
        }
        Ok(LedgerAccount {
            id,
            kind,
            status,
            overdraft,
            balance,
        })
    }

    /// A new, open account with a zero balance and no overdraft.
    pub const fn open(id: AccountId, kind: AccountKind, currency: Currency) -> LedgerAccount {
        LedgerAccount {
            id,
            kind,
            status: AccountStatus::Open,
            overdraft: OverdraftLimit::zero(currency),
            balance: Balance::zero(currency),
        }
    }

    /// Id.
    pub const fn id(&self) -> AccountId {
        self.id
    }

    /// Kind.
    pub const fn kind(&self) -> AccountKind {
        self.kind
    }

    /// Status.
    pub const fn status(&self) -> AccountStatus {
        self.status
    }

    /// Overdraft limit.
    pub const fn overdraft(&self) -> OverdraftLimit {
        self.overdraft
    }

    /// Balance.
    pub const fn balance(&self) -> Balance {
        self.balance
    }

    /// Currency.
    pub const fn currency(&self) -> Currency {
        self.balance.currency()
    }

    /// Funds available for debits; `None` for internal accounts, which are unbounded.
    pub fn available(&self) -> Result<Option<Money>, MoneyError> {
        if self.kind.is_internal() {
            Ok(None)
        } else {
            self.balance.available(self.overdraft).map(Some)
        }
    }

    /// The account with a new status, if the transition is allowed; closing requires a settled
    /// balance.
    pub fn with_status(&self, to: AccountStatus) -> Result<LedgerAccount, AccountError> {
        let status = self.status.transition(to)?;
        if status == AccountStatus::Closed && !self.balance.is_settled() {
            return Err(AccountError::NotSettled);
        }
        Ok(LedgerAccount {
            status,
            ..self.clone()
        })
    }

    /// The account with a new overdraft limit (same invariants as [`LedgerAccount::new`]).
    pub fn with_overdraft(&self, overdraft: OverdraftLimit) -> Result<LedgerAccount, AccountError> {
        LedgerAccount::new(self.id, self.kind, self.status, overdraft, self.balance)
    }

    /// The account with a new balance (e.g. from a [`TransferPlan`]).
    pub fn with_balance(&self, balance: Balance) -> Result<LedgerAccount, AccountError> {
        LedgerAccount::new(self.id, self.kind, self.status, self.overdraft, balance)
    }
}

/// A running spending limit for the debited account or user (e.g. per day): `used` is what was
/// already debited in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendingLimit {
    limit: Money,
    used: Money,
}

impl SpendingLimit {
    /// Both amounts non-negative and in the same currency.
    pub fn new(limit: Money, used: Money) -> Result<SpendingLimit, MoneyError> {
        limit.checked_cmp(used)?;
        if limit.is_negative() || used.is_negative() {
            return Err(MoneyError::Negative);
        }
        Ok(SpendingLimit { limit, used })
    }

    /// The limit.
    pub const fn limit(&self) -> Money {
        self.limit
    }

    /// Already used in the window.
    pub const fn used(&self) -> Money {
        self.used
    }
}

/// Why a transfer is refused. `code()` gives a stable machine-readable name.
///
/// Checks run in a fixed order and the first failure is reported: same account, currency,
/// closed (source, then destination), frozen (source, then destination), spending limit, funds,
/// range.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransferRejection {
    /// Source and destination are the same account.
    #[error("source and destination are the same account")]
    SameAccount,
    /// The amount's currency differs from an account's (or the spending limit's).
    #[error("account {account} is in {account_currency}, the amount is in {amount_currency}")]
    CurrencyMismatch {
        /// The account whose currency differs.
        account: AccountId,
        /// Its currency.
        account_currency: Currency,
        /// The transfer currency.
        amount_currency: Currency,
    },
    /// The source account is closed.
    #[error("the source account is closed")]
    SourceClosed,
    /// The destination account is closed.
    #[error("the destination account is closed")]
    DestinationClosed,
    /// The source account is frozen.
    #[error("the source account is frozen")]
    SourceFrozen,
    /// The destination account is frozen.
    #[error("the destination account is frozen")]
    DestinationFrozen,
    /// The spending limit would be exceeded.
    #[error("spending limit exceeded: limit {limit}, already used {used}, requested {requested}")]
    LimitExceeded {
        /// The limit.
        limit: Money,
        /// Already used.
        used: Money,
        /// This transfer.
        requested: Money,
    },
    /// Not enough available funds (including the overdraft).
    #[error("insufficient funds: available {available}, requested {requested}")]
    InsufficientFunds {
        /// Available funds.
        available: Money,
        /// This transfer.
        requested: Money,
    },
    /// A balance or total would leave the representable range.
    #[error("amount out of range for the account balances")]
    BalanceOverflow,
    /// Settling or releasing a reservation that the balances do not hold (ledger inconsistency).
    #[error("the pending totals do not cover this transfer")]
    PendingMismatch,
}

impl TransferRejection {
    /// Stable snake_case code for APIs and audit records.
    pub const fn code(&self) -> &'static str {
        match self {
            TransferRejection::SameAccount => "same_account",
            TransferRejection::CurrencyMismatch { .. } => "currency_mismatch",
            TransferRejection::SourceClosed => "source_closed",
            TransferRejection::DestinationClosed => "destination_closed",
            TransferRejection::SourceFrozen => "source_frozen",
            TransferRejection::DestinationFrozen => "destination_frozen",
            TransferRejection::LimitExceeded { .. } => "limit_exceeded",
            TransferRejection::InsufficientFunds { .. } => "insufficient_funds",
            TransferRejection::BalanceOverflow => "balance_overflow",
            TransferRejection::PendingMismatch => "pending_mismatch",
        }
    }
}

impl From<BalanceError> for TransferRejection {
    fn from(e: BalanceError) -> Self {
        match e {
            BalanceError::PendingUnderflow | BalanceError::NegativePending => {
                TransferRejection::PendingMismatch
            }
            // Currencies are checked before any balance arithmetic; keep a total mapping anyway.
            BalanceError::Overflow | BalanceError::CurrencyMismatch { .. } => {
                TransferRejection::BalanceOverflow
            }
        }
    }
}

/// A transfer to evaluate.
#[derive(Debug, Clone, Copy)]
pub struct TransferRequest<'a> {
    /// Account to debit.
    pub from: &'a LedgerAccount,
    /// Account to credit.
    pub to: &'a LedgerAccount,
    /// Amount.
    pub amount: TransferAmount,
    /// Optional spending limit applying to this debit.
    pub spending_limit: Option<SpendingLimit>,
}

/// The accepted outcome of [`evaluate_transfer`]: the initial status and both new balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferPlan {
    /// [`TransferStatus::Posted`] (balances posted) or [`TransferStatus::PendingApproval`]
    /// (amount reserved).
    pub status: TransferStatus,
    /// New balance of the source account.
    pub from_balance: Balance,
    /// New balance of the destination account.
    pub to_balance: Balance,
}

/// New balances of both accounts after settling or releasing a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePair {
    /// New balance of the source account.
    pub from_balance: Balance,
    /// New balance of the destination account.
    pub to_balance: Balance,
}

fn check_pair(
    from: &LedgerAccount,
    to: &LedgerAccount,
    amount: TransferAmount,
) -> Result<(), TransferRejection> {
    if from.id() == to.id() {
        return Err(TransferRejection::SameAccount);
    }
    for account in [from, to] {
        if account.currency() != amount.currency() {
            return Err(TransferRejection::CurrencyMismatch {
                account: account.id(),
                account_currency: account.currency(),
                amount_currency: amount.currency(),
            });
        }
    }
    Ok(())
}

fn check_statuses(from: &LedgerAccount, to: &LedgerAccount) -> Result<(), TransferRejection> {
    use AccountStatus::{Closed, Frozen};
    match (from.status(), to.status()) {
        (Closed, _) => Err(TransferRejection::SourceClosed),
        (_, Closed) => Err(TransferRejection::DestinationClosed),
        (Frozen, _) => Err(TransferRejection::SourceFrozen),
        (_, Frozen) => Err(TransferRejection::DestinationFrozen),
        _ => Ok(()),
    }
}

/// Decides whether a new transfer is accepted and, if so, whether it posts immediately or waits
/// for approval (per `policy`), and computes both new balances.
pub fn evaluate_transfer(
    request: &TransferRequest<'_>,
    policy: &ApprovalPolicy,
) -> Result<TransferPlan, TransferRejection> {
    let TransferRequest {
        from,
        to,
        amount,
        spending_limit,
    } = *request;
    check_pair(from, to, amount)?;
    check_statuses(from, to)?;
    let requested = amount.money();
    if let Some(limit) = spending_limit {
        if limit.limit.currency() != amount.currency() {
            return Err(TransferRejection::CurrencyMismatch {
                account: from.id(),
                account_currency: limit.limit.currency(),
                amount_currency: amount.currency(),
            });
        }
        let total = limit
            .used
            .checked_add(requested)
            .map_err(|_| TransferRejection::BalanceOverflow)?;
        if total.minor_units() > limit.limit.minor_units() {
            return Err(TransferRejection::LimitExceeded {
                limit: limit.limit,
                used: limit.used,
                requested,
            });
        }
    }
    let available = from
        .available()
        .map_err(|_| TransferRejection::BalanceOverflow)?;
    if let Some(available) = available
        && requested.minor_units() > available.minor_units()
    {
        return Err(TransferRejection::InsufficientFunds {
            available,
            requested,
        });
    }
    let status = TransferStatus::initial(policy.requires_approval(amount));
    let (from_balance, to_balance) = match status {
        TransferStatus::PendingApproval => (
            from.balance().reserve_debit(amount)?,
            to.balance().reserve_credit(amount)?,
        ),
        _ => (
            from.balance().post_debit(amount)?,
            to.balance().post_credit(amount)?,
        ),
    };
    Ok(TransferPlan {
        status,
        from_balance,
        to_balance,
    })
}

/// Settles an approved pending transfer: the reservation becomes posted. Refused while either
/// account is frozen or closed (the transfer then stays pending until it expires or is voided).
/// Funds are not re-checked: they were reserved.
pub fn plan_settlement(
    from: &LedgerAccount,
    to: &LedgerAccount,
    amount: TransferAmount,
) -> Result<BalancePair, TransferRejection> {
    check_pair(from, to, amount)?;
    check_statuses(from, to)?;
    Ok(BalancePair {
        from_balance: from.balance().settle_debit(amount)?,
        to_balance: to.balance().settle_credit(amount)?,
    })
}

/// Releases the reservation of a rejected, expired or voided pending transfer. Always allowed
/// whatever the account statuses (it only gives reserved money back).
pub fn plan_release(
    from: &LedgerAccount,
    to: &LedgerAccount,
    amount: TransferAmount,
) -> Result<BalancePair, TransferRejection> {
    check_pair(from, to, amount)?;
    Ok(BalancePair {
        from_balance: from.balance().release_debit(amount)?,
        to_balance: to.balance().release_credit(amount)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::ApprovalThreshold;
    use proptest::prelude::*;

    const EUR: Currency = Currency::EUR;

    fn id(n: u8) -> AccountId {
        AccountId::new_v7(1_700_000_000_000, [n; 10])
    }

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, EUR)
    }

    fn amount(minor: i64) -> TransferAmount {
        TransferAmount::from_minor(minor, EUR).unwrap()
    }

    fn account(n: u8, kind: AccountKind, posted: i64, overdraft: i64) -> LedgerAccount {
        LedgerAccount::new(
            id(n),
            kind,
            AccountStatus::Open,
            OverdraftLimit::new(eur(overdraft)).unwrap(),
            Balance::new(EUR, posted, 0, 0).unwrap(),
        )
        .unwrap()
    }

    fn request<'a>(
        from: &'a LedgerAccount,
        to: &'a LedgerAccount,
        minor: i64,
    ) -> TransferRequest<'a> {
        TransferRequest {
            from,
            to,
            amount: amount(minor),
            spending_limit: None,
        }
    }

    #[test]
    fn balance_ops() {
        let b = Balance::new(EUR, 1_000, 200, 50).unwrap();
        assert_eq!(b.available(OverdraftLimit::zero(EUR)).unwrap(), eur(800));
        assert_eq!(
            b.available(OverdraftLimit::new(eur(500)).unwrap()).unwrap(),
            eur(1_300)
        );
        assert_eq!(b.post_debit(amount(100)).unwrap().posted(), eur(900));
        assert_eq!(b.post_credit(amount(100)).unwrap().posted(), eur(1_100));
        assert_eq!(
            b.reserve_debit(amount(100)).unwrap().pending_debits(),
            eur(300)
        );
        assert_eq!(
            b.reserve_credit(amount(100)).unwrap().pending_credits(),
            eur(150)
        );
        let s = b.settle_debit(amount(200)).unwrap();
        assert_eq!((s.posted(), s.pending_debits()), (eur(800), eur(0)));
        let s = b.settle_credit(amount(50)).unwrap();
        assert_eq!((s.posted(), s.pending_credits()), (eur(1_050), eur(0)));
        assert_eq!(
            b.release_debit(amount(200)).unwrap().pending_debits(),
            eur(0)
        );
        assert_eq!(
            b.release_debit(amount(201)),
            Err(BalanceError::PendingUnderflow)
        );
        assert_eq!(
            b.settle_credit(amount(51)),
            Err(BalanceError::PendingUnderflow)
        );
        assert_eq!(
            b.post_debit(TransferAmount::from_minor(1, Currency::USD).unwrap()),
            Err(BalanceError::CurrencyMismatch {
                balance: EUR,
                amount: Currency::USD
            })
        );
        assert_eq!(
            Balance::new(EUR, 0, -1, 0),
            Err(BalanceError::NegativePending)
        );
        assert_eq!(
            Balance::new(EUR, 0, 0, -1),
            Err(BalanceError::NegativePending)
        );
        let edge = Balance::new(EUR, i64::MIN + 1, 0, 0).unwrap();
        assert_eq!(edge.post_debit(amount(2)), Err(BalanceError::Overflow));
        assert!(Balance::zero(EUR).is_settled() && !b.is_settled());
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(
            json,
            r#"{"currency":"EUR","posted":"1000","pending_debits":"200","pending_credits":"50"}"#
        );
        assert_eq!(serde_json::from_str::<Balance>(&json).unwrap(), b);
        assert!(
            serde_json::from_str::<Balance>(
                r#"{"currency":"EUR","posted":"01","pending_debits":"0","pending_credits":"0"}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<Balance>(
                r#"{"currency":"EUR","posted":"1","pending_debits":"-1","pending_credits":"0"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn account_invariants() {
        let b = Balance::zero(EUR);
        let open = AccountStatus::Open;
        assert_eq!(
            LedgerAccount::new(
                id(1),
                AccountKind::Savings,
                open,
                OverdraftLimit::new(eur(1)).unwrap(),
                b
            ),
            Err(AccountError::OverdraftNotAllowed)
        );
        assert_eq!(
            LedgerAccount::new(
                id(1),
                AccountKind::Current,
                open,
                OverdraftLimit::zero(Currency::USD),
                b
            ),
            Err(AccountError::CurrencyMismatch {
                expected: EUR,
                found: Currency::USD
            })
        );
        assert_eq!(
            LedgerAccount::new(
                id(1),
                AccountKind::Current,
                AccountStatus::Closed,
                OverdraftLimit::zero(EUR),
                Balance::new(EUR, 0, 1, 0).unwrap()
            ),
            Err(AccountError::ClosedWithBalance)
        );
        let acc = account(1, AccountKind::Current, 10, 0);
        assert_eq!(
            acc.with_status(AccountStatus::Closed),
            Err(AccountError::NotSettled)
        );
        let frozen = acc.with_status(AccountStatus::Frozen).unwrap();
        assert_eq!(
            frozen.with_status(AccountStatus::Closed),
            Err(AccountError::InvalidTransition {
                from: AccountStatus::Frozen,
                to: AccountStatus::Closed
            })
        );
        let empty = LedgerAccount::open(id(2), AccountKind::Savings, EUR);
        let closed = empty.with_status(AccountStatus::Closed).unwrap();
        assert_eq!(closed.status(), AccountStatus::Closed);
        assert!(closed.with_status(AccountStatus::Open).is_err());
        assert_eq!(
            acc.with_overdraft(OverdraftLimit::new(eur(500)).unwrap())
                .unwrap()
                .available()
                .unwrap(),
            Some(eur(510))
        );
        assert_eq!(
            account(3, AccountKind::Cash, -1_000, 0)
                .available()
                .unwrap(),
            None
        );
    }

    #[test]
    fn accepts_and_posts() {
        let from = account(1, AccountKind::Current, 10_000, 0);
        let to = account(2, AccountKind::Savings, 0, 0);
        let plan =
            evaluate_transfer(&request(&from, &to, 10_000), &ApprovalPolicy::default()).unwrap();
        assert_eq!(plan.status, TransferStatus::Posted);
        assert_eq!(plan.from_balance.posted(), eur(0));
        assert_eq!(plan.to_balance.posted(), eur(10_000));
    }

    #[test]
    fn overdraft_and_internal_accounts() {
        let from = account(1, AccountKind::Current, 100, 900);
        let to = account(2, AccountKind::Current, 0, 0);
        let policy = ApprovalPolicy::default();
        let plan = evaluate_transfer(&request(&from, &to, 1_000), &policy).unwrap();
        assert_eq!(plan.from_balance.posted(), eur(-900));
        assert_eq!(
            evaluate_transfer(&request(&from, &to, 1_001), &policy),
            Err(TransferRejection::InsufficientFunds {
                available: eur(1_000),
                requested: eur(1_001)
            })
        );
        // A cash desk is unbounded: deposits drive it negative.
        let cash = account(3, AccountKind::Cash, -50_000, 0);
        let plan = evaluate_transfer(&request(&cash, &to, 70_000), &policy).unwrap();
        assert_eq!(plan.from_balance.posted(), eur(-120_000));
    }

    #[test]
    fn pending_reservations_hold_funds() {
        let from = account(1, AccountKind::Current, 2_000_000, 0);
        let to = account(2, AccountKind::Current, 0, 0);
        let policy = ApprovalPolicy::default(); // 10,000.00 EUR threshold
        let plan = evaluate_transfer(&request(&from, &to, 1_500_000), &policy).unwrap();
        assert_eq!(plan.status, TransferStatus::PendingApproval);
        assert_eq!(plan.from_balance.posted(), eur(2_000_000));
        assert_eq!(plan.from_balance.pending_debits(), eur(1_500_000));
        assert_eq!(plan.to_balance.pending_credits(), eur(1_500_000));
        assert_eq!(plan.to_balance.posted(), eur(0));

        let from = from.with_balance(plan.from_balance).unwrap();
        let to = to.with_balance(plan.to_balance).unwrap();
        // Reserved money is no longer available.
        assert_eq!(
            evaluate_transfer(&request(&from, &to, 500_001), &policy),
            Err(TransferRejection::InsufficientFunds {
                available: eur(500_000),
                requested: eur(500_001)
            })
        );
        // Settle.
        let settled = plan_settlement(&from, &to, amount(1_500_000)).unwrap();
        assert_eq!(
            settled.from_balance,
            Balance::new(EUR, 500_000, 0, 0).unwrap()
        );
        assert_eq!(
            settled.to_balance,
            Balance::new(EUR, 1_500_000, 0, 0).unwrap()
        );
        // Or release.
        let released = plan_release(&from, &to, amount(1_500_000)).unwrap();
        assert_eq!(
            released.from_balance,
            Balance::new(EUR, 2_000_000, 0, 0).unwrap()
        );
        assert_eq!(released.to_balance, Balance::zero(EUR));
        // More than reserved is an inconsistency.
        assert_eq!(
            plan_settlement(&from, &to, amount(1_500_001)),
            Err(TransferRejection::PendingMismatch)
        );
        assert_eq!(
            plan_release(&from, &to, amount(1_500_001)),
            Err(TransferRejection::PendingMismatch)
        );
        // Frozen accounts block settlement but not release.
        let frozen = to.with_status(AccountStatus::Frozen).unwrap();
        assert_eq!(
            plan_settlement(&from, &frozen, amount(1_500_000)),
            Err(TransferRejection::DestinationFrozen)
        );
        assert!(plan_release(&from, &frozen, amount(1_500_000)).is_ok());
    }

    #[test]
    fn rejection_reasons_in_order() {
        let policy = ApprovalPolicy::default();
        let a = account(1, AccountKind::Current, 1_000, 0);
        let b = account(2, AccountKind::Current, 1_000, 0);
        let usd = LedgerAccount::open(id(3), AccountKind::Current, Currency::USD);
        assert_eq!(
            evaluate_transfer(&request(&a, &a, 1), &policy),
            Err(TransferRejection::SameAccount)
        );
        assert_eq!(
            evaluate_transfer(&request(&a, &usd, 1), &policy),
            Err(TransferRejection::CurrencyMismatch {
                account: usd.id(),
                account_currency: Currency::USD,
                amount_currency: EUR
            })
        );
        let closed = LedgerAccount::open(id(4), AccountKind::Current, EUR)
            .with_status(AccountStatus::Closed)
            .unwrap();
        let frozen = b.with_status(AccountStatus::Frozen).unwrap();
        assert_eq!(
            evaluate_transfer(&request(&closed, &b, 1), &policy),
            Err(TransferRejection::SourceClosed)
        );
        assert_eq!(
            evaluate_transfer(&request(&a, &closed, 1), &policy),
            Err(TransferRejection::DestinationClosed)
        );
        assert_eq!(
            evaluate_transfer(&request(&frozen, &a, 1), &policy),
            Err(TransferRejection::SourceFrozen)
        );
        assert_eq!(
            evaluate_transfer(&request(&a, &frozen, 1), &policy),
            Err(TransferRejection::DestinationFrozen)
        );
        // Closed wins over frozen.
        assert_eq!(
            evaluate_transfer(&request(&frozen, &closed, 1), &policy),
            Err(TransferRejection::DestinationClosed)
        );
        // Limit before funds.
        let limited = TransferRequest {
            spending_limit: Some(SpendingLimit::new(eur(500), eur(400)).unwrap()),
            ..request(&a, &b, 2_000)
        };
        assert_eq!(
            evaluate_transfer(&limited, &policy),
            Err(TransferRejection::LimitExceeded {
                limit: eur(500),
                used: eur(400),
                requested: eur(2_000)
            })
        );
        let within = TransferRequest {
            spending_limit: Some(SpendingLimit::new(eur(500), eur(400)).unwrap()),
            ..request(&a, &b, 100)
        };
        assert!(evaluate_transfer(&within, &policy).is_ok());
        let wrong_currency = TransferRequest {
            spending_limit: Some(
                SpendingLimit::new(
                    Money::from_minor(500, Currency::USD),
                    Money::zero(Currency::USD),
                )
                .unwrap(),
            ),
            ..request(&a, &b, 100)
        };
        assert!(matches!(
            evaluate_transfer(&wrong_currency, &policy),
            Err(TransferRejection::CurrencyMismatch { .. })
        ));
        assert_eq!(
            evaluate_transfer(&request(&a, &b, 1_001), &policy),
            Err(TransferRejection::InsufficientFunds {
                available: eur(1_000),
                requested: eur(1_001)
            })
        );
        // Destination overflow.
        let rich = LedgerAccount::new(
            id(5),
            AccountKind::Cash,
            AccountStatus::Open,
            OverdraftLimit::zero(EUR),
            Balance::new(EUR, i64::MAX, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(
            evaluate_transfer(&request(&a, &rich, 1), &policy),
            Err(TransferRejection::BalanceOverflow)
        );
        assert_eq!(
            TransferRejection::BalanceOverflow.code(),
            "balance_overflow"
        );
        assert_eq!(TransferRejection::SameAccount.code(), "same_account");
        assert!(SpendingLimit::new(eur(-1), eur(0)).is_err());
        assert!(SpendingLimit::new(eur(1), Money::zero(Currency::USD)).is_err());
    }

    #[test]
    fn approval_threshold_drives_status() {
        let from = account(1, AccountKind::Current, 10_000_000, 0);
        let to = account(2, AccountKind::Current, 0, 0);
        let policy =
            ApprovalPolicy::default().with_threshold(ApprovalThreshold::new(eur(5_000)).unwrap());
        assert_eq!(
            evaluate_transfer(&request(&from, &to, 4_999), &policy)
                .unwrap()
                .status,
            TransferStatus::Posted
        );
        assert_eq!(
            evaluate_transfer(&request(&from, &to, 5_000), &policy)
                .unwrap()
                .status,
            TransferStatus::PendingApproval
        );
    }

    fn kind() -> impl Strategy<Value = AccountKind> {
        prop::sample::select(AccountKind::ALL.to_vec())
    }

    proptest! {
        /// Money is conserved: accepted transfers change the two posted balances by opposite
        /// amounts (or reserve equal pending totals), and rejected ones change nothing by
        /// construction. Customer accounts never end below their overdraft.
        #[test]
        fn transfers_conserve_money(
            from_kind in kind(),
            to_kind in kind(),
            from_posted in -1_000_000_000i64..1_000_000_000,
            to_posted in -1_000_000_000i64..1_000_000_000,
            overdraft in 0i64..1_000_000,
            minor in 1i64..3_000_000,
            threshold in 1i64..5_000_000,
        ) {
            let overdraft = if from_kind.allows_overdraft() { overdraft } else { 0 };
            let from = account(1, from_kind, from_posted, overdraft);
            let to = account(2, to_kind, to_posted, 0);
            let policy = ApprovalPolicy::default().with_threshold(ApprovalThreshold::new(eur(threshold)).unwrap());
            match evaluate_transfer(&request(&from, &to, minor), &policy) {
                Ok(plan) => {
                    let before = i128::from(from_posted) + i128::from(to_posted);
                    let after = i128::from(plan.from_balance.posted().minor_units())
                        + i128::from(plan.to_balance.posted().minor_units());
                    prop_assert_eq!(before, after);
                    prop_assert_eq!(plan.from_balance.pending_debits(), plan.to_balance.pending_credits());
                    prop_assert_eq!(plan.status == TransferStatus::PendingApproval, minor >= threshold);
                    if from_kind.is_customer() {
                        let available = plan.from_balance.available(from.overdraft()).unwrap();
                        prop_assert!(!available.is_negative());
                    }
                    if plan.status == TransferStatus::PendingApproval {
                        let f = from.with_balance(plan.from_balance).unwrap();
                        let t = to.with_balance(plan.to_balance).unwrap();
                        let settled = plan_settlement(&f, &t, amount(minor)).unwrap();
                        prop_assert_eq!(settled.from_balance.posted().minor_units(), from_posted - minor);
                        prop_assert_eq!(settled.to_balance.posted().minor_units(), to_posted + minor);
                        let released = plan_release(&f, &t, amount(minor)).unwrap();
                        prop_assert_eq!(released.from_balance, from.balance());
                        prop_assert_eq!(released.to_balance, to.balance());
                    }
                }
                Err(TransferRejection::InsufficientFunds { available, requested }) => {
                    prop_assert!(from_kind.is_customer());
                    prop_assert!(requested.minor_units() > available.minor_units());
                }
                Err(other) => prop_assert!(false, "unexpected rejection {other:?}"),
            }
        }
    }
}
