//! Human-readable dumps of certificates, CRLs and CSRs, in the spirit of `openssl x509 -text`,
//! naming the post-quantum and composite algorithms (which OpenSSL prints as bare OIDs).
//!
//! Only parsing happens here: nothing is verified.

use der::asn1::ObjectIdentifier;
use der::oid::AssociatedOid;
use der::{Decode, Encode};
use pqbank_crypto::registry;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, CrlNumber, CrlReason,
    ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::time::Time;

use crate::PkiError;
use crate::cert::Cert;
use crate::crl::{Crl, RevocationReason};
use crate::csr::Csr;
use crate::encoding::is_pem;
use crate::validity::{display, from_x509_time};

/// Names of OIDs the registry does not list (key types, other ML-DSA / ML-KEM sets, EKUs).
const EXTRA_NAMES: &[(&str, &str)] = &[
    ("1.2.840.10045.2.1", "id-ecPublicKey"),
    ("1.2.840.113549.1.1.1", "rsaEncryption"),
    ("1.3.6.1.4.1.62253.25722", "id-XWing"),
    ("2.16.840.1.101.3.4.3.17", "id-ML-DSA-44"),
    ("2.16.840.1.101.3.4.3.19", "id-ML-DSA-87"),
    ("2.16.840.1.101.3.4.4.1", "id-alg-ml-kem-512"),
    ("2.16.840.1.101.3.4.4.3", "id-alg-ml-kem-1024"),
    ("1.3.6.1.5.5.7.3.1", "TLS Web Server Authentication"),
    ("1.3.6.1.5.5.7.3.2", "TLS Web Client Authentication"),
    ("1.3.6.1.5.5.7.3.4", "E-mail Protection"),
    ("1.2.840.113549.1.9.14", "extensionRequest"),
];

/// Component sizes printed for hybrid keys: (OID, first component, its length, second).
const COMPONENTS: &[(&str, &str, usize, &str)] = &[
    ("1.3.6.1.5.5.7.6.48", "ML-DSA-65", 1952, "Ed25519"),
    ("1.3.6.1.5.5.7.6.45", "ML-DSA-65", 1952, "ECDSA P-256"),
    ("1.3.6.1.5.5.7.6.41", "ML-DSA-65", 1952, "RSA-3072"),
    ("1.3.6.1.5.5.7.6.58", "ML-KEM-768", 1184, "X25519"),
    ("1.3.6.1.4.1.62253.25722", "ML-KEM-768", 1184, "X25519"),
];

/// Describes a certificate, CRL or CSR given as PEM or DER (tried in that order for DER).
///
/// # Errors
/// [`PkiError::Malformed`] / [`PkiError::TooLarge`] if it is none of them.
pub fn inspect(input: &[u8]) -> Result<String, PkiError> {
    if is_pem(input) {
        let text = core::str::from_utf8(input).map_err(|_| PkiError::Malformed("PEM"))?;
        if text.contains("-----BEGIN X509 CRL-----") {
            return Ok(inspect_crl(&Crl::from_pem(text)?));
        }
        if text.contains("-----BEGIN CERTIFICATE REQUEST-----") {
            return Ok(inspect_csr(&Csr::parse(input)?));
        }
        return Ok(inspect_cert(&Cert::from_pem(text)?));
    }
    if let Ok(cert) = Cert::from_der(input) {
        return Ok(inspect_cert(&cert));
    }
    if let Ok(crl) = Crl::from_der(input) {
        return Ok(inspect_crl(&crl));
    }
    Ok(inspect_csr(&Csr::from_der(input)?))
}

