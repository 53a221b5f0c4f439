//! The algorithm registry: every algorithm pqbank knows, with its stable id, ASN.1 name, OID and
//! sizes, so configuration, storage and certificates can name algorithms without guessing.
//!
//! - [`SIGNATURE_ALGORITHMS`] lists the signature algorithms (one entry per [`SignatureAlgorithm`]).
//! - `crate::kem::KEM_ALGORITHMS` (a `pub static KEM_ALGORITHMS: &[AlgorithmInfo]` in `src/kem/mod.rs`)
//!   lists the KEMs; [`all`] chains both, so a new KEM only has to appear in that slice.
//! - [`by_id`], [`by_name`], [`by_oid`] and [`lookup`] search both.
//!
//! Ids are stable storage identifiers: never rename one, add a new algorithm instead.
//!
//! # Adding a signature algorithm
//!
//! 1. Add a variant to [`SignatureAlgorithm`] (and to [`SignatureAlgorithm::ALL`]).
//! 2. Add one `const` [`AlgorithmInfo`] entry here, list it in [`SIGNATURE_ALGORITHMS`] and return
//!    it from [`SignatureAlgorithm::info`].
//! 3. Map the variant to its implementation in `crate::sig` (see that module's docs): a new
//!    composite is one more arm naming its label and classical component.
//!
//! The unit tests check that ids, names and OIDs are unique and well formed across both halves.

use core::fmt;
use core::str::FromStr;

use crate::CryptoError;

/// What an algorithm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A digital signature algorithm.
    Signature,
    /// A key encapsulation mechanism.
    Kem,
}

/// Facts about one algorithm. Lengths are in bytes.
///
/// Where an encoding has a variable length (DER-encoded ECDSA signatures, RSA keys), the length
/// given is the maximum this crate accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgorithmInfo {
    /// Stable identifier used in configuration and storage, e.g. `"mldsa65-ed25519"`.
    pub id: &'static str,
    /// ASN.1 / specification name, e.g. `"id-MLDSA65-Ed25519-SHA512"`.
    pub name: &'static str,
    /// Dotted object identifier, e.g. `"1.3.6.1.5.5.7.6.48"`.
    pub oid: &'static str,
    /// Signature or KEM.
    pub kind: Kind,
    /// Length of the raw public key.
    pub public_key_len: usize,
    /// Length of the raw secret key in its seed form (what is stored).
    pub secret_key_len: usize,
    /// Maximum length of a signature (signatures) or a ciphertext (KEMs).
    pub signature_or_ciphertext_len: usize,
    /// Length of the shared secret (KEMs); 0 for signatures.
    pub shared_secret_len: usize,
}

/// The signature algorithms pqbank implements.
///
/// The composites follow draft-ietf-lamps-pq-composite-sigs-19; [`Self::MlDsa65Ed25519`] is the
/// default. The classical and pure ML-DSA entries exist as components and for interoperability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum SignatureAlgorithm {
    /// Composite ML-DSA-65 + Ed25519 with SHA-512 pre-hash (OID 1.3.6.1.5.5.7.6.48). Default.
    #[default]
    MlDsa65Ed25519,
    /// Composite ML-DSA-65 + ECDSA P-256 with SHA-512 pre-hash (OID 1.3.6.1.5.5.7.6.45).
    MlDsa65EcdsaP256,
    /// Composite ML-DSA-65 + RSA-3072-PSS with SHA-512 pre-hash (OID 1.3.6.1.5.5.7.6.41).
    MlDsa65Rsa3072Pss,
    /// Pure ML-DSA-65 (FIPS 204, RFC 9881).
    MlDsa65,
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// ECDSA over P-256 with SHA-256, DER-encoded signatures.
    EcdsaP256Sha256,
    /// RSASSA-PSS, 3072-bit modulus, SHA-256, MGF1-SHA-256, 32-byte salt, e = 65537.
    Rsa3072PssSha256,
}

