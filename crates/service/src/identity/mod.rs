//! Identity use cases: registration, activation, the admin bootstrap, challenge-response login
//! with hybrid session keys, request authentication (session + MAC), sessions, devices, staff
//! administration and security events.

mod auth;
mod certs;
pub mod password;
mod users;

use std::collections::HashMap;
use std::sync::Mutex;

use pqbank_audit::{Action, Actor, AuditEvent, Outcome, Resource, Token};
use pqbank_domain::{Role, RoleSet, SessionId};
use pqbank_store::{SecurityEventRecord, SecurityEventStatus, UserRecord};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

pub use auth::{
    AuthFailure, Challenge, ChallengeRequest, LoginOutcome, LoginRequest, RequestFacts, RequestMac,
};
pub use certs::{CertificateRequest, decode_b64};
pub use users::{
    ActivateRequest, DeviceView, NewStaffUser, OnboardRequest, OnboardedUser, RegisterRequest,
    Registered, SessionView, UserView,
};

use crate::cache::BoundedMap;
use crate::entropy::random_array;
use crate::{Bank, ServiceError};

/// Security settings of identity (admins may change them; defaults are the issue's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityConfig {
    /// Failed logins before the account locks.
    pub lockout_threshold: i64,
    /// First lock duration; doubles with every further failure.
    pub lockout_base: Duration,
    /// Longest lock.
    pub lockout_max: Duration,
    /// Idle timeout of sessions.
    pub session_idle: Duration,
    /// Absolute lifetime of sessions.
    pub session_absolute: Duration,
    /// Lifetime of a login challenge.
    pub challenge_ttl: Duration,
    /// Lifetime of activation and reset codes.
    pub activation_ttl: Duration,
    /// Accepted clock difference of request MAC timestamps.
    pub mac_skew: Duration,
    /// Login attempts per client address per minute.
    pub login_rate_per_minute: u32,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            lockout_threshold: 5,
            lockout_base: Duration::seconds(30),
            lockout_max: Duration::hours(1),
            session_idle: Duration::minutes(15),
            session_absolute: Duration::hours(12),
            challenge_ttl: Duration::seconds(120),
            activation_ttl: Duration::hours(72),
            mac_skew: Duration::seconds(120),
            login_rate_per_minute: 30,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user_id: String,
    /// Username.
    pub username: String,
    /// Roles.
    pub roles: RoleSet,
    /// Branch of staff roles.
    pub branch: Option<String>,
    /// Public id of the session.
    pub session_id: String,
    /// Device that logged in.
    pub device_id: String,
    /// Its certificate serial.
    pub cert_serial: String,
    /// Login time.
    pub logged_in_at: OffsetDateTime,
}

impl Principal {
    /// Whether the caller holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    pub(crate) fn actor(&self) -> Actor {
        actor(&self.user_id, self.roles, Some(&self.cert_serial))
    }
}

/// The audit actor for a user with `roles`, acting from the device with certificate `serial`.
pub(crate) fn actor(user_id: &str, roles: RoleSet, serial: Option<&str>) -> Actor {
    Actor {
        user_id: Token::new(user_id).ok(),
        roles: roles
            .iter()
            .filter_map(|r| Token::new(r.as_str()).ok())
            .collect(),
        device_cert_serial: serial.and_then(|s| Token::new(s).ok()),
    }
}

/// Per-instance fixed-window rate limiter with a bounded number of keys.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

/// Most keys a limiter tracks; when full, the oldest window is forgotten first.
const MAX_RATE_KEYS: usize = 10_000;

impl RateLimiter {
    /// Counts one attempt for `key` in the minute of `now`; false if over `limit`.
    pub(crate) fn allow(&self, key: &str, now: OffsetDateTime, limit: u32) -> bool {
        let minute = now.unix_timestamp() / 60;
        let mut map = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_RATE_KEYS && !map.contains_key(key) {
            map.retain(|_, (m, _)| *m == minute);
            if map.len() >= MAX_RATE_KEYS {
                map.clear();
            }
        }
        let entry = map.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }
}

/// Shared identity state: configuration, rate limits, the session-key cache and the session
/// cache. (Session activity is written through the write pipeline, [`crate::writes`].)
#[derive(Debug, Default)]
pub struct IdentityState {
    pub(crate) config: IdentityConfig,
    pub(crate) login_limiter: RateLimiter,
    pub(crate) session_keys: SessionKeyCache,
    pub(crate) sessions: SessionCache,
}

/// Most sessions an instance remembers.
const SESSION_CACHE_LIMIT: usize = 10_000;

/// This instance's last read of each session and its user, keyed by session id, so that a
/// request costs no read. An entry is used only if it passes every check as it stands; what
/// can change elsewhere is checked again in the request's own write: the session touch refuses
/// a revoked session or a stale counter and reports the user's current version, and a
/// different version means the user is read again.
pub(crate) struct SessionCache(
    BoundedMap<String, (pqbank_store::SessionRecord, pqbank_store::UserRecord)>,
);