/// Describes a certificate.
#[must_use]
pub fn inspect_cert(cert: &Cert) -> String {
    let tbs = cert.x509().tbs_certificate();
    let mut t = Text::default();
    t.line(0, "Certificate:");
    t.line(1, "Data:");
    let version = tbs.version() as u8;
    t.line(2, &format!("Version: {} (0x{version:x})", version + 1));
    t.line(2, "Serial Number:");
    t.line(3, &colon_hex(tbs.serial_number().as_bytes()));
    t.line(
        2,
        &format!("Signature Algorithm: {}", algorithm(tbs.signature())),
    );
    t.line(2, &format!("Issuer: {}", tbs.issuer()));
    t.line(2, "Validity");
    t.line(
        3,
        &format!("Not Before: {}", time(&tbs.validity().not_before)),
    );
    t.line(
        3,
        &format!("Not After : {}", time(&tbs.validity().not_after)),
    );
    t.line(2, &format!("Subject: {}", tbs.subject()));
    public_key(&mut t, 2, tbs.subject_public_key_info());
    extensions(&mut t, 2, "X509v3 extensions:", tbs.extensions());
    signature(
        &mut t,
        cert.x509().signature_algorithm(),
        cert.x509().signature().raw_bytes(),
    );
    t.0
}

/// Describes a CRL.
#[must_use]
pub fn inspect_crl(crl: &Crl) -> String {
    let list = &crl.x509().tbs_cert_list;
    let mut t = Text::default();
    t.line(0, "Certificate Revocation List (CRL):");
    let version = list.version as u8;
    t.line(2, &format!("Version {} (0x{version:x})", version + 1));
    t.line(
        2,
        &format!("Signature Algorithm: {}", algorithm(&list.signature)),
    );
    t.line(2, &format!("Issuer: {}", list.issuer));
    t.line(2, &format!("Last Update: {}", time(&list.this_update)));
    match &list.next_update {
        Some(next) => t.line(2, &format!("Next Update: {}", time(next))),
        None => t.line(2, "Next Update: NONE"),
    }
    extensions(&mut t, 2, "CRL extensions:", list.crl_extensions.as_ref());
    match &list.revoked_certificates {
        Some(revoked) if !revoked.is_empty() => {
            t.line(0, &format!("Revoked Certificates: {}", revoked.len()));
            for entry in revoked {
                t.line(
                    1,
                    &format!(
                        "Serial Number: {}",
                        hex::encode(entry.serial_number.as_bytes())
                    ),
                );
                t.line(
                    2,
                    &format!("Revocation Date: {}", time(&entry.revocation_date)),
                );
                for ext in entry.crl_entry_extensions.iter().flatten() {
                    if ext.extn_id == CrlReason::OID {
                        let reason = CrlReason::from_der(ext.extn_value.as_bytes())
                            .ok()
                            .and_then(|r| u8::try_from(r as u32).ok())
                            .and_then(|code| RevocationReason::from_code(code).ok())
                            .map_or("<undecodable>", RevocationReason::name);
                        t.line(2, "CRL entry extensions:");
                        t.line(3, "X509v3 CRL Reason Code:");
                        t.line(4, reason);
                    } else {
                        t.line(
                            3,
                            &format!("{}: {} bytes", oid_name(&ext.extn_id), ext.extn_value.len()),
                        );
                    }
                }
            }
        }
        _ => t.line(0, "No Revoked Certificates."),
    }
    signature(
        &mut t,
        &crl.x509().signature_algorithm,
        crl.x509().signature.raw_bytes(),
    );
    t.0
}

/// Describes a CSR (without checking its signature).
#[must_use]
pub fn inspect_csr(csr: &Csr) -> String {
    let req = csr.x509();
    let mut t = Text::default();
    t.line(0, "Certificate Request:");
    t.line(1, "Data:");
    t.line(2, "Version: 1 (0x0)");
    t.line(2, &format!("Subject: {}", req.info.subject));
    public_key(&mut t, 2, &req.info.public_key);
    t.line(2, "Attributes:");
    if req.info.attributes.is_empty() {
        t.line(3, "(none)");
    }
    for attr in req.info.attributes.iter() {
        t.line(
            3,
            &format!("{}: {} value(s)", oid_name(&attr.oid), attr.values.len()),
        );
    }
    signature(&mut t, &req.algorithm, req.signature.raw_bytes());
    t.0
}

