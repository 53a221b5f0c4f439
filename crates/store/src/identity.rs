//! Storage of identities: users (personal data only encrypted), devices, login challenges,
//! sessions and security events. Every state change that matters for the audit log takes the
//! audit events to append in the same transaction.

use async_trait::async_trait;
use pqbank_audit::AuditEvent;
use time::OffsetDateTime;

use crate::{CertRecord, StoreError};

/// Most devices per user.
pub const MAX_DEVICES_PER_USER: u32 = 16;
/// Most sessions a list returns.
pub const MAX_SESSION_LIST: u32 = 200;
/// The user columns, each as `u.<column> AS u_<column>`, for reading a user beside another
/// table's row (`u` is the users table's alias).
pub(crate) fn prefixed_user_columns(columns: &str) -> String {
    columns
        .split(',')
        .map(str::trim)
        .map(|c| format!("u.{c} AS u_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Column list qualified with a table alias (`s.id, s.user_id, ...`).
pub(crate) fn qualified_columns(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(str::trim)
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most session touches applied in one [`IdentityStore::touch_sessions`] call.
pub const MAX_TOUCH_BATCH: usize = 512;

/// One request's activity on a session, for [`IdentityStore::touch_sessions`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTouch {
    /// The session (token hash).
    pub id: String,
    /// When the request arrived.
    pub now: OffsetDateTime,
    /// The request MAC's counter, which must exceed the stored one.
    pub counter: Option<i64>,
}

/// Lifecycle of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Created by staff (or the bootstrap); waits for activation with a one-time code.
    Pending,
    /// Can log in.
    Active,
    /// Disabled by an admin.
    Disabled,
}

impl UserStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Pending => "pending",
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(UserStatus::Pending),
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            _ => Err(StoreError::Corrupt("user status")),
        }
    }
}

/// A user row.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Stable id (UUID text).
    pub id: String,
    /// Login name (already normalised by the domain type).
    pub username: String,
    /// Argon2id PHC string; `None` until the user activates.
    pub password_hash: Option<String>,
    /// Role names, comma-separated, sorted.
    pub roles: String,
    /// Branch of staff roles.
    pub branch: Option<String>,
    /// Lifecycle.
    pub status: UserStatus,
    /// Personal data (legal name, email, address) encrypted with the key ring.
    pub pii_encrypted: Vec<u8>,
    /// Argon2id PHC string of the one-time activation / reset code.
    pub activation_hash: Option<String>,
    /// When the activation code expires.
    pub activation_expires_at: Option<OffsetDateTime>,
    /// Failed logins since the last success.
    pub failed_logins: i64,
    /// No login before this time.
    pub locked_until: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Optimistic concurrency version, starts at 1.
    pub version: i64,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("roles", &self.roles)
            .field("status", &self.status)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Device lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Bound to its user.
    Active,
    /// Removed (its certificates are revoked).
    Removed,
}

impl DeviceStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Active => "active",
            DeviceStatus::Removed => "removed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "active" => Ok(DeviceStatus::Active),
            "removed" => Ok(DeviceStatus::Removed),
            _ => Err(StoreError::Corrupt("device status")),
        }
    }
}

/// A device bound to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Stable id (UUID text), also the certificate's CN.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Display name chosen by the user.
    pub name: String,
    /// Lifecycle.
    pub status: DeviceStatus,
    /// Binding time.
    pub created_at: OffsetDateTime,
    /// Removal time.
    pub removed_at: Option<OffsetDateTime>,
}

/// A login challenge (nonce), single use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRecord {
    /// Nonce, lower-case hex.
    pub nonce: String,
    /// Username it was issued for.
    pub username: String,
    /// Device certificate serial it was issued for.
    pub cert_serial: String,
    /// Origin it was issued for.
    pub origin: String,
    /// Issue time.
    pub created_at: OffsetDateTime,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// Already consumed.
    pub used: bool,
}

