//! Transfer lifecycle and approval rules: [`TransferStatus`], [`ApprovalThreshold`],
//! [`ApprovalPolicy`] and the four-eyes rule.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::currency::Currency;
use crate::id::UserId;
use crate::money::{Money, MoneyError, TransferAmount};
use crate::role::{Role, RoleAssignment};
use crate::timestamp::Timestamp;

/// The state of a transfer. Names are stable snake_case strings.
///
/// A transfer starts as `posted` (below the approval threshold) or `pending_approval`. The only
/// transitions are from `pending_approval` to `posted`, `rejected`, `expired` or `voided`; every
/// other state is terminal and immutable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Booked.
    Posted,
    /// Amount reserved, waiting for a second person's approval.
    PendingApproval,
    /// Refused by the approver.
    Rejected,
    /// Not approved in time.
    Expired,
    /// Withdrawn by the initiator (or staff) before a decision.
    Voided,
}

/// A transition that the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("transfer status cannot change from {from} to {to}")]
pub struct StatusTransitionError {
    /// Current status.
    pub from: TransferStatus,
    /// Requested status.
    pub to: TransferStatus,
}

/// Unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown transfer status")]
pub struct UnknownStatus;

impl TransferStatus {
    /// All statuses.
    pub const ALL: [TransferStatus; 5] = [
        TransferStatus::Posted,
        TransferStatus::PendingApproval,
        TransferStatus::Rejected,
        TransferStatus::Expired,
        TransferStatus::Voided,
    ];

    /// The status a new transfer starts in.
    pub const fn initial(requires_approval: bool) -> TransferStatus {
        if requires_approval {
            TransferStatus::PendingApproval
        } else {
            TransferStatus::Posted
        }
    }

    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Posted => "posted",
            TransferStatus::PendingApproval => "pending_approval",
            TransferStatus::Rejected => "rejected",
            TransferStatus::Expired => "expired",
            TransferStatus::Voided => "voided",
        }
    }

    /// True for every state except `pending_approval`.
    pub const fn is_terminal(self) -> bool {
        !matches!(self, TransferStatus::PendingApproval)
    }

    /// Whether `self → to` is allowed.
    pub const fn can_transition_to(self, to: TransferStatus) -> bool {
        matches!(self, TransferStatus::PendingApproval)
            && !matches!(to, TransferStatus::PendingApproval)
    }

    /// `self → to`, or an error (the state is unchanged).
    pub fn transition(self, to: TransferStatus) -> Result<TransferStatus, StatusTransitionError> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(StatusTransitionError { from: self, to })
        }
    }
}

impl fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TransferStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, UnknownStatus> {
        TransferStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(UnknownStatus)
    }
}

/// The amount from which a transfer needs a second person's approval (inclusive). Strictly
/// positive. Serialises like [`Money`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Money", into = "Money")]
pub struct ApprovalThreshold(Money);

impl ApprovalThreshold {
    /// Default threshold in major units: 10,000.00 in every currency.
    pub const DEFAULT_MAJOR_UNITS: i64 = 10_000;

    /// Checks `0 < threshold <= TransferAmount::MAX_MINOR`.
    pub fn new(threshold: Money) -> Result<ApprovalThreshold, MoneyError> {
        TransferAmount::new(threshold).map(|t| ApprovalThreshold(t.money()))
    }

    /// 10,000 major units of `currency` (10,000.00 EUR, 10,000 JPY, 10,000.000 BHD).
    pub fn default_for(currency: Currency) -> ApprovalThreshold {
        // At most 10^4 * 10^4: no overflow.
        ApprovalThreshold(Money::from_minor(
            Self::DEFAULT_MAJOR_UNITS * currency.minor_per_major(),
            currency,
        ))
    }

    /// The threshold.
    pub const fn money(self) -> Money {
        self.0
    }

    /// True if `amount >= threshold`; an error if the currencies differ.
    pub fn requires_approval(self, amount: TransferAmount) -> Result<bool, MoneyError> {
        Ok(amount.money().checked_cmp(self.0)?.is_ge())
    }
}

impl TryFrom<Money> for ApprovalThreshold {
    type Error = MoneyError;
    fn try_from(m: Money) -> Result<Self, MoneyError> {
        ApprovalThreshold::new(m)
    }
}

impl From<ApprovalThreshold> for Money {
    fn from(t: ApprovalThreshold) -> Money {
        t.0
    }
}

/// Approval rules: per-currency thresholds (default [`ApprovalThreshold::default_for`]) and how
/// long a pending transfer waits before it expires (default 48 hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    thresholds: BTreeMap<Currency, ApprovalThreshold>,
    pending_ttl_seconds: i64,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        ApprovalPolicy {
            thresholds: BTreeMap::new(),
            pending_ttl_seconds: Self::DEFAULT_PENDING_TTL_SECONDS,
        }
    }
}

