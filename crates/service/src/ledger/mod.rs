//! The bank's books: accounts, device-signed transfers, four-eyes approvals, the cash desk,
//! statements, reports and the invariant check.
//!
//! Every money movement is a [`TransferPayload`] signed on a device. The service checks the
//! signature, the signing certificate (chain, revocation, bound to an active device of the
//! caller) and the caller's right to the source account (Cedar), then hands the command to the
//! write pipeline ([`crate::writes`]): one task per instance groups concurrent commands into one
//! database transaction (group commit), where the store re-checks the ledger rules under its
//! locks and writes transfer, postings, balances and audit events together.

mod reports;

use std::sync::{OnceLock, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_audit::{Actor, DetailKey, DetailValue, Hash, Outcome, SignedPayload, Token, actions};
use pqbank_crypto::Signature;
use pqbank_crypto::session::sha256;
use pqbank_domain::payload::{APPROVAL_SIGNATURE_CONTEXT, TRANSFER_SIGNATURE_CONTEXT};
use pqbank_domain::{
    AccountId, AccountKind, AccountStatus, ApprovalDecision, ApprovalPayload, ApprovalPolicy,
    ApprovalThreshold, Currency, Money, TransferPayload, TransferStatus,
};
use pqbank_pki::{CertUsage, DeviceIdentity, PkiError};
use pqbank_store::{
    AccountChange, AccountChangeError, AccountRecord, AuditBuilder, CertKind, CreateTransfer,
    DecideTransfer, Decision, LedgerCheck, LedgerCommand, LedgerOutcome, PostingRecord,
    TransferFilter, TransferKind, TransferRecord,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use reports::{ApprovalReport, Statement, VolumeReport};

use crate::authz::{ObjectRef, authz};
use crate::ca::internal;
use crate::cache::BoundedMap;
use crate::identity::{Principal, parse_roles};
use crate::{Bank, ServiceError};

/// Settings key of the approval policy.
const POLICY_SETTING: &str = "ledger.approval_policy";
/// Most transfers or postings one page returns.
pub const MAX_PAGE: u32 = 200;
/// Most transfers in one batch submission ([`Bank::submit_transfers`]).
pub const MAX_TRANSFER_BATCH: usize = 100;

/// Ledger configuration.
#[derive(Debug, Clone)]
pub struct LedgerConfig {
    /// Default approval policy (admins may change thresholds and the pending time-to-live).
    pub policy: ApprovalPolicy,
    /// How far a payload's `created_at` may be from the server clock.
    pub max_clock_skew: time::Duration,
    /// Most commands per database transaction.
    pub max_batch: usize,
    /// Currencies with a cash desk.
    pub cash_currencies: Vec<Currency>,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            policy: ApprovalPolicy::default(),
            max_clock_skew: time::Duration::minutes(10),
            max_batch: 256,
            cash_currencies: vec![Currency::EUR, Currency::USD, Currency::GBP, Currency::CHF],
        }
    }
}

/// Shared ledger state of one instance.
#[derive(Debug)]
pub struct LedgerState {
    pub(crate) config: LedgerConfig,
    policy: RwLock<ApprovalPolicy>,
    pub(crate) writes: OnceLock<crate::writes::Writes>,
    pub(crate) touches: OnceLock<crate::writes::Touches>,
    accounts: BoundedMap<String, AccountFacts>,
    certs: BoundedMap<String, SigningCertFacts>,
}

/// Most accounts and signing certificates whose fixed facts an instance remembers.
const FACTS_CACHE_LIMIT: usize = 100_000;

impl LedgerState {
    /// State with `config`.
    pub fn new(config: LedgerConfig) -> Self {
        Self {
            policy: RwLock::new(config.policy.clone()),
            config,
            writes: OnceLock::new(),
            touches: OnceLock::new(),
            accounts: BoundedMap::new(FACTS_CACHE_LIMIT),
            certs: BoundedMap::new(FACTS_CACHE_LIMIT),
        }
    }
}

/// What never changes about an account once it exists: the checks before a transfer need only
/// this. Status and balances change; the store checks them under the ledger's lock.
#[derive(Debug, Clone)]
struct AccountFacts {
    id: String,
    owner_id: Option<String>,
    kind: AccountKind,
}

/// What never changes about a certificate record. Whether it is revoked comes from the
/// revocation set, and whether its device is still active from the database, on every use.
#[derive(Debug, Clone)]
struct SigningCertFacts {
    user_id: String,
    device_id: String,
    usage: CertKind,
    cert_der: Vec<u8>,
}

impl Default for LedgerState {
    fn default() -> Self {
        Self::new(LedgerConfig::default())
    }
}

/// A signed request: the payload as a JSON object and the device signature (base64url).
#[derive(Debug, Clone, Deserialize)]
pub struct SignedRequest {
    /// The payload object.
    pub payload: serde_json::Value,
    /// Signature over the payload's canonical bytes.
    pub signature: String,
}

/// How a transfer request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `POST /transfers` by the account owner.
    Customer,
    /// `POST /cash/deposit` by a clerk.
    CashDeposit,
    /// `POST /cash/withdraw` by a clerk.
    CashWithdrawal,
}

/// Opening an account.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenAccount {
    /// Customer.
    pub owner_id: String,
    /// `current` or `savings`.
    pub kind: AccountKind,
    /// Currency.
    pub currency: Currency,
}

/// The approval policy as admins see and set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerSettings {
    /// Thresholds per currency (decimal strings); others use 10,000 major units.
    pub thresholds: std::collections::BTreeMap<Currency, Money>,
    /// How long a transfer may wait for approval.
    pub pending_ttl_seconds: i64,
}

/// A manager's verified approval: the signed payload, its signature and the audit block.
struct Approval {
    payload: Vec<u8>,
    signature: Vec<u8>,
    cert_serial: String,
    device_id: String,
    audit: SignedPayload,
}

/// A verified device signature: the algorithm, the signature bytes and the signing device
/// (whose status the ledger checks in the transaction that moves the money).
struct DeviceSignature {
    algorithm: String,
    signature: Vec<u8>,
    device_id: String,
}

