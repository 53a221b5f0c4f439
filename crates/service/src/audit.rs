//! The tamper-evident audit log as a service: the audit signing key, standalone events,
//! signed checkpoints (on demand and in the background), proofs, the self-check and the export
//! that `pqbank audit verify` checks offline.
//!
//! - **Key**: a composite ML-DSA-65 + Ed25519 key, its private half encrypted with the master key
//!   ring (like the CA keys), its certificate issued by the active issuing CA with the
//!   audit-signer profile (keyUsage digitalSignature, no extendedKeyUsage, SAN
//!   `urn:pqbank:audit`). Created on first use ([`Bank::ensure_audit_key`]).
//! - **Checkpoints**: C2SP `tlog-checkpoint` signed notes over (origin, size, root, time),
//!   signed with the empty context; the note key name is the origin and its key ID is
//!   `SHA-256(origin || 0x0A || 0xff || "COMPSIG-MLDSA65-Ed25519-SHA512" || public key)[:4]`.
//!   Made every `checkpoint_every` events or `checkpoint_interval` (when the log grew), and on
//!   demand ([`Bank::create_checkpoint`]).
//! - **Self-check** ([`Bank::audit_self_check`]): recomputes the tree from the stored leaves,
//!   compares every leaf with its stored hash, the root with the latest signed checkpoint and
//!   with the stored tree nodes, and raises a critical alert (error log with
//!   `alert="audit.self_check_failed"`) on any mismatch.
//! - **Export** ([`Bank::export_audit`]): a directory that `pqbank audit verify` checks without
//!   a server (see [`EXPORT_FORMAT`]).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use pqbank_audit::checkpoint::COMPOSITE_MLDSA65_ED25519_TYPE;
use pqbank_audit::{
    AuditEvent, Checkpoint, ExternalError, Hash, NoteSigner, NoteVerifier, SignatureType,
    Timestamp, key_id, sign_checkpoint,
};
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, SigningKey, VerifyingKey};
use pqbank_pki::Cert;
use pqbank_store::{
    AuditEntry, AuditFilter, AuditKeyRecord, CheckpointRecord, MAX_AUDIT_PAGE,
    audit_consistency_proof, audit_inclusion_proof, audit_root,
};
use rand::rngs::StdRng;
use tokio::io::AsyncWriteExt;

use crate::identity::Principal;
use crate::{Bank, ServiceError};

/// The audit key's algorithm (fixed: the checkpoint key ID encodes it).
pub const AUDIT_KEY_ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::MlDsa65Ed25519;
/// Validity of the audit signing certificate (cut to the issuing CA's end).
pub const AUDIT_CERT_DAYS: i64 = 2 * 365;
/// Application context of checkpoint signatures (empty: the note text is the message).
pub const CHECKPOINT_SIGNATURE_CONTEXT: &[u8] = b"";
/// Most device certificates one export writes.
pub const MAX_EXPORTED_DEVICE_CERTS: usize = 100_000;
/// Version of the export directory layout.
pub const EXPORT_FORMAT: &str = "pqbank-audit-export-v1";

/// How the audit log is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// Log origin (first checkpoint line and note key name), e.g. `pqbank.example/audit`.
    pub origin: String,
    /// Sign a checkpoint once this many events are not yet covered by one.
    pub checkpoint_every: u64,
    /// Sign a checkpoint when the log grew and the latest is older than this.
    pub checkpoint_interval: time::Duration,
    /// How often the background loop runs the self-check.
    pub self_check_interval: time::Duration,
}

impl AuditConfig {
    /// A configuration for `origin` with the defaults (1000 events, 60 s, self-check hourly).
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] if the origin is not a valid checkpoint origin.
    pub fn new(origin: &str) -> Result<Self, ServiceError> {
        Checkpoint::new(origin, 0, pqbank_audit::empty_root())
            .map_err(|e| ServiceError::Invalid(format!("audit origin: {e}")))?;
        Ok(Self {
            origin: origin.to_owned(),
            checkpoint_every: 1000,
            checkpoint_interval: time::Duration::seconds(60),
            self_check_interval: time::Duration::hours(1),
        })
    }

    /// The origin derived from a bank name: `<name with spaces as dashes>/audit`.
    pub fn origin_for(bank_name: &str) -> String {
        let name: String = bank_name
            .chars()
            .map(|c| {
                if c.is_whitespace() || c == '+' || c.is_control() {
                    '-'
                } else {
                    c
                }
            })
            .collect();
        let name = if name.is_empty() {
            "pqbank".to_owned()
        } else {
            name
        };
        format!("{name}/audit")
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            origin: "pqbank/audit".to_owned(),
            checkpoint_every: 1000,
            checkpoint_interval: time::Duration::seconds(60),
            self_check_interval: time::Duration::hours(1),
        }
    }
}

