//! Idempotent batched upserts: `INSERT … ON CONFLICT (<natural key>) DO
//! UPDATE SET <every other column> = excluded.…`, the update list derived
//! from the entity's columns ([`Iterable`]).
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
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, IntoActiveModel, Iterable,
    PrimaryKeyToColumn,
};
use zkcity_entities::ecological::{air_quality_observation as aq, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{
    flow_observation as flow, image_tile as tile, road_condition_report as rcr,
    road_segment as seg, tile_blob as blob,
};

use crate::rollup;

/// Rows per INSERT statement.
pub const BATCH_ROWS: usize = 500;
/// Rows per INSERT statement for image blobs (megabytes each).
pub const BLOB_BATCH_ROWS: usize = 8;

/// `ON CONFLICT (key) DO UPDATE SET` every column of `E` but its primary key
/// and `key`, derived from the entity so that a new column cannot be left
/// out. `key` (the natural key the conflict is on) is excluded explicitly as
/// well: where it is not the primary key (entities with a surrogate `id`), a
/// conflicting row already holds exactly those values, so there is nothing
/// to set.
fn update_all_but_key<E: EntityTrait>(key: &[E::Column]) -> OnConflict {
    let skip: Vec<String> = E::PrimaryKey::iter()
        .map(|pk| pk.into_column())
        .chain(key.iter().copied())
        .map(|c| c.as_str().to_owned())
        .collect();
    OnConflict::columns(key.iter().copied())
        .update_columns(E::Column::iter().filter(|c| !skip.iter().any(|s| s == c.as_str())))
        .to_owned()
}

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
    let on = update_all_but_key::<station::Entity>(&[C::Id]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts air-quality observations on (`station_id`, `date_observed`) and
/// recomputes the daily rollup of the days written ([`crate::rollup`]);
/// `db` should be a transaction, so that both commit together.
pub async fn upsert_air_quality(
    db: &impl ConnectionTrait,
    rows: Vec<aq::ActiveModel>,
) -> Result<u64, DbErr> {
    use aq::Column as C;
    if rows.is_empty() {
        return Ok(0);
    }
    let days = rollup::TouchedDays::of(&rows);
    rollup::lock_writers(db).await?;
    let on = update_all_but_key::<aq::Entity>(&[C::StationId, C::DateObserved]);
    let written = upsert(db, rows, BATCH_ROWS, on).await?;
    rollup::refill(db, &days).await?;
    Ok(written)
}

/// Upserts clearing prices on (`market`, `zone`, `interval_start`).
pub async fn upsert_clearing_prices(
    db: &impl ConnectionTrait,
    rows: Vec<cp::ActiveModel>,
) -> Result<u64, DbErr> {
    use cp::Column as C;
    let on = update_all_but_key::<cp::Entity>(&[C::Market, C::Zone, C::IntervalStart]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts market transactions on `trade_id`.
pub async fn upsert_transactions(
    db: &impl ConnectionTrait,
    rows: Vec<tx::ActiveModel>,
) -> Result<u64, DbErr> {
    use tx::Column as C;
    let on = update_all_but_key::<tx::Entity>(&[C::TradeId]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts road segments on `id`.
pub async fn upsert_segments(
    db: &impl ConnectionTrait,
    rows: Vec<seg::ActiveModel>,
) -> Result<u64, DbErr> {
    use seg::Column as C;
    let on = update_all_but_key::<seg::Entity>(&[C::Id]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts flow observations on (`segment_id`, `date_observed`).
pub async fn upsert_flows(
    db: &impl ConnectionTrait,
    rows: Vec<flow::ActiveModel>,
) -> Result<u64, DbErr> {
    use flow::Column as C;
    let on = update_all_but_key::<flow::Entity>(&[C::SegmentId, C::DateObserved]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts road-condition reports on `situation_id`.
pub async fn upsert_reports(
    db: &impl ConnectionTrait,
    rows: Vec<rcr::ActiveModel>,
) -> Result<u64, DbErr> {
    use rcr::Column as C;
    let on = update_all_but_key::<rcr::Entity>(&[C::SituationId]);
    upsert(db, rows, BATCH_ROWS, on).await
}

/// Upserts image tile metadata on `sha256`.
pub async fn upsert_tiles(
    db: &impl ConnectionTrait,
    rows: Vec<tile::ActiveModel>,
) -> Result<u64, DbErr> {
    use tile::Column as C;
    let on = update_all_but_key::<tile::Entity>(&[C::Sha256]);
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
