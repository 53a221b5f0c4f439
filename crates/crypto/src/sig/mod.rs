//! Digital signatures: composite ML-DSA (draft-ietf-lamps-pq-composite-sigs-19), pure ML-DSA-65
//! (FIPS 204 / RFC 9881) and the classical components Ed25519, ECDSA P-256 and RSA-3072-PSS.
//!
//! Keys and signatures always carry their [`SignatureAlgorithm`]; a signature only verifies
//! under a key of the same algorithm. [`SignaturePolicy`] says which algorithms are acceptable.
//!
//! ```
//! use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey, VerifyingKey};
//! # fn main() -> Result<(), pqbank_crypto::CryptoError> {
//! # let mut rng = rand::rngs::StdRng::from_seed([7; 32]);
//! # use rand::SeedableRng;
//! let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng)?;
//! let sig = key.sign(b"transfer 100 EUR", b"pqbank-tx", &mut rng)?;
//! let public = VerifyingKey::from_spki_der(&key.public_key().to_spki_der()?)?;
//! public.verify(b"transfer 100 EUR", b"pqbank-tx", &sig)?;
//! # Ok(()) }
//! ```
//!
//! # Composite ML-DSA
//!
//! For a message `M` and an application context `ctx` (at most 255 bytes):
//!
//! ```text
//! M'  = "CompositeAlgorithmSignatures2025" || Label || len(ctx) (1 byte) || ctx || SHA-512(M)
//! sig = ML-DSA-65.Sign(sk1, M', ctx = Label) || Classical.Sign(sk2, M')
//! pk  = ML-DSA-65 public key (1952 bytes) || classical public key
//! sk  = ML-DSA-65 seed (32 bytes) || classical private key
//! ```
//!
//! Verification fails if either half fails. Component encodings are listed in the `classical`
//! module (raw Ed25519 keys, uncompressed P-256 points with DER signatures, DER RSA keys).
//!
//! # Randomness
//!
//! Everything derives from the `rng` argument (ML-DSA seeds and signing randomness, Ed25519 seeds,
//! ECDSA scalars) except RSA key generation, the ECDSA nonce and the RSA-PSS salt, which AWS-LC
//! draws from its own generator because aws-lc-rs cannot take an external one.
//!
//! # Adding an algorithm
//!
//! 1. Registry: a variant of [`SignatureAlgorithm`] and its [`crate::registry::AlgorithmInfo`]
//!    entry (see [`crate::registry`]).
//! 2. Implementation: one arm in `SignatureAlgorithm::scheme` below. A new composite of existing
//!    components only needs its label there; a new classical component is a `Classical` variant
//!    (keys, signing, verification, encodings in `classical.rs`); a new ML-DSA parameter set
//!    would be a sibling of `mldsa.rs`.
//! 3. If its keys are not framed as "OID with absent parameters", teach `encoding.rs`.
//!
//! The generic tests in `tests/sig_props.rs` iterate over [`SignatureAlgorithm::ALL`], so the new
//! algorithm is round-tripped, bit-flipped and encoded without further test code.

mod classical;
mod encoding;
mod mldsa;
mod policy;

use core::fmt;

use aws_lc_rs::digest;
use rand_core::CryptoRng;

use self::classical::{Classical, ClassicalPublic, ClassicalSecret};
use self::mldsa::{MlDsaPublic, MlDsaSecret};
use crate::CryptoError;
pub use crate::registry::SignatureAlgorithm;
use crate::registry::{MLDSA_SEED_LEN, MLDSA65_PK_LEN, MLDSA65_SIG_LEN};
use crate::secret::SecretBytes;
pub use policy::SignaturePolicy;

/// Longest application context string (FIPS 204 and the composite draft).
pub const MAX_CONTEXT_LEN: usize = 255;

/// The composite signature prefix (draft-ietf-lamps-pq-composite-sigs-19).
const COMPOSITE_PREFIX: &[u8] = b"CompositeAlgorithmSignatures2025";

/// How an algorithm is built from components.
#[derive(Debug, Clone, Copy)]
enum Scheme {
    MlDsa65,
    Classical(Classical),
    /// ML-DSA-65 + `classical` with SHA-512 pre-hash and this label.
    Composite {
        label: &'static [u8],
        classical: Classical,
    },
}

