//! Idempotent batched upserts: `INSERT … ON CONFLICT (<natural key>) DO
//! UPDATE SET <every other column> = excluded.…`.
//!
//! - Conflict targets are the unique indexes the migrations create, so the
//!   same statements work on PostgreSQL and SQLite.
//! - Rows go in batches of [`BATCH_ROWS`]: the widest row (air quality, 15
//!   columns) then binds 7,500 values, under SQLite's 32,766 and
//!   PostgreSQL's 65,535 limits. Image blobs go [`BLOB_BATCH_ROWS`] at a time
//!   to keep statements small.
//! - Functions take any `ConnectionTrait`, so callers can wrap a whole load
//!   in one transaction. Each returns the rows written (inserted or updated;
//!   blobs, being content-addressed, are only ever inserted).
//! - A batch must not repeat a natural key (PostgreSQL rejects updating one
//!   row twice in a statement); the parsers guarantee this.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};
use zkcity_entities::ecological::{air_quality_observation as aq, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{
    flow_observation as flow, image_tile as tile, road_condition_report as rcr,
    road_segment as seg, tile_blob as blob,
};

/// Rows per INSERT statement.
pub const BATCH_ROWS: usize = 500;
/// Rows per INSERT statement for image blobs (megabytes each).
pub const BLOB_BATCH_ROWS: usize = 8;

/// Inserts `rows` in batches of `batch` with `conflict`; returns rows written.
async fn upsert<A, C>(
    db: &C,
    rows: Vec<A>,
    batch: usize,
    conflict: OnConflict,
) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(batch).collect();
        written += A::Entity::insert_many(chunk)
            .on_conflict(conflict.clone())
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}

/// Upserts stations on `id`.
pub async fn upsert_stations(
    db: &impl ConnectionTrait,
    rows: Vec<station::ActiveModel>,
) -> Result<u64, DbErr> {
    use station::Column as C;
    let on = OnConflict::column(C::Id)
        .update_columns([
            C::Name,
            C::Latitude,
            C::Longitude,
            C::District,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts air-quality observations on (`station_id`, `date_observed`).
pub async fn upsert_air_quality(
    db: &impl ConnectionTrait,
    rows: Vec<aq::ActiveModel>,
) -> Result<u64, DbErr> {
    use aq::Column as C;
    let on = OnConflict::columns([C::StationId, C::DateObserved])
        .update_columns([
            C::Aqi,
            C::AqiStandard,
            C::Pm25,
            C::Pm10,
            C::No2,
            C::So2,
            C::O3,
            C::Co,
            C::Unit,
            C::DominantPollutant,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts clearing prices on (`market`, `zone`, `interval_start`).
pub async fn upsert_clearing_prices(
    db: &impl ConnectionTrait,
    rows: Vec<cp::ActiveModel>,
) -> Result<u64, DbErr> {
    use cp::Column as C;
    let on = OnConflict::columns([C::Market, C::Zone, C::IntervalStart])
        .update_columns([
            C::IntervalEnd,
            C::PricePerMwh,
            C::Currency,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts market transactions on `trade_id`.
pub async fn upsert_transactions(
    db: &impl ConnectionTrait,
    rows: Vec<tx::ActiveModel>,
) -> Result<u64, DbErr> {
    use tx::Column as C;
    let on = OnConflict::column(C::TradeId)
        .update_columns([
            C::Market,
            C::Zone,
            C::DeliveryStart,
            C::DeliveryEnd,
            C::PricePerMwh,
            C::Currency,
            C::VolumeMwh,
            C::TradedAt,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts road segments on `id`.
pub async fn upsert_segments(
    db: &impl ConnectionTrait,
    rows: Vec<seg::ActiveModel>,
) -> Result<u64, DbErr> {
    use seg::Column as C;
    let on = OnConflict::column(C::Id)
        .update_columns([
            C::Name,
            C::District,
            C::RoadClass,
            C::Geometry,
            C::MinLon,
            C::MinLat,
            C::MaxLon,
            C::MaxLat,
            C::FreeFlowSpeedKmh,
            C::CapacityVehH,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts flow observations on (`segment_id`, `date_observed`).
pub async fn upsert_flows(
    db: &impl ConnectionTrait,
    rows: Vec<flow::ActiveModel>,
) -> Result<u64, DbErr> {
    use flow::Column as C;
    let on = OnConflict::columns([C::SegmentId, C::DateObserved])
        .update_columns([
            C::PeriodS,
            C::AverageVehicleSpeed,
            C::SpeedEstimated,
            C::Intensity,
            C::Occupancy,
            C::CongestionLevel,
            C::Congested,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts road-condition reports on `situation_id`.
pub async fn upsert_reports(
    db: &impl ConnectionTrait,
    rows: Vec<rcr::ActiveModel>,
) -> Result<u64, DbErr> {
    use rcr::Column as C;
    let on = OnConflict::column(C::SituationId)
        .update_columns([
            C::Category,
            C::Severity,
            C::SegmentId,
            C::Latitude,
            C::Longitude,
            C::ValidFrom,
            C::ValidTo,
            C::Description,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts image tile metadata on `sha256`.
pub async fn upsert_tiles(
    db: &impl ConnectionTrait,
    rows: Vec<tile::ActiveModel>,
) -> Result<u64, DbErr> {
    use tile::Column as C;
    let on = OnConflict::column(C::Sha256)
        .update_columns([
            C::CapturedAt,
            C::BboxWest,
            C::BboxSouth,
            C::BboxEast,
            C::BboxNorth,
            C::ProjEpsg,
            C::Gsd,
            C::CloudCover,
            C::Width,
            C::Height,
            C::Bands,
            C::MediaType,
            C::SizeBytes,
            C::Platform,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Inserts image blobs unless their `sha256` is stored already (same hash,
/// same bytes: rewriting megabytes would change nothing).
pub async fn upsert_blobs(
    db: &impl ConnectionTrait,
    rows: Vec<blob::ActiveModel>,
) -> Result<u64, DbErr> {
    let on = OnConflict::column(blob::Column::Sha256)
        .do_nothing()
        .to_owned();
    upsert(db, rows, BLOB_BATCH_ROWS, on).await
}
