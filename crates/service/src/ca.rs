//! The certificate authority: a root CA and issuing CAs (private keys encrypted with the master
//! key ring and stored in the database), device certificates from CSRs and signed KEM requests,
//! renewal, revocation, CRLs, and the in-memory revocation sets validation uses.
//!
//! Revocations take effect at once on the instance that made them; other instances sharing the
//! database learn them from the store's feed ([`Bank::sync_revocations`]), woken by PostgreSQL
//! NOTIFY or polled every second on SQLite ([`Bank::run_revocation_sync`]), with a periodic full
//! reload as a safety net.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};

use pqbank_crypto::KeyRing;
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::{
    BankName, CaChain, Cert, CertUsage, CertificateAuthority, Crl, CrlInfo, CrlUri,
    DeviceCertParams, DeviceIdentity, PkiError, RenewalKey, Revocation, RevocationReason,
    RevocationSet, RevokedEntry, Serial, SignedKemCertRequest, ValidatedCert, ValidityPeriod,
    build_crl, build_issuing_ca, build_root_ca, check_cert_algorithm, parse_csr,
    validate_end_entity,
};
use pqbank_store::{
    CaKind, CaRecord, CertKind, CertRecord, CertStatus, CrlRecord, MAX_REVOCATIONS,
    RevocationRecord,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::{Duration, OffsetDateTime};

use crate::cache::BoundedMap;
use crate::entropy::random_array;
use crate::{Bank, ServiceError};

/// Root CA validity.
pub const ROOT_CA_DAYS: u32 = 20 * 365;
/// Issuing CA validity.
pub const ISSUING_CA_DAYS: u32 = 5 * 365;
/// Device certificate validity (cut to the issuing CA's end).
pub const DEVICE_CERT_DAYS: i64 = 90;
/// How old a signed KEM certificate request may be.
pub const KEM_REQUEST_MAX_AGE: Duration = Duration::minutes(5);
/// Most certificates a list call returns.
pub const MAX_CERT_LIST: u32 = 100;

/// How the CA is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaConfig {
    /// Signature algorithm of new CAs (one of `pqbank_pki::CERT_SIGNATURE_ALGORITHMS`).
    pub algorithm: SignatureAlgorithm,
    /// Organization in CA and device subjects.
    pub bank_name: BankName,
    /// Where the CRL is published (put into device certificates).
    pub crl_uri: CrlUri,
    /// CRL lifetime (nextUpdate - thisUpdate); refreshed after half of it.
    pub crl_lifetime: Duration,
}

impl CaConfig {
    /// Checks the algorithm, bank name and CRL URI.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for a classical algorithm, an unusable name or URI.
    pub fn new(
        algorithm: SignatureAlgorithm,
        bank_name: &str,
        crl_uri: &str,
    ) -> Result<Self, ServiceError> {
        Ok(Self {
            algorithm: check_cert_algorithm(algorithm).map_err(invalid)?,
            bank_name: BankName::new(bank_name).map_err(invalid)?,
            crl_uri: CrlUri::new(crl_uri).map_err(invalid)?,
            crl_lifetime: Duration::hours(24),
        })
    }
}

fn invalid(e: PkiError) -> ServiceError {
    ServiceError::Invalid(e.to_string())
}

/// One CA as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaInfo {
    /// Store id.
    pub id: String,
    /// Algorithm registry id.
    pub algorithm: String,
    /// Subject (RFC 4514).
    pub subject: String,
    /// Serial, lower-case hex.
    pub serial: String,
    /// Validity start.
    pub not_before: OffsetDateTime,
    /// Validity end.
    pub not_after: OffsetDateTime,
}

/// The root and the active issuing CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSummary {
    /// The root CA.
    pub root: CaInfo,
    /// The CA that issues now.
    pub issuing: CaInfo,
    /// Issuing CAs whose certificates still validate (including the active one).
    pub issuing_count: usize,
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCert {
    /// Serial, lower-case hex.
    pub serial: String,
    /// The certificate.
    pub cert: Cert,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

struct IssuingCa {
    id: String,
    key: Arc<SigningKey>,
    chain: CaChain,
}

impl IssuingCa {
    fn authority(&self) -> Result<CertificateAuthority<'_>, PkiError> {
        CertificateAuthority::new(&self.key, self.chain.issuing().clone())
    }
}

