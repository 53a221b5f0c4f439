//! Hostile and broken input: every case ends in the right `PkiError` and nothing is issued.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Hierarchy, NOW, identity};
use der::{Decode, Encode};
use pqbank_crypto::kem::{DecapsulationKey, KemAlgorithm};
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::*;

#[test]
fn csr_with_wrong_proof_of_possession_is_refused() {
    let mut rng = common::rng(1);
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
    let other = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
    let csr = build_csr(&key, "CN=victim", &mut rng).unwrap();

    // Swap in another key's SPKI: the signature no longer matches the key in the request.
    let mut req = x509_cert::request::CertReq::from_der(csr.der()).unwrap();
    req.info.public_key =
        spki::SubjectPublicKeyInfoOwned::from_der(&other.public_key().to_spki_der().unwrap())
            .unwrap();
    let swapped = req.to_der().unwrap();
    assert_eq!(
        parse_csr(&swapped).unwrap_err(),
        PkiError::BadProofOfPossession
    );

    // Flip one bit of the signature.
    let mut flipped = csr.der().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        parse_csr(&flipped).unwrap_err(),
        PkiError::BadProofOfPossession
    );

    // Signature algorithm of another composite than the key.
    let mut req = x509_cert::request::CertReq::from_der(csr.der()).unwrap();
    req.algorithm.oid = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.6.45");
    assert_eq!(
        parse_csr(&req.to_der().unwrap()).unwrap_err(),
        PkiError::BadProofOfPossession
    );

    // The unmodified request passes.
    assert_eq!(
        parse_csr(csr.der()).unwrap().public_key(),
        &key.public_key()
    );
}

#[test]
fn unsupported_algorithms_are_refused() {
    let mut rng = common::rng(2);
    // Classical keys can neither sign certificates nor be certified.
    let ed = SigningKey::generate(SignatureAlgorithm::Ed25519, &mut rng).unwrap();
    assert!(matches!(
        build_csr(&ed, "CN=x", &mut rng),
        Err(PkiError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        build_root_ca(
            &ed,
            "CN=x",
            ValidityPeriod::days_from(NOW, 1).unwrap(),
            &common::serial(&mut rng),
            &mut rng
        ),
        Err(PkiError::UnsupportedAlgorithm(_))
    ));

    // A CSR carrying an Ed25519 key, framed by hand and signed with Ed25519 (valid PoP).
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65, &mut rng).unwrap();
    let csr = build_csr(&key, "CN=x", &mut rng).unwrap();
    let mut req = x509_cert::request::CertReq::from_der(csr.der()).unwrap();
    req.info.public_key =
        spki::SubjectPublicKeyInfoOwned::from_der(&ed.public_key().to_spki_der().unwrap()).unwrap();
    req.algorithm.oid = der::asn1::ObjectIdentifier::new_unwrap("1.3.101.112");
    let info = req.info.to_der().unwrap();
    let sig = ed.sign(&info, b"", &mut rng).unwrap();
    req.signature = der::asn1::BitString::from_bytes(sig.as_bytes()).unwrap();
    assert!(matches!(
        parse_csr(&req.to_der().unwrap()),
        Err(PkiError::UnsupportedAlgorithm(_))
    ));

    // An unknown key OID (ML-DSA-87).
    req.info.public_key.algorithm.oid =
        der::asn1::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.19");
    assert!(matches!(
        parse_csr(&req.to_der().unwrap()),
        Err(PkiError::UnsupportedAlgorithm(_))
    ));

    // The RFC 9881 rule: parameters must be absent.
    let mut req = x509_cert::request::CertReq::from_der(csr.der()).unwrap();
    req.algorithm.parameters = Some(der::asn1::Any::null());
    assert!(matches!(
        parse_csr(&req.to_der().unwrap()),
        Err(PkiError::Malformed(_))
    ));
}

