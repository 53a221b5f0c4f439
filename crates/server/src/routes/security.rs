//! Browser security reports (Content-Security-Policy violations). Public: browsers send them
//! without credentials. Reports are size-limited, logged with truncated fields, and counted.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};

use crate::app::AppState;
use crate::problem::{ApiError, Problem};

/// Largest report accepted.
pub const MAX_REPORT_BYTES: usize = 16 * 1024;

const REPORT_TYPES: [&str; 3] = [
    "application/csp-report",
    "application/reports+json",
    "application/json",
];

fn field<'a>(v: &'a serde_json::Value, names: &[&str]) -> &'a str {
    names
        .iter()
        .find_map(|n| v.get(*n).and_then(serde_json::Value::as_str))
        .unwrap_or("")
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Receives a CSP violation report (`report-uri` or Reporting API format).
#[utoipa::path(post, path = "/api/v1/security/csp-report", tag = "security",
    request_body(content = String, description = "A CSP report (application/csp-report or application/reports+json)", content_type = "application/csp-report"),
    responses((status = 204, description = "Accepted"),
              (status = 400, description = "Malformed report", body = Problem, content_type = "application/problem+json"),
              (status = 413, description = "Report too large", body = Problem, content_type = "application/problem+json"),
              (status = 415, description = "Wrong content type", body = Problem, content_type = "application/problem+json")))]
pub async fn csp_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !REPORT_TYPES.contains(&content_type.as_str()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Expected application/csp-report or application/reports+json.",
        ));
    }
    if body.len() > MAX_REPORT_BYTES {
        return Err(ApiError::Problem(Box::new(Problem::for_status(
            StatusCode::PAYLOAD_TOO_LARGE,
        ))));
    }
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Malformed JSON: {e}"),
        )
    })?;
    let reports: Vec<&serde_json::Value> = match &value {
        serde_json::Value::Object(o) => vec![o.get("csp-report").unwrap_or(&value)],
        serde_json::Value::Array(a) if a.len() <= 32 => {
            a.iter().map(|r| r.get("body").unwrap_or(r)).collect()
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_report",
                "A report is a JSON object or an array of at most 32.",
            ));
        }
    };
    for r in reports {
        state.metrics.csp_reports.inc();
        tracing::warn!(
            document = clip(field(r, &["document-uri", "documentURL"])),
            directive = clip(field(r, &["violated-directive", "effectiveDirective"])),
            blocked = clip(field(r, &["blocked-uri", "blockedURL"])),
            "content security policy violation reported"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}
