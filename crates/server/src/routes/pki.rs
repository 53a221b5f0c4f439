//! Public PKI endpoints: the CA certificates and the current CRL.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::problem::{ApiError, Problem};

fn with_type(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// The issuing CA certificate followed by the root CA certificate (PEM).
#[utoipa::path(get, path = "/pki/ca.pem", tag = "pki",
    responses((status = 200, description = "Issuing CA and root CA", body = String, content_type = "application/pem-certificate-chain")))]
pub async fn ca_pem(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(with_type(
        state.bank.ca_chain_pem()?,
        "application/pem-certificate-chain",
    ))
}

/// The issuing CA's current CRL (DER).
#[utoipa::path(get, path = "/pki/crl.der", tag = "pki",
    responses((status = 200, description = "CRL", body = Vec<u8>, content_type = "application/pkix-crl"),
              (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json")))]
pub async fn crl_der(State(state): State<AppState>) -> Result<Response, ApiError> {
    let crl = state.bank.current_crl().await?;
    Ok(with_type(crl.der().to_vec(), "application/pkix-crl"))
}

/// The issuing CA's current CRL (PEM).
#[utoipa::path(get, path = "/pki/crl.pem", tag = "pki",
    responses((status = 200, description = "CRL", body = String, content_type = "application/x-pem-file"),
              (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json")))]
pub async fn crl_pem(State(state): State<AppState>) -> Result<Response, ApiError> {
    let crl = state.bank.current_crl().await?;
    let pem = crl
        .to_pem()
        .map_err(pqbank_service::ServiceError::Certificate)?;
    Ok(with_type(pem, "application/x-pem-file"))
}

/// One CA certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaCertInfo {
    /// Signature algorithm registry id, e.g. `mldsa65-ed25519`.
    pub algorithm: String,
    /// Subject (RFC 4514).
    pub subject: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

/// The CA hierarchy.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaOverview {
    /// The root CA.
    pub root: CaCertInfo,
    /// The issuing CA that signs new certificates.
    pub issuing: CaCertInfo,
    /// Issuing CAs whose certificates still validate (including the active one).
    pub issuing_cas: usize,
}

impl From<pqbank_service::ca::CaInfo> for CaCertInfo {
    fn from(c: pqbank_service::ca::CaInfo) -> Self {
        Self {
            algorithm: c.algorithm,
            subject: c.subject,
            serial: c.serial,
            not_before: c.not_before,
            not_after: c.not_after,
        }
    }
}

/// Algorithms, subjects, serials and validity of the root and issuing CA.
#[utoipa::path(get, path = "/api/v1/pki/ca", tag = "pki",
    responses((status = 200, description = "The CA hierarchy", body = CaOverview)))]
pub async fn ca_info(State(state): State<AppState>) -> Result<Json<CaOverview>, ApiError> {
    let s = state.bank.ca_summary()?;
    Ok(Json(CaOverview {
        root: s.root.into(),
        issuing: s.issuing.into(),
        issuing_cas: s.issuing_count,
    }))
}