#[test]
fn garbage_and_oversized_input() {
    let garbage: &[&[u8]] = &[
        b"",
        b"\x30",
        b"\x30\x80\x00\x00",
        b"\x30\x03\x02\x01\x01",
        b"not der at all",
        &[0xff; 300],
        b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
    ];
    for input in garbage {
        assert!(
            matches!(parse_csr(input), Err(PkiError::Malformed(_))),
            "{input:?}"
        );
        assert!(
            matches!(Cert::from_pem_or_der(input), Err(PkiError::Malformed(_))),
            "{input:?}"
        );
        assert!(
            matches!(Crl::from_pem_or_der(input), Err(PkiError::Malformed(_))),
            "{input:?}"
        );
        assert!(inspect(input).is_err());
        assert!(SignedKemCertRequest::from_bytes(input).is_err());
    }
    let big = vec![0x30; MAX_CSR_LEN + 1];
    assert!(matches!(parse_csr(&big), Err(PkiError::TooLarge(_))));
    let pem = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        "A".repeat(3 * MAX_CSR_LEN)
    );
    assert!(matches!(
        parse_csr(pem.as_bytes()),
        Err(PkiError::TooLarge(_))
    ));
    assert!(matches!(
        Cert::from_der(&vec![0x30; MAX_CERT_LEN + 1]),
        Err(PkiError::TooLarge(_))
    ));

    // Truncations and bit flips of a real certificate never panic and never validate.
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 3);
    let id = identity("gina", "phone");
    let (_, cert) = h.device_signature_cert(&id);
    let crl = h.crl(1, &[]);
    let chain = h.chain();
    let der = cert.der();
    for cut in (0..der.len()).step_by(97) {
        assert!(Cert::from_der(&der[..cut]).is_err());
    }
    for pos in (0..der.len()).step_by(211) {
        let mut bad = der.to_vec();
        bad[pos] ^= 0x20;
        let result = validate_end_entity(
            &bad,
            &chain,
            Revocation::Crls(std::slice::from_ref(&crl)),
            NOW,
            CertUsage::DeviceSignature,
            &id,
        );
        assert!(result.is_err(), "flip at {pos} validated");
        let _ = inspect(&bad);
    }
}

#[test]
fn kem_request_signed_by_another_device_is_refused() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 4);
    let alice_phone = identity("alice", "phone");
    let alice_laptop = identity("alice", "laptop");
    let (phone_key, phone_cert) = h.device_signature_cert(&alice_phone);
    let (laptop_key, laptop_cert) = h.device_signature_cert(&alice_laptop);
    let phone = h
        .validate(&phone_cert, CertUsage::DeviceSignature, &alice_phone)
        .unwrap();
    let laptop = h
        .validate(&laptop_cert, CertUsage::DeviceSignature, &alice_laptop)
        .unwrap();
    let dk = DecapsulationKey::generate(KemAlgorithm::XWing, &mut *h.rng()).unwrap();
    let max_age = time::Duration::minutes(10);
    let request = |id: &DeviceIdentity| {
        KemCertRequest::new(&dk.encapsulation_key(), id.clone(), [1; 32], NOW).unwrap()
    };

    // The laptop signs a request claiming to be the phone, verified against the phone's
    // certificate: the signature is not the phone's.
    let forged = request(&alice_phone)
        .sign(&laptop_key, &mut *h.rng())
        .unwrap();
    assert_eq!(
        forged.verify(&phone, NOW, max_age).unwrap_err(),
        PkiError::BadSignature
    );
    // ... verified against the laptop's certificate: it names another device.
    assert!(matches!(
        forged.verify(&laptop, NOW, max_age),
        Err(PkiError::IdentityMismatch(_))
    ));
    // Tampering with the transported request breaks the signature.
    let honest = request(&alice_phone)
        .sign(&phone_key, &mut *h.rng())
        .unwrap();
    let mut wire = honest.to_bytes().unwrap();
    wire[40] ^= 1;
    assert!(
        SignedKemCertRequest::from_bytes(&wire)
            .and_then(|r| r.verify(&phone, NOW, max_age))
            .is_err()
    );
    // Old and future-dated requests.
    assert_eq!(
        honest
            .verify(&phone, NOW + time::Duration::minutes(11), max_age)
            .unwrap_err(),
        PkiError::StaleRequest
    );
    assert_eq!(
        honest
            .verify(&phone, NOW - time::Duration::minutes(6), max_age)
            .unwrap_err(),
        PkiError::StaleRequest
    );
    // A KEM certificate cannot authorise a request.
    let verified = honest.verify(&phone, NOW, max_age).unwrap();
    let ca = CertificateAuthority::new(&h.issuing_key, h.issuing.clone()).unwrap();
    let params = h.params();
    let kem_cert = issue_device_kem_cert(&ca, &verified, &params, &mut *h.rng()).unwrap();
    let kem = h
        .validate(&kem_cert, CertUsage::DeviceKem, &alice_phone)
        .unwrap();
    assert!(matches!(
        honest.verify(&kem, NOW, max_age),
        Err(PkiError::WrongUsage(_))
    ));
    // Trailing bytes and unknown versions.
    let mut long = honest.to_bytes().unwrap();
    long.push(0);
    assert!(matches!(
        SignedKemCertRequest::from_bytes(&long),
        Err(PkiError::Malformed(_))
    ));
    let mut v2 = honest.to_bytes().unwrap();
    v2[25] = b'2';
    assert!(matches!(
        SignedKemCertRequest::from_bytes(&v2),
        Err(PkiError::Malformed(_))
    ));
    assert_eq!(
        SignedKemCertRequest::from_bytes(&honest.to_bytes().unwrap()).unwrap(),
        honest
    );
}

