//! Every connection paginates forward and backward with no duplicates and no
//! gaps, matching SQL's order and count.

use std::collections::HashMap;

use serde_json::{json, Value};
use zkcity_tests::TestApp;

use super::support::{conn, page, sql_ids, walk_backward, walk_forward};

/// (connection, filter, orderBy, SQL listing the same rows in the same order)
fn cases() -> Vec<(&'static str, Value, Value, &'static str)> {
    vec![
        ("roadSegments", Value::Null, Value::Null, "SELECT id FROM road_segment ORDER BY id"),
        (
            "trafficFlowObservations",
            json!({"time": {"from": "2017-01-01T00:00:00Z", "to": "2017-01-15T00:00:00Z"}}),
            json!({"field": "INTENSITY", "direction": "DESC"}),
            "SELECT id FROM traffic_flow_observation WHERE date_observed >= '2017-01-01T00:00:00Z' AND date_observed < '2017-01-15T00:00:00Z' ORDER BY intensity DESC, id DESC",
        ),
        (
            "roadConditionReports",
            json!({"time": {"from": "2016-01-01T00:00:00Z", "to": "2016-04-01T00:00:00Z"}}),
            Value::Null,
            "SELECT id FROM road_condition_report WHERE valid_from >= '2016-01-01T00:00:00Z' AND valid_from < '2016-04-01T00:00:00Z' ORDER BY valid_from, id",
        ),
        ("imageTiles", Value::Null, json!({"field": "GSD"}), "SELECT id FROM image_tile ORDER BY gsd, id"),
        (
            "marketTransactions",
            json!({"time": {"from": "2022-03-01T00:00:00Z", "to": "2022-03-15T00:00:00Z"}}),
            json!({"field": "PRICE", "direction": "DESC"}),
            "SELECT id FROM market_transaction WHERE delivery_start >= '2022-03-01T00:00:00Z' AND delivery_start < '2022-03-15T00:00:00Z' ORDER BY price_per_mwh DESC, id DESC",
        ),
        (
            "clearingPrices",
            json!({"time": {"from": "2023-10-20T00:00:00Z", "to": "2023-11-05T00:00:00Z"}}),
            Value::Null,
            "SELECT id FROM clearing_price WHERE interval_start >= '2023-10-20T00:00:00Z' AND interval_start < '2023-11-05T00:00:00Z' ORDER BY interval_start, id",
        ),
        ("stations", Value::Null, json!({"field": "NAME", "direction": "DESC"}), "SELECT id FROM station ORDER BY name DESC, id DESC"),
        (
            "airQualityObservations",
            json!({"stationIds": ["dongsi", "tiantan"], "time": {"from": "2017-02-01T00:00:00Z", "to": "2017-02-08T00:00:00Z"}}),
            json!({"direction": "DESC"}),
            "SELECT id FROM air_quality_observation WHERE station_id IN ('dongsi','tiantan') AND date_observed >= '2017-02-01T00:00:00Z' AND date_observed < '2017-02-08T00:00:00Z' ORDER BY date_observed DESC, id DESC",
        ),
        ("emissionReports", Value::Null, Value::Null, "SELECT id FROM emission_report ORDER BY period_start, id"),
    ]
}

#[tokio::test]
async fn every_connection_pages_both_ways_without_gaps_or_duplicates() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for (field, filter, order, sql) in cases() {
        let expected = sql_ids(&app, sql).await?;
        let c = conn(field);
        for size in [1usize, 7, 50] {
            if size == 1 && expected.len() > 200 {
                continue;
            }
            let forward = walk_forward(&app, c, &filter, &order, size).await?;
            assert_eq!(forward, expected, "{field} forward by {size}");
            let backward = walk_backward(&app, c, &filter, &order, size).await?;
            assert_eq!(backward, expected, "{field} backward by {size}");
        }
        // The total is the filter's, whichever page states it: a first page
        // (counted in the page's statement), a last page, and a page behind
        // a cursor (counted on its own, without the cursor's bound).
        let total = expected.len() as i64;
        let first = page(&app, c, &filter, &order, "first: 3").await?;
        assert_eq!(first.total, total, "{field} totalCount");
        assert!(
            !first.has_previous,
            "{field}: first page has no previous page"
        );
        let last = page(&app, c, &filter, &order, "last: 2").await?;
        assert_eq!(last.total, total, "{field} last totalCount");
        assert_eq!(
            first.end.is_some(),
            !expected.is_empty(),
            "{field} end cursor"
        );
        if let Some(end) = first.end {
            let after = format!("first: 2, after: \"{end}\"");
            let next = page(&app, c, &filter, &order, &after).await?;
            assert_eq!(next.total, total, "{field} totalCount after a cursor");
        }
    }
    Ok(())
}

#[tokio::test]
async fn real_data_of_all_three_units_is_served() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for (field, table) in [
        ("trafficFlowObservations", "traffic_flow_observation"),
        ("roadConditionReports", "road_condition_report"),
        ("imageTiles", "image_tile"),
        ("marketTransactions", "market_transaction"),
        ("clearingPrices", "clearing_price"),
        ("airQualityObservations", "air_quality_observation"),
        ("stations", "station"),
    ] {
        let p = page(&app, conn(field), &Value::Null, &Value::Null, "first: 1").await?;
        let count = app
            .sql_i64(&format!("SELECT COUNT(*) FROM {table}"))
            .await?;
        assert!(count > 0, "{table} holds real data");
        assert_eq!(p.total, count, "{field} totalCount equals SQL count");
    }
    // A filter selecting nothing: an empty first page counts zero.
    let none = json!({"time": {"from": "1990-01-01T00:00:00Z", "to": "1990-01-02T00:00:00Z"}});
    let empty = page(
        &app,
        conn("airQualityObservations"),
        &none,
        &Value::Null,
        "first: 5",
    )
    .await?;
    assert!(empty.ids.is_empty(), "no readings in 1990");
    assert_eq!(empty.total, 0, "an empty first page counts zero");
    Ok(())
}

