//! Root, issuing CA and device certificates for every certificate signature algorithm: they parse
//! with x509-parser (an independent parser), carry the profile's extensions, and validate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CRL_URI, Hierarchy, NOW, identity};
use pqbank_crypto::kem::KemAlgorithm;
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::*;
use x509_parser::extensions::GeneralName as XGeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

fn parse(der: &[u8]) -> X509Certificate<'_> {
    let (rest, cert) = X509Certificate::from_der(der).expect("x509-parser parses it");
    assert!(rest.is_empty());
    cert
}

fn san_uris(cert: &X509Certificate<'_>) -> Vec<String> {
    let san = cert
        .subject_alternative_name()
        .unwrap()
        .expect("SAN present");
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            XGeneralName::URI(uri) => (*uri).to_owned(),
            other => panic!("unexpected SAN {other:?}"),
        })
        .collect()
}

#[test]
fn every_algorithm_builds_a_valid_hierarchy() {
    for (i, alg) in CERT_SIGNATURE_ALGORITHMS.into_iter().enumerate() {
        let h = Hierarchy::new(alg, 10 + u8::try_from(i).unwrap());
        let id = identity("user-1", "device-1");
        let (_, device) = h.device_signature_cert(&id);

        // Independent parser: algorithms, CA flags, key usage, SAN, EKU, CRL DP.
        let root = parse(h.root.der());
        let issuing = parse(h.issuing.der());
        let leaf = parse(device.der());
        for cert in [&root, &issuing, &leaf] {
            assert_eq!(cert.signature_algorithm.algorithm.to_id_string(), alg.oid());
            assert!(
                cert.signature_algorithm.parameters.is_none(),
                "{alg}: parameters absent"
            );
            assert_eq!(cert.version().0, 2);
            assert!(cert.raw_serial().len() >= 9);
            assert!(cert.raw_serial()[0] < 0x80, "positive serial");
        }
        assert_eq!(
            root.public_key().algorithm.algorithm.to_id_string(),
            alg.oid()
        );
        let bc = root.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint.is_none());
        let bc = issuing.basic_constraints().unwrap().unwrap();
        assert!(bc.value.ca);
        assert_eq!(bc.value.path_len_constraint, Some(0));
        let ku = issuing.key_usage().unwrap().unwrap();
        assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
        assert!(!ku.value.digital_signature());
        assert_eq!(
            issuing.issuer().to_string(),
            root.subject().to_string(),
            "{alg}"
        );

        assert!(!leaf.basic_constraints().unwrap().unwrap().value.ca);
        let ku = leaf.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && !ku.key_encipherment() && !ku.key_cert_sign());
        let eku = leaf.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert_eq!(
            san_uris(&leaf),
            ["urn:pqbank:user:user-1", "urn:pqbank:device:device-1"]
        );
        assert_eq!(leaf.subject().to_string(), "O=pqbank, CN=device-1");
        let ski = |c: &X509Certificate<'_>| match c
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) => id.0.to_vec(),
            other => panic!("{other:?}"),
        };
        let aki = |c: &X509Certificate<'_>| match c
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().unwrap().0.to_vec()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(aki(&root), ski(&root));
        assert_eq!(aki(&issuing), ski(&root));
        assert_eq!(aki(&leaf), ski(&issuing));
        let crldp = leaf
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_CRL_DISTRIBUTION_POINTS)
            .unwrap()
            .expect("CRL DP present");
        assert!(
            format!("{:?}", crldp.parsed_extension()).contains(CRL_URI),
            "{alg}"
        );

        // pqbank's own verification path and webpki validation.
        h.root.verify_issued_by(&h.root).unwrap();
        h.issuing.verify_issued_by(&h.root).unwrap();
        device.verify_issued_by(&h.issuing).unwrap();
        let valid = h
            .validate(&device, CertUsage::DeviceSignature, &id)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(valid.serial, device.serial().unwrap());
        assert_eq!(valid.user_id.as_str(), "user-1");
        assert_eq!(valid.device_id.as_str(), "device-1");
        assert_eq!(valid.not_after, device.not_after().unwrap());
        assert_eq!(
            valid.public_key.as_signature().unwrap().algorithm(),
            alg,
            "{alg}"
        );

        let text = inspect_cert(&device);
        assert!(text.contains(alg.info().name), "{text}");
        assert!(text.contains("URI:urn:pqbank:device:device-1"), "{text}");
        assert!(text.contains("TLS Web Client Authentication"), "{text}");
        assert!(
            inspect(h.issuing.to_pem().unwrap().as_bytes())
                .unwrap()
                .contains("CA:TRUE, pathlen:0")
        );
    }
}

