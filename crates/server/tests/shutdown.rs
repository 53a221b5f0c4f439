//! Graceful shutdown of the real `pqbank` binary: SIGTERM while a request is in flight lets it
//! complete, then the process exits 0 within 5 seconds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;
use tokio_rustls::TlsConnector;

#[tokio::test]
async fn sigterm_finishes_in_flight_requests_and_exits_zero() {
    let db = pqbank_store::testing::fresh_database().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--log",
            "info",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .arg("--database-url")
        .arg(&db.url_string)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Wait for the "serving" line and read the port from it.
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("server exited early");
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if v["message"] == "pqbank is serving" {
                return v["url"].as_str().unwrap().to_owned();
            }
        }
    })
    .await
    .expect("server started");
    let addr = url.trim_start_matches("https://").to_owned();
    let ca = std::fs::read_to_string(data.path().join("tls-ca.pem")).unwrap();
    let connector = TlsConnector::from(Arc::new(pqbank_client::tls_config(&ca).unwrap()));
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();

    // Start a request whose body is only half sent: it is in flight.
    let body = br#"{"csp-report":{"document-uri":"https://bank/","violated-directive":"img-src"}}"#;
    let head = format!(
        "POST /api/v1/security/csp-report HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/csp-report\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(&body[..10]).await.unwrap();
    tls.flush().await.unwrap();

    let pid = child.id().unwrap().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("server exited before draining");
            if line.contains("stopped accepting connections") {
                break;
            }
        }
    })
    .await
    .expect("server reacted to SIGTERM");
    // New connections are refused once shutdown started.
    assert!(TcpStream::connect(&addr).await.is_err(), "listener closed");

    // Finish the in-flight request: it completes normally.
    tls.write_all(&body[10..]).await.unwrap();
    tls.flush().await.unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 204"), "{text}");

    let exit = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = lines.next_line().await {}
        child.wait().await.unwrap()
    })
    .await
    .expect("exited within 5 s");
    assert!(exit.success(), "{exit:?}");
}
