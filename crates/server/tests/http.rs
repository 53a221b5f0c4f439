//! The HTTP foundation, end to end over TLS against the real server (SQLite by default,
//! PostgreSQL when PQBANK_TEST_DATABASE_URL is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pqbank_server::testkit::spawn_app;
use reqwest::StatusCode;
use rustls::NamedGroup;
use rustls_pki_types::ServerName;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

async fn problem(resp: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status);
    let ct = resp
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:pqbank:problem:")
    );
    assert!(body["title"].is_string());
    assert!(
        body["request_id"].is_string(),
        "problem carries the request id: {body}"
    );
    body
}

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ready: Value = r.json().await.unwrap();
    assert_eq!(ready["status"], "ok");
    let expected = if pqbank_store::testing::postgres_requested() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready["database"], expected);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "pqbank_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("pqbank_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("pqbank_db_pool_max_connections"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn openapi_is_a_3_1_document_listing_the_routes() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "pqbank API");
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/security/csp-report",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    let body = problem(r, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["instance"], "/api/v1/nope");
    let r = app
        .client
        .delete(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert!(r.headers().get("allow").is_some());
    problem(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let r = app
        .client
        .get(app.url("/assets/missing-file.js"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn web_app_is_served_with_spa_fallback() {
    let app = spawn_app().await;
    let index = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist/index.html");
    assert!(
        std::path::Path::new(index).exists(),
        "web/dist is missing: build the web app first (make web)"
    );
    for path in ["/", "/accounts", "/admin/users/42"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("<div id=\"root\">"), "{path}: {html}");
        assert!(
            !html.contains("<script>"),
            "no inline scripts under the CSP"
        );
    }
}

#[tokio::test]
async fn security_headers_and_request_ids() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    let h = r.headers();
    assert!(
        h["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-frame-options"], "DENY");
    let generated = h["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123.X_y")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123.X_y");
    for bad in ["has space", "new\tline", &"x".repeat(200)] {
        let r = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36);
    }
    let r = app
        .client
        .get(app.url("/api/v1/nope"))
        .header("x-request-id", "trace-me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["request_id"], "trace-me");
}

#[tokio::test]
async fn tls_negotiates_hybrid_post_quantum_key_exchange() {
    let app = spawn_app().await;
    let connector = TlsConnector::from(Arc::new(app.tls_config()));
    let tcp = TcpStream::connect(app.addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let (_, conn) = tls.get_ref();
    assert_eq!(
        conn.negotiated_key_exchange_group().unwrap().name(),
        NamedGroup::X25519MLKEM768
    );
    assert_eq!(
        conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    tls.write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.unwrap();
    assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200"));

    // A classical-only client still connects (X25519), so nobody is locked out.
    let mut p = rustls::crypto::aws_lc_rs::default_provider();
    p.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519];
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(
        rustls_pki_types::CertificateDer::pem_slice_iter(app.ca_pem.as_bytes()).map(|c| c.unwrap()),
    );
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(p))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(app.addr).await.unwrap();
    let tls = TlsConnector::from(Arc::new(cfg))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref()
            .1
            .negotiated_key_exchange_group()
            .unwrap()
            .name(),
        NamedGroup::X25519
    );
}

use rustls_pki_types::pem::PemObject as _;

#[tokio::test]
async fn bad_input_gets_problems_not_server_errors() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/security/csp-report");
    // Over the global body limit (1 MiB): 413.
    let big = vec![b'{'; 2 * 1024 * 1024];
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/csp-report")
        .body(big)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Over the report's own limit (16 KiB): 413.
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/csp-report")
        .body(vec![b' '; 20_000])
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Malformed JSON: 400.
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/csp-report")
        .body("{\"csp-report\": ")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "malformed_json").await;
    // Wrong content type: 415.
    let r = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let r = app.client.post(&url).body("{}").send().await.unwrap();
    problem(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // A real report: 204, counted.
    let report = r#"{"csp-report":{"document-uri":"https://bank/","violated-directive":"script-src","blocked-uri":"inline"}}"#;
    let r = app
        .client
        .post(&url)
        .header("content-type", "application/csp-report")
        .body(report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("pqbank_csp_reports_total 1"), "{metrics}");
    // Oversized headers: 431 as a problem (or the connection is refused), never a 5xx.
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-big", "a".repeat(64 * 1024))
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
}

/// A bounded fuzz over methods, paths, content types and bodies: nothing answers 5xx.
#[tokio::test]
async fn no_input_produces_a_server_error() {
    let app = spawn_app().await;
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
    let paths = [
        "/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/openapi.json",
        "/api/v1/security/csp-report",
        "/api/v1/",
        "/api/v1/%00",
        "/api/v1/..%2f..%2fetc/passwd",
        "/../../etc/passwd",
        "/assets/%ff%fe",
        "/index.html",
        "/api/v1/security/csp-report?x=%zz",
        "/pki/ca.pem",
        "/api",
        "//",
        "/a/b/c/d/e/f/g",
    ];
    let types = [
        "application/json",
        "application/csp-report",
        "application/reports+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ];
    let bodies: [&[u8]; 8] = [
        b"",
        b"{}",
        b"[]",
        b"null",
        b"{\"csp-report\": 1}",
        b"\xff\xfe\x00",
        b"[1,2,3",
        b"[{\"body\":{}}]",
    ];
    let mut seen = 0;
    for (i, m) in methods.iter().enumerate() {
        for (j, p) in paths.iter().enumerate() {
            let t = types[(i + j) % types.len()];
            let b = bodies[(i * 3 + j) % bodies.len()];
            let mut req = app
                .client
                .request(m.parse().unwrap(), app.url(p))
                .body(b.to_vec());
            if !t.is_empty() {
                req = req.header("content-type", t);
            }
            let r = req.send().await.unwrap();
            assert!(
                !r.status().is_server_error(),
                "{m} {p} ({t}) -> {}",
                r.status()
            );
            if r.status().is_client_error() && *m != "HEAD" {
                assert_eq!(
                    r.headers()["content-type"],
                    "application/problem+json",
                    "{m} {p}"
                );
            }
            seen += 1;
        }
    }
    assert_eq!(seen, methods.len() * paths.len());
}
