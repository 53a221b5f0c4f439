//! The signature algorithms of pqbank certificates, CRLs and CSRs: their `AlgorithmIdentifier`s,
//! signature verification over X.509 objects, and the verifiers plugged into rustls-webpki.
//!
//! Certificates are signed with the three ML-DSA-65 composites
//! (draft-ietf-lamps-pq-composite-sigs-19) or pure ML-DSA-65 (RFC 9881). For all four, the
//! `AlgorithmIdentifier` is the OID with absent parameters, and X.509 uses the empty application
//! context. Classical algorithms on their own are never accepted.

use der::asn1::ObjectIdentifier;
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, VerifyingKey};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use spki::{AlgorithmIdentifierOwned, AlgorithmIdentifierRef};

use crate::PkiError;

/// The signature algorithms pqbank signs certificates with and certifies signature keys for,
/// default ([`SignatureAlgorithm::MlDsa65Ed25519`]) first.
pub const CERT_SIGNATURE_ALGORITHMS: [SignatureAlgorithm; 4] = [
    SignatureAlgorithm::MlDsa65Ed25519,
    SignatureAlgorithm::MlDsa65EcdsaP256,
    SignatureAlgorithm::MlDsa65Rsa3072Pss,
    SignatureAlgorithm::MlDsa65,
];

/// The application context of signatures in X.509 objects (RFC 9881, composite draft-19: empty).
pub(crate) const X509_CONTEXT: &[u8] = b"";

/// Refuses algorithms that are not in [`CERT_SIGNATURE_ALGORITHMS`].
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] for the classical algorithms on their own.
pub fn check_cert_algorithm(alg: SignatureAlgorithm) -> Result<SignatureAlgorithm, PkiError> {
    if CERT_SIGNATURE_ALGORITHMS.contains(&alg) {
        Ok(alg)
    } else {
        Err(PkiError::UnsupportedAlgorithm(format!(
            "{alg} is not accepted for certificates"
        )))
    }
}

/// The signature `AlgorithmIdentifier` of `alg` (OID, parameters absent).
pub(crate) fn algorithm_identifier(
    alg: SignatureAlgorithm,
) -> Result<AlgorithmIdentifierOwned, PkiError> {
    let alg = check_cert_algorithm(alg)?;
    Ok(AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new(alg.oid()).map_err(|_| PkiError::Internal("registry OID"))?,
        parameters: None,
    })
}

/// The algorithm named by a signature `AlgorithmIdentifier`; parameters must be absent.
pub(crate) fn algorithm_from_identifier(
    id: &AlgorithmIdentifierRef<'_>,
) -> Result<SignatureAlgorithm, PkiError> {
    let oid = id.oid.to_string();
    let alg = SignatureAlgorithm::from_oid(&oid)
        .map_err(|_| PkiError::UnsupportedAlgorithm(oid.clone()))?;
    let alg = check_cert_algorithm(alg)?;
    if id.parameters.is_some() {
        return Err(PkiError::Malformed(
            "signature AlgorithmIdentifier parameters must be absent",
        ));
    }
    Ok(alg)
}

/// Verifies `signature` (the BIT STRING contents) over `tbs` (the exact DER bytes that were
/// signed) with `key`, for the algorithm named by `alg_id`.
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] / [`PkiError::Malformed`] for an unusable algorithm,
/// [`PkiError::BadSignature`] if the key is of another algorithm or the signature is invalid.
pub(crate) fn verify_x509_signature(
    key: &VerifyingKey,
    alg_id: &AlgorithmIdentifierRef<'_>,
    tbs: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let alg = algorithm_from_identifier(alg_id)?;
    if key.algorithm() != alg {
        return Err(PkiError::BadSignature);
    }
    let sig = Signature::from_bytes(alg, signature).map_err(|_| PkiError::BadSignature)?;
    key.verify(tbs, X509_CONTEXT, &sig)
        .map_err(|_| PkiError::BadSignature)
}

