//! One run's rows, grouped by table, and their transactional write.
//!
//! Sources produce a [`Batch`]; the service writes it with [`Batch::write`]
//! inside the run's transaction, reusing the idempotent upserts of
//! [`crate::store`]. Inserted and updated rows are told apart portably by
//! counting each touched table before and after its upsert in the same
//! transaction (a unit's tables are written only by that unit's job, which
//! never overlaps itself), so `updated = written − inserted`.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait};
use serde::Serialize;
use zkcity_entities::ecological::{air_quality_observation as aq, emission_report as em, station};
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{
    flow_observation as flow, image_tile as tile, road_condition_report as rcr,
    road_segment as seg, tile_blob as blob,
};

use crate::store;
use crate::unit::Unit;

/// Rows to upsert, per table.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub stations: Vec<station::ActiveModel>,
    pub air_quality: Vec<aq::ActiveModel>,
    pub emission_reports: Vec<em::ActiveModel>,
    pub clearing_prices: Vec<cp::ActiveModel>,
    pub transactions: Vec<tx::ActiveModel>,
    pub segments: Vec<seg::ActiveModel>,
    pub flows: Vec<flow::ActiveModel>,
    pub reports: Vec<rcr::ActiveModel>,
    pub tiles: Vec<tile::ActiveModel>,
    pub blobs: Vec<blob::ActiveModel>,
}

/// What one table's upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TableWrite {
    pub inserted: u64,
    pub updated: u64,
}

/// Per-table outcome of a write, keyed by table name.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct WriteCounts(pub BTreeMap<&'static str, TableWrite>);

impl WriteCounts {
    /// Rows that did not exist before.
    pub fn inserted(&self) -> u64 {
        self.0.values().map(|t| t.inserted).sum()
    }

    /// Rows that existed and were rewritten.
    pub fn updated(&self) -> u64 {
        self.0.values().map(|t| t.updated).sum()
    }

    /// Inserted + updated.
    pub fn written(&self) -> u64 {
        self.inserted() + self.updated()
    }
}