impl ApprovalPolicy {
    /// Default time a transfer may stay pending: 48 hours.
    pub const DEFAULT_PENDING_TTL_SECONDS: i64 = 48 * 3600;
    /// Longest allowed pending time: 30 days.
    pub const MAX_PENDING_TTL_SECONDS: i64 = 30 * 24 * 3600;

    /// Overrides the threshold for the threshold's currency.
    #[must_use]
    pub fn with_threshold(mut self, threshold: ApprovalThreshold) -> ApprovalPolicy {
        self.thresholds
            .insert(threshold.money().currency(), threshold);
        self
    }

    /// Sets the pending time-to-live (`1..=MAX_PENDING_TTL_SECONDS`); `None` if out of range.
    #[must_use]
    pub fn with_pending_ttl_seconds(self, seconds: i64) -> Option<ApprovalPolicy> {
        (1..=Self::MAX_PENDING_TTL_SECONDS)
            .contains(&seconds)
            .then_some(ApprovalPolicy {
                pending_ttl_seconds: seconds,
                ..self
            })
    }

    /// The threshold that applies to `currency`.
    pub fn threshold_for(&self, currency: Currency) -> ApprovalThreshold {
        self.thresholds
            .get(&currency)
            .copied()
            .unwrap_or_else(|| ApprovalThreshold::default_for(currency))
    }

    /// True if a transfer of `amount` needs approval.
    pub fn requires_approval(&self, amount: TransferAmount) -> bool {
        // Same currency by construction, so the comparison cannot fail.
        amount.minor_units() >= self.threshold_for(amount.currency()).money().minor_units()
    }

    /// Pending time-to-live in seconds.
    pub const fn pending_ttl_seconds(&self) -> i64 {
        self.pending_ttl_seconds
    }

    /// True if a transfer created at `created_at` and still pending at `now` has expired
    /// (`now >= created_at + ttl`).
    pub fn is_expired(&self, created_at: Timestamp, now: Timestamp) -> bool {
        match created_at.checked_add_seconds(self.pending_ttl_seconds) {
            Some(deadline) => now >= deadline,
            // Past year 9999: never reached.
            None => false,
        }
    }
}

/// Why an approval is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApprovalError {
    /// Four-eyes rule: the initiator cannot approve their own transfer.
    #[error("the initiator of a transfer cannot approve it")]
    SelfApproval,
    /// Only managers approve transfers.
    #[error("only a manager can approve transfers")]
    NotAManager,
    /// The transfer is not waiting for approval.
    #[error("the transfer is {0}, not pending approval")]
    NotPending(TransferStatus),
}

impl ApprovalError {
    /// Stable snake_case code.
    pub const fn code(&self) -> &'static str {
        match self {
            ApprovalError::SelfApproval => "self_approval",
            ApprovalError::NotAManager => "not_a_manager",
            ApprovalError::NotPending(_) => "not_pending",
        }
    }
}

/// The four-eyes rule on its own: approver and initiator must be different users.
pub fn check_four_eyes(initiator: UserId, approver: UserId) -> Result<(), ApprovalError> {
    if initiator == approver {
        Err(ApprovalError::SelfApproval)
    } else {
        Ok(())
    }
}

