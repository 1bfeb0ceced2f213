//! Scale-out reads (README "Scaling out"): the public reads of the data
//! units may go to PostgreSQL streaming replicas (`[database] replica_urls`).
//!
//! [`ReadPool`] holds the primary's public pool and one pool per replica.
//! [`ReadPool::pick`] chooses, round robin over the replicas currently in
//! rotation, where one request's reads go (once per request, so the page and
//! the `totalCount` of one answer come from the same server);
//! [`ReadPool::run`] runs a read there. A replica leaves the rotation the
//! moment a read on it fails to connect, or when the background health check
//! (`SELECT pg_is_in_recovery()` every `replica_check_interval_ms`, with a
//! `replica_check_timeout_ms` limit) fails; it comes back when a check
//! passes. A read whose replica fails or leaves the rotation while it runs
//! is run once more on the primary, so a replica going away costs no failed
//! request. With no replica configured every read goes to the primary pool,
//! exactly as before.
//!
//! Only reads that may lag the primary by the replication delay belong here:
//! the gate, the audit log and its reads, admin mutations and refresh runs
//! never use this type.
//!
//! Logs and metrics name replicas by position (`replica-0`, …), never by
//! URL: a URL may hold a password.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    Statement,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;

use super::failure::{ClassifyRead, ReadFailure};
use crate::config::DatabaseSettings;

/// Prometheus counter of public reads, labelled `target` = `primary` or
/// `replica-<index>`.
pub const READS_METRIC: &str = "zkcity_db_public_reads_total";
/// Prometheus gauge: replicas currently in rotation.
pub const HEALTHY_METRIC: &str = "zkcity_db_replicas_healthy";

/// Where one request's public reads go, from [`ReadPool::pick`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadTarget(Option<usize>);

impl ReadTarget {
    /// The primary's public pool.
    pub const PRIMARY: ReadTarget = ReadTarget(None);

    /// The replica's position in `replica_urls`, if a replica.
    pub fn replica(self) -> Option<usize> {
        self.0
    }
}

/// A replica URL that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// The pool for the replica could not be set up; the URL is not shown
    /// because it may hold a password.
    #[error("database.replica_urls[{index}] cannot be used")]
    Pool {
        index: usize,
        #[source]
        source: DbErr,
    },
}

/// The public read pools: the primary's and one per replica. Cheap to clone.
#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<Inner>,
}

struct Inner {
    primary: DatabaseConnection,
    replicas: Vec<Replica>,
    /// Round-robin position.
    next: AtomicUsize,
    check_timeout: Duration,
}

struct Replica {
    /// `replica-<index>`: the metric label and the name in logs.
    label: String,
    /// Public reads.
    pool: DatabaseConnection,
    /// One connection for health checks, so a saturated `pool` cannot make a
    /// healthy replica look down.
    probe: DatabaseConnection,
    /// Whether the replica is in rotation; reads in flight on it watch this
    /// and move to the primary when it turns false.
    up: watch::Sender<bool>,
}

/// How a read on a replica ended.
enum ReplicaRead<T, E> {
    /// The replica answered (rows or an SQL error the primary would repeat).
    Answered(Result<T, E>),
    /// Run it on the primary; `Some(why)` takes the replica out of rotation.
    Fallback(Option<&'static str>),
}

impl ReadPool {
    /// Every read on `primary`: no replica configured (and always for SQLite).
    pub fn primary_only(primary: DatabaseConnection) -> Self {
        Self {
            inner: Arc::new(Inner {
                primary,
                replicas: Vec::new(),
                next: AtomicUsize::new(0),
                check_timeout: Duration::ZERO,
            }),
        }
    }

    /// Sets up a pool per configured replica (connections open lazily, so a
    /// replica that is down does not stop the server), runs one health check
    /// round so a healthy replica serves from the first request, and starts
    /// the background checks, which end when the last clone is dropped.
    pub async fn start(
        settings: &DatabaseSettings,
        primary: DatabaseConnection,
    ) -> Result<Self, ReplicaError> {
        if settings.replica_urls.is_empty() {
            return Ok(Self::primary_only(primary));
        }
        let check_timeout = Duration::from_millis(settings.replica_check_timeout_ms);
        let mut replicas = Vec::with_capacity(settings.replica_urls.len());
        for (index, url) in settings.replica_urls.iter().enumerate() {
            replicas.push(
                Replica::connect(index, url, settings, check_timeout)
                    .await
                    .map_err(|source| ReplicaError::Pool { index, source })?,
            );
        }
        let inner = Arc::new(Inner {
            primary,
            replicas,
            next: AtomicUsize::new(0),
            check_timeout,
        });
        inner.check_all().await;
        let every = Duration::from_millis(settings.replica_check_interval_ms);
        tokio::spawn(check_forever(Arc::downgrade(&inner), every));
        Ok(Self { inner })
    }

    /// The primary's public pool.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.inner.primary
    }

    /// Where the next request's reads go: the next replica in rotation, or
    /// the primary when none is.
    pub fn pick(&self) -> ReadTarget {
        let replicas = &self.inner.replicas;
        if replicas.is_empty() {
            return ReadTarget::PRIMARY;
        }
        let start = self.inner.next.fetch_add(1, Ordering::Relaxed);
        (0..replicas.len())
            .map(|k| start.wrapping_add(k) % replicas.len())
            .find(|&i| *replicas[i].up.borrow())
            .map_or(ReadTarget::PRIMARY, |i| ReadTarget(Some(i)))
    }

