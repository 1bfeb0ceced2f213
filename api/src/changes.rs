//! The feed of change notices that keeps two in-memory copies exact:
//!
//! - the response cache (unit data): this process's refresh commits, through
//!   a hook the refresh service calls right after each commit, and every
//!   process's commits through `LISTEN` on
//!   [`zkcity_jobs::changes::DATA_CHANGED_CHANNEL`];
//! - the ledger's recent membership roots: this process's writer drops them
//!   itself; other processes' member commits arrive on
//!   [`zkcity_ledger::roots::MEMBERS_CHANGED_CHANNEL`].
//!
//! The listener has its own connection, outside both pools. While it is not
//! listening, notices may be lost, so both copies are switched off until it
//! listens again (and dropped when it does). Only PostgreSQL has notices.

use std::time::Duration;

use sqlx::postgres::PgListener;
use zkcity_jobs::changes::DATA_CHANGED_CHANNEL;
use zkcity_jobs::RefreshService;
use zkcity_ledger::roots::MEMBERS_CHANGED_CHANNEL;
use zkcity_ledger::Ledger;

use crate::graphql::response_cache::ResponseCache;

/// Longest wait between two attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// What the notices keep current.
#[derive(Clone)]
pub struct Watched {
    pub cache: ResponseCache,
    pub ledger: Ledger,
}

impl Watched {
    fn set_listening(&self, listening: bool) {
        self.cache.set_live(listening);
        self.ledger.set_members_feed(listening);
        metrics::gauge!("zkcity_change_feed_connected").set(if listening { 1.0 } else { 0.0 });
    }
}

/// Starts the feed. `postgres_url` is the database URL when it is
/// PostgreSQL (no cross-process notices otherwise).
pub fn start(watched: Watched, refresh: &RefreshService, postgres_url: Option<String>) {
    let cache = watched.cache.clone();
    if cache.is_enabled() {
        refresh.on_commit(std::sync::Arc::new(move |_| cache.invalidate()));
    }
    if let Some(url) = postgres_url {
        watched.set_listening(false);
        tokio::spawn(listen(url, watched));
    }
}

/// Listens for other processes' commits until the runtime stops.
async fn listen(url: String, watched: Watched) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match subscribe(&url).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(100);
                watched.set_listening(true);
                // `try_recv` answers `None` when the connection was lost:
                // whatever was sent meanwhile is gone.
                while let Ok(Some(notice)) = listener.try_recv().await {
                    if notice.channel() == MEMBERS_CHANGED_CHANNEL {
                        watched.ledger.members_changed();
                    } else {
                        watched.cache.invalidate();
                    }
                }
                tracing::warn!("change feed lost its connection; caches off until it is back");
            }
            Err(e) => tracing::warn!(error = %e, "change feed cannot listen; caches off"),
        }
        watched.set_listening(false);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn subscribe(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener
        .listen_all([DATA_CHANGED_CHANNEL, MEMBERS_CHANGED_CHANNEL])
        .await?;
    Ok(listener)
}
