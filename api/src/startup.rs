//! Wiring: database, schema and routes into one axum app, and serving it
//! with graceful shutdown. Tests drive [`Application`] on port 0.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use zkcity_entities::ecological::station;
use zkcity_jobs::import::{import_fixtures, ImportWindow};
use zkcity_jobs::{RefreshScheduler, RefreshService};
use zkcity_ledger::Ledger;

use crate::config::{ServerSettings, Settings};
use crate::gate::Gate;
use crate::graphql::response_cache::ResponseCache;
use crate::state::{AppState, Services};
use crate::{changes, db, graphql, http};

/// Builds the whole HTTP surface over the application state. The CORS
/// allow-list was validated with the settings; an entry that still fails
/// here allows nothing rather than everything.
pub fn app(state: AppState, settings: &ServerSettings) -> Router {
    let cors = zkcity_web::cors::layer(&settings.cors_allowed_origins)
        .unwrap_or_else(|_| tower_http::cors::CorsLayer::new());
    let graphiql_assets = if state.graphql.graphiql_enabled() {
        zkcity_web::graphiql::assets_router()
    } else {
        Router::new()
    };
    Router::new()
        .merge(graphql::router(&state.graphql))
        .merge(graphiql_assets)
        .merge(http::export::router())
        .merge(http::keys::router())
        .merge(http::health::router())
        .merge(http::images::router())
        .merge(http::metrics::router())
        .merge(http::tiles::router())
        .route_layer(axum::middleware::from_fn(http::metrics::track))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(settings.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(cors)
        .with_state(state)
}

/// A bound, ready-to-serve server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: DatabaseConnection,
    refresh: RefreshService,
}

impl Application {
    /// Connects, migrates, seeds the bundled data when configured and the
    /// database is empty, and binds the listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        if settings.data.seed_on_start {
            seed_if_empty(&db, settings).await?;
        }
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let reserved_db = db::connect_reserved(&settings.database).await?;
        let ledger = Ledger::start(
            reserved_db.clone(),
            &settings.audit,
            &settings.database.sqlite_path,
        )
        .await
        .context("starting the audit log")?;
        let refresh = RefreshService::new(
            reserved_db.clone(),
            settings.refresh.clone(),
            &settings.data.fixtures_dir,
        )
        .context("configuring the refresh jobs")?;
        let gate = Gate::start(
            settings.zk.clone(),
            settings.audit.membership_depth,
            ledger.clone(),
        )
        .await?;
        let reads = db::ReadPool::start(&settings.database, db.clone())
            .await
            .context("setting up the read replicas")?;
        // An answer read from a lagging replica after a commit's notice
        // would be kept as current: with replicas, reads scale out there
        // instead of being cached.
        let cache_bytes = if settings.database.replica_urls.is_empty() {
            settings.graphql.response_cache_mib << 20
        } else {
            0
        };
        let cache = ResponseCache::new(
            cache_bytes,
            Duration::from_secs(settings.graphql.response_cache_max_age_secs),
        );
        let url = db::database_url(&settings.database)?;
        let postgres = url.starts_with("postgres").then_some(url);
        let watched = changes::Watched {
            cache: cache.clone(),
            ledger: ledger.clone(),
        };
        changes::start(watched, &refresh, postgres);
        let services = Services {
            db: db.clone(),
            reads,
            reserved_db,
            ledger,
            refresh: refresh.clone(),
            gate,
            cache,
        };
        let router = app(AppState::new(settings, services), &settings.server);
        Ok(Self {
            listener,
            router,
            db,
            refresh,
        })
    }

    /// The port actually bound (differs from the setting when that is 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The refresh service the schedule and `refreshNow` use.
    pub fn refresh(&self) -> &RefreshService {
        &self.refresh
    }

    /// Starts the refresh schedule and serves until `shutdown` resolves, then
    /// drains in-flight requests and stops the schedule (waiting for runs in
    /// progress).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        let scheduler = RefreshScheduler::start(self.refresh)
            .await
            .context("starting the refresh scheduler")?;
        tracing::info!(%addr, "zkcity listening");
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        scheduler.shutdown().await;
        served?;
        tracing::info!("zkcity stopped");
        Ok(())
    }
}

/// Loads the bundled real datasets into an empty database, so a first run
/// has data to query.
async fn seed_if_empty(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    if station::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let dir = &settings.data.fixtures_dir;
    tracing::info!(dir = %dir.display(), "empty database: importing the bundled real datasets");
    let report = import_fixtures(db, dir, ImportWindow::default())
        .await
        .with_context(|| format!("importing fixtures from {}", dir.display()))?;
    tracing::info!(?report, "import done");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