#[derive(Default)]
struct CaCache {
    root_id: Option<String>,
    issuing: Vec<Arc<IssuingCa>>,
    active: Option<Arc<IssuingCa>>,
    revoked: HashMap<String, RevocationSet>,
    feed_seq: i64,
}

/// The CA's shared state (one per [`Bank`], shared by its clones).
pub(crate) struct PkiState {
    keyring: Option<Arc<KeyRing>>,
    config: Option<CaConfig>,
    cache: RwLock<CaCache>,
    validated: BoundedMap<[u8; 32], ValidatedEntry>,
}

/// Most validated device certificates an instance remembers.
const VALIDATED_CACHE_LIMIT: usize = 10_000;

/// A device certificate whose chain and signature verified once. What can change afterwards
/// is re-checked on every use: the time against the validity of the certificate and its chain,
/// the issuing CA still being one this instance trusts, and the revocation set.
#[derive(Clone)]
struct ValidatedEntry {
    ca_id: String,
    valid_from: OffsetDateTime,
    valid_until: OffsetDateTime,
    cert: ValidatedCert,
}

impl PkiState {
    pub(crate) fn new(keyring: Option<Arc<KeyRing>>, config: Option<CaConfig>) -> Self {
        Self {
            keyring,
            config,
            cache: RwLock::new(CaCache::default()),
            validated: BoundedMap::new(VALIDATED_CACHE_LIMIT),
        }
    }
}

/// Cache key: the certificate's bytes and the usage it was validated for.
fn validated_key(cert_der: &[u8], usage: CertUsage) -> [u8; 32] {
    let tag: &[u8] = match usage {
        CertUsage::DeviceSignature => b"sig:",
        CertUsage::DeviceKem => b"kem:",
    };
    pqbank_crypto::session::sha256(&[tag, cert_der].concat())
}

impl fmt::Debug for PkiState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkiState")
            .field("keyring", &self.keyring.is_some())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
    ServiceError::Internal(Box::new(e))
}

fn key_aad(ca_id: &str) -> Vec<u8> {
    format!("pqbank:ca_keys:{ca_id}").into_bytes()
}

/// Keeps RFC 4514 text simple: drops characters that would need escaping.
fn rdn_value(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | '#'))
        .collect::<String>()
        .trim()
        .to_owned()
}

fn ca_info(id: &str, cert: &Cert) -> Result<CaInfo, ServiceError> {
    Ok(CaInfo {
        id: id.to_owned(),
        algorithm: cert.signature_algorithm()?.id().to_owned(),
        subject: cert.subject(),
        serial: cert.serial()?.to_hex(),
        not_before: cert.not_before()?,
        not_after: cert.not_after()?,
    })
}

impl Bank {
    pub(crate) fn pki_config(&self) -> Result<&CaConfig, ServiceError> {
        self.pki
            .config
            .as_ref()
            .ok_or_else(|| ServiceError::Invalid("the CA is not configured".into()))
    }

    pub(crate) fn keyring(&self) -> Result<&KeyRing, ServiceError> {
        self.pki
            .keyring
            .as_deref()
            .ok_or_else(|| ServiceError::Invalid("no master key ring loaded".into()))
    }

    /// A CSPRNG seeded from the injected entropy.
    pub(crate) fn rng(&self) -> Result<StdRng, ServiceError> {
        Ok(StdRng::from_seed(
            random_array::<32>(self.entropy.as_ref()).map_err(internal)?,
        ))
    }

    fn new_serial(&self) -> Result<Serial, ServiceError> {
        Ok(Serial::from_random(
            &random_array::<16>(self.entropy.as_ref()).map_err(internal)?,
        )?)
    }

