//! The `replay` source: the bundled real datasets, time-shifted so their
//! timestamps track the present ([`clock`] documents the mapping).
//!
//! Each run replays one dataset step (one hour of data): the step after the
//! unit's stored cursor, catching up one step per run after a stop (at most
//! `backfill_steps` behind), and re-replaying the present step once caught
//! up, which rewrites the same rows (idempotent). Datasets are parsed once
//! per process with the loaders of [`crate::load`] and kept in memory (the
//! largest, traffic, is ~48k hourly rows).
//!
//! Replayed rows carry `source = "replay:<dataset source>"`. Their natural
//! keys follow from the shifted times, as the loaders derive them
//! (`trade_id` `BE-DA-<shifted UTC hour>`, situation ids with the shifted
//! start), so they never collide with the original rows or another cycle.

pub mod clock;
mod data;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::OnceCell;

use self::clock::next_step;
use self::data::Dataset;
use super::{FetchContext, Fetched, SourceError};
use crate::settings::ReplaySettings;
use crate::unit::Unit;

/// Replays one unit's bundled dataset.
pub struct ReplaySource {
    unit: Unit,
    fixtures: PathBuf,
    settings: ReplaySettings,
    data: OnceCell<Arc<Dataset>>,
}

impl ReplaySource {
    /// A replay of `unit` from the datasets in `fixtures` (parsed at first use).
    pub fn new(unit: Unit, fixtures: PathBuf, settings: ReplaySettings) -> Self {
        Self {
            unit,
            fixtures,
            settings,
            data: OnceCell::new(),
        }
    }

    /// The parsed dataset, loading it on first use.
    async fn data(&self) -> Result<&Arc<Dataset>, SourceError> {
        self.data
            .get_or_try_init(|| {
                Dataset::load(self.unit, self.fixtures.clone(), self.settings.epoch)
            })
            .await
    }

    /// Rows of the next step, and the step as the new cursor.
    pub async fn fetch(&self, ctx: &FetchContext<'_>) -> Result<Fetched, SourceError> {
        let data = Arc::clone(self.data().await?);
        let clock = data.clock();
        let cursor = ctx.cursor.and_then(|c| c.parse::<i64>().ok());
        let target = clock.step_at(ctx.now);
        let n = next_step(cursor, target, i64::from(self.settings.backfill_steps));
        let batch = data.step(ctx, n).await?;
        let (cycle, k) = clock.locate(n);
        Ok(Fetched {
            note: Some(format!(
                "replayed dataset step {k} of cycle {cycle} as {}",
                clock.step_start(n).format("%Y-%m-%dT%H:%MZ")
            )),
            cursor: Some(n.to_string()),
            batch,
            on_commit: None,
        })
    }
}
