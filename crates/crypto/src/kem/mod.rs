//! Key encapsulation: X-Wing (default) and ML-KEM-768.
//!
//! - [`KemAlgorithm::XWing`]: draft-connolly-cfrg-xwing-kem-10, ML-KEM-768 + X25519 with the
//!   SHA3-256 combiner. Its public keys, ciphertexts and shared secrets are those of the composite
//!   KEM id-MLKEM768-X25519-SHA3-256 (draft-ietf-lamps-pq-composite-kem, OID 1.3.6.1.5.5.7.6.58),
//!   the OID it is registered and encoded under.
//! - [`KemAlgorithm::MlKem768`]: FIPS 203, OID 2.16.840.1.101.3.4.4.2 (RFC 9935).
//!
//! Private keys are kept in seed form (32-byte X-Wing seed, 64-byte ML-KEM `d || z`), zeroized on
//! drop, never printed. Encapsulation keys are validated once, when they are parsed
//! ([`EncapsulationKey::from_raw`]): wrong lengths and ML-KEM keys failing the FIPS 203 modulus
//! check are errors. Nothing here panics on any input.
//!
//! Randomness: key generation and the X25519 ephemeral key use the `rng` you pass; the ML-KEM
//! encapsulation randomness comes from aws-lc-rs's DRBG (aws-lc-rs has no derandomised
//! encapsulation). [`EncapsulationKey::encapsulate_derand`] is the fully deterministic variant,
//! for test vectors.

mod encoding;
mod mlkem;
mod xwing;

use core::fmt;
use core::str::FromStr;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::CryptoRng;
use crate::error::CryptoError;
use crate::registry::{AlgorithmInfo, Kind};
use crate::secret::SecretBytes;
use encoding::{OID_COMPOSITE_MLKEM768_X25519, OID_MLKEM768, OID_XWING};

/// A KEM shared secret (32 bytes for both algorithms).
pub type SharedSecret = SecretBytes;

/// The KEMs pqbank implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum KemAlgorithm {
    /// X-Wing: ML-KEM-768 + X25519, SHA3-256 combiner (= id-MLKEM768-X25519-SHA3-256). Default.
    #[default]
    XWing,
    /// ML-KEM-768 alone (FIPS 203).
    MlKem768,
}

const XWING_INFO: AlgorithmInfo = AlgorithmInfo {
    id: "xwing",
    name: "id-MLKEM768-X25519-SHA3-256",
    oid: "1.3.6.1.5.5.7.6.58",
    kind: Kind::Kem,
    public_key_len: xwing::EK_LEN,
    secret_key_len: xwing::SEED_LEN,
    signature_or_ciphertext_len: xwing::CT_LEN,
    shared_secret_len: xwing::SS_LEN,
};

const MLKEM768_INFO: AlgorithmInfo = AlgorithmInfo {
    id: "mlkem768",
    name: "id-alg-ml-kem-768",
    oid: "2.16.840.1.101.3.4.4.2",
    kind: Kind::Kem,
    public_key_len: mlkem::EK_LEN,
    secret_key_len: mlkem::SEED_LEN,
    signature_or_ciphertext_len: mlkem::CT_LEN,
    shared_secret_len: mlkem::SS_LEN,
};

/// All KEMs, in [`KemAlgorithm::ALL`] order (chained into [`crate::registry`]).
pub static KEM_ALGORITHMS: &[AlgorithmInfo] = &[XWING_INFO, MLKEM768_INFO];

impl KemAlgorithm {
    /// Every KEM, default first.
    pub const ALL: [Self; 2] = [Self::XWing, Self::MlKem768];