impl Default for SessionCache {
    fn default() -> Self {
        Self(BoundedMap::new(SESSION_CACHE_LIMIT))
    }
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Deref for SessionCache {
    type Target = BoundedMap<String, (pqbank_store::SessionRecord, pqbank_store::UserRecord)>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Most decrypted session keys an instance keeps.
const SESSION_KEY_CACHE_LIMIT: usize = 10_000;

/// Decrypted request-MAC keys by session, so that a request costs no KEM decapsulation. An
/// entry is used only while the stored encrypted key is byte-for-byte the one it was decrypted
/// from. Keys are zeroized when dropped.
pub(crate) struct SessionKeyCache(BoundedMap<String, (Vec<u8>, pqbank_crypto::SecretBytes)>);

impl Default for SessionKeyCache {
    fn default() -> Self {
        Self(BoundedMap::new(SESSION_KEY_CACHE_LIMIT))
    }
}

impl std::fmt::Debug for SessionKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl SessionKeyCache {
    /// The cached key of `session_id` if it was decrypted from `encrypted`.
    pub(crate) fn get(
        &self,
        session_id: &str,
        encrypted: &[u8],
    ) -> Option<pqbank_crypto::SecretBytes> {
        self.0
            .get_if(session_id, |(record, _)| record.as_slice() == encrypted)
            .map(|(_, key)| key)
    }

    /// Remembers the key decrypted from `encrypted`.
    pub(crate) fn put(&self, session_id: &str, encrypted: &[u8], key: pqbank_crypto::SecretBytes) {
        self.0
            .insert(session_id.to_owned(), (encrypted.to_vec(), key));
    }
}

/// Parses the stored comma-separated role list.
pub(crate) fn parse_roles(stored: &str) -> Result<RoleSet, ServiceError> {
    let roles = stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse::<Role>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ServiceError::Internal("stored role list is corrupt".into()))?;
    RoleSet::from_roles(roles).map_err(|_| ServiceError::Internal("stored roles conflict".into()))
}

/// Personal data, stored only encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PersonalData {
    /// Legal name.
    pub legal_name: String,
    /// Email address.
    pub email: String,
    /// Postal address, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

fn pii_aad(user_id: &str) -> Vec<u8> {
    format!("pqbank:users:pii:{user_id}").into_bytes()
}

impl Bank {
    pub(crate) fn random_hex<const N: usize>(&self) -> Result<String, ServiceError> {
        Ok(hex::encode(
            random_array::<N>(self.entropy.as_ref()).map_err(crate::ca::internal)?,
        ))
    }

    /// A new session's public handle: 16 random bytes ([`SessionId`] gives its text form).
    pub(crate) fn new_session_id(&self) -> Result<SessionId, ServiceError> {
        let bytes = random_array::<16>(self.entropy.as_ref()).map_err(crate::ca::internal)?;
        Ok(SessionId::from_bytes(bytes))
    }

    pub(crate) fn new_uuid(&self) -> Result<String, ServiceError> {
        let bytes = random_array::<16>(self.entropy.as_ref()).map_err(crate::ca::internal)?;
        Ok(uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string())
    }

    pub(crate) fn encrypt_pii(
        &self,
        user_id: &str,
        pii: &PersonalData,
    ) -> Result<Vec<u8>, ServiceError> {
        let json = serde_json::to_vec(pii).map_err(crate::ca::internal)?;
        Ok(self
            .keyring()?
            .encrypt(&pii_aad(user_id), &json, &mut self.rng()?)
            .map_err(crate::ca::internal)?
            .to_bytes())
    }

    /// Decrypts a user's personal data.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if the record does not decrypt.
    pub(crate) fn decrypt_pii(&self, user: &UserRecord) -> Result<PersonalData, ServiceError> {
        let record = pqbank_crypto::EncryptedRecord::from_bytes(&user.pii_encrypted)
            .map_err(crate::ca::internal)?;
        let plain = self
            .keyring()?
            .decrypt(&pii_aad(&user.id), &record)
            .map_err(crate::ca::internal)?;
        serde_json::from_slice(plain.expose()).map_err(crate::ca::internal)
    }

