//! The privacy proxy end to end (issue 13): a gated server, a registered
//! identity, the real `zkcity proxy` on a random port and a recording relay
//! in front of the server. A plain HTTP client sends unmodified queries for
//! the three units and gets data; each adds one query entry to the log;
//! the receipts are stored and `zkcity receipts open` verifies them; the
//! server never receives the identity, its commitment or its secrets.

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use zkcity_tests::audit::zkcity;
use zkcity_tests::relay::Relay;

use crate::proxy_support::*;

#[tokio::test]
async fn plain_clients_get_every_unit_anonymously_through_the_proxy() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let relay = Relay::start(&app.address, false).await?;
    let proxy = me.proxy(&relay.address, &["--log-key", &key]).await?;
    let state = me.state.to_string_lossy().into_owned();
    let mut indexes = Vec::new();
    for q in UNITS {
        let before = query_entries(&app).await?;
        let (status, body) = proxy.post(&json!({"query": q})).await?;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        let data = &body["data"];
        let count = data
            .as_object()
            .and_then(|d| d.values().next())
            .map(|v| v["totalCount"].clone());
        assert!(
            count.and_then(|c| c.as_i64()).is_some_and(|c| c > 0),
            "{body}"
        );
        assert_eq!(
            query_entries(&app).await?,
            before + 1,
            "one query entry per query"
        );
        indexes.push(
            body["extensions"]["zkcity"]["receipt"]["index"]
                .as_u64()
                .unwrap_or(u64::MAX),
        );
    }
    // Public parts pass through without a proof (the log does not grow).
    let before = query_entries(&app).await?;
    let (_, body) = proxy
        .post(&json!({"query": "{ zkParameters { depth } }"}))
        .await?;
    assert_eq!(body["data"]["zkParameters"]["depth"], 20, "{body}");
    let get = reqwest::Client::new()
        .get(format!("{}/graphql", proxy.address))
        .query(&[("query", "{ checkpoint }")])
        .header("accept", "application/json")
        .send()
        .await?
        .json::<Value>()
        .await?;
    assert!(
        get["data"]["checkpoint"].is_string(),
        "GET of a public query: {get}"
    );
    assert_eq!(query_entries(&app).await?, before);

    // The receipts are in the store and verify against the server.
    let list = zkcity(&["receipts", "list", "--state-dir", &state]).await?;
    assert_eq!(list.code, 0, "{list:?}");
    for index in &indexes {
        assert!(
            list.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{index}\t"))),
            "{list:?}"
        );
        let opened = zkcity(&[
            "receipts",
            "open",
            "--state-dir",
            &state,
            "--server",
            &app.address,
            "--log-key",
            &key,
            &index.to_string(),
        ])
        .await?;
        assert_eq!(opened.code, 0, "receipts open {index}: {opened:?}");
        assert!(
            opened
                .stdout
                .contains(&format!("log entry {index} is this query")),
            "{opened:?}"
        );
    }

    // Nothing identifying reached the server.
    let bodies = relay.bodies();
    assert!(
        bodies.iter().any(|b| b.contains("\"zkcity\"")),
        "proofs went through the relay"
    );
    for body in &bodies {
        assert!(
            !body.contains(&me.commitment),
            "the commitment was sent: {body}"
        );
        for secret in &me.secrets {
            assert!(!body.contains(secret.as_str()), "a secret was sent");
        }
    }
    Ok(())
}

#[tokio::test]
async fn batches_and_websocket_operations_are_proven_one_by_one() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let proxy = me.proxy(&app.address, &["--log-key", &key]).await?;
    let before = query_entries(&app).await?;
    let batch =
        json!([{"query": UNITS[2]}, {"query": "{ zkParameters { depth } }"}, {"query": UNITS[1]}]);
    let (status, body) = proxy.post(&batch).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["data"]["stations"]["totalCount"], 12, "{body}");
    assert_eq!(body[1]["data"]["zkParameters"]["depth"], 20, "{body}");
    assert!(
        body[2]["data"]["marketTransactions"]["totalCount"].as_i64() > Some(0),
        "{body}"
    );
    assert_eq!(
        query_entries(&app).await?,
        before + 2,
        "two gated operations, two entries"
    );

    // graphql-transport-ws: a query on a gated unit over the proxy's socket.
    let next = over_websocket(&proxy.address, UNITS[2]).await?;
    assert_eq!(
        next["payload"]["data"]["stations"]["totalCount"], 12,
        "{next}"
    );
    assert_eq!(query_entries(&app).await?, before + 3);
    let index = next["payload"]["extensions"]["zkcity"]["receipt"]["index"].as_u64();
    let state = me.state.to_string_lossy().into_owned();
    let list = zkcity(&["receipts", "list", "--state-dir", &state]).await?;
    assert_eq!(list.stdout.lines().count(), 3, "{list:?}");
    assert!(
        index.is_some_and(|i| list.stdout.contains(&format!("{i}\t"))),
        "{list:?}"
    );
    Ok(())
}

/// Sends `query` over graphql-transport-ws to `address` and returns the
/// first `next` message.
async fn over_websocket(address: &str, query: &str) -> anyhow::Result<Value> {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({"type": "connection_init"}).to_string();
    socket.send(Message::text(init)).await?;
    let subscribe = json!({"type": "subscribe", "id": "1", "payload": {"query": query}});
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, socket.next()).await {
        let msg: Value = serde_json::from_str(msg?.to_text()?)?;
        match msg["type"].as_str() {
            Some("connection_ack") => socket.send(Message::text(subscribe.to_string())).await?,
            Some("next") => return Ok(msg),
            Some("complete") | Some("error") => anyhow::bail!("no data over the WebSocket: {msg}"),
            _ => {}
        }
    }
    anyhow::bail!("no answer over the WebSocket")
}

#[tokio::test]
async fn upstream_socks5h_carries_http_and_websocket_traffic() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let socks = zkcity_tests::socks::Socks5::start().await?;
    // A name, not an address: socks5h leaves resolving it to the SOCKS proxy.
    let server = app.address.replace("127.0.0.1", "localhost");
    let upstream = format!("socks5h://{}", socks.address);
    let proxy = me
        .proxy(&server, &["--log-key", &key, "--upstream", &upstream])
        .await?;
    let before = query_entries(&app).await?;
    let (_, body) = proxy.post(&json!({"query": UNITS[2]})).await?;
    assert_eq!(body["data"]["stations"]["totalCount"], 12, "{body}");
    let next = over_websocket(&proxy.address, UNITS[2]).await?;
    assert_eq!(
        next["payload"]["data"]["stations"]["totalCount"], 12,
        "{next}"
    );
    assert_eq!(query_entries(&app).await?, before + 2);
    let targets = socks.targets();
    let port = server.rsplit(':').next().unwrap_or_default();
    assert!(
        targets.len() >= 2,
        "HTTP and WebSocket both went through: {targets:?}"
    );
    assert!(
        targets.iter().all(|t| *t == format!("localhost:{port}")),
        "{targets:?}"
    );
    Ok(())
}