/// The loaded audit signing key.
struct AuditSigner {
    id: String,
    key: SigningKey,
    public: VerifyingKey,
    cert: Cert,
    key_id: [u8; 4],
}

/// The audit log's shared state (one per [`Bank`], shared by its clones).
pub(crate) struct AuditState {
    config: AuditConfig,
    signer: tokio::sync::Mutex<Option<Arc<AuditSigner>>>,
    last_check: Mutex<Option<SelfCheckReport>>,
}

impl AuditState {
    pub(crate) fn new(config: AuditConfig) -> Self {
        Self {
            config,
            signer: tokio::sync::Mutex::new(None),
            last_check: Mutex::new(None),
        }
    }
}

impl fmt::Debug for AuditState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Signs notes with the audit key (the signature randomness comes from the bank's entropy).
struct NoteSigning<'a> {
    origin: &'a str,
    signer: &'a AuditSigner,
    rng: RefCell<StdRng>,
}

impl NoteSigner for NoteSigning<'_> {
    fn name(&self) -> &str {
        self.origin
    }
    fn key_id(&self) -> [u8; 4] {
        self.signer.key_id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ExternalError> {
        let sig = self
            .signer
            .key
            .sign(
                msg,
                CHECKPOINT_SIGNATURE_CONTEXT,
                &mut *self.rng.borrow_mut(),
            )
            .map_err(ExternalError::new)?;
        Ok(sig.as_bytes().to_vec())
    }
}

/// Verifies checkpoint notes with an audit public key (also used by `pqbank audit verify`).
#[derive(Debug, Clone)]
pub struct CheckpointKey {
    name: String,
    key: VerifyingKey,
    id: [u8; 4],
}

impl CheckpointKey {
    /// The note verifier for `key` under the note key name `origin`.
    pub fn new(origin: &str, key: VerifyingKey) -> Self {
        let id = note_key_id(origin, &key);
        Self {
            name: origin.to_owned(),
            key,
            id,
        }
    }
}

impl NoteVerifier for CheckpointKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        Signature::from_bytes(self.key.algorithm(), sig)
            .and_then(|sig| self.key.verify(msg, CHECKPOINT_SIGNATURE_CONTEXT, &sig))
            .is_ok()
    }
}

/// The signed-note key ID of an audit key.
pub fn note_key_id(origin: &str, key: &VerifyingKey) -> [u8; 4] {
    key_id(
        origin,
        SignatureType::Other(COMPOSITE_MLDSA65_ED25519_TYPE),
        key.as_bytes(),
    )
}

/// The audit key as published for verifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditKeyInfo {
    /// The log's origin (the note key name).
    pub origin: String,
    /// The signed-note key ID.
    pub key_id: [u8; 4],
    /// Signature algorithm registry id.
    pub algorithm: String,
    /// The raw (composite) public key.
    pub public_key: Vec<u8>,
    /// Its certificate, issued by the bank's CA (PEM).
    pub cert_pem: String,
}

/// An inclusion proof as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// Entry index.
    pub index: u64,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// The entry's leaf hash.
    pub leaf_hash: Hash,
    /// Audit path, leaf sibling first.
    pub hashes: Vec<Hash>,
}

/// What a self-check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckReport {
    /// When it ran.
    pub checked_at: time::OffsetDateTime,
    /// Entries recomputed.
    pub entries: u64,
    /// Size of the latest checkpoint compared (None: no checkpoint yet).
    pub checkpoint_size: Option<u64>,
    /// Root recomputed from the stored leaves (all entries).
    pub root: Hash,
    /// Whether everything matched.
    pub ok: bool,
    /// The first problem found, naming the entry when possible.
    pub problem: Option<String>,
    /// The first bad entry, when known.
    pub first_bad_index: Option<u64>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Entries written.
    pub entries: u64,
    /// Checkpoints written.
    pub checkpoints: u64,
    /// Root of the exported tree.
    pub root: Hash,
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
    ServiceError::Internal(Box::new(e))
}

