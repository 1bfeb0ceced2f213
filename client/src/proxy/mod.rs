//! The local privacy proxy (`zkcity proxy`, issue 13): a GraphQL endpoint
//! on this machine that any GraphQL client — GraphiQL, Apollo, urql, curl,
//! a notebook — talks to as if it were the zkcity server. Operations that
//! read a gated unit leave it as anonymous, proven, logged queries
//! (DESIGN §4, §5); everything else passes through unchanged.
//!
//! - [`anonymizer`]: which operations need a proof; slot, proof, receipt;
//! - [`exchange`]: one HTTP request (single or batch) through the proxy;
//! - [`http`]: the routes, and the guard that keeps other web pages out;
//! - [`ws`]: graphql-transport-ws relayed to the server;
//! - [`upstream`]: the network side, optionally through SOCKS5 / HTTP;
//! - [`error`]: [`ProxyError`], the proxy's own coded answers.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use zkcity_client::proxy::{Proxy, ProxyConfig};
//! let config = ProxyConfig::new("http://127.0.0.1:8080", "me.json".as_ref(), ".zkcity".as_ref());
//! let proxy = Proxy::bind(config).await?;
//! println!("GraphiQL at http://{}/graphql", proxy.local_addr()?);
//! proxy.serve(std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod anonymizer;
pub mod error;
pub mod exchange;
pub mod http;
pub mod upstream;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use zkcity_web::cors::OriginPolicy;

pub use error::ProxyError;
pub use upstream::UpstreamProxy;

use crate::anon::store::ReceiptStore;
use anonymizer::{Anonymizer, RequesterFiles};
use upstream::Upstream;

/// How the proxy is run.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The zkcity server's base URL.
    pub server: String,
    pub identity: PathBuf,
    /// Key cache, used slots, pinned log key (shared with `zkcity query`).
    pub state_dir: PathBuf,
    /// Where receipts are stored (default `<state_dir>/receipts`).
    pub receipts_dir: PathBuf,
    pub listen: SocketAddr,
    /// Listen on a non-loopback address (the proxy spends the identity's
    /// slots for whoever reaches it).
    pub allow_remote: bool,
    pub upstream: Option<UpstreamProxy>,
    /// Browser origins allowed to call (CORS); `None`: loopback origins.
    pub cors_allowed_origins: Option<Vec<String>>,
    /// A log key to pin instead of the first one seen.
    pub log_key: Option<String>,
    pub body_limit: usize,
    pub max_batch: usize,
}

impl ProxyConfig {
    /// Defaults: listen on 127.0.0.1:8787, receipts in `<state_dir>/receipts`.
    pub fn new(server: &str, identity: &Path, state_dir: &Path) -> Self {
        Self {
            server: server.to_owned(),
            identity: identity.to_owned(),
            state_dir: state_dir.to_owned(),
            receipts_dir: state_dir.join("receipts"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            allow_remote: false,
            upstream: None,
            cors_allowed_origins: None,
            log_key: None,
            body_limit: 256 * 1024,
            max_batch: 10,
        }
    }
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A non-loopback listen address without `allow_remote`.
    #[error(
        "refusing to listen on {0}: not a loopback address (pass --allow-remote to accept it)"
    )]
    NotLoopback(SocketAddr),
    /// A bad option value.
    #[error("{0}")]
    Config(String),
    /// The identity file could not be read.
    #[error("identity: {0}")]
    Identity(#[from] crate::anon::AnonError),
    /// The listen address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// What every route shares.
pub struct ProxyState {
    pub anonymizer: Anonymizer,
    pub upstream: Upstream,
    pub origins: OriginPolicy,
    /// Only requests addressed to a loopback name are answered.
    pub loopback_only: bool,
    pub body_limit: usize,
    pub max_batch: usize,
}

/// A bound proxy, ready to serve.
pub struct Proxy {
    listener: TcpListener,
    router: Router,
}

/// The routes over a state (tests may drive it without a listener).
pub fn router(state: Arc<ProxyState>) -> Router {
    let cors = state.origins.layer();
    Router::new()
        .route("/graphql", get(http::get).post(http::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/healthz", get(http::healthz))
        .merge(zkcity_web::graphiql::assets_router())
        .layer(cors)
        .with_state(state)
}

impl Proxy {
    /// Checks the options, reads the identity and binds the listener.
    pub async fn bind(config: ProxyConfig) -> Result<Self, StartError> {
        let loopback = config.listen.ip().is_loopback();
        if !loopback && !config.allow_remote {
            return Err(StartError::NotLoopback(config.listen));
        }
        let origins = match &config.cors_allowed_origins {
            None => OriginPolicy::Loopback,
            Some(list) => {
                OriginPolicy::list(list).map_err(|e| StartError::Config(e.to_string()))?
            }
        };
        let upstream = Upstream::new(&config.server, config.upstream.clone())
            .map_err(|e| StartError::Config(e.to_string()))?;
        let files = RequesterFiles {
            identity: config.identity.clone(),
            state_dir: config.state_dir.clone(),
            receipts: ReceiptStore::new(&config.receipts_dir),
            log_key: config.log_key.clone(),
        };
        let anonymizer = Anonymizer::new(&upstream, files)?;
        let state = Arc::new(ProxyState {
            anonymizer,
            upstream,
            origins,
            loopback_only: loopback,
            body_limit: config.body_limit,
            max_batch: config.max_batch,
        });
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(Self {
            listener,
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
