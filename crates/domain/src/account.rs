//! Account kinds, statuses and overdraft limits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::currency::Currency;
use crate::money::{Money, MoneyError, TransferAmount};

/// Errors about accounts and their state changes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    /// Not an allowed status change.
    #[error("account status cannot change from {from} to {to}")]
    InvalidTransition {
        /// Current status.
        from: AccountStatus,
        /// Requested status.
        to: AccountStatus,
    },
    /// Unknown kind or status name.
    #[error("unknown account {0}")]
    UnknownName(&'static str),
    /// Overdraft limits are only for current accounts.
    #[error("only current accounts may have an overdraft")]
    OverdraftNotAllowed,
    /// Currency of a limit or balance differs from the account's.
    #[error("currency {found} does not match the account currency {expected}")]
    CurrencyMismatch {
        /// The account currency.
        expected: Currency,
        /// The other currency.
        found: Currency,
    },
    /// Closing needs a zero balance and nothing pending.
    #[error("an account can only be closed with a zero balance and no pending transfers")]
    NotSettled,
    /// A closed account was found holding money (corrupt state).
    #[error("a closed account must have a zero balance and no pending transfers")]
    ClosedWithBalance,
    /// Balance fields are invalid (e.g. negative pending totals).
    #[error("invalid balance: {0}")]
    InvalidBalance(&'static str),
    /// Money arithmetic failed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// What an account is for. Names are stable (`current`, `savings`, `cash`, `suspense`).
///
/// Customer accounts (current, savings) are liabilities of the bank: their balance may not go
/// below minus the overdraft limit. Internal accounts (cash, suspense) are the bank's own and are
/// not bounded: a cash desk's balance goes negative as customers deposit cash (balances are
/// `credits - debits` for every account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// Customer payment account; the only kind that may have an overdraft.
    Current,
    /// Customer savings account; never overdrawn.
    Savings,
    /// Bank-internal cash desk of a branch (counterparty of cash deposits and withdrawals).
    Cash,
    /// Bank-internal suspense account for unclear items awaiting resolution.
    Suspense,
}

impl AccountKind {
    /// All kinds.
    pub const ALL: [AccountKind; 4] = [
        AccountKind::Current,
        AccountKind::Savings,
        AccountKind::Cash,
        AccountKind::Suspense,
    ];

    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountKind::Current => "current",
            AccountKind::Savings => "savings",
            AccountKind::Cash => "cash",
            AccountKind::Suspense => "suspense",
        }
    }

    /// True for bank-internal accounts (cash, suspense), which have no funds limit.
    pub const fn is_internal(self) -> bool {
        matches!(self, AccountKind::Cash | AccountKind::Suspense)
    }

    /// True for accounts owned by customers.
    pub const fn is_customer(self) -> bool {
        !self.is_internal()
    }

    /// True if the kind may carry a non-zero overdraft limit.
    pub const fn allows_overdraft(self) -> bool {
        matches!(self, AccountKind::Current)
    }
}

impl fmt::Display for AccountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountKind {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, AccountError> {
        AccountKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(AccountError::UnknownName("kind"))
    }
}

/// Lifecycle of an account. Names are stable (`open`, `frozen`, `closed`).
///
/// Allowed changes: open → frozen, frozen → open, open → closed. Closed is terminal; a frozen
/// account must be unfrozen (reviewed) before it can be closed. Frozen and closed accounts can
/// neither send nor receive money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Normal operation.
    Open,
    /// Temporarily blocked (fraud suspicion, legal order).
    Frozen,
    /// Permanently closed.
    Closed,
}

