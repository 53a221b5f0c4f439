//! Envelope encryption for data at rest, with versioned master KEM keys.
//!
//! A [`KeyRing`] holds master KEM key pairs by version (`u32`, starting at 1). [`KeyRing::encrypt`]
//! draws a fresh AES-256-GCM data key per record, encrypts the record with it and wraps the data
//! key with [`crate::seal::seal`] to the current master version. [`KeyRing::rotate`] adds a version
//! that encrypts new data while older versions still decrypt; [`KeyRing::rewrap`] moves a record's
//! wrapped data key to the current version without touching the record ciphertext; once no record
//! names a version any more, [`KeyRing::retire`] drops it.
//!
//! The module is pure: it returns bytes and the caller persists them.
//!
//! # Persisting the master secrets
//!
//! - [`KeyRing::export_locked`] / [`KeyRing::import_locked`]: all master secrets encrypted with
//!   AES-256-GCM under a key derived from a passphrase with Argon2id (at least m = 19 MiB, t = 2,
//!   p = 1, random 16-byte salt). The recommended mode.
//! - [`KeyRing::export_plain`] / [`KeyRing::import_plain`]: the master secrets unencrypted, for a
//!   deployment without a passphrase. Whoever reads that file can decrypt every record: the caller
//!   must write it with mode 0600, owned by the service user, outside any backup that leaves the
//!   host, and log a loud warning at every start that the key ring is not passphrase-protected.
//!
//! # Encodings
//!
//! [`EncryptedRecord`]: `version 1 (1) || key version (u32 BE) || wrapped key length (u16 BE) ||
//! wrapped key (a SealedBox) || nonce (12) || ciphertext || tag (16)`, also as unpadded URL-safe
//! base64. The record AEAD authenticates `"pqbank record v1" || record_aad` (not the key version,
//! so rewrapping leaves it valid); the data key's seal authenticates the key version.

use std::collections::BTreeMap;

use aws_lc_rs::aead::{self, LessSafeKey, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use crate::CryptoRng;
use crate::error::CryptoError;
use crate::kem::{DecapsulationKey, EncapsulationKey, KemAlgorithm, random_secret};
use crate::seal::{self, SealedBox, TAG_LEN};
use crate::secret::SecretBytes;

/// Largest record plaintext (16 MiB, as [`seal::MAX_PLAINTEXT_LEN`]).
pub const MAX_RECORD_LEN: usize = seal::MAX_PLAINTEXT_LEN;
/// Most master key versions a ring holds.
pub const MAX_VERSIONS: usize = 1024;

const DATA_KEY_LEN: usize = 32;
const NONCE_LEN: usize = aead::NONCE_LEN;
const RECORD_VERSION: u8 = 1;
const RECORD_AAD_LABEL: &[u8] = b"pqbank record v1";
const WRAP_INFO: &[u8] = b"pqbank keyring v1 data key";
const WRAP_AAD_LABEL: &[u8] = b"pqbank keyring v1 key version";

const PLAIN_MAGIC: &[u8; 4] = b"PQKR";
const LOCKED_MAGIC: &[u8; 4] = b"PQKL";
const EXPORT_VERSION: u8 = 1;
const SALT_LEN: usize = 16;
/// Locked header: magic, version, three u32 Argon2 parameters, salt, nonce.
const LOCKED_HEADER_LEN: usize = 4 + 1 + 12 + SALT_LEN + NONCE_LEN;

/// Argon2id cost parameters for [`KeyRing::export_locked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Argon2Params {
    /// The floor enforced on export and import: m = 19 MiB, t = 2, p = 1 (OWASP's Argon2id
    /// minimum).
    pub const MINIMUM: Self = Self {
        m_cost_kib: 19 * 1024,
        t_cost: 2,
        p_cost: 1,
    };
    /// The ceiling enforced on import, so a crafted file cannot demand unbounded work:
    /// m = 2 GiB (RFC 9106's first recommended option), t = 64, p = 64.
    pub const MAXIMUM: Self = Self {
        m_cost_kib: 2 * 1024 * 1024,
        t_cost: 64,
        p_cost: 64,
    };

    fn check(self) -> Result<(), CryptoError> {
        let (min, max) = (Self::MINIMUM, Self::MAXIMUM);
        if self.m_cost_kib < min.m_cost_kib || self.t_cost < min.t_cost || self.p_cost < min.p_cost
        {
            return Err(CryptoError::InvalidParameter(
                "Argon2id parameters below m=19 MiB, t=2, p=1",
            ));
        }
        if self.m_cost_kib > max.m_cost_kib || self.t_cost > max.t_cost || self.p_cost > max.p_cost
        {
            return Err(CryptoError::InvalidParameter(
                "Argon2id parameters too large",
            ));
        }
        Ok(())
    }

    /// Argon2id(passphrase, salt) -> 32-byte key.
    fn derive(
        self,
        passphrase: &[u8],
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; DATA_KEY_LEN]>, CryptoError> {
        self.check()?;
        if passphrase.is_empty() {
            return Err(CryptoError::InvalidParameter("empty passphrase"));
        }
        let params = argon2::Params::new(
            self.m_cost_kib,
            self.t_cost,
            self.p_cost,
            Some(DATA_KEY_LEN),
        )
        .map_err(|_| CryptoError::InvalidParameter("Argon2id parameters"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; DATA_KEY_LEN]);
        argon
            .hash_password_into(passphrase, salt, key.as_mut_slice())
            .map_err(|_| CryptoError::Internal("Argon2id"))?;
        Ok(key)
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::MINIMUM
    }
}

