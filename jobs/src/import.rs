//! `zkcity import`: load the bundled real datasets (`fixtures/`) into the
//! database, one transaction per data unit.
//!
//! Files are read asynchronously, parsed on the blocking pool (parsing the
//! 48k-row traffic file is CPU work), filtered by the [`ImportWindow`], and
//! upserted with [`crate::store`]. A unit either lands whole or not at all;
//! re-running an import rewrites the same natural keys and adds no rows.
//!
//! The window restricts the time series — air-quality observations
//! (`date_observed`), clearing prices and transactions (delivery start),
//! flow observations (`date_observed`) and road-condition reports
//! (`valid_from`). Reference rows (stations, the road segment, image tiles)
//! are always loaded: observations need them, and the tiles' capture time
//! is unknown.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue, DatabaseConnection, DbErr, TransactionTrait};
use tokio::task::{spawn_blocking, JoinError};
use tracing::{info, instrument};

use crate::load::image::{self, TileError, TileMeta};
use crate::load::{air_quality, power, traffic, ParseError};
use crate::store;
use crate::unit::Unit;

/// Station list (id, name, latitude, longitude, district).
pub const STATIONS: &str = "ecological/stations.csv";
/// Hourly Beijing air quality.
pub const AIR_QUALITY: &str = "ecological/beijing_air_quality_12_stations_2017-01_2017-02.csv";
/// Belgian day-ahead prices.
pub const POWER: &str = "power/belgium_day_ahead_prices_2022-2024.csv";
/// I-94 hourly volumes with weather and holidays.
pub const TRAFFIC: &str = "traffic/Metro_Interstate_Traffic_Volume.csv";
/// GeoTIFF tiles from rasterio's test data (Landsat 7 ETM+).
pub const TILES: [&str; 2] = ["traffic/RGB.byte.tif", "traffic/rgb-byte-tenth.tif"];
/// Provenance of [`TILES`].
pub const TILE_META: TileMeta<'static> = TileMeta {
    source: "rasterio:landsat7",
    platform: Some("landsat-7"),
};

/// Half-open time range `[from, to)` of the series rows to load; `None` = unbounded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportWindow {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl ImportWindow {
    /// Everything.
    pub const ALL: Self = Self {
        from: None,
        to: None,
    };

    /// Whether `t` falls inside the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| t >= from) && self.to.is_none_or(|to| t < to)
    }

    /// Whether a row's set time column falls inside the window.
    fn keeps(&self, t: &ActiveValue<DateTime<Utc>>) -> bool {
        t.try_as_ref().is_some_and(|t| self.contains(*t))
    }
}

/// Rows written per table (inserted or updated).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub station: u64,
    pub air_quality_observation: u64,
    pub clearing_price: u64,
    pub market_transaction: u64,
    pub road_segment: u64,
    pub traffic_flow_observation: u64,
    pub road_condition_report: u64,
    pub image_tile: u64,
    pub tile_blob: u64,
}

impl TableCounts {
    /// Field-wise sum (each unit fills its own tables).
    pub fn plus(self, o: Self) -> Self {
        Self {
            station: self.station + o.station,
            air_quality_observation: self.air_quality_observation + o.air_quality_observation,
            clearing_price: self.clearing_price + o.clearing_price,
            market_transaction: self.market_transaction + o.market_transaction,
            road_segment: self.road_segment + o.road_segment,
            traffic_flow_observation: self.traffic_flow_observation + o.traffic_flow_observation,
            road_condition_report: self.road_condition_report + o.road_condition_report,
            image_tile: self.image_tile + o.image_tile,
            tile_blob: self.tile_blob + o.tile_blob,
        }
    }
}

/// What an import wrote and how long each unit took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub written: TableCounts,
    pub ecological: Duration,
    pub power: Duration,
    pub traffic: Duration,
    pub total: Duration,
}

/// Why an import failed (nothing of the failing unit was committed).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A fixture file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A CSV fixture is malformed.
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: ParseError },
    /// A GeoTIFF fixture is malformed or unsupported.
    #[error("{path}: {source}")]
    Tile { path: PathBuf, source: TileError },
    /// The database rejected a statement or the transaction.
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// A parsing task panicked or was cancelled.
    #[error("parsing task failed: {0}")]
    Task(#[from] JoinError),
}

/// Loads every unit from `dir` (the `fixtures/` folder), one transaction each.
#[instrument(skip_all, err, fields(dir = %dir.display()))]
pub async fn import_fixtures(
    db: &DatabaseConnection,
    dir: &Path,
    window: ImportWindow,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let now = Utc::now();
    let timed = Instant::now();
    let ecological = import_ecological(db, dir, window, now).await?;
    let ecological_time = timed.elapsed();
    let timed = Instant::now();
    let power = import_power(db, dir, window, now).await?;
    let power_time = timed.elapsed();
    let timed = Instant::now();
    let traffic = import_traffic(db, dir, window, now).await?;
    let traffic_time = timed.elapsed();
    let report = ImportReport {
        written: ecological.plus(power).plus(traffic),
        ecological: ecological_time,
        power: power_time,
        traffic: traffic_time,
        total: started.elapsed(),
    };
    info!(?report, "fixtures imported");
    Ok(report)
}

async fn read(dir: &Path, relative: &str) -> Result<(PathBuf, Vec<u8>), ImportError> {
    let path = dir.join(relative);
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok((path, bytes)),
        Err(source) => Err(ImportError::Read { path, source }),
    }
}

