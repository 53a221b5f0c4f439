//! Prometheus metrics (`/metrics`): requests and latency by route template and status, connections,
//! database pool.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use pqbank_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// All metrics of one server.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    /// Open client connections.
    pub connections_open: Gauge<i64, AtomicI64>,
    /// Connections refused because the limit was reached.
    pub connections_rejected: Counter,
    /// TLS handshakes that failed.
    pub tls_handshake_failures: Counter,
    /// CSP violation reports received.
    pub csp_reports: Counter,
    pool_size: Gauge<i64, AtomicI64>,
    pool_idle: Gauge<i64, AtomicI64>,
    pool_max: Gauge<i64, AtomicI64>,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Arc<Self> {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        let connections_open = Gauge::<i64, AtomicI64>::default();
        let connections_rejected = Counter::default();
        let tls_handshake_failures = Counter::default();
        let csp_reports = Counter::default();
        let pool_size = Gauge::<i64, AtomicI64>::default();
        let pool_idle = Gauge::<i64, AtomicI64>::default();
        let pool_max = Gauge::<i64, AtomicI64>::default();
        let mut registry = Registry::with_prefix("pqbank");
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route template",
            latency.clone(),
        );
        registry.register(
            "connections_open",
            "Open client connections",
            connections_open.clone(),
        );
        registry.register(
            "connections_rejected",
            "Connections refused at the limit",
            connections_rejected.clone(),
        );
        registry.register(
            "tls_handshake_failures",
            "Failed TLS handshakes",
            tls_handshake_failures.clone(),
        );
        registry.register(
            "csp_reports",
            "Content-Security-Policy violation reports",
            csp_reports.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Database pool limit",
            pool_max.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            connections_open,
            connections_rejected,
            tls_handshake_failures,
            csp_reports,
            pool_size,
            pool_idle,
            pool_max,
        })
    }

    /// Records one request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Prometheus text exposition, with the pool figures read now.
    pub fn render(&self, store: &dyn Store) -> String {
        let pool = store.pool_stats();
        self.pool_size.set(i64::from(pool.size));
        self.pool_idle.set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            let _ = writeln!(out, "# encoding failed");
        }
        out
    }
}
