//! CRLs: revocation is detected with its reason, CRL numbers increase, thisUpdate/nextUpdate are
//! set, x509-parser reads them, and stale or missing CRLs fail closed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Hierarchy, NOW, identity, serial};
use pqbank_crypto::sig::SignatureAlgorithm;
use pqbank_pki::*;
use x509_parser::prelude::{CertificateRevocationList, FromDer};

fn entry(serial: Serial, reason: RevocationReason) -> RevokedEntry {
    RevokedEntry {
        serial,
        revoked_at: NOW - time::Duration::minutes(30),
        reason,
    }
}

#[test]
fn revoked_certificate_is_refused_with_its_reason() {
    for (alg, seed) in [
        (SignatureAlgorithm::MlDsa65Ed25519, 70),
        (SignatureAlgorithm::MlDsa65Rsa3072Pss, 71),
        (SignatureAlgorithm::MlDsa65, 72),
    ] {
        let h = Hierarchy::new(alg, seed);
        let id = identity("dave", "phone");
        let (_, cert) = h.device_signature_cert(&id);
        let (_, other) = h.device_signature_cert(&identity("dave", "tablet"));
        let chain = h.chain();
        let first = h.crl(41, &[]);
        let second = h.crl(
            42,
            &[entry(
                cert.serial().unwrap(),
                RevocationReason::KeyCompromise,
            )],
        );

        assert!(
            validate_end_entity(
                cert.der(),
                &chain,
                Revocation::Crls(std::slice::from_ref(&first)),
                NOW,
                CertUsage::DeviceSignature,
                &id
            )
            .is_ok()
        );
        assert_eq!(
            validate_end_entity(
                cert.der(),
                &chain,
                Revocation::Crls(std::slice::from_ref(&second)),
                NOW,
                CertUsage::DeviceSignature,
                &id
            )
            .unwrap_err(),
            PkiError::Revoked {
                reason: RevocationReason::KeyCompromise
            },
            "{alg}"
        );
        // Other certificates are unaffected.
        assert!(
            validate_end_entity(
                other.der(),
                &chain,
                Revocation::Crls(std::slice::from_ref(&second)),
                NOW,
                CertUsage::DeviceSignature,
                &identity("dave", "tablet")
            )
            .is_ok()
        );

        // Numbers increase, times are set, entries read back.
        assert_eq!(first.number().unwrap(), Some(41));
        assert_eq!(second.number().unwrap(), Some(42));
        assert_eq!(
            second.this_update().unwrap(),
            NOW - time::Duration::hours(1)
        );
        assert_eq!(second.next_update().unwrap(), NOW + time::Duration::days(1));
        assert_eq!(
            second.entries().unwrap(),
            [entry(
                cert.serial().unwrap(),
                RevocationReason::KeyCompromise
            )]
        );
        assert!(first.entries().unwrap().is_empty());
        second.verify_issued_by(&h.issuing).unwrap();
        assert_eq!(
            second.verify_issued_by(&h.root).unwrap_err(),
            PkiError::UnknownIssuer
        );

        // x509-parser agrees.
        let (rest, parsed) = CertificateRevocationList::from_der(second.der()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            parsed.crl_number().map(|n| n.to_u64_digits()),
            Some(vec![42])
        );
        assert!(parsed.next_update().is_some());
        assert_eq!(
            parsed.signature_algorithm.algorithm.to_id_string(),
            alg.oid()
        );
        let revoked: Vec<_> = parsed.iter_revoked_certificates().collect();
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].raw_serial(), cert.serial().unwrap().as_bytes());
        assert_eq!(
            revoked[0].reason_code().map(|(_, r)| r.0),
            Some(RevocationReason::KeyCompromise.code())
        );
        let aki = parsed
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            })
            .expect("CRL AKI");
        let (_, issuing) =
            x509_parser::prelude::X509Certificate::from_der(h.issuing.der()).unwrap();
        let ski = issuing
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) => {
                    Some(id.0.to_vec())
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(aki, ski, "the CRL AKI names the issuing CA's key");

        let text = inspect_crl(&second);
        assert!(text.contains("keyCompromise"), "{text}");
        assert!(text.contains("X509v3 CRL Number"), "{text}");
        assert!(
            inspect(second.to_pem().unwrap().as_bytes())
                .unwrap()
                .contains(alg.info().name)
        );
    }
}

