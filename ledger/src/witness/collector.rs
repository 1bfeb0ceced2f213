//! The background task that gets the log's checkpoints cosigned (DESIGN §6
//! amendment "Witnesses"), separate from the append path so a witness
//! that is down or slow never delays an append.
//!
//! In rounds: take the newest signed checkpoint; keep its note; submit it to
//! every witness that has not cosigned it and is not backing off, each with
//! the consistency proof from the size it last cosigned (a 409 answer tells
//! that size: re-sync and retry); store each verified cosignature; publish
//! the checkpoint once `quorum` witnesses cosigned it. A failed witness is
//! retried with exponential backoff, even when no new checkpoint comes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use zkcity_audit::witness::AddCheckpoint;
use zkcity_audit::WitnessKey;

use super::client::{submit, Answer};
use super::settings::{WitnessEntry, WitnessesSettings};
use super::store;
use crate::service::SignedCheckpoint;

/// Immediate re-syncs after a 409 before the round gives up on a witness.
const RESYNCS: usize = 3;

/// The shared slot the ledger publishes from.
pub type Published = Arc<Mutex<Option<SignedCheckpoint>>>;

/// One witness as the collector tracks it.
struct Tracked {
    entry: WitnessEntry,
    key: WitnessKey,
    /// The size it last cosigned, if known (else 0 is sent and 409 tells).
    known: Option<u64>,
    failures: u32,
    retry_at: Instant,
}

/// The collector; [`Collector::run`] until the ledger is dropped.
pub struct Collector {
    pub db: DatabaseConnection,
    pub settings: WitnessesSettings,
    pub keys: Vec<WitnessKey>,
    pub latest: watch::Receiver<Option<SignedCheckpoint>>,
    pub published: Published,
    pub http: reqwest::Client,
}

impl Collector {
    /// Runs rounds until the ledger (the watch's sender) is gone.
    pub async fn run(mut self) {
        let known = store::cosigned_sizes(&self.db).await.unwrap_or_default();
        let mut witnesses = self.tracked(&known);
        loop {
            let latest = self.latest.borrow_and_update().clone();
            if let Some(cp) = &latest {
                if witnesses.iter().any(|w| w.due(cp.checkpoint.size)) {
                    self.round(&mut witnesses, cp).await;
                }
            }
            let wake = latest.as_ref().and_then(|cp| {
                let pending = witnesses.iter().filter(|w| w.needs(cp.checkpoint.size));
                pending.map(|w| w.retry_at).min()
            });
            let sleep = wake.map(|t| tokio::time::sleep_until(t.into()));
            tokio::select! {
                changed = self.latest.changed() => if changed.is_err() { return },
                () = async { if let Some(s) = sleep { s.await } else { std::future::pending().await } } => {}
            }
        }
    }

    fn tracked(&self, known: &HashMap<String, u64>) -> Vec<Tracked> {
        self.settings
            .list
            .iter()
            .zip(&self.keys)
            .map(|(entry, key)| Tracked {
                known: known.get(&entry.name).copied(),
                entry: entry.clone(),
                key: key.clone(),
                failures: 0,
                retry_at: Instant::now(),
            })
            .collect()
    }

