//! Storage of the certificate authority: CA certificates with their encrypted keys, issued
//! certificates, revocations (with a feed other instances follow) and the current CRL.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

/// Longest revocation list any call returns (pqbank-pki's CRL limit).
pub const MAX_REVOCATIONS: u32 = 200_000;

/// Root or issuing CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaKind {
    /// Self-signed root.
    Root,
    /// Issuing CA below the root.
    Issuing,
}

impl CaKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaKind::Root => "root",
            CaKind::Issuing => "issuing",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "root" => Ok(CaKind::Root),
            "issuing" => Ok(CaKind::Issuing),
            _ => Err(StoreError::Corrupt("CA kind")),
        }
    }
}

/// One CA: its certificate and its private key encrypted with the key ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// Stable id (1..=64 bytes).
    pub id: String,
    /// Root or issuing.
    pub kind: CaKind,
    /// The issuing CA's root.
    pub parent_id: Option<String>,
    /// Signature algorithm registry id.
    pub algorithm: String,
    /// Certificate (DER).
    pub cert_der: Vec<u8>,
    /// Private key, encrypted (the key ring's `EncryptedRecord` bytes). Never plaintext.
    pub key_encrypted: Vec<u8>,
    /// End of the certificate's validity.
    pub not_after: OffsetDateTime,
    /// The CA that signs now (one per kind).
    pub active: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// What an issued certificate certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// A device signature key.
    Signature,
    /// A device KEM key.
    Kem,
}

impl CertKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CertKind::Signature => "signature",
            CertKind::Kem => "kem",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "signature" => Ok(CertKind::Signature),
            "kem" => Ok(CertKind::Kem),
            _ => Err(StoreError::Corrupt("certificate usage")),
        }
    }
}

/// Status of an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked (it may still be expired or superseded).
    Valid,
    /// Revoked.
    Revoked,
}

impl CertStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Revoked => "revoked",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "valid" => Ok(CertStatus::Valid),
            "revoked" => Ok(CertStatus::Revoked),
            _ => Err(StoreError::Corrupt("certificate status")),
        }
    }
}

/// One issued certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRecord {
    /// Serial, lower-case hex (primary key).
    pub serial: String,
    /// Issuing CA.
    pub ca_id: String,
    /// User.
    pub user_id: String,
    /// Device.
    pub device_id: String,
    /// Signature or KEM.
    pub usage: CertKind,
    /// Certificate (DER).
    pub cert_der: Vec<u8>,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Valid or revoked.
    pub status: CertStatus,
    /// Serial of the renewal that replaced it.
    pub superseded_by: Option<String>,
    /// Issue time.
    pub created_at: OffsetDateTime,
}

/// One revocation; `seq` orders the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRecord {
    /// Feed position (increasing in commit order).
    pub seq: i64,
    /// Revoked serial.
    pub serial: String,
    /// Its issuing CA.
    pub ca_id: String,
    /// RFC 5280 reason code.
    pub reason: u8,
    /// When.
    pub revoked_at: OffsetDateTime,
}

/// The current CRL of a CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlRecord {
    /// The CA.
    pub ca_id: String,
    /// CRL number.
    pub number: i64,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: OffsetDateTime,
    /// The signed CRL (DER).
    pub der: Vec<u8>,
}

/// Wakes up when another instance (or this one) revoked something. Spurious wake-ups are allowed:
/// the caller then reads the feed.
#[async_trait]
pub trait RevocationListener: Send {
    /// Waits for the next notification.
    async fn wait(&mut self) -> Result<(), StoreError>;
}

