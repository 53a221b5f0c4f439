//! Classical components from aws-lc-rs: Ed25519, ECDSA P-256 with SHA-256, RSA-3072-PSS with
//! SHA-256 (MGF1-SHA-256, 32-byte salt).
//!
//! Raw encodings (what the composite draft concatenates):
//!
//! | algorithm | public key | private key | signature |
//! | --- | --- | --- | --- |
//! | Ed25519 | 32 bytes (RFC 8032) | 32-byte seed | 64 bytes |
//! | ECDSA P-256 | uncompressed point, 65 bytes | RFC 5915 `ECPrivateKey` DER | DER `ECDSA-Sig-Value` |
//! | RSA-3072-PSS | DER `RSAPublicKey` (e = 65537) | DER `RSAPrivateKey` | 384 bytes |
//!
//! Randomness: Ed25519 seeds and ECDSA scalars come from the caller's RNG. Exceptions,
//! because aws-lc-rs offers no way to inject one: RSA key generation, the ECDSA nonce and the
//! RSA-PSS salt come from AWS-LC's own (DRBG-backed, fork-safe) generator.
//!
//! ECDSA verification accepts high-S signatures (no low-S normalisation), as FIPS 186-5 and the
//! composite draft require. AWS-LC frees private keys with cleansing, so they are zeroized on drop.

use aws_lc_rs::encoding::{AsBigEndian, AsDer};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self as aws, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair,
    VerificationAlgorithm,
};
use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::registry::{
    ED25519_PK_LEN, ED25519_SIG_LEN, ED25519_SK_LEN, P256_PK_LEN, P256_SIG_MAX_LEN, P256_SK_LEN,
    RSA3072_PK_LEN, RSA3072_SIG_LEN, RSA3072_SK_MAX_LEN,
};
use crate::secret::SecretBytes;

/// The OID of the P-256 curve (prime256v1 / secp256r1).
pub(crate) const P256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// Smallest DER `ECDSA-Sig-Value` (two one-byte INTEGERs).
const P256_SIG_MIN_LEN: usize = 8;
/// Attempts at drawing a P-256 scalar in [1, n-1]; a failure is a 2^-32 event per attempt.
const ECDSA_KEYGEN_ATTEMPTS: usize = 16;
/// Accepted size of an encoded `ECPrivateKey` (with optional parameters and public key).
const P256_SK_MAX_ENCODED_LEN: usize = 128;
/// Accepted size of a PKCS#8 document for a classical key.
const CLASSICAL_PKCS8_MAX_LEN: usize = 2048;

/// A classical signature component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Classical {
    Ed25519,
    EcdsaP256,
    Rsa3072Pss,
}

/// A classical private key (an AWS-LC key pair; Ed25519 keeps its seed, which AWS-LC would only
/// export into an unzeroized buffer).
pub(crate) enum ClassicalSecret {
    Ed25519(Ed25519KeyPair, Zeroizing<[u8; ED25519_SK_LEN]>),
    EcdsaP256(EcdsaKeyPair),
    Rsa3072Pss(RsaKeyPair),
}

/// A classical public key, parsed and validated once.
#[derive(Clone)]
pub(crate) struct ClassicalPublic(ParsedPublicKey);

/// RFC 5915 `ECPrivateKey`.
#[derive(der::Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// RFC 8017 `RSAPublicKey`.
#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

fn rejected(what: &'static str) -> impl FnOnce(aws_lc_rs::error::KeyRejected) -> CryptoError {
    move |_| CryptoError::InvalidKey(what)
}

fn unspecified(what: &'static str) -> impl FnOnce(aws_lc_rs::error::Unspecified) -> CryptoError {
    move |_| CryptoError::Internal(what)
}

