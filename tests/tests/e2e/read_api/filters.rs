//! Each filter returns exactly the rows a direct SQL query returns.

use serde_json::{json, Value};
use zkcity_tests::TestApp;

use super::support::assert_same_rows;

const WEEK_2017: &str =
    "date_observed >= '2017-01-09T00:00:00Z' AND date_observed < '2017-01-16T00:00:00Z'";

fn week_2017() -> Value {
    json!({"from": "2017-01-09T00:00:00Z", "to": "2017-01-16T00:00:00Z"})
}

/// (connection, filter, SQL selecting the same ids)
fn cases() -> Vec<(&'static str, Value, String)> {
    let beijing_centre = json!({"west": 116.35, "south": 39.88, "east": 116.42, "north": 39.95});
    vec![
        ("stations", json!({"district": "Dongcheng"}), "SELECT id FROM station WHERE district = 'Dongcheng'".into()),
        ("stations", json!({"ids": ["dongsi", "wanliu", "nowhere"]}), "SELECT id FROM station WHERE id IN ('dongsi','wanliu')".into()),
        (
            "stations",
            json!({"bbox": beijing_centre}),
            "SELECT id FROM station WHERE latitude BETWEEN 39.88 AND 39.95 AND longitude BETWEEN 116.35 AND 116.42".into(),
        ),
        (
            "airQualityObservations",
            json!({"minAqi": 300, "time": {"from": "2016-12-31T00:00:00Z", "to": "2017-01-08T00:00:00Z"}}),
            "SELECT id FROM air_quality_observation WHERE aqi >= 300 AND date_observed >= '2016-12-31T00:00:00Z' AND date_observed < '2017-01-08T00:00:00Z'".into(),
        ),
        (
            "airQualityObservations",
            json!({"maxAqi": 50, "time": week_2017()}),
            format!("SELECT id FROM air_quality_observation WHERE aqi <= 50 AND {WEEK_2017}"),
        ),
        (
            "airQualityObservations",
            json!({"district": "Changping", "time": week_2017()}),
            format!("SELECT o.id FROM air_quality_observation o JOIN station s ON s.id = o.station_id WHERE s.district = 'Changping' AND o.{WEEK_2017}"),
        ),
        (
            "airQualityObservations",
            json!({"bbox": beijing_centre, "time": week_2017()}),
            format!(
                "SELECT o.id FROM air_quality_observation o JOIN station s ON s.id = o.station_id \
                 WHERE s.latitude BETWEEN 39.88 AND 39.95 AND s.longitude BETWEEN 116.35 AND 116.42 AND o.{WEEK_2017}"
            ),
        ),
        (
            "airQualityObservations",
            json!({"dominantPollutant": "PM10", "stationIds": ["gucheng", "shunyi"]}),
            "SELECT id FROM air_quality_observation WHERE dominant_pollutant = 'PM10' AND station_id IN ('gucheng','shunyi')".into(),
        ),
        (
            "trafficFlowObservations",
            json!({"minIntensity": 6000, "time": {"from": "2016-01-01T00:00:00Z", "to": "2016-04-01T00:00:00Z"}}),
            "SELECT id FROM traffic_flow_observation WHERE intensity >= 6000 AND date_observed >= '2016-01-01T00:00:00Z' AND date_observed < '2016-04-01T00:00:00Z'".into(),
        ),
        (
            "trafficFlowObservations",
            json!({"congested": true, "time": {"from": "2016-01-01T00:00:00Z", "to": "2016-07-01T00:00:00Z"}}),
            "SELECT id FROM traffic_flow_observation WHERE congested AND date_observed >= '2016-01-01T00:00:00Z' AND date_observed < '2016-07-01T00:00:00Z'".into(),
        ),
        (
            "trafficFlowObservations",
            json!({"congestionLevels": ["impossible"], "district": "Minneapolis–Saint Paul", "bbox": {"west": -94.0, "south": 44.0, "east": -93.0, "north": 45.0}}),
            "SELECT id FROM traffic_flow_observation WHERE congestion_level = 'impossible'".into(),
        ),
        (
            "trafficFlowObservations",
            json!({"bbox": {"west": 116.0, "south": 39.0, "east": 117.0, "north": 41.0}}),
            "SELECT id FROM traffic_flow_observation WHERE false".into(),
        ),
        (
            "roadConditionReports",
            json!({"categories": ["weather"], "severities": ["highest"]}),
            "SELECT id FROM road_condition_report WHERE category = 'weather' AND severity = 'highest'".into(),
        ),
        (
            "roadConditionReports",
            json!({"activeAt": "2012-10-02T21:30:00Z"}),
            "SELECT id FROM road_condition_report WHERE valid_from <= '2012-10-02T21:30:00Z' AND (valid_to IS NULL OR valid_to > '2012-10-02T21:30:00Z')".into(),
        ),
        (
            "roadConditionReports",
            json!({"categories": ["event"], "bbox": {"west": -94.0, "south": 44.5, "east": -93.0, "north": 45.5}}),
            "SELECT id FROM road_condition_report WHERE category = 'event' AND latitude BETWEEN 44.5 AND 45.5 AND longitude BETWEEN -94.0 AND -93.0".into(),
        ),
        (
            "imageTiles",
            json!({"maxGsd": 500.0, "bbox": {"west": -78.0, "south": 24.0, "east": -77.0, "north": 25.0}}),
            "SELECT id FROM image_tile WHERE gsd <= 500 AND bbox_west <= -77.0 AND bbox_east >= -78.0 AND bbox_south <= 25.0 AND bbox_north >= 24.0".into(),
        ),
        ("imageTiles", json!({"bbox": {"west": 0.0, "south": 0.0, "east": 1.0, "north": 1.0}}), "SELECT id FROM image_tile WHERE false".into()),
        (
            "marketTransactions",
            json!({"zones": ["BE"], "minPrice": 400.0, "time": {"from": "2022-08-01T00:00:00Z", "to": "2022-09-01T00:00:00Z"}}),
            "SELECT id FROM market_transaction WHERE zone = 'BE' AND price_per_mwh >= 400 AND delivery_start >= '2022-08-01T00:00:00Z' AND delivery_start < '2022-09-01T00:00:00Z'".into(),
        ),
        (
            "marketTransactions",
            json!({"maxPrice": 0.0, "markets": ["day-ahead"]}),
            "SELECT id FROM market_transaction WHERE price_per_mwh <= 0 AND market = 'day-ahead'".into(),
        ),
        (
            "clearingPrices",
            json!({"minPrice": 100.0, "maxPrice": 120.0, "time": {"from": "2023-01-01T00:00:00Z"}}),
            "SELECT id FROM clearing_price WHERE price_per_mwh BETWEEN 100 AND 120 AND interval_start >= '2023-01-01T00:00:00Z'".into(),
        ),
        ("clearingPrices", json!({"zones": ["NL"]}), "SELECT id FROM clearing_price WHERE zone = 'NL'".into()),
        ("emissionReports", json!({"pollutants": ["SO2"]}), "SELECT id FROM emission_report WHERE pollutant = 'SO2'".into()),
    ]
}

#[tokio::test]
async fn each_filter_returns_exactly_the_rows_sql_returns() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let mut non_empty = 0;
    for (field, filter, sql) in cases() {
        let n = assert_same_rows(&app, field, filter.clone(), &sql).await?;
        if n > 0 {
            non_empty += 1;
        }
    }
    // The oracle must have something to compare: most cases select real rows.
    assert!(
        non_empty >= 17,
        "only {non_empty} filter cases matched rows"
    );
    Ok(())
}