fn key_aad(id: &str) -> Vec<u8> {
    format!("pqbank:audit_keys:{id}").into_bytes()
}

fn io_error(path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Invalid(format!("{}: {e}", path.display()))
}

impl Bank {
    /// The audit configuration.
    pub fn audit_config(&self) -> &AuditConfig {
        &self.audit.config
    }

    /// Loads the active audit signing key, creating it (and its certificate from the active
    /// issuing CA) if there is none or its certificate has expired. Needs the CA.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] without key ring or CA; store, key ring and PKI errors.
    pub async fn ensure_audit_key(&self) -> Result<(), ServiceError> {
        self.audit_signer().await.map(drop)
    }

    async fn audit_signer(&self) -> Result<Arc<AuditSigner>, ServiceError> {
        let mut slot = self.audit.signer.lock().await;
        let now = self.clock.now();
        if let Some(signer) = slot.as_ref()
            && signer.cert.not_after()? > now
        {
            return Ok(signer.clone());
        }
        let keys = self.store.list_audit_keys().await?;
        let signer = match keys.iter().rev().find(|k| k.active && k.not_after > now) {
            Some(record) => self.load_audit_key(record)?,
            None => self.create_audit_key().await?,
        };
        let signer = Arc::new(signer);
        *slot = Some(signer.clone());
        Ok(signer)
    }

    fn load_audit_key(&self, record: &AuditKeyRecord) -> Result<AuditSigner, ServiceError> {
        let encrypted =
            pqbank_crypto::EncryptedRecord::from_bytes(&record.key_encrypted).map_err(internal)?;
        let raw = self
            .keyring()?
            .decrypt(&key_aad(&record.id), &encrypted)
            .map_err(internal)?;
        let alg = SignatureAlgorithm::from_id(&record.algorithm).map_err(internal)?;
        let key = SigningKey::from_raw(alg, raw.expose()).map_err(internal)?;
        let cert = Cert::from_der(&record.cert_der)?;
        let public = key.public_key();
        if cert.verifying_key()? != public {
            return Err(internal(pqbank_store::StoreError::Corrupt(
                "audit key does not match its certificate",
            )));
        }
        Ok(AuditSigner {
            id: record.id.clone(),
            key_id: note_key_id(&self.audit.config.origin, &public),
            key,
            public,
            cert,
        })
    }

    async fn create_audit_key(&self) -> Result<AuditSigner, ServiceError> {
        let key = SigningKey::generate(AUDIT_KEY_ALGORITHM, &mut self.rng()?).map_err(internal)?;
        let public = key.public_key();
        let (cert, _chain) = self.issue_audit_cert(&public, AUDIT_CERT_DAYS)?;
        let id = format!("audit-{}", cert.serial()?.to_hex());
        let raw = key.to_raw().map_err(internal)?;
        let encrypted = self
            .keyring()?
            .encrypt(&key_aad(&id), raw.expose(), &mut self.rng()?)
            .map_err(internal)?;
        self.store
            .insert_audit_key(&AuditKeyRecord {
                id: id.clone(),
                algorithm: AUDIT_KEY_ALGORITHM.id().to_owned(),
                cert_der: cert.der().to_vec(),
                key_encrypted: encrypted.to_bytes(),
                not_after: cert.not_after()?,
                active: true,
                created_at: self.clock.now(),
            })
            .await?;
        tracing::info!(key = %id, "created the audit signing key");
        Ok(AuditSigner {
            id,
            key_id: note_key_id(&self.audit.config.origin, &public),
            key,
            public,
            cert,
        })
    }

    /// The audit signing certificate (PEM).
    ///
    /// # Errors
    /// As [`Self::ensure_audit_key`].
    pub async fn audit_cert_pem(&self) -> Result<String, ServiceError> {
        Ok(self.audit_signer().await?.cert.to_pem()?)
    }