/// Full approval check: the transfer is pending, the approver is a manager, and the four-eyes
/// rule holds. (Policy engines may add more, e.g. branch scoping.)
pub fn authorize_approval(
    status: TransferStatus,
    initiator: UserId,
    approver: UserId,
    approver_roles: &RoleAssignment,
) -> Result<(), ApprovalError> {
    if status != TransferStatus::PendingApproval {
        return Err(ApprovalError::NotPending(status));
    }
    check_four_eyes(initiator, approver)?;
    if !approver_roles.has(Role::Manager) {
        return Err(ApprovalError::NotAManager);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::{Branch, RoleSet};
    use proptest::prelude::*;

    #[test]
    fn status_names() {
        for s in TransferStatus::ALL {
            assert_eq!(s.as_str().parse::<TransferStatus>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(
            serde_json::to_string(&TransferStatus::PendingApproval).unwrap(),
            "\"pending_approval\""
        );
        assert_eq!("Posted".parse::<TransferStatus>(), Err(UnknownStatus));
        assert_eq!(
            TransferStatus::initial(true),
            TransferStatus::PendingApproval
        );
        assert_eq!(TransferStatus::initial(false), TransferStatus::Posted);
    }

    #[test]
    fn status_transitions_table() {
        use TransferStatus::*;
        for from in TransferStatus::ALL {
            for to in TransferStatus::ALL {
                let ok = from == PendingApproval && to != PendingApproval;
                assert_eq!(from.can_transition_to(to), ok, "{from} -> {to}");
                assert_eq!(from.transition(to).is_ok(), ok);
            }
        }
        assert_eq!(
            Posted.transition(Voided),
            Err(StatusTransitionError {
                from: Posted,
                to: Voided
            })
        );
        assert!(!PendingApproval.is_terminal());
        assert!(
            [Posted, Rejected, Expired, Voided]
                .iter()
                .all(|s| s.is_terminal())
        );
    }

    #[test]
    fn thresholds() {
        let eur = Currency::EUR;
        let t = ApprovalThreshold::default_for(eur);
        assert_eq!(t.money(), Money::from_minor(1_000_000, eur));
        assert_eq!(
            ApprovalThreshold::default_for(Currency::JPY)
                .money()
                .minor_units(),
            10_000
        );
        assert_eq!(
            ApprovalThreshold::default_for(Currency::from_code("BHD").unwrap())
                .money()
                .minor_units(),
            10_000_000
        );
        let amt = |m| TransferAmount::from_minor(m, eur).unwrap();
        assert_eq!(t.requires_approval(amt(999_999)), Ok(false));
        assert_eq!(t.requires_approval(amt(1_000_000)), Ok(true));
        assert!(
            t.requires_approval(TransferAmount::from_minor(1, Currency::USD).unwrap())
                .is_err()
        );
        assert_eq!(
            ApprovalThreshold::new(Money::zero(eur)),
            Err(MoneyError::NotPositive)
        );
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"amount":"10000.00","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<ApprovalThreshold>(&json).unwrap(), t);
    }

    #[test]
    fn policy() {
        let chf = Currency::CHF;
        let policy = ApprovalPolicy::default()
            .with_threshold(ApprovalThreshold::new(Money::from_minor(500_000, chf)).unwrap());
        let amt = |m, c| TransferAmount::from_minor(m, c).unwrap();
        assert!(!policy.requires_approval(amt(499_999, chf)));
        assert!(policy.requires_approval(amt(500_000, chf)));
        assert!(!policy.requires_approval(amt(999_999, Currency::EUR)));
        assert!(policy.requires_approval(amt(1_000_000, Currency::EUR)));
        assert!(policy.requires_approval(amt(10_000, Currency::JPY)));

        let t0 = Timestamp::from_unix_seconds(1_000_000).unwrap();
        let at = |s: i64| Timestamp::from_unix_seconds(1_000_000 + s).unwrap();
        assert!(!policy.is_expired(t0, at(48 * 3600 - 1)));
        assert!(policy.is_expired(t0, at(48 * 3600)));
        let short = policy.clone().with_pending_ttl_seconds(60).unwrap();
        assert_eq!(short.pending_ttl_seconds(), 60);
        assert!(short.is_expired(t0, at(60)));
        assert!(policy.clone().with_pending_ttl_seconds(0).is_none());
        assert!(
            policy
                .with_pending_ttl_seconds(ApprovalPolicy::MAX_PENDING_TTL_SECONDS + 1)
                .is_none()
        );
        let end = Timestamp::from_unix_seconds(Timestamp::MAX_UNIX_SECONDS).unwrap();
        assert!(!ApprovalPolicy::default().is_expired(end, end));
    }

    #[test]
    fn four_eyes() {
        let alice = UserId::new_v7(1, [1; 10]);
        let bob = UserId::new_v7(2, [2; 10]);
        let branch = Branch::parse("ZRH").unwrap();
        let manager =
            RoleAssignment::new(RoleSet::single(Role::Manager), Some(branch.clone())).unwrap();
        let clerk = RoleAssignment::new(RoleSet::single(Role::Clerk), Some(branch)).unwrap();
        let pending = TransferStatus::PendingApproval;
        assert_eq!(
            check_four_eyes(alice, alice),
            Err(ApprovalError::SelfApproval)
        );
        assert_eq!(check_four_eyes(alice, bob), Ok(()));
        assert_eq!(authorize_approval(pending, alice, bob, &manager), Ok(()));
        assert_eq!(
            authorize_approval(pending, bob, bob, &manager),
            Err(ApprovalError::SelfApproval)
        );
        assert_eq!(
            authorize_approval(pending, alice, bob, &clerk),
            Err(ApprovalError::NotAManager)
        );
        assert_eq!(
            authorize_approval(TransferStatus::Posted, alice, bob, &manager),
            Err(ApprovalError::NotPending(TransferStatus::Posted))
        );
        assert_eq!(ApprovalError::SelfApproval.code(), "self_approval");
    }

    proptest! {
        /// Any sequence of attempted transitions: once terminal, the state never changes, and
        /// at most one transition ever succeeds.
        #[test]
        fn terminal_states_are_final(
            start in prop::sample::select(TransferStatus::ALL.to_vec()),
            attempts in prop::collection::vec(prop::sample::select(TransferStatus::ALL.to_vec()), 0..20),
        ) {
            let mut state = start;
            let mut successes = 0;
            for to in attempts {
                let was_terminal = state.is_terminal();
                match state.transition(to) {
                    Ok(next) => {
                        prop_assert!(!was_terminal);
                        prop_assert!(next.is_terminal());
                        state = next;
                        successes += 1;
                    }
                    Err(e) => prop_assert_eq!(e, StatusTransitionError { from: state, to }),
                }
            }
            prop_assert!(successes <= 1);
            if start.is_terminal() {
                prop_assert_eq!(state, start);
            }
        }
    }
}
