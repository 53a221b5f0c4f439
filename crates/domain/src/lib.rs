//! pqbank domain model: pure logic, no I/O, no clock, no randomness.
//!
//! Parse, don't validate: every value that crosses a trust boundary has a newtype whose only
//! constructors check it, so holding one is proof of validity. Text forms are canonical (one
//! spelling per value) and serde goes through the same constructors.
//!
//! * [`currency`]: [`Currency`], the ISO 4217 table.
//! * [`money`]: [`Money`] (signed minor units), [`TransferAmount`] (positive, capped).
//! * [`id`]: UUID ids ([`UserId`], [`AccountId`], [`TransferId`] (v7 only), ...) and
//!   [`CertificateSerial`].
//! * [`timestamp`]: [`Timestamp`] (UTC, whole seconds).
//! * [`names`]: [`Username`], [`Email`], [`LegalName`], [`Password`].
//! * [`role`]: [`Role`], [`RoleSet`], [`Branch`], [`RoleAssignment`].
//! * [`account`]: [`AccountKind`], [`AccountStatus`], [`OverdraftLimit`].
//! * [`ledger`]: [`Balance`], [`LedgerAccount`], [`evaluate_transfer`] and the two-phase
//!   settlement/release plans.
//! * [`transfer`]: [`TransferStatus`] state machine, [`ApprovalThreshold`], [`ApprovalPolicy`],
//!   four-eyes rule.
//! * [`payload`]: [`TransferPayload`], [`ApprovalPayload`] and their canonical (RFC 8785) bytes.
//! * [`jcs`]: the JCS serialiser for flat string objects.
//!
//! Free text (legal names, transfer references) never contains: C0/C1 control characters (incl.
//! DEL), bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A..U+202E,
//! U+2066..U+2069), U+2028, U+2029, U+200B, U+FEFF or Unicode noncharacters, and never starts or
//! ends with whitespace.

mod serde_str;
mod text;

pub mod account;
pub mod auth;
pub mod currency;
pub mod id;
pub mod jcs;
pub mod ledger;
pub mod money;
pub mod names;
pub mod payload;
pub mod role;
pub mod timestamp;
pub mod transfer;

pub use account::{AccountError, AccountKind, AccountStatus, OverdraftLimit};
pub use currency::{Currency, CurrencyError};
pub use id::{
    AccountId, AlertId, ApprovalId, CertificateSerial, DeviceId, IdError, RequestId, SessionId,
    TransferId, UserId,
};
pub use ledger::{
    Balance, BalanceError, BalancePair, LedgerAccount, SpendingLimit, TransferPlan,
    TransferRejection, TransferRequest, evaluate_transfer, plan_release, plan_settlement,
};
pub use money::{Money, MoneyError, TransferAmount};
pub use names::{Email, LegalName, Password, Username};
pub use payload::{
    APPROVAL_PAYLOAD_TYPE, ApprovalDecision, ApprovalPayload, DecisionError, DigestError,
    MAX_PAYLOAD_JSON_BYTES, PayloadDigest, PayloadError, TRANSFER_PAYLOAD_TYPE, TransferPayload,
    TransferReference,
};
pub use role::{Branch, Role, RoleAssignment, RoleError, RoleSet};
pub use text::InputError;
pub use timestamp::{Timestamp, TimestampError};
pub use transfer::{
    ApprovalError, ApprovalPolicy, ApprovalThreshold, StatusTransitionError, TransferStatus,
    UnknownStatus, authorize_approval, check_four_eyes,
};