/// Indented lines (four spaces per level).
#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.0.push_str("    ");
        }
        self.0.push_str(text);
        self.0.push('\n');
    }
}

fn oid_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    let name = registry::by_oid(&dotted)
        .map(|info| info.name)
        .or_else(|| {
            EXTRA_NAMES
                .iter()
                .find(|(o, _)| *o == dotted)
                .map(|(_, name)| *name)
        })
        .or_else(|| extension_name(oid));
    match name {
        Some(name) => format!("{name} ({dotted})"),
        None => dotted,
    }
}

fn algorithm(id: &AlgorithmIdentifierOwned) -> String {
    match &id.parameters {
        None => oid_name(&id.oid),
        Some(params) => format!(
            "{} with parameters {}",
            oid_name(&id.oid),
            params.to_der().map(hex::encode).unwrap_or_default()
        ),
    }
}

fn time(t: &Time) -> String {
    from_x509_time(t).map_or_else(|_| t.to_string(), display)
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn public_key(t: &mut Text, indent: usize, spki: &SubjectPublicKeyInfoOwned) {
    t.line(indent, "Subject Public Key Info:");
    t.line(
        indent + 1,
        &format!("Public Key Algorithm: {}", algorithm(&spki.algorithm)),
    );
    let key = spki.subject_public_key.raw_bytes();
    let dotted = spki.algorithm.oid.to_string();
    let detail = COMPONENTS
        .iter()
        .find(|(oid, ..)| *oid == dotted)
        .and_then(|(_, first, len, second)| {
            let rest = key.len().checked_sub(*len)?;
            Some(format!(
                " = {first} ({len} bytes) + {second} ({rest} bytes)"
            ))
        })
        .unwrap_or_default();
    t.line(
        indent + 1,
        &format!("Public-Key: {} bytes{detail}", key.len()),
    );
    let head: Vec<u8> = key.iter().take(16).copied().collect();
    t.line(indent + 1, &format!("{}:...", colon_hex(&head)));
}

fn signature(t: &mut Text, alg: &AlgorithmIdentifierOwned, sig: &[u8]) {
    t.line(0, &format!("Signature Algorithm: {}", algorithm(alg)));
    t.line(0, &format!("Signature Value: {} bytes", sig.len()));
    let head: Vec<u8> = sig.iter().take(16).copied().collect();
    t.line(1, &format!("{}:...", colon_hex(&head)));
}

fn extension_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match *oid {
        BasicConstraints::OID => "X509v3 Basic Constraints",
        KeyUsage::OID => "X509v3 Key Usage",
        ExtendedKeyUsage::OID => "X509v3 Extended Key Usage",
        SubjectAltName::OID => "X509v3 Subject Alternative Name",
        SubjectKeyIdentifier::OID => "X509v3 Subject Key Identifier",
        AuthorityKeyIdentifier::OID => "X509v3 Authority Key Identifier",
        CrlDistributionPoints::OID => "X509v3 CRL Distribution Points",
        CrlNumber::OID => "X509v3 CRL Number",
        CrlReason::OID => "X509v3 CRL Reason Code",
        _ => return None,
    })
}

fn extensions(t: &mut Text, indent: usize, title: &str, exts: Option<&Vec<Extension>>) {
    let Some(exts) = exts.filter(|e| !e.is_empty()) else {
        return;
    };
    t.line(indent, title);
    for ext in exts {
        let name =
            extension_name(&ext.extn_id).map_or_else(|| ext.extn_id.to_string(), str::to_owned);
        let critical = if ext.critical { " critical" } else { "" };
        t.line(indent + 1, &format!("{name}:{critical}"));
        let value = describe_extension(ext)
            .unwrap_or_else(|| format!("<{} bytes, not decoded>", ext.extn_value.len()));
        for line in value.lines() {
            t.line(indent + 2, line);
        }
    }
}

