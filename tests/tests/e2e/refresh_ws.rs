//! A real WebSocket GraphQL client (graphql-transport-ws over
//! tokio-tungstenite) receives `unitRefreshed` after a committed run.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use zkcity_tests::refresh::{manual, refresh_ok};
use zkcity_tests::TestApp;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, v: Value) -> anyhow::Result<()> {
    ws.send(Message::text(v.to_string())).await?;
    Ok(())
}

/// The next JSON text message, or None after `wait`.
async fn next_json(ws: &mut Ws, wait: Duration) -> anyhow::Result<Option<Value>> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => anyhow::bail!("the server closed the socket"),
            Ok(Some(msg)) => match msg? {
                Message::Text(t) => return Ok(Some(serde_json::from_str(t.as_str())?)),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => anyhow::bail!("unexpected message {other:?}"),
            },
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_client_receives_unit_refreshed_after_a_run() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(manual).await?;
    let mut request =
        format!("{}/graphql/ws", app.address.replace("http://", "ws://")).into_client_request()?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await?;
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );

    send(&mut ws, json!({"type": "connection_init", "payload": {}})).await?;
    let ack = next_json(&mut ws, Duration::from_secs(30)).await?;
    assert_eq!(
        ack.as_ref().and_then(|a| a["type"].as_str()),
        Some("connection_ack"),
        "{ack:?}"
    );
    let query = "subscription { unitRefreshed(unit: ECOLOGICAL) { unit runId source rowsWritten rowsInserted rowsUpdated finishedAt tables { table inserted updated } } }";
    send(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
    )
    .await?;

    // The subscription becomes active asynchronously: refresh until an event
    // arrives. A power run goes first each time; the ECOLOGICAL filter must
    // keep it out.
    let mut ecological_runs = Vec::new();
    let mut event = None;
    for _ in 0..30 {
        refresh_ok(&app, "POWER").await?;
        ecological_runs.push(refresh_ok(&app, "ECOLOGICAL").await?["id"].clone());
        if let Some(msg) = next_json(&mut ws, Duration::from_secs(2)).await? {
            event = Some(msg);
            break;
        }
    }
    let msg = event.ok_or_else(|| anyhow::anyhow!("no unitRefreshed event"))?;
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], "1");
    let e = &msg["payload"]["data"]["unitRefreshed"];
    assert_eq!(e["unit"], "ECOLOGICAL", "{msg}");
    assert_eq!(e["source"], "REPLAY");
    assert!(ecological_runs.contains(&e["runId"]), "{msg}");
    let run_id: i64 = e["runId"].as_str().unwrap_or_default().parse()?;
    let written = app
        .sql_i64(&format!(
            "SELECT rows_written FROM refresh_run WHERE id = {run_id} AND status = 'ok'"
        ))
        .await?;
    assert_eq!(e["rowsWritten"].as_i64(), Some(written));
    assert!(
        e["tables"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["table"] == "air_quality_observation")),
        "{msg}"
    );

    send(&mut ws, json!({"id": "1", "type": "complete"})).await?;
    Ok(())
}