    /// The status change of a security event as the store keeps it.
    fn status_change(
        &self,
        principal: &Principal,
        status: &str,
        note: Option<&str>,
    ) -> Result<SecurityEventStatus, ServiceError> {
        if !matches!(status, "acknowledged" | "resolved") {
            return Err(ServiceError::Invalid(
                "status must be acknowledged or resolved".into(),
            ));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if status == "resolved" && note.is_none() {
            return Err(ServiceError::Invalid(
                "note: say why the alert is resolved".into(),
            ));
        }
        if note.is_some_and(|n| {
            n.chars().count() > pqbank_store::MAX_STATUS_NOTE || n.chars().any(char::is_control)
        }) {
            return Err(ServiceError::Invalid(format!(
                "note: at most {} characters, no control characters",
                pqbank_store::MAX_STATUS_NOTE
            )));
        }
        Ok(SecurityEventStatus {
            status: status.to_owned(),
            by: principal.user_id.clone(),
            note: note.map(str::to_owned),
            time: self.clock.now(),
        })
    }

    pub(crate) fn audit_event(
        &self,
        actor: Actor,
        action: Action,
        kind: &str,
        id: &str,
        outcome: Outcome,
    ) -> Result<AuditEvent, ServiceError> {
        let time = pqbank_audit::Timestamp::new(self.clock.now()).map_err(crate::ca::internal)?;
        let resource = Resource {
            kind: Token::new(kind).map_err(crate::ca::internal)?,
            id: Token::new(sanitize_token(id)).map_err(crate::ca::internal)?,
        };
        Ok(AuditEvent::new(0, time, actor, action, resource, outcome))
    }

    /// Records a security event (with an `alert.raise` audit event in the same transaction) and
    /// returns that event's audit index. Failing to record is logged, never shown to the client.
    pub(crate) async fn security_event(
        &self,
        kind: &'static str,
        severity: &'static str,
        user_id: Option<&str>,
        client_addr: Option<&str>,
        details: serde_json::Value,
        evidence: Vec<u64>,
    ) -> Option<u64> {
        let record = SecurityEventRecord {
            id: 0,
            time: self.clock.now(),
            kind: kind.to_owned(),
            severity: severity.to_owned(),
            user_id: user_id.map(str::to_owned),
            client_addr: client_addr.map(|a| a.chars().take(64).collect()),
            details: details.to_string().chars().take(4096).collect(),
            status: "open".to_owned(),
            evidence,
            status_by: None,
            status_note: None,
            status_time: None,
        };
        let actor = Actor {
            user_id: user_id.and_then(|u| Token::new(u).ok()),
            roles: Vec::new(),
            device_cert_serial: None,
        };
        let audit = self
            .audit_event(
                actor,
                pqbank_audit::actions::ALERT_RAISE,
                "security_event",
                kind,
                Outcome::Success,
            )
            .map(|mut e| {
                add_detail(&mut e, "severity", severity);
                vec![e]
            })
            .unwrap_or_default();
        tracing::warn!(event = "security", kind, severity, user = ?user_id, "security event");
        match self.store.insert_security_event(&record, audit).await {
            Ok((_, indexes)) => indexes.first().copied(),
            Err(e) => {
                tracing::error!(error = %e, kind, "could not record a security event");
                None
            }
        }
    }

    /// Security events after `after` (ascending), for auditors and admins.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] without the right; store errors.
    pub async fn list_security_events(
        &self,
        principal: &Principal,
        after: i64,
        limit: u32,
    ) -> Result<Vec<SecurityEventRecord>, ServiceError> {
        crate::authz::authz()?.require(
            principal,
            "security_event.list",
            &crate::authz::ObjectRef::route(principal),
        )?;
        Ok(self
            .store
            .list_security_events(after, None, limit.min(500))
            .await?)
    }
}

impl Bank {
    /// Acknowledges or resolves a security event (auditors and admins).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; [`ServiceError::Invalid`] for another status;
    /// [`ServiceError::NotFound`] for an unknown event.
    pub async fn set_security_event_status(
        &self,
        principal: &Principal,
        id: i64,
        status: &str,
        note: Option<&str>,
    ) -> Result<(), ServiceError> {
        crate::authz::authz()?.require(
            principal,
            "security_event.list",
            &crate::authz::ObjectRef::route(principal),
        )?;
        let change = self.status_change(principal, status, note)?;
        let mut event = self.audit_event(
            principal.actor(),
            pqbank_audit::actions::ALERT_UPDATE,
            "security_event",
            &id.to_string(),
            Outcome::Success,
        )?;
        add_detail(&mut event, "status", status);
        // The note is free text (it may name people): the log keeps its hash only.
        if let Some(n) = &change.note {
            add_detail(
                &mut event,
                "note_sha256",
                &hex::encode(pqbank_crypto::session::sha256(n.as_bytes())),
            );
        }
        if self
            .store
            .set_security_event_status(id, &change, vec![event])
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }
}

/// Adds a detail to an audit event (skipped if the key or value is not a valid token).
pub(crate) fn add_detail(event: &mut AuditEvent, key: &str, value: &str) {
    if let (Ok(k), Ok(v)) = (
        pqbank_audit::DetailKey::new(key),
        pqbank_audit::DetailValue::new(value),
    ) {
        event.details.insert(k, v);
    }
}

/// Replaces characters an audit token cannot hold.
pub(crate) fn sanitize_token(s: &str) -> String {
    let t: String = s
        .chars()
        .take(128)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._:@/+=-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if t.is_empty() { "-".to_owned() } else { t }
}