impl Classical {
    fn verification_algorithm(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::Ed25519 => &aws::ED25519,
            Self::EcdsaP256 => &aws::ECDSA_P256_SHA256_ASN1,
            Self::Rsa3072Pss => &aws::RSA_PSS_2048_8192_SHA256,
        }
    }

    /// Whether a signature of `len` bytes is plausible (cheap pre-check before verifying).
    pub(crate) fn signature_len_ok(self, len: usize) -> bool {
        match self {
            Self::Ed25519 => len == ED25519_SIG_LEN,
            Self::EcdsaP256 => (P256_SIG_MIN_LEN..=P256_SIG_MAX_LEN).contains(&len),
            Self::Rsa3072Pss => len == RSA3072_SIG_LEN,
        }
    }

    /// Generates a key pair (see the module docs for which randomness is used).
    pub(crate) fn generate(
        self,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<ClassicalSecret, CryptoError> {
        match self {
            Self::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; ED25519_SK_LEN]);
                rng.fill_bytes(seed.as_mut());
                self.secret_from_raw(seed.as_ref())
            }
            Self::EcdsaP256 => {
                for _ in 0..ECDSA_KEYGEN_ATTEMPTS {
                    let mut scalar = Zeroizing::new([0u8; 32]);
                    rng.fill_bytes(scalar.as_mut());
                    // AWS-LC rejects 0 and scalars >= n: draw again.
                    if let Ok(secret) =
                        self.secret_from_raw(encode_ec_private_key(scalar.as_ref())?.expose())
                    {
                        return Ok(secret);
                    }
                }
                Err(CryptoError::Internal("RNG produced no valid P-256 scalar"))
            }
            Self::Rsa3072Pss => {
                let pair =
                    RsaKeyPair::generate(KeySize::Rsa3072).map_err(unspecified("RSA keygen"))?;
                Ok(ClassicalSecret::Rsa3072Pss(pair))
            }
        }
    }

    /// Parses the raw private key (see the table in the module docs).
    pub(crate) fn secret_from_raw(self, bytes: &[u8]) -> Result<ClassicalSecret, CryptoError> {
        match self {
            Self::Ed25519 => {
                let seed: [u8; ED25519_SK_LEN] = bytes
                    .try_into()
                    .map_err(|_| CryptoError::InvalidKey("Ed25519 seed must be 32 bytes"))?;
                let seed = Zeroizing::new(seed);
                let pair = Ed25519KeyPair::from_seed_unchecked(seed.as_ref())
                    .map_err(rejected("Ed25519 seed"))?;
                Ok(ClassicalSecret::Ed25519(pair, seed))
            }
            Self::EcdsaP256 => {
                if bytes.len() > P256_SK_MAX_ENCODED_LEN {
                    return Err(CryptoError::TooLarge("ECPrivateKey"));
                }
                // Only an ECPrivateKey (AWS-LC would also take PKCS#8 here), for P-256.
                let key = EcPrivateKey::from_der(bytes)
                    .map_err(|_| CryptoError::Malformed("ECPrivateKey"))?;
                if key.version != 1
                    || key.private_key.as_bytes().len() != 32
                    || key.parameters.is_some_and(|curve| curve != P256_OID)
                {
                    return Err(CryptoError::InvalidKey("not a P-256 ECPrivateKey"));
                }
                EcdsaKeyPair::from_private_key_der(&aws::ECDSA_P256_SHA256_ASN1_SIGNING, bytes)
                    .map(ClassicalSecret::EcdsaP256)
                    .map_err(rejected("P-256 private key"))
            }
            Self::Rsa3072Pss => {
                if bytes.len() > RSA3072_SK_MAX_LEN {
                    return Err(CryptoError::TooLarge("RSAPrivateKey"));
                }
                let pair = RsaKeyPair::from_der(bytes).map_err(rejected("RSA private key"))?;
                ClassicalSecret::checked_rsa(pair)
            }
        }
    }

    /// Parses a PKCS#8 document `der` whose (already checked) `privateKey` field is
    /// `private_key`: RFC 8410 for Ed25519, RFC 5915/5480 for P-256, RFC 8017 for RSA.
    pub(crate) fn secret_from_pkcs8(
        self,
        der: &[u8],
        private_key: &[u8],
    ) -> Result<ClassicalSecret, CryptoError> {
        if der.len() > CLASSICAL_PKCS8_MAX_LEN {
            return Err(CryptoError::TooLarge("PKCS#8 document"));
        }
        match self {
            Self::Ed25519 => {
                // CurvePrivateKey ::= OCTET STRING (the seed).
                let seed = <&OctetStringRef>::from_der(private_key)
                    .map_err(|_| CryptoError::Malformed("Ed25519 CurvePrivateKey"))?;
                self.secret_from_raw(seed.as_bytes())
            }
            Self::EcdsaP256 => EcdsaKeyPair::from_pkcs8(&aws::ECDSA_P256_SHA256_ASN1_SIGNING, der)
                .map(ClassicalSecret::EcdsaP256)
                .map_err(rejected("P-256 PKCS#8")),
            Self::Rsa3072Pss => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(rejected("RSA PKCS#8"))?;
                ClassicalSecret::checked_rsa(pair)
            }
        }
    }

    /// Parses and validates the raw public key (see the table in the module docs).
    pub(crate) fn public_from_raw(self, bytes: &[u8]) -> Result<ClassicalPublic, CryptoError> {
        match self {
            Self::Ed25519 if bytes.len() != ED25519_PK_LEN => {
                return Err(CryptoError::InvalidKey(
                    "Ed25519 public key must be 32 bytes",
                ));
            }
            Self::EcdsaP256 if bytes.len() != P256_PK_LEN || bytes.first() != Some(&0x04) => {
                return Err(CryptoError::InvalidKey(
                    "P-256 public key must be an uncompressed point",
                ));
            }
            Self::Rsa3072Pss => check_rsa3072_public(bytes)?,
            _ => {}
        }
        ParsedPublicKey::new(self.verification_algorithm(), bytes)
            .map(ClassicalPublic)
            .map_err(rejected("public key rejected"))
    }
}

