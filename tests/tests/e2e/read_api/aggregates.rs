//! Each aggregate equals the same aggregate computed independently in SQL on
//! the loaded real data.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use zkcity_tests::TestApp;

/// Relative comparison for floating aggregates (the two sides sum in
/// different orders).
fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

/// The list an aggregate field answered (empty when absent).
fn buckets_of(data: &Value, field: &str) -> Vec<Value> {
    data[field].as_array().cloned().unwrap_or_default()
}

fn api_time(v: &Value) -> anyhow::Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(v.as_str().context("time string")?)?.with_timezone(&Utc))
}

/// Compares API buckets with SQL rows: `fields` are (API JSON pointer inside
/// a bucket, SQL column name).
async fn compare<P: AsRef<str>, C: AsRef<str>>(
    app: &TestApp,
    buckets: &[Value],
    key: &str,
    sql: &str,
    fields: &[(P, C)],
) -> anyhow::Result<()> {
    let rows = app.sql(sql).await?;
    anyhow::ensure!(!rows.is_empty(), "the oracle selected no rows: {sql}");
    assert_eq!(buckets.len(), rows.len(), "bucket count for {sql}");
    for (b, r) in buckets.iter().zip(&rows) {
        let k: String = r.try_get("", "k")?;
        let t: DateTime<Utc> = r.try_get("", "b")?;
        let n: i64 = r.try_get("", "n")?;
        assert_eq!(b[key].as_str(), Some(k.as_str()));
        assert_eq!(api_time(&b["bucketStart"])?, t);
        assert_eq!(
            b["observations"].as_i64().or(b["transactions"].as_i64()),
            Some(n)
        );
        for (ptr, col) in fields {
            let (ptr, col) = (ptr.as_ref(), col.as_ref());
            let api = b.pointer(ptr).and_then(Value::as_f64);
            let want: Option<f64> = r.try_get("", col)?;
            assert!(
                close(api, want),
                "{ptr} of {k} at {t}: api {api:?} vs sql {want:?}"
            );
        }
    }
    Ok(())
}

fn stat_fields(names: &[&'static str]) -> Vec<(String, String)> {
    names
        .iter()
        .flat_map(|p| ["avg", "min", "max"].map(|f| (format!("/{p}/{f}"), format!("{p}_{f}"))))
        .collect()
}

/// `AVG`, `MIN` and `MAX` of each of `names` (columns of `table`, e.g. `o.`,
/// or `""` for the only table).
fn stat_sql(table: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|p| format!("AVG({table}{p})::float8 AS {p}_avg, MIN({table}{p})::float8 AS {p}_min, MAX({table}{p})::float8 AS {p}_max"))
        .collect::<Vec<_>>()
        .join(", ")
}

const POLLUTANTS: [&str; 7] = ["aqi", "pm25", "pm10", "no2", "so2", "o3", "co"];

#[tokio::test]
async fn air_quality_per_station_per_day_matches_sql() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = r#"query($f: AirQualityFilter) { airQualityAggregate(groupBy: STATION, bucket: DAY, filter: $f) {
        key bucketStart observations aqi { avg min max } pm25 { avg min max } pm10 { avg min max } no2 { avg min max }
        so2 { avg min max } o3 { avg min max } co { avg min max } } }"#;
    let f = json!({"time": {"from": "2017-01-20T00:00:00Z", "to": "2017-01-27T00:00:00Z"}});
    let data = app.data(q, json!({"f": f})).await?;
    let buckets = buckets_of(&data, "airQualityAggregate");
    let sql = format!(
        "SELECT station_id AS k, date_trunc('day', date_observed AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, {} \
         FROM air_quality_observation WHERE date_observed >= '2017-01-20T00:00:00Z' AND date_observed < '2017-01-27T00:00:00Z' \
         GROUP BY 1, 2 ORDER BY 1, 2",
        stat_sql("", &POLLUTANTS)
    );
    compare(&app, &buckets, "key", &sql, &stat_fields(&POLLUTANTS)).await
}

#[tokio::test]
async fn air_quality_per_district_per_hour_matches_sql() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = r#"query($f: AirQualityFilter) { airQualityAggregate(groupBy: DISTRICT, bucket: HOUR, filter: $f) {
        key bucketStart observations aqi { avg min max } pm25 { avg min max } no2 { avg min max } } }"#;
    let f = json!({"time": {"from": "2017-02-10T00:00:00Z", "to": "2017-02-11T00:00:00Z"}, "minAqi": 20});
    let data = app.data(q, json!({"f": f})).await?;
    let buckets = buckets_of(&data, "airQualityAggregate");
    let names = ["aqi", "pm25", "no2"];
    let sql = format!(
        "SELECT s.district AS k, date_trunc('hour', o.date_observed AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, {} \
         FROM air_quality_observation o JOIN station s ON s.id = o.station_id \
         WHERE o.date_observed >= '2017-02-10T00:00:00Z' AND o.date_observed < '2017-02-11T00:00:00Z' AND o.aqi >= 20 \
         GROUP BY 1, 2 ORDER BY 1, 2",
        stat_sql("o.", &names)
    );
    compare(&app, &buckets, "key", &sql, &stat_fields(&names)).await
}