/// Result of a submitted transfer.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The transfer.
    pub transfer: TransferRecord,
    /// False for an idempotent replay.
    pub created: bool,
}

pub(crate) fn micros(t: OffsetDateTime) -> Result<i64, ServiceError> {
    i64::try_from(t.unix_timestamp_nanos() / 1000).map_err(internal)
}

fn refused(code: &'static str, detail: impl Into<String>) -> ServiceError {
    ServiceError::Refused {
        code,
        detail: detail.into(),
    }
}

fn hide_forbidden(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Forbidden(_) => ServiceError::NotFound,
        e => e,
    }
}

fn token(s: &str) -> Result<Token, ServiceError> {
    Token::new(crate::identity::sanitize_token(s)).map_err(internal)
}

fn detail(event: &mut pqbank_audit::AuditEvent, k: &str, v: &str) {
    if let (Ok(k), Ok(v)) = (DetailKey::new(k), DetailValue::new(v)) {
        event.details.insert(k, v);
    }
}

impl Bank {
    fn ledger_policy(&self) -> ApprovalPolicy {
        self.ledger
            .policy
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Creates the cash desk and suspense accounts of every configured currency (idempotent,
    /// safe on several instances) and loads the approval policy.
    ///
    /// # Errors
    /// Store errors.
    pub async fn ensure_ledger(&self) -> Result<(), ServiceError> {
        let now = micros(self.clock.now())?;
        for currency in &self.ledger.config.cash_currencies {
            for kind in [AccountKind::Cash, AccountKind::Suspense] {
                let id = AccountId::new_v7(
                    u64::try_from(now / 1000).unwrap_or(0),
                    crate::entropy::random_array(self.entropy.as_ref()).map_err(internal)?,
                );
                self.store
                    .ensure_internal_account(&AccountRecord {
                        id: id.to_string(),
                        owner_id: None,
                        kind,
                        currency: *currency,
                        status: AccountStatus::Open,
                        overdraft_minor: 0,
                        posted: 0,
                        pending_debits: 0,
                        pending_credits: 0,
                        created_us: now,
                        updated_us: now,
                        version: 1,
                    })
                    .await?;
            }
        }
        self.reload_ledger_settings().await?;
        self.reload_monitoring_settings().await
    }

    /// Re-reads the approval policy from the settings (other instances may have changed it).
    ///
    /// # Errors
    /// Store errors; a corrupt setting is an internal error.
    pub async fn reload_ledger_settings(&self) -> Result<(), ServiceError> {
        let Some(setting) = self.store.get_setting(POLICY_SETTING).await? else {
            return Ok(());
        };
        let settings: LedgerSettings = serde_json::from_str(&setting.value).map_err(internal)?;
        let policy = policy_from(&self.ledger.config.policy, &settings)?;
        if let Ok(mut p) = self.ledger.policy.write() {
            *p = policy;
        }
        Ok(())
    }

    /// The approval policy in force (every signed-in user may read it: the web app shows the
    /// threshold before a transfer is signed).
    ///
    /// # Errors
    /// None today; kept fallible for policy checks.
    pub fn ledger_settings(&self, _principal: &Principal) -> Result<LedgerSettings, ServiceError> {
        let policy = self.ledger_policy();
        Ok(LedgerSettings {
            thresholds: self
                .ledger
                .config
                .cash_currencies
                .iter()
                .map(|c| (*c, policy.threshold_for(*c).money()))
                .collect(),
            pending_ttl_seconds: policy.pending_ttl_seconds(),
        })
    }

    /// Sets thresholds and the pending time-to-live (admins); audited; effective at once on
    /// this instance and within the maintenance period on the others.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for a non-positive threshold or an out-of-range TTL.
    pub async fn set_ledger_settings(
        &self,
        principal: &Principal,
        settings: LedgerSettings,
    ) -> Result<LedgerSettings, ServiceError> {
        authz()?.require(principal, "settings.write", &ObjectRef::route(principal))?;
        let policy = policy_from(&self.ledger.config.policy, &settings)?;
        let value = serde_json::to_string(&settings).map_err(internal)?;
        self.change_setting(principal, POLICY_SETTING, &value)
            .await?;
        if let Ok(mut p) = self.ledger.policy.write() {
            *p = policy;
        }
        self.ledger_settings(principal)
    }

    async fn owner_is_staff(&self, owner: Option<&str>) -> Result<bool, ServiceError> {
        let Some(owner) = owner else {
            return Ok(false);
        };
        Ok(match self.store.get_user(owner).await? {
            Some(u) => parse_roles(&u.roles)?.is_staff(),
            None => false,
        })
    }

    fn account_ref(account: &AccountRecord, owner_staff: bool) -> ObjectRef {
        Self::owned_ref(&account.id, account.owner_id.as_deref(), owner_staff)
    }

    fn owned_ref(id: &str, owner: Option<&str>, owner_staff: bool) -> ObjectRef {
        ObjectRef::owned("account", id, owner.unwrap_or(""), owner_staff)
    }

    /// An account's fixed facts: from this instance's cache, else read (and cached).
    async fn account_facts(&self, id: &str) -> Result<Option<AccountFacts>, ServiceError> {
        if let Some(facts) = self.ledger.accounts.get(id) {
            return Ok(Some(facts));
        }
        let Some(a) = self.store.get_account(id).await? else {
            return Ok(None);
        };
        let facts = AccountFacts {
            id: a.id,
            owner_id: a.owner_id,
            kind: a.kind,
        };
        self.ledger.accounts.insert(facts.id.clone(), facts.clone());
        Ok(Some(facts))
    }

    /// A certificate record's fixed facts: from this instance's cache, else read (and cached).
    async fn signing_cert_facts(
        &self,
        serial: &str,
    ) -> Result<Option<SigningCertFacts>, ServiceError> {
        if let Some(facts) = self.ledger.certs.get(serial) {
            return Ok(Some(facts));
        }
        let Some(c) = self.store.get_certificate(serial).await? else {
            return Ok(None);
        };
        let facts = SigningCertFacts {
            user_id: c.user_id,
            device_id: c.device_id,
            usage: c.usage,
            cert_der: c.cert_der,
        };
        self.ledger.certs.insert(c.serial, facts.clone());
        Ok(Some(facts))
    }

    /// Opens a customer account (clerks and managers for any customer, customers for
    /// themselves).
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for an internal kind or an owner who is not an active customer;
    /// [`ServiceError::Forbidden`].
    pub async fn open_account(
        &self,
        principal: &Principal,
        req: OpenAccount,
    ) -> Result<AccountRecord, ServiceError> {
        if req.kind.is_internal() {
            return Err(ServiceError::Invalid(
                "only current and savings accounts can be opened".into(),
            ));
        }
        let owner = self
            .store
            .get_user(&req.owner_id)
            .await?
            .ok_or_else(|| ServiceError::Invalid("owner_id: no such customer".into()))?;
        let roles = parse_roles(&owner.roles)?;
        authz()?.require(
            principal,
            "account.open",
            &ObjectRef::owned("user", &owner.id, &owner.id, roles.is_staff()),
        )?;
        if !roles.contains(pqbank_domain::Role::Customer)
            || owner.status == pqbank_store::UserStatus::Disabled
        {
            return Err(ServiceError::Invalid(
                "owner_id: accounts are opened for active customers".into(),
            ));
        }
        let now = self.clock.now();
        let now_us = micros(now)?;
        let id = AccountId::new_v7(
            u64::try_from(now_us / 1000).unwrap_or(0),
            crate::entropy::random_array(self.entropy.as_ref()).map_err(internal)?,
        );
        let account = AccountRecord {
            id: id.to_string(),
            owner_id: Some(owner.id.clone()),
            kind: req.kind,
            currency: req.currency,
            status: AccountStatus::Open,
            overdraft_minor: 0,
            posted: 0,
            pending_debits: 0,
            pending_credits: 0,
            created_us: now_us,
            updated_us: now_us,
            version: 1,
        };
        let mut event = self.audit_event(
            principal.actor(),
            actions::ACCOUNT_OPEN,
            "account",
            &account.id,
            Outcome::Success,
        )?;
        detail(&mut event, "owner", &owner.id);
        detail(&mut event, "kind", req.kind.as_str());
        detail(&mut event, "currency", req.currency.code());
        self.store.create_account(&account, vec![event]).await?;
        Ok(account)
    }

    /// One account, if the caller may read it (others' accounts are "not found").
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn account(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<AccountRecord, ServiceError> {
        let account = self
            .store
            .get_account(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if account.owner_id.is_none() {
            // The bank's own accounts: staff with cash-desk or management rights.
            let route = ObjectRef::route(principal);
            let az = authz()?;
            if !(az.is_allowed(
                principal,
                "cash.deposit",
                &Self::account_ref(&account, false),
            ) || az.is_allowed(principal, "account.manage", &route)
                || az.is_allowed(principal, "report.read", &route))
            {
                return Err(ServiceError::NotFound);
            }
            return Ok(account);
        }
        let staff = if account.owner_id.as_deref() == Some(principal.user_id.as_str()) {
            false
        } else {
            self.owner_is_staff(account.owner_id.as_deref()).await?
        };
        authz()?
            .require(
                principal,
                "account.read",
                &Self::account_ref(&account, staff),
            )
            .map_err(hide_forbidden)?;
        Ok(account)
    }

    /// Accounts: a customer's own, or (staff) a given customer's or all customers'.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub async fn accounts(
        &self,
        principal: &Principal,
        owner: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AccountRecord>, ServiceError> {
        let owner = match owner {
            Some(o) => o.to_owned(),
            None if !principal.roles.is_staff() => principal.user_id.clone(),
            None => {
                if !authz()?.is_allowed(principal, "account.manage", &ObjectRef::route(principal)) {
                    return Err(ServiceError::Invalid(
                        "owner_id: staff list the accounts of one customer".into(),
                    ));
                }
                return Ok(self
                    .store
                    .list_accounts(None, false, after, limit.min(MAX_PAGE))
                    .await?);
            }
        };
        let staff = owner != principal.user_id && self.owner_is_staff(Some(&owner)).await?;
        authz()?
            .require(
                principal,
                "account.read",
                &ObjectRef::owned("user", &owner, &owner, staff),
            )
            .map_err(hide_forbidden)?;
        Ok(self
            .store
            .list_accounts(Some(&owner), false, after, limit.min(MAX_PAGE))
            .await?)
    }

    /// The cash desk accounts (clerks, managers).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub async fn cash_accounts(
        &self,
        principal: &Principal,
    ) -> Result<Vec<AccountRecord>, ServiceError> {
        let az = authz()?;
        let probe = ObjectRef::owned("account", "cash", "", false);
        if !(az.is_allowed(principal, "cash.deposit", &probe)
            || az.is_allowed(principal, "account.manage", &ObjectRef::route(principal)))
        {
            return Err(ServiceError::Forbidden("forbidden"));
        }
        Ok(self.store.list_accounts(None, true, None, 100).await?)
    }

    /// Freezes, unfreezes or closes an account and/or sets its overdraft (managers).
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for a transition or limit the rules refuse.
    pub async fn change_account(
        &self,
        principal: &Principal,
        id: &str,
        status: Option<AccountStatus>,
        overdraft: Option<Money>,
        reason: Option<&str>,
    ) -> Result<AccountRecord, ServiceError> {
        let account = self.account(principal, id).await?;
        authz()?
            .require(
                principal,
                "account.manage",
                &Self::account_ref(&account, false),
            )
            .map_err(|e| match e {
                ServiceError::NotFound => ServiceError::Forbidden("forbidden"),
                e => e,
            })?;
        if let Some(m) = overdraft
            && m.currency() != account.currency
        {
            return Err(ServiceError::Invalid(format!(
                "overdraft limit must be in {}",
                account.currency
            )));
        }
        let action = match status {
            Some(AccountStatus::Frozen) => actions::ACCOUNT_FREEZE,
            Some(AccountStatus::Open) => actions::ACCOUNT_UNFREEZE,
            Some(AccountStatus::Closed) => actions::ACCOUNT_CLOSE,
            None => actions::SETTING_CHANGE,
        };
        let base = self.audit_event(
            principal.actor(),
            action,
            "account",
            &account.id,
            Outcome::Success,
        )?;
        let reason = reason.map(account_change_reason).transpose()?;
        let build = move |a: &AccountRecord| {
            let mut e = base.clone();
            detail(&mut e, "status", a.status.as_str());
            detail(&mut e, "overdraft_minor", &a.overdraft_minor.to_string());
            if let Some(r) = &reason {
                detail(&mut e, "reason", r);
            }
            vec![e]
        };
        let change = AccountChange {
            status,
            overdraft_minor: overdraft.map(Money::minor_units),
            now_us: micros(self.clock.now())?,
        };
        match self
            .store
            .change_account(id, change, Box::new(build))
            .await?
        {
            Ok(a) => Ok(a),
            Err(AccountChangeError::Invalid(m)) => Err(ServiceError::Invalid(m)),
            Err(AccountChangeError::OverdraftInUse) => Err(refused(
                "overdraft_in_use",
                "the account already uses more than the new limit",
            )),
        }
    }

    /// Checks a device signature by one of the caller's own certificates: the certificate is a
    /// signature certificate of the caller, valid through the chain and not revoked; the
    /// signature verifies over `message` with `context`. That the device is still bound
    /// (active) is checked by the ledger in the transaction that books the signed command
    /// ([`LedgerOutcome::DeviceNotActive`], see [`Self::device_not_active`]).
    async fn verify_device_signature(
        &self,
        principal: &Principal,
        cert_serial: &str,
        message: &[u8],
        context: &[u8],
        signature_b64: &str,
    ) -> Result<DeviceSignature, ServiceError> {
        let not_usable = || {
            refused(
                "certificate_not_usable",
                "the signing certificate is not one of your active devices",
            )
        };
        let alert = |rule: &'static str, severity: &'static str, reason: &'static str| {
            crate::monitoring::Alert {
                rule,
                severity,
                user_id: Some(principal.user_id.clone()),
                client_addr: None,
                details: serde_json::json!({
                    "cert_serial": cert_serial.chars().take(64).collect::<String>(),
                    "reason": reason,
                }),
                evidence: Vec::new(),
            }
        };
        let cert = match self.signing_cert_facts(cert_serial).await? {
            Some(c) if c.user_id == principal.user_id && c.usage == CertKind::Signature => c,
            Some(c) if c.user_id != principal.user_id => {
                // Someone else's signature presented by this caller: a replayed signature.
                self.raise(alert(
                    "transfer.signature_replay",
                    "critical",
                    "signed with another user's device",
                ))
                .await;
                return Err(not_usable());
            }
            Some(_) => return Err(not_usable()),
            None => {
                self.raise(alert(
                    "auth.unknown_certificate",
                    "warning",
                    "signature by an unknown certificate",
                ))
                .await;
                return Err(not_usable());
            }
        };
        let identity =
            DeviceIdentity::new(&principal.user_id, &cert.device_id).map_err(|_| not_usable())?;
        let validated = match self.validate_device_cert(
            &cert.cert_der,
            CertUsage::DeviceSignature,
            &identity,
        ) {
            Ok(v) => v,
            Err(ServiceError::Certificate(PkiError::Revoked { .. })) => {
                self.raise(alert(
                    "auth.revoked_device",
                    "critical",
                    "signature by a revoked certificate",
                ))
                .await;
                return Err(refused(
                    "certificate_revoked",
                    "the signing device's certificate is revoked",
                ));
            }
            Err(ServiceError::Certificate(_)) => return Err(not_usable()),
            Err(e) => return Err(e),
        };
        let key = validated.public_key.as_signature().ok_or_else(not_usable)?;
        let bad = || {
            refused(
                "bad_signature",
                "the signature does not verify over the payload",
            )
        };
        let sig_bytes = B64.decode(signature_b64.trim()).map_err(|_| bad())?;
        let sig = Signature::from_bytes(key.algorithm(), &sig_bytes).map_err(|_| bad())?;
        key.verify(message, context, &sig).map_err(|_| bad())?;
        Ok(DeviceSignature {
            algorithm: key.algorithm().id().to_owned(),
            signature: sig_bytes,
            device_id: cert.device_id,
        })
    }

    /// The refusal (and security alert) when the ledger found the signing device removed.
    async fn device_not_active(&self, principal: &Principal, cert_serial: &str) -> ServiceError {
        self.raise(crate::monitoring::Alert {
            rule: "auth.unbound_device",
            severity: "warning",
            user_id: Some(principal.user_id.clone()),
            client_addr: None,
            details: serde_json::json!({
                "cert_serial": cert_serial.chars().take(64).collect::<String>(),
                "reason": "signature by a removed device",
            }),
            evidence: Vec::new(),
        })
        .await;
        refused(
            "certificate_not_usable",
            "the signing certificate is not one of your active devices",
        )
    }

    fn parse_payload<T>(
        value: &serde_json::Value,
        parse: fn(&[u8]) -> Result<T, pqbank_domain::PayloadError>,
    ) -> Result<T, ServiceError> {
        let bytes = serde_json::to_vec(value).map_err(internal)?;
        parse(&bytes).map_err(|e| ServiceError::Invalid(format!("payload: {e}")))
    }

    fn check_skew(&self, created_at: OffsetDateTime) -> Result<(), ServiceError> {
        let skew = self.ledger.config.max_clock_skew;
        if (created_at - self.clock.now()).abs() > skew {
            return Err(refused(
                "stale_payload",
                format!(
                    "created_at must be within {} minutes of the bank's clock",
                    skew.whole_minutes()
                ),
            ));
        }
        Ok(())
    }

    /// Submits a signed transfer (customers), cash deposit or withdrawal (clerks). Idempotent
    /// by transfer id.
    ///
    /// # Errors
    /// [`ServiceError::Refused`] with a stable code for every business refusal;
    /// [`ServiceError::ConflictWith`] `idempotency_conflict`; [`ServiceError::NotFound`] for a
    /// source account the caller may not use.
    pub async fn submit_transfer(
        &self,
        principal: &Principal,
        channel: Channel,
        req: &SignedRequest,
        request_id: Option<&str>,
    ) -> Result<Submitted, ServiceError> {
        let submitted = self
            .book_transfer(principal, channel, req, request_id)
            .await?;
        if submitted.created && channel == Channel::Customer {
            self.check_transfer_rules(principal, &submitted.transfer)
                .await;
        }
        Ok(submitted)
    }

    /// [`Self::submit_transfer`] without the monitoring rules (the caller runs them).
    async fn book_transfer(
        &self,
        principal: &Principal,
        channel: Channel,
        req: &SignedRequest,
        request_id: Option<&str>,
    ) -> Result<Submitted, ServiceError> {
        let payload = Self::parse_payload(&req.payload, TransferPayload::from_json)?;
        let canonical = payload.canonical_bytes();
        let digest = hex::encode(sha256(&canonical));
        let serial = payload.initiator_cert_serial.to_string();
        let DeviceSignature {
            algorithm,
            signature,
            device_id,
        } = self
            .verify_device_signature(
                principal,
                &serial,
                &canonical,
                TRANSFER_SIGNATURE_CONTEXT,
                &req.signature,
            )
            .await?;
        let id = payload.transfer_id.to_string();
        if let Err(stale) = self.check_skew(payload.created_at.to_datetime()) {
            // A retry of an old signed transfer returns the original, whatever its age.
            return match self.store.get_transfer(&id).await? {
                Some(existing) => self.replayed(principal, existing, &digest).await,
                None => Err(stale),
            };
        }
        let from_id = payload.from_account.to_string();
        let to_id = payload.to_account.to_string();
        let from = self
            .account_facts(&from_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let to = self
            .account_facts(&to_id)
            .await?
            .ok_or_else(|| refused("unknown_account", "the destination account does not exist"))?;
        let (kind, action) = match channel {
            Channel::Customer => (TransferKind::Transfer, "transfer.create"),
            Channel::CashDeposit => (TransferKind::CashDeposit, "cash.deposit"),
            Channel::CashWithdrawal => (TransferKind::CashWithdrawal, "cash.withdraw"),
        };
        // Which side is the customer's, and the shape each channel allows.
        let customer_side = match channel {
            Channel::Customer => {
                if from.owner_id.is_none() || to.owner_id.is_none() {
                    return Err(refused(
                        "internal_account",
                        "transfers are between customer accounts",
                    ));
                }
                &from
            }
            Channel::CashDeposit => {
                if from.kind != AccountKind::Cash || to.owner_id.is_none() {
                    return Err(refused(
                        "not_a_cash_operation",
                        "a deposit moves money from the cash desk to a customer account",
                    ));
                }
                &to
            }
            Channel::CashWithdrawal => {
                if to.kind != AccountKind::Cash || from.owner_id.is_none() {
                    return Err(refused(
                        "not_a_cash_operation",
                        "a withdrawal moves money from a customer account to the cash desk",
                    ));
                }
                &from
            }
        };
        let staff = customer_side.owner_id.as_deref() != Some(principal.user_id.as_str())
            && self
                .owner_is_staff(customer_side.owner_id.as_deref())
                .await?;
        authz()?
            .require(
                principal,
                action,
                &Self::owned_ref(&customer_side.id, customer_side.owner_id.as_deref(), staff),
            )
            .map_err(hide_forbidden)?;
        let now_us = micros(self.clock.now())?;
        let record = TransferRecord {
            id: id.clone(),
            kind,
            status: TransferStatus::Posted,
            from_account: from_id,
            to_account: to_id,
            amount_minor: payload.amount.minor_units(),
            currency: payload.amount.currency(),
            reference: payload.reference.as_str().to_owned(),
            initiator_id: principal.user_id.clone(),
            initiator_cert_serial: serial.clone(),
            payload: canonical,
            payload_sha256: digest.clone(),
            signature: signature.clone(),
            signature_alg: algorithm.clone(),
            approval_required: false,
            created_us: now_us,
            expires_us: None,
            decided_us: None,
            decided_by: None,
            approval_payload: None,
            approval_signature: None,
            approval_cert_serial: None,
            reason: None,
        };
        let audit_action = match channel {
            Channel::Customer => actions::TRANSFER_CREATE,
            Channel::CashDeposit => actions::CASH_DEPOSIT,
            Channel::CashWithdrawal => actions::CASH_WITHDRAW,
        };
        let signed = SignedPayload {
            payload_sha256: Hash::new(sha256(&record.payload)),
            signature,
            algorithm: token(&algorithm)?,
            cert_serial: token(&serial)?,
        };
        let base = self.audit_event(
            principal.actor(),
            audit_action,
            "transfer",
            &id,
            Outcome::Success,
        )?;
        let request_id = request_id.and_then(|r| Token::new(r).ok());
        let generic = token("refused")?;
        let audit: AuditBuilder = Box::new(move |outcome| {
            let mut e = base.clone();
            e.request_id = request_id.clone();
            match outcome {
                LedgerOutcome::Created(t) => {
                    // The signed payload is stored with the transfer: the export carries it,
                    // so the offline verifier re-checks this signature.
                    e.signed = Some(signed.clone());
                    detail(&mut e, "status", t.status.as_str());
                    detail(&mut e, "amount_minor", &t.amount_minor.to_string());
                    detail(&mut e, "currency", t.currency.code());
                    detail(&mut e, "from", &t.from_account);
                    detail(&mut e, "to", &t.to_account);
                }
                other => {
                    e.outcome = Outcome::Failure {
                        code: Token::new(outcome_code(other)).unwrap_or_else(|_| generic.clone()),
                    };
                }
            }
            vec![e]
        });
        let outcome = self
            .execute_ledger(LedgerCommand::Create(Box::new(CreateTransfer {
                transfer: record,
                policy: self.ledger_policy(),
                signing_device: Some(device_id),
                audit,
            })))
            .await?;
        match outcome {
            LedgerOutcome::Created(t) => Ok(Submitted {
                transfer: t,
                created: true,
            }),
            LedgerOutcome::Replayed(t) => self.replayed(principal, t, &digest).await,
            LedgerOutcome::IdConflict => match self.store.get_transfer(&id).await? {
                Some(existing) => self.replayed(principal, existing, &digest).await,
                None => Err(outcome_error(LedgerOutcome::IdConflict)),
            },
            LedgerOutcome::DeviceNotActive => Err(self.device_not_active(principal, &serial).await),
            other => Err(outcome_error(other)),
        }
    }

    /// Submits several signed transfers of the caller in one call (a bulk payment, such as a
    /// payroll run). Each is verified, authorized, booked, audited and monitored on its own,
    /// exactly as by [`Self::submit_transfer`] on the customer channel, and gets its own
    /// result, in request order; one refusal does not affect the others (not all-or-nothing).
    /// The items are processed concurrently, so their bookings share group commits; the
    /// monitoring rules then judge each new transfer on one read per source account.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for an empty batch or one of more than
    /// [`MAX_TRANSFER_BATCH`]; otherwise per item, as [`Self::submit_transfer`].
    pub async fn submit_transfers(
        &self,
        principal: &Principal,
        requests: Vec<SignedRequest>,
        request_id: Option<&str>,
    ) -> Result<Vec<Result<Submitted, ServiceError>>, ServiceError> {
        if requests.is_empty() || requests.len() > MAX_TRANSFER_BATCH {
            return Err(ServiceError::Invalid(format!(
                "transfers: between 1 and {MAX_TRANSFER_BATCH} per batch"
            )));
        }
        let count = requests.len();
        let mut set = tokio::task::JoinSet::new();
        for (index, request) in requests.into_iter().enumerate() {
            let bank = self.clone();
            let principal = principal.clone();
            let request_id = request_id.map(str::to_owned);
            set.spawn(async move {
                let result = bank
                    .book_transfer(
                        &principal,
                        Channel::Customer,
                        &request,
                        request_id.as_deref(),
                    )
                    .await;
                (index, result)
            });
        }
        let mut results: Vec<Option<Result<Submitted, ServiceError>>> =
            (0..count).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            let (index, result) = joined.map_err(internal)?;
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
        let results = results
            .into_iter()
            .map(|r| {
                r.ok_or_else(|| internal(pqbank_store::StoreError::Corrupt("batch result missing")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The monitoring rules once for the batch's new transfers (one read per account).
        let created: Vec<&TransferRecord> = results
            .iter()
            .filter_map(|r| match r {
                Ok(Submitted {
                    transfer,
                    created: true,
                }) => Some(transfer),
                _ => None,
            })
            .collect();
        if !created.is_empty() {
            self.check_transfers_rules(principal, &created).await;
        }
        Ok(results)
    }

    /// A transfer id that exists already: the same signed payload by the same customer is a
    /// retry and gets the original; anything else is a replayed or reused id (an alert, 409).
    async fn replayed(
        &self,
        principal: &Principal,
        existing: TransferRecord,
        digest: &str,
    ) -> Result<Submitted, ServiceError> {
        if existing.payload_sha256 == digest && existing.initiator_id == principal.user_id {
            return Ok(Submitted {
                transfer: existing,
                created: false,
            });
        }
        self.raise(crate::monitoring::Alert {
            rule: "transfer.signature_replay",
            severity: "critical",
            user_id: Some(principal.user_id.clone()),
            client_addr: None,
            details: serde_json::json!({
                "transfer_id": existing.id,
                "reason": if existing.initiator_id == principal.user_id {
                    "same transfer id, different payload"
                } else {
                    "transfer id of another user"
                },
            }),
            evidence: Vec::new(),
        })
        .await;
        Err(outcome_error(LedgerOutcome::IdConflict))
    }

    /// One transfer, if the caller may see it.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`].
    pub async fn transfer(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<TransferRecord, ServiceError> {
        let t = self
            .store
            .get_transfer(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.require_transfer_read(principal, &t).await?;
        Ok(t)
    }

    async fn require_transfer_read(
        &self,
        principal: &Principal,
        t: &TransferRecord,
    ) -> Result<(), ServiceError> {
        if t.initiator_id == principal.user_id {
            return Ok(());
        }
        let az = authz()?;
        for account in [&t.from_account, &t.to_account] {
            if let Some(a) = self.store.get_account(account).await? {
                let staff = a.owner_id.as_deref() != Some(principal.user_id.as_str())
                    && self.owner_is_staff(a.owner_id.as_deref()).await?;
                let mut object = Self::account_ref(&a, staff);
                object.kind = "transfer";
                if az.is_allowed(principal, "transfer.read", &object) {
                    return Ok(());
                }
            }
        }
        Err(ServiceError::NotFound)
    }

    /// Transfers of one account (or, for customers without an account filter, of all their
    /// accounts), newest first, keyset-paginated.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an account the caller may not read.
    pub async fn transfers(
        &self,
        principal: &Principal,
        account: Option<&str>,
        status: Option<TransferStatus>,
        after: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<TransferRecord>, ServiceError> {
        let mut filter = TransferFilter {
            status,
            after,
            ..TransferFilter::default()
        };
        match account {
            Some(a) => {
                self.account(principal, a).await?;
                filter.account = Some(a.to_owned());
            }
            None if principal.roles.is_staff() => {
                if !authz()?.is_allowed(principal, "transfer.approve", &ObjectRef::route(principal))
                {
                    return Err(ServiceError::Invalid(
                        "account: staff list the transfers of one account".into(),
                    ));
                }
            }
            None => filter.owner = Some(principal.user_id.clone()),
        }
        Ok(self
            .store
            .list_transfers(&filter, limit.min(MAX_PAGE))
            .await?)
    }

    /// The approval queue (managers): pending transfers, oldest first.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub async fn approval_queue(
        &self,
        principal: &Principal,
        limit: u32,
    ) -> Result<Vec<TransferRecord>, ServiceError> {
        authz()?.require(principal, "transfer.approve", &ObjectRef::route(principal))?;
        Ok(self
            .store
            .list_transfers(
                &TransferFilter {
                    status: Some(TransferStatus::PendingApproval),
                    ascending: true,
                    ..TransferFilter::default()
                },
                limit.min(MAX_PAGE),
            )
            .await?)
    }

    /// Approves a pending transfer (it posts) with the manager's device signature over an
    /// [`ApprovalPayload`] bound to the transfer's payload digest. Nobody approves a transfer they
    /// initiated, manager or not.
    ///
    /// # Errors
    /// [`ServiceError::Refused`] (`self_approval`, `not_pending`, `approval_mismatch`,
    /// `bad_signature`, ...).
    pub async fn approve_transfer(
        &self,
        principal: &Principal,
        id: &str,
        req: &SignedRequest,
    ) -> Result<TransferRecord, ServiceError> {
        let t = self.decidable(principal, id, "transfer.approve").await?;
        let payload = Self::parse_payload(&req.payload, ApprovalPayload::from_json)?;
        if payload.decision != ApprovalDecision::Approve {
            return Err(ServiceError::Invalid(
                "payload: decision must be approve".into(),
            ));
        }
        if payload.transfer_id.to_string() != t.id
            || payload.payload_digest.to_string() != t.payload_sha256
        {
            return Err(refused(
                "approval_mismatch",
                "the approval is not for this transfer's signed payload",
            ));
        }
        let canonical = payload.canonical_bytes();
        let serial = payload.approver_cert_serial.to_string();
        let DeviceSignature {
            algorithm,
            signature,
            device_id,
        } = self
            .verify_device_signature(
                principal,
                &serial,
                &canonical,
                APPROVAL_SIGNATURE_CONTEXT,
                &req.signature,
            )
            .await?;
        self.check_skew(payload.created_at.to_datetime())?;
        let signed = SignedPayload {
            payload_sha256: Hash::new(sha256(&canonical)),
            signature: signature.clone(),
            algorithm: token(&algorithm)?,
            cert_serial: token(&serial)?,
        };
        let approval = Approval {
            payload: canonical,
            signature,
            cert_serial: serial,
            device_id,
            audit: signed,
        };
        self.decide(principal, &t, Decision::Approve, Some(approval), None)
            .await
    }

    /// Rejects a pending transfer with a reason (the reservation is released). A rejection moves
    /// no money, so it is an authenticated request without a device signature.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] without a reason; as [`Self::approve_transfer`].
    pub async fn reject_transfer(
        &self,
        principal: &Principal,
        id: &str,
        reason: &str,
    ) -> Result<TransferRecord, ServiceError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control)
        {
            return Err(ServiceError::Invalid(
                "reason: a rejection needs a reason (1 to 500 characters, no control characters)"
                    .into(),
            ));
        }
        let t = self.decidable(principal, id, "transfer.reject").await?;
        self.decide(
            principal,
            &t,
            Decision::Reject,
            None,
            Some(reason.to_owned()),
        )
        .await
    }

    /// The transfer, if the caller may take `action` on it: four eyes first (a clear refusal),
    /// then Cedar (which forbids it too).
    async fn decidable(
        &self,
        principal: &Principal,
        id: &str,
        action: &str,
    ) -> Result<TransferRecord, ServiceError> {
        let t = self.transfer(principal, id).await?;
        if t.initiator_id == principal.user_id {
            return Err(refused(
                "self_approval",
                "four eyes: nobody decides a transfer they initiated",
            ));
        }
        let mut object = ObjectRef::owned("transfer", &t.id, "", false);
        object.initiator = t.initiator_id.clone();
        authz()?.require(principal, action, &object)?;
        Ok(t)
    }

    async fn decide(
        &self,
        principal: &Principal,
        t: &TransferRecord,
        decision: Decision,
        approval: Option<Approval>,
        reason: Option<String>,
    ) -> Result<TransferRecord, ServiceError> {
        let audit_action = match decision {
            Decision::Approve => actions::TRANSFER_APPROVE,
            Decision::Reject | Decision::Expire => actions::TRANSFER_REJECT,
        };
        let base = self.audit_event(
            principal.actor(),
            audit_action,
            "transfer",
            &t.id,
            Outcome::Success,
        )?;
        let generic = token("refused")?;
        let signed = approval.as_ref().map(|a| a.audit.clone());
        let audit_reason = reason.clone();
        let audit: AuditBuilder = Box::new(move |outcome| {
            let mut e = base.clone();
            match outcome {
                LedgerOutcome::Decided(t) => {
                    e.signed.clone_from(&signed);
                    detail(&mut e, "status", t.status.as_str());
                    if let Some(r) = &audit_reason {
                        detail(&mut e, "reason", &r.chars().take(200).collect::<String>());
                    }
                }
                other => {
                    e.outcome = Outcome::Failure {
                        code: Token::new(outcome_code(other)).unwrap_or_else(|_| generic.clone()),
                    };
                }
            }
            vec![e]
        });
        let now_us = micros(self.clock.now())?;
        let (approval_payload, approval_signature, approval_cert_serial, signing_device) =
            match approval {
                Some(a) => (
                    Some(a.payload),
                    Some(a.signature),
                    Some(a.cert_serial),
                    Some(a.device_id),
                ),
                None => (None, None, None, None),
            };
        let serial = approval_cert_serial.clone().unwrap_or_default();
        let command = DecideTransfer {
            transfer_id: t.id.clone(),
            decision,
            decided_by: Some(principal.user_id.clone()),
            decided_us: now_us,
            expected_payload_sha256: Some(t.payload_sha256.clone()),
            approval_payload,
            approval_signature,
            approval_cert_serial,
            reason,
            now_us,
            signing_device,
            audit,
        };
        match self
            .execute_ledger(LedgerCommand::Decide(Box::new(command)))
            .await?
        {
            LedgerOutcome::Decided(t) => Ok(t),
            LedgerOutcome::DeviceNotActive => Err(self.device_not_active(principal, &serial).await),
            other => Err(outcome_error(other)),
        }
    }

    /// Expires every pending transfer past its deadline (releasing the reservations); returns
    /// how many expired.
    ///
    /// # Errors
    /// Store errors.
    pub async fn expire_due_transfers(&self) -> Result<usize, ServiceError> {
        let now_us = micros(self.clock.now())?;
        let due = self.store.due_pending_transfers(now_us, 200).await?;
        let mut expired = 0;
        for id in due {
            let base = self.audit_event(
                Actor {
                    user_id: None,
                    roles: Vec::new(),
                    device_cert_serial: None,
                },
                actions::TRANSFER_EXPIRE,
                "transfer",
                &id,
                Outcome::Success,
            )?;
            let audit: AuditBuilder = Box::new(move |outcome| match outcome {
                LedgerOutcome::Decided(_) => vec![base.clone()],
                _ => Vec::new(),
            });
            let outcome = self
                .execute_ledger(LedgerCommand::Decide(Box::new(DecideTransfer {
                    transfer_id: id,
                    decision: Decision::Expire,
                    decided_by: None,
                    decided_us: now_us,
                    expected_payload_sha256: None,
                    approval_payload: None,
                    approval_signature: None,
                    approval_cert_serial: None,
                    reason: Some("not approved in time".into()),
                    now_us,
                    signing_device: None,
                    audit,
                })))
                .await?;
            if matches!(outcome, LedgerOutcome::Decided(_)) {
                expired += 1;
            }
        }
        Ok(expired)
    }

    /// Background work of the ledger on this instance: expiry of pending transfers and policy
    /// refresh, every `period`, until `shutdown`.
    pub async fn run_ledger_maintenance(
        &self,
        period: std::time::Duration,
        shutdown: impl Future<Output = ()> + Send,
    ) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = tick.tick() => {
                    if let Err(e) = self.expire_due_transfers().await {
                        tracing::warn!(error = %e, "expiring pending transfers failed");
                    }
                    if let Err(e) = self.reload_ledger_settings().await {
                        tracing::warn!(error = %e, "reloading the approval policy failed");
                    }
                    if let Err(e) = self.reload_monitoring_settings().await {
                        tracing::warn!(error = %e, "reloading the monitoring rules failed");
                    }
                }
            }
        }
    }

    /// An account's postings, newest first (cursor: the last `seq` seen).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an account the caller may not read.
    pub async fn account_postings(
        &self,
        principal: &Principal,
        account: &str,
        before_seq: Option<i64>,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
        limit: u32,
    ) -> Result<Vec<PostingRecord>, ServiceError> {
        self.account(principal, account).await?;
        Ok(self
            .store
            .list_postings(
                account,
                before_seq,
                from.map(micros).transpose()?,
                to.map(micros).transpose()?,
                limit.min(MAX_PAGE),
            )
            .await?)
    }

    /// Recomputes the books and checks the invariants (auditors, managers, admins, and the
    /// `pqbank ledger check` command).
    ///
    /// # Errors
    /// Store errors.
    pub async fn ledger_check(&self) -> Result<LedgerCheck, ServiceError> {
        Ok(self.store.ledger_check().await?)
    }
}

fn outcome_code(outcome: &LedgerOutcome) -> &'static str {
    match outcome {
        LedgerOutcome::Created(_) | LedgerOutcome::Decided(_) | LedgerOutcome::Replayed(_) => "ok",
        LedgerOutcome::IdConflict => "idempotency_conflict",
        LedgerOutcome::Refused(r) => r.code(),
        LedgerOutcome::UnknownAccount => "unknown_account",
        LedgerOutcome::NotFound => "not_found",
        LedgerOutcome::NotPending(_) => "not_pending",
        LedgerOutcome::SelfApproval => "self_approval",
        LedgerOutcome::DigestMismatch => "approval_mismatch",
        LedgerOutcome::NotDue => "not_due",
        LedgerOutcome::DeviceNotActive => "certificate_not_usable",
    }
}

fn outcome_error(outcome: LedgerOutcome) -> ServiceError {
    match outcome {
        LedgerOutcome::IdConflict => ServiceError::ConflictWith {
            code: "idempotency_conflict",
            detail: "a transfer with this id and a different payload exists".into(),
        },
        LedgerOutcome::Refused(r) => refused(r.code(), r.to_string()),
        LedgerOutcome::NotFound => ServiceError::NotFound,
        LedgerOutcome::NotPending(t) => refused(
            "not_pending",
            format!("the transfer is {}, not pending approval", t.status),
        ),
        other => refused(outcome_code(&other), "refused"),
    }
}

fn policy_from(
    base: &ApprovalPolicy,
    settings: &LedgerSettings,
) -> Result<ApprovalPolicy, ServiceError> {
    let mut policy = base
        .clone()
        .with_pending_ttl_seconds(settings.pending_ttl_seconds)
        .ok_or_else(|| {
            ServiceError::Invalid(format!(
                "pending_ttl_seconds must be 1..={}",
                ApprovalPolicy::MAX_PENDING_TTL_SECONDS
            ))
        })?;
    if settings.thresholds.len() > 200 {
        return Err(ServiceError::Invalid("too many thresholds".into()));
    }
    for (currency, money) in &settings.thresholds {
        if money.currency() != *currency {
            return Err(ServiceError::Invalid(format!(
                "threshold for {currency} given in {}",
                money.currency()
            )));
        }
        let t = ApprovalThreshold::new(*money)
            .map_err(|e| ServiceError::Invalid(format!("threshold for {currency}: {e}")))?;
        policy = policy.with_threshold(t);
    }
    Ok(policy)
}

/// Longest reason for an account change (freeze, unfreeze, close, overdraft) kept in the
/// audit log.
pub const MAX_ACCOUNT_CHANGE_REASON: usize = 200;

/// An account change's reason as the audit log keeps it: trimmed, 1 to
/// [`MAX_ACCOUNT_CHANGE_REASON`] characters, no control characters (it is shown in terminals
/// and the web app). Refused, never truncated.
fn account_change_reason(reason: &str) -> Result<String, ServiceError> {
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_ACCOUNT_CHANGE_REASON
        || reason.chars().any(char::is_control)
    {
        return Err(ServiceError::Invalid(format!(
            "reason: 1 to {MAX_ACCOUNT_CHANGE_REASON} characters, no control characters"
        )));
    }
    Ok(reason.to_owned())
}
