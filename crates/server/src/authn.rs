//! Authentication and route-level authorization for the API.
//!
//! Every API route is listed in [`ROUTE_ACCESS`] with either `Public` or the Cedar action it
//! performs. A route missing from the table is refused (fail closed) and the route x role
//! matrix test fails. For protected routes the layer reads the session token (bearer header or
//! `__Host-` cookie), hashes the body, checks the request MAC (state-changing methods), asks the
//! service to authenticate, checks the action at route level with Cedar and hands the
//! [`Principal`] to the handler.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pqbank_crypto::session::sha256;
use pqbank_domain::auth::{MAC_HEADER, SESSION_COOKIE};
use pqbank_service::authz::{ObjectRef, authz};
use pqbank_service::identity::{Principal, RequestFacts, RequestMac};

use crate::app::AppState;
use crate::problem::ApiError;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, PKI, login, registration).
    Public,
    /// A signed-in user allowed to perform this Cedar action.
    Action(&'static str),
}

/// Every API route: method, path template (as in the router), access.
pub const ROUTE_ACCESS: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("GET", "/metrics", Access::Public),
    ("POST", "/api/v1/security/csp-report", Access::Public),
    ("GET", "/pki/ca.pem", Access::Public),
    ("GET", "/pki/crl.der", Access::Public),
    ("GET", "/pki/crl.pem", Access::Public),
    ("GET", "/api/v1/pki/ca", Access::Public),
    ("POST", "/api/v1/auth/challenge", Access::Public),
    ("POST", "/api/v1/auth/login", Access::Public),
    ("POST", "/api/v1/auth/register", Access::Public),
    ("POST", "/api/v1/auth/activate", Access::Public),
    ("POST", "/api/v1/auth/logout", Access::Action("auth.logout")),
    ("GET", "/api/v1/me", Access::Action("session.whoami")),
    (
        "POST",
        "/api/v1/me/password",
        Access::Action("password.change"),
    ),
    ("GET", "/api/v1/users", Access::Action("user.list")),
    ("POST", "/api/v1/users", Access::Action("user.create")),
    (
        "POST",
        "/api/v1/customers",
        Access::Action("customer.onboard"),
    ),
    (
        "GET",
        "/api/v1/users/{user_id}",
        Access::Action("user.read"),
    ),
    (
        "PUT",
        "/api/v1/users/{user_id}/roles",
        Access::Action("user.roles"),
    ),
    (
        "POST",
        "/api/v1/users/{user_id}/disable",
        Access::Action("user.disable"),
    ),
    (
        "POST",
        "/api/v1/users/{user_id}/enable",
        Access::Action("user.enable"),
    ),
    (
        "POST",
        "/api/v1/users/{user_id}/reset",
        Access::Action("user.reset"),
    ),
    (
        "GET",
        "/api/v1/users/{user_id}/devices",
        Access::Action("device.list"),
    ),
    (
        "POST",
        "/api/v1/users/{user_id}/devices",
        Access::Action("device.add"),
    ),
    (
        "DELETE",
        "/api/v1/devices/{device_id}",
        Access::Action("device.remove"),
    ),
    (
        "GET",
        "/api/v1/users/{user_id}/sessions",
        Access::Action("session.list"),
    ),
    (
        "DELETE",
        "/api/v1/users/{user_id}/sessions/{session_id}",
        Access::Action("session.revoke"),
    ),
    (
        "GET",
        "/api/v1/security/events",
        Access::Action("security_event.list"),
    ),
    ("POST", "/api/v1/certificates", Access::Action("device.add")),
    (
        "GET",
        "/api/v1/certificates",
        Access::Action("certificate.list"),
    ),
    (
        "GET",
        "/api/v1/certificates/{serial}",
        Access::Action("certificate.read"),
    ),
    (
        "POST",
        "/api/v1/certificates/{serial}/renew",
        Access::Action("certificate.renew"),
    ),
    (
        "POST",
        "/api/v1/certificates/{serial}/revoke",
        Access::Action("certificate.revoke"),
    ),
    (
        "GET",
        "/api/v1/security/events/stream",
        Access::Action("security_event.list"),
    ),
    (
        "POST",
        "/api/v1/security/events/{event_id}/status",
        Access::Action("security_event.list"),
    ),
    // The latest checkpoint and the audit key are for every signed-in user (customers verify
    // proofs of their own events against them); the key is public.
    (
        "GET",
        "/api/v1/audit/checkpoint",
        Access::Action("session.whoami"),
    ),
    ("GET", "/api/v1/audit/key", Access::Public),
    (
        "GET",
        "/api/v1/audit/checkpoints",
        Access::Action("session.whoami"),
    ),
    ("GET", "/api/v1/me/audit", Access::Action("session.whoami")),
    (
        "GET",
        "/api/v1/me/audit/proof",
        Access::Action("session.whoami"),
    ),
    (
        "POST",
        "/api/v1/audit/checkpoint",
        Access::Action("audit.read"),
    ),
    ("GET", "/api/v1/audit/entries", Access::Action("audit.read")),
    (
        "GET",
        "/api/v1/audit/proof/inclusion",
        Access::Action("audit.read"),
    ),
    (
        "GET",
        "/api/v1/audit/proof/consistency",
        Access::Action("audit.read"),
    ),
    ("POST", "/api/v1/accounts", Access::Action("account.open")),
    ("GET", "/api/v1/accounts", Access::Action("account.read")),
    (
        "GET",
        "/api/v1/accounts/{account_id}",
        Access::Action("account.read"),
    ),
    (
        "POST",
        "/api/v1/accounts/{account_id}/status",
        Access::Action("account.manage"),
    ),
    (
        "POST",
        "/api/v1/accounts/{account_id}/overdraft",
        Access::Action("account.manage"),
    ),
    (
        "GET",
        "/api/v1/accounts/{account_id}/transactions",
        Access::Action("account.read"),
    ),
    (
        "GET",
        "/api/v1/accounts/{account_id}/statement",
        Access::Action("account.read"),
    ),
    (
        "GET",
        "/api/v1/cash/accounts",
        Access::Action("cash.deposit"),
    ),
    (
        "POST",
        "/api/v1/cash/deposit",
        Access::Action("cash.deposit"),
    ),
    (
        "POST",
        "/api/v1/cash/withdraw",
        Access::Action("cash.withdraw"),
    ),
    (
        "POST",
        "/api/v1/transfers",
        Access::Action("transfer.create"),
    ),
    (
        "POST",
        "/api/v1/transfer-batches",
        Access::Action("transfer.create"),
    ),
    ("GET", "/api/v1/transfers", Access::Action("transfer.read")),
    (
        "GET",
        "/api/v1/transfers/{transfer_id}",
        Access::Action("transfer.read"),
    ),
    (
        "GET",
        "/api/v1/approvals",
        Access::Action("transfer.approve"),
    ),
    (
        "POST",
        "/api/v1/transfers/{transfer_id}/approve",
        Access::Action("transfer.approve"),
    ),
    (
        "POST",
        "/api/v1/transfers/{transfer_id}/reject",
        Access::Action("transfer.reject"),
    ),
    (
        "GET",
        "/api/v1/reports/volume",
        Access::Action("report.read"),
    ),
    (
        "GET",
        "/api/v1/reports/approvals",
        Access::Action("report.read"),
    ),
    (
        "GET",
        "/api/v1/settings/ledger",
        Access::Action("session.whoami"),
    ),
    (
        "PUT",
        "/api/v1/settings/ledger",
        Access::Action("settings.write"),
    ),
    (
        "GET",
        "/api/v1/settings/monitoring",
        Access::Action("security_event.list"),
    ),
    (
        "GET",
        "/api/v1/settings/identity",
        Access::Action("settings.write"),
    ),
    (
        "PUT",
        "/api/v1/settings/monitoring",
        Access::Action("settings.write"),
    ),
    ("GET", "/api/v1/ledger/check", Access::Action("audit.read")),
    (
        "GET",
        "/api/v1/events/stream",
        Access::Action("session.whoami"),
    ),
];