#[tokio::test]
async fn power_market_per_zone_per_day_matches_sql() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = r#"query($f: MarketFilter) { powerMarketAggregate(bucket: DAY, filter: $f) {
        zone bucketStart transactions averagePrice minPrice maxPrice volumeWeightedAveragePrice totalVolumeMwh } }"#;
    let f = json!({"time": {"from": "2022-03-01T00:00:00Z", "to": "2022-04-01T00:00:00Z"}});
    let data = app.data(q, json!({"f": f})).await?;
    let buckets = buckets_of(&data, "powerMarketAggregate");
    let sql = "SELECT zone AS k, date_trunc('day', delivery_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, \
               AVG(price_per_mwh) AS avg_p, MIN(price_per_mwh) AS min_p, MAX(price_per_mwh) AS max_p, \
               SUM(price_per_mwh * volume_mwh) / NULLIF(SUM(volume_mwh), 0) AS vwap, SUM(volume_mwh) AS vol \
               FROM market_transaction WHERE delivery_start >= '2022-03-01T00:00:00Z' AND delivery_start < '2022-04-01T00:00:00Z' \
               GROUP BY 1, 2 ORDER BY 1, 2";
    let fields = [
        ("/averagePrice", "avg_p"),
        ("/minPrice", "min_p"),
        ("/maxPrice", "max_p"),
        ("/volumeWeightedAveragePrice", "vwap"),
        ("/totalVolumeMwh", "vol"),
    ];
    compare(&app, &buckets, "zone", sql, &fields).await
}

#[tokio::test]
async fn traffic_per_segment_per_hour_matches_sql() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = r#"query($f: TrafficFlowFilter) { trafficAggregate(bucket: HOUR, filter: $f) {
        segmentId bucketStart observations speed { avg min max } intensity { avg min max } congestionShare } }"#;
    let f = json!({"time": {"from": "2018-03-01T00:00:00Z", "to": "2018-03-08T00:00:00Z"}});
    let data = app.data(q, json!({"f": f})).await?;
    let buckets = buckets_of(&data, "trafficAggregate");
    let sql = "SELECT segment_id AS k, date_trunc('hour', date_observed AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, \
               AVG(average_vehicle_speed) AS s_avg, MIN(average_vehicle_speed) AS s_min, MAX(average_vehicle_speed) AS s_max, \
               AVG(intensity) AS i_avg, MIN(intensity) AS i_min, MAX(intensity) AS i_max, \
               AVG(CASE WHEN congested THEN 1.0 ELSE 0.0 END)::float8 AS share \
               FROM traffic_flow_observation WHERE date_observed >= '2018-03-01T00:00:00Z' AND date_observed < '2018-03-08T00:00:00Z' \
               GROUP BY 1, 2 ORDER BY 1, 2";
    let fields = [
        ("/speed/avg", "s_avg"),
        ("/speed/min", "s_min"),
        ("/speed/max", "s_max"),
        ("/intensity/avg", "i_avg"),
        ("/intensity/min", "i_min"),
        ("/intensity/max", "i_max"),
        ("/congestionShare", "share"),
    ];
    compare(&app, &buckets, "segmentId", sql, &fields).await
}

#[tokio::test]
async fn aggregates_over_the_bucket_limit_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| s.graphql.max_aggregate_buckets = 10).await?;
    let body = app
        .graphql(
            "{ airQualityAggregate(groupBy: STATION, bucket: HOUR) { key } }",
            Value::Null,
        )
        .await?;
    assert_eq!(zkcity_tests::error_code(&body), Some("TOO_MANY_BUCKETS"));
    Ok(())
}

/// Daily air quality per station over `[from, to)` from the API, and the
/// SQL over the readings it must equal.
async fn daily_per_station(
    app: &TestApp,
    from: &str,
    to: &str,
) -> anyhow::Result<(Vec<Value>, String)> {
    let q = r#"query($f: AirQualityFilter) { airQualityAggregate(groupBy: STATION, bucket: DAY, filter: $f) {
        key bucketStart observations aqi { avg min max } pm25 { avg min max } co { avg max } } }"#;
    let data = app
        .data(q, json!({"f": {"time": {"from": from, "to": to}}}))
        .await?;
    let buckets = buckets_of(&data, "airQualityAggregate");
    let sql = format!(
        "SELECT station_id AS k, date_trunc('day', date_observed AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, {} \
         FROM air_quality_observation WHERE date_observed >= '{from}' AND date_observed < '{to}' \
         GROUP BY 1, 2 ORDER BY 1, 2",
        stat_sql("", &["aqi", "pm25", "co"])
    );
    Ok((buckets, sql))
}

