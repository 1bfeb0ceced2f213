//! Non-GraphQL routes: readiness follows the database, image bytes, metrics,
//! GraphiQL.

use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use zkcity_tests::TestApp;

#[tokio::test]
async fn readyz_follows_the_database() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    assert_eq!(app.readyz().await?, 200);
    assert_eq!(
        app.client
            .get(format!("{}/healthz", app.address))
            .send()
            .await?
            .status(),
        200
    );

    // Make the database unreachable: refuse new connections and cut the
    // server's existing ones.
    app.database.start_outage().await?;
    // Generous deadlines (30 s, 60 s): a liveness check, not a timing one.
    assert!(
        app.wait_ready(503, Duration::from_secs(30)).await?,
        "/readyz stayed ready with the database unreachable"
    );
    // Liveness does not depend on the database.
    assert_eq!(
        app.client
            .get(format!("{}/healthz", app.address))
            .send()
            .await?
            .status(),
        200
    );

    app.database.end_outage().await?;
    assert!(
        app.wait_ready(200, Duration::from_secs(60)).await?,
        "/readyz did not recover when the database came back"
    );
    Ok(())
}

#[tokio::test]
async fn image_bytes_are_served_by_sha256() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let data = app
        .data(
            "{ imageTiles { edges { node { sha256 url mediaType sizeBytes } } } }",
            Value::Null,
        )
        .await?;
    let tiles = data["imageTiles"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(tiles.len(), 2, "both bundled GeoTIFFs");
    for t in tiles {
        let node = &t["node"];
        let resp = app
            .client
            .get(format!(
                "{}{}",
                app.address,
                node["url"].as_str().unwrap_or_default()
            ))
            .send()
            .await?;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"].to_str()?,
            node["mediaType"].as_str().unwrap_or_default()
        );
        let bytes = resp.bytes().await?;
        assert_eq!(bytes.len() as i64, node["sizeBytes"].as_i64().unwrap_or(-1));
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            node["sha256"].as_str().unwrap_or_default()
        );
    }
    let missing = app
        .client
        .get(format!("{}/images/{}", app.address, "0".repeat(64)))
        .send()
        .await?;
    assert_eq!(missing.status(), 404);
    let bad = app
        .client
        .get(format!("{}/images/not-a-hash", app.address))
        .send()
        .await?;
    assert_eq!(bad.status(), 400);
    Ok(())
}

#[tokio::test]
async fn metrics_count_requests_by_operation() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        s.graphql.metric_operations = vec!["CountStations".into()];
    })
    .await?;
    // One allow-listed name, and one a client made up (DESIGN §5
    // amendment: labels are a bounded set the operator chose).
    for name in ["CountStations", "MadeUp4711"] {
        let query = format!("query {name} {{ stations {{ totalCount }} }}");
        let body = serde_json::json!({"query": query, "operationName": name});
        app.client
            .post(format!("{}/graphql", app.address))
            .json(&body)
            .send()
            .await?;
    }
    let text = app.metrics().await?;
    assert!(
        text.contains(
            "zkcity_graphql_operations_total{operation=\"CountStations\",outcome=\"ok\"}"
        ),
        "{text}"
    );
    assert!(!text.contains("MadeUp4711"), "{text}");
    assert!(
        text.contains("zkcity_graphql_operations_total{operation=\"other\",outcome=\"ok\"}"),
        "{text}"
    );
    assert!(
        text.contains("zkcity_http_request_duration_seconds_bucket"),
        "latency histogram present"
    );
    assert!(text.contains("route=\"/graphql\""));
    Ok(())
}

#[tokio::test]
async fn graphiql_is_served() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let resp = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await?;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await?.to_lowercase().contains("graphiql"));
    Ok(())
}