    /// The registry entry of this algorithm.
    #[must_use]
    pub const fn info(self) -> &'static AlgorithmInfo {
        match self {
            Self::XWing => &XWING_INFO,
            Self::MlKem768 => &MLKEM768_INFO,
        }
    }

    /// Stable id (see [`AlgorithmInfo::id`]).
    #[must_use]
    pub const fn id(self) -> &'static str {
        self.info().id
    }

    /// Dotted OID (see [`AlgorithmInfo::oid`]).
    #[must_use]
    pub const fn oid(self) -> &'static str {
        self.info().oid
    }

    /// One-byte code used in pqbank's compact binary encodings (sealed boxes, records). Stable.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::XWing => 1,
            Self::MlKem768 => 2,
        }
    }

    /// The algorithm with this [`Self::code`].
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for an unknown code.
    pub fn from_code(code: u8) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.code() == code)
            .ok_or_else(|| CryptoError::UnsupportedAlgorithm(format!("KEM code {code}")))
    }

    /// HPKE KEM identifier (RFC 9180 registry): X-Wing 0x647a (draft-connolly-cfrg-xwing-kem),
    /// ML-KEM-768 0x0041 (draft-ietf-hpke-pq).
    #[must_use]
    pub const fn hpke_kem_id(self) -> u16 {
        match self {
            Self::XWing => 0x647a,
            Self::MlKem768 => 0x0041,
        }
    }

    /// The algorithm with this stable id.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if no KEM has this id.
    pub fn from_id(id: &str) -> Result<Self, CryptoError> {
        Self::find(|info| info.id == id, id)
    }

    /// The algorithm with this dotted OID.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if no KEM has this OID.
    pub fn from_oid(oid: &str) -> Result<Self, CryptoError> {
        Self::find(|info| info.oid == oid, oid)
    }

    fn find(pred: impl Fn(&AlgorithmInfo) -> bool, what: &str) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|alg| pred(alg.info()))
            .ok_or_else(|| CryptoError::UnsupportedAlgorithm(what.chars().take(64).collect()))
    }
}

impl fmt::Display for KemAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for KemAlgorithm {
    type Err = CryptoError;

    /// Accepts the id, the ASN.1 name or the dotted OID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::find(|info| info.id == s || info.name == s || info.oid == s, s)
    }
}

/// A KEM ciphertext of the right length for its algorithm.
#[derive(Clone, PartialEq, Eq)]
pub struct Ciphertext {
    alg: KemAlgorithm,
    bytes: Box<[u8]>,
}

