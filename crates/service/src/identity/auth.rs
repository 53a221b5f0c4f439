//! Challenge-response login, request authentication (session + request MAC) and logout.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_audit::{Outcome, actions};
use pqbank_crypto::session::{derive_session_key, sha256, verify_request_mac};
use pqbank_crypto::{EncapsulationKey, KemAlgorithm, Signature};
use pqbank_domain::auth::{
    LOGIN_SIGNATURE_CONTEXT, LoginTranscript, SESSION_KEY_INFO, request_mac_input,
};
use pqbank_domain::{Password, Username};
use pqbank_pki::{CertUsage, DeviceIdentity, PkiError};
use pqbank_store::{
    CertKind, ChallengeRecord, DeviceStatus, SessionRecord, UserRecord, UserStatus,
};
use serde_json::json;
use time::OffsetDateTime;

use super::{Principal, parse_roles, password};

use crate::ca::internal;
use crate::{Bank, ServiceError};

/// Why an authentication failed. Each maps to one HTTP status and stable problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// Wrong password or unknown user (indistinguishable on purpose).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The nonce is unknown or does not match the request.
    #[error("invalid login challenge")]
    InvalidChallenge,
    /// The nonce expired.
    #[error("login challenge expired")]
    ChallengeExpired,
    /// The nonce (and with it the signature) was used before.
    #[error("login challenge already used")]
    ChallengeReused,
    /// The device signature does not verify.
    #[error("device signature invalid")]
    BadDeviceSignature,
    /// The device certificate is revoked.
    #[error("device certificate revoked")]
    DeviceRevoked,
    /// The certificate is not (or no longer) bound to an active device of this user.
    #[error("device not bound to this account")]
    DeviceNotBound,
    /// The certificate was never issued to this user (shown to the client as
    /// [`AuthFailure::DeviceNotBound`]; recorded as its own security event).
    #[error("device not bound to this account")]
    UnknownCertificate,
    /// The account waits for activation.
    #[error("account not activated")]
    ActivationRequired,
    /// The account is disabled.
    #[error("account disabled")]
    AccountDisabled,
    /// No valid session.
    #[error("not signed in")]
    SessionInvalid,
    /// The session expired (idle or absolute).
    #[error("session expired")]
    SessionExpired,
    /// A state-changing request came without its MAC.
    #[error("request MAC required")]
    MacRequired,
    /// The MAC is wrong or its timestamp is outside the accepted window.
    #[error("request MAC invalid")]
    MacInvalid,
    /// The MAC's counter was used before.
    #[error("request replayed")]
    MacReplayed,
}

impl AuthFailure {
    /// Stable problem code.
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::InvalidCredentials => "invalid_credentials",
            AuthFailure::InvalidChallenge => "invalid_challenge",
            AuthFailure::ChallengeExpired => "challenge_expired",
            AuthFailure::ChallengeReused => "challenge_reused",
            AuthFailure::BadDeviceSignature => "bad_device_signature",
            AuthFailure::DeviceRevoked => "device_revoked",
            AuthFailure::DeviceNotBound | AuthFailure::UnknownCertificate => "device_not_bound",
            AuthFailure::ActivationRequired => "activation_required",
            AuthFailure::AccountDisabled => "account_disabled",
            AuthFailure::SessionInvalid => "session_invalid",
            AuthFailure::SessionExpired => "session_expired",
            AuthFailure::MacRequired => "mac_required",
            AuthFailure::MacInvalid => "mac_invalid",
            AuthFailure::MacReplayed => "mac_replayed",
        }
    }

    /// Whether the failure is "forbidden" (403) rather than "unauthenticated" (401).
    pub fn is_forbidden(self) -> bool {
        matches!(
            self,
            AuthFailure::DeviceRevoked
                | AuthFailure::DeviceNotBound
                | AuthFailure::UnknownCertificate
                | AuthFailure::ActivationRequired
                | AuthFailure::AccountDisabled
        )
    }

    fn security_kind(self) -> &'static str {
        match self {
            AuthFailure::InvalidCredentials => "auth.invalid_credentials",
            AuthFailure::InvalidChallenge => "auth.invalid_challenge",
            AuthFailure::ChallengeExpired => "auth.challenge_expired",
            AuthFailure::ChallengeReused => "auth.challenge_reused",
            AuthFailure::BadDeviceSignature => "auth.bad_device_signature",
            AuthFailure::DeviceRevoked => "auth.revoked_device",
            AuthFailure::DeviceNotBound => "auth.unbound_device",
            AuthFailure::UnknownCertificate => "auth.unknown_certificate",
            AuthFailure::ActivationRequired => "auth.not_activated",
            AuthFailure::AccountDisabled => "auth.disabled_account",
            AuthFailure::SessionInvalid => "auth.invalid_session",
            AuthFailure::SessionExpired => "auth.session_expired",
            AuthFailure::MacRequired => "auth.missing_mac",
            AuthFailure::MacInvalid => "auth.invalid_mac",
            AuthFailure::MacReplayed => "auth.replayed_request",
        }
    }

    fn severity(self) -> &'static str {
        match self {
            AuthFailure::ChallengeReused
            | AuthFailure::DeviceRevoked
            | AuthFailure::MacReplayed
            | AuthFailure::MacRequired
            | AuthFailure::BadDeviceSignature => "critical",
            AuthFailure::SessionExpired => "info",
            _ => "warning",
        }
    }
}

