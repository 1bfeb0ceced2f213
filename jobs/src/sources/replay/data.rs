//! The bundled datasets parsed into per-step rows, and the shifting of one
//! step's rows to the present.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::America::Chicago;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use zkcity_entities::ecological::{air_quality_observation as aq, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{
    flow_observation as flow, image_tile as tile, road_condition_report as rcr, tile_blob as blob,
};

use super::clock::ReplayClock;
use crate::batch::Batch;
use crate::import::{AIR_QUALITY, POWER, STATIONS, TILES, TILE_META, TRAFFIC};
use crate::load::traffic::{self, Hour};
use crate::load::{air_quality, image, power};
use crate::sources::{FetchContext, SourceError};
use crate::unit::Unit;

/// Reports of one cycle, by global step of their `valid_from`.
type CycleReports = (i64, Arc<BTreeMap<i64, Vec<rcr::ActiveModel>>>);

/// One unit's dataset, rows grouped by dataset step, times unshifted.
pub(super) enum Dataset {
    Ecological {
        clock: ReplayClock,
        stations: Vec<station::ActiveModel>,
        steps: BTreeMap<i64, Vec<aq::ActiveModel>>,
    },
    Power {
        clock: ReplayClock,
        /// A clearing price and its cleared transaction per hour.
        steps: BTreeMap<i64, Vec<(cp::ActiveModel, tx::ActiveModel)>>,
    },
    Traffic {
        clock: ReplayClock,
        hours: Vec<Hour>,
        steps: BTreeMap<i64, Vec<flow::ActiveModel>>,
        tiles: Vec<(tile::ActiveModel, blob::ActiveModel)>,
        reports: Mutex<Option<CycleReports>>,
    },
}