/// The decoded value of a known extension; `None` for unknown or undecodable ones.
fn describe_extension(ext: &Extension) -> Option<String> {
    let value = ext.extn_value.as_bytes();
    Some(match ext.extn_id {
        BasicConstraints::OID => {
            let bc = BasicConstraints::from_der(value).ok()?;
            match (bc.ca, bc.path_len_constraint) {
                (true, Some(len)) => format!("CA:TRUE, pathlen:{len}"),
                (true, None) => "CA:TRUE".to_owned(),
                (false, _) => "CA:FALSE".to_owned(),
            }
        }
        KeyUsage::OID => {
            let ku = KeyUsage::from_der(value).ok()?;
            let names = [
                (KeyUsages::DigitalSignature, "Digital Signature"),
                (KeyUsages::NonRepudiation, "Non Repudiation"),
                (KeyUsages::KeyEncipherment, "Key Encipherment"),
                (KeyUsages::DataEncipherment, "Data Encipherment"),
                (KeyUsages::KeyAgreement, "Key Agreement"),
                (KeyUsages::KeyCertSign, "Certificate Sign"),
                (KeyUsages::CRLSign, "CRL Sign"),
                (KeyUsages::EncipherOnly, "Encipher Only"),
                (KeyUsages::DecipherOnly, "Decipher Only"),
            ];
            names
                .iter()
                .filter(|(flag, _)| ku.0.contains(*flag))
                .map(|(_, name)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        }
        ExtendedKeyUsage::OID => ExtendedKeyUsage::from_der(value)
            .ok()?
            .0
            .iter()
            .map(oid_name)
            .collect::<Vec<_>>()
            .join(", "),
        SubjectAltName::OID => general_names(&SubjectAltName::from_der(value).ok()?.0),
        SubjectKeyIdentifier::OID => {
            colon_hex(SubjectKeyIdentifier::from_der(value).ok()?.0.as_bytes())
        }
        AuthorityKeyIdentifier::OID => {
            let aki = AuthorityKeyIdentifier::from_der(value).ok()?;
            match aki.key_identifier {
                Some(id) => format!("keyid:{}", colon_hex(id.as_bytes())),
                None => "(no key identifier)".to_owned(),
            }
        }
        CrlDistributionPoints::OID => CrlDistributionPoints::from_der(value)
            .ok()?
            .0
            .iter()
            .map(distribution_point)
            .collect::<Vec<_>>()
            .join("\n"),
        CrlNumber::OID => {
            let number = CrlNumber::from_der(value).ok()?;
            let bytes = number.0.as_bytes();
            if bytes.len() <= 16 {
                let mut buf = [0u8; 16];
                buf[16 - bytes.len()..].copy_from_slice(bytes);
                u128::from_be_bytes(buf).to_string()
            } else {
                colon_hex(bytes)
            }
        }
        _ => return None,
    })
}

fn distribution_point(dp: &DistributionPoint) -> String {
    match &dp.distribution_point {
        Some(DistributionPointName::FullName(names)) => {
            format!("Full Name:\n    {}", general_names(names))
        }
        Some(DistributionPointName::NameRelativeToCRLIssuer(rdn)) => {
            format!("Relative Name: {rdn}")
        }
        None => "(no name)".to_owned(),
    }
}

fn general_names(names: &[GeneralName]) -> String {
    names
        .iter()
        .map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => format!("URI:{uri}"),
            GeneralName::DnsName(dns) => format!("DNS:{dns}"),
            GeneralName::Rfc822Name(email) => format!("email:{email}"),
            GeneralName::DirectoryName(dn) => format!("DirName:{dn}"),
            GeneralName::IpAddress(ip) => format!("IP:{}", hex::encode(ip.as_bytes())),
            GeneralName::RegisteredId(oid) => format!("RID:{oid}"),
            GeneralName::OtherName(other) => format!("othername:{}", other.type_id),
            GeneralName::EdiPartyName(_) => "EdiPartyName".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