const DAILY_FIELDS: [(&str, &str); 8] = [
    ("/aqi/avg", "aqi_avg"),
    ("/aqi/min", "aqi_min"),
    ("/aqi/max", "aqi_max"),
    ("/pm25/avg", "pm25_avg"),
    ("/pm25/min", "pm25_min"),
    ("/pm25/max", "pm25_max"),
    ("/co/avg", "co_avg"),
    ("/co/max", "co_max"),
];

/// Whole days are read from the daily rollup, a range starting mid-day
/// from the readings: both equal the SQL over the readings. A rollup row
/// altered behind the server's back then shows which path answered.
#[tokio::test]
async fn daily_air_quality_from_the_rollup_and_from_partial_days_matches_sql() -> anyhow::Result<()>
{
    let app = TestApp::spawn_with(|s| s.graphql.response_cache_mib = 0).await?;
    let whole = ("2017-02-01T00:00:00Z", "2017-02-08T00:00:00Z");
    let partial = ("2017-02-01T06:30:00Z", "2017-02-08T00:00:00Z");
    for (from, to) in [
        whole,
        partial,
        ("2017-02-01T00:00:00Z", "2017-02-07T18:00:00Z"),
    ] {
        let (buckets, sql) = daily_per_station(&app, from, to).await?;
        compare(&app, &buckets, "key", &sql, &DAILY_FIELDS).await?;
    }

    let stations = app
        .sql_i64("SELECT COUNT(*) FROM air_quality_daily WHERE day = '2017-02-03'")
        .await?;
    anyhow::ensure!(stations > 0, "no rollup rows on 3 February");
    app.sql(
        "UPDATE air_quality_daily SET observations = observations + 1000 WHERE day = '2017-02-03'",
    )
    .await?;
    let readings = app
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM air_quality_observation WHERE date_observed >= '{}' AND date_observed < '{}'",
            whole.0, whole.1
        ))
        .await?;
    let total = |b: &[Value]| {
        b.iter()
            .filter_map(|b| b["observations"].as_i64())
            .sum::<i64>()
    };
    let (buckets, _) = daily_per_station(&app, whole.0, whole.1).await?;
    assert_eq!(
        total(&buckets),
        readings + 1000 * stations,
        "whole days come from the rollup"
    );
    let (buckets, sql) = daily_per_station(&app, partial.0, partial.1).await?;
    compare(&app, &buckets, "key", &sql, &DAILY_FIELDS).await
}

#[tokio::test]
async fn air_quality_per_district_per_day_matches_sql() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = r#"query($f: AirQualityFilter) { airQualityAggregate(groupBy: DISTRICT, bucket: DAY, filter: $f) {
        key bucketStart observations pm10 { avg min max } o3 { avg min max } } }"#;
    let f = json!({"time": {"from": "2017-02-01T00:00:00Z", "to": "2017-02-15T00:00:00Z"},
                   "stationIds": ["dongsi", "tiantan", "guanyuan", "wanliu"]});
    let data = app.data(q, json!({"f": f})).await?;
    let buckets = buckets_of(&data, "airQualityAggregate");
    let names = ["pm10", "o3"];
    let sql = format!(
        "SELECT s.district AS k, date_trunc('day', o.date_observed AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, COUNT(*) AS n, {} \
         FROM air_quality_observation o JOIN station s ON s.id = o.station_id \
         WHERE o.date_observed >= '2017-02-01T00:00:00Z' AND o.date_observed < '2017-02-15T00:00:00Z' \
         AND o.station_id IN ('dongsi', 'tiantan', 'guanyuan', 'wanliu') \
         GROUP BY 1, 2 ORDER BY 1, 2",
        stat_sql("o.", &names)
    );
    compare(&app, &buckets, "key", &sql, &stat_fields(&names)).await
}

/// A refresh run's new readings are in the daily aggregate as soon as it
/// commits (the rollup is written in the run's transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_air_quality_follows_a_refresh_run() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(zkcity_tests::refresh::manual).await?;
    let today = Utc::now().date_naive();
    let day = |d: i64| format!("{}T00:00:00Z", today + chrono::TimeDelta::days(d));
    let (from, to) = (day(-2), day(2));
    let total = |b: &[Value]| {
        b.iter()
            .filter_map(|b| b["observations"].as_i64())
            .sum::<i64>()
    };

    let (before, _) = daily_per_station(&app, &from, &to).await?;
    let run = zkcity_tests::refresh::refresh_ok(&app, "ECOLOGICAL").await?;
    let inserted = run["rowsInserted"].as_i64().unwrap_or_default();
    anyhow::ensure!(inserted > 0, "the run inserted nothing: {run}");
    let (after, sql) = daily_per_station(&app, &from, &to).await?;
    compare(&app, &after, "key", &sql, &DAILY_FIELDS).await?;
    assert_eq!(total(&after), total(&before) + inserted, "{run}");
    Ok(())
}