/// A server-side session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the bearer token, lower-case hex (the token itself is never stored).
    pub id: String,
    /// Id shown to users (list, revoke), not a credential.
    pub public_id: String,
    /// Owner.
    pub user_id: String,
    /// Device that logged in.
    pub device_id: String,
    /// Its signature certificate.
    pub cert_serial: String,
    /// The request-MAC key, encrypted with the key ring.
    pub key_encrypted: Vec<u8>,
    /// Login time.
    pub created_at: OffsetDateTime,
    /// Last authenticated request.
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// Idle timeout in seconds.
    pub idle_secs: i64,
    /// Highest request counter seen (replay protection).
    pub last_counter: i64,
    /// Logout / revocation time.
    pub revoked_at: Option<OffsetDateTime>,
    /// Client address at login.
    pub client_addr: Option<String>,
    /// User agent at login (truncated).
    pub user_agent: Option<String>,
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRecord")
            .field("public_id", &self.public_id)
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// A detected security event (failed logins, replays, revoked devices, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEventRecord {
    /// Assigned by the store (ascending).
    pub id: i64,
    /// When it happened.
    pub time: OffsetDateTime,
    /// Stable kind, e.g. `auth.bad_password`.
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// The user concerned, when known.
    pub user_id: Option<String>,
    /// The client address.
    pub client_addr: Option<String>,
    /// Canonical JSON details (no personal data).
    pub details: String,
    /// `open`, `acknowledged`, `resolved`.
    pub status: String,
    /// Audit log indexes the alert rests on (at most [`MAX_EVIDENCE`]).
    pub evidence: Vec<u64>,
    /// Who changed the status last (user id).
    pub status_by: Option<String>,
    /// Why (at most [`MAX_STATUS_NOTE`] characters).
    pub status_note: Option<String>,
    /// When.
    pub status_time: Option<OffsetDateTime>,
}

/// Most audit indexes one security event keeps as evidence.
pub const MAX_EVIDENCE: usize = 100;
/// Longest status note (characters).
pub const MAX_STATUS_NOTE: usize = 500;

/// A status change of a security event: the new status, by whom, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEventStatus {
    /// `acknowledged` or `resolved` (or `open` to reopen).
    pub status: String,
    /// User id of who changed it.
    pub by: String,
    /// Why.
    pub note: Option<String>,
    /// When.
    pub time: OffsetDateTime,
}

pub(crate) fn evidence_json(e: &SecurityEventRecord) -> Result<String, StoreError> {
    if e.evidence.len() > MAX_EVIDENCE {
        return Err(StoreError::Invalid("too much evidence"));
    }
    let items: Vec<String> = e.evidence.iter().map(u64::to_string).collect();
    Ok(format!("[{}]", items.join(",")))
}

pub(crate) fn parse_evidence(s: &str) -> Result<Vec<u64>, StoreError> {
    let inner = s
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or(StoreError::Corrupt("security event evidence"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(|i| {
            i.parse::<u64>()
                .map_err(|_| StoreError::Corrupt("security event evidence"))
        })
        .collect()
}

pub(crate) fn check_status(s: &SecurityEventStatus) -> Result<(), StoreError> {
    if !matches!(s.status.as_str(), "open" | "acknowledged" | "resolved") {
        return Err(StoreError::Invalid("security event status"));
    }
    if s.by.is_empty() || s.by.len() > 64 {
        return Err(StoreError::Invalid("security event status author"));
    }
    if s.note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_STATUS_NOTE)
    {
        return Err(StoreError::Invalid("security event status note"));
    }
    Ok(())
}

/// A device to bind together with its first certificate.
#[derive(Debug, Clone, Copy)]
pub struct NewDevice<'a> {
    /// The device.
    pub device: &'a DeviceRecord,
    /// Its signature certificate.
    pub cert: &'a CertRecord,
}