impl Ciphertext {
    /// Wraps ciphertext bytes, checking the length.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if the length is wrong for `alg`.
    pub fn from_bytes(alg: KemAlgorithm, bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != alg.info().signature_or_ciphertext_len {
            return Err(CryptoError::Malformed("KEM ciphertext length"));
        }
        Ok(Self {
            alg,
            bytes: bytes.into(),
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KemAlgorithm {
        self.alg
    }

    /// The raw ciphertext.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Ciphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ciphertext")
            .field("algorithm", &self.alg)
            .field("len", &self.bytes.len())
            .finish()
    }
}

enum ParsedPublic {
    XWing(xwing::PublicKey),
    MlKem {
        key: aws_lc_rs::kem::EncapsulationKey,
        raw: [u8; mlkem::EK_LEN],
    },
}

/// A validated public encapsulation key. Cheap to clone.
#[derive(Clone)]
pub struct EncapsulationKey {
    alg: KemAlgorithm,
    bytes: Arc<[u8]>,
    parsed: Arc<ParsedPublic>,
}

impl EncapsulationKey {
    /// Parses and validates a raw encapsulation key (X-Wing `pk_M || pk_X`, 1216 bytes; ML-KEM-768,
    /// 1184 bytes). ML-KEM parts must pass the FIPS 203 modulus check.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`] for a wrong length or an unreduced coefficient.
    pub fn from_raw(alg: KemAlgorithm, bytes: &[u8]) -> Result<Self, CryptoError> {
        let parsed = match alg {
            KemAlgorithm::XWing => ParsedPublic::XWing(xwing::PublicKey::parse(bytes)?),
            KemAlgorithm::MlKem768 => {
                let key = mlkem::parse_encapsulation_key(bytes)?;
                let mut raw = [0u8; mlkem::EK_LEN];
                raw.copy_from_slice(bytes);
                ParsedPublic::MlKem { key, raw }
            }
        };
        Ok(Self {
            alg,
            bytes: bytes.into(),
            parsed: Arc::new(parsed),
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KemAlgorithm {
        self.alg
    }

    /// The raw key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// DER SubjectPublicKeyInfo (X-Wing under OID 1.3.6.1.5.5.7.6.58, ML-KEM-768 per RFC 9935).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] only if DER encoding fails (it does not for valid keys).
    pub fn to_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        let oid = match self.alg {
            KemAlgorithm::XWing => OID_COMPOSITE_MLKEM768_X25519,
            KemAlgorithm::MlKem768 => OID_MLKEM768,
        };
        encoding::encode_spki(oid, &self.bytes)
    }

    /// Parses a DER SubjectPublicKeyInfo (also X-Wing's own OID 1.3.6.1.4.1.62253.25722).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for bad DER, [`CryptoError::UnsupportedAlgorithm`] for another
    /// OID, [`CryptoError::InvalidKey`] for an invalid key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (oid, key) = encoding::decode_spki(der)?;
        Self::from_raw(alg_for_oid(oid)?, key)
    }

    /// Encapsulates a fresh shared secret to this key.
    ///
    /// `rng` supplies the X25519 ephemeral secret (X-Wing); the ML-KEM encapsulation randomness
    /// comes from aws-lc-rs's DRBG.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`] if the X25519 public key is a low-order point;
    /// [`CryptoError::Internal`] if aws-lc-rs fails.
    pub fn encapsulate(
        &self,
        rng: &mut impl CryptoRng,
    ) -> Result<(Ciphertext, SharedSecret), CryptoError> {
        match &*self.parsed {
            ParsedPublic::XWing(pk) => {
                let mut ek_x = Zeroizing::new([0u8; 32]);
                rng.fill_bytes(ek_x.as_mut_slice());
                let (ct, ss) = pk.encapsulate(&ek_x)?;
                Ok((self.ciphertext(&ct), SecretBytes::from_slice(ss.as_slice())))
            }
            ParsedPublic::MlKem { key, .. } => {
                let (ct, ss) = mlkem::encapsulate(key)?;
                Ok((self.ciphertext(&ct), SecretBytes::from(ss)))
            }
        }
    }

    /// Deterministic encapsulation for test vectors: X-Wing `EncapsulateDerand(pk, eseed)` with a
    /// 64-byte `eseed`; ML-KEM `Encaps_internal(ek, m)` with a 32-byte `m`. Never use a fixed or
    /// reused seed outside tests.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for a seed of the wrong length; [`CryptoError::InvalidKey`] if
    /// the X25519 public key is a low-order point.
    pub fn encapsulate_derand(
        &self,
        eseed: &[u8],
    ) -> Result<(Ciphertext, SharedSecret), CryptoError> {
        match &*self.parsed {
            ParsedPublic::XWing(pk) => {
                let eseed: &[u8; xwing::ESEED_LEN] = eseed
                    .try_into()
                    .map_err(|_| CryptoError::Malformed("X-Wing eseed must be 64 bytes"))?;
                let (ct, ss) = pk.encapsulate_derand(eseed)?;
                Ok((self.ciphertext(&ct), SecretBytes::from_slice(ss.as_slice())))
            }
            ParsedPublic::MlKem { raw, .. } => {
                let m: &[u8; mlkem::ENCAPS_SEED_LEN] = eseed
                    .try_into()
                    .map_err(|_| CryptoError::Malformed("ML-KEM m must be 32 bytes"))?;
                let (ct, ss) = mlkem::encapsulate_derand(raw, m);
                Ok((self.ciphertext(&ct), SecretBytes::from(ss)))
            }
        }
    }

    fn ciphertext(&self, bytes: &[u8]) -> Ciphertext {
        Ciphertext {
            alg: self.alg,
            bytes: bytes.into(),
        }
    }
}

impl PartialEq for EncapsulationKey {
    fn eq(&self, other: &Self) -> bool {
        self.alg == other.alg && self.bytes == other.bytes
    }
}

impl Eq for EncapsulationKey {}

impl fmt::Debug for EncapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncapsulationKey")
            .field("algorithm", &self.alg)
            .field("len", &self.bytes.len())
            .finish()
    }
}

fn alg_for_oid(oid: der::asn1::ObjectIdentifier) -> Result<KemAlgorithm, CryptoError> {
    if oid == OID_COMPOSITE_MLKEM768_X25519 || oid == OID_XWING {
        Ok(KemAlgorithm::XWing)
    } else if oid == OID_MLKEM768 {
        Ok(KemAlgorithm::MlKem768)
    } else {
        Err(CryptoError::UnsupportedAlgorithm(oid.to_string()))
    }
}

enum PrivateInner {
    XWing(Box<xwing::KeyPair>),
    MlKem(aws_lc_rs::kem::DecapsulationKey),
}

/// A secret decapsulation key, held in seed form. Zeroized on drop; `Debug` shows no key bytes.
pub struct DecapsulationKey {
    alg: KemAlgorithm,
    /// What is persisted: X-Wing 32-byte seed (or the composite 96-byte `d || z || sk_X` when the
    /// key was imported in that form), ML-KEM 64-byte `d || z`.
    private: SecretBytes,
    inner: PrivateInner,
    public: EncapsulationKey,
}

impl DecapsulationKey {
    /// Generates a key: a fresh seed from `rng`, then [`Self::from_seed`].
    ///
    /// # Errors
    /// [`CryptoError::Internal`] if the underlying library fails.
    pub fn generate(alg: KemAlgorithm, rng: &mut impl CryptoRng) -> Result<Self, CryptoError> {
        Self::from_private_bytes(alg, random_secret(alg.info().secret_key_len, rng))
    }

