//! zkcity witness (DESIGN §6 amendment "Witnesses"): a C2SP tlog-witness.
//! For each configured log (an origin and the log's verifier key) it keeps
//! the tree head it last cosigned, and cosigns a new checkpoint only if the
//! log signed it and a consistency proof shows it extends that head; the
//! cosignature is a C2SP tlog-cosignature `cosignature/v1` line.
//!
//! - [`config`]: [`WitnessConfig`], key generation;
//! - [`state`]: the durable per-origin [`State`], checked and written
//!   atomically under one lock before any answer;
//! - [`http`]: `POST /add-checkpoint` and its status codes;
//! - [`error`]: the one error type, [`WitnessError`].
//!
//! `zkcity witness serve` runs [`serve`]; the protocol's pure parts (the
//! request body, the rule, the cosignature) are in `zkcity_audit`.

pub mod config;
pub mod error;
pub mod http;
pub mod state;

use std::future::Future;
use std::sync::Arc;

pub use config::{generate_key, WitnessConfig, DEFAULT_BODY_LIMIT};
pub use error::WitnessError;
pub use state::State;

/// A witness bound to its address, ready to serve.
pub struct Bound {
    listener: tokio::net::TcpListener,
    router: axum::Router,
    /// The witness's published verifier key (`name+id+base64(0x04‖key)`).
    pub verifier_key: String,
}

impl Bound {
    /// The bound address (the port differs from the configured one when that is 0).
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Loads the key, the logs and the state, and binds the listener.
pub async fn bind(config: &WitnessConfig) -> Result<Bound, WitnessError> {
    let loaded = config.load()?;
    let state = State::open(&config.state_file)?;
    let verifier_key = loaded.signer.verifier().to_string();
    let witness = Arc::new(http::Witness {
        signer: loaded.signer,
        logs: loaded.logs,
        state,
    });
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| WitnessError::Io {
            path: config.listen.clone().into(),
            reason: e.to_string(),
        })?;
    Ok(Bound {
        listener,
        router: http::router(witness, config.body_limit),
        verifier_key,
    })
}
