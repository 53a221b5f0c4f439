//! `spawn_app()`: the real server on port 0 with a fresh database (temporary SQLite, or a fresh
//! PostgreSQL schema when `PQBANK_TEST_DATABASE_URL` is set) and a client that trusts its TLS CA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support

use std::net::SocketAddr;
use std::sync::Arc;

use pqbank_service::clock::{Clock, SystemClock};
use pqbank_service::entropy::{Entropy, OsEntropy};
use pqbank_store::testing::{TestDatabase, fresh_database};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use pqbank_client::PqbankClient;
use pqbank_client::auth::{DeviceKeys, Session};
use pqbank_crypto::SignatureAlgorithm;

use crate::Server;

/// The password test users get.
pub const TEST_PASSWORD: &str = "violet staple orbit 42";

/// A signed-in test user: the device that signs and the session.
#[derive(Debug)]
pub struct TestUser {
    /// The device's keys (and certificate serial).
    pub keys: DeviceKeys,
    /// The session.
    pub session: Session,
}

impl TestUser {
    /// The user's id.
    pub fn id(&self) -> &str {
        &self.session.user_id
    }

    /// The serial of the device's signature certificate.
    pub fn serial(&self) -> pqbank_domain::CertificateSerial {
        self.keys.cert_serial.as_deref().unwrap().parse().unwrap()
    }
}

impl From<(DeviceKeys, Session)> for TestUser {
    fn from((keys, session): (DeviceKeys, Session)) -> Self {
        Self { keys, session }
    }
}

/// Sends one request as `who`; the status and the body as JSON (a body that is not JSON as a
/// JSON string).
pub async fn call_json(
    api: &PqbankClient,
    who: &Session,
    method: reqwest::Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let resp = api.send(who, method, path, body).await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, value)
}
use crate::config::{Config, ServeArgs};

/// A running test server.
#[derive(Debug)]
pub struct TestApp {
    /// Bound address.
    pub addr: SocketAddr,
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
    /// A client trusting the server's TLS CA.
    pub client: reqwest::Client,
    /// The TLS CA (PEM).
    pub ca_pem: String,
    /// The database (kept alive for the test).
    pub db: TestDatabase,
    /// The data directory (unused when the options named another one).
    pub data_dir: tempfile::TempDir,
    /// The server's use cases, for service-level checks against the running instance.
    pub bank: pqbank_service::Bank,
    /// The bootstrap administrator's one-time password (when this start created `admin`).
    pub admin_code: Option<String>,
    admin_device: tokio::sync::Mutex<Option<DeviceKeys>>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// What a test may change.
#[derive(Debug, Default)]
pub struct TestOptions {
    /// Flags as if given on the command line (listen and data dir are set by the testkit).
    pub args: ServeArgs,
    /// Injected clock (default: system clock).
    pub clock: Option<Arc<dyn Clock>>,
    /// Injected entropy (default: OS).
    pub entropy: Option<Arc<dyn Entropy>>,
    /// Use this database instead of a fresh one (several servers on one database).
    pub database_url: Option<String>,
    /// Use this data directory (key ring, TLS CA) instead of a fresh one (several servers
    /// sharing one key ring).
    pub data_dir: Option<std::path::PathBuf>,
}

/// Starts a server with defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestOptions::default()).await
}

/// Starts a server with options.
pub async fn spawn_app_with(opts: TestOptions) -> TestApp {
    let db = fresh_database().await.expect("fresh database");
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut args = opts.args;
    args.listen = Some("127.0.0.1:0".parse().unwrap());
    args.data_dir = Some(opts.data_dir.unwrap_or_else(|| data_dir.path().to_owned()));
    args.database_url = Some(opts.database_url.unwrap_or_else(|| db.url_string.clone()));
    let config = Config::resolve(&args).expect("test configuration");
    let server = Server::bind(
        config,
        opts.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        opts.entropy.unwrap_or_else(|| Arc::new(OsEntropy)),
    )
    .await
    .expect("server starts");
    let addr = server.local_addr();
    let ca_pem = server.tls_ca_pem().expect("managed TLS").to_owned();
    let bank = server.bank().clone();
    let admin_code = server.bootstrap_admin_code().map(str::to_owned);
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        base_url: format!("https://127.0.0.1:{}", addr.port()),
        client: pqbank_client::http_client(&ca_pem).expect("client"),
        ca_pem,
        db,
        data_dir,
        bank,
        admin_code,
        admin_device: tokio::sync::Mutex::new(None),
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

impl TestApp {
    /// Starts another instance of this bank: a second server on the same database and data
    /// directory (key ring, TLS CA).
    pub async fn another_instance(&self) -> TestApp {
        spawn_app_with(TestOptions {
            database_url: Some(self.db.url_string.clone()),
            data_dir: Some(self.data_dir.path().to_owned()),
            ..TestOptions::default()
        })
        .await
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A rustls client configuration trusting this server.
    pub fn tls_config(&self) -> rustls::ClientConfig {
        pqbank_client::tls_config(&self.ca_pem).unwrap()
    }

    /// A typed API client for this server.
    pub fn api(&self) -> PqbankClient {
        PqbankClient::new(&self.base_url, &self.ca_pem).unwrap()
    }

    /// Registers a customer with a new device and logs in.
    pub async fn customer(&self, username: &str) -> (DeviceKeys, Session) {
        let api = self.api();
        let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
        api.register(
            &mut device,
            username,
            TEST_PASSWORD,
            "Test Customer",
            &format!("{username}@example.com"),
            "test device",
        )
        .await
        .unwrap();
        let session = api.login(&device, username, TEST_PASSWORD).await.unwrap();
        (device, session)
    }

    /// Logs in as the bootstrap administrator (activating it with its one-time password the
    /// first time).
    pub async fn admin(&self) -> Session {
        let api = self.api();
        let mut guard = self.admin_device.lock().await;
        if guard.is_none() {
            let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
            let code = self.admin_code.clone().expect("bootstrap admin code");
            api.activate(&mut device, "admin", &code, TEST_PASSWORD, "admin device")
                .await
                .unwrap();
            *guard = Some(device);
        }
        let device = guard.as_ref().unwrap();
        api.login(device, "admin", TEST_PASSWORD).await.unwrap()
    }

    /// Creates a user with `roles` (and `branch` for clerk/manager) through the admin API,
    /// activates them with a new device and logs in.
    pub async fn staff(
        &self,
        username: &str,
        roles: &[&str],
        branch: Option<&str>,
    ) -> (DeviceKeys, Session) {
        let api = self.api();
        let admin = self.admin().await;
        let body = serde_json::json!({
            "username": username, "roles": roles, "branch": branch,
            "legal_name": "Staff Member", "email": format!("{username}@bank.example"),
        });
        let resp = api
            .send(&admin, reqwest::Method::POST, "/api/v1/users", Some(&body))
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let created: serde_json::Value = resp.json().await.unwrap();
        let code = created["activation_code"].as_str().unwrap().to_owned();
        let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
        api.activate(&mut device, username, &code, TEST_PASSWORD, "staff device")
            .await
            .unwrap();
        let session = api.login(&device, username, TEST_PASSWORD).await.unwrap();
        (device, session)
    }

    /// Stops the server and waits until it has drained and closed the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
