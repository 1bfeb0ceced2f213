//! `/graphql/ws`: graphql-transport-ws relayed to the server's
//! `/graphql/ws` over one upstream connection per client connection. A
//! `subscribe` whose operation reads a gated unit is proven before it is
//! forwarded (the server's gate covers WebSocket operations too, DESIGN §8);
//! its first `next` carries the receipt, which is checked and stored like
//! an HTTP answer's. Every other message passes unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as UpMessage;

use super::anonymizer::Proven;
use super::error::ProxyError;
use super::exchange::{finish, text_of};
use super::http::guard;
use super::ProxyState;

const PROTOCOL: &str = "graphql-transport-ws";

/// Proven operations awaiting their first answer, by subscription id.
type Pending = Arc<Mutex<HashMap<String, Proven>>>;

/// `GET /graphql/ws` (upgrade).
pub async fn upgrade(
    State(state): State<Arc<ProxyState>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused.into_response();
    }
    ws.protocols([PROTOCOL])
        .on_upgrade(move |socket| relay(state, socket))
}

type UpstreamSocket = tokio_tungstenite::WebSocketStream<
    tokio_tungstenite::MaybeTlsStream<Box<dyn super::upstream::Stream>>,
>;

async fn connect(state: &ProxyState) -> Result<UpstreamSocket, String> {
    let mut request = state
        .upstream
        .ws_url()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        axum::http::HeaderValue::from_static(PROTOCOL),
    );
    let stream = state.upstream.connect_tcp().await?;
    let (socket, _) = tokio_tungstenite::client_async_tls(request, stream)
        .await
        .map_err(|e| e.to_string())?;
    Ok(socket)
}

#[tracing::instrument(name = "ws_relay", skip_all)]
async fn relay(state: Arc<ProxyState>, mut client: WebSocket) {
    let upstream = match connect(&state).await {
        Ok(socket) => socket,
        Err(reason) => {
            let e = ProxyError::ServerUnreachable {
                server: state.upstream.base(),
                reason,
            };
            let close = axum::extract::ws::CloseFrame {
                code: 4502,
                reason: e.code().into(),
            };
            let _ = client.send(Message::Close(Some(close))).await;
            return;
        }
    };
    let (client_tx, client_rx) = client.split();
    let (up_tx, up_rx) = upstream.split();
    // Both directions answer the client: one writer owns its half.
    let (to_client, outbox) = mpsc::channel::<Message>(64);
    let pending: Pending = Arc::default();
    tokio::select! {
        () = write_client(client_tx, outbox) => {},
        () = outbound(&state, &pending, client_rx, up_tx, to_client.clone()) => {},
        () = inbound(&state, &pending, up_rx, to_client) => {},
    }
}

async fn write_client(mut tx: SplitSink<WebSocket, Message>, mut outbox: mpsc::Receiver<Message>) {
    while let Some(msg) = outbox.recv().await {
        if tx.send(msg).await.is_err() {
            break;
        }
    }
}

/// Client → server.
async fn outbound(
    state: &ProxyState,
    pending: &Pending,
    mut rx: SplitStream<WebSocket>,
    mut up: SplitSink<UpstreamSocket, UpMessage>,
    to_client: mpsc::Sender<Message>,
) {
    while let Some(Ok(msg)) = rx.next().await {
        let forward = match msg {
            Message::Text(text) => match to_server(state, pending, text.as_str()).await {
                Ok(text) => UpMessage::text(text),
                Err(reply) => {
                    let _ = to_client.send(Message::text(reply)).await;
                    continue;
                }
            },
            Message::Binary(b) => UpMessage::binary(b),
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Close(_) => break,
        };
        if up.send(forward).await.is_err() {
            break;
        }
    }
    let _ = up.close().await;
}

/// Server → client.
async fn inbound(
    state: &ProxyState,
    pending: &Pending,
    mut up: SplitStream<UpstreamSocket>,
    to_client: mpsc::Sender<Message>,
) {
    while let Some(Ok(msg)) = up.next().await {
        let back = match msg {
            UpMessage::Text(text) => Message::text(to_client_text(state, pending, text.as_str())),
            UpMessage::Binary(b) => Message::Binary(b),
            UpMessage::Close(_) => break,
            _ => continue,
        };
        if to_client.send(back).await.is_err() {
            break;
        }
    }
    let _ = to_client.send(Message::Close(None)).await;
}

/// A client message on its way to the server: a `subscribe` of a gated
/// operation is proven. `Err` is the `error` message to answer instead.
async fn to_server(state: &ProxyState, pending: &Pending, text: &str) -> Result<String, String> {
    let Ok(mut msg) = serde_json::from_str::<Value>(text) else {
        return Ok(text.to_owned());
    };
    if msg["type"] != "subscribe" || !state.anonymizer.reads_gated_unit(&msg["payload"]).await {
        return Ok(text.to_owned());
    }
    let id = msg["id"].as_str().unwrap_or_default().to_owned();
    match state.anonymizer.prove(text_of(&msg["payload"])).await {
        Ok(proven) => {
            msg["payload"] = proven.body.clone();
            if let Ok(mut p) = pending.lock() {
                p.insert(id, proven);
            }
            Ok(msg.to_string())
        }
        Err(e) => Err(json!({"type": "error", "id": id, "payload": [e.to_graphql()]}).to_string()),
    }
}

/// A server message on its way to the client: the first answer to a proven
/// operation has its receipt checked and stored.
fn to_client_text(state: &ProxyState, pending: &Pending, text: &str) -> String {
    let Ok(mut msg) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    let Some(id) = msg["id"].as_str().map(str::to_owned) else {
        return text.to_owned();
    };
    let proven = pending.lock().ok().and_then(|mut p| p.remove(&id));
    let Some(proven) = proven else {
        if msg.pointer("/payload/errors/0/extensions/code") == Some(&json!("PROOF_REQUIRED")) {
            state.anonymizer.policy_changed();
        }
        return text.to_owned();
    };
    if msg["type"] != "next" {
        return text.to_owned();
    }
    finish(&state.anonymizer, proven, &mut msg["payload"]);
    msg.to_string()
}