#[test]
fn kem_certificates_for_xwing_and_mlkem() {
    for (alg, seed) in [
        (SignatureAlgorithm::MlDsa65Ed25519, 30),
        (SignatureAlgorithm::MlDsa65, 31),
    ] {
        let h = Hierarchy::new(alg, seed);
        let id = identity("user-2", "phone");
        let (sig_key, sig_cert) = h.device_signature_cert(&id);
        for (kem, oid) in [
            (KemAlgorithm::XWing, "1.3.6.1.5.5.7.6.58"),
            (KemAlgorithm::MlKem768, "2.16.840.1.101.3.4.4.2"),
        ] {
            let (dk, cert) = h.device_kem_cert(kem, &id, &sig_key, &sig_cert);
            let parsed = parse(cert.der());
            let spki = parsed.public_key();
            assert_eq!(spki.algorithm.algorithm.to_id_string(), oid);
            assert!(spki.algorithm.parameters.is_none(), "RFC 9935: absent");
            let ku = parsed.key_usage().unwrap().unwrap().value;
            assert!(ku.key_encipherment() && !ku.digital_signature());
            assert_eq!(
                san_uris(&parsed),
                ["urn:pqbank:user:user-2", "urn:pqbank:device:phone"]
            );

            let valid = h.validate(&cert, CertUsage::DeviceKem, &id).unwrap();
            let ek = valid.public_key.as_kem().unwrap();
            assert_eq!(ek.algorithm(), kem);
            let mut rng = common::rng(1);
            let (ct, ss) = ek.encapsulate(&mut rng).unwrap();
            assert_eq!(
                dk.decapsulate(&ct).unwrap().expose(),
                ss.expose(),
                "the certified key is the device's"
            );
            assert!(matches!(
                h.validate(&cert, CertUsage::DeviceSignature, &id),
                Err(PkiError::WrongUsage(_))
            ));
            assert!(inspect_cert(&cert).contains(kem.info().name));
        }
        assert!(matches!(
            h.validate(&sig_cert, CertUsage::DeviceKem, &id),
            Err(PkiError::WrongUsage(_))
        ));
    }
}

#[test]
fn validation_checks_time_identity_and_issuer() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 40);
    let id = identity("alice", "laptop");
    let (_, cert) = h.device_signature_cert(&id);
    // A CRL current for the whole life of the certificate.
    let crl = {
        let ca = CertificateAuthority::new(&h.issuing_key, h.issuing.clone()).unwrap();
        let info = CrlInfo {
            number: 1,
            this_update: NOW - time::Duration::days(2),
            next_update: NOW + time::Duration::days(200),
        };
        build_crl(&ca, &info, &[], &mut *h.rng()).unwrap()
    };
    let chain = h.chain();
    let check = |time, usage, expected: &DeviceIdentity| {
        validate_end_entity(
            cert.der(),
            &chain,
            Revocation::Crls(std::slice::from_ref(&crl)),
            time,
            usage,
            expected,
        )
    };
    let not_after = cert.not_after().unwrap();
    assert!(
        check(
            not_after - time::Duration::hours(2),
            CertUsage::DeviceSignature,
            &id
        )
        .is_ok()
    );
    assert_eq!(
        check(
            not_after + time::Duration::seconds(1),
            CertUsage::DeviceSignature,
            &id
        )
        .unwrap_err(),
        PkiError::Expired
    );
    assert_eq!(
        check(
            cert.not_before().unwrap() - time::Duration::seconds(1),
            CertUsage::DeviceSignature,
            &id
        )
        .unwrap_err(),
        PkiError::NotYetValid
    );
    assert!(matches!(
        check(
            NOW,
            CertUsage::DeviceSignature,
            &identity("mallory", "laptop")
        ),
        Err(PkiError::IdentityMismatch(_))
    ));
    assert!(matches!(
        check(
            NOW,
            CertUsage::DeviceSignature,
            &identity("alice", "tablet")
        ),
        Err(PkiError::IdentityMismatch(_))
    ));

    // A certificate from another hierarchy with the same names does not chain.
    let other = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 41);
    let (_, foreign) = other.device_signature_cert(&id);
    assert_eq!(
        validate_end_entity(
            foreign.der(),
            &chain,
            Revocation::Crls(std::slice::from_ref(&crl)),
            NOW,
            CertUsage::DeviceSignature,
            &id
        )
        .unwrap_err(),
        PkiError::BadSignature
    );
    // Nor does a chain with the issuing CA of another root.
    assert!(CaChain::new(other.issuing.clone(), h.root.clone()).is_err());
    // A CA certificate is not a device certificate.
    assert!(matches!(
        validate_end_entity(
            h.issuing.der(),
            &chain,
            Revocation::Crls(std::slice::from_ref(&crl)),
            NOW,
            CertUsage::DeviceSignature,
            &id
        ),
        Err(PkiError::WrongUsage(_)) | Err(PkiError::UnknownIssuer)
    ));
}

