//! pqbank-server: the HTTPS API (axum), TLS with hybrid post-quantum key exchange, the embedded web
//! app, and the `pqbank` binary.

pub mod app;
pub mod authn;
pub mod bench;
pub mod config;
pub mod keyring;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod problem;
pub mod routes;
pub mod tls;
pub mod web;

#[cfg(feature = "testkit")]
pub mod testkit;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use pqbank_service::Bank;
use pqbank_service::ca::CaConfig;
use pqbank_service::clock::Clock;
use pqbank_service::entropy::Entropy;
use pqbank_store::ConnectOptions;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::config::Config;
use crate::metrics::Metrics;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Data directory problems.
    #[error("data directory: {0}")]
    DataDir(#[source] tls::TlsError),
    /// The database could not be opened or migrated.
    #[error("database {url}: {source}")]
    Database {
        /// Redacted URL.
        url: String,
        /// Cause.
        source: pqbank_store::StoreError,
    },
    /// The master key ring.
    #[error("master key ring: {0}")]
    KeyRing(#[from] keyring::KeyRingError),
    /// The certificate authority could not be loaded or created.
    #[error("certificate authority: {0}")]
    Ca(#[source] pqbank_service::ServiceError),
    /// The administrator bootstrap failed.
    #[error("administrator bootstrap: {0}")]
    Bootstrap(#[source] pqbank_service::ServiceError),
    /// TLS material.
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    /// Binding the listen address.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// A server that is bound and ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    tls: tls::TlsMaterial,
    state: AppState,
    config: Config,
    bootstrap_admin_code: Option<String>,
}

impl Server {
    /// Prepares everything: data directory, database (with migrations), TLS, router, socket.
    pub async fn bind(
        config: Config,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> Result<Self, StartError> {
        let bank = open_bank(&config, clock.clone(), entropy.clone()).await?;
        bank.ensure_ca().await.map_err(StartError::Ca)?;
        bank.ensure_audit_key().await.map_err(StartError::Ca)?;
        bank.ensure_ledger().await.map_err(StartError::Ca)?;
        let bootstrap_admin_code = bank.ensure_admin().await.map_err(StartError::Bootstrap)?;
        let tls = tls::load_or_create(
            &config.tls,
            &config.data_dir,
            config.listen.ip(),
            clock.now(),
            entropy.as_ref(),
        )?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
        Ok(Self {
            listener,
            local_addr,
            tls,
            state: AppState {
                bank,
                metrics: Metrics::new(),
                max_body_bytes: config.limits.max_body_bytes,
            },
            config,
            bootstrap_admin_code,
        })
    }

    /// The bootstrap administrator's one-time password when this start created the `admin`
    /// user (no admin existed). Print it once; it is stored only hashed.
    pub fn bootstrap_admin_code(&self) -> Option<&str> {
        self.bootstrap_admin_code.as_deref()
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// PEM of the TLS CA clients should trust (managed TLS only).
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.tls.ca_pem.as_deref()
    }

    /// The use cases (tests drive the service directly through it).
    pub fn bank(&self) -> &Bank {
        &self.state.bank
    }

    /// Serves until `shutdown` resolves, drains in-flight requests, stops the background tasks,
    /// then closes the database.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let (stop_sync, sync_stopped) = tokio::sync::oneshot::channel::<()>();
        let sync_bank = self.state.bank.clone();
        let sync = tokio::spawn(async move {
            sync_bank
                .run_revocation_sync(async {
                    let _ = sync_stopped.await;
                })
                .await;
        });
        let (stop_audit, audit_stopped) = tokio::sync::oneshot::channel::<()>();
        let audit_bank = self.state.bank.clone();
        let audit = tokio::spawn(async move {
            audit_bank
                .run_audit_checkpoints(async {
                    let _ = audit_stopped.await;
                })
                .await;
        });
        let (stop_ledger, ledger_stopped) = tokio::sync::oneshot::channel::<()>();
        let ledger_bank = self.state.bank.clone();
        let ledger = tokio::spawn(async move {
            ledger_bank
                .run_ledger_maintenance(std::time::Duration::from_secs(30), async {
                    let _ = ledger_stopped.await;
                })
                .await;
        });
        let router = app::router(self.state.clone(), &self.config.limits);
        tracing::info!(url = %listener::https_url(self.local_addr), "pqbank is serving");
        listener::serve(
            self.listener,
            self.tls.config.clone(),
            router,
            self.config.limits,
            self.state.metrics.clone(),
            shutdown,
        )
        .await;
        let _ = stop_sync.send(());
        let _ = stop_audit.send(());
        let _ = stop_ledger.send(());
        if let Err(e) = ledger.await {
            tracing::error!(error = %e, "ledger maintenance task failed");
        }
        if let Err(e) = audit.await {
            tracing::error!(error = %e, "audit checkpoint task failed");
        }
        if let Err(e) = sync.await {
            tracing::error!(error = %e, "revocation sync task failed");
        }
        self.state.bank.store().close().await;
        tracing::info!("database closed; bye");
    }
}

/// Opens the data directory, the database (with migrations) and the master key ring, and wires
/// the [`Bank`] with the CA configuration (the CA itself is loaded by `ensure_ca`/`load_ca`).
///
/// # Errors
/// [`StartError`] for the data directory, database, key ring or CA configuration.
pub async fn open_bank(
    config: &Config,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
) -> Result<Bank, StartError> {
    tls::create_private_dir(&config.data_dir).map_err(StartError::DataDir)?;
    let opts = ConnectOptions {
        max_connections: config.db_max_connections,
        ..ConnectOptions::default()
    };
    let store = pqbank_store::connect(&config.database_url, &opts)
        .await
        .map_err(|source| StartError::Database {
            url: config.database_url.redacted(),
            source,
        })?;
    tracing::info!(database = %config.database_url.redacted(), backend = store.backend().as_str(), "database ready");
    let ring = keyring::load_or_create(&config.data_dir, None, entropy.as_ref())?;
    let ca_config = CaConfig::new(
        config.ca_algorithm,
        &config.bank_name,
        &format!("https://{}/pki/crl.der", config.listen),
    )
    .map_err(StartError::Ca)?;
    let mut audit_config = pqbank_service::audit::AuditConfig::new(
        &pqbank_service::audit::AuditConfig::origin_for(&config.bank_name),
    )
    .unwrap_or_default();
    audit_config.checkpoint_every = config.checkpoint_every;
    audit_config.checkpoint_interval =
        time::Duration::seconds(i64::try_from(config.checkpoint_seconds).unwrap_or(60));
    let identity = pqbank_service::identity::IdentityConfig {
        login_rate_per_minute: config.login_rate_per_minute,
        ..pqbank_service::identity::IdentityConfig::default()
    };
    Ok(Bank::new(store, clock, entropy)
        .with_ca(Arc::new(ring), ca_config)
        .with_identity_config(identity)
        .with_audit(audit_config))
}
