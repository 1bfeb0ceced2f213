//! The router's one application state (axum's `State` pattern): every
//! service a handler may need, built once. Each module's `router()` is a
//! `Router<AppState>` and its handlers take only their part of it through
//! `FromRef` (`State<Ledger>`, `State<DatabaseConnection>`, …), so a handler's
//! signature says what it reads.

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;
use zkcity_jobs::RefreshService;
use zkcity_ledger::Ledger;

use crate::auth::AdminToken;
use crate::config::Settings;
use crate::db::ReadPool;
use crate::gate::{Gate, KeyMaterial};
use crate::graphql::{self, Endpoint};
use crate::http::metrics;

/// The services behind the server, started by [`crate::Application`].
#[derive(Clone)]
pub struct Services {
    /// The primary's public pool: health, images, and the audit log's
    /// public reads, which must agree with its appends.
    pub db: DatabaseConnection,
    /// Public reads of the data units: `db`, or replicas of it when
    /// `[database] replica_urls` names some (README "Scaling out").
    pub reads: ReadPool,
    /// The reserved pool (see `DatabaseSettings::reserved_connections`).
    pub reserved_db: DatabaseConnection,
    pub ledger: Ledger,
    pub refresh: RefreshService,
    pub gate: Gate,
    /// Answers to public data reads, dropped at every data commit.
    pub cache: crate::graphql::response_cache::ResponseCache,
}

impl Services {
    /// The ledger for public audit reads: it reads with the public pool, so
    /// a flood of them cannot take the reserved connections its writer and
    /// the gate use.
    pub fn public_ledger(&self) -> Ledger {
        self.ledger.reading_from(self.db.clone())
    }
}

/// What the router's handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub ledger: Ledger,
    pub gate: Gate,
    /// The schema with its request limits.
    pub graphql: Endpoint,
    /// The process-wide Prometheus recorder.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// Builds the GraphQL schema over the services with the configured limits.
    pub fn new(settings: &Settings, services: Services) -> Self {
        let admin = AdminToken(settings.admin.token.clone());
        let schema = graphql::schema(&settings.graphql, admin, &services);
        let gated = !services.gate.gated_root_fields().is_empty();
        Self {
            graphql: Endpoint::new(
                schema,
                &settings.graphql,
                settings.server.body_limit_bytes,
                gated,
                services.cache.clone(),
            ),
            ledger: services.public_ledger(),
            db: services.db,
            gate: services.gate,
            metrics: metrics::handle(),
        }
    }
}

impl FromRef<AppState> for DatabaseConnection {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Ledger {
    fn from_ref(state: &AppState) -> Self {
        state.ledger.clone()
    }
}

impl FromRef<AppState> for KeyMaterial {
    fn from_ref(state: &AppState) -> Self {
        state.gate.keys().clone()
    }
}

impl FromRef<AppState> for Gate {
    fn from_ref(state: &AppState) -> Self {
        state.gate.clone()
    }
}

impl FromRef<AppState> for Endpoint {
    fn from_ref(state: &AppState) -> Self {
        state.graphql.clone()
    }
}

impl FromRef<AppState> for PrometheusHandle {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}