impl AccountStatus {
    /// All statuses.
    pub const ALL: [AccountStatus; 3] = [
        AccountStatus::Open,
        AccountStatus::Frozen,
        AccountStatus::Closed,
    ];

    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Open => "open",
            AccountStatus::Frozen => "frozen",
            AccountStatus::Closed => "closed",
        }
    }

    /// Whether `self → to` is allowed.
    pub const fn can_transition_to(self, to: AccountStatus) -> bool {
        matches!(
            (self, to),
            (AccountStatus::Open, AccountStatus::Frozen)
                | (AccountStatus::Frozen, AccountStatus::Open)
                | (AccountStatus::Open, AccountStatus::Closed)
        )
    }

    /// `self → to`, or an error.
    pub fn transition(self, to: AccountStatus) -> Result<AccountStatus, AccountError> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(AccountError::InvalidTransition { from: self, to })
        }
    }

    /// True if no further change is possible.
    pub const fn is_terminal(self) -> bool {
        matches!(self, AccountStatus::Closed)
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountStatus {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Self, AccountError> {
        AccountStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(AccountError::UnknownName("status"))
    }
}

/// How far below zero a current account's available balance may go: `0..=MAX_MINOR`
/// (same ceiling as [`TransferAmount::MAX_MINOR`]). Serialises like [`Money`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct OverdraftLimit(Money);

impl OverdraftLimit {
    /// Largest allowed limit in minor units.
    pub const MAX_MINOR: i64 = TransferAmount::MAX_MINOR;

    /// Checks `0 <= limit <= MAX_MINOR`.
    pub fn new(limit: Money) -> Result<OverdraftLimit, MoneyError> {
        if limit.is_negative() {
            Err(MoneyError::Negative)
        } else if limit.minor_units() > Self::MAX_MINOR {
            Err(MoneyError::AboveMaximum {
                max: Self::MAX_MINOR,
            })
        } else {
            Ok(OverdraftLimit(limit))
        }
    }

    /// No overdraft.
    pub const fn zero(currency: Currency) -> OverdraftLimit {
        OverdraftLimit(Money::zero(currency))
    }

    /// The limit.
    pub const fn money(self) -> Money {
        self.0
    }

    /// Its currency.
    pub const fn currency(self) -> Currency {
        self.0.currency()
    }
}

impl TryFrom<Money> for OverdraftLimit {
    type Error = MoneyError;
    fn try_from(m: Money) -> Result<Self, MoneyError> {
        OverdraftLimit::new(m)
    }
}

impl From<OverdraftLimit> for Money {
    fn from(l: OverdraftLimit) -> Money {
        l.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        for k in AccountKind::ALL {
            assert_eq!(k.as_str().parse::<AccountKind>(), Ok(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!(AccountKind::Cash.is_internal() && AccountKind::Suspense.is_internal());
        assert!(AccountKind::Current.is_customer() && AccountKind::Savings.is_customer());
        assert!(AccountKind::Current.allows_overdraft());
        assert!(!AccountKind::Savings.allows_overdraft() && !AccountKind::Cash.allows_overdraft());
        assert_eq!(
            "Current".parse::<AccountKind>(),
            Err(AccountError::UnknownName("kind"))
        );
    }

    #[test]
    fn status_transitions() {
        use AccountStatus::*;
        let allowed = [(Open, Frozen), (Frozen, Open), (Open, Closed)];
        for from in AccountStatus::ALL {
            for to in AccountStatus::ALL {
                let ok = allowed.contains(&(from, to));
                assert_eq!(from.can_transition_to(to), ok, "{from} -> {to}");
                assert_eq!(
                    from.transition(to),
                    if ok {
                        Ok(to)
                    } else {
                        Err(AccountError::InvalidTransition { from, to })
                    }
                );
            }
        }
        assert!(Closed.is_terminal() && !Open.is_terminal() && !Frozen.is_terminal());
        for s in AccountStatus::ALL {
            assert_eq!(s.as_str().parse::<AccountStatus>(), Ok(s));
        }
        assert!("deleted".parse::<AccountStatus>().is_err());
    }

    #[test]
    fn overdraft_limits() {
        let eur = Currency::EUR;
        assert!(OverdraftLimit::new(Money::from_minor(0, eur)).is_ok());
        assert!(OverdraftLimit::new(Money::from_minor(OverdraftLimit::MAX_MINOR, eur)).is_ok());
        assert_eq!(
            OverdraftLimit::new(Money::from_minor(-1, eur)),
            Err(MoneyError::Negative)
        );
        assert!(
            OverdraftLimit::new(Money::from_minor(OverdraftLimit::MAX_MINOR + 1, eur)).is_err()
        );
        assert_eq!(OverdraftLimit::zero(eur).money(), Money::zero(eur));
        let l = OverdraftLimit::new(Money::from_minor(50_000, eur)).unwrap();
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#"{"amount":"500.00","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<OverdraftLimit>(&json).unwrap(), l);
        assert!(
            serde_json::from_str::<OverdraftLimit>(r#"{"amount":"-1.00","currency":"EUR"}"#)
                .is_err()
        );
    }
}
