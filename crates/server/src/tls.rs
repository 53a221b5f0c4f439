//! The HTTPS listener's TLS: TLS 1.3 only, aws-lc-rs provider, X25519MLKEM768 first.
//!
//! Browsers cannot validate post-quantum certificates yet, so the listener's certificate is
//! classical (ECDSA P-256), issued by a separate TLS CA kept in the data directory and exported as
//! `tls-ca.pem` for users and tests to trust. The channel's post-quantum protection comes from the
//! hybrid key exchange. Operators may bring their own certificate (`--tls-cert/--tls-key`).

use std::fs;
use std::io::Write as _;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pqbank_service::entropy::{Entropy, random_array};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SerialNumber,
};
use rustls::ServerConfig;
use rustls::crypto::aws_lc_rs::{self as provider, kx_group};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _};
use time::{Duration, OffsetDateTime};

use crate::config::TlsSource;

/// Failures preparing TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{0}")]
    Pem(String),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// No randomness.
    #[error("no randomness for certificate serials")]
    Entropy,
}

/// The material the listener serves with.
#[derive(Debug)]
pub struct TlsMaterial {
    /// rustls configuration.
    pub config: Arc<ServerConfig>,
    /// PEM of the TLS CA to trust (managed mode only).
    pub ca_pem: Option<String>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Key exchange groups in preference order: the hybrid post-quantum group first; classical
/// groups remain for clients that lack it.
pub fn crypto_provider() -> rustls::crypto::CryptoProvider {
    let mut p = provider::default_provider();
    p.kx_groups = vec![
        kx_group::X25519MLKEM768,
        kx_group::X25519,
        kx_group::SECP256R1,
    ];
    p
}

/// Builds the server's TLS configuration.
pub fn load_or_create(
    source: &TlsSource,
    data_dir: &Path,
    listen_ip: IpAddr,
    now: OffsetDateTime,
    entropy: &dyn Entropy,
) -> Result<TlsMaterial, TlsError> {
    let (chain, key, ca_pem) = match source {
        TlsSource::Files { cert, key } => {
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(|e| TlsError::Pem(format!("{}: {e}", cert.display())))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| TlsError::Pem(format!("{}: {e}", cert.display())))?;
            if chain.is_empty() {
                return Err(TlsError::Pem(format!("{}: no certificate", cert.display())));
            }
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| TlsError::Pem(format!("{}: {e}", key.display())))?;
            (chain, key, None)
        }
        TlsSource::Managed => managed(data_dir, listen_ip, now, entropy)?,
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(crypto_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        config: Arc::new(config),
        ca_pem,
    })
}

fn ca_params(now: OffsetDateTime) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "pqbank");
    dn.push(DnType::CommonName, "pqbank TLS CA");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(3650);
    Ok(params)
}

fn serial(entropy: &dyn Entropy) -> Result<SerialNumber, TlsError> {
    let mut bytes = random_array::<16>(entropy).map_err(|_| TlsError::Entropy)?;
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // and 16 bytes long
    Ok(SerialNumber::from_slice(&bytes))
}

type Managed = (
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    Option<String>,
);

/// The TLS CA lives in `DATA/tls/ca-key.pem` (0600) and `DATA/tls-ca.pem`; the leaf certificate is
/// issued afresh at every start (valid 90 days) for localhost, 127.0.0.1, ::1 and the listen IP.
fn managed(
    data_dir: &Path,
    listen_ip: IpAddr,
    now: OffsetDateTime,
    entropy: &dyn Entropy,
) -> Result<Managed, TlsError> {
    let tls_dir = data_dir.join("tls");
    create_private_dir(&tls_dir)?;
    let key_path = tls_dir.join("ca-key.pem");
    let ca_path = data_dir.join("tls-ca.pem");
    let (ca_key, ca_pem) = if key_path.exists() && ca_path.exists() {
        let key_pem = fs::read_to_string(&key_path).map_err(io_err(&key_path))?;
        let ca_pem = fs::read_to_string(&ca_path).map_err(io_err(&ca_path))?;
        (KeyPair::from_pem(&key_pem)?, ca_pem)
    } else {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = ca_params(now)?;
        params.serial_number = Some(serial(entropy)?);
        let cert = params.self_signed(&key)?;
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        fs::write(&ca_path, cert.pem()).map_err(io_err(&ca_path))?;
        tracing::info!(path = %ca_path.display(), "created the TLS CA; trust this file to verify the server");
        (key, cert.pem())
    };
    let issuer = Issuer::new(ca_params(now)?, ca_key);

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !listen_ip.is_unspecified() && !listen_ip.is_loopback() {
        names.push(listen_ip.to_string());
    }
    let mut params = CertificateParams::new(names)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "pqbank");
    dn.push(DnType::CommonName, "pqbank server");
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(90);
    params.serial_number = Some(serial(entropy)?);
    params.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let leaf = params.signed_by(&leaf_key, &issuer)?;

    let ca_der = CertificateDer::from_pem_slice(ca_pem.as_bytes())
        .map_err(|e| TlsError::Pem(format!("tls-ca.pem: {e}")))?;
    let chain = vec![leaf.der().clone(), ca_der];
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| TlsError::Pem(e.to_owned()))?;
    Ok((chain, key, Some(ca_pem)))
}

/// Creates `dir` (and parents) with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    use std::os::unix::fs::DirBuilderExt as _;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))
}

/// Writes a secret file with mode 0600 (created new or truncated).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}
