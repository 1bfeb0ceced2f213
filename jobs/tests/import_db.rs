//! `import_fixtures` against real databases: idempotence on PostgreSQL,
//! stored values equal to the CSV text, and a full import on PostgreSQL and
//! SQLite with its timings (run with `--nocapture` to see them).

mod common;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use zkcity_entities::ecological::air_quality_observation as aq;
use zkcity_entities::power::{clearing_price as cp, market_transaction as tx};
use zkcity_entities::traffic::{flow_observation as flow, image_tile};
use zkcity_jobs::import::{import_fixtures, import_power, ImportReport, ImportWindow, TableCounts};

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("valid")
}

/// The first week of 2017 (UTC): air quality and traffic, no power.
fn week() -> ImportWindow {
    ImportWindow {
        from: Some(utc(2017, 1, 1, 0)),
        to: Some(utc(2017, 1, 8, 0)),
    }
}

async fn spot_check_week(db: &DatabaseConnection) {
    // CSV line 31: Aotizhongxin 2017-01-02 05:00 CST, PM2.5 116, CO 2200.
    let obs = aq::Entity::find()
        .filter(aq::Column::StationId.eq("aotizhongxin"))
        .filter(aq::Column::DateObserved.eq(utc(2017, 1, 1, 21)))
        .one(db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(
        (obs.pm25, obs.co, obs.aqi),
        (Some(116.0), Some(2200.0), Some(152))
    );
    assert_eq!(obs.dominant_pollutant.as_deref(), Some("PM2.5"));
    // CSV line 29677: 2017-01-02 01:00 CST, 522 vehicles.
    let f = flow::Entity::find()
        .filter(flow::Column::DateObserved.eq(utc(2017, 1, 2, 7)))
        .one(db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(f.intensity, 522.0);
    let tiles = image_tile::Entity::find().all(db).await.expect("tiles");
    assert!(tiles
        .iter()
        .any(|t| (t.width, t.height, t.proj_epsg) == (791, 718, Some(32618))));
}

#[tokio::test]
async fn window_import_twice_on_postgres_keeps_counts_and_csv_values() {
    let (db, name) = common::fresh_postgres().await;
    let dir = common::fixtures();
    let first = import_fixtures(&db, &dir, week())
        .await
        .expect("first import");
    let after_first = common::counts(&db).await;
    // 12 stations × 168 hours, all present in the file.
    assert_eq!(first.written.air_quality_observation, 2_016);
    assert_eq!(first.written.clearing_price, 0);
    assert!(first.written.traffic_flow_observation > 100);
    assert_eq!(
        as_counts(&after_first),
        first.written,
        "first import inserts exactly what it reports"
    );

    let second = import_fixtures(&db, &dir, week())
        .await
        .expect("second import");
    assert_eq!(
        common::counts(&db).await,
        after_first,
        "re-import adds no rows"
    );
    assert_eq!(
        second.written,
        TableCounts {
            tile_blob: 0,
            ..first.written
        },
        "same keys rewritten; blobs kept"
    );
    spot_check_week(&db).await;
    common::drop_postgres(db, &name).await;
}

#[tokio::test]
async fn power_autumn_dst_window_twice_on_postgres() {
    let (db, name) = common::fresh_postgres().await;
    let window = ImportWindow {
        from: Some(utc(2022, 10, 29, 0)),
        to: Some(utc(2022, 10, 31, 0)),
    };
    for _ in 0..2 {
        let written = import_power(&db, &common::fixtures(), window, Utc::now())
            .await
            .expect("import");
        assert_eq!(
            (written.clearing_price, written.market_transaction),
            (48, 48)
        );
        assert_eq!(common::count(&db, "clearing_price").await, 48);
        assert_eq!(common::count(&db, "market_transaction").await, 48);
    }
    // The two `30oct2022 02:00:00` rows: .1002200012207031 (CEST) and .0999300003051758 (CET).
    let price = |t| {
        cp::Entity::find()
            .filter(cp::Column::IntervalStart.eq(t))
            .one(&db)
    };
    assert_eq!(
        price(utc(2022, 10, 30, 0))
            .await
            .expect("query")
            .map(|p| p.price_per_mwh),
        Some(100.22)
    );
    assert_eq!(
        price(utc(2022, 10, 30, 1))
            .await
            .expect("query")
            .map(|p| p.price_per_mwh),
        Some(99.93)
    );
    let trade = tx::Entity::find()
        .filter(tx::Column::TradeId.eq("BE-DA-2022103000"))
        .one(&db)
        .await
        .expect("query");
    let trade = trade.expect("transaction");
    // Delivery day 2022-10-30 (Brussels): auction 2022-10-29 12:00 CEST = 10:00 UTC.
    assert_eq!(
        (trade.traded_at, trade.volume_mwh, trade.price_per_mwh),
        (utc(2022, 10, 29, 10), None, 100.22)
    );
    common::drop_postgres(db, &name).await;
}

#[tokio::test]
async fn full_import_on_postgres_and_sqlite() {
    let (pg, name) = common::fresh_postgres().await;
    let on_pg = import_fixtures(&pg, &common::fixtures(), ImportWindow::ALL)
        .await
        .expect("postgres import");
    check_full(&on_pg);
    assert_eq!(as_counts(&common::counts(&pg).await), on_pg.written);
    common::drop_postgres(pg, &name).await;

    let (lite, path) = common::fresh_sqlite().await;
    let on_sqlite = import_fixtures(&lite, &common::fixtures(), ImportWindow::ALL)
        .await
        .expect("sqlite import");
    assert_eq!(
        on_sqlite.written, on_pg.written,
        "same rows on both backends"
    );
    let again = import_fixtures(&lite, &common::fixtures(), ImportWindow::ALL)
        .await
        .expect("sqlite re-import");
    assert_eq!(
        as_counts(&common::counts(&lite).await),
        on_pg.written,
        "re-import adds no rows on SQLite"
    );
    lite.close().await.expect("close sqlite");
    std::fs::remove_file(&path).expect("remove sqlite file");
    for (backend, r) in [
        ("postgres", &on_pg),
        ("sqlite", &on_sqlite),
        ("sqlite again", &again),
    ] {
        eprintln!(
            "full import on {backend}: total {:?} (ecological {:?}, power {:?}, traffic {:?}); {:?}",
            r.total, r.ecological, r.power, r.traffic, r.written
        );
    }
}

fn check_full(r: &ImportReport) {
    let w = r.written;
    assert_eq!((w.station, w.air_quality_observation), (12, 16_992));
    assert_eq!((w.clearing_price, w.market_transaction), (22_583, 22_583));
    assert_eq!((w.road_segment, w.traffic_flow_observation), (1, 40_575));
    assert_eq!((w.image_tile, w.tile_blob), (2, 2));
    assert!(w.road_condition_report > 1_000);
}

fn as_counts(rows: &[(&str, i64)]) -> TableCounts {
    let get = |table: &str| {
        rows.iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n as u64)
    };
    TableCounts {
        station: get("station"),
        air_quality_observation: get("air_quality_observation"),
        clearing_price: get("clearing_price"),
        market_transaction: get("market_transaction"),
        road_segment: get("road_segment"),
        traffic_flow_observation: get("traffic_flow_observation"),
        road_condition_report: get("road_condition_report"),
        image_tile: get("image_tile"),
        tile_blob: get("tile_blob"),
    }
}
