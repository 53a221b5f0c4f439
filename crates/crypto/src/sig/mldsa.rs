//! ML-DSA-65 (FIPS 204) component, from libcrux-ml-dsa (AVX2 when the CPU has it).
//!
//! Keys are generated from a 32-byte seed (the stored form, RFC 9881); signing is hedged with
//! 32 bytes from the caller's RNG; the context string (at most 255 bytes) is passed through, which
//! is what composite ML-DSA needs for its label.

use libcrux_ml_dsa::ml_dsa_65::{
    self, MLDSA65Signature, MLDSA65SigningKey, MLDSA65VerificationKey,
};
use libcrux_ml_dsa::{SIGNING_RANDOMNESS_SIZE, SigningError};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;
use crate::registry::{MLDSA_SEED_LEN, MLDSA65_PK_LEN, MLDSA65_SIG_LEN};
use crate::secret::SecretBytes;

/// Length of the expanded ML-DSA-65 signing key (FIPS 204).
pub(crate) const MLDSA65_EXPANDED_SK_LEN: usize = 4032;

/// An ML-DSA-65 signing key: its seed and the expanded key, both zeroized on drop.
pub(crate) struct MlDsaSecret {
    seed: Zeroizing<[u8; MLDSA_SEED_LEN]>,
    expanded: Box<MLDSA65SigningKey>,
}

impl Drop for MlDsaSecret {
    fn drop(&mut self) {
        self.expanded.as_mut_slice().zeroize();
    }
}

/// An ML-DSA-65 verification key.
#[derive(Clone)]
pub(crate) struct MlDsaPublic(Box<MLDSA65VerificationKey>);

impl MlDsaSecret {
    /// Derives the key pair from a seed (ML-DSA.KeyGen_internal).
    pub(crate) fn from_seed(seed: &[u8]) -> Result<(Self, MlDsaPublic), CryptoError> {
        let seed: [u8; MLDSA_SEED_LEN] = seed
            .try_into()
            .map_err(|_| CryptoError::InvalidKey("ML-DSA seed must be 32 bytes"))?;
        let seed = Zeroizing::new(seed);
        let mut pair = ml_dsa_65::generate_key_pair(*seed);
        let mut expanded = Box::new(MLDSA65SigningKey::zero());
        expanded
            .as_mut_slice()
            .copy_from_slice(pair.signing_key.as_slice());
        pair.signing_key.as_mut_slice().zeroize();
        Ok((
            Self { seed, expanded },
            MlDsaPublic(Box::new(pair.verification_key)),
        ))
    }

    /// Generates a key pair from 32 bytes of the caller's RNG.
    pub(crate) fn generate(
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Self, MlDsaPublic), CryptoError> {
        let mut seed = Zeroizing::new([0u8; MLDSA_SEED_LEN]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(seed.as_ref())
    }

    /// The 32-byte seed.
    pub(crate) fn seed(&self) -> &[u8] {
        self.seed.as_ref()
    }

    /// Constant-time check that `expanded` is the expanded form of this key (RFC 9881 "both").
    pub(crate) fn matches_expanded(&self, expanded: &[u8]) -> bool {
        self.expanded.as_slice().ct_eq(expanded).into()
    }

    /// Hedged ML-DSA.Sign with context `ctx`.
    pub(crate) fn sign(
        &self,
        msg: &[u8],
        ctx: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>, CryptoError> {
        let mut randomness = Zeroizing::new([0u8; SIGNING_RANDOMNESS_SIZE]);
        rng.fill_bytes(randomness.as_mut());
        match ml_dsa_65::sign(&self.expanded, msg, ctx, *randomness) {
            Ok(sig) => Ok(sig.as_slice().to_vec()),
            Err(SigningError::ContextTooLongError) => {
                Err(CryptoError::TooLarge("context longer than 255 bytes"))
            }
            Err(SigningError::RejectionSamplingError) => {
                Err(CryptoError::Internal("ML-DSA rejection sampling"))
            }
        }
    }
}

impl MlDsaPublic {
    /// Parses a raw 1952-byte public key (every such string is a valid encoding).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key: [u8; MLDSA65_PK_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidKey("ML-DSA-65 public key must be 1952 bytes"))?;
        Ok(Self(Box::new(MLDSA65VerificationKey::new(key))))
    }

    /// The raw public key.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// ML-DSA.Verify with context `ctx`.
    pub(crate) fn verify(&self, msg: &[u8], ctx: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let sig: [u8; MLDSA65_SIG_LEN] = sig.try_into().map_err(|_| CryptoError::BadSignature)?;
        ml_dsa_65::verify(&self.0, msg, ctx, &MLDSA65Signature::new(sig))
            .map_err(|_| CryptoError::BadSignature)
    }
}

/// RFC 9881 `ML-DSA-PrivateKey` in the seed form: `[0] IMPLICIT OCTET STRING (SIZE (32))`.
pub(crate) fn encode_private_key(secret: &MlDsaSecret) -> SecretBytes {
    let mut out = Vec::with_capacity(2 + MLDSA_SEED_LEN);
    out.extend_from_slice(&[0x80, 0x20]);
    out.extend_from_slice(secret.seed());
    SecretBytes::new(out)
}

/// The RFC 9881 `both` form: `SEQUENCE { seed OCTET STRING, expandedKey OCTET STRING }`.
#[derive(der::Sequence)]
struct SeedAndExpanded<'a> {
    seed: &'a der::asn1::OctetStringRef,
    expanded: &'a der::asn1::OctetStringRef,
}

/// Parses an RFC 9881 `ML-DSA-PrivateKey`: the seed form, or the `both` form after checking that
/// the expanded key matches the seed. The expanded-only form is refused: pqbank stores seeds.
pub(crate) fn decode_private_key(bytes: &[u8]) -> Result<(MlDsaSecret, MlDsaPublic), CryptoError> {
    match bytes {
        [0x80, 0x20, seed @ ..] => MlDsaSecret::from_seed(seed),
        [0x30, ..] => {
            let both = <SeedAndExpanded<'_> as der::Decode>::from_der(bytes)
                .map_err(|_| CryptoError::Malformed("ML-DSA private key"))?;
            let expanded = both.expanded.as_bytes();
            if expanded.len() != MLDSA65_EXPANDED_SK_LEN {
                return Err(CryptoError::InvalidKey("ML-DSA expanded key length"));
            }
            let (secret, public) = MlDsaSecret::from_seed(both.seed.as_bytes())?;
            if !secret.matches_expanded(expanded) {
                return Err(CryptoError::InvalidKey(
                    "ML-DSA seed and expanded key differ",
                ));
            }
            Ok((secret, public))
        }
        [0x04, ..] => Err(CryptoError::InvalidKey(
            "ML-DSA private key without its seed is not supported",
        )),
        _ => Err(CryptoError::Malformed("ML-DSA private key")),
    }
}
