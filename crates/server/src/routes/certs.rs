//! Certificate lifecycle API: request (device signature key from a CSR, or a KEM key from a
//! request signed by the session's device key), list, read (JSON or PEM), renew, revoke.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use pqbank_domain::{CertificateSerial, UserId};
use pqbank_service::ServiceError;
use pqbank_service::identity::{CertificateRequest, Principal, decode_b64};
use pqbank_store::{CertKind, CertRecord, CertStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::problem::{ApiError, Problem};
use crate::routes::extract::{Id, parse_query_id};
use crate::routes::rfc3339;

fn pem_of(der: &[u8]) -> Result<String, ApiError> {
    Ok(pqbank_pki::Cert::from_der(der)
        .and_then(|c| c.to_pem())
        .map_err(ServiceError::Certificate)?)
}

/// A certificate as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDto {
    /// Serial (hex).
    pub serial: String,
    /// Owner.
    pub user_id: String,
    /// Device.
    pub device_id: String,
    /// `signature` or `kem`.
    pub usage: String,
    /// `valid` or `revoked`.
    pub status: String,
    /// Serial of the certificate that renewed this one.
    pub superseded_by: Option<String>,
    /// End of validity.
    pub not_after: String,
    /// Issue time.
    pub created_at: String,
    /// The certificate (PEM).
    pub pem: String,
}

fn dto(c: CertRecord) -> Result<CertificateDto, ApiError> {
    Ok(CertificateDto {
        pem: pem_of(&c.cert_der)?,
        serial: c.serial,
        user_id: c.user_id,
        device_id: c.device_id,
        usage: c.usage.as_str().to_owned(),
        status: c.status.as_str().to_owned(),
        superseded_by: c.superseded_by,
        not_after: rfc3339(c.not_after),
        created_at: rfc3339(c.created_at),
    })
}

/// A certificate request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequestBody {
    /// `signature` (CSR for one of your devices) or `kem` (signed KEM request of this device).
    pub kind: String,
    /// For `signature`: the device.
    pub device_id: Option<String>,
    /// For `signature`: PKCS#10 CSR (PEM).
    pub csr_pem: Option<String>,
    /// For `kem`: the signed KEM certificate request (DER, standard base64).
    pub signed_request: Option<String>,
}

/// A newly issued certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedDto {
    /// Serial (hex).
    pub serial: String,
    /// End of validity.
    pub not_after: String,
    /// The certificate (PEM).
    pub pem: String,
}

fn invalid(msg: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", msg)
}

fn issued(i: pqbank_service::ca::IssuedCert) -> Result<IssuedDto, ApiError> {
    Ok(IssuedDto {
        pem: i.cert.to_pem().map_err(ServiceError::Certificate)?,
        serial: i.serial,
        not_after: rfc3339(i.not_after),
    })
}

/// Requests a certificate for one of the caller's devices.
#[utoipa::path(post, path = "/api/v1/certificates", tag = "certificates", request_body = CertificateRequestBody,
    responses((status = 201, body = IssuedDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Json<CertificateRequestBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<IssuedDto>), ApiError> {
    let Json(b) = body?;
    let req = match b.kind.as_str() {
        "signature" => CertificateRequest::Signature {
            device_id: b
                .device_id
                .ok_or_else(|| invalid("device_id is required"))?,
            csr: b
                .csr_pem
                .ok_or_else(|| invalid("csr_pem is required"))?
                .into_bytes(),
        },
        "kem" => CertificateRequest::Kem {
            signed_request: decode_b64(
                &b.signed_request
                    .ok_or_else(|| invalid("signed_request is required"))?,
            )?,
        },
        _ => return Err(invalid("kind must be signature or kem")),
    };
    let i = state.bank.request_certificate(&p, req).await?;
    Ok((StatusCode::CREATED, Json(issued(i)?)))
}

/// Whose certificates.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// User id (default: the caller).
    pub user_id: Option<String>,
    /// Admins: every user's certificates (then `status`, `usage`, `after`, `limit` filter).
    pub all: Option<bool>,
    /// `valid` or `revoked`.
    pub status: Option<String>,
    /// `signature` or `kem`.
    pub usage: Option<String>,
    /// Continue after this serial.
    pub after: Option<String>,
    /// Page size (at most 100).
    pub limit: Option<u32>,
}

/// Certificates of a user (own; admins and clerks for others).
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates", params(ListQuery),
    responses((status = 200, body = Vec<CertificateDto>), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<CertificateDto>>, ApiError> {
    let certs = if q.all == Some(true) {
        let status = match q.status.as_deref() {
            None => None,
            Some("valid") => Some(CertStatus::Valid),
            Some("revoked") => Some(CertStatus::Revoked),
            Some(_) => return Err(invalid("status must be valid or revoked")),
        };
        let usage = match q.usage.as_deref() {
            None => None,
            Some("signature") => Some(CertKind::Signature),
            Some("kem") => Some(CertKind::Kem),
            Some(_) => return Err(invalid("usage must be signature or kem")),
        };
        state
            .bank
            .search_certificates(
                &p,
                status,
                usage,
                parse_query_id::<CertificateSerial>("after", q.after.as_deref())?
                    .map(|s| s.to_string())
                    .as_deref(),
                q.limit.unwrap_or(100),
            )
            .await?
    } else {
        let user = parse_query_id::<UserId>("user_id", q.user_id.as_deref())?
            .map_or_else(|| p.user_id.clone(), |u| u.to_string());
        state.bank.certificates_of(&p, &user).await?
    };
    Ok(Json(certs.into_iter().map(dto).collect::<Result<_, _>>()?))
}

/// One certificate: JSON, or PEM with `Accept: application/pem-certificate-chain`.
#[utoipa::path(get, path = "/api/v1/certificates/{serial}", tag = "certificates",
    params(("serial" = String, Path, description = "Serial (lower-case hex of 8 to 20 bytes)")),
    responses((status = 200, body = CertificateDto), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(serial): Id<CertificateSerial>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let c = state.bank.certificate(&p, &serial.to_string()).await?;
    let wants_pem = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("pem"));
    if wants_pem {
        let mut r = pem_of(&c.cert_der)?.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pem-certificate-chain"),
        );
        return Ok(r);
    }
    Ok(Json(dto(c)?).into_response())
}

/// Renewal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    /// A CSR for a new key (signature certificates); omitted: the same key.
    pub csr_pem: Option<String>,
}

/// Renews a certificate (same or new key); the old one is marked superseded.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/renew", tag = "certificates", request_body = RenewBody,
    params(("serial" = String, Path, description = "Serial (lower-case hex of 8 to 20 bytes)")),
    responses((status = 201, body = IssuedDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn renew(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(serial): Id<CertificateSerial>,
    body: Result<Json<RenewBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<IssuedDto>), ApiError> {
    let Json(b) = body?;
    let i = state
        .bank
        .renew_certificate(
            &p,
            &serial.to_string(),
            b.csr_pem.as_deref().map(str::as_bytes),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(issued(i)?)))
}

/// Revocation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// RFC 5280 reason code (0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded,
    /// 5 cessationOfOperation, ...).
    pub reason: u8,
}

/// Revokes a certificate (own, or any for admins); a new CRL is signed.
#[utoipa::path(post, path = "/api/v1/certificates/{serial}/revoke", tag = "certificates", request_body = RevokeBody,
    params(("serial" = String, Path, description = "Serial (lower-case hex of 8 to 20 bytes)")),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(serial): Id<CertificateSerial>,
    body: Result<Json<RevokeBody>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body?;
    state
        .bank
        .revoke_certificate_as(&p, &serial.to_string(), b.reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