/// `POST /auth/challenge` input.
#[derive(Debug, Clone)]
pub struct ChallengeRequest {
    /// Username.
    pub username: String,
    /// Device signature certificate serial (hex).
    pub device_cert_serial: String,
    /// The origin the client talks to.
    pub origin: String,
}

/// A fresh login challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// 256-bit nonce, hex.
    pub nonce: String,
    /// Expiry.
    pub expires_at: OffsetDateTime,
}

/// `POST /auth/login` input.
#[derive(Debug)]
pub struct LoginRequest {
    /// The password.
    pub password: Password,
    /// The signed transcript.
    pub transcript: LoginTranscript,
    /// The device signature over the transcript's canonical bytes (base64url).
    pub signature: String,
    /// Client address (rate limits, security events).
    pub client_addr: Option<String>,
    /// User agent (sessions list).
    pub user_agent: Option<String>,
}

/// A successful login.
#[derive(Debug)]
pub struct LoginOutcome {
    /// Bearer token (also the cookie value); shown once, stored only hashed.
    pub token: String,
    /// Public session id.
    pub session_id: String,
    /// X-Wing ciphertext to the client's ephemeral key (base64url): the client decapsulates
    /// and derives the same session key.
    pub kem_ciphertext: String,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// Idle timeout in seconds.
    pub idle_timeout_secs: i64,
    /// The signed-in user.
    pub principal: Principal,
}

/// The request MAC header's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMac {
    /// Unix seconds.
    pub timestamp: i64,
    /// Strictly increasing per session.
    pub counter: i64,
    /// HMAC-SHA256 tag.
    pub mac: Vec<u8>,
}

impl RequestMac {
    /// Parses `v1 ts=<unix>,ctr=<n>,mac=<base64url>`.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.trim().strip_prefix("v1 ")?;
        let (mut ts, mut ctr, mut mac) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "ts" => ts = v.parse::<i64>().ok(),
                "ctr" => ctr = v.parse::<i64>().ok(),
                "mac" => mac = B64.decode(v).ok(),
                _ => return None,
            }
        }
        let (timestamp, counter, mac) = (ts?, ctr?, mac?);
        (counter > 0 && mac.len() == 32).then_some(Self {
            timestamp,
            counter,
            mac,
        })
    }
}

/// What the server knows about a request when authenticating it.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path_and_query: String,
    /// SHA-256 of the body, hex.
    pub body_sha256_hex: String,
    /// Whether the method changes state (MAC required).
    pub state_changing: bool,
    /// The parsed MAC header, if any (`Err(())` if present but unparsable).
    pub mac: Option<Result<RequestMac, ()>>,
    /// Client address.
    pub client_addr: Option<String>,
}

