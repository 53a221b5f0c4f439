//! pqbank-client: a typed HTTPS client for the pqbank API. TLS 1.3 with X25519MLKEM768 preferred,
//! trusting an explicit CA (the server's `tls-ca.pem`).

pub mod auth;
pub mod ledger;

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::aws_lc_rs::{self as provider, kx_group};
use rustls_pki_types::{CertificateDer, pem::PemObject as _};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Client errors.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The CA file holds no certificate.
    #[error("invalid CA certificate: {0}")]
    Ca(String),
    /// TLS configuration failed.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// Network or HTTP failure.
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// A local cryptographic or encoding failure.
    #[error("crypto: {0}")]
    Crypto(String),
    /// The server answered with a problem document.
    #[error("{status} {code}: {detail}")]
    Problem {
        /// HTTP status.
        status: u16,
        /// Stable code.
        code: String,
        /// Explanation.
        detail: String,
    },
}

/// An RFC 9457 problem as clients see it.
#[derive(Debug, Clone, Deserialize)]
pub struct Problem {
    /// Status.
    pub status: u16,
    /// Stable code.
    pub code: String,
    /// Explanation.
    #[serde(default)]
    pub detail: Option<String>,
    /// Request id.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// Liveness.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    /// "ok".
    pub status: String,
    /// Server version.
    pub version: String,
}

/// Readiness.
#[derive(Debug, Clone, Deserialize)]
pub struct Ready {
    /// "ok".
    pub status: String,
    /// Database backend.
    pub database: String,
}

/// A rustls client configuration that trusts `ca_pem` and prefers X25519MLKEM768.
pub fn tls_config(ca_pem: &str) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    let mut any = false;
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| ClientError::Ca(e.to_string()))?;
        roots.add(cert)?;
        any = true;
    }
    if !any {
        return Err(ClientError::Ca("no certificate in PEM".into()));
    }
    let mut p = provider::default_provider();
    p.kx_groups = vec![
        kx_group::X25519MLKEM768,
        kx_group::X25519,
        kx_group::SECP256R1,
    ];
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(p))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A reqwest client over [`tls_config`].
pub fn http_client(ca_pem: &str) -> Result<reqwest::Client, ClientError> {
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls_config(ca_pem)?)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// The typed client.
#[derive(Debug, Clone)]
pub struct PqbankClient {
    base: String,
    http: reqwest::Client,
}

impl PqbankClient {
    /// A client for `base_url` (e.g. `https://127.0.0.1:8443`) trusting `ca_pem`.
    pub fn new(base_url: &str, ca_pem: &str) -> Result<Self, ClientError> {
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http: http_client(ca_pem)?,
        })
    }

    /// A client for `base_url` over a prepared HTTP client (e.g. one bound to a local address
    /// with [`reqwest::ClientBuilder::local_address`]; it must trust the server's CA).
    pub fn with_http(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// The underlying HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let response = self.http.get(self.url(path)).send().await?;
        decode(response).await
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get_json("/healthz").await
    }

    /// `GET /readyz`.
    pub async fn ready(&self) -> Result<Ready, ClientError> {
        self.get_json("/readyz").await
    }
}

/// Decodes a JSON answer, turning problem documents into [`ClientError::Problem`].
pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response.json().await?);
    }
    let bytes = response.bytes().await?;
    match serde_json::from_slice::<Problem>(&bytes) {
        Ok(p) => Err(ClientError::Problem {
            status: p.status,
            code: p.code,
            detail: p.detail.unwrap_or_default(),
        }),
        Err(_) => Err(ClientError::Problem {
            status: status.as_u16(),
            code: "unexpected_response".into(),
            detail: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
        }),
    }
}