    /// Submits `cp` to every due witness at once, then publishes if a quorum cosigned.
    #[tracing::instrument(skip_all, fields(size = cp.checkpoint.size))]
    async fn round(&self, witnesses: &mut [Tracked], cp: &SignedCheckpoint) {
        let started = Instant::now();
        if let Err(e) = store::save_checkpoint(&self.db, cp).await {
            tracing::warn!(error = %e, "witnesses: keeping the checkpoint failed");
            return;
        }
        let size = cp.checkpoint.size;
        let calls = witnesses
            .iter_mut()
            .filter(|w| w.due(size))
            .map(|w| self.cosign(w, cp));
        futures::future::join_all(calls).await;
        metrics::histogram!("zkcity_witness_round_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        self.publish().await;
    }

    /// One witness: submit, re-syncing on 409, and store its cosignature.
    async fn cosign(&self, w: &mut Tracked, cp: &SignedCheckpoint) {
        let name = w.entry.name.clone();
        for _ in 0..RESYNCS {
            let old = w.known.unwrap_or(0);
            let request = match self.request(old, cp).await {
                Ok(r) => r,
                Err(reason) => return w.failed(&self.settings, reason, "ahead"),
            };
            let timeout = Duration::from_millis(self.settings.timeout_ms);
            match submit(&self.http, &w.entry.url, &request, timeout).await {
                Ok(Answer::Cosigned(lines)) => return self.accept(w, cp, &lines).await,
                Ok(Answer::Conflict(size)) => {
                    metrics::counter!("zkcity_witness_resyncs_total", "witness" => name.clone())
                        .increment(1);
                    w.known = Some(size);
                }
                Err(e) => return w.failed(&self.settings, e.to_string(), e.reason()),
            }
        }
        w.failed(&self.settings, "kept answering 409".into(), "conflict");
    }

    /// The request from `old`: the consistency proof from the stored tree.
    async fn request(&self, old: u64, cp: &SignedCheckpoint) -> Result<AddCheckpoint, String> {
        let size = cp.checkpoint.size;
        if old > size {
            return Err(format!(
                "the witness cosigned size {old}, larger than {size}"
            ));
        }
        let proof = crate::store::consistency(&self.db, old, size)
            .await
            .map_err(|e| e.to_string())?;
        Ok(AddCheckpoint {
            old_size: old,
            proof: if old == 0 { Vec::new() } else { proof },
            note: cp.note.clone(),
        })
    }

    /// Verifies the witness's line with its configured key and stores it.
    async fn accept(&self, w: &mut Tracked, cp: &SignedCheckpoint, lines: &str) {
        let body = cp.checkpoint.to_note_body();
        let line = lines
            .lines()
            .find(|l| matches!(w.key.verify_line(&body, l), Ok(Some(_))));
        let Some(line) = line else {
            let why = "no valid cosignature from its key in the answer".to_owned();
            return w.failed(&self.settings, why, "bad_cosignature");
        };
        let line = format!("{line}\n");
        if let Err(e) =
            store::save_cosignature(&self.db, &w.entry.name, &cp.checkpoint, &line).await
        {
            return w.failed(&self.settings, e.to_string(), "store");
        }
        let size = cp.checkpoint.size;
        w.known = Some(size);
        w.failures = 0;
        w.retry_at = Instant::now();
        metrics::gauge!("zkcity_witness_cosigned_size", "witness" => w.entry.name.clone())
            .set(size as f64);
    }

    /// Publishes the largest checkpoint a quorum cosigned, if it is newer.
    async fn publish(&self) {
        let names: Vec<String> = self.settings.list.iter().map(|w| w.name.clone()).collect();
        let found = store::published(&self.db, &names, self.settings.quorum).await;
        let cp = match found {
            Ok(Some(cp)) => cp,
            Ok(None) => return,
            Err(e) => return tracing::warn!(error = %e, "witnesses: reading cosignatures failed"),
        };
        let size = cp.checkpoint.size;
        let newer = match self.published.lock() {
            Ok(mut slot) if slot.as_ref().is_none_or(|p| p.checkpoint.size < size) => {
                *slot = Some(cp);
                true
            }
            _ => false,
        };
        if newer {
            metrics::gauge!("zkcity_witness_published_size").set(size as f64);
            if let Err(e) = store::prune_below(&self.db, size).await {
                tracing::warn!(error = %e, "witnesses: pruning old cosignatures failed");
            }
        }
    }
}

impl Tracked {
    /// Whether this witness has yet to cosign `size`.
    fn needs(&self, size: u64) -> bool {
        self.known.is_none_or(|k| k < size)
    }

    /// Whether to submit `size` to it now.
    fn due(&self, size: u64) -> bool {
        self.needs(size) && Instant::now() >= self.retry_at
    }

    /// Counts a failure and backs off: `retry_ms · 2^failures`, capped.
    fn failed(&mut self, s: &WitnessesSettings, why: String, reason: &'static str) {
        self.failures = self.failures.saturating_add(1);
        let exp = self.failures.min(16) - 1;
        let delay = s.retry_ms.saturating_mul(1 << exp).min(s.max_retry_ms);
        self.retry_at = Instant::now() + Duration::from_millis(delay);
        metrics::counter!(
            "zkcity_witness_failures_total",
            "witness" => self.entry.name.clone(),
            "reason" => reason
        )
        .increment(1);
        tracing::warn!(witness = %self.entry.name, failures = self.failures, %why, "witness did not cosign");
    }
}