/// The access rule of a route, if it has one.
pub fn access_for(method: &Method, path: &str) -> Option<Access> {
    ROUTE_ACCESS
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, a)| *a)
}

/// Every (method, path template) the router serves, from its OpenAPI table.
fn routed_methods() -> &'static std::collections::HashSet<(String, String)> {
    static ROUTED: std::sync::OnceLock<std::collections::HashSet<(String, String)>> =
        std::sync::OnceLock::new();
    ROUTED.get_or_init(|| {
        let doc = crate::app::openapi();
        let mut set = std::collections::HashSet::new();
        for (path, item) in &doc.paths.paths {
            for (m, present) in [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("DELETE", item.delete.is_some()),
                ("PATCH", item.patch.is_some()),
                ("HEAD", item.head.is_some()),
                ("OPTIONS", item.options.is_some()),
            ] {
                if present {
                    set.insert((m.to_owned(), path.clone()));
                }
            }
        }
        set
    })
}

fn token_from(req: &Request) -> Option<String> {
    let headers = req.headers();
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == SESSION_COOKIE).then(|| v.to_owned())
        })
}

/// Client address of the connection.
pub fn client_addr(req: &Request) -> Option<String> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// The layer (see the module docs).
pub async fn auth_layer(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let Some(path) = matched else {
        return next.run(req).await;
    };
    // HEAD is served by the GET handler: it needs the same rule.
    let method = if req.method() == Method::HEAD {
        Method::GET
    } else {
        req.method().clone()
    };
    let action = match access_for(&method, path.as_str()) {
        Some(Access::Public) => return next.run(req).await,
        Some(Access::Action(a)) => a,
        // A method the route does not have: the router answers 405 Method Not Allowed. A
        // method it has but without a rule falls through to the refusal below (fail closed).
        None if !routed_methods()
            .contains(&(req.method().to_string(), path.as_str().to_owned())) =>
        {
            return next.run(req).await;
        }
        None => {
            tracing::error!(
                route = path.as_str(),
                "route without an access rule; refused"
            );
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "no_policy",
                "This route has no authorization rule.",
            )
            .into_response();
        }
    };
    let Some(token) = token_from(&req) else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in first.",
        )
        .into_response();
    };
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is too large.",
            )
            .into_response();
        }
    };
    let mac = parts
        .headers
        .get(MAC_HEADER)
        .map(|v| v.to_str().ok().and_then(RequestMac::parse).ok_or(()));
    let facts = RequestFacts {
        method: parts.method.as_str().to_owned(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        body_sha256_hex: hex::encode(sha256(&bytes)),
        state_changing,
        mac,
        client_addr: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    };
    let principal: Principal = match state.bank.authenticate(&token, &facts).await {
        Ok(p) => p,
        Err(e) => return ApiError::Service(e).into_response(),
    };
    let allowed = match authz() {
        Ok(engine) => engine.is_allowed(&principal, action, &ObjectRef::route(&principal)),
        Err(e) => return ApiError::Service(e).into_response(),
    };
    if !allowed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your roles do not allow this.",
        )
        .into_response();
    }
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(principal);
    next.run(req).await
}