/// ML-DSA-65 public key length (FIPS 204).
pub(crate) const MLDSA65_PK_LEN: usize = 1952;
/// ML-DSA-65 signature length (FIPS 204).
pub(crate) const MLDSA65_SIG_LEN: usize = 3309;
/// ML-DSA key generation seed length.
pub(crate) const MLDSA_SEED_LEN: usize = 32;
/// Ed25519 public key, seed and signature lengths.
pub(crate) const ED25519_PK_LEN: usize = 32;
pub(crate) const ED25519_SK_LEN: usize = 32;
pub(crate) const ED25519_SIG_LEN: usize = 64;
/// Uncompressed P-256 point.
pub(crate) const P256_PK_LEN: usize = 65;
/// RFC 5915 `ECPrivateKey` with the named curve and without the public key.
pub(crate) const P256_SK_LEN: usize = 51;
/// Largest DER `ECDSA-Sig-Value` for P-256.
pub(crate) const P256_SIG_MAX_LEN: usize = 72;
/// DER `RSAPublicKey` for a 3072-bit modulus and e = 65537.
pub(crate) const RSA3072_PK_LEN: usize = 398;
/// Largest DER `RSAPrivateKey` for a 3072-bit modulus accepted here.
pub(crate) const RSA3072_SK_MAX_LEN: usize = 1775;
/// RSA-3072 signature length (modulus length).
pub(crate) const RSA3072_SIG_LEN: usize = 384;

const fn sig_info(
    id: &'static str,
    name: &'static str,
    oid: &'static str,
    public_key_len: usize,
    secret_key_len: usize,
    signature_len: usize,
) -> AlgorithmInfo {
    AlgorithmInfo {
        id,
        name,
        oid,
        kind: Kind::Signature,
        public_key_len,
        secret_key_len,
        signature_or_ciphertext_len: signature_len,
        shared_secret_len: 0,
    }
}

const MLDSA65_ED25519: AlgorithmInfo = sig_info(
    "mldsa65-ed25519",
    "id-MLDSA65-Ed25519-SHA512",
    "1.3.6.1.5.5.7.6.48",
    MLDSA65_PK_LEN + ED25519_PK_LEN,
    MLDSA_SEED_LEN + ED25519_SK_LEN,
    MLDSA65_SIG_LEN + ED25519_SIG_LEN,
);
const MLDSA65_ECDSA_P256: AlgorithmInfo = sig_info(
    "mldsa65-ecdsa-p256",
    "id-MLDSA65-ECDSA-P256-SHA512",
    "1.3.6.1.5.5.7.6.45",
    MLDSA65_PK_LEN + P256_PK_LEN,
    MLDSA_SEED_LEN + P256_SK_LEN,
    MLDSA65_SIG_LEN + P256_SIG_MAX_LEN,
);
const MLDSA65_RSA3072_PSS: AlgorithmInfo = sig_info(
    "mldsa65-rsa3072-pss",
    "id-MLDSA65-RSA3072-PSS-SHA512",
    "1.3.6.1.5.5.7.6.41",
    MLDSA65_PK_LEN + RSA3072_PK_LEN,
    MLDSA_SEED_LEN + RSA3072_SK_MAX_LEN,
    MLDSA65_SIG_LEN + RSA3072_SIG_LEN,
);
const MLDSA65: AlgorithmInfo = sig_info(
    "mldsa65",
    "id-ML-DSA-65",
    "2.16.840.1.101.3.4.3.18",
    MLDSA65_PK_LEN,
    MLDSA_SEED_LEN,
    MLDSA65_SIG_LEN,
);
const ED25519: AlgorithmInfo = sig_info(
    "ed25519",
    "id-Ed25519",
    "1.3.101.112",
    ED25519_PK_LEN,
    ED25519_SK_LEN,
    ED25519_SIG_LEN,
);
const ECDSA_P256_SHA256: AlgorithmInfo = sig_info(
    "ecdsa-p256-sha256",
    "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.2",
    P256_PK_LEN,
    P256_SK_LEN,
    P256_SIG_MAX_LEN,
);
const RSA3072_PSS_SHA256: AlgorithmInfo = sig_info(
    "rsa3072-pss-sha256",
    "id-RSASSA-PSS",
    "1.2.840.113549.1.1.10",
    RSA3072_PK_LEN,
    RSA3072_SK_MAX_LEN,
    RSA3072_SIG_LEN,
);