fn dataset_err(path: &Path, reason: impl ToString) -> SourceError {
    SourceError::Dataset {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

async fn read(dir: &Path, name: &str) -> Result<(PathBuf, Vec<u8>), SourceError> {
    let path = dir.join(name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| dataset_err(&path, e))?;
    Ok((path, bytes))
}

/// Groups `rows` by the dataset step of `time(row)`.
fn by_step<T>(
    clock: &ReplayClock,
    rows: Vec<T>,
    time: impl Fn(&T) -> DateTime<Utc>,
) -> BTreeMap<i64, Vec<T>> {
    let mut steps: BTreeMap<i64, Vec<T>> = BTreeMap::new();
    for row in rows {
        steps
            .entry(clock.dataset_step(time(&row)))
            .or_default()
            .push(row);
    }
    steps
}

fn set_time<T: Clone + Into<sea_orm::Value>>(v: &sea_orm::ActiveValue<T>) -> Option<T> {
    v.try_as_ref().cloned()
}

/// The replay mapping of a dataset with rows at `times`.
fn clock_for(
    path: &Path,
    epoch: DateTime<Utc>,
    times: impl Iterator<Item = DateTime<Utc>>,
) -> Result<ReplayClock, SourceError> {
    ReplayClock::new(epoch, times).ok_or_else(|| {
        dataset_err(
            path,
            "the dataset has no week with data in half of its hours",
        )
    })
}

impl Dataset {
    /// Reads and parses `unit`'s dataset (CPU work on the blocking pool).
    pub(super) async fn load(
        unit: Unit,
        dir: PathBuf,
        epoch: DateTime<Utc>,
    ) -> Result<Arc<Self>, SourceError> {
        let data = match unit {
            Unit::Ecological => Self::load_ecological(&dir, epoch).await?,
            Unit::Power => Self::load_power(&dir, epoch).await?,
            Unit::Traffic => Self::load_traffic(&dir, epoch).await?,
        };
        tracing::info!(%unit, "replay dataset loaded");
        Ok(Arc::new(data))
    }

    async fn load_ecological(dir: &Path, epoch: DateTime<Utc>) -> Result<Self, SourceError> {
        let (spath, scsv) = read(dir, STATIONS).await?;
        let (apath, acsv) = read(dir, AIR_QUALITY).await?;
        let now = Utc::now();
        tokio::task::spawn_blocking(move || {
            let stations =
                air_quality::parse_stations(&scsv, now).map_err(|e| dataset_err(&spath, e))?;
            let ids = air_quality::station_ids(&stations);
            let rows = air_quality::parse_observations(&acsv, &ids, now)
                .map_err(|e| dataset_err(&apath, e))?;
            let time =
                |r: &aq::ActiveModel| set_time(&r.date_observed).unwrap_or(DateTime::UNIX_EPOCH);
            let clock = clock_for(&apath, epoch, rows.iter().map(time))?;
            Ok(Self::Ecological {
                clock,
                stations,
                steps: by_step(&clock, rows, time),
            })
        })
        .await?
    }

    async fn load_power(dir: &Path, epoch: DateTime<Utc>) -> Result<Self, SourceError> {
        let (path, csv) = read(dir, POWER).await?;
        let now = Utc::now();
        tokio::task::spawn_blocking(move || {
            let rows = power::parse_day_ahead(&csv, now).map_err(|e| dataset_err(&path, e))?;
            let pairs: Vec<_> = rows.prices.into_iter().zip(rows.transactions).collect();
            let time = |(p, _): &(cp::ActiveModel, tx::ActiveModel)| {
                set_time(&p.interval_start).unwrap_or(DateTime::UNIX_EPOCH)
            };
            let clock = clock_for(&path, epoch, pairs.iter().map(time))?;
            Ok(Self::Power {
                clock,
                steps: by_step(&clock, pairs, time),
            })
        })
        .await?
    }

    async fn load_traffic(dir: &Path, epoch: DateTime<Utc>) -> Result<Self, SourceError> {
        let (path, csv) = read(dir, TRAFFIC).await?;
        let mut files = Vec::new();
        for name in TILES {
            files.push(read(dir, name).await?);
        }
        let now = Utc::now();
        tokio::task::spawn_blocking(move || {
            let hours = traffic::parse_hours(&csv).map_err(|e| dataset_err(&path, e))?;
            let clock = clock_for(&path, epoch, hours.iter().map(|h| h.start))?;
            let flows = traffic::flow_observations(&hours, now);
            let time =
                |r: &flow::ActiveModel| set_time(&r.date_observed).unwrap_or(DateTime::UNIX_EPOCH);
            let mut tiles = Vec::new();
            for (p, bytes) in files {
                tiles.push(
                    image::parse_tile(&bytes, TILE_META, now).map_err(|e| dataset_err(&p, e))?,
                );
            }
            Ok(Self::Traffic {
                clock,
                steps: by_step(&clock, flows, time),
                hours,
                tiles,
                reports: Mutex::new(None),
            })
        })
        .await?
    }

    pub(super) fn clock(&self) -> ReplayClock {
        match self {
            Self::Ecological { clock, .. }
            | Self::Power { clock, .. }
            | Self::Traffic { clock, .. } => *clock,
        }
    }

    /// The rows of global step `n`, shifted to the present and stamped.
    pub(super) async fn step(&self, ctx: &FetchContext<'_>, n: i64) -> Result<Batch, SourceError> {
        let clock = self.clock();
        let (cycle, k) = clock.locate(n);
        let shift = clock.shift(cycle);
        let now = ctx.now;
        let mut batch = Batch::default();
        match self {
            Self::Ecological {
                stations, steps, ..
            } => {
                batch.stations = stations
                    .iter()
                    .cloned()
                    .map(|mut s| {
                        s.ingested_at = Set(now);
                        s
                    })
                    .collect();
                for mut row in steps.get(&k).cloned().unwrap_or_default() {
                    let t = set_time(&row.date_observed).unwrap_or(DateTime::UNIX_EPOCH);
                    row.date_observed = Set(t + shift);
                    row.source = Set(format!("replay:{}", air_quality::SOURCE));
                    row.ingested_at = Set(now);
                    batch.air_quality.push(row);
                }
            }
            Self::Power { steps, .. } => {
                for (price, txn) in steps.get(&k).cloned().unwrap_or_default() {
                    let (price, txn) = shift_power(price, txn, shift, now)?;
                    batch.clearing_prices.push(price);
                    batch.transactions.push(txn);
                }
            }
            Self::Traffic { steps, tiles, .. } => {
                batch.segments.push(traffic::segment::road_segment(now));
                for mut row in steps.get(&k).cloned().unwrap_or_default() {
                    let t = set_time(&row.date_observed).unwrap_or(DateTime::UNIX_EPOCH);
                    row.date_observed = Set(t + shift);
                    row.source = Set(format!("replay:{}", traffic::SOURCE));
                    row.ingested_at = Set(now);
                    batch.flows.push(row);
                }
                batch.reports = self.reports(cycle)?.get(&n).cloned().unwrap_or_default();
                for r in &mut batch.reports {
                    r.ingested_at = Set(now);
                }
                if tiles_missing(ctx, tiles).await? {
                    for (t, b) in tiles.iter().cloned() {
                        batch.tiles.push(t);
                        batch.blobs.push(b);
                    }
                }
            }
        }
        Ok(batch)
    }

    /// Road-condition reports of `cycle`, derived by the loader's rules from
    /// the shifted hours (so ids and validity windows use shifted times),
    /// cached for the cycle.
    fn reports(
        &self,
        cycle: i64,
    ) -> Result<Arc<BTreeMap<i64, Vec<rcr::ActiveModel>>>, SourceError> {
        let Self::Traffic {
            clock,
            hours,
            reports,
            ..
        } = self
        else {
            return Ok(Arc::default());
        };
        let mut cache = reports
            .lock()
            .map_err(|_| SourceError::Io("report cache poisoned".into()))?;
        if let Some((c, map)) = cache.as_ref() {
            if *c == cycle {
                return Ok(Arc::clone(map));
            }
        }
        let shift = clock.shift(cycle);
        let shifted: Vec<Hour> = hours
            .iter()
            .map(|h| {
                let start = h.start + shift;
                Hour {
                    start,
                    local: start.with_timezone(&Chicago).naive_local(),
                    ..h.clone()
                }
            })
            .collect();
        let rows = traffic::reports::road_condition_reports(&shifted, Utc::now()).map_err(|e| {
            SourceError::Dataset {
                path: TRAFFIC.into(),
                reason: e.to_string(),
            }
        })?;
        let mut map: BTreeMap<i64, Vec<rcr::ActiveModel>> = BTreeMap::new();
        for mut r in rows {
            let from = set_time(&r.valid_from).unwrap_or(DateTime::UNIX_EPOCH);
            r.source = Set(format!("replay:{}", traffic::SOURCE));
            map.entry(clock.step_at(from)).or_default().push(r);
        }
        let map = Arc::new(map);
        *cache = Some((cycle, Arc::clone(&map)));
        Ok(map)
    }
}

/// Moves a clearing price and its transaction by `shift`, re-deriving the
/// transaction's `trade_id` and gate-closure `traded_at` from the shifted
/// delivery hour with the power loader's own rules.
fn shift_power(
    mut price: cp::ActiveModel,
    mut txn: tx::ActiveModel,
    shift: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(cp::ActiveModel, tx::ActiveModel), SourceError> {
    let moved = |v: &sea_orm::ActiveValue<DateTime<Utc>>| {
        Set(set_time(v).unwrap_or(DateTime::UNIX_EPOCH) + shift)
    };
    let source = format!("replay:{}", power::SOURCE);
    price.interval_start = moved(&price.interval_start);
    price.interval_end = moved(&price.interval_end);
    price.source = Set(source.clone());
    price.ingested_at = Set(now);
    let start = set_time(&txn.delivery_start).unwrap_or(DateTime::UNIX_EPOCH) + shift;
    txn.delivery_start = Set(start);
    txn.delivery_end = moved(&txn.delivery_end);
    txn.trade_id = Set(power::trade_id(start));
    txn.traded_at = Set(
        power::gate_closure(start).map_err(|e| SourceError::Dataset {
            path: POWER.into(),
            reason: e.to_string(),
        })?,
    );
    txn.source = Set(source);
    txn.ingested_at = Set(now);
    Ok((price, txn))
}

/// True when some bundled tile's bytes are not stored yet: tiles are
/// content-addressed, so replay cannot make new ones, only ensure they exist
/// (sending megabytes on every run would change nothing).
async fn tiles_missing(
    ctx: &FetchContext<'_>,
    tiles: &[(tile::ActiveModel, blob::ActiveModel)],
) -> Result<bool, SourceError> {
    let shas: Vec<String> = tiles
        .iter()
        .filter_map(|(t, _)| set_time(&t.sha256))
        .collect();
    let stored = tile::Entity::find()
        .filter(tile::Column::Sha256.is_in(shas.clone()))
        .count(ctx.db)
        .await?;
    Ok(stored < shas.len() as u64)
}
