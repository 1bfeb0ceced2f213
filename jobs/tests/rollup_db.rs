//! The daily air-quality rollup against an oracle computed in Rust from the
//! stored readings, on PostgreSQL and SQLite: after an import, after a
//! write that changes one reading and adds a day, and after the migration
//! that creates it refills it from readings already there.

// Shared with the import tests, which use the rest of it.
#[allow(dead_code)]
mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};
use zkcity_entities::ecological::{air_quality_day as day, air_quality_observation as aq};
use zkcity_jobs::import::{import_ecological, ImportWindow};
use zkcity_jobs::store;
use zkcity_migrations::{Migrator, MigratorTrait};

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("valid")
}

/// Sum, count, min and max of one measure over a day.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Part {
    sum: Option<f64>,
    n: i64,
    min: Option<f64>,
    max: Option<f64>,
}

impl Part {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.sum = Some(self.sum.unwrap_or(0.0) + v);
            self.n += 1;
            self.min = Some(self.min.map_or(v, |m| m.min(v)));
            self.max = Some(self.max.map_or(v, |m| m.max(v)));
        }
    }

    fn close_to(&self, o: &Part) -> bool {
        let near = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            (a, b) => a == b,
        };
        self.n == o.n && near(self.sum, o.sum) && self.min == o.min && self.max == o.max
    }
}

/// (station, day) → (readings, parts of aqi, pm25, pm10, no2, so2, o3, co).
type Days = BTreeMap<(String, String), (i64, [Part; 7])>;

/// The rollup the readings imply.
async fn oracle(db: &DatabaseConnection) -> Days {
    let mut days = Days::new();
    for r in aq::Entity::find().all(db).await.expect("readings") {
        let key = (
            r.station_id.clone(),
            r.date_observed.format("%Y-%m-%d").to_string(),
        );
        let (n, parts) = days.entry(key).or_default();
        *n += 1;
        let values = [
            r.aqi.map(f64::from),
            r.pm25,
            r.pm10,
            r.no2,
            r.so2,
            r.o3,
            r.co,
        ];
        for (p, v) in parts.iter_mut().zip(values) {
            p.add(v);
        }
    }
    days
}

/// The rollup as stored.
async fn stored(db: &DatabaseConnection) -> Days {
    let part = |sum, n, min, max| Part { sum, n, min, max };
    day::Entity::find()
        .all(db)
        .await
        .expect("rollup rows")
        .into_iter()
        .map(|d| {
            let parts = [
                part(d.aqi_sum, d.aqi_n, d.aqi_min, d.aqi_max),
                part(d.pm25_sum, d.pm25_n, d.pm25_min, d.pm25_max),
                part(d.pm10_sum, d.pm10_n, d.pm10_min, d.pm10_max),
                part(d.no2_sum, d.no2_n, d.no2_min, d.no2_max),
                part(d.so2_sum, d.so2_n, d.so2_min, d.so2_max),
                part(d.o3_sum, d.o3_n, d.o3_min, d.o3_max),
                part(d.co_sum, d.co_n, d.co_min, d.co_max),
            ];
            ((d.station_id, d.day), (d.observations, parts))
        })
        .collect()
}

async fn assert_rollup_true(db: &DatabaseConnection, when: &str) {
    let (want, got) = (oracle(db).await, stored(db).await);
    assert!(!want.is_empty(), "{when}: no readings");
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "{when}: (station, day) rows"
    );
    for (k, (n, parts)) in &want {
        let (m, got_parts) = &got[k];
        assert_eq!(n, m, "{when}: readings of {k:?}");
        for (i, (a, b)) in parts.iter().zip(got_parts).enumerate() {
            assert!(
                a.close_to(b),
                "{when}: measure {i} of {k:?}: want {a:?}, stored {b:?}"
            );
        }
    }
}

/// Import, a write changing a reading and adding a day, then the migration
/// refilling the table from scratch.
async fn rollup_follows_every_write(db: &DatabaseConnection) {
    let window = ImportWindow {
        from: Some(utc(2017, 1, 1, 0)),
        to: Some(utc(2017, 1, 4, 0)),
    };
    import_ecological(db, &common::fixtures(), window, Utc::now())
        .await
        .expect("import");
    assert_rollup_true(db, "after the import").await;
    let before = stored(db).await;

    // One reading rewritten with a new PM2.5 and no CO, one on a new day.
    let mut changed: aq::ActiveModel = aq::Entity::find()
        .all(db)
        .await
        .expect("readings")
        .into_iter()
        .find(|r| r.date_observed == utc(2017, 1, 2, 5))
        .expect("a reading at 05:00 on 2 January")
        .into();
    changed.pm25 = Set(Some(999.5));
    changed.co = Set(None);
    let station = changed.station_id.clone().unwrap();
    let mut added = changed.clone();
    added.id = sea_orm::ActiveValue::NotSet;
    added.date_observed = Set(utc(2017, 1, 9, 23));
    changed.id = sea_orm::ActiveValue::NotSet;
    let txn = db.begin().await.expect("begin");
    store::upsert_air_quality(&txn, vec![changed, added])
        .await
        .expect("upsert");
    txn.commit().await.expect("commit");
    assert_rollup_true(db, "after a write").await;
    let after = stored(db).await;
    let jan2 = &after[&(station.clone(), "2017-01-02".to_owned())];
    assert_ne!(
        jan2,
        &before[&(station.clone(), "2017-01-02".to_owned())],
        "the changed day moved"
    );
    assert_eq!(
        after[&(station.clone(), "2017-01-09".to_owned())].0,
        1,
        "the new day"
    );
    assert_eq!(after.len(), before.len() + 1);

    // The migration's refill gives the same table from the readings alone.
    Migrator::down(db, Some(1)).await.expect("drop the rollup");
    Migrator::up(db, None)
        .await
        .expect("recreate and refill it");
    assert_rollup_true(db, "after the migration").await;
}

#[tokio::test]
async fn rollup_follows_every_write_on_postgres() {
    let (db, name) = common::fresh_postgres().await;
    rollup_follows_every_write(&db).await;
    common::drop_postgres(db, &name).await;
}

#[tokio::test]
async fn rollup_follows_every_write_on_sqlite() {
    let (db, path) = common::fresh_sqlite().await;
    rollup_follows_every_write(&db).await;
    db.close().await.expect("close sqlite");
    std::fs::remove_file(&path).expect("remove sqlite file");
}