impl SignatureAlgorithm {
    /// The implementation of each algorithm (labels from draft-19, section 7 / `algParams`).
    const fn scheme(self) -> Scheme {
        match self {
            Self::MlDsa65Ed25519 => Scheme::Composite {
                label: b"COMPSIG-MLDSA65-Ed25519-SHA512",
                classical: Classical::Ed25519,
            },
            Self::MlDsa65EcdsaP256 => Scheme::Composite {
                label: b"COMPSIG-MLDSA65-ECDSA-P256-SHA512",
                classical: Classical::EcdsaP256,
            },
            Self::MlDsa65Rsa3072Pss => Scheme::Composite {
                label: b"COMPSIG-MLDSA65-RSA3072-PSS-SHA512",
                classical: Classical::Rsa3072Pss,
            },
            Self::MlDsa65 => Scheme::MlDsa65,
            Self::Ed25519 => Scheme::Classical(Classical::Ed25519),
            Self::EcdsaP256Sha256 => Scheme::Classical(Classical::EcdsaP256),
            Self::Rsa3072PssSha256 => Scheme::Classical(Classical::Rsa3072Pss),
        }
    }
}

/// `M'` of the composite construction (see the module docs).
fn composite_message(label: &[u8], ctx: &[u8], msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let ctx_len = context_len(ctx)?;
    let ph = digest::digest(&digest::SHA512, msg);
    let mut m = Vec::with_capacity(COMPOSITE_PREFIX.len() + label.len() + 1 + ctx.len() + 64);
    m.extend_from_slice(COMPOSITE_PREFIX);
    m.extend_from_slice(label);
    m.push(ctx_len);
    m.extend_from_slice(ctx);
    m.extend_from_slice(ph.as_ref());
    Ok(m)
}

fn context_len(ctx: &[u8]) -> Result<u8, CryptoError> {
    u8::try_from(ctx.len()).map_err(|_| CryptoError::TooLarge("context longer than 255 bytes"))
}

/// Classical algorithms on their own have no context parameter: refuse one rather than drop it.
fn no_context(ctx: &[u8]) -> Result<(), CryptoError> {
    if ctx.is_empty() {
        Ok(())
    } else {
        Err(CryptoError::Malformed(
            "classical signature algorithms take no context",
        ))
    }
}

/// A signature together with its algorithm.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    alg: SignatureAlgorithm,
    bytes: Vec<u8>,
}

impl Signature {
    /// Wraps encoded signature bytes, checking their length for `alg`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] if the length is impossible for `alg`.
    pub fn from_bytes(alg: SignatureAlgorithm, bytes: &[u8]) -> Result<Self, CryptoError> {
        let len = bytes.len();
        let ok = match alg.scheme() {
            Scheme::MlDsa65 => len == MLDSA65_SIG_LEN,
            Scheme::Classical(classical) => classical.signature_len_ok(len),
            Scheme::Composite { classical, .. } => len
                .checked_sub(MLDSA65_SIG_LEN)
                .is_some_and(|rest| classical.signature_len_ok(rest)),
        };
        if ok {
            Ok(Self {
                alg,
                bytes: bytes.to_vec(),
            })
        } else {
            Err(CryptoError::Malformed("signature length"))
        }
    }