/// A rustls-webpki verifier for one pqbank certificate signature algorithm.
///
/// webpki matches `signature_alg_id` against the signature `AlgorithmIdentifier` and
/// `public_key_alg_id` against the issuer's SPKI `AlgorithmIdentifier`, both as the DER contents
/// of the SEQUENCE; for ML-DSA and the composites both are just the OID (parameters absent).
#[derive(Debug)]
struct PqVerifier {
    alg: SignatureAlgorithm,
    /// DER of the OID (tag, length, value): the contents of the `AlgorithmIdentifier`.
    alg_id: &'static [u8],
}

impl SignatureVerificationAlgorithm for PqVerifier {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = VerifyingKey::from_raw(self.alg, public_key).map_err(|_| InvalidSignature)?;
        let sig = Signature::from_bytes(self.alg, signature).map_err(|_| InvalidSignature)?;
        key.verify(message, X509_CONTEXT, &sig)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(self.alg_id)
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        AlgorithmIdentifier::from_slice(self.alg_id)
    }
}

/// id-MLDSA65-Ed25519-SHA512, 1.3.6.1.5.5.7.6.48.
static MLDSA65_ED25519: PqVerifier = PqVerifier {
    alg: SignatureAlgorithm::MlDsa65Ed25519,
    alg_id: &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, 0x30],
};
/// id-MLDSA65-ECDSA-P256-SHA512, 1.3.6.1.5.5.7.6.45.
static MLDSA65_ECDSA_P256: PqVerifier = PqVerifier {
    alg: SignatureAlgorithm::MlDsa65EcdsaP256,
    alg_id: &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, 0x2d],
};
/// id-MLDSA65-RSA3072-PSS-SHA512, 1.3.6.1.5.5.7.6.41.
static MLDSA65_RSA3072_PSS: PqVerifier = PqVerifier {
    alg: SignatureAlgorithm::MlDsa65Rsa3072Pss,
    alg_id: &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, 0x29],
};
/// id-ml-dsa-65, 2.16.840.1.101.3.4.3.18.
static MLDSA65: PqVerifier = PqVerifier {
    alg: SignatureAlgorithm::MlDsa65,
    alg_id: &[
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12,
    ],
};

/// The verifiers handed to rustls-webpki for chains and CRLs, in
/// [`CERT_SIGNATURE_ALGORITHMS`] order.
pub(crate) static WEBPKI_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    &MLDSA65_ED25519,
    &MLDSA65_ECDSA_P256,
    &MLDSA65_RSA3072_PSS,
    &MLDSA65,
];

#[cfg(test)]
mod tests {
    use der::Encode;

    use super::*;

    #[test]
    fn webpki_identifiers_are_the_registry_oids() {
        for (verifier, alg) in [
            &MLDSA65_ED25519,
            &MLDSA65_ECDSA_P256,
            &MLDSA65_RSA3072_PSS,
            &MLDSA65,
        ]
        .into_iter()
        .zip(CERT_SIGNATURE_ALGORITHMS)
        {
            assert_eq!(verifier.alg, alg);
            let oid = ObjectIdentifier::new(alg.oid()).unwrap().to_der().unwrap();
            assert_eq!(verifier.alg_id, oid.as_slice(), "{alg}");
        }
        assert_eq!(WEBPKI_ALGORITHMS.len(), CERT_SIGNATURE_ALGORITHMS.len());
    }

    #[test]
    fn classical_algorithms_are_refused() {
        for alg in [
            SignatureAlgorithm::Ed25519,
            SignatureAlgorithm::EcdsaP256Sha256,
            SignatureAlgorithm::Rsa3072PssSha256,
        ] {
            assert!(matches!(
                check_cert_algorithm(alg),
                Err(PkiError::UnsupportedAlgorithm(_))
            ));
            assert!(algorithm_identifier(alg).is_err());
        }
    }
}