    /// Runs `read` on `target`. On a replica, a connection failure (which
    /// takes the replica out of rotation), a recovery conflict, or the
    /// replica leaving the rotation meanwhile runs `read` once more on the
    /// primary; any other error is returned as it is.
    pub async fn run<T, E, F, Fut>(&self, target: ReadTarget, read: F) -> Result<T, E>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: ClassifyRead,
    {
        if let Some((index, replica)) = target
            .0
            .and_then(|i| self.inner.replicas.get(i).map(|r| (i, r)))
        {
            match replica.read(&read).await {
                ReplicaRead::Answered(result) => return result,
                ReplicaRead::Fallback(Some(why)) => self.inner.set_up(index, false, why),
                ReplicaRead::Fallback(None) => {}
            }
        }
        metrics::counter!(READS_METRIC, "target" => "primary").increment(1);
        read(self.inner.primary.clone()).await
    }
}

impl Replica {
    async fn connect(
        index: usize,
        url: &SecretString,
        settings: &DatabaseSettings,
        check_timeout: Duration,
    ) -> Result<Self, DbErr> {
        let wait = Duration::from_secs(settings.connect_timeout_secs);
        let pool = lazy_pool(url, settings.max_connections, wait).await?;
        let probe = lazy_pool(url, 1, check_timeout).await?;
        Ok(Self {
            label: format!("replica-{index}"),
            pool,
            probe,
            up: watch::Sender::new(false),
        })
    }

    async fn read<T, E, F, Fut>(&self, read: &F) -> ReplicaRead<T, E>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: ClassifyRead,
    {
        let mut up = self.up.subscribe();
        if !*up.borrow_and_update() {
            return ReplicaRead::Fallback(None);
        }
        // A read waiting on a replica that just stopped (a new connection is
        // retried until the acquire timeout) moves on as soon as anything
        // takes the replica out of rotation.
        let result = tokio::select! {
            result = read(self.pool.clone()) => result,
            _ = up.wait_for(|up| !*up) => return ReplicaRead::Fallback(None),
        };
        match result.as_ref().map_err(ClassifyRead::read_failure) {
            Err(ReadFailure::Connection) => ReplicaRead::Fallback(Some("a read failed to connect")),
            Err(ReadFailure::RecoveryConflict) => ReplicaRead::Fallback(None),
            Ok(_) | Err(ReadFailure::Query) => {
                metrics::counter!(READS_METRIC, "target" => self.label.clone()).increment(1);
                ReplicaRead::Answered(result)
            }
        }
    }

    /// One health check: the replica answers within `timeout` and is a
    /// standby (`pg_is_in_recovery()`); a promoted replica no longer follows
    /// the primary and must not serve its reads.
    async fn check(&self, timeout: Duration) -> Result<(), String> {
        let sql = Statement::from_string(DatabaseBackend::Postgres, "SELECT pg_is_in_recovery()");
        match tokio::time::timeout(timeout, self.probe.query_one(sql)).await {
            Err(_) => Err("the health check timed out".into()),
            Ok(Err(e)) => Err(format!("the health check failed: {e}")),
            Ok(Ok(row)) => match row.map(|r| r.try_get_by_index::<bool>(0)) {
                Some(Ok(true)) => Ok(()),
                Some(Ok(false)) => Err("it is not a standby (pg_is_in_recovery() is false)".into()),
                _ => Err("the health check gave no answer".into()),
            },
        }
    }
}

impl Inner {
    /// Checks every replica at once and updates the rotation and the gauge.
    async fn check_all(&self) {
        let checks = self.replicas.iter().map(|r| r.check(self.check_timeout));
        let results = futures::future::join_all(checks).await;
        for (index, result) in results.into_iter().enumerate() {
            match result {
                Ok(()) => self.set_up(index, true, "a health check passed"),
                Err(why) => self.set_up(index, false, &why),
            }
        }
        // Set every round, not only on changes: the first round may run
        // before the process installed its metrics recorder.
        self.report_healthy();
    }

    /// Puts replica `index` in or out of rotation, logging a change once.
    fn set_up(&self, index: usize, up: bool, why: &str) {
        let replica = &self.replicas[index];
        if !replica
            .up
            .send_if_modified(|v| std::mem::replace(v, up) != up)
        {
            return;
        }
        if up {
            tracing::info!(replica = %replica.label, reason = why, "replica in rotation");
        } else {
            tracing::warn!(replica = %replica.label, reason = why, "replica out of rotation; its reads go to the primary");
        }
        self.report_healthy();
    }

    fn report_healthy(&self) {
        let healthy = self.replicas.iter().filter(|r| *r.up.borrow()).count();
        metrics::gauge!(HEALTHY_METRIC).set(healthy as f64);
    }
}

/// The background health checks, until the pool is dropped.
async fn check_forever(inner: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate; `start` just checked
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        inner.check_all().await;
    }
}

/// A pool that connects on first use, waiting at most `wait` for a
/// connection.
async fn lazy_pool(
    url: &SecretString,
    size: u32,
    wait: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.expose_secret().to_owned());
    opts.max_connections(size.max(1))
        .min_connections(0)
        .connect_timeout(wait)
        .acquire_timeout(wait)
        .connect_lazy(true)
        .sqlx_logging(false);
    Database::connect(opts).await
}