    /// The current audit key as anyone may fetch it to verify checkpoints: origin (note key
    /// name), note key ID, algorithm, raw public key and certificate.
    ///
    /// # Errors
    /// As [`Self::ensure_audit_key`].
    pub async fn audit_key_info(&self) -> Result<AuditKeyInfo, ServiceError> {
        let signer = self.audit_signer().await?;
        Ok(AuditKeyInfo {
            origin: self.audit.config.origin.clone(),
            key_id: signer.key_id,
            algorithm: signer.public.algorithm().id().to_owned(),
            public_key: signer.public.as_bytes().to_vec(),
            cert_pem: signer.cert.to_pem()?,
        })
    }

    /// Signed checkpoints by increasing size after `after_size`, at most `limit` (200).
    ///
    /// # Errors
    /// Store errors.
    pub async fn checkpoints(
        &self,
        after_size: Option<u64>,
        limit: u32,
    ) -> Result<Vec<CheckpointRecord>, ServiceError> {
        Ok(self
            .store
            .list_checkpoints(after_size, limit.clamp(1, 200))
            .await?)
    }

    /// A user's own audit events (actor = the user), by increasing index after `after`.
    ///
    /// # Errors
    /// Store errors.
    pub async fn own_audit_entries(
        &self,
        principal: &Principal,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self
            .store
            .audit_search(&AuditFilter {
                action: None,
                user_id: Some(principal.user_id.clone()),
                from: None,
                until: None,
                after_index: after,
                limit: limit.clamp(1, 200),
            })
            .await?)
    }

    /// An inclusion proof of one of the caller's own events (anyone else's is "not found").
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; as [`Self::inclusion_proof`].
    pub async fn own_inclusion_proof(
        &self,
        principal: &Principal,
        index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, ServiceError> {
        let entry = self
            .store
            .audit_entries(index, index.saturating_add(1))
            .await?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound)?;
        let event =
            pqbank_audit::AuditEvent::from_leaf_bytes(&entry.leaf).map_err(crate::ca::internal)?;
        if event.actor.user_id.as_ref().map(|u| u.as_str()) != Some(principal.user_id.as_str()) {
            return Err(ServiceError::NotFound);
        }
        self.inclusion_proof(index, tree_size).await
    }

    /// The note verifier of the current audit key.
    ///
    /// # Errors
    /// As [`Self::ensure_audit_key`].
    pub async fn audit_checkpoint_key(&self) -> Result<CheckpointKey, ServiceError> {
        let signer = self.audit_signer().await?;
        Ok(CheckpointKey::new(
            &self.audit.config.origin,
            signer.public.clone(),
        ))
    }

    /// Appends a standalone event (one not tied to another write) in its own transaction;
    /// returns its index. Events that record an action are appended by the store method of that
    /// action, in its transaction.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for an event without a canonical encoding; store errors.
    pub async fn record(&self, event: AuditEvent) -> Result<u64, ServiceError> {
        let indexes = self.store.append_audit(vec![event]).await?;
        indexes
            .first()
            .copied()
            .ok_or_else(|| internal(pqbank_store::StoreError::Corrupt("no index assigned")))
    }

    /// Signs a checkpoint of the current log unless the latest checkpoint already covers it;
    /// returns the checkpoint covering the log (new or existing).
    ///
    /// # Errors
    /// As [`Self::ensure_audit_key`]; store errors.
    pub async fn create_checkpoint(&self) -> Result<CheckpointRecord, ServiceError> {
        let size = self.store.audit_size().await?;
        if let Some(latest) = self.store.latest_checkpoint().await?
            && latest.size == size
        {
            return Ok(latest);
        }
        let signer = self.audit_signer().await?;
        let root = audit_root(self.store.as_ref(), size).await?;
        let now = self.clock.now();
        let time = Timestamp::new(now).map_err(internal)?;
        let origin = &self.audit.config.origin;
        let checkpoint = Checkpoint::new(origin, size, root)
            .and_then(|c| c.with_time(time))
            .map_err(internal)?;
        let note = sign_checkpoint(
            &checkpoint,
            &NoteSigning {
                origin,
                signer: &signer,
                rng: RefCell::new(self.rng()?),
            },
        )
        .map_err(internal)?;
        let record = CheckpointRecord {
            size,
            time: time.as_offset_date_time(),
            note,
        };
        if self.store.put_checkpoint(&record).await? {
            tracing::info!(size, root = %root, key = %signer.id, "audit checkpoint signed");
            return Ok(record);
        }
        // Another instance signed this size first: theirs stands.
        Ok(self
            .store
            .list_checkpoints(size.checked_sub(1), 1)
            .await?
            .into_iter()
            .next()
            .unwrap_or(record))
    }

    /// Signs a checkpoint if `checkpoint_every` events are uncovered, or the log grew and the
    /// latest checkpoint is older than `checkpoint_interval`. Returns the new checkpoint, if any.
    ///
    /// # Errors
    /// As [`Self::create_checkpoint`].
    pub async fn checkpoint_if_due(&self) -> Result<Option<CheckpointRecord>, ServiceError> {
        let size = self.store.audit_size().await?;
        let latest = self.store.latest_checkpoint().await?;
        let (covered, at) = match &latest {
            Some(cp) => (cp.size, Some(cp.time)),
            None => (0, None),
        };
        if size <= covered && latest.is_some() {
            return Ok(None);
        }
        let config = &self.audit.config;
        let due = size - covered >= config.checkpoint_every
            || at.is_none_or(|t| self.clock.now() - t >= config.checkpoint_interval);
        if !due {
            return Ok(None);
        }
        self.create_checkpoint().await.map(Some)
    }

    /// The latest signed checkpoint.
    ///
    /// # Errors
    /// Store errors.
    pub async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, ServiceError> {
        Ok(self.store.latest_checkpoint().await?)
    }

    /// Entries `start..end` (at most [`MAX_AUDIT_PAGE`]).
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for a reversed or too long range.
    pub async fn audit_entries(
        &self,
        start: u64,
        end: u64,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self.store.audit_entries(start, end).await?)
    }

    /// Entries matching a filter (action, user, time range, cursor), bounded.
    ///
    /// # Errors
    /// Store errors.
    pub async fn audit_search(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self.store.audit_search(filter).await?)
    }

    /// Inclusion proof of entry `index` in the tree of `tree_size` entries.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] if `index >= tree_size` or the size exceeds the log.
    pub async fn inclusion_proof(
        &self,
        index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, ServiceError> {
        let hashes = audit_inclusion_proof(self.store.as_ref(), index, tree_size).await?;
        let entry = self
            .store
            .audit_entries(index, index.saturating_add(1))
            .await?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound)?;
        Ok(InclusionProof {
            index,
            tree_size,
            leaf_hash: entry.leaf_hash,
            hashes,
        })
    }

    /// Consistency proof between the trees of `first` and `second` entries.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] if `first > second` or `second` exceeds the log.
    pub async fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<Vec<Hash>, ServiceError> {
        Ok(audit_consistency_proof(self.store.as_ref(), first, second).await?)
    }

    /// The last self-check's report.
    pub fn last_self_check(&self) -> Option<SelfCheckReport> {
        self.audit
            .last_check
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Recomputes the tree from the stored leaves: every leaf against its stored hash and index,
    /// the root against the latest signed checkpoint (whose signature is checked) and against the
    /// stored tree nodes. A mismatch is logged as a critical alert and reported (`ok: false`).
    ///
    /// # Errors
    /// Store errors, or no audit key (the checkpoint cannot be checked).
    pub async fn audit_self_check(&self) -> Result<SelfCheckReport, ServiceError> {
        let latest = self.store.latest_checkpoint().await?;
        let key = self.audit_checkpoint_key().await?;
        let size = self.store.audit_size().await?;
        let mut problem: Option<(String, Option<u64>)> = None;
        // The signed tree head to compare with (its signature checked first).
        let mut signed: Option<(u64, Hash)> = None;
        if let Some(cp) = &latest {
            match pqbank_audit::open_checkpoint(&cp.note, &key) {
                Ok(c) if c.origin() == self.audit.config.origin => {
                    signed = Some((c.size(), *c.root()));
                }
                Ok(c) => problem = Some((format!("checkpoint for origin {}", c.origin()), None)),
                Err(e) => problem = Some((format!("latest checkpoint: {e}"), None)),
            }
        }
        // Frontier is plain data (Send), so the recomputation can await page reads.
        let mut frontier = pqbank_audit::Frontier::new();
        let mut start = 0;
        'pages: while problem.is_none() && start < size {
            let end = start.saturating_add(MAX_AUDIT_PAGE).min(size);
            let page = self.store.audit_entries(start, end).await?;
            for (entry, position) in page.iter().zip(start..) {
                if let Some(p) = check_entry(entry, position) {
                    problem = Some(p);
                    break 'pages;
                }
                if frontier.push(entry.leaf_hash).is_err() {
                    problem = Some(("the log is full".to_owned(), Some(position)));
                    break 'pages;
                }
                if let Some((cp_size, cp_root)) = signed
                    && frontier.size() == cp_size
                    && frontier.root() != cp_root
                {
                    problem = Some((
                        format!(
                            "root at size {cp_size} differs from the signed checkpoint: an entry in \
                             0..={} was altered, inserted or removed",
                            cp_size - 1
                        ),
                        Some(0),
                    ));
                    break 'pages;
                }
            }
            if page.len() as u64 != end - start {
                let missing = start + page.len() as u64;
                problem = Some((format!("entry {missing} is missing"), Some(missing)));
                break 'pages;
            }
            start = end;
        }
        if problem.is_none()
            && let Some((cp_size, _)) = signed
            && cp_size > size
        {
            problem = Some((
                format!("the log has {size} entries but the checkpoint covers {cp_size}"),
                Some(size),
            ));
        }
        let root = frontier.root();
        let entries = frontier.size();
        if problem.is_none() {
            let stored = audit_root(self.store.as_ref(), size).await?;
            if stored != root {
                problem = Some((
                    "the stored tree nodes disagree with the stored entries".to_owned(),
                    None,
                ));
            }
        }
        let report = SelfCheckReport {
            checked_at: self.clock.now(),
            entries,
            checkpoint_size: latest.as_ref().map(|c| c.size),
            root,
            ok: problem.is_none(),
            first_bad_index: problem.as_ref().and_then(|(_, i)| *i),
            problem: problem.map(|(p, _)| p),
        };
        let previous = self
            .audit
            .last_check
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .replace(report.clone());
        if let Some(p) = &report.problem {
            tracing::error!(alert = "audit.self_check_failed", severity = "critical",
                first_bad_index = ?report.first_bad_index, problem = %p,
                "AUDIT LOG SELF-CHECK FAILED: the stored log does not match its signed checkpoint");
            // One alert per finding (not one per period while it stays broken).
            let new_finding = previous
                .is_none_or(|prev| prev.ok || prev.first_bad_index != report.first_bad_index);
            if new_finding {
                self.raise(crate::monitoring::Alert {
                    rule: "audit.self_check_failed",
                    severity: "critical",
                    user_id: None,
                    client_addr: None,
                    details: serde_json::json!({
                        "problem": p.chars().take(300).collect::<String>(),
                        "first_bad_index": report.first_bad_index,
                        "checkpoint_size": report.checkpoint_size,
                    }),
                    evidence: report.first_bad_index.into_iter().collect(),
                })
                .await;
            }
        } else {
            tracing::info!(entries, checkpoint = ?report.checkpoint_size, "audit self-check passed");
        }
        Ok(report)
    }

    /// Signs checkpoints when due (checked every second) and runs the self-check every
    /// `self_check_interval`, until `shutdown` resolves. Errors are logged and retried.
    pub async fn run_audit_checkpoints(&self, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_check: Option<time::OffsetDateTime> = None;
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.checkpoint_if_due().await {
                tracing::warn!(error = %e, "audit checkpoint failed");
            }
            let now = self.clock.now();
            if last_check.is_none_or(|t| now - t >= self.audit.config.self_check_interval) {
                last_check = Some(now);
                if let Err(e) = self.audit_self_check().await {
                    tracing::warn!(error = %e, "audit self-check could not run");
                }
            }
        }
    }

    /// Exports the log into `dir` (created; must be empty or absent) for offline verification,
    /// after signing a checkpoint covering the whole log:
    ///
    /// - `entries.jsonl`: one canonical event (the exact leaf bytes) per line, in index order;
    /// - `leaf-hashes.txt`: the stored leaf hash of each entry (hex, one per line), hints that
    ///   let the verifier name an altered entry;
    /// - `checkpoints/<size>.note`: every signed checkpoint up to the exported size;
    /// - `audit-cert.pem`: the audit signing certificates (active last);
    /// - `ca-certs.pem`: every CA certificate (roots and issuing CAs);
    /// - `device-certs.pem`: the device certificates of client signatures carried by entries;
    /// - `payloads/<sha256 hex>`: the signed payloads, which the stores of the signed actions
    ///   (transfers, approvals) must supply; not written yet (no such store exists yet);
    /// - `manifest.json`: format, origin, size, root, export time.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for an unusable directory; store and key errors.
    pub async fn export_audit(&self, dir: &Path) -> Result<ExportSummary, ServiceError> {
        let checkpoint = self.create_checkpoint().await?;
        let size = checkpoint.size;
        if let Ok(mut existing) = tokio::fs::read_dir(dir).await
            && existing
                .next_entry()
                .await
                .map_err(|e| io_error(dir, e))?
                .is_some()
        {
            return Err(ServiceError::Invalid(format!(
                "{}: the export directory is not empty",
                dir.display()
            )));
        }
        let cp_dir = dir.join("checkpoints");
        tokio::fs::create_dir_all(&cp_dir)
            .await
            .map_err(|e| io_error(&cp_dir, e))?;

        let entries_path = dir.join("entries.jsonl");
        let hashes_path = dir.join("leaf-hashes.txt");
        let mut entries_out = tokio::io::BufWriter::new(
            tokio::fs::File::create(&entries_path)
                .await
                .map_err(|e| io_error(&entries_path, e))?,
        );
        let mut hashes_out = tokio::io::BufWriter::new(
            tokio::fs::File::create(&hashes_path)
                .await
                .map_err(|e| io_error(&hashes_path, e))?,
        );
        let mut frontier = pqbank_audit::Frontier::new();
        let mut signer_serials = std::collections::BTreeSet::new();
        let mut signed_payloads = std::collections::HashSet::new();
        let mut start = 0;
        while start < size {
            let end = start.saturating_add(MAX_AUDIT_PAGE).min(size);
            let page = self.store.audit_entries(start, end).await?;
            if page.len() as u64 != end - start {
                return Err(internal(pqbank_store::StoreError::Corrupt(
                    "audit entries missing",
                )));
            }
            for entry in page {
                // `"signed":{` can only occur as the member name in canonical JSON (quotes in
                // strings are escaped), so only those entries are parsed.
                if entry.leaf.windows(10).any(|w| w == b"\"signed\":{")
                    && let Ok(event) = AuditEvent::from_leaf_bytes(&entry.leaf)
                    && let Some(signed) = event.signed
                    && signer_serials.len() < MAX_EXPORTED_DEVICE_CERTS
                {
                    signer_serials.insert(signed.cert_serial.as_str().to_owned());
                    signed_payloads.insert(signed.payload_sha256.to_hex());
                }
                entries_out
                    .write_all(&entry.leaf)
                    .await
                    .map_err(|e| io_error(&entries_path, e))?;
                entries_out
                    .write_all(b"\n")
                    .await
                    .map_err(|e| io_error(&entries_path, e))?;
                hashes_out
                    .write_all(format!("{}\n", entry.leaf_hash.to_hex()).as_bytes())
                    .await
                    .map_err(|e| io_error(&hashes_path, e))?;
                frontier.push(entry.leaf_hash).map_err(internal)?;
            }
            start = end;
        }
        entries_out
            .flush()
            .await
            .map_err(|e| io_error(&entries_path, e))?;
        hashes_out
            .flush()
            .await
            .map_err(|e| io_error(&hashes_path, e))?;

        // The client-signed payloads (transfers, approvals) the entries refer to, by hash.
        let payload_dir = dir.join("payloads");
        tokio::fs::create_dir_all(&payload_dir)
            .await
            .map_err(|e| io_error(&payload_dir, e))?;
        let mut filter = pqbank_store::TransferFilter {
            ascending: true,
            ..pqbank_store::TransferFilter::default()
        };
        while !signed_payloads.is_empty() {
            let page = self.store.list_transfers(&filter, 500).await?;
            let Some(last) = page.last() else { break };
            filter.after = Some((last.created_us, last.id.clone()));
            for t in &page {
                let mut signed = vec![t.payload.as_slice()];
                if let Some(a) = &t.approval_payload {
                    signed.push(a.as_slice());
                }
                for bytes in signed {
                    let hex = pqbank_audit::hash::sha256_bytes(bytes).to_hex();
                    if signed_payloads.remove(&hex) {
                        let path = payload_dir.join(&hex);
                        tokio::fs::write(&path, bytes)
                            .await
                            .map_err(|e| io_error(&path, e))?;
                    }
                }
            }
        }

        let mut checkpoints = 0u64;
        let mut after = None;
        'outer: loop {
            let page = self
                .store
                .list_checkpoints(after, pqbank_store::MAX_LIST_LIMIT)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.size);
            for cp in page {
                if cp.size > size {
                    break 'outer;
                }
                let path = cp_dir.join(format!("{:020}.note", cp.size));
                tokio::fs::write(&path, cp.note.as_bytes())
                    .await
                    .map_err(|e| io_error(&path, e))?;
                checkpoints += 1;
            }
        }

        let mut audit_pem = String::new();
        let keys = self.store.list_audit_keys().await?;
        for key in keys
            .iter()
            .filter(|k| !k.active)
            .chain(keys.iter().filter(|k| k.active))
        {
            audit_pem.push_str(&Cert::from_der(&key.cert_der)?.to_pem()?);
        }
        let mut ca_pem = String::new();
        for ca in self.store.list_cas().await? {
            ca_pem.push_str(&Cert::from_der(&ca.cert_der)?.to_pem()?);
        }
        // The device certificates that signed payloads carried by entries.
        let mut device_pem = String::new();
        for serial in &signer_serials {
            if let Some(cert) = self.store.get_certificate(serial).await? {
                device_pem.push_str(&Cert::from_der(&cert.cert_der)?.to_pem()?);
            }
        }
        for (name, text) in [
            ("audit-cert.pem", audit_pem),
            ("ca-certs.pem", ca_pem),
            ("device-certs.pem", device_pem),
        ] {
            let path = dir.join(name);
            tokio::fs::write(&path, text)
                .await
                .map_err(|e| io_error(&path, e))?;
        }
        let root = frontier.root();
        let manifest = format!(
            "{{\"format\":\"{EXPORT_FORMAT}\",\"origin\":\"{}\",\"size\":{size},\"root_sha256_hex\":\"{}\",\"checkpoints\":{checkpoints},\"exported_at\":\"{}\"}}\n",
            self.audit.config.origin.replace(['"', '\\'], ""),
            root.to_hex(),
            Timestamp::new(self.clock.now()).map_err(internal)?,
        );
        let path = dir.join("manifest.json");
        tokio::fs::write(&path, manifest)
            .await
            .map_err(|e| io_error(&path, e))?;
        if root
            != *Checkpoint::parse_note_text(note_text(&checkpoint.note))
                .map_err(internal)?
                .root()
        {
            return Err(internal(pqbank_store::StoreError::Corrupt(
                "exported entries do not match the checkpoint just signed",
            )));
        }
        tracing::info!(entries = size, checkpoints, dir = %dir.display(), "audit log exported");
        Ok(ExportSummary {
            entries: size,
            checkpoints,
            root,
        })
    }
}

/// Checks one stored entry at `position`: canonical encoding, its index, its stored hash.
fn check_entry(entry: &AuditEntry, position: u64) -> Option<(String, Option<u64>)> {
    if entry.index != position {
        return Some((format!("entry {position} is missing"), Some(position)));
    }
    match AuditEvent::from_leaf_bytes(&entry.leaf) {
        Err(e) => Some((
            format!("entry {position} is malformed: {e}"),
            Some(position),
        )),
        Ok(event) if event.index != position => Some((
            format!("entry {position} carries index {}", event.index),
            Some(position),
        )),
        Ok(_) if pqbank_audit::leaf_hash(&entry.leaf) != entry.leaf_hash => Some((
            format!("entry {position} was altered (leaf hash differs from the stored hash)"),
            Some(position),
        )),
        Ok(_) => None,
    }
}

/// The text part of a signed note (up to and including the blank line's first newline).
fn note_text(note: &str) -> &str {
    note.rfind("\n\n").map_or(note, |i| &note[..=i])
}