fn parse_err(path: &Path) -> impl FnOnce(ParseError) -> ImportError + '_ {
    move |source| ImportError::Parse {
        path: path.to_owned(),
        source,
    }
}

/// Stations and air-quality observations, stamped `ingested_at = now`.
#[instrument(skip_all, err)]
pub async fn import_ecological(
    db: &DatabaseConnection,
    dir: &Path,
    window: ImportWindow,
    now: DateTime<Utc>,
) -> Result<TableCounts, ImportError> {
    let (stations_path, stations_csv) = read(dir, STATIONS).await?;
    let (aq_path, aq_csv) = read(dir, AIR_QUALITY).await?;
    let (stations, mut observations) = spawn_blocking(move || -> Result<_, ImportError> {
        let stations =
            air_quality::parse_stations(&stations_csv, now).map_err(parse_err(&stations_path))?;
        let ids = air_quality::station_ids(&stations);
        let observations =
            air_quality::parse_observations(&aq_csv, &ids, now).map_err(parse_err(&aq_path))?;
        Ok((stations, observations))
    })
    .await??;
    observations.retain(|o| window.keeps(&o.date_observed));
    let txn = db.begin().await?;
    let counts = TableCounts {
        station: store::upsert_stations(&txn, stations).await?,
        air_quality_observation: store::upsert_air_quality(&txn, observations).await?,
        ..TableCounts::default()
    };
    crate::changes::announce(&txn, Unit::Ecological).await?;
    txn.commit().await?;
    info!(?counts, "ecological unit imported");
    Ok(counts)
}

/// Clearing prices and their cleared-hour transactions.
#[instrument(skip_all, err)]
pub async fn import_power(
    db: &DatabaseConnection,
    dir: &Path,
    window: ImportWindow,
    now: DateTime<Utc>,
) -> Result<TableCounts, ImportError> {
    let (path, csv) = read(dir, POWER).await?;
    let mut rows =
        spawn_blocking(move || power::parse_day_ahead(&csv, now).map_err(parse_err(&path)))
            .await??;
    rows.prices.retain(|p| window.keeps(&p.interval_start));
    rows.transactions
        .retain(|t| window.keeps(&t.delivery_start));
    let txn = db.begin().await?;
    let counts = TableCounts {
        clearing_price: store::upsert_clearing_prices(&txn, rows.prices).await?,
        market_transaction: store::upsert_transactions(&txn, rows.transactions).await?,
        ..TableCounts::default()
    };
    crate::changes::announce(&txn, Unit::Power).await?;
    txn.commit().await?;
    info!(
        ?counts,
        skipped_empty_prices = rows.skipped_empty,
        "power unit imported"
    );
    Ok(counts)
}

/// The I-94 segment, its flows and reports, and the image tiles.
#[instrument(skip_all, err)]
pub async fn import_traffic(
    db: &DatabaseConnection,
    dir: &Path,
    window: ImportWindow,
    now: DateTime<Utc>,
) -> Result<TableCounts, ImportError> {
    let (path, csv) = read(dir, TRAFFIC).await?;
    let mut tile_files = Vec::new();
    for name in TILES {
        tile_files.push(read(dir, name).await?);
    }
    let parsed = spawn_blocking(move || -> Result<_, ImportError> {
        let hours = traffic::parse_hours(&csv).map_err(parse_err(&path))?;
        let flows = traffic::flow_observations(&hours, now);
        let reports =
            traffic::reports::road_condition_reports(&hours, now).map_err(parse_err(&path))?;
        let mut tiles = Vec::new();
        for (tile_path, bytes) in tile_files {
            let rows =
                image::parse_tile(&bytes, TILE_META, now).map_err(|source| ImportError::Tile {
                    path: tile_path,
                    source,
                })?;
            tiles.push(rows);
        }
        Ok((flows, reports, tiles))
    });
    let (mut flows, mut reports, tiles) = parsed.await??;
    flows.retain(|f| window.keeps(&f.date_observed));
    reports.retain(|r| window.keeps(&r.valid_from));
    let (tiles, blobs): (Vec<_>, Vec<_>) = tiles.into_iter().unzip();
    let txn = db.begin().await?;
    let counts = TableCounts {
        road_segment: store::upsert_segments(&txn, vec![traffic::segment::road_segment(now)])
            .await?,
        traffic_flow_observation: store::upsert_flows(&txn, flows).await?,
        road_condition_report: store::upsert_reports(&txn, reports).await?,
        tile_blob: store::upsert_blobs(&txn, blobs).await?,
        image_tile: store::upsert_tiles(&txn, tiles).await?,
        ..TableCounts::default()
    };
    crate::changes::announce(&txn, Unit::Traffic).await?;
    txn.commit().await?;
    info!(?counts, "traffic unit imported");
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn window_is_half_open_and_unbounded_sides_admit_everything() {
        let t = |d| {
            Utc.with_ymd_and_hms(2017, 1, d, 0, 0, 0)
                .single()
                .expect("valid")
        };
        let jan = ImportWindow {
            from: Some(t(1)),
            to: Some(t(8)),
        };
        assert!(jan.contains(t(1)));
        assert!(!jan.contains(t(8)));
        assert!(ImportWindow::ALL.contains(t(31)));
        assert!(ImportWindow {
            from: None,
            to: Some(t(8))
        }
        .contains(DateTime::UNIX_EPOCH));
    }
}
