//! Bad input gets its `extensions.code`: bad cursors, over-deep, over-complex
//! and oversize queries, and the other argument errors.

use base64::Engine;
use serde_json::{json, Value};
use zkcity_tests::{error_code, TestApp};

async fn code_of(app: &TestApp, query: &str, vars: Value) -> anyhow::Result<Option<String>> {
    let body = app.graphql(query, vars).await?;
    Ok(error_code(&body).map(str::to_owned))
}

#[tokio::test]
async fn bad_cursors_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let q = "query($c: String) { stations(first: 2, after: $c) { edges { node { id } } } }";
    for bad in ["garbage!", "", "bm90LWpzb24"] {
        assert_eq!(
            code_of(&app, q, json!({"c": bad})).await?.as_deref(),
            Some("BAD_CURSOR"),
            "{bad}"
        );
    }
    // A real cursor, but issued for another ordering.
    let data = app
        .data(
            r#"{ stations(first: 1, orderBy: {field: NAME}) { pageInfo { endCursor } } }"#,
            Value::Null,
        )
        .await?;
    let cursor = data["stations"]["pageInfo"]["endCursor"].clone();
    assert_eq!(
        code_of(&app, q, json!({"c": cursor})).await?.as_deref(),
        Some("BAD_CURSOR")
    );
    // Well-formed JSON with a key of the wrong type.
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"o":"aq.dateObserved","s":5,"i":1}"#);
    let q2 = "query($c: String) { airQualityObservations(first: 2, after: $c) { edges { node { id } } } }";
    assert_eq!(
        code_of(&app, q2, json!({"c": forged})).await?.as_deref(),
        Some("BAD_CURSOR")
    );
    Ok(())
}

#[tokio::test]
async fn over_deep_queries_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| s.graphql.max_depth = 4).await?;
    let deep = "{ airQualityObservations(first: 1) { edges { node { station { id } } } } }";
    assert_eq!(
        code_of(&app, deep, Value::Null).await?.as_deref(),
        Some("QUERY_TOO_DEEP")
    );
    let shallow = "{ stations(first: 1) { totalCount } }";
    assert_eq!(code_of(&app, shallow, Value::Null).await?, None);
    Ok(())
}

#[tokio::test]
async fn over_complex_queries_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    // 500 nodes × two dozen fields is beyond the default budget of 10,000.
    let q = "{ airQualityObservations(first: 500) { edges { cursor node { id aqi pm25 pm10 no2 so2 o3 co unit stationId dateObserved \
             aqiStandard dominantPollutant source ingestedAt station { id name district latitude longitude source } } } } }";
    assert_eq!(
        code_of(&app, q, Value::Null).await?.as_deref(),
        Some("QUERY_TOO_COMPLEX")
    );
    let ok = "{ airQualityObservations(first: 20) { edges { node { id aqi station { name } } } } }";
    assert_eq!(code_of(&app, ok, Value::Null).await?, None);
    Ok(())
}

/// DESIGN §7 amendment: a field that reaches the database or the signer
/// costs a round trip per occurrence, aliases included, so a small body of
/// aliases is refused before it runs instead of signing thousands of times.
#[tokio::test]
async fn aliases_of_database_fields_cost_a_round_trip_each() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let aliases = |field: &str, n: usize| {
        let body: Vec<String> = (0..n).map(|i| format!("a{i}: {field}")).collect();
        format!("{{ {} }}", body.join(" "))
    };
    let flood = aliases("checkpoint", 9000);
    assert_eq!(
        code_of(&app, &flood, Value::Null).await?.as_deref(),
        Some("QUERY_TOO_COMPLEX")
    );
    let many = aliases("zkParameters { depth }", 120);
    assert_eq!(
        code_of(&app, &many, Value::Null).await?.as_deref(),
        Some("QUERY_TOO_COMPLEX")
    );
    let by_id = aliases("station(id: \"dongsi\") { name }", 120);
    assert_eq!(
        code_of(&app, &by_id, Value::Null).await?.as_deref(),
        Some("QUERY_TOO_COMPLEX")
    );
    // A handful is an ordinary request.
    let few = aliases("checkpoint", 20);
    assert_eq!(code_of(&app, &few, Value::Null).await?, None);
    Ok(())
}

#[tokio::test]
async fn oversize_bodies_and_batches_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| s.server.body_limit_bytes = 4096).await?;
    let padding = " ".repeat(8192);
    let body = json!({"query": format!("{{ stations {{ totalCount }} }}{padding}")});
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await?;
    assert_eq!(resp.status(), 413);
    let json: Value = resp.json().await?;
    assert_eq!(error_code(&json), Some("BODY_TOO_LARGE"));

    let batch: Vec<Value> = (0..11)
        .map(|_| json!({"query": "{ stations { totalCount } }"}))
        .collect();
    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(&resp.json().await?), Some("BATCH_TOO_LARGE"));

    let resp = app
        .client
        .post(format!("{}/graphql", app.address))
        .body("{not json")
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    assert_eq!(error_code(&resp.json().await?), Some("BAD_REQUEST"));
    Ok(())
}

#[tokio::test]
async fn argument_errors_have_codes() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let cases = [
        ("{ stations(first: 501) { totalCount } }", "PAGE_TOO_LARGE"),
        ("{ stations(first: -1) { totalCount } }", "BAD_USER_INPUT"),
        (
            "{ stations(first: 1, last: 1) { totalCount } }",
            "BAD_USER_INPUT",
        ),
        (
            r#"{ airQualityObservations(filter: {time: {from: "2017-02-01T00:00:00Z", to: "2017-01-01T00:00:00Z"}}) { totalCount } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ stations(filter: {bbox: {west: 10, south: 0, east: 5, north: 1}}) { totalCount } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ airQualityObservations(filter: {time: {from: "yesterday"}}) { totalCount } }"#,
            "BAD_USER_INPUT",
        ),
        (
            r#"{ airQualityObservation(id: "abc") { id } }"#,
            "BAD_USER_INPUT",
        ),
        (
            "{ stations { nonexistentField } }",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ stations(first: 1) { totalCount ", "GRAPHQL_PARSE_FAILED"),
    ];
    for (q, code) in cases {
        assert_eq!(
            code_of(&app, q, Value::Null).await?.as_deref(),
            Some(code),
            "{q}"
        );
    }
    Ok(())
}

/// A NUL character cannot be stored or compared by PostgreSQL; it is the
/// client's mistake, refused before SQL (DESIGN §7 amendment), whether it
/// arrives as a literal, a variable or inside a list.
#[tokio::test]
async fn nul_characters_are_bad_user_input_not_an_outage() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let literal = r#"{ stations(filter: { district: "a\u0000b" }) { totalCount } }"#;
    assert_eq!(
        code_of(&app, literal, Value::Null).await?.as_deref(),
        Some("BAD_USER_INPUT")
    );
    let q = "query($f: StationFilter) { stations(filter: $f) { totalCount } }";
    let vars = json!({"f": {"district": "a\u{0}b"}});
    assert_eq!(
        code_of(&app, q, vars).await?.as_deref(),
        Some("BAD_USER_INPUT")
    );
    let q = "query($ids: [String!]) { stations(filter: { ids: $ids }) { totalCount } }";
    let vars = json!({"ids": ["dongsi", "\u{0}"]});
    assert_eq!(
        code_of(&app, q, vars).await?.as_deref(),
        Some("BAD_USER_INPUT")
    );
    // The same text without the NUL answers.
    let fine = r#"{ stations(filter: { district: "ab" }) { totalCount } }"#;
    assert_eq!(code_of(&app, fine, Value::Null).await?, None);
    Ok(())
}