/// Identity storage.
#[async_trait]
pub trait IdentityStore {
    /// Creates a user, optionally with its first device and certificate, and appends `audit`.
    /// [`StoreError::Conflict`] if the username exists.
    async fn create_user(
        &self,
        user: &UserRecord,
        device: Option<NewDevice<'_>>,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
    /// Replaces a user row if its stored version is `expected_version` (the new version is
    /// `expected_version + 1`), optionally binding a device; appends `audit`.
    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        device: Option<NewDevice<'_>>,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
    /// One user by id.
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// One user by username.
    async fn get_user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Users ordered by username after `after`, at most `limit`.
    async fn list_users(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError>;
    /// Whether any user holds `role`.
    async fn role_has_holder(&self, role: &str) -> Result<bool, StoreError>;
    /// Counts a failed login and sets `locked_until`; returns the new count.
    async fn record_login_failure(
        &self,
        user_id: &str,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<i64, StoreError>;

    /// Binds another device with its certificate; appends `audit`.
    async fn insert_device(
        &self,
        device: NewDevice<'_>,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
    /// One device.
    async fn get_device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError>;
    /// A user's devices, oldest first (at most [`MAX_DEVICES_PER_USER`] active ones exist).
    async fn list_devices(&self, user_id: &str) -> Result<Vec<DeviceRecord>, StoreError>;
    /// Marks a device removed and revokes the user's sessions from it; appends `audit`.
    /// False if it was not active.
    async fn remove_device(
        &self,
        id: &str,
        now: OffsetDateTime,
        audit: Vec<AuditEvent>,
    ) -> Result<bool, StoreError>;

    /// Stores a new challenge.
    async fn insert_challenge(&self, challenge: &ChallengeRecord) -> Result<(), StoreError>;
    /// Marks a challenge used and returns it as it was before (so `used` tells a replay).
    async fn consume_challenge(&self, nonce: &str) -> Result<Option<ChallengeRecord>, StoreError>;
    /// Deletes challenges that expired before `before`; returns how many.
    async fn purge_challenges(&self, before: OffsetDateTime) -> Result<u64, StoreError>;

    /// Stores a session, resets the user's failed-login count, appends `audit`.
    async fn create_session(
        &self,
        session: &SessionRecord,
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
    /// One session by its token hash.
    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;
    /// One session by its token hash with its user, in one read (every authenticated request
    /// needs both).
    async fn get_session_and_user(
        &self,
        id: &str,
    ) -> Result<Option<(SessionRecord, UserRecord)>, StoreError>;
    /// Records activity: sets `last_seen_at = now` and, with `counter`, requires it to exceed the
    /// stored counter (then stores it). False if the session is revoked or the counter is stale.
    async fn touch_session(
        &self,
        id: &str,
        now: OffsetDateTime,
        counter: Option<i64>,
    ) -> Result<bool, StoreError> {
        let touch = SessionTouch {
            id: id.to_owned(),
            now,
            counter,
        };
        Ok(self
            .touch_sessions(std::slice::from_ref(&touch))
            .await?
            .first()
            .is_some_and(Option::is_some))
    }
    /// Applies many touches in order in one transaction (one commit for many requests: group
    /// commit), each exactly as [`IdentityStore::touch_session`] would; one result per touch:
    /// the version of the session's user ([`UserRecord::version`]) when the touch applied, so
    /// that a caller holding an earlier read of the user can tell whether it is still current;
    /// `None` when refused. A touch of the same session later in the slice sees the earlier
    /// ones. At most [`MAX_TOUCH_BATCH`] touches; more are refused with [`StoreError::Invalid`].
    async fn touch_sessions(
        &self,
        touches: &[SessionTouch],
    ) -> Result<Vec<Option<i64>>, StoreError>;
    /// A user's sessions, newest first.
    async fn list_sessions(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError>;
    /// Revokes one session of `user_id` (by public id); false if unknown, another user's or
    /// already revoked.
    async fn revoke_session(
        &self,
        user_id: &str,
        public_id: &str,
        now: OffsetDateTime,
        audit: Vec<AuditEvent>,
    ) -> Result<bool, StoreError>;

    /// Stores a security event with its audit events; returns its id and the audit indexes.
    async fn insert_security_event(
        &self,
        event: &SecurityEventRecord,
        audit: Vec<AuditEvent>,
    ) -> Result<(i64, Vec<u64>), StoreError>;
    /// Sets a security event's status (with who, when and why); appends `audit` in the same
    /// transaction. False (and nothing written) if the event does not exist.
    async fn set_security_event_status(
        &self,
        id: i64,
        status: &SecurityEventStatus,
        audit: Vec<AuditEvent>,
    ) -> Result<bool, StoreError>;
    /// One security event.
    async fn get_security_event(&self, id: i64) -> Result<Option<SecurityEventRecord>, StoreError>;
    /// Security events with id > `after`, ascending, at most `limit`; optionally of one user.
    async fn list_security_events(
        &self,
        after: i64,
        user_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<SecurityEventRecord>, StoreError>;
}

pub(crate) fn check_user(u: &UserRecord) -> Result<(), StoreError> {
    if u.id.is_empty() || u.id.len() > 64 || u.username.is_empty() || u.username.len() > 64 {
        return Err(StoreError::Invalid("user id or username length"));
    }
    if u.roles.len() > 128 || u.pii_encrypted.len() > 16384 {
        return Err(StoreError::Invalid("user roles or personal data too large"));
    }
    Ok(())
}

pub(crate) fn check_device(d: &DeviceRecord) -> Result<(), StoreError> {
    if d.id.is_empty() || d.id.len() > 64 || d.name.is_empty() || d.name.len() > 64 {
        return Err(StoreError::Invalid("device id or name length"));
    }
    Ok(())
}