/// Session token → stored id.
pub(crate) fn session_id_for_token(token: &str) -> String {
    hex::encode(sha256(token.as_bytes()))
}

fn session_key_aad(session_id: &str) -> Vec<u8> {
    format!("pqbank:sessions:key:{session_id}").into_bytes()
}

impl Bank {
    /// Issues a login challenge. It is issued for any username (no enumeration); the nonce is
    /// bound to the username, the certificate serial and the origin.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for malformed input; store errors.
    pub async fn login_challenge(&self, req: ChallengeRequest) -> Result<Challenge, ServiceError> {
        let username = Username::parse(&req.username)
            .map_err(|e| ServiceError::Invalid(format!("username: {e}")))?;
        let serial = req.device_cert_serial.trim().to_ascii_lowercase();
        if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ServiceError::Invalid(
                "device_cert_serial must be a hex serial number".into(),
            ));
        }
        check_origin(&req.origin)?;
        let now = self.clock.now();
        let challenge = ChallengeRecord {
            nonce: self.random_hex::<32>()?,
            username: username.as_str().to_owned(),
            cert_serial: serial,
            origin: req.origin,
            created_at: now,
            expires_at: now + self.identity.config.challenge_ttl,
            used: false,
        };
        self.store.insert_challenge(&challenge).await?;
        // Housekeeping: expired challenges are useless; keep the table small.
        if let Err(e) = self
            .store
            .purge_challenges(now - time::Duration::hours(1))
            .await
        {
            tracing::warn!(error = %e, "purging old challenges failed");
        }
        Ok(Challenge {
            nonce: challenge.nonce,
            expires_at: challenge.expires_at,
        })
    }

    /// Logs in: single-use challenge, password, device certificate (chain, revocation,
    /// binding), device signature over the transcript; then encapsulates to the client's
    /// ephemeral X-Wing key and creates the session. Every refusal raises a security event.
    ///
    /// # Errors
    /// [`ServiceError::Unauthorized`] / [`ServiceError::Locked`] / [`ServiceError::RateLimited`]
    /// / [`ServiceError::Invalid`]; store errors.
    pub async fn login(&self, req: LoginRequest) -> Result<LoginOutcome, ServiceError> {
        let now = self.clock.now();
        let addr = req.client_addr.clone();
        let limit = self.identity.config.login_rate_per_minute;
        if let Some(a) = &addr
            && !self.identity.login_limiter.allow(a, now, limit)
        {
            self.security_event(
                "auth.rate_limited",
                "warning",
                None,
                addr.as_deref(),
                json!({}),
                Vec::new(),
            )
            .await;
            return Err(ServiceError::RateLimited);
        }
        // An address blocked by the failed-login rule waits out its window (no event per try:
        // the block itself was the alert).
        if let Some(a) = &addr
            && self.address_blocked(a, now)
        {
            return Err(ServiceError::RateLimited);
        }
        match self.try_login(&req, now).await {
            Ok(outcome) => Ok(outcome),
            Err(LoginError::Refused(failure, user)) => {
                self.refuse(failure, user.as_deref(), &req, now).await
            }
            Err(LoginError::Service(e)) => Err(e),
        }
    }

    async fn refuse(
        &self,
        failure: AuthFailure,
        user: Option<&UserRecord>,
        req: &LoginRequest,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, ServiceError> {
        let user_id = user.map(|u| u.id.as_str());
        let index = self
            .security_event(
                failure.security_kind(),
                failure.severity(),
                user_id,
                req.client_addr.as_deref(),
                json!({ "code": failure.code(), "cert_serial": req.transcript.device_cert_serial }),
                Vec::new(),
            )
            .await;
        self.note_login_failure(req.client_addr.as_deref(), index, now)
            .await;
        if let Some(u) = user
            && matches!(
                failure,
                AuthFailure::InvalidCredentials | AuthFailure::BadDeviceSignature
            )
        {
            let cfg = &self.identity.config;
            let failures = u.failed_logins + 1;
            let lock = (failures >= cfg.lockout_threshold).then(|| {
                let exp = u32::try_from((failures - cfg.lockout_threshold).min(16)).unwrap_or(16);
                let delay = cfg
                    .lockout_base
                    .checked_mul(1i32 << exp)
                    .unwrap_or(cfg.lockout_max)
                    .min(cfg.lockout_max);
                now + delay
            });
            self.store.record_login_failure(&u.id, lock).await?;
            if lock.is_some() {
                self.security_event(
                    "auth.account_locked",
                    "critical",
                    Some(&u.id),
                    req.client_addr.as_deref(),
                    json!({ "failures": failures }),
                    index.into_iter().collect(),
                )
                .await;
            }
        }
        Err(ServiceError::Unauthorized(failure))
    }

    async fn try_login(
        &self,
        req: &LoginRequest,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, LoginError> {
        let t = &req.transcript;
        // 1. The challenge: single use, unexpired, bound to username, serial and origin.
        let challenge = self
            .store
            .consume_challenge(&t.nonce.to_ascii_lowercase())
            .await?
            .ok_or(LoginError::Refused(AuthFailure::InvalidChallenge, None))?;
        if challenge.used {
            return Err(LoginError::Refused(AuthFailure::ChallengeReused, None));
        }
        if now > challenge.expires_at {
            return Err(LoginError::Refused(AuthFailure::ChallengeExpired, None));
        }
        if challenge.username != t.username
            || challenge.cert_serial != t.device_cert_serial.to_ascii_lowercase()
            || challenge.origin != t.origin
        {
            return Err(LoginError::Refused(AuthFailure::InvalidChallenge, None));
        }
        // 2. The password: unknown users are checked against a dummy hash (same time, same
        // answer).
        let user = self.store.get_user_by_username(&t.username).await?;
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = password::verify_blocking(req.password.expose().as_bytes(), hash).await?;
        let Some(user) = user else {
            return Err(LoginError::Refused(AuthFailure::InvalidCredentials, None));
        };
        if let Some(until) = user.locked_until
            && until > now
        {
            return Err(LoginError::Service(ServiceError::Locked { until }));
        }
        if !ok {
            return Err(LoginError::Refused(
                AuthFailure::InvalidCredentials,
                Some(Box::new(user)),
            ));
        }
        match user.status {
            UserStatus::Active => {}
            UserStatus::Pending => {
                return Err(LoginError::Refused(
                    AuthFailure::ActivationRequired,
                    Some(Box::new(user)),
                ));
            }
            UserStatus::Disabled => {
                return Err(LoginError::Refused(
                    AuthFailure::AccountDisabled,
                    Some(Box::new(user)),
                ));
            }
        }
        // 3. The device: a signature certificate of this user, on an active device, valid
        // through the chain and not revoked.
        let refuse = |f| LoginError::Refused(f, Some(Box::new(user.clone())));
        let cert = self
            .store
            .get_certificate(&challenge.cert_serial)
            .await?
            .filter(|c| c.user_id == user.id && c.usage == CertKind::Signature)
            .ok_or_else(|| refuse(AuthFailure::UnknownCertificate))?;
        let device = self
            .store
            .get_device(&cert.device_id)
            .await?
            .filter(|d| d.status == DeviceStatus::Active)
            .ok_or_else(|| refuse(AuthFailure::DeviceNotBound))?;
        let identity = DeviceIdentity::new(&user.id, &device.id).map_err(ServiceError::from)?;
        let validated = match self.validate_device_cert(
            &cert.cert_der,
            CertUsage::DeviceSignature,
            &identity,
        ) {
            Ok(v) => v,
            Err(ServiceError::Certificate(PkiError::Revoked { .. })) => {
                return Err(refuse(AuthFailure::DeviceRevoked));
            }
            Err(ServiceError::Certificate(_)) => return Err(refuse(AuthFailure::DeviceNotBound)),
            Err(e) => return Err(e.into()),
        };
        let key = validated
            .public_key
            .as_signature()
            .ok_or_else(|| refuse(AuthFailure::DeviceNotBound))?;
        // 4. The signature over the canonical transcript.
        let transcript = t.canonical_bytes();
        let sig = B64
            .decode(req.signature.trim())
            .ok()
            .and_then(|b| Signature::from_bytes(key.algorithm(), &b).ok())
            .ok_or_else(|| refuse(AuthFailure::BadDeviceSignature))?;
        key.verify(&transcript, LOGIN_SIGNATURE_CONTEXT, &sig)
            .map_err(|_| refuse(AuthFailure::BadDeviceSignature))?;
        // 5. The session key: encapsulate to the client's ephemeral X-Wing key.
        let client_key = B64
            .decode(t.client_kem_public_key.trim())
            .ok()
            .and_then(|b| EncapsulationKey::from_raw(KemAlgorithm::XWing, &b).ok())
            .ok_or_else(|| {
                LoginError::Service(ServiceError::Invalid(
                    "client_kem_public_key must be an X-Wing public key (base64url)".into(),
                ))
            })?;
        let (ciphertext, shared) = client_key.encapsulate(&mut self.rng()?).map_err(internal)?;
        let session_key =
            derive_session_key(shared.expose(), &transcript, SESSION_KEY_INFO).map_err(internal)?;
        // 6. The session: a random token, stored only as its hash; the key encrypted.
        let token = B64
            .encode(crate::entropy::random_array::<32>(self.entropy.as_ref()).map_err(internal)?);
        let id = session_id_for_token(&token);
        let key_encrypted = self
            .keyring()?
            .encrypt(
                &session_key_aad(&id),
                session_key.expose(),
                &mut self.rng()?,
            )
            .map_err(internal)?
            .to_bytes();
        let cfg = &self.identity.config;
        let session = SessionRecord {
            id: id.clone(),
            public_id: self.new_session_id()?.to_string(),
            user_id: user.id.clone(),
            device_id: device.id.clone(),
            cert_serial: cert.serial.clone(),
            key_encrypted,
            created_at: now,
            last_seen_at: now,
            expires_at: now + cfg.session_absolute,
            idle_secs: cfg.session_idle.whole_seconds(),
            last_counter: 0,
            revoked_at: None,
            client_addr: req.client_addr.clone(),
            user_agent: req
                .user_agent
                .as_ref()
                .map(|u| u.chars().take(256).collect()),
        };
        let principal = principal_for(&user, &session)?;
        let mut event = self.audit_event(
            principal.actor(),
            actions::AUTH_LOGIN,
            "session",
            &session.public_id,
            Outcome::Success,
        )?;
        // The transcript's hash and the device certificate go into the event; the offline
        // verifier re-checks `signed` payloads only for transfers and approvals, whose canonical
        // payloads are stored.
        for (k, v) in [
            ("transcript_sha256", hex::encode(sha256(&transcript))),
            ("signature_algorithm", key.algorithm().id().to_owned()),
        ] {
            if let (Ok(k), Ok(v)) = (
                pqbank_audit::DetailKey::new(k),
                pqbank_audit::DetailValue::new(v),
            ) {
                event.details.insert(k, v);
            }
        }
        self.store.create_session(&session, vec![event]).await?;
        tracing::info!(event = "auth.login", user = %user.id, session = %session.public_id, "login");
        Ok(LoginOutcome {
            token,
            session_id: session.public_id,
            kem_ciphertext: B64.encode(ciphertext.as_bytes()),
            expires_at: session.expires_at,
            idle_timeout_secs: session.idle_secs,
            principal,
        })
    }

    /// Authenticates a request by its session token and, for state-changing requests, its
    /// MAC (timestamp window, strictly increasing counter). Refusals raise security events.
    ///
    /// # Errors
    /// [`ServiceError::Unauthorized`]; store errors.
    pub async fn authenticate(
        &self,
        token: &str,
        facts: &RequestFacts,
    ) -> Result<Principal, ServiceError> {
        match self.try_authenticate(token, facts).await {
            Ok(p) => Ok(p),
            Err(LoginError::Refused(failure, user)) => {
                self.security_event(
                    failure.security_kind(),
                    failure.severity(),
                    user.as_ref().map(|u| u.id.as_str()),
                    facts.client_addr.as_deref(),
                    json!({ "code": failure.code(), "method": facts.method }),
                    Vec::new(),
                )
                .await;
                Err(ServiceError::Unauthorized(failure))
            }
            Err(LoginError::Service(e)) => Err(e),
        }
    }

    async fn try_authenticate(
        &self,
        token: &str,
        facts: &RequestFacts,
    ) -> Result<Principal, LoginError> {
        let now = self.clock.now();
        if token.is_empty() || token.len() > 128 {
            return Err(LoginError::Refused(AuthFailure::SessionInvalid, None));
        }
        let id = session_id_for_token(token);
        // This instance's earlier read of the session and its user, if it would pass every check
        // below as it stands (revocation, user changes and the counter are checked again by the
        // touch in the database, so a stale entry cannot let a request through); otherwise read.
        let cached = self
            .identity
            .sessions
            .get_if(&id, |(s, u)| session_refusal(s, u, now).is_none());
        let (session, user) = match cached {
            Some(hit) => hit,
            None => self.read_session(&id).await?,
        };
        let refuse = |f| LoginError::Refused(f, Some(Box::new(user.clone())));
        if let Some(failure) = session_refusal(&session, &user, now) {
            self.identity.sessions.remove(&id);
            return Err(refuse(if failure == AuthFailure::SessionInvalid {
                self.revocation_reason(&session).await?
            } else {
                failure
            }));
        }
        let counter = match &facts.mac {
            None if facts.state_changing => return Err(refuse(AuthFailure::MacRequired)),
            None => None,
            Some(Err(())) => return Err(refuse(AuthFailure::MacInvalid)),
            Some(Ok(mac)) => {
                let skew = self.identity.config.mac_skew.whole_seconds();
                if (mac.timestamp - now.unix_timestamp()).abs() > skew {
                    return Err(refuse(AuthFailure::MacInvalid));
                }
                let key = self.session_mac_key(&session.id, &session.key_encrypted)?;
                let input = request_mac_input(
                    &facts.method,
                    &facts.path_and_query,
                    &facts.body_sha256_hex,
                    mac.timestamp,
                    mac.counter,
                );
                if !verify_request_mac(key.expose(), &input, &mac.mac) {
                    return Err(refuse(AuthFailure::MacInvalid));
                }
                Some(mac.counter)
            }
        };
        // Group commit: the touches of concurrent requests share one transaction, with the
        // ledger's commands.
        let touch = pqbank_store::SessionTouch {
            id: session.id.clone(),
            now,
            counter,
        };
        let Some(user_version) = self.touch_session(touch).await? else {
            // Revoked since it was read, or the counter is not above the last one.
            self.identity.sessions.remove(&id);
            let (current, _) = self.read_session(&id).await?;
            return Err(refuse(if current.revoked_at.is_some() {
                self.revocation_reason(&current).await?
            } else if counter.is_some() {
                AuthFailure::MacReplayed
            } else {
                AuthFailure::SessionInvalid
            }));
        };
        let (mut session, user) = if user_version == user.version {
            (session, user)
        } else {
            // The user changed since this read (roles, status): judge by the current record.
            let (session, user) = self.read_session(&id).await?;
            if user.status != UserStatus::Active {
                self.identity.sessions.remove(&id);
                return Err(LoginError::Refused(
                    AuthFailure::AccountDisabled,
                    Some(Box::new(user)),
                ));
            }
            (session, user)
        };
        session.last_seen_at = now;
        let principal = principal_for(&user, &session)?;
        self.identity.sessions.insert(id, (session, user));
        Ok(principal)
    }

    /// The session and its user as stored; a refusal when the session is unknown.
    async fn read_session(&self, id: &str) -> Result<(SessionRecord, UserRecord), LoginError> {
        self.store
            .get_session_and_user(id)
            .await?
            .ok_or(LoginError::Refused(AuthFailure::SessionInvalid, None))
    }

    /// Why a revoked session ends: its device certificate was revoked (the client can tell the
    /// user; also raises the revoked-device security event) or it was logged out.
    async fn revocation_reason(&self, session: &SessionRecord) -> Result<AuthFailure, LoginError> {
        let cert_revoked = self
            .store
            .get_certificate(&session.cert_serial)
            .await?
            .is_some_and(|c| c.status == pqbank_store::CertStatus::Revoked);
        Ok(if cert_revoked {
            AuthFailure::DeviceRevoked
        } else {
            AuthFailure::SessionInvalid
        })
    }

    /// The session's request-MAC key: from this instance's cache, or decrypted from the stored
    /// record (one KEM decapsulation) and cached.
    fn session_mac_key(
        &self,
        session_id: &str,
        encrypted: &[u8],
    ) -> Result<pqbank_crypto::SecretBytes, ServiceError> {
        if let Some(key) = self.identity.session_keys.get(session_id, encrypted) {
            return Ok(key);
        }
        let record = pqbank_crypto::EncryptedRecord::from_bytes(encrypted).map_err(internal)?;
        let key = self
            .keyring()?
            .decrypt(&session_key_aad(session_id), &record)
            .map_err(internal)?;
        self.identity
            .session_keys
            .put(session_id, encrypted, key.clone());
        Ok(key)
    }

    /// Logs out: the session is revoked server-side.
    ///
    /// # Errors
    /// Store errors.
    pub async fn logout(&self, principal: &Principal) -> Result<(), ServiceError> {
        let event = self.audit_event(
            principal.actor(),
            actions::AUTH_LOGOUT,
            "session",
            &principal.session_id,
            Outcome::Success,
        )?;
        self.store
            .revoke_session(
                &principal.user_id,
                &principal.session_id,
                self.clock.now(),
                vec![event],
            )
            .await?;
        Ok(())
    }
}

/// Why a session may not be used at `now` as read (revoked, expired, idle, user not active);
/// `SessionInvalid` stands for revoked.
fn session_refusal(
    session: &SessionRecord,
    user: &UserRecord,
    now: OffsetDateTime,
) -> Option<AuthFailure> {
    let idle = time::Duration::seconds(session.idle_secs);
    if session.revoked_at.is_some() {
        Some(AuthFailure::SessionInvalid)
    } else if now >= session.expires_at || now >= session.last_seen_at + idle {
        Some(AuthFailure::SessionExpired)
    } else if user.status != UserStatus::Active {
        Some(AuthFailure::AccountDisabled)
    } else {
        None
    }
}

pub(crate) fn principal_for(
    user: &UserRecord,
    session: &SessionRecord,
) -> Result<Principal, ServiceError> {
    Ok(Principal {
        user_id: user.id.clone(),
        username: user.username.clone(),
        roles: parse_roles(&user.roles)?,
        branch: user.branch.clone(),
        session_id: session.public_id.clone(),
        device_id: session.device_id.clone(),
        cert_serial: session.cert_serial.clone(),
        logged_in_at: session.created_at,
    })
}

fn check_origin(origin: &str) -> Result<(), ServiceError> {
    let ok = origin.len() <= 256
        && (origin.starts_with("https://") || origin.starts_with("http://"))
        && !origin.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Invalid(
            "origin must be an http(s) origin of at most 256 bytes".into(),
        ))
    }
}

/// Internal result of a login attempt.
enum LoginError {
    Refused(AuthFailure, Option<Box<UserRecord>>),
    Service(ServiceError),
}

impl From<ServiceError> for LoginError {
    fn from(e: ServiceError) -> Self {
        LoginError::Service(e)
    }
}

impl From<pqbank_store::StoreError> for LoginError {
    fn from(e: pqbank_store::StoreError) -> Self {
        LoginError::Service(e.into())
    }
}
