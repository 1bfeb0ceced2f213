//! A recording HTTP relay for the privacy-proxy tests: it stands between
//! the proxy and the server, keeps every request body the server receives
//! (to check that nothing identifying is sent), and can corrupt the key
//! files it relays (to see the proxy refuse a key whose hash is wrong).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

#[derive(Clone)]
struct Shared {
    target: String,
    corrupt_keys: bool,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    client: reqwest::Client,
}

/// A running relay; stops when dropped.
pub struct Relay {
    pub address: String,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Relay {
    /// Relays `http://127.0.0.1:<random>` to `target`.
    pub async fn start(target: &str, corrupt_keys: bool) -> anyhow::Result<Self> {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            target: target.trim_end_matches('/').to_owned(),
            corrupt_keys,
            bodies: bodies.clone(),
            client: reqwest::Client::new(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        let app = Router::new().fallback(forward).with_state(shared);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            address,
            bodies,
            _stop: stop,
        })
    }

    /// Every request body relayed so far, as text.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies
            .lock()
            .map(|b| {
                b.iter()
                    .map(|x| String::from_utf8_lossy(x).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn forward(State(s): State<Shared>, method: Method, uri: Uri, body: Bytes) -> Response {
    if let Ok(mut b) = s.bodies.lock() {
        b.push(body.to_vec());
    }
    let url = format!("{}{}", s.target, uri);
    let method =
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
    let sent = s
        .client
        .request(method, url)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await;
    let Ok(resp) = sent else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    if s.corrupt_keys && uri.path().starts_with("/keys/") {
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
    }
    (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
}