#[tokio::test]
async fn relations_and_lookups_resolve() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let data = app
        .data(
            r#"{ airQualityObservations(first: 30, filter: {stationIds: ["huairou"]}) { edges { node { id stationId station { id district } } } }
                 trafficFlowObservations(first: 5) { edges { node { id segment { id roadClass } } } } }"#,
            Value::Null,
        )
        .await?;
    let district = app
        .sql("SELECT district FROM station WHERE id = 'huairou'")
        .await?;
    let district: String = district[0].try_get_by_index(0)?;
    let edges = data["airQualityObservations"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 30);
    for e in &edges {
        assert_eq!(e["node"]["station"]["id"], "huairou");
        assert_eq!(e["node"]["station"]["district"], district.as_str());
    }
    let id = edges[0]["node"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let one = app
        .data(
            "query($id: ID!) { airQualityObservation(id: $id) { id stationId } }",
            json!({"id": id}),
        )
        .await?;
    assert_eq!(one["airQualityObservation"]["id"], id.as_str());
    let missing = app
        .data(r#"{ station(id: "nowhere") { id } }"#, Value::Null)
        .await?;
    assert!(missing["station"].is_null());
    let seg = &data["trafficFlowObservations"]["edges"][0]["node"]["segment"];
    assert_eq!(seg["roadClass"], "motorway");
    Ok(())
}

/// `(id, second column)` of every row `sql` lists, as a map.
async fn pairs(app: &TestApp, sql: &str) -> anyhow::Result<HashMap<String, String>> {
    app.sql(sql)
        .await?
        .iter()
        .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
        .collect()
}

/// Checks that every node of `nodes` carries the parent its own id column
/// names (`child_key` → `parent.id`, `parent.<field>` as SQL has it), and
/// returns how many distinct parents the page held.
fn check_parents(
    nodes: &Value,
    child_key: &str,
    parent: &str,
    field: &str,
    sql: &HashMap<String, String>,
) -> usize {
    let nodes = nodes.as_array().cloned().unwrap_or_default();
    assert!(!nodes.is_empty(), "no nodes in {child_key} page");
    let mut seen = std::collections::HashSet::new();
    for n in &nodes {
        let id = n[child_key].as_str().unwrap_or_default();
        assert_eq!(n[parent]["id"], id, "{n}");
        assert_eq!(n[parent][field], sql[id].as_str(), "{n}");
        seen.insert(id.to_owned());
    }
    seen.len()
}

/// A page that selects its rows' station or segment reads it in the page's
/// own statement; every page shape of that path (first page with and
/// without `totalCount`, `last:`, behind a cursor, `nodes`, a fragment)
/// must attach to each row the parent its id names.
#[tokio::test]
async fn joined_parents_match_their_rows_on_every_page_shape() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let stations = pairs(&app, "SELECT id, name FROM station").await?;
    let segments = pairs(&app, "SELECT id, road_class FROM road_segment").await?;
    let newest = r#"{field: DATE_OBSERVED, direction: DESC}"#;
    let first = app
        .data(
            &format!(
                r#"{{ counted: airQualityObservations(first: 40, orderBy: {newest}) {{
                        totalCount pageInfo {{ endCursor }}
                        edges {{ node {{ stationId station {{ id name }} }} }} }}
                     plain: airQualityObservations(first: 40, orderBy: {newest}) {{
                        nodes {{ ...Reading }} }}
                     back: airQualityObservations(last: 25) {{
                        totalCount nodes {{ ...Reading }} }}
                     flows: trafficFlowObservations(first: 30) {{
                        totalCount nodes {{ segmentId segment {{ id roadClass }} }} }} }}
                   fragment Reading on AirQualityObservation {{ stationId station {{ id name }} }}"#
            ),
            Value::Null,
        )
        .await?;
    let station_parents =
        |nodes: &Value| check_parents(nodes, "stationId", "station", "name", &stations);
    let counted: Vec<Value> = first["counted"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .collect();
    let distinct = station_parents(&Value::from(counted));
    assert!(distinct > 1, "the newest hour spans several stations");
    station_parents(&first["plain"]["nodes"]);
    let oldest = station_parents(&first["back"]["nodes"]);
    assert!(oldest > 1, "the oldest hours span several stations");
    check_parents(
        &first["flows"]["nodes"],
        "segmentId",
        "segment",
        "roadClass",
        &segments,
    );
    let total = app
        .sql_i64("SELECT COUNT(*) FROM air_quality_observation")
        .await?;
    assert_eq!(first["counted"]["totalCount"], total);
    assert_eq!(first["back"]["totalCount"], total);
    let flows = app
        .sql_i64("SELECT COUNT(*) FROM traffic_flow_observation")
        .await?;
    assert_eq!(first["flows"]["totalCount"], flows);

    let cursor = first["counted"]["pageInfo"]["endCursor"].clone();
    let next = app
        .data(
            &format!(
                r#"query($after: String) {{ airQualityObservations(first: 40, after: $after, orderBy: {newest}) {{
                    totalCount nodes {{ stationId station {{ id name }} }} }} }}"#
            ),
            json!({ "after": cursor }),
        )
        .await?;
    station_parents(&next["airQualityObservations"]["nodes"]);
    assert_eq!(next["airQualityObservations"]["totalCount"], total);
    Ok(())
}
