//! The parsers on the real bundled files: row counts, DST edges and spot
//! values checked against the CSV text.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::ActiveValue::Set;
use zkcity_jobs::import::{AIR_QUALITY, POWER, STATIONS, TRAFFIC};
use zkcity_jobs::load::{air_quality, power, traffic};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn read(relative: &str) -> Vec<u8> {
    let path = fixtures().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("valid")
}

#[test]
fn beijing_file_gives_16992_observations_at_12_stations() {
    let stations =
        air_quality::parse_stations(&read(STATIONS), utc(2025, 1, 1, 0)).expect("stations");
    assert_eq!(stations.len(), 12);
    let ids = air_quality::station_ids(&stations);
    let rows = air_quality::parse_observations(&read(AIR_QUALITY), &ids, utc(2025, 1, 1, 0))
        .expect("observations");
    assert_eq!(rows.len(), 16_992);
    // 215 rows have every pollutant NA: no AQI for them.
    assert_eq!(rows.iter().filter(|r| r.aqi == Set(None)).count(), 215);
    // Line 31: 2017-01-02 05:00 CST at Aotizhongxin, PM2.5 116, PM10 116, SO2 13, NO2 87, CO 2200, O3 4.
    let row = rows
        .iter()
        .find(|r| {
            r.station_id == Set("aotizhongxin".into())
                && r.date_observed == Set(utc(2017, 1, 1, 21))
        })
        .expect("spot row");
    assert_eq!(row.pm25, Set(Some(116.0)));
    assert_eq!(row.co, Set(Some(2200.0)));
    // PM2.5 116 in [115, 150]: 150 + 50·1/35 = 151.4 → 152; PM10 116 → 83.
    assert_eq!(row.aqi, Set(Some(152)));
    assert_eq!(row.dominant_pollutant, Set(Some("PM2.5".into())));
}

#[test]
fn belgian_prices_skip_3724_empty_hours_and_keep_every_autumn_hour() {
    let rows = power::parse_day_ahead(&read(POWER), utc(2025, 1, 1, 0)).expect("prices");
    assert_eq!(rows.skipped_empty, 3_724);
    assert_eq!(rows.prices.len(), 26_307 - 3_724);
    assert_eq!(rows.transactions.len(), rows.prices.len());
    // Both 2022-10-30 02:00 rows: 00:00 UTC (CEST) at 100.22 and 01:00 UTC (CET) at 99.93.
    let price_at = |t| {
        rows.prices
            .iter()
            .find(|p| p.interval_start == Set(t))
            .map(|p| p.price_per_mwh.clone())
    };
    assert_eq!(price_at(utc(2022, 10, 30, 0)), Some(Set(100.22)));
    assert_eq!(price_at(utc(2022, 10, 30, 1)), Some(Set(99.93)));
    // The spring gap (2022-03-27 02:00 local) is absent: 01:00 UTC is 03:00 CEST, 214.02.
    assert_eq!(price_at(utc(2022, 3, 27, 1)), Some(Set(214.02)));
    // Last published price: 2024-07-29 23:00 CEST = 21:00 UTC.
    let last = rows
        .prices
        .iter()
        .filter_map(|p| p.interval_start.try_as_ref().copied())
        .max();
    assert_eq!(last, Some(utc(2024, 7, 29, 21)));
}

#[test]
fn traffic_file_gives_one_row_per_distinct_hour_and_reports() {
    let hours = traffic::parse_hours(&read(TRAFFIC)).expect("hours");
    // 48,204 rows, 7,629 of them repeat a timestamp (one row per weather condition).
    assert_eq!(hours.len(), 40_575);
    let flows = traffic::flow_observations(&hours, utc(2025, 1, 1, 0));
    // Line 29677: 2017-01-02 01:00 CST = 07:00 UTC, 522 vehicles.
    let row = flows
        .iter()
        .find(|f| f.date_observed == Set(utc(2017, 1, 2, 7)))
        .expect("spot row");
    assert_eq!(row.intensity, Set(522.0));
    assert_eq!(row.congestion_level, Set("freeFlow".into()));
    let reports =
        traffic::reports::road_condition_reports(&hours, utc(2025, 1, 1, 0)).expect("reports");
    let count = |category: &str| {
        reports
            .iter()
            .filter(|r| r.category == Set(category.into()))
            .count()
    };
    // The file marks 61 holiday rows, on 53 distinct days (some days repeat per weather condition).
    assert_eq!(count("event"), 53);
    assert!(count("weather") > 1_000, "{}", count("weather"));
    assert!(count("congestion") > 100, "{}", count("congestion"));
    let ids: std::collections::HashSet<_> = reports
        .iter()
        .filter_map(|r| r.situation_id.try_as_ref())
        .collect();
    assert_eq!(ids.len(), reports.len(), "situation ids are unique");
}
