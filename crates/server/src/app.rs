//! The router: API routes (documented with utoipa), operations endpoints, the web app, and the
//! layers every request passes through.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pqbank_service::Bank;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::authn::auth_layer;
use crate::config::Limits;
use crate::metrics::Metrics;
use crate::middleware::{
    RequestIds, X_REQUEST_ID, problem_layer, reject_nul_in_url, sanitize_request_id,
    security_headers, track_metrics,
};
use crate::routes::{audit, auth, certs, events, health, ledger, pki, security};
use crate::web;

/// Shared state of all handlers.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub bank: Bank,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    /// Largest request body (the auth layer buffers bodies to check request MACs).
    pub max_body_bytes: usize,
}

/// The OpenAPI document's fixed parts; paths come from the routes.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "pqbank API", description = "Quantum-safe banking: every signature and key exchange is hybrid classical + post-quantum.", license(name = "Apache-2.0")),
    tags((name = "operations", description = "Health, readiness, metrics"),
         (name = "security", description = "Security reports"),
         (name = "pki", description = "Certificate authority: CA certificates, CRL"),
         (name = "identity", description = "Registration, login, sessions, users, devices"),
         (name = "certificates", description = "Device certificates: request, list, read, renew, revoke"),
         (name = "audit", description = "Tamper-evident audit log: checkpoints, entries, proofs"),
         (name = "ledger", description = "Accounts, device-signed transfers, approvals, cash desk, statements, reports"))
)]
pub struct ApiDoc;

/// The API routes with their OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(security::csp_report))
        .routes(routes!(pki::ca_pem))
        .routes(routes!(pki::crl_der))
        .routes(routes!(pki::crl_pem))
        .routes(routes!(pki::ca_info))
        .routes(routes!(auth::register))
        .routes(routes!(auth::activate))
        .routes(routes!(auth::challenge))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::list_users, auth::create_user))
        .routes(routes!(auth::onboard_customer))
        .routes(routes!(auth::get_user))
        .routes(routes!(auth::set_roles))
        .routes(routes!(auth::disable_user))
        .routes(routes!(auth::enable_user))
        .routes(routes!(auth::reset_user))
        .routes(routes!(auth::list_devices, auth::add_device))
        .routes(routes!(auth::remove_device))
        .routes(routes!(auth::list_sessions))
        .routes(routes!(auth::revoke_session))
        .routes(routes!(auth::security_events))
        .routes(routes!(auth::security_event_stream))
        .routes(routes!(auth::set_security_event_status))
        .routes(routes!(certs::request, certs::list))
        .routes(routes!(certs::get))
        .routes(routes!(certs::renew))
        .routes(routes!(certs::revoke))
        .routes(routes!(audit::checkpoint, audit::create_checkpoint))
        .routes(routes!(audit::entries))
        .routes(routes!(audit::inclusion))
        .routes(routes!(audit::consistency))
        .routes(routes!(audit::key))
        .routes(routes!(audit::checkpoints))
        .routes(routes!(audit::own_entries))
        .routes(routes!(audit::own_inclusion))
        .routes(routes!(ledger::open_account, ledger::list_accounts))
        .routes(routes!(ledger::get_account))
        .routes(routes!(ledger::set_account_status))
        .routes(routes!(ledger::set_overdraft))
        .routes(routes!(ledger::transactions))
        .routes(routes!(ledger::statement))
        .routes(routes!(ledger::cash_accounts))
        .routes(routes!(ledger::cash_deposit))
        .routes(routes!(ledger::cash_withdraw))
        .routes(routes!(ledger::create_transfer, ledger::list_transfers))
        .routes(routes!(ledger::create_transfer_batch))
        .routes(routes!(ledger::get_transfer))
        .routes(routes!(ledger::approvals))
        .routes(routes!(ledger::approve))
        .routes(routes!(ledger::reject))
        .routes(routes!(ledger::report_volume))
        .routes(routes!(ledger::report_approvals))
        .routes(routes!(ledger::get_settings, ledger::put_settings))
        .routes(routes!(ledger::get_monitoring, ledger::put_monitoring))
        .routes(routes!(ledger::get_identity_settings))
        .routes(routes!(ledger::ledger_check))
        .routes(routes!(events::stream))
}

/// The generated OpenAPI 3.1 document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// Builds the whole application.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let (api, doc) = api_router().split_for_parts();
    let doc_json: Arc<str> = Arc::from(doc.to_json().unwrap_or_else(|_| "{}".to_owned()));
    let entropy = state.bank.entropy().clone();
    let metrics = state.metrics.clone();
    let api = api.layer(from_fn_with_state(state.clone(), auth_layer));
    api.route("/api/v1/openapi.json", get(move || openapi_json(doc_json.clone())))
        .fallback(web::serve)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(from_fn_with_state(metrics, track_metrics))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(from_fn(reject_nul_in_url))
        .layer(from_fn(security_headers))
        .layer(from_fn(problem_layer))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &http::Request<_>| {
            let id = req.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), RequestIds(entropy)))
        .layer(from_fn(sanitize_request_id))
}

async fn openapi_json(doc: Arc<str>) -> Response {
    let mut r = doc.to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