#[test]
fn renewal_keeps_the_identity() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65EcdsaP256, 50);
    let id = identity("bob", "phone");
    let (sig_key, cert) = h.device_signature_cert(&id);
    let current = h.validate(&cert, CertUsage::DeviceSignature, &id).unwrap();
    let ca = CertificateAuthority::new(&h.issuing_key, h.issuing.clone()).unwrap();

    let params = h.params();
    let same = renew_device_cert(&ca, &current, RenewalKey::Same, &params, &mut *h.rng()).unwrap();
    let renewed = h.validate(&same, CertUsage::DeviceSignature, &id).unwrap();
    assert_ne!(renewed.serial, current.serial);
    assert_eq!(renewed.public_key, current.public_key);

    let new_key = SigningKey::generate(h.alg, &mut *h.rng()).unwrap();
    let csr = parse_csr(
        build_csr(&new_key, "CN=ignored", &mut *h.rng())
            .unwrap()
            .der(),
    )
    .unwrap();
    let params = h.params();
    let rekeyed = renew_device_cert(
        &ca,
        &current,
        RenewalKey::NewSignatureKey(&csr),
        &params,
        &mut *h.rng(),
    )
    .unwrap();
    let rekeyed = h
        .validate(&rekeyed, CertUsage::DeviceSignature, &id)
        .unwrap();
    assert_eq!(
        rekeyed.public_key.as_signature(),
        Some(&new_key.public_key())
    );
    assert_eq!(rekeyed.identity(), id);

    // A signature certificate cannot be renewed onto a KEM key.
    let (_, kem_cert) = h.device_kem_cert(KemAlgorithm::XWing, &id, &sig_key, &cert);
    let kem_current = h.validate(&kem_cert, CertUsage::DeviceKem, &id).unwrap();
    let params = h.params();
    assert!(matches!(
        renew_device_cert(
            &ca,
            &kem_current,
            RenewalKey::NewSignatureKey(&csr),
            &params,
            &mut *h.rng()
        ),
        Err(PkiError::WrongUsage(_))
    ));
}

#[test]
fn issuance_ignores_the_csr_subject_and_extensions() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65, 60);
    let key = SigningKey::generate(h.alg, &mut *h.rng()).unwrap();
    let csr = build_csr(&key, "CN=admin,O=Evil Corp", &mut *h.rng()).unwrap();
    let verified = parse_csr(csr.der()).unwrap();
    assert_eq!(verified.csr().subject(), "CN=admin,O=Evil Corp");
    let id = identity("carol", "watch");
    let params = h.params();
    let ca = CertificateAuthority::new(&h.issuing_key, h.issuing.clone()).unwrap();
    let cert = issue_device_signature_cert(&ca, &verified, &id, &params, &mut *h.rng()).unwrap();
    assert_eq!(cert.subject(), "CN=watch,O=pqbank");
    assert_eq!(cert.issuer(), h.issuing.subject());
    assert!(!cert.is_ca());
    assert!(inspect_csr(verified.csr()).contains("id-ML-DSA-65"));

    // Validity beyond the CA's is refused.
    let mut params = h.params();
    params.validity = ValidityPeriod::days_from(NOW, 5000).unwrap();
    assert!(matches!(
        issue_device_signature_cert(&ca, &verified, &id, &params, &mut *h.rng()),
        Err(PkiError::InvalidParameter(_))
    ));
}

#[test]
fn unbound_validation_reports_the_identity_and_infers_the_usage() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 60);
    let id = identity("bob", "tablet");
    let (sig_key, sig_cert) = h.device_signature_cert(&id);
    let (_, kem_cert) = h.device_kem_cert(KemAlgorithm::XWing, &id, &sig_key, &sig_cert);
    let crl = h.crl(1, &[]);
    let chain = h.chain();
    let check = |cert: &Cert, crls: &[Crl], at| {
        validate_end_entity_unbound(cert.der(), &chain, Revocation::Crls(crls), at)
    };

    let valid = check(&sig_cert, std::slice::from_ref(&crl), NOW).unwrap();
    assert_eq!(valid.identity(), id);
    assert_eq!(valid.usage, CertUsage::DeviceSignature);
    assert!(valid.public_key.as_signature().is_some());
    let valid = check(&kem_cert, std::slice::from_ref(&crl), NOW).unwrap();
    assert_eq!(valid.usage, CertUsage::DeviceKem);
    assert_eq!(valid.identity(), id);

    // Everything but the identity is still checked: revocation, time, issuer.
    let revoked = h.crl(
        2,
        &[RevokedEntry {
            serial: sig_cert.serial().unwrap(),
            revoked_at: NOW - time::Duration::minutes(5),
            reason: RevocationReason::KeyCompromise,
        }],
    );
    assert_eq!(
        check(&sig_cert, &[revoked], NOW).unwrap_err(),
        PkiError::Revoked {
            reason: RevocationReason::KeyCompromise
        }
    );
    assert_eq!(
        check(&sig_cert, &[], NOW).unwrap_err(),
        PkiError::RevocationUnknown
    );
    assert!(check(&sig_cert, &[crl], NOW + time::Duration::days(400)).is_err());
    let other = Hierarchy::new(SignatureAlgorithm::MlDsa65Ed25519, 61);
    assert!(
        validate_end_entity_unbound(
            sig_cert.der(),
            &other.chain(),
            Revocation::Set(&RevocationSet::new()),
            NOW
        )
        .is_err()
    );
}
