//! A small real database for the read path's unit tests: a migrated SQLite
//! file with two stations and six readings that alternate between them, and
//! a counter of the statements a connection sends.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{Database, DatabaseConnection, EntityTrait, IntoActiveModel};
use zkcity_entities::ecological::{air_quality_observation as aq, station};
use zkcity_migrations::{Migrator, MigratorTrait};

/// The fixture's database; its file is removed when dropped.
pub struct Fixture {
    pub db: DatabaseConnection,
    path: std::path::PathBuf,
}

impl Fixture {
    /// Another pool on the same database (its own statement counter).
    pub async fn connect_again(&self) -> anyhow::Result<DatabaseConnection> {
        Ok(Database::connect(format!("sqlite://{}?mode=rw", self.path.display())).await?)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Stations `north` and `south` (named "`<id>` station"), readings 1–6
/// an hour apart, odd ids at `north`.
pub async fn fixture() -> anyhow::Result<Fixture> {
    let path = std::env::temp_dir().join(format!(
        "zk_read_fixture_{}_{}.db",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
    Migrator::up(&db, None).await?;
    let at = DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(17_000);
    let stations = ["north", "south"].map(|id| station::Model {
        id: id.into(),
        name: format!("{id} station"),
        latitude: 40.0,
        longitude: 116.0,
        district: id.into(),
        source: "test".into(),
        ingested_at: at,
    });
    station::Entity::insert_many(stations.map(IntoActiveModel::into_active_model))
        .exec(&db)
        .await?;
    let readings = (0..6).map(|i| {
        aq::Model {
            id: i + 1,
            station_id: ["north", "south"][i as usize % 2].into(),
            date_observed: at + TimeDelta::hours(i),
            aqi: Some(50),
            aqi_standard: "HJ 633-2012".into(),
            pm25: None,
            pm10: None,
            no2: None,
            so2: None,
            o3: None,
            co: None,
            unit: "µg/m³".into(),
            dominant_pollutant: None,
            source: "test".into(),
            ingested_at: at,
        }
        .into_active_model()
    });
    aq::Entity::insert_many(readings).exec(&db).await?;
    Ok(Fixture { db, path })
}

/// Counts every statement `db` and its later clones send (sea-orm's metric
/// callback; clones made before this call do not count).
pub fn count_statements(db: &mut DatabaseConnection) -> Arc<AtomicUsize> {
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    statements
}