    /// The algorithm that produced it.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// The encoded signature (for composites: ML-DSA signature || classical signature).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("algorithm", &self.alg.id())
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The parsed public key material.
#[derive(Clone)]
enum Public {
    MlDsa65(MlDsaPublic),
    Classical(ClassicalPublic),
    Composite {
        label: &'static [u8],
        mldsa: MlDsaPublic,
        classical: ClassicalPublic,
    },
}

/// A public key together with its algorithm; parsed and validated on construction.
#[derive(Clone)]
pub struct VerifyingKey {
    alg: SignatureAlgorithm,
    raw: Box<[u8]>,
    key: Public,
}

impl VerifyingKey {
    /// Parses a raw public key (for composites: ML-DSA key || classical key).
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`] / [`CryptoError::Malformed`] if it is not a valid key of `alg`.
    pub fn from_raw(alg: SignatureAlgorithm, bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() > alg.info().public_key_len {
            return Err(CryptoError::InvalidKey("public key too long"));
        }
        let key = match alg.scheme() {
            Scheme::MlDsa65 => Public::MlDsa65(MlDsaPublic::from_bytes(bytes)?),
            Scheme::Classical(classical) => Public::Classical(classical.public_from_raw(bytes)?),
            Scheme::Composite { label, classical } => {
                let (mldsa, rest) = bytes
                    .split_at_checked(MLDSA65_PK_LEN)
                    .ok_or(CryptoError::InvalidKey("composite public key too short"))?;
                Public::Composite {
                    label,
                    mldsa: MlDsaPublic::from_bytes(mldsa)?,
                    classical: classical.public_from_raw(rest)?,
                }
            }
        };
        Ok(Self {
            alg,
            raw: bytes.into(),
            key,
        })
    }

    /// Parses a DER `SubjectPublicKeyInfo`; the algorithm comes from its `AlgorithmIdentifier`.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for an unknown OID, otherwise as [`Self::from_raw`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (alg, raw) = encoding::decode_spki(der)?;
        Self::from_raw(alg, raw)
    }

    /// DER `SubjectPublicKeyInfo` (composites and ML-DSA: their OID, parameters absent).
    ///
    /// # Errors
    /// Only [`CryptoError::Internal`] (an encoder failure).
    pub fn to_spki_der(&self) -> Result<Vec<u8>, CryptoError> {
        encoding::encode_spki(self.alg, &self.raw)
    }

    /// The algorithm of this key.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    /// The raw public key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Verifies `sig` over `msg` with application context `ctx` (must be empty for the classical
    /// algorithms on their own).
    ///
    /// # Errors
    /// [`CryptoError::BadSignature`] if the signature is invalid or of another algorithm,
    /// [`CryptoError::TooLarge`] / [`CryptoError::Malformed`] for an unusable context.
    pub fn verify(&self, msg: &[u8], ctx: &[u8], sig: &Signature) -> Result<(), CryptoError> {
        if sig.alg != self.alg {
            return Err(CryptoError::BadSignature);
        }
        context_len(ctx)?;
        match &self.key {
            Public::MlDsa65(key) => key.verify(msg, ctx, &sig.bytes),
            Public::Classical(key) => {
                no_context(ctx)?;
                key.verify(msg, &sig.bytes)
            }
            Public::Composite {
                label,
                mldsa,
                classical,
            } => {
                let (mldsa_sig, classical_sig) = sig
                    .bytes
                    .split_at_checked(MLDSA65_SIG_LEN)
                    .ok_or(CryptoError::BadSignature)?;
                let m = composite_message(label, ctx, msg)?;
                mldsa.verify(&m, label, mldsa_sig)?;
                classical.verify(&m, classical_sig)
            }
        }
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.alg == other.alg && self.raw == other.raw
    }
}

impl Eq for VerifyingKey {}

impl core::hash::Hash for VerifyingKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.alg.hash(state);
        self.raw.hash(state);
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.alg.id())
            .field("len", &self.raw.len())
            .finish()
    }
}

/// The private key material (each part zeroizes itself on drop).
enum Secret {
    MlDsa65(MlDsaSecret),
    Classical(ClassicalSecret),
    Composite {
        label: &'static [u8],
        mldsa: MlDsaSecret,
        classical: ClassicalSecret,
    },
}

/// A private signing key together with its algorithm and public key.
///
/// The secret parts are zeroized on drop and never printed.
pub struct SigningKey {
    public: VerifyingKey,
    secret: Secret,
}

impl SigningKey {
    /// Generates a new key (see the module docs for which randomness comes from `rng`).
    ///
    /// # Errors
    /// [`CryptoError::Internal`] if the underlying library fails.
    pub fn generate(
        alg: SignatureAlgorithm,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, CryptoError> {
        match alg.scheme() {
            Scheme::MlDsa65 => Self::assemble(alg, Some(MlDsaSecret::generate(rng)?), None),
            Scheme::Classical(classical) => {
                Self::assemble(alg, None, Some(classical.generate(rng)?))
            }
            Scheme::Composite { classical, .. } => {
                let mldsa = MlDsaSecret::generate(rng)?;
                Self::assemble(alg, Some(mldsa), Some(classical.generate(rng)?))
            }
        }
    }

    /// Parses the raw (seed-form) private key, as stored: the 32-byte seed for ML-DSA and
    /// Ed25519, DER `ECPrivateKey` / `RSAPrivateKey` for ECDSA / RSA, and for composites the
    /// ML-DSA seed followed by the classical key (draft-19).
    ///
    /// # Errors
    /// [`CryptoError::InvalidKey`], [`CryptoError::Malformed`] or [`CryptoError::TooLarge`].
    pub fn from_raw(alg: SignatureAlgorithm, bytes: &[u8]) -> Result<Self, CryptoError> {
        match alg.scheme() {
            Scheme::MlDsa65 => Self::assemble(alg, Some(MlDsaSecret::from_seed(bytes)?), None),
            Scheme::Classical(classical) => {
                Self::assemble(alg, None, Some(classical.secret_from_raw(bytes)?))
            }
            Scheme::Composite { classical, .. } => {
                let (seed, rest) = bytes
                    .split_at_checked(MLDSA_SEED_LEN)
                    .ok_or(CryptoError::InvalidKey("composite private key too short"))?;
                let mldsa = MlDsaSecret::from_seed(seed)?;
                Self::assemble(alg, Some(mldsa), Some(classical.secret_from_raw(rest)?))
            }
        }
    }

    /// Builds the key from its components, deriving the public key.
    fn assemble(
        alg: SignatureAlgorithm,
        mldsa: Option<(MlDsaSecret, MlDsaPublic)>,
        classical: Option<ClassicalSecret>,
    ) -> Result<Self, CryptoError> {
        let mut raw = Vec::with_capacity(alg.info().public_key_len);
        if let Some((_, public)) = &mldsa {
            raw.extend_from_slice(public.as_bytes());
        }
        if let Some(secret) = &classical {
            raw.extend_from_slice(secret.public_raw());
        }
        let public = VerifyingKey::from_raw(alg, &raw)?;
        let secret = match (alg.scheme(), mldsa, classical) {
            (Scheme::MlDsa65, Some((mldsa, _)), None) => Secret::MlDsa65(mldsa),
            (Scheme::Classical(_), None, Some(classical)) => Secret::Classical(classical),
            (Scheme::Composite { label, .. }, Some((mldsa, _)), Some(classical)) => {
                Secret::Composite {
                    label,
                    mldsa,
                    classical,
                }
            }
            _ => return Err(CryptoError::Internal("key parts do not fit the algorithm")),
        };
        Ok(Self { public, secret })
    }

    /// The raw (seed-form) private key; see [`Self::from_raw`]. ECDSA keys come out as the
    /// canonical `ECPrivateKey` (curve named, public key omitted).
    ///
    /// # Errors
    /// [`CryptoError::Internal`] if the underlying library cannot export the key.
    pub fn to_raw(&self) -> Result<SecretBytes, CryptoError> {
        match &self.secret {
            Secret::MlDsa65(mldsa) => Ok(SecretBytes::from_slice(mldsa.seed())),
            Secret::Classical(classical) => classical.to_raw(),
            Secret::Composite {
                mldsa, classical, ..
            } => {
                let classical = classical.to_raw()?;
                let mut raw = Vec::with_capacity(MLDSA_SEED_LEN + classical.len());
                raw.extend_from_slice(mldsa.seed());
                raw.extend_from_slice(classical.expose());
                Ok(SecretBytes::new(raw))
            }
        }
    }

    /// DER PKCS#8 `OneAsymmetricKey`: for ML-DSA the RFC 9881 seed form, for composites the raw
    /// composite private key (draft-19), for classical keys the usual RFC 8410 / 5915 / 8017 forms.
    ///
    /// # Errors
    /// [`CryptoError::Internal`] if the key cannot be exported.
    pub fn to_pkcs8_der(&self) -> Result<SecretBytes, CryptoError> {
        match &self.secret {
            Secret::MlDsa65(mldsa) => {
                encoding::encode_pkcs8(self.algorithm(), mldsa::encode_private_key(mldsa).expose())
            }
            Secret::Classical(classical) => classical.to_pkcs8(),
            Secret::Composite { .. } => {
                encoding::encode_pkcs8(self.algorithm(), self.to_raw()?.expose())
            }
        }
    }

    /// Parses a DER PKCS#8 private key; the algorithm comes from its `AlgorithmIdentifier`.
    /// ML-DSA keys must contain the seed (seed or "both" form, RFC 9881). An embedded public
    /// key (PKCS#8 v2) must match the private key.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`], [`CryptoError::InvalidKey`],
    /// [`CryptoError::Malformed`] or [`CryptoError::TooLarge`].
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        let (alg, info) = encoding::decode_pkcs8(der)?;
        let private_key = info.private_key.as_bytes();
        let key = match alg.scheme() {
            Scheme::MlDsa65 => {
                Self::assemble(alg, Some(mldsa::decode_private_key(private_key)?), None)?
            }
            Scheme::Classical(classical) => {
                let secret = classical.secret_from_pkcs8(der, private_key)?;
                Self::assemble(alg, None, Some(secret))?
            }
            Scheme::Composite { .. } => Self::from_raw(alg, private_key)?,
        };
        if let Some(public) = info.public_key
            && public.as_bytes() != Some(key.public.as_bytes())
        {
            return Err(CryptoError::InvalidKey("PKCS#8 public key does not match"));
        }
        Ok(key)
    }

    /// The algorithm of this key.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.public.alg
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Signs `msg` with application context `ctx` (at most 255 bytes; must be empty for the
    /// classical algorithms on their own).
    ///
    /// # Errors
    /// [`CryptoError::TooLarge`] / [`CryptoError::Malformed`] for an unusable context,
    /// [`CryptoError::Internal`] if the underlying library fails.
    pub fn sign(
        &self,
        msg: &[u8],
        ctx: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Signature, CryptoError> {
        context_len(ctx)?;
        let bytes = match &self.secret {
            Secret::MlDsa65(mldsa) => mldsa.sign(msg, ctx, rng)?,
            Secret::Classical(classical) => {
                no_context(ctx)?;
                classical.sign(msg)?
            }
            Secret::Composite {
                label,
                mldsa,
                classical,
            } => {
                let m = composite_message(label, ctx, msg)?;
                let mut bytes = mldsa.sign(&m, label, rng)?;
                bytes.extend_from_slice(&classical.sign(&m)?);
                bytes
            }
        };
        Ok(Signature {
            alg: self.algorithm(),
            bytes,
        })
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm().id())
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_message_layout() {
        let m = composite_message(b"LABEL", b"ctx", b"msg").unwrap();
        let ph = digest::digest(&digest::SHA512, b"msg");
        let mut expected = b"CompositeAlgorithmSignatures2025LABEL\x03ctx".to_vec();
        expected.extend_from_slice(ph.as_ref());
        assert_eq!(m, expected);
        assert!(composite_message(b"L", &[0; 256], b"m").is_err());
        assert_eq!(composite_message(b"L", &[0; 255], b"m").unwrap()[33], 255);
    }

    #[test]
    fn labels_are_the_draft_labels_of_the_names() {
        for alg in SignatureAlgorithm::COMPOSITES {
            let Scheme::Composite { label, .. } = alg.scheme() else {
                panic!("{alg} is not composite");
            };
            // id-MLDSA65-X-SHA512 -> COMPSIG-MLDSA65-X-SHA512 (draft-19 algParams).
            let name = alg.info().name.strip_prefix("id-").unwrap();
            assert_eq!(label, format!("COMPSIG-{name}").as_bytes());
        }
    }

    #[test]
    fn signature_length_checks() {
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65, &[0; 3309]).is_ok());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65, &[0; 3308]).is_err());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65Ed25519, &[0; 3373]).is_ok());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65Ed25519, &[0; 3372]).is_err());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65EcdsaP256, &[0; 3380]).is_ok());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65EcdsaP256, &[0; 3382]).is_err());
        assert!(Signature::from_bytes(SignatureAlgorithm::MlDsa65EcdsaP256, &[0; 3]).is_err());
        assert!(Signature::from_bytes(SignatureAlgorithm::Rsa3072PssSha256, &[0; 384]).is_ok());
        assert!(Signature::from_bytes(SignatureAlgorithm::Ed25519, &[]).is_err());
    }
}