    fn read_cache<T>(&self, f: impl FnOnce(&CaCache) -> T) -> T {
        let cache = self
            .pki
            .cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&cache)
    }

    fn write_cache<T>(&self, f: impl FnOnce(&mut CaCache) -> T) -> T {
        let mut cache = self
            .pki
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut cache)
    }

    fn active_ca(&self) -> Result<Arc<IssuingCa>, ServiceError> {
        self.read_cache(|c| c.active.clone())
            .ok_or_else(|| ServiceError::Invalid("the CA is not initialised".into()))
    }

    fn decrypt_key(&self, record: &CaRecord) -> Result<SigningKey, ServiceError> {
        let encrypted =
            pqbank_crypto::EncryptedRecord::from_bytes(&record.key_encrypted).map_err(internal)?;
        let raw = self
            .keyring()?
            .decrypt(&key_aad(&record.id), &encrypted)
            .map_err(internal)?;
        let alg = SignatureAlgorithm::from_id(&record.algorithm).map_err(internal)?;
        SigningKey::from_raw(alg, raw.expose()).map_err(internal)
    }

    fn encrypt_key(&self, ca_id: &str, key: &SigningKey) -> Result<Vec<u8>, ServiceError> {
        let raw = key.to_raw().map_err(internal)?;
        let record = self
            .keyring()?
            .encrypt(&key_aad(ca_id), raw.expose(), &mut self.rng()?)
            .map_err(internal)?;
        Ok(record.to_bytes())
    }

    /// Loads the CAs from the database into memory (keys decrypted), with every revocation.
    /// Returns whether an active issuing CA exists.
    ///
    /// # Errors
    /// Store errors; [`ServiceError::Internal`] if a key cannot be decrypted (wrong key ring).
    pub async fn load_ca(&self) -> Result<bool, ServiceError> {
        let records = self.store.list_cas().await?;
        let root = records
            .iter()
            .rev()
            .find(|r| r.kind == CaKind::Root && r.active);
        let Some(root) = root else {
            self.write_cache(|c| *c = CaCache::default());
            return Ok(false);
        };
        let root_cert = Cert::from_der(&root.cert_der)?;
        let now = self.clock.now();
        let mut issuing = Vec::new();
        let mut active = None;
        for record in records
            .iter()
            .filter(|r| r.kind == CaKind::Issuing && r.parent_id.as_deref() == Some(&root.id))
        {
            if record.not_after <= now && !record.active {
                continue;
            }
            let ca = Arc::new(IssuingCa {
                id: record.id.clone(),
                key: Arc::new(self.decrypt_key(record)?),
                chain: CaChain::new(Cert::from_der(&record.cert_der)?, root_cert.clone())?,
            });
            if record.active {
                active = Some(ca.clone());
            }
            issuing.push(ca);
        }
        let has_active = active.is_some();
        self.write_cache(|c| {
            c.root_id = Some(root.id.clone());
            c.issuing = issuing;
            c.active = active;
        });
        self.reload_revocations().await?;
        Ok(has_active)
    }

    /// Creates the root and issuing CA unless an active issuing CA exists; then loads it.
    /// Returns the summary and whether something was created. Instances starting at once on
    /// one database create a single CA: the store inserts the hierarchy only if no active root
    /// exists, serialised across instances; the losers discard their keys and load the winner's.
    ///
    /// # Errors
    /// Store, key ring and PKI errors.
    pub async fn ensure_ca(&self) -> Result<(CaSummary, bool), ServiceError> {
        if self.load_ca().await? {
            return Ok((self.ca_summary()?, false));
        }
        let config = self.pki_config()?.clone();
        // Another instance may have created the CA since load_ca read the store.
        let records = self.store.list_cas().await?;
        let existing_root = records
            .iter()
            .rev()
            .find(|r| r.kind == CaKind::Root && r.active);
        let has_issuing = |root: &CaRecord| {
            records.iter().any(|r| {
                r.kind == CaKind::Issuing && r.active && r.parent_id.as_deref() == Some(&root.id)
            })
        };
        let created = match existing_root {
            Some(existing) if has_issuing(existing) => false,
            // A root without an active issuing CA (an interrupted setup): issue below it.
            Some(existing) => {
                let key = self.decrypt_key(existing)?;
                let cert = Cert::from_der(&existing.cert_der)?;
                let issuing = self.build_issuing_ca(&existing.id, &key, cert, 1)?;
                self.store.insert_ca(&issuing).await?;
                true
            }
            None => {
                let now = self.clock.now();
                let mut rng = self.rng()?;
                let root_key =
                    SigningKey::generate(config.algorithm, &mut rng).map_err(internal)?;
                let serial = self.new_serial()?;
                let bank = rdn_value(config.bank_name.as_str());
                let root_cert = build_root_ca(
                    &root_key,
                    &format!("CN={bank} Root CA,O={bank}"),
                    ValidityPeriod::days_from(now, ROOT_CA_DAYS)?,
                    &serial,
                    &mut rng,
                )?;
                let root_id = format!("root-{}", serial.to_hex());
                let root = CaRecord {
                    id: root_id.clone(),
                    kind: CaKind::Root,
                    parent_id: None,
                    algorithm: config.algorithm.id().to_owned(),
                    cert_der: root_cert.der().to_vec(),
                    key_encrypted: self.encrypt_key(&root_id, &root_key)?,
                    not_after: root_cert.not_after()?,
                    active: true,
                    created_at: now,
                };
                let issuing = self.build_issuing_ca(&root_id, &root_key, root_cert, 1)?;
                self.store.create_ca_hierarchy(&root, &issuing).await?
            }
        };
        if created {
            tracing::info!(algorithm = config.algorithm.id(), "created the CA");
        } else {
            tracing::info!("another instance created the CA first; using it");
        }
        if !self.load_ca().await? {
            return Err(ServiceError::Invalid(
                "the CA has no active issuing CA".into(),
            ));
        }
        Ok((self.ca_summary()?, created))
    }

    /// A new issuing CA below the root `root_id` (certificate and encrypted key), not stored.
    fn build_issuing_ca(
        &self,
        root_id: &str,
        root_key: &SigningKey,
        root_cert: Cert,
        number: usize,
    ) -> Result<CaRecord, ServiceError> {
        let config = self.pki_config()?.clone();
        let now = self.clock.now();
        let mut rng = self.rng()?;
        let root = CertificateAuthority::new(root_key, root_cert.clone())?;
        let key = SigningKey::generate(config.algorithm, &mut rng).map_err(internal)?;
        let serial = self.new_serial()?;
        let bank = rdn_value(config.bank_name.as_str());
        let end = (now + Duration::days(i64::from(ISSUING_CA_DAYS))).min(root_cert.not_after()?);
        let cert = build_issuing_ca(
            &root,
            &key.public_key(),
            &format!(
                "CN={bank} Issuing CA {number} {},O={bank}",
                &serial.to_hex()[..8]
            ),
            ValidityPeriod::new(now, end)?,
            &serial,
            &mut rng,
        )?;
        let id = format!("issuing-{}", serial.to_hex());
        Ok(CaRecord {
            key_encrypted: self.encrypt_key(&id, &key)?,
            id,
            kind: CaKind::Issuing,
            parent_id: Some(root_id.to_owned()),
            algorithm: config.algorithm.id().to_owned(),
            cert_der: cert.der().to_vec(),
            not_after: cert.not_after()?,
            active: true,
            created_at: now,
        })
    }

    /// Creates a new issuing CA under the same root and makes it active. Certificates of the
    /// previous issuing CAs stay valid until they (or their CA) expire.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] if there is no CA yet; store, key ring and PKI errors.
    pub async fn rotate_issuing_ca(&self) -> Result<CaSummary, ServiceError> {
        self.load_ca().await?;
        let root_id = self
            .read_cache(|c| c.root_id.clone())
            .ok_or_else(|| ServiceError::Invalid("the CA is not initialised".into()))?;
        let records = self.store.list_cas().await?;
        let root = records
            .iter()
            .find(|r| r.id == root_id)
            .ok_or(ServiceError::NotFound)?;
        let root_key = self.decrypt_key(root)?;
        let number = records
            .iter()
            .filter(|r| r.kind == CaKind::Issuing)
            .count()
            .saturating_add(1);
        let issuing =
            self.build_issuing_ca(&root_id, &root_key, Cert::from_der(&root.cert_der)?, number)?;
        let id = issuing.id.clone();
        self.store.insert_ca(&issuing).await?;
        tracing::info!(issuing = %id, "rotated the issuing CA");
        self.load_ca().await?;
        self.ca_summary()
    }

    /// Issues the audit log signing certificate for `key` with the active issuing CA, valid
    /// for `days` (cut to the CA's end); returns it with the CA chain (see [`crate::audit`]).
    pub(crate) fn issue_audit_cert(
        &self,
        key: &pqbank_crypto::sig::VerifyingKey,
        days: i64,
    ) -> Result<(Cert, CaChain), ServiceError> {
        let ca = self.active_ca()?;
        let config = self.pki_config()?;
        let now = self.clock.now();
        let end = (now + Duration::days(days)).min(ca.chain.issuing().not_after()?);
        let cert = pqbank_pki::issue_audit_signer_cert(
            &ca.authority()?,
            key,
            &config.bank_name,
            ValidityPeriod::new(now, end)?,
            &self.new_serial()?,
            &mut self.rng()?,
        )?;
        Ok((cert, ca.chain.clone()))
    }

    /// The root and active issuing CA.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] before the CA exists.
    pub fn ca_summary(&self) -> Result<CaSummary, ServiceError> {
        let (active, root_id, count) =
            self.read_cache(|c| (c.active.clone(), c.root_id.clone(), c.issuing.len()));
        let active =
            active.ok_or_else(|| ServiceError::Invalid("the CA is not initialised".into()))?;
        Ok(CaSummary {
            root: ca_info(&root_id.unwrap_or_default(), active.chain.root())?,
            issuing: ca_info(&active.id, active.chain.issuing())?,
            issuing_count: count,
        })
    }

    /// The active issuing CA certificate followed by the root, as PEM.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] before the CA exists.
    pub fn ca_chain_pem(&self) -> Result<String, ServiceError> {
        let active = self.active_ca()?;
        Ok(format!(
            "{}{}",
            active.chain.issuing().to_pem()?,
            active.chain.root().to_pem()?
        ))
    }

    /// The active issuing CA's current CRL, signing a new one first if there is none or the
    /// stored one has lived half its lifetime.
    ///
    /// # Errors
    /// Store and PKI errors.
    pub async fn current_crl(&self) -> Result<Crl, ServiceError> {
        let active = self.active_ca()?;
        let lifetime = self.pki_config()?.crl_lifetime;
        if let Some(stored) = self.store.get_crl(&active.id).await?
            && self.clock.now() < stored.this_update + lifetime / 2
        {
            return Ok(Crl::from_der(&stored.der)?);
        }
        self.refresh_crl(&active).await
    }

    /// Signs a new CRL for `ca` with the next number and stores it.
    async fn refresh_crl(&self, ca: &IssuingCa) -> Result<Crl, ServiceError> {
        let lifetime = self.pki_config()?.crl_lifetime;
        let entries = self
            .store
            .revocations_for_ca(&ca.id)
            .await?
            .iter()
            .map(revoked_entry)
            .collect::<Result<Vec<_>, _>>()?;
        let number = self.store.next_crl_number(&ca.id).await?;
        let now = self.clock.now();
        let info = CrlInfo {
            number: u64::try_from(number).map_err(internal)?,
            this_update: now,
            next_update: now + lifetime,
        };
        let crl = build_crl(&ca.authority()?, &info, &entries, &mut self.rng()?)?;
        self.store
            .put_crl(&CrlRecord {
                ca_id: ca.id.clone(),
                number,
                this_update: now,
                next_update: now + lifetime,
                der: crl.der().to_vec(),
            })
            .await?;
        Ok(crl)
    }

    fn device_params(&self, ca: &IssuingCa) -> Result<DeviceCertParams, ServiceError> {
        let config = self.pki_config()?;
        let now = self.clock.now();
        let end = (now + Duration::days(DEVICE_CERT_DAYS)).min(ca.chain.issuing().not_after()?);
        Ok(DeviceCertParams {
            bank_name: config.bank_name.clone(),
            validity: ValidityPeriod::new(now, end)?,
            serial: self.new_serial()?,
            crl_uri: config.crl_uri.clone(),
        })
    }

    async fn record_issued(
        &self,
        ca: &IssuingCa,
        cert: Cert,
        identity: &DeviceIdentity,
        usage: CertUsage,
        supersedes: Option<&str>,
    ) -> Result<IssuedCert, ServiceError> {
        let serial = cert.serial()?.to_hex();
        let not_after = cert.not_after()?;
        self.store
            .insert_certificate(
                &CertRecord {
                    serial: serial.clone(),
                    ca_id: ca.id.clone(),
                    user_id: identity.user_id.as_str().to_owned(),
                    device_id: identity.device_id.as_str().to_owned(),
                    usage: match usage {
                        CertUsage::DeviceSignature => CertKind::Signature,
                        CertUsage::DeviceKem => CertKind::Kem,
                    },
                    cert_der: cert.der().to_vec(),
                    not_after,
                    status: CertStatus::Valid,
                    superseded_by: None,
                    created_at: self.clock.now(),
                },
                supersedes,
            )
            .await?;
        tracing::info!(event = "cert.issue", %serial, user = identity.user_id.as_str(),
            device = identity.device_id.as_str(), ?usage, ?supersedes, "certificate issued");
        Ok(IssuedCert {
            serial,
            cert,
            not_after,
        })
    }

    /// Issues a device signature certificate for the key of `csr` (PEM or DER, proof of
    /// possession checked) bound to `user_id` / `device_id`. Nothing is stored on error.
    ///
    /// # Errors
    /// [`ServiceError::Certificate`] for a bad CSR (malformed, too large, wrong proof of
    /// possession, unsupported algorithm) or identity; store errors.
    pub async fn issue_device_signature_cert(
        &self,
        user_id: &str,
        device_id: &str,
        csr: &[u8],
    ) -> Result<IssuedCert, ServiceError> {
        let identity = DeviceIdentity::new(user_id, device_id)?;
        let csr = parse_csr(csr)?;
        let ca = self.active_ca()?;
        let cert = pqbank_pki::issue_device_signature_cert(
            &ca.authority()?,
            &csr,
            &identity,
            &self.device_params(&ca)?,
            &mut self.rng()?,
        )?;
        self.record_issued(&ca, cert, &identity, CertUsage::DeviceSignature, None)
            .await
    }

    /// Issues a device signature certificate like [`Self::issue_device_signature_cert`] but
    /// stores nothing: the caller stores the record together with the device binding, in one
    /// transaction.
    ///
    /// # Errors
    /// As [`Self::issue_device_signature_cert`].
    pub(crate) fn prepare_device_signature_cert(
        &self,
        user_id: &str,
        device_id: &str,
        csr: &[u8],
    ) -> Result<(IssuedCert, CertRecord), ServiceError> {
        let identity = DeviceIdentity::new(user_id, device_id)?;
        let csr = parse_csr(csr)?;
        let ca = self.active_ca()?;
        let cert = pqbank_pki::issue_device_signature_cert(
            &ca.authority()?,
            &csr,
            &identity,
            &self.device_params(&ca)?,
            &mut self.rng()?,
        )?;
        let record = self.cert_record(&ca, &cert, &identity, CertUsage::DeviceSignature)?;
        Ok((
            IssuedCert {
                serial: record.serial.clone(),
                not_after: record.not_after,
                cert,
            },
            record,
        ))
    }

    fn cert_record(
        &self,
        ca: &IssuingCa,
        cert: &Cert,
        identity: &DeviceIdentity,
        usage: CertUsage,
    ) -> Result<CertRecord, ServiceError> {
        Ok(CertRecord {
            serial: cert.serial()?.to_hex(),
            ca_id: ca.id.clone(),
            user_id: identity.user_id.as_str().to_owned(),
            device_id: identity.device_id.as_str().to_owned(),
            usage: match usage {
                CertUsage::DeviceSignature => CertKind::Signature,
                CertUsage::DeviceKem => CertKind::Kem,
            },
            cert_der: cert.der().to_vec(),
            not_after: cert.not_after()?,
            status: CertStatus::Valid,
            superseded_by: None,
            created_at: self.clock.now(),
        })
    }

    /// Issues a device KEM certificate for a signed KEM certificate request, checked against
    /// the device's valid signature certificate `signer_cert_der`.
    ///
    /// # Errors
    /// As [`Self::issue_device_signature_cert`]; [`ServiceError::Certificate`] if the signer
    /// certificate is invalid or revoked, or the request is stale or badly signed.
    pub async fn issue_device_kem_cert(
        &self,
        signed_request: &[u8],
        signer_cert_der: &[u8],
    ) -> Result<IssuedCert, ServiceError> {
        let request = SignedKemCertRequest::from_bytes(signed_request)?;
        let identity = request.request().identity().clone();
        let signer =
            self.validate_device_cert(signer_cert_der, CertUsage::DeviceSignature, &identity)?;
        let verified = request.verify(&signer, self.clock.now(), KEM_REQUEST_MAX_AGE)?;
        let ca = self.active_ca()?;
        let cert = pqbank_pki::issue_device_kem_cert(
            &ca.authority()?,
            &verified,
            &self.device_params(&ca)?,
            &mut self.rng()?,
        )?;
        self.record_issued(&ca, cert, &identity, CertUsage::DeviceKem, None)
            .await
    }

    /// Renews a valid certificate: same device and usage, the same key or the key of
    /// `new_csr` (signature certificates only), issued by the active issuing CA. The old
    /// certificate is marked as superseded (not revoked).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an unknown serial; [`ServiceError::Certificate`] if it no
    /// longer validates or the CSR is bad.
    pub async fn renew_device_cert(
        &self,
        serial: &str,
        new_csr: Option<&[u8]>,
    ) -> Result<IssuedCert, ServiceError> {
        let record = self
            .store
            .get_certificate(serial)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let usage = match record.usage {
            CertKind::Signature => CertUsage::DeviceSignature,
            CertKind::Kem => CertUsage::DeviceKem,
        };
        let identity = DeviceIdentity::new(&record.user_id, &record.device_id)?;
        let current = self.validate_device_cert(&record.cert_der, usage, &identity)?;
        let csr = new_csr.map(parse_csr).transpose()?;
        let key = match &csr {
            Some(csr) => RenewalKey::NewSignatureKey(csr),
            None => RenewalKey::Same,
        };
        let ca = self.active_ca()?;
        let cert = pqbank_pki::renew_device_cert(
            &ca.authority()?,
            &current,
            key,
            &self.device_params(&ca)?,
            &mut self.rng()?,
        )?;
        self.record_issued(&ca, cert, &identity, usage, Some(serial))
            .await
    }

    /// A user's certificates, oldest first.
    ///
    /// # Errors
    /// Store errors.
    pub async fn list_certificates(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<CertRecord>, ServiceError> {
        Ok(self
            .store
            .list_certificates(user_id, limit.min(MAX_CERT_LIST))
            .await?)
    }

    /// Revokes a certificate: stored (and announced to other instances), effective on this
    /// instance for the next request, and a new CRL is signed.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an unknown serial, [`ServiceError::Conflict`] if already
    /// revoked; store and PKI errors.
    pub async fn revoke_certificate(
        &self,
        serial: &str,
        reason: RevocationReason,
    ) -> Result<(), ServiceError> {
        let serial = serial
            .parse::<Serial>()
            .map_err(|_| ServiceError::NotFound)?
            .to_hex();
        let now = self.clock.now();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let record = self
            .store
            .revoke_certificate(&serial, reason.code(), now)
            .await?;
        tracing::info!(event = "cert.revoke", %serial, reason = reason.name(), "certificate revoked");
        self.apply_revocations(std::slice::from_ref(&record))?;
        let ca = self.read_cache(|c| c.issuing.iter().find(|ca| ca.id == record.ca_id).cloned());
        if let Some(ca) = ca {
            self.refresh_crl(&ca).await?;
        }
        Ok(())
    }

    fn apply_revocations(&self, records: &[RevocationRecord]) -> Result<(), ServiceError> {
        let entries = records
            .iter()
            .map(|r| Ok((r.ca_id.clone(), revoked_entry(r)?)))
            .collect::<Result<Vec<_>, ServiceError>>()?;
        self.write_cache(|c| {
            for (ca_id, entry) in entries {
                c.revoked.entry(ca_id).or_default().insert(entry)?;
            }
            // Revocations of this instance may arrive before older ones from the feed: only
            // the feed moves the position, see sync_revocations.
            Ok::<(), PkiError>(())
        })?;
        Ok(())
    }

    /// Reads the revocation feed after the last position seen and applies it. Returns how many
    /// entries were new.
    ///
    /// # Errors
    /// Store errors.
    pub async fn sync_revocations(&self) -> Result<usize, ServiceError> {
        let after = self.read_cache(|c| c.feed_seq);
        let records = self.store.revocations_since(after, MAX_REVOCATIONS).await?;
        self.apply_revocations(&records)?;
        if let Some(last) = records.last() {
            self.write_cache(|c| c.feed_seq = c.feed_seq.max(last.seq));
        }
        Ok(records.len())
    }

    /// Rebuilds every revocation set from the database.
    ///
    /// # Errors
    /// Store errors.
    pub async fn reload_revocations(&self) -> Result<(), ServiceError> {
        let records = self.store.revocations_since(0, MAX_REVOCATIONS).await?;
        let mut sets: HashMap<String, RevocationSet> = HashMap::new();
        for r in &records {
            sets.entry(r.ca_id.clone())
                .or_default()
                .insert(revoked_entry(r)?)?;
        }
        let last = records.last().map_or(0, |r| r.seq);
        self.write_cache(|c| {
            c.revoked = sets;
            c.feed_seq = last;
        });
        Ok(())
    }

    /// Keeps this instance's revocation sets current until `shutdown` resolves: woken by the
    /// store's notifications (PostgreSQL LISTEN) or polling every second, with a full reload
    /// every 30 seconds. Errors are logged and retried.
    pub async fn run_revocation_sync(&self, shutdown: impl Future<Output = ()> + Send) {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut listener = match self.store.revocation_listener().await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "revocation notifications unavailable; polling");
                None
            }
        };
        let mut poll = tokio::time::interval(std::time::Duration::from_secs(1));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut full = tokio::time::interval(std::time::Duration::from_secs(30));
        full.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let woke = async {
                match listener.as_mut() {
                    Some(l) => l.wait().await,
                    None => std::future::pending().await,
                }
            };
            let result = tokio::select! {
                () = &mut shutdown => break,
                r = woke => match r {
                    Ok(()) => self.sync_revocations().await.map(drop),
                    Err(e) => {
                        tracing::warn!(error = %e, "revocation listener failed; polling");
                        listener = None;
                        Ok(())
                    }
                },
                _ = poll.tick() => self.sync_revocations().await.map(drop),
                _ = full.tick() => self.reload_revocations().await,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "revocation sync failed");
            }
        }
    }

    /// Validates a device certificate (DER) for `usage` and `expected` now: any non-expired
    /// issuing CA under the root may have issued it; revocation comes from this instance's sets.
    ///
    /// # Errors
    /// [`ServiceError::Certificate`] with the reason (revoked, expired, unknown issuer, ...).
    pub fn validate_device_cert(
        &self,
        cert_der: &[u8],
        usage: CertUsage,
        expected: &DeviceIdentity,
    ) -> Result<ValidatedCert, ServiceError> {
        let now = self.clock.now();
        let key = validated_key(cert_der, usage);
        if let Some(hit) = self.revalidate_cached(&key, now, expected)? {
            return Ok(hit);
        }
        let issuer = Cert::from_der(cert_der)?.issuer();
        let empty = RevocationSet::new();
        // Validation is synchronous: the read lock is held for it, never across an await.
        let (ca_id, valid_from, valid_until, validated) = self.read_cache(|c| {
            let ca = c
                .issuing
                .iter()
                .find(|ca| ca.chain.issuing().subject() == issuer)
                .ok_or(ServiceError::Certificate(PkiError::UnknownIssuer))?;
            let set = c.revoked.get(&ca.id).unwrap_or(&empty);
            let validated = validate_end_entity(
                cert_der,
                &ca.chain,
                Revocation::Set(set),
                now,
                usage,
                expected,
            )?;
            let certs = [&validated.cert, ca.chain.issuing(), ca.chain.root()];
            let mut valid_from = validated.cert.not_before()?;
            let mut valid_until = validated.not_after;
            for cert in certs {
                valid_from = valid_from.max(cert.not_before()?);
                valid_until = valid_until.min(cert.not_after()?);
            }
            Ok::<_, ServiceError>((ca.id.clone(), valid_from, valid_until, validated))
        })?;
        self.pki.validated.insert(
            key,
            ValidatedEntry {
                ca_id,
                valid_from,
                valid_until,
                cert: validated.clone(),
            },
        );
        Ok(validated)
    }

    /// A certificate validated before, if it is still valid now: within the validity of the
    /// certificate and its chain, issued by a CA this instance still trusts, not revoked, and
    /// bound to `expected`. `None` means: validate in full (a miss, or time moved outside the
    /// validity, which the full validation then reports precisely).
    fn revalidate_cached(
        &self,
        key: &[u8; 32],
        now: OffsetDateTime,
        expected: &DeviceIdentity,
    ) -> Result<Option<ValidatedCert>, ServiceError> {
        let Some(ValidatedEntry { ca_id, cert, .. }) = self
            .pki
            .validated
            .get_if(key, |e| e.valid_from <= now && now <= e.valid_until)
        else {
            return Ok(None);
        };
        if cert.user_id != expected.user_id || cert.device_id != expected.device_id {
            return Ok(None);
        }
        let empty = RevocationSet::new();
        let trusted = self.read_cache(|c| {
            if !c.issuing.iter().any(|ca| ca.id == ca_id) {
                return Ok(false);
            }
            c.revoked
                .get(&ca_id)
                .unwrap_or(&empty)
                .check(&cert.serial)
                .map(|()| true)
        })?;
        Ok(trusted.then_some(cert))
    }
}

fn revoked_entry(r: &RevocationRecord) -> Result<RevokedEntry, ServiceError> {
    Ok(RevokedEntry {
        serial: r
            .serial
            .parse()
            .map_err(|_| internal(pqbank_store::StoreError::Corrupt("serial")))?,
        revoked_at: r.revoked_at,
        reason: RevocationReason::from_code(r.reason)
            .map_err(|_| internal(pqbank_store::StoreError::Corrupt("reason")))?,
    })
}