#[test]
fn ca_key_and_certificate_must_match() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 5);
    assert!(matches!(
        CertificateAuthority::new(&h.root_key, h.issuing.clone()),
        Err(PkiError::InvalidParameter(_))
    ));
    let id = identity("hank", "phone");
    let (device_key, device) = h.device_signature_cert(&id);
    assert!(matches!(
        CertificateAuthority::new(&device_key, device),
        Err(PkiError::WrongUsage(_))
    ));
    assert!(matches!(
        CaChain::new(h.root.clone(), h.issuing.clone()),
        Err(PkiError::UnknownIssuer)
    ));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// A real certificate, CRL, CSR and KEM request to mutate.
    fn samples() -> &'static [Vec<u8>; 4] {
        static SAMPLES: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
        SAMPLES.get_or_init(|| {
            let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 6);
            let id = identity("ivan", "phone");
            let (key, cert) = h.device_signature_cert(&id);
            let crl = h.crl(
                1,
                &[RevokedEntry {
                    serial: cert.serial().unwrap(),
                    revoked_at: NOW,
                    reason: RevocationReason::Superseded,
                }],
            );
            let csr = build_csr(&key, "CN=x", &mut *h.rng()).unwrap();
            let dk = DecapsulationKey::generate(KemAlgorithm::MlKem768, &mut *h.rng()).unwrap();
            let request = KemCertRequest::new(&dk.encapsulation_key(), id, [3; 32], NOW)
                .unwrap()
                .sign(&key, &mut *h.rng())
                .unwrap();
            [
                cert.der().to_vec(),
                crl.der().to_vec(),
                csr.der().to_vec(),
                request.to_bytes().unwrap(),
            ]
        })
    }

    fn parse_everything(input: &[u8]) {
        let _ = parse_csr(input);
        let _ = Cert::from_pem_or_der(input);
        let _ = Crl::from_pem_or_der(input).map(|crl| (crl.entries(), crl.number()));
        let _ = inspect(input);
        let _ = SignedKemCertRequest::from_bytes(input);
        let _ = std::str::from_utf8(input).map(|s| s.parse::<Serial>());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..512)) {
            parse_everything(&input);
        }

        #[test]
        fn mutated_samples(which in 0usize..4, pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
            let mut input = samples()[which].clone();
            let at = pos.index(input.len());
            input[at] = byte;
            parse_everything(&input);
            let cut = cut.index(input.len());
            parse_everything(&input[..cut]);
        }
    }
}