/// A record encrypted by [`KeyRing::encrypt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedRecord {
    key_version: u32,
    wrapped_key: SealedBox,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

impl EncryptedRecord {
    /// The master key version that wraps the data key.
    #[must_use]
    pub fn key_version(&self) -> u32 {
        self.key_version
    }

    /// The KEM of that master key.
    #[must_use]
    pub fn algorithm(&self) -> KemAlgorithm {
        self.wrapped_key.algorithm()
    }

    /// The sealed data key.
    #[must_use]
    pub fn wrapped_key(&self) -> &SealedBox {
        &self.wrapped_key
    }

    /// The AES-GCM nonce of the record.
    #[must_use]
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// The record ciphertext followed by its tag.
    #[must_use]
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// Versioned byte encoding (see the module docs).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let wrapped = self.wrapped_key.to_bytes();
        let mut out =
            Vec::with_capacity(1 + 4 + 2 + wrapped.len() + NONCE_LEN + self.ciphertext.len());
        out.push(RECORD_VERSION);
        out.extend_from_slice(&self.key_version.to_be_bytes());
        // A wrapped 32-byte key is at most about 1.2 KB, see `from_bytes`.
        out.extend_from_slice(
            &u16::try_from(wrapped.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(&wrapped);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses [`Self::to_bytes`] output.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for a bad encoding, [`CryptoError::TooLarge`] past
    /// [`MAX_RECORD_LEN`], [`CryptoError::UnsupportedAlgorithm`] for an unknown KEM.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut r = Reader(bytes);
        if r.u8()? != RECORD_VERSION {
            return Err(CryptoError::Malformed("unknown record version"));
        }
        let key_version = r.u32()?;
        let wrapped_len = usize::from(r.u16()?);
        let wrapped_key = SealedBox::from_bytes(r.take(wrapped_len)?)?;
        if wrapped_key.ciphertext().len() != DATA_KEY_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("wrapped data key length"));
        }
        let nonce = r.array::<NONCE_LEN>()?;
        let ciphertext = r.0;
        if ciphertext.len() < TAG_LEN {
            return Err(CryptoError::Malformed("record ciphertext too short"));
        }
        if ciphertext.len() > MAX_RECORD_LEN + TAG_LEN {
            return Err(CryptoError::TooLarge("record"));
        }
        Ok(Self {
            key_version,
            wrapped_key,
            nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }

    /// [`Self::to_bytes`] as unpadded URL-safe base64.
    #[must_use]
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.to_bytes())
    }

    /// Parses [`Self::to_base64`] output.
    ///
    /// # Errors
    /// As [`Self::from_bytes`]; [`CryptoError::Malformed`] for bad base64.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        // 4/3 of the largest binary record, plus slack for the header.
        if text.len() > (MAX_RECORD_LEN + 4096) / 3 * 4 {
            return Err(CryptoError::TooLarge("record"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CryptoError::Malformed("record base64"))?;
        Self::from_bytes(&bytes)
    }
}