impl Batch {
    /// Number of rows across all tables.
    pub fn len(&self) -> usize {
        self.table_sizes().iter().map(|(_, n, _)| n).sum()
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// (table, rows, owning unit) of every table.
    fn table_sizes(&self) -> [(&'static str, usize, Unit); 10] {
        [
            ("station", self.stations.len(), Unit::Ecological),
            (
                "air_quality_observation",
                self.air_quality.len(),
                Unit::Ecological,
            ),
            (
                "emission_report",
                self.emission_reports.len(),
                Unit::Ecological,
            ),
            ("clearing_price", self.clearing_prices.len(), Unit::Power),
            ("market_transaction", self.transactions.len(), Unit::Power),
            ("road_segment", self.segments.len(), Unit::Traffic),
            ("traffic_flow_observation", self.flows.len(), Unit::Traffic),
            ("road_condition_report", self.reports.len(), Unit::Traffic),
            ("image_tile", self.tiles.len(), Unit::Traffic),
            ("tile_blob", self.blobs.len(), Unit::Traffic),
        ]
    }

    /// The first table with rows that `unit` does not own, if any: a feed
    /// configured for one unit must not write another unit's tables.
    pub fn foreign_table(&self, unit: Unit) -> Option<&'static str> {
        self.table_sizes()
            .into_iter()
            .find(|(_, n, owner)| *n > 0 && *owner != unit)
            .map(|(t, _, _)| t)
    }

    /// Appends `other`'s rows.
    pub fn extend(&mut self, other: Batch) {
        self.stations.extend(other.stations);
        self.air_quality.extend(other.air_quality);
        self.emission_reports.extend(other.emission_reports);
        self.clearing_prices.extend(other.clearing_prices);
        self.transactions.extend(other.transactions);
        self.segments.extend(other.segments);
        self.flows.extend(other.flows);
        self.reports.extend(other.reports);
        self.tiles.extend(other.tiles);
        self.blobs.extend(other.blobs);
    }

    /// Keeps the last row of each natural key: one statement must not touch a
    /// row twice (PostgreSQL rejects it), and in a feed the later record wins.
    pub fn dedup(&mut self) {
        fn key<T: Clone + Default + Into<sea_orm::Value>>(v: &sea_orm::ActiveValue<T>) -> T {
            v.try_as_ref().cloned().unwrap_or_default()
        }
        last_wins(&mut self.stations, |r| key(&r.id));
        last_wins(&mut self.air_quality, |r| {
            (key(&r.station_id), key(&r.date_observed).timestamp())
        });
        last_wins(&mut self.emission_reports, |r| key(&r.report_id));
        last_wins(&mut self.clearing_prices, |r| {
            (
                key(&r.market),
                key(&r.zone),
                key(&r.interval_start).timestamp(),
            )
        });
        last_wins(&mut self.transactions, |r| key(&r.trade_id));
        last_wins(&mut self.segments, |r| key(&r.id));
        last_wins(&mut self.flows, |r| {
            (key(&r.segment_id), key(&r.date_observed).timestamp())
        });
        last_wins(&mut self.reports, |r| key(&r.situation_id));
        last_wins(&mut self.tiles, |r| key(&r.sha256));
        last_wins(&mut self.blobs, |r| key(&r.sha256));
    }

    /// Upserts every table, parents before children, on `db` (the run's
    /// transaction).
    pub async fn write(self, db: &impl ConnectionTrait) -> Result<WriteCounts, DbErr> {
        /// Upserts one table's rows (if any) and records inserted/updated.
        macro_rules! counted {
            ($counts:ident, $table:literal, $entity:ty, $rows:expr, $upsert:path) => {
                let rows = $rows;
                if !rows.is_empty() {
                    let before = <$entity>::find().count(db).await?;
                    let written = $upsert(db, rows).await?;
                    let after = <$entity>::find().count(db).await?;
                    let inserted = after.saturating_sub(before);
                    let updated = written.saturating_sub(inserted);
                    $counts.0.insert($table, TableWrite { inserted, updated });
                }
            };
        }
        let mut c = WriteCounts::default();
        let b = self;
        counted!(
            c,
            "station",
            station::Entity,
            b.stations,
            store::upsert_stations
        );
        counted!(
            c,
            "air_quality_observation",
            aq::Entity,
            b.air_quality,
            store::upsert_air_quality
        );
        counted!(
            c,
            "emission_report",
            em::Entity,
            b.emission_reports,
            upsert_emission_reports
        );
        counted!(
            c,
            "clearing_price",
            cp::Entity,
            b.clearing_prices,
            store::upsert_clearing_prices
        );
        counted!(
            c,
            "market_transaction",
            tx::Entity,
            b.transactions,
            store::upsert_transactions
        );
        counted!(
            c,
            "road_segment",
            seg::Entity,
            b.segments,
            store::upsert_segments
        );
        counted!(
            c,
            "traffic_flow_observation",
            flow::Entity,
            b.flows,
            store::upsert_flows
        );
        counted!(
            c,
            "road_condition_report",
            rcr::Entity,
            b.reports,
            store::upsert_reports
        );
        counted!(c, "tile_blob", blob::Entity, b.blobs, store::upsert_blobs);
        counted!(c, "image_tile", tile::Entity, b.tiles, store::upsert_tiles);
        Ok(c)
    }
}

/// Upserts emission reports on `report_id` ([`crate::store`] has no
/// function for them: no bundled dataset carries emissions).
pub async fn upsert_emission_reports(
    db: &impl ConnectionTrait,
    rows: Vec<em::ActiveModel>,
) -> Result<u64, DbErr> {
    use em::Column as C;
    let on = OnConflict::column(C::ReportId)
        .update_columns([
            C::Facility,
            C::District,
            C::Latitude,
            C::Longitude,
            C::Pollutant,
            C::PeriodStart,
            C::PeriodEnd,
            C::QuantityKg,
            C::Source,
            C::IngestedAt,
        ])
        .to_owned();
    let mut written = 0;
    for chunk in rows.chunks(store::BATCH_ROWS) {
        written += em::Entity::insert_many(chunk.to_vec())
            .on_conflict(on.clone())
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}

/// Removes earlier rows whose key repeats later, keeping order otherwise.
fn last_wins<T, K: Eq + Hash>(rows: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let mut last: HashMap<K, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        last.insert(key(r), i);
    }
    let mut i = 0;
    rows.retain(|r| {
        let keep = last.get(&key(r)) == Some(&i);
        i += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_wins_keeps_the_last_of_each_key_in_order() {
        let mut v = vec![(1, 'a'), (2, 'b'), (1, 'c'), (3, 'd'), (2, 'e')];
        last_wins(&mut v, |r| r.0);
        assert_eq!(v, vec![(1, 'c'), (3, 'd'), (2, 'e')]);
    }
}