/// CA storage.
#[async_trait]
pub trait PkiStore {
    /// Stores a new CA. If it is active, the previously active CA of its kind is deactivated in
    /// the same transaction. [`StoreError::Conflict`] if the id exists.
    async fn insert_ca(&self, ca: &CaRecord) -> Result<(), StoreError>;
    /// Creates the CA hierarchy, a root and its first issuing CA (both active), unless an
    /// active root exists; returns whether it did. Atomic and serialised against every other
    /// caller on the same database (PostgreSQL: transaction-scoped advisory lock; SQLite:
    /// `BEGIN IMMEDIATE`), so instances starting at once create one CA, not two.
    /// [`StoreError::Invalid`] unless `root` is an active root and `issuing` an active issuing
    /// CA whose parent is `root`; [`StoreError::Conflict`] if an id exists.
    async fn create_ca_hierarchy(
        &self,
        root: &CaRecord,
        issuing: &CaRecord,
    ) -> Result<bool, StoreError>;
    /// All CAs, oldest first, ties by id (at most [`crate::MAX_LIST_LIMIT`]).
    async fn list_cas(&self) -> Result<Vec<CaRecord>, StoreError>;
    /// Stores an issued certificate; with `supersedes`, marks that certificate as replaced by
    /// this one in the same transaction. [`StoreError::Conflict`] for a duplicate serial.
    async fn insert_certificate(
        &self,
        cert: &CertRecord,
        supersedes: Option<&str>,
    ) -> Result<(), StoreError>;
    /// One certificate by serial.
    async fn get_certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError>;
    /// A user's certificates, oldest first, at most `limit` (capped at [`crate::MAX_LIST_LIMIT`]).
    async fn list_certificates(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<CertRecord>, StoreError>;
    /// All certificates ordered by serial after `after`, optionally only of one status and
    /// usage, at most `limit` (capped at [`crate::MAX_LIST_LIMIT`]): the admin's view.
    async fn search_certificates(
        &self,
        status: Option<CertStatus>,
        usage: Option<CertKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CertRecord>, StoreError>;
    /// Revokes a certificate and appends it to the feed (and notifies listeners on PostgreSQL);
    /// every session signed in with that certificate is revoked in the same transaction.
    /// [`StoreError::NotFound`] for an unknown serial, [`StoreError::Conflict`] if already revoked.
    async fn revoke_certificate(
        &self,
        serial: &str,
        reason: u8,
        revoked_at: OffsetDateTime,
    ) -> Result<RevocationRecord, StoreError>;
    /// Feed entries after `after_seq`, in order, at most `limit` (capped at [`MAX_REVOCATIONS`]).
    async fn revocations_since(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError>;
    /// Every revocation of one CA (for its CRL), at most [`MAX_REVOCATIONS`].
    async fn revocations_for_ca(&self, ca_id: &str) -> Result<Vec<RevocationRecord>, StoreError>;
    /// Reserves the CA's next CRL number (1, 2, ...); concurrent callers get distinct numbers.
    async fn next_crl_number(&self, ca_id: &str) -> Result<i64, StoreError>;
    /// Stores a CRL if its number is greater than the stored one's; returns whether it did.
    async fn put_crl(&self, crl: &CrlRecord) -> Result<bool, StoreError>;
    /// The CA's current CRL.
    async fn get_crl(&self, ca_id: &str) -> Result<Option<CrlRecord>, StoreError>;
    /// A listener for revocations made by any instance sharing this database, or `None` when the
    /// backend has no notifications (SQLite: poll [`Self::revocations_since`]).
    async fn revocation_listener(&self) -> Result<Option<Box<dyn RevocationListener>>, StoreError>;
}

pub(crate) fn check_ca(ca: &CaRecord) -> Result<(), StoreError> {
    if ca.id.is_empty() || ca.id.len() > 64 {
        return Err(StoreError::Invalid("CA id must be 1..=64 bytes"));
    }
    if ca.algorithm.is_empty() || ca.algorithm.len() > 64 {
        return Err(StoreError::Invalid("algorithm id must be 1..=64 bytes"));
    }
    if ca.cert_der.len() > 32 * 1024 || ca.key_encrypted.len() > 64 * 1024 {
        return Err(StoreError::Invalid("CA certificate or key too large"));
    }
    Ok(())
}

/// The records [`PkiStore::create_ca_hierarchy`] accepts.
pub(crate) fn check_hierarchy(root: &CaRecord, issuing: &CaRecord) -> Result<(), StoreError> {
    check_ca(root)?;
    check_ca(issuing)?;
    if root.kind != CaKind::Root
        || issuing.kind != CaKind::Issuing
        || !root.active
        || !issuing.active
        || root.parent_id.is_some()
        || issuing.parent_id.as_deref() != Some(root.id.as_str())
    {
        return Err(StoreError::Invalid(
            "a CA hierarchy is an active root and an active issuing CA below it",
        ));
    }
    Ok(())
}

pub(crate) fn check_cert(cert: &CertRecord) -> Result<(), StoreError> {
    let ok_id = |s: &str| !s.is_empty() && s.len() <= 64;
    if !(2..=42).contains(&cert.serial.len()) || !ok_id(&cert.ca_id) {
        return Err(StoreError::Invalid("serial or CA id length"));
    }
    if !ok_id(&cert.user_id) || !ok_id(&cert.device_id) {
        return Err(StoreError::Invalid(
            "user or device id must be 1..=64 bytes",
        ));
    }
    if cert.cert_der.len() > 32 * 1024 {
        return Err(StoreError::Invalid("certificate too large"));
    }
    Ok(())
}

pub(crate) fn check_reason(reason: u8) -> Result<(), StoreError> {
    if reason > 10 || reason == 7 {
        return Err(StoreError::Invalid("revocation reason code"));
    }
    Ok(())
}