/// Master KEM key pairs by version; see the module docs.
pub struct KeyRing {
    keys: BTreeMap<u32, DecapsulationKey>,
    current: u32,
}

impl KeyRing {
    /// A ring with one fresh master key, version 1.
    ///
    /// # Errors
    /// Key generation errors.
    pub fn generate(alg: KemAlgorithm, rng: &mut impl CryptoRng) -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        keys.insert(1, DecapsulationKey::generate(alg, rng)?);
        Ok(Self { keys, current: 1 })
    }

    /// The version new records are wrapped to.
    #[must_use]
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// All versions held, ascending.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }

    /// The public key of a version (e.g. for another service that only encrypts).
    ///
    /// # Errors
    /// [`CryptoError::UnknownKeyVersion`].
    pub fn encapsulation_key(&self, version: u32) -> Result<EncapsulationKey, CryptoError> {
        Ok(self.key(version)?.encapsulation_key())
    }

    /// Adds a new master key of the current algorithm and makes it current. Returns its version.
    ///
    /// # Errors
    /// [`CryptoError::TooLarge`] past [`MAX_VERSIONS`] or version `u32::MAX`.
    pub fn rotate(&mut self, rng: &mut impl CryptoRng) -> Result<u32, CryptoError> {
        let alg = self.key(self.current)?.algorithm();
        self.rotate_to(alg, rng)
    }

    /// As [`Self::rotate`], switching to another KEM.
    ///
    /// # Errors
    /// As [`Self::rotate`].
    pub fn rotate_to(
        &mut self,
        alg: KemAlgorithm,
        rng: &mut impl CryptoRng,
    ) -> Result<u32, CryptoError> {
        if self.keys.len() >= MAX_VERSIONS {
            return Err(CryptoError::TooLarge("key ring versions"));
        }
        let next = self
            .keys
            .last_key_value()
            .map_or(Some(1), |(v, _)| v.checked_add(1))
            .ok_or(CryptoError::TooLarge("key version"))?;
        self.keys
            .insert(next, DecapsulationKey::generate(alg, rng)?);
        self.current = next;
        Ok(next)
    }

    /// Drops an old version (after every record using it was rewrapped).
    ///
    /// # Errors
    /// [`CryptoError::InvalidParameter`] for the current version,
    /// [`CryptoError::UnknownKeyVersion`] for a version not held.
    pub fn retire(&mut self, version: u32) -> Result<(), CryptoError> {
        if version == self.current {
            return Err(CryptoError::InvalidParameter(
                "cannot retire the current key version",
            ));
        }
        self.keys
            .remove(&version)
            .map(drop)
            .ok_or(CryptoError::UnknownKeyVersion(version))
    }

    /// Encrypts a record under a fresh data key wrapped to the current version. `record_aad`
    /// (e.g. table and row id) must be passed again to decrypt.
    ///
    /// # Errors
    /// [`CryptoError::TooLarge`] past [`MAX_RECORD_LEN`] or [`seal::MAX_AAD_LEN`].
    pub fn encrypt(
        &self,
        record_aad: &[u8],
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<EncryptedRecord, CryptoError> {
        if plaintext.len() > MAX_RECORD_LEN {
            return Err(CryptoError::TooLarge("record"));
        }
        let data_key = random_secret(DATA_KEY_LEN, rng);
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let aad = record_aad_bytes(record_aad)?;
        let ciphertext = seal::aes_gcm_seal(&aes_key(&data_key)?, nonce, &aad, plaintext)?;
        let wrapped_key = self.wrap(&data_key, rng)?;
        Ok(EncryptedRecord {
            key_version: self.current,
            wrapped_key,
            nonce,
            ciphertext,
        })
    }

    /// Decrypts a record with the version it names.
    ///
    /// # Errors
    /// [`CryptoError::UnknownKeyVersion`], or [`CryptoError::DecryptionFailed`] for a wrong
    /// `record_aad` or any modified byte.
    pub fn decrypt(
        &self,
        record_aad: &[u8],
        record: &EncryptedRecord,
    ) -> Result<SecretBytes, CryptoError> {
        let data_key = self.unwrap(record)?;
        let aad = record_aad_bytes(record_aad)?;
        seal::aes_gcm_open(&aes_key(&data_key)?, record.nonce, &aad, &record.ciphertext)
    }

    /// Re-wraps the record's data key to the current version; the record ciphertext is unchanged.
    ///
    /// # Errors
    /// As [`Self::decrypt`] for the wrapped key.
    pub fn rewrap(
        &self,
        record: &EncryptedRecord,
        rng: &mut impl CryptoRng,
    ) -> Result<EncryptedRecord, CryptoError> {
        let data_key = self.unwrap(record)?;
        Ok(EncryptedRecord {
            key_version: self.current,
            wrapped_key: self.wrap(&data_key, rng)?,
            nonce: record.nonce,
            ciphertext: record.ciphertext.clone(),
        })
    }

    fn key(&self, version: u32) -> Result<&DecapsulationKey, CryptoError> {
        self.keys
            .get(&version)
            .ok_or(CryptoError::UnknownKeyVersion(version))
    }

    fn wrap(
        &self,
        data_key: &SecretBytes,
        rng: &mut impl CryptoRng,
    ) -> Result<SealedBox, CryptoError> {
        let recipient = self.key(self.current)?.encapsulation_key();
        seal::seal(
            &recipient,
            WRAP_INFO,
            &wrap_aad(self.current),
            data_key.expose(),
            rng,
        )
    }

    fn unwrap(&self, record: &EncryptedRecord) -> Result<SecretBytes, CryptoError> {
        let key = self.key(record.key_version)?;
        let data_key = seal::open(
            key,
            WRAP_INFO,
            &wrap_aad(record.key_version),
            &record.wrapped_key,
        )?;
        if data_key.len() != DATA_KEY_LEN {
            return Err(CryptoError::DecryptionFailed);
        }
        Ok(data_key)
    }

    /// All master secrets, unencrypted: `"PQKR" || 1 || current (u32) || count (u16) ||
    /// { version (u32) || KEM code || length (u8) || private key }*`. See the module docs for how
    /// such a file must be stored.
    #[must_use]
    pub fn export_plain(&self) -> SecretBytes {
        let mut out = Vec::with_capacity(11 + self.keys.len() * 102);
        out.extend_from_slice(PLAIN_MAGIC);
        out.push(EXPORT_VERSION);
        out.extend_from_slice(&self.current.to_be_bytes());
        // At most MAX_VERSIONS entries (enforced by rotate_to and import).
        out.extend_from_slice(
            &u16::try_from(self.keys.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        for (version, key) in &self.keys {
            let private = key.private_bytes().expose();
            out.extend_from_slice(&version.to_be_bytes());
            out.push(key.algorithm().code());
            // Private forms are 32, 64 or 96 bytes.
            out.push(u8::try_from(private.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(private);
        }
        SecretBytes::new(out)
    }

    /// Parses [`Self::export_plain`] output.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for a bad encoding, duplicate versions or a missing current
    /// version; key errors for bad key material.
    pub fn import_plain(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut r = Reader(bytes);
        if r.take(4)? != PLAIN_MAGIC || r.u8()? != EXPORT_VERSION {
            return Err(CryptoError::Malformed("not a pqbank key ring export"));
        }
        let current = r.u32()?;
        let count = usize::from(r.u16()?);
        if count == 0 || count > MAX_VERSIONS {
            return Err(CryptoError::Malformed("key ring version count"));
        }
        let mut keys = BTreeMap::new();
        for _ in 0..count {
            let version = r.u32()?;
            let alg = KemAlgorithm::from_code(r.u8()?)?;
            let len = usize::from(r.u8()?);
            let key =
                DecapsulationKey::from_private_bytes(alg, SecretBytes::from_slice(r.take(len)?))?;
            if keys.insert(version, key).is_some() {
                return Err(CryptoError::Malformed("duplicate key version"));
            }
        }
        if !r.0.is_empty() {
            return Err(CryptoError::Malformed("trailing bytes after key ring"));
        }
        if !keys.contains_key(&current) {
            return Err(CryptoError::Malformed("current key version missing"));
        }
        Ok(Self { keys, current })
    }

    /// All master secrets encrypted under a passphrase: `"PQKL" || 1 || m_cost_kib || t_cost ||
    /// p_cost (u32 BE each) || salt (16) || nonce (12) || AES-256-GCM(export_plain)`, the header
    /// authenticated as AAD. The key is Argon2id(passphrase, salt, params).
    ///
    /// # Errors
    /// [`CryptoError::InvalidParameter`] for an empty passphrase or parameters outside
    /// [`Argon2Params::MINIMUM`]..=[`Argon2Params::MAXIMUM`].
    pub fn export_locked(
        &self,
        passphrase: &[u8],
        params: Argon2Params,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut header = Vec::with_capacity(LOCKED_HEADER_LEN);
        header.extend_from_slice(LOCKED_MAGIC);
        header.push(EXPORT_VERSION);
        for value in [params.m_cost_kib, params.t_cost, params.p_cost] {
            header.extend_from_slice(&value.to_be_bytes());
        }
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        header.extend_from_slice(&salt);
        header.extend_from_slice(&nonce);
        let key = params.derive(passphrase, &salt)?;
        let ciphertext = seal::aes_gcm_seal(
            &aes_key_raw(key.as_slice())?,
            nonce,
            &header,
            self.export_plain().expose(),
        )?;
        header.extend_from_slice(&ciphertext);
        Ok(header)
    }

    /// Decrypts and parses [`Self::export_locked`] output.
    ///
    /// # Errors
    /// [`CryptoError::DecryptionFailed`] for a wrong passphrase or a modified file;
    /// [`CryptoError::Malformed`] / [`CryptoError::InvalidParameter`] for a bad header.
    pub fn import_locked(bytes: &[u8], passphrase: &[u8]) -> Result<Self, CryptoError> {
        let mut r = Reader(bytes);
        if r.take(4)? != LOCKED_MAGIC || r.u8()? != EXPORT_VERSION {
            return Err(CryptoError::Malformed(
                "not a locked pqbank key ring export",
            ));
        }
        let params = Argon2Params {
            m_cost_kib: r.u32()?,
            t_cost: r.u32()?,
            p_cost: r.u32()?,
        };
        let salt = r.array::<SALT_LEN>()?;
        let nonce = r.array::<NONCE_LEN>()?;
        let (header, ciphertext) = bytes
            .split_at_checked(LOCKED_HEADER_LEN)
            .ok_or(CryptoError::Malformed("truncated input"))?;
        if ciphertext.len() > 64 * 1024 * 1024 {
            return Err(CryptoError::TooLarge("locked key ring"));
        }
        let key = params.derive(passphrase, &salt)?;
        let plain = seal::aes_gcm_open(&aes_key_raw(key.as_slice())?, nonce, header, ciphertext)?;
        Self::import_plain(plain.expose())
    }
}

impl core::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyRing")
            .field("current", &self.current)
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn record_aad_bytes(record_aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if record_aad.len() > seal::MAX_AAD_LEN {
        return Err(CryptoError::TooLarge("record aad"));
    }
    Ok([RECORD_AAD_LABEL, record_aad].concat())
}

fn wrap_aad(version: u32) -> Vec<u8> {
    [WRAP_AAD_LABEL, &version.to_be_bytes()].concat()
}

fn aes_key(key: &SecretBytes) -> Result<LessSafeKey, CryptoError> {
    aes_key_raw(key.expose())
}

fn aes_key_raw(key: &[u8]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&aead::AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::Internal("AES-256-GCM key"))
}

/// A bounds-checked big-endian reader.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CryptoError> {
        if self.0.len() < n {
            return Err(CryptoError::Malformed("truncated input"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CryptoError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, CryptoError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, CryptoError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, CryptoError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
}

/// Magic of [`lock_bytes`] files (a distinct format from the key ring's own export).
const BYTES_MAGIC: &[u8; 4] = b"PQLB";

/// Encrypts arbitrary bytes (a client profile, a device key) under a passphrase: the same
/// construction as [`KeyRing::export_locked`] (Argon2id, AES-256-GCM, header as AAD) with its
/// own magic.
///
/// # Errors
/// [`CryptoError::InvalidParameter`] for an empty passphrase or parameters out of range;
/// [`CryptoError::TooLarge`] past [`MAX_RECORD_LEN`].
pub fn lock_bytes(
    plaintext: &[u8],
    passphrase: &[u8],
    params: Argon2Params,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    if plaintext.len() > MAX_RECORD_LEN {
        return Err(CryptoError::TooLarge("locked bytes"));
    }
    let mut header = Vec::with_capacity(LOCKED_HEADER_LEN);
    header.extend_from_slice(BYTES_MAGIC);
    header.push(EXPORT_VERSION);
    for value in [params.m_cost_kib, params.t_cost, params.p_cost] {
        header.extend_from_slice(&value.to_be_bytes());
    }
    let mut salt = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    header.extend_from_slice(&salt);
    header.extend_from_slice(&nonce);
    let key = params.derive(passphrase, &salt)?;
    let ciphertext = seal::aes_gcm_seal(&aes_key_raw(key.as_slice())?, nonce, &header, plaintext)?;
    header.extend_from_slice(&ciphertext);
    Ok(header)
}

/// Decrypts [`lock_bytes`] output.
///
/// # Errors
/// [`CryptoError::DecryptionFailed`] for a wrong passphrase or a modified file;
/// [`CryptoError::Malformed`] for a bad header.
pub fn unlock_bytes(bytes: &[u8], passphrase: &[u8]) -> Result<SecretBytes, CryptoError> {
    let mut r = Reader(bytes);
    if r.take(4)? != BYTES_MAGIC || r.u8()? != EXPORT_VERSION {
        return Err(CryptoError::Malformed("not a pqbank locked file"));
    }
    let params = Argon2Params {
        m_cost_kib: r.u32()?,
        t_cost: r.u32()?,
        p_cost: r.u32()?,
    };
    let salt = r.array::<SALT_LEN>()?;
    let nonce = r.array::<NONCE_LEN>()?;
    let (header, ciphertext) = bytes
        .split_at_checked(LOCKED_HEADER_LEN)
        .ok_or(CryptoError::Malformed("truncated input"))?;
    if ciphertext.len() > MAX_RECORD_LEN + 64 {
        return Err(CryptoError::TooLarge("locked bytes"));
    }
    let key = params.derive(passphrase, &salt)?;
    seal::aes_gcm_open(&aes_key_raw(key.as_slice())?, nonce, header, ciphertext)
}