/// All signature algorithms, in [`SignatureAlgorithm::ALL`] order.
pub static SIGNATURE_ALGORITHMS: &[AlgorithmInfo] = &[
    MLDSA65_ED25519,
    MLDSA65_ECDSA_P256,
    MLDSA65_RSA3072_PSS,
    MLDSA65,
    ED25519,
    ECDSA_P256_SHA256,
    RSA3072_PSS_SHA256,
];

impl SignatureAlgorithm {
    /// Every signature algorithm, default first.
    pub const ALL: [Self; 7] = [
        Self::MlDsa65Ed25519,
        Self::MlDsa65EcdsaP256,
        Self::MlDsa65Rsa3072Pss,
        Self::MlDsa65,
        Self::Ed25519,
        Self::EcdsaP256Sha256,
        Self::Rsa3072PssSha256,
    ];

    /// The three composite (ML-DSA-65 + classical) algorithms.
    pub const COMPOSITES: [Self; 3] = [
        Self::MlDsa65Ed25519,
        Self::MlDsa65EcdsaP256,
        Self::MlDsa65Rsa3072Pss,
    ];

    /// The registry entry of this algorithm.
    #[must_use]
    pub const fn info(self) -> &'static AlgorithmInfo {
        match self {
            Self::MlDsa65Ed25519 => &MLDSA65_ED25519,
            Self::MlDsa65EcdsaP256 => &MLDSA65_ECDSA_P256,
            Self::MlDsa65Rsa3072Pss => &MLDSA65_RSA3072_PSS,
            Self::MlDsa65 => &MLDSA65,
            Self::Ed25519 => &ED25519,
            Self::EcdsaP256Sha256 => &ECDSA_P256_SHA256,
            Self::Rsa3072PssSha256 => &RSA3072_PSS_SHA256,
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

    /// True for the ML-DSA-65 + classical composites.
    #[must_use]
    pub const fn is_composite(self) -> bool {
        matches!(
            self,
            Self::MlDsa65Ed25519 | Self::MlDsa65EcdsaP256 | Self::MlDsa65Rsa3072Pss
        )
    }

    /// The algorithm with this stable id.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if no signature algorithm has this id.
    pub fn from_id(id: &str) -> Result<Self, CryptoError> {
        Self::find(|info| info.id == id, id)
    }

    /// The algorithm with this dotted OID.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if no signature algorithm has this OID.
    pub fn from_oid(oid: &str) -> Result<Self, CryptoError> {
        Self::find(|info| info.oid == oid, oid)
    }

    fn find(pred: impl Fn(&AlgorithmInfo) -> bool, what: &str) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|alg| pred(alg.info()))
            .ok_or_else(|| CryptoError::UnsupportedAlgorithm(truncate(what)))
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = CryptoError;

    /// Accepts the id, the ASN.1 name or the dotted OID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::find(|info| info.id == s || info.name == s || info.oid == s, s)
    }
}

/// Error text for an unknown algorithm: bounded, so hostile input cannot bloat logs.
fn truncate(what: &str) -> String {
    const MAX: usize = 64;
    match what.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &what[..end]),
        None => what.to_owned(),
    }
}

/// Every registered algorithm: signatures, then `crate::kem::KEM_ALGORITHMS`.
pub fn iter() -> impl Iterator<Item = &'static AlgorithmInfo> {
    SIGNATURE_ALGORITHMS
        .iter()
        .chain(crate::kem::KEM_ALGORITHMS.iter())
}

/// Every registered algorithm, collected (see [`iter`]).
#[must_use]
pub fn all() -> Vec<&'static AlgorithmInfo> {
    iter().collect()
}

/// The algorithm with this stable id.
#[must_use]
pub fn by_id(id: &str) -> Option<&'static AlgorithmInfo> {
    iter().find(|info| info.id == id)
}

/// The algorithm with this ASN.1 name.
#[must_use]
pub fn by_name(name: &str) -> Option<&'static AlgorithmInfo> {
    iter().find(|info| info.name == name)
}