/// Our canonical `ECPrivateKey`: version 1, the 32-byte scalar, the P-256 curve, no public key
/// (the form in the composite draft's test vectors).
fn encode_ec_private_key(scalar: &[u8]) -> Result<SecretBytes, CryptoError> {
    let key = EcPrivateKey {
        version: 1,
        private_key: OctetStringRef::new(scalar).map_err(|_| CryptoError::Internal("DER"))?,
        parameters: Some(P256_OID),
        public_key: None,
    };
    let der = key.to_der().map_err(|_| CryptoError::Internal("DER"))?;
    debug_assert_eq!(der.len(), P256_SK_LEN);
    Ok(SecretBytes::new(der))
}

/// A DER `RSAPublicKey` with a 3072-bit modulus and e = 65537.
fn check_rsa3072_public(bytes: &[u8]) -> Result<(), CryptoError> {
    if bytes.len() != RSA3072_PK_LEN {
        return Err(CryptoError::InvalidKey(
            "RSA public key must be 3072-bit with e = 65537",
        ));
    }
    let key = RsaPublicKey::from_der(bytes).map_err(|_| CryptoError::Malformed("RSAPublicKey"))?;
    if key.modulus.as_bytes().len() != RSA3072_SIG_LEN
        || key.public_exponent.as_bytes() != [0x01, 0x00, 0x01]
    {
        return Err(CryptoError::InvalidKey(
            "RSA public key must be 3072-bit with e = 65537",
        ));
    }
    Ok(())
}

impl ClassicalSecret {
    fn checked_rsa(pair: RsaKeyPair) -> Result<Self, CryptoError> {
        check_rsa3072_public(pair.public_key().as_ref())?;
        Ok(Self::Rsa3072Pss(pair))
    }

    /// The raw public key.
    pub(crate) fn public_raw(&self) -> &[u8] {
        match self {
            Self::Ed25519(pair, _) => pair.public_key().as_ref(),
            Self::EcdsaP256(pair) => pair.public_key().as_ref(),
            Self::Rsa3072Pss(pair) => pair.public_key().as_ref(),
        }
    }

    /// The raw private key (canonical form, see the module docs).
    pub(crate) fn to_raw(&self) -> Result<SecretBytes, CryptoError> {
        match self {
            Self::Ed25519(_, seed) => Ok(SecretBytes::from_slice(seed.as_ref())),
            Self::EcdsaP256(pair) => {
                let scalar: aws_lc_rs::encoding::EcPrivateKeyBin<'_> = pair
                    .private_key()
                    .as_be_bytes()
                    .map_err(unspecified("P-256 export"))?;
                encode_ec_private_key(scalar.as_ref())
            }
            Self::Rsa3072Pss(pair) => {
                let pkcs8: aws_lc_rs::encoding::Pkcs8V1Der<'_> =
                    pair.as_der().map_err(unspecified("RSA export"))?;
                let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8.as_ref())
                    .map_err(|_| CryptoError::Internal("RSA export"))?;
                Ok(SecretBytes::from_slice(info.private_key.as_bytes()))
            }
        }
    }

    /// The PKCS#8 v1 document AWS-LC writes for this key.
    pub(crate) fn to_pkcs8(&self) -> Result<SecretBytes, CryptoError> {
        let doc = match self {
            Self::Ed25519(pair, _) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Self::EcdsaP256(pair) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Self::Rsa3072Pss(pair) => pair
                .as_der()
                .map(|d: aws_lc_rs::encoding::Pkcs8V1Der<'_>| d.as_ref().to_vec()),
        };
        doc.map(SecretBytes::new)
            .map_err(unspecified("PKCS#8 export"))
    }

    /// Signs `msg` (the component hashes it itself).
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Ed25519(pair, _) => Ok(pair.sign(msg).as_ref().to_vec()),
            Self::EcdsaP256(pair) => pair
                .sign(&SystemRandom::new(), msg)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(unspecified("ECDSA signing")),
            Self::Rsa3072Pss(pair) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(&aws::RSA_PSS_SHA256, &SystemRandom::new(), msg, &mut sig)
                    .map_err(unspecified("RSA signing"))?;
                Ok(sig)
            }
        }
    }
}

impl ClassicalPublic {
    /// Verifies `sig` over `msg`.
    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        self.0
            .verify_sig(msg, sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}
