//! Cross-cutting HTTP layers: request ids, problem rendering, security headers, metrics.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pqbank_service::entropy::{Entropy, random_array};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::metrics::Metrics;
use crate::problem::{PROBLEM_JSON, Problem};

/// The request id header.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id accepted from a client.
const MAX_REQUEST_ID: usize = 128;

/// Makes request ids from the injected entropy; keeps a client's id only when it is short and
/// made of safe characters (it ends up in logs).
#[derive(Debug, Clone)]
pub struct RequestIds(pub Arc<dyn Entropy>);

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _request: &http::Request<B>) -> Option<RequestId> {
        let bytes = random_array::<16>(self.0.as_ref()).ok()?;
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        HeaderValue::from_str(&id.to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// Drops a client-supplied request id that is too long or has unsafe characters, so the
/// request-id layer generates a fresh one.
pub async fn sanitize_request_id(mut req: Request, next: Next) -> Response {
    let bad = req.headers().get(&X_REQUEST_ID).is_some_and(|v| {
        let b = v.as_bytes();
        b.is_empty()
            || b.len() > MAX_REQUEST_ID
            || !b
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    });
    if bad {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    next.run(req).await
}

/// Refuses a URL whose path or query encodes a NUL character (`%00`): no identifier, cursor or
/// filter of the bank contains one, and PostgreSQL cannot even compare text with one. 400
/// `invalid_url`, the same on every route and database, before anything reads the URL.
pub async fn reject_nul_in_url(req: Request, next: Next) -> Response {
    if url_encodes_nul(req.uri()) {
        return crate::problem::ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_url",
            "The URL contains an encoded NUL character (%00).",
        )
        .into_response();
    }
    next.run(req).await
}

/// True when the URI's path or query holds `%00`, which percent-decodes to NUL (a raw NUL
/// cannot appear in a URI at all).
fn url_encodes_nul(uri: &http::Uri) -> bool {
    uri.path_and_query()
        .is_some_and(|pq| pq.as_str().contains("%00"))
}

/// Renders every error response as RFC 9457 problem+json with the request id and path.
pub async fn problem_layer(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut problem = match parts.extensions.remove::<Problem>() {
        Some(p) => p,
        None => {
            let already = parts
                .headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if already {
                return Response::from_parts(parts, body);
            }
            if status.is_server_error() {
                tracing::error!(%status, path = %path, "error response without a problem");
            }
            Problem::for_status(status)
        }
    };
    problem.request_id = request_id;
    if path.len() <= 512 {
        problem.instance = Some(path);
    }
    let json = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

/// The web app's Content-Security-Policy: no inline script or style, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'self'; upgrade-insecure-requests; report-uri /api/v1/security/csp-report";

/// Security headers on every response; API responses are never cached.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if is_api || !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Counts requests and latency by method, route template and status.
pub async fn track_metrics(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    #[allow(clippy::disallowed_methods)] // latency metric: monotonic timing, not business time
    let start = std::time::Instant::now();
    let response = next.run(req).await;
    metrics.observe_request(&method, &route, response.status().as_u16(), start.elapsed());
    response
}

/// The fallback for unknown API paths.
pub async fn api_not_found() -> impl IntoResponse {
    crate::problem::ApiError::not_found()
}

/// Maps a status to a response (for tower layers that produce bare errors).
pub fn status_response(status: StatusCode) -> Response {
    status.into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::url_encodes_nul;

    #[test]
    fn an_encoded_nul_anywhere_in_the_url_is_found() {
        for bad in [
            "/api/v1/users/%00",
            "/api/v1/accounts?owner_id=a%00b",
            "/api/v1/users/x%00/devices",
        ] {
            assert!(url_encodes_nul(&bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "/api/v1/users/0190a0b0-0000-7000-8000-000000000001",
            "/api/v1/accounts?after=%30%30&limit=100",
            "/api/v1/transfers?account=%0a",
        ] {
            assert!(!url_encodes_nul(&good.parse().unwrap()), "{good}");
        }
    }
}
