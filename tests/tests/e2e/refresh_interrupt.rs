//! A run interrupted in the middle of its transaction leaves no partial rows:
//! once by cancelling the run's task, once by killing the server process.
//!
//! To stop a run deterministically mid-way, the test holds an ACCESS
//! EXCLUSIVE lock on `road_condition_report`: a traffic run writes the road
//! segment and its flows, then waits on that lock inside its transaction.

use std::process::{Child, Command, Stdio};

use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use zkcity_api::config::Settings;
use zkcity_jobs::import::TRAFFIC;
use zkcity_jobs::settings::{HttpFormat, RefreshSettings, SourceKind};
use zkcity_jobs::{RefreshService, Unit};
use zkcity_tests::refresh::{eventually, fixture_head, FeedServer};
use zkcity_tests::{TestApp, TestDatabase};

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn count(db: &DatabaseConnection, table: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get("", "n")?)
}

/// Holds the lock that stops a traffic run mid-transaction.
async fn block_reports(db: &DatabaseConnection) -> anyhow::Result<DatabaseTransaction> {
    let txn = db.begin().await?;
    txn.execute_unprepared("LOCK TABLE road_condition_report IN ACCESS EXCLUSIVE MODE")
        .await?;
    Ok(txn)
}

/// Waits until some other session of this database waits on a lock.
async fn wait_until_blocked(db: &DatabaseConnection, name: &str) -> anyhow::Result<()> {
    let sql = format!("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '{name}' AND wait_event_type = 'Lock'");
    eventually(180, "a refresh transaction waiting on the lock", || async {
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql.clone(),
            ))
            .await?;
        let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        Ok((n > 0).then_some(()))
    })
    .await
}

fn traffic_over_http(refresh: &mut RefreshSettings, url: String) {
    refresh.traffic.source = SourceKind::Http;
    refresh.traffic.http.urls = vec![url];
    refresh.traffic.http.format = HttpFormat::MndotI94Csv;
}

async fn empty_migrated() -> anyhow::Result<(TestDatabase, DatabaseConnection)> {
    let database = TestDatabase::create_empty().await?;
    let db = Database::connect(database.url.clone()).await?;
    zkcity_api::db::migrate(&db).await?;
    Ok((database, db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_leaves_no_partial_rows() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![("i94.csv", fixture_head(TRAFFIC, 3000)?)]).await?;
    let (database, db) = empty_migrated().await?;
    let mut settings = RefreshSettings::default();
    traffic_over_http(&mut settings, feed.url("/files/i94.csv"));
    let service =
        RefreshService::new(db.clone(), settings, &Settings::default().data.fixtures_dir)?;

    let lock = block_reports(&db).await?;
    let svc = service.clone();
    let run = tokio::spawn(async move { svc.run_unit(Unit::Traffic).await });
    wait_until_blocked(&db, &database.name).await?;
    // Segment and flows are written inside the run's transaction by now.
    run.abort();
    let _ = run.await;
    lock.rollback().await?;

    for table in [
        "road_segment",
        "traffic_flow_observation",
        "road_condition_report",
    ] {
        assert_eq!(
            count(&db, table).await?,
            0,
            "{table} has rows of a cancelled run"
        );
    }
    let failed = "SELECT COUNT(*) AS n FROM refresh_run WHERE status = 'failed' AND error LIKE 'interrupted%'";
    eventually(30, "the cancelled run marked failed", || async {
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                failed.to_owned(),
            ))
            .await?;
        let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        Ok((n == 1).then_some(()))
    })
    .await?;

    // The unit is not stuck: the next run commits everything.
    let report = service.run_unit(Unit::Traffic).await?;
    assert!(report.counts.inserted() > 2000, "{report:?}");
    assert!(count(&db, "traffic_flow_observation").await? > 2000);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_leaves_no_partial_rows_and_the_next_start_records_it() -> anyhow::Result<()>
{
    let feed = FeedServer::start(vec![("i94.csv", fixture_head(TRAFFIC, 3000)?)]).await?;
    let (database, db) = empty_migrated().await?;
    let defaults = Settings::default();
    let (pk, vk) =
        zkcity_tests::zk::test_keys(defaults.audit.membership_depth, defaults.zk.slot_bits)?;
    let lock = block_reports(&db).await?;
    let child = Command::new(zkcity_tests::zkcity_bin_async().await?)
        .arg("serve")
        .env("DATABASE_URL", &database.url)
        .env("ZKCITY_SERVER__PORT", "0")
        .env("ZKCITY_DATA__SEED_ON_START", "false")
        .env("ZKCITY_ZK__PROVING_KEY", pk)
        .env("ZKCITY_ZK__VERIFYING_KEY", vk)
        .env("ZKCITY_REFRESH__TRAFFIC__SOURCE", "http")
        .env(
            "ZKCITY_REFRESH__TRAFFIC__HTTP__URLS",
            format!("[\"{}\"]", feed.url("/files/i94.csv")),
        )
        .env("ZKCITY_REFRESH__TRAFFIC__HTTP__FORMAT", "mndot-i94-csv")
        .env("ZKCITY_REFRESH__TRAFFIC__CRON", "0 0 0 1 1 *")
        .env("ZKCITY_REFRESH__POWER__ENABLED", "false")
        .env("ZKCITY_REFRESH__ECOLOGICAL__ENABLED", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut server = Server(child);
    wait_until_blocked(&db, &database.name).await?;
    server.0.kill()?;
    server.0.wait()?;
    lock.rollback().await?;

    // The dead client's backend rolls back once it can run again.
    let others = format!(
        "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid() AND state <> 'idle'",
        database.name
    );
    eventually(60, "the killed server's transaction to end", || async {
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                others.clone(),
            ))
            .await?;
        let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        Ok((n == 0).then_some(()))
    })
    .await?;
    for table in [
        "road_segment",
        "traffic_flow_observation",
        "road_condition_report",
    ] {
        assert_eq!(
            count(&db, table).await?,
            0,
            "{table} has rows of a killed run"
        );
    }
    db.close().await?;

    // The next start marks the run the dead process left `running`.
    let app = TestApp::spawn_on(database, |s| {
        s.refresh.enabled = true;
        for unit in Unit::ALL {
            s.refresh.unit_mut(unit).enabled = false;
        }
    })
    .await?;
    eventually(60, "the interrupted run marked failed", || async {
        let n = app.sql_i64("SELECT COUNT(*) FROM refresh_run WHERE status = 'failed' AND error LIKE 'interrupted: the server stopped%'").await?;
        Ok((n == 1).then_some(()))
    })
    .await?;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM refresh_run WHERE status IN ('running', 'ok')")
            .await?,
        0
    );
    Ok(())
}
