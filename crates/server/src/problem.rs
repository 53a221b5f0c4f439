//! RFC 9457 problem details: the one place where errors become HTTP responses.
//!
//! Handlers return [`ApiError`]; its `IntoResponse` stores a [`Problem`] in the response's
//! extensions. The [`crate::middleware::problem_layer`] then renders every error response (also
//! those made by axum or tower-http, such as 404, 405, 408, 413) as `application/problem+json` with
//! a stable `code` and the request id. Internal details are logged, never shown.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pqbank_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI naming the problem type (`urn:pqbank:problem:<code>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code (snake_case). Clients switch on this.
    pub code: String,
    /// The request's `x-request-id`, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

impl Problem {
    /// A problem of `status` with `code`.
    pub fn new(status: StatusCode, code: &str, detail: Option<String>) -> Self {
        Self {
            type_uri: format!("urn:pqbank:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            request_id: None,
            instance: None,
        }
    }

    /// The default problem for a bare error status (used for responses axum or tower made).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "The request could not be understood."),
            StatusCode::UNAUTHORIZED => ("unauthorized", "Authentication is required."),
            StatusCode::FORBIDDEN => ("forbidden", "You may not do this."),
            StatusCode::NOT_FOUND => ("not_found", "No such resource."),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "This method is not allowed here; see the Allow header.",
            ),
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "The request took too long."),
            StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload_too_large", "The request body exceeds the limit.")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "Unsupported content type.")
            }
            StatusCode::UNPROCESSABLE_ENTITY => (
                "invalid_body",
                "The request body is not valid for this operation.",
            ),
            StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "Too many requests; slow down."),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                ("headers_too_large", "The request headers exceed the limit.")
            }
            StatusCode::SERVICE_UNAVAILABLE => (
                "service_unavailable",
                "The service is temporarily unavailable.",
            ),
            s if s.is_server_error() => (
                "internal_error",
                "An internal error occurred. It has been logged.",
            ),
            _ => ("error", "The request failed."),
        };
        Self::new(status, code, Some(detail.to_owned()))
    }
}

/// Errors handlers return. One mapping to HTTP, here.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem to send as is.
    #[error("{0:?}")]
    Problem(Box<Problem>),
    /// A use case failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ApiError {
    /// A problem with status, code and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self::Problem(Box::new(Problem::new(status, code, Some(detail.into()))))
    }

    /// 404 `not_found`.
    pub fn not_found() -> Self {
        Self::Problem(Box::new(Problem::for_status(StatusCode::NOT_FOUND)))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Expected Content-Type: application/json.",
            ),
            JsonRejection::JsonSyntaxError(e) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("Malformed JSON: {}", e.body_text()),
            ),
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.body_text(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::Problem(Box::new(Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE)))
            }
            other => ApiError::new(other.status(), "bad_request", other.body_text()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Problem(p) => *p,
            ApiError::Service(e) => service_problem(e),
        };
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(problem);
        response
    }
}

/// The problem a use case's error becomes (also the per-item results of batch requests).
/// Internal errors are logged here and shown only as `internal_error`.
pub fn service_problem(e: ServiceError) -> Problem {
    match e {
        ServiceError::Invalid(m) => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", Some(m))
        }
        ServiceError::NotFound => Problem::for_status(StatusCode::NOT_FOUND),
        ServiceError::Refused { code, detail } => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, Some(detail))
        }
        ServiceError::ConflictWith { code, detail } => {
            Problem::new(StatusCode::CONFLICT, code, Some(detail))
        }
        ServiceError::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", Some(m)),
        ServiceError::Certificate(e) => certificate_problem(&e),
        ServiceError::Unauthorized(f) => Problem::new(
            if f.is_forbidden() {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNAUTHORIZED
            },
            f.code(),
            Some(auth_detail(f).to_owned()),
        ),
        ServiceError::Forbidden(code) => Problem::new(
            StatusCode::FORBIDDEN,
            code,
            Some("You may not do this.".to_owned()),
        ),
        ServiceError::Locked { until } => Problem::new(
            StatusCode::LOCKED,
            "account_locked",
            Some(format!(
                "Too many failed logins. Try again after {}.",
                until
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            )),
        ),
        ServiceError::RateLimited => Problem::for_status(StatusCode::TOO_MANY_REQUESTS),
        ServiceError::Unavailable(inner) => {
            tracing::warn!(error = %inner, "database unavailable");
            Problem::for_status(StatusCode::SERVICE_UNAVAILABLE)
        }
        ServiceError::Internal(inner) => {
            tracing::error!(error = %inner, "internal error");
            Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

fn auth_detail(f: pqbank_service::identity::AuthFailure) -> &'static str {
    use pqbank_service::identity::AuthFailure as F;
    match f {
        F::InvalidCredentials => "Wrong username or password.",
        F::InvalidChallenge => {
            "The login challenge is unknown or does not match; request a new one."
        }
        F::ChallengeExpired => "The login challenge expired; request a new one.",
        F::ChallengeReused => "The login challenge was already used; request a new one.",
        F::BadDeviceSignature => "The device signature does not verify.",
        F::DeviceRevoked => "This device's certificate has been revoked.",
        F::DeviceNotBound | F::UnknownCertificate => "This device is not bound to the account.",
        F::ActivationRequired => "The account must be activated first.",
        F::AccountDisabled => "The account is disabled.",
        F::SessionInvalid => "Sign in first.",
        F::SessionExpired => "The session expired; sign in again.",
        F::MacRequired => "State-changing requests need a request MAC.",
        F::MacInvalid => "The request MAC is invalid.",
        F::MacReplayed => "This request was already received.",
    }
}

/// Certificate refusals: 422 with a code per reason; the message names no key material.
fn certificate_problem(e: &pqbank_pki::PkiError) -> Problem {
    use pqbank_pki::PkiError as E;
    let code = match e {
        E::Malformed(_) | E::TooLarge(_) => "certificate_malformed",
        E::UnsupportedAlgorithm(_) => "unsupported_algorithm",
        E::BadProofOfPossession | E::BadSignature => "bad_signature",
        E::Expired | E::NotYetValid => "certificate_expired",
        E::Revoked { .. } => "certificate_revoked",
        E::RevocationUnknown | E::CrlExpired => "revocation_unknown",
        E::UnknownIssuer => "unknown_issuer",
        E::WrongUsage(_) => "wrong_usage",
        E::IdentityMismatch(_) => "identity_mismatch",
        E::StaleRequest => "stale_request",
        E::InvalidParameter(_) | E::InvalidPath(_) => "certificate_invalid",
        E::Internal(_) | _ => {
            tracing::error!(error = %e, "PKI internal error");
            return Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR);
        }
    };
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, Some(e.to_string()))
}