#[test]
fn missing_stale_or_foreign_crls_fail_closed() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 80);
    let id = identity("erin", "phone");
    let (_, cert) = h.device_signature_cert(&id);
    let chain = h.chain();
    let check = |crls: &[Crl], time| {
        validate_end_entity(
            cert.der(),
            &chain,
            Revocation::Crls(crls),
            time,
            CertUsage::DeviceSignature,
            &id,
        )
    };
    assert_eq!(check(&[], NOW).unwrap_err(), PkiError::RevocationUnknown);
    let crl = h.crl(1, &[]);
    assert_eq!(
        check(std::slice::from_ref(&crl), NOW + time::Duration::days(2)).unwrap_err(),
        PkiError::CrlExpired
    );
    // A CRL of the same name but signed by another key.
    let other = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 81);
    let forged = other.crl(2, &[]);
    assert_eq!(
        check(std::slice::from_ref(&forged), NOW).unwrap_err(),
        PkiError::BadSignature
    );
    // A root CRL alone does not cover device certificates.
    let root_ca = CertificateAuthority::new(&h.root_key, h.root.clone()).unwrap();
    let info = CrlInfo {
        number: 1,
        this_update: NOW - time::Duration::hours(1),
        next_update: NOW + time::Duration::days(30),
    };
    let root_crl = build_crl(&root_ca, &info, &[], &mut *h.rng()).unwrap();
    assert_eq!(
        check(std::slice::from_ref(&root_crl), NOW).unwrap_err(),
        PkiError::RevocationUnknown
    );
    assert!(check(&[crl.clone(), root_crl], NOW).is_ok());

    // A revoked issuing CA takes its devices with it.
    let revoked_ca = build_crl(
        &root_ca,
        &CrlInfo { number: 2, ..info },
        &[entry(
            h.issuing.serial().unwrap(),
            RevocationReason::CaCompromise,
        )],
        &mut *h.rng(),
    )
    .unwrap();
    assert_eq!(
        check(&[crl, revoked_ca], NOW).unwrap_err(),
        PkiError::Revoked {
            reason: RevocationReason::CaCompromise
        }
    );
}

#[test]
fn revocation_set_mode_and_crl_round_trip() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 90);
    let id = identity("frank", "phone");
    let (_, cert) = h.device_signature_cert(&id);
    let chain = h.chain();
    let mut set = RevocationSet::new();
    let validate = |set: &RevocationSet| {
        validate_end_entity(
            cert.der(),
            &chain,
            Revocation::Set(set),
            NOW,
            CertUsage::DeviceSignature,
            &id,
        )
    };
    assert!(validate(&set).is_ok());
    set.insert(entry(cert.serial().unwrap(), RevocationReason::Superseded))
        .unwrap();
    set.insert(entry(serial(&mut h.rng()), RevocationReason::Unspecified))
        .unwrap();
    assert_eq!(
        validate(&set).unwrap_err(),
        PkiError::Revoked {
            reason: RevocationReason::Superseded
        }
    );

    // The set round-trips through a CRL (signature checked on the way back).
    let crl = h.crl(7, &set.to_entries());
    let back = RevocationSet::from_crl(&crl, &h.issuing).unwrap();
    assert_eq!(back.to_entries(), set.to_entries());
    assert!(RevocationSet::from_crl(&crl, &h.root).is_err());
    assert_eq!(
        Crl::from_pem(&crl.to_pem().unwrap()).unwrap().der(),
        crl.der()
    );
}

#[test]
fn crl_parameters_are_checked() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 95);
    let ca = CertificateAuthority::new(&h.issuing_key, h.issuing.clone()).unwrap();
    let backwards = CrlInfo {
        number: 1,
        this_update: NOW,
        next_update: NOW,
    };
    assert!(matches!(
        build_crl(&ca, &backwards, &[], &mut *h.rng()),
        Err(PkiError::InvalidParameter(_))
    ));
    let info = CrlInfo {
        number: 1,
        this_update: NOW,
        next_update: NOW + time::Duration::days(1),
    };
    let s = serial(&mut h.rng());
    let twice = [
        entry(s.clone(), RevocationReason::KeyCompromise),
        entry(s, RevocationReason::Superseded),
    ];
    assert!(matches!(
        build_crl(&ca, &info, &twice, &mut *h.rng()),
        Err(PkiError::InvalidParameter(_))
    ));
}