/// The algorithm with this dotted OID.
#[must_use]
pub fn by_oid(oid: &str) -> Option<&'static AlgorithmInfo> {
    iter().find(|info| info.oid == oid)
}

/// The algorithm named by `s`: an id, an ASN.1 name or a dotted OID.
#[must_use]
pub fn lookup(s: &str) -> Option<&'static AlgorithmInfo> {
    by_id(s).or_else(|| by_name(s)).or_else(|| by_oid(s))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_names_and_oids_are_unique_and_well_formed() {
        let infos = all();
        assert!(infos.len() >= SIGNATURE_ALGORITHMS.len());
        for field in [
            (|i: &AlgorithmInfo| i.id) as fn(&AlgorithmInfo) -> &'static str,
            |i| i.name,
            |i| i.oid,
        ] {
            let mut seen = HashSet::new();
            for info in &infos {
                assert!(seen.insert(field(info)), "duplicate {}", field(info));
            }
        }
        for info in &infos {
            assert!(
                der::asn1::ObjectIdentifier::new(info.oid).is_ok(),
                "{}",
                info.oid
            );
            assert!(
                info.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                info.id
            );
            assert!(info.public_key_len > 0 && info.secret_key_len > 0);
            assert!(info.signature_or_ciphertext_len > 0);
        }
    }

    #[test]
    fn enum_and_table_agree() {
        assert_eq!(SignatureAlgorithm::ALL.len(), SIGNATURE_ALGORITHMS.len());
        for (alg, info) in SignatureAlgorithm::ALL.iter().zip(SIGNATURE_ALGORITHMS) {
            assert_eq!(alg.info(), info);
            assert_eq!(info.kind, Kind::Signature);
            assert_eq!(info.shared_secret_len, 0);
            assert_eq!(SignatureAlgorithm::from_id(info.id), Ok(*alg));
            assert_eq!(SignatureAlgorithm::from_oid(info.oid), Ok(*alg));
            for name in [info.id, info.name, info.oid] {
                assert_eq!(name.parse::<SignatureAlgorithm>(), Ok(*alg));
                assert_eq!(lookup(name), Some(info));
            }
            assert_eq!(alg.to_string(), info.id);
        }
        assert_eq!(
            SignatureAlgorithm::default(),
            SignatureAlgorithm::MlDsa65Ed25519
        );
        assert!(
            SignatureAlgorithm::COMPOSITES
                .iter()
                .all(|a| a.is_composite())
        );
        assert_eq!(
            SignatureAlgorithm::ALL
                .iter()
                .filter(|a| a.is_composite())
                .count(),
            3
        );
    }

    #[test]
    fn expected_composite_sizes_and_oids() {
        let ed = SignatureAlgorithm::MlDsa65Ed25519.info();
        assert_eq!(
            (ed.oid, ed.public_key_len, ed.secret_key_len),
            ("1.3.6.1.5.5.7.6.48", 1984, 64)
        );
        assert_eq!(ed.signature_or_ciphertext_len, 3373);
        assert_eq!(
            SignatureAlgorithm::MlDsa65EcdsaP256.oid(),
            "1.3.6.1.5.5.7.6.45"
        );
        assert_eq!(
            SignatureAlgorithm::MlDsa65Rsa3072Pss.oid(),
            "1.3.6.1.5.5.7.6.41"
        );
        assert_eq!(SignatureAlgorithm::MlDsa65.oid(), "2.16.840.1.101.3.4.3.18");
    }

    #[test]
    fn unknown_names_are_rejected_with_bounded_message() {
        assert!(by_id("nope").is_none() && by_name("nope").is_none() && by_oid("1.2.3").is_none());
        let long = "x".repeat(10_000);
        match SignatureAlgorithm::from_id(&long) {
            Err(CryptoError::UnsupportedAlgorithm(msg)) => assert!(msg.len() < 80),
            other => panic!("unexpected {other:?}"),
        }
        assert!("".parse::<SignatureAlgorithm>().is_err());
    }
}
