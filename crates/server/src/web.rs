//! The embedded web app (web/dist, built by `make web`), served at `/` with the single-page-app
//! fallback: any non-API GET path without a file serves index.html.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::problem::ApiError;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// Serves a file of the web app, or index.html for client-side routes.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/pki/") {
        return ApiError::not_found().into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let file = path.trim_start_matches('/');
    if let Some(asset) = (!file.is_empty()).then(|| Assets::get(file)).flatten() {
        return asset_response(file, asset, true);
    }
    // A path with a file extension that does not exist is a real 404, not a route.
    if file
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        return ApiError::not_found().into_response();
    }
    match Assets::get("index.html") {
        Some(index) => asset_response("index.html", index, false),
        None => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "web_app_not_built",
            "The web app is not built into this binary; run `make web` and rebuild.",
        )
        .into_response(),
    }
}

fn asset_response(name: &str, asset: rust_embed::EmbeddedFile, cacheable: bool) -> Response {
    let mime = asset.metadata.mimetype();
    let mut response = Body::from(asset.data.into_owned()).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Vite puts content hashes into names under assets/: those never change.
    let cache = if cacheable && name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
