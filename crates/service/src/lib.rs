//! pqbank-service: the bank's use cases. Handlers call exactly one method here; this crate calls the
//! store and the pure crates (crypto, pki, domain, audit). Time and randomness are injected
//! ([`clock::Clock`], [`entropy::Entropy`]) so tests control them.

pub mod audit;
pub mod authz;
pub mod ca;
mod cache;
pub mod clock;
pub mod entropy;
mod error;
mod group_commit;
mod health;
pub mod identity;
pub mod ledger;
pub mod live;
pub mod monitoring;
mod writes;

use std::sync::Arc;

use pqbank_crypto::KeyRing;
use pqbank_store::Store;

pub use error::ServiceError;
pub use health::Readiness;

/// Everything a use case needs, cheap to clone.
#[derive(Debug, Clone)]
pub struct Bank {
    store: Arc<dyn Store>,
    clock: Arc<dyn clock::Clock>,
    entropy: Arc<dyn entropy::Entropy>,
    pki: Arc<ca::PkiState>,
    identity: Arc<identity::IdentityState>,
    audit: Arc<audit::AuditState>,
    ledger: Arc<ledger::LedgerState>,
    monitor: Arc<monitoring::MonitorState>,
}

impl Bank {
    /// Wires the bank from its parts.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn clock::Clock>,
        entropy: Arc<dyn entropy::Entropy>,
    ) -> Self {
        Self {
            store,
            clock,
            entropy,
            pki: Arc::new(ca::PkiState::new(None, None)),
            identity: Arc::new(identity::IdentityState::default()),
            audit: Arc::new(audit::AuditState::new(audit::AuditConfig::default())),
            ledger: Arc::new(ledger::LedgerState::default()),
            monitor: Arc::new(monitoring::MonitorState::default()),
        }
    }

    /// Adds the master key ring (it encrypts the CA keys) and the CA configuration. Call before
    /// cloning: the CA state is shared by the clones made afterwards.
    #[must_use]
    pub fn with_ca(mut self, keyring: Arc<KeyRing>, config: ca::CaConfig) -> Self {
        self.pki = Arc::new(ca::PkiState::new(Some(keyring), Some(config)));
        self
    }

    /// Replaces the identity security settings (lockout, session timeouts, ...). Call before
    /// cloning.
    #[must_use]
    pub fn with_identity_config(mut self, config: identity::IdentityConfig) -> Self {
        self.identity = Arc::new(identity::IdentityState {
            config,
            ..identity::IdentityState::default()
        });
        self
    }

    /// The identity settings in force.
    pub fn identity_config(&self) -> &identity::IdentityConfig {
        &self.identity.config
    }

    /// Sets the ledger configuration (approval policy defaults, batch size, cash desks). Call
    /// before cloning.
    #[must_use]
    pub fn with_ledger_config(mut self, config: ledger::LedgerConfig) -> Self {
        self.ledger = Arc::new(ledger::LedgerState::new(config));
        self
    }

    /// Sets the audit log configuration (origin, checkpoint policy). Call before cloning.
    #[must_use]
    pub fn with_audit(mut self, config: audit::AuditConfig) -> Self {
        self.audit = Arc::new(audit::AuditState::new(config));
        self
    }

    /// The store (for the server's metrics and shutdown).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The injected clock.
    pub fn clock(&self) -> &Arc<dyn clock::Clock> {
        &self.clock
    }

    /// The injected entropy source.
    pub fn entropy(&self) -> &Arc<dyn entropy::Entropy> {
        &self.entropy
    }
}
