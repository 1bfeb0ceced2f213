//! Fresh databases for the import tests: one PostgreSQL database per test
//! (created through the `postgres` maintenance database) or a temporary
//! SQLite file, migrated with `zkcity-migrations`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use zkcity_migrations::{Migrator, MigratorTrait};

/// Server the tests use; `ZKCITY_TEST_PG` overrides it.
fn server() -> String {
    std::env::var("ZKCITY_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// A name no other test run uses.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A migrated, empty PostgreSQL database; drop it with [`drop_postgres`].
pub async fn fresh_postgres() -> (DatabaseConnection, String) {
    let name = unique("zk_jobs");
    let admin = Database::connect(format!("{}/postgres", server()))
        .await
        .expect("connect to postgres");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    admin.close().await.expect("close admin");
    let db = Database::connect(format!("{}/{name}", server()))
        .await
        .expect("connect to test database");
    Migrator::up(&db, None).await.expect("migrate");
    (db, name)
}

/// Closes `db` and drops its database.
pub async fn drop_postgres(db: DatabaseConnection, name: &str) {
    db.close().await.expect("close");
    let admin = Database::connect(format!("{}/postgres", server()))
        .await
        .expect("connect to postgres");
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop database");
}

/// A migrated, empty SQLite file in the temp folder; remove it when done.
pub async fn fresh_sqlite() -> (DatabaseConnection, PathBuf) {
    let path = std::env::temp_dir().join(format!("{}.db", unique("zk_jobs")));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open sqlite");
    Migrator::up(&db, None).await.expect("migrate");
    (db, path)
}

/// `SELECT count(*)` of `table`.
pub async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .expect("count query")
        .expect("one row");
    row.try_get("", "n").expect("count")
}

/// Row counts of every table the import fills, in a fixed order.
pub async fn counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, count(db, table).await));
    }
    out
}

/// Tables the import fills.
pub const TABLES: [&str; 9] = [
    "station",
    "air_quality_observation",
    "clearing_price",
    "market_transaction",
    "road_segment",
    "traffic_flow_observation",
    "road_condition_report",
    "image_tile",
    "tile_blob",
];