    /// Derives the key pair from its seed: 32 bytes for X-Wing (expanded with SHAKE256), 64 bytes
    /// `d || z` for ML-KEM-768 (FIPS 203 `KeyGen_internal`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`] for a seed of the wrong length.
    pub fn from_seed(alg: KemAlgorithm, seed: &[u8]) -> Result<Self, CryptoError> {
        if seed.len() != alg.info().secret_key_len {
            return Err(CryptoError::InvalidKey("KEM seed length"));
        }
        Self::from_private_bytes(alg, SecretBytes::from_slice(seed))
    }

    /// Restores a key from [`Self::private_bytes`]: a seed as in [`Self::from_seed`] or, for
    /// X-Wing, the composite KEM's 96-byte `d || z || sk_X`.
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`] for a wrong length.
    pub fn from_private_bytes(
        alg: KemAlgorithm,
        private: SecretBytes,
    ) -> Result<Self, CryptoError> {
        let (inner, public) = match alg {
            KemAlgorithm::XWing => {
                let components = xwing_components(&private)?;
                let pair = xwing::KeyPair::from_components(&components)?;
                let public = EncapsulationKey::from_raw(alg, &pair.encapsulation_key())?;
                (PrivateInner::XWing(Box::new(pair)), public)
            }
            KemAlgorithm::MlKem768 => {
                let seed: &[u8; mlkem::SEED_LEN] = private
                    .expose()
                    .try_into()
                    .map_err(|_| CryptoError::InvalidKey("ML-KEM-768 seed length"))?;
                let pair = mlkem::keygen_from_seed(seed)?;
                let public = EncapsulationKey::from_raw(alg, &pair.ek)?;
                (PrivateInner::MlKem(pair.dk), public)
            }
        };
        Ok(Self {
            alg,
            private,
            inner,
            public,
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KemAlgorithm {
        self.alg
    }

    /// The stored private form (see [`Self::from_private_bytes`]); persist it only encrypted or
    /// in a file only its owner can read.
    #[must_use]
    pub fn private_bytes(&self) -> &SecretBytes {
        &self.private
    }

    /// The matching public key.
    #[must_use]
    pub fn encapsulation_key(&self) -> EncapsulationKey {
        self.public.clone()
    }

    /// DER OneAsymmetricKey (PKCS#8 v1), in zeroizing memory. ML-KEM-768: RFC 9935 `seed` form.
    /// X-Wing: OID 1.3.6.1.5.5.7.6.58 with the composite KEM private key `d || z || sk_X` (96
    /// bytes), the form other implementations of that OID read.
    ///
    /// # Errors
    /// [`CryptoError::Internal`] only if DER encoding fails.
    pub fn to_pkcs8_der(&self) -> Result<SecretBytes, CryptoError> {
        match self.alg {
            KemAlgorithm::XWing => {
                let components = xwing_components(&self.private)?;
                encoding::encode_pkcs8(OID_COMPOSITE_MLKEM768_X25519, components.as_slice())
            }
            KemAlgorithm::MlKem768 => {
                let choice = encoding::mlkem_seed_choice(self.private.expose());
                encoding::encode_pkcs8(OID_MLKEM768, choice.expose())
            }
        }
    }

    /// Parses a DER OneAsymmetricKey: composite OID .58 with 96 bytes, X-Wing's own OID with a
    /// 32-byte seed, ML-KEM-768 with the `seed` or `both` form. An included public key must match.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for bad DER, [`CryptoError::UnsupportedAlgorithm`] for another
    /// OID, [`CryptoError::InvalidKey`] for inconsistent or unsupported key material.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let info = encoding::decode_pkcs8(der)?;
        let alg = alg_for_oid(info.oid)?;
        let key = match alg {
            KemAlgorithm::XWing => {
                let expected = if info.oid == OID_XWING {
                    xwing::SEED_LEN
                } else {
                    xwing::COMPONENTS_LEN
                };
                if info.private_key.len() != expected {
                    return Err(CryptoError::InvalidKey("X-Wing private key length"));
                }
                Self::from_private_bytes(alg, SecretBytes::from_slice(info.private_key))?
            }
            KemAlgorithm::MlKem768 => {
                match encoding::parse_mlkem_private_key(
                    info.private_key,
                    mlkem::SEED_LEN,
                    mlkem::EXPANDED_DK_LEN,
                )? {
                    encoding::MlKemPrivateKey::Seed(seed) => Self::from_seed(alg, seed)?,
                    encoding::MlKemPrivateKey::Both { seed, expanded } => {
                        let seed_arr: &[u8; mlkem::SEED_LEN] = seed
                            .try_into()
                            .map_err(|_| CryptoError::InvalidKey("ML-KEM-768 seed length"))?;
                        let derived = mlkem::expanded_from_seed(seed_arr);
                        if !bool::from(derived.as_slice().ct_eq(expanded)) {
                            return Err(CryptoError::InvalidKey(
                                "ML-KEM-768 expanded key does not match its seed",
                            ));
                        }
                        Self::from_seed(alg, seed)?
                    }
                }
            }
        };
        if let Some(public) = info.public_key
            && public != key.public.as_bytes()
        {
            return Err(CryptoError::InvalidKey("PKCS#8 public key does not match"));
        }
        Ok(key)
    }

    /// Decapsulates. ML-KEM rejects implicitly: a modified ciphertext yields an unrelated secret
    /// (the AEAD that uses it then fails), not an error.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if the ciphertext is for another algorithm;
    /// [`CryptoError::DecryptionFailed`] if its X25519 part is a low-order point.
    pub fn decapsulate(&self, ct: &Ciphertext) -> Result<SharedSecret, CryptoError> {
        if ct.alg != self.alg {
            return Err(CryptoError::UnsupportedAlgorithm(format!(
                "{} ciphertext for a {} key",
                ct.alg, self.alg
            )));
        }
        match &self.inner {
            PrivateInner::XWing(pair) => {
                let ss = pair.decapsulate(&ct.bytes)?;
                Ok(SecretBytes::from_slice(ss.as_slice()))
            }
            PrivateInner::MlKem(dk) => Ok(SecretBytes::from(mlkem::decapsulate(dk, &ct.bytes)?)),
        }
    }
}

impl fmt::Debug for DecapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecapsulationKey")
            .field("algorithm", &self.alg)
            .field("private", &"[REDACTED]")
            .finish()
    }
}

/// A fresh random secret of `len` bytes.
pub(crate) fn random_secret(len: usize, rng: &mut impl CryptoRng) -> SecretBytes {
    let mut buf = vec![0u8; len];
    rng.fill_bytes(&mut buf);
    SecretBytes::new(buf)
}

/// X-Wing `d || z || sk_X` from the stored private form (32-byte seed or 96-byte components).
fn xwing_components(private: &SecretBytes) -> Result<xwing::Components, CryptoError> {
    match private.len() {
        xwing::SEED_LEN => {
            let mut seed = Zeroizing::new([0u8; xwing::SEED_LEN]);
            seed.copy_from_slice(private.expose());
            Ok(xwing::expand_seed(&seed))
        }
        xwing::COMPONENTS_LEN => {
            let mut components = Zeroizing::new([0u8; xwing::COMPONENTS_LEN]);
            components.copy_from_slice(private.expose());
            Ok(components)
        }
        _ => Err(CryptoError::InvalidKey("X-Wing private key length")),
    }
}
