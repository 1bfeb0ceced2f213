//! `GET /keys/proving.key` and `GET /keys/verifying.key` (DESIGN §5): the
//! circuit keys clients prove with and auditors verify with, each with its
//! SHA-256 in `X-Content-SHA256` and as a strong `ETag`. Clients compare the
//! hash with `zkParameters` and, better, with a hash pinned out of band.
//! `GET /keys` lists both with the keys' origin (single party or ceremony).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::gate::keys::{KeyFile, KeyMaterial};
use crate::graphql::zk::KeyOriginView;
use crate::state::AppState;

/// The key routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/keys",
            get(|State(k): State<KeyMaterial>| async move { index(&k) }),
        )
        .route(
            "/keys/proving.key",
            get(|State(k): State<KeyMaterial>, h: HeaderMap| async move { serve(&k.proving, &h) }),
        )
        .route(
            "/keys/verifying.key",
            get(
                |State(k): State<KeyMaterial>, h: HeaderMap| async move { serve(&k.verifying, &h) },
            ),
        )
}

/// The key files, their hashes and their origin; O(1), built from memory.
fn index(keys: &KeyMaterial) -> Json<Value> {
    Json(json!({
        "depth": keys.params.depth(),
        "slotBits": keys.params.slot_bits(),
        "provingKey": {"url": "/keys/proving.key", "sha256": keys.proving.sha256},
        "verifyingKey": {"url": "/keys/verifying.key", "sha256": keys.verifying.sha256},
        "origin": KeyOriginView::from(&keys.origin),
    }))
}

fn serve(file: &KeyFile, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", file.sha256);
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let sha_value = HeaderValue::from_str(&file.sha256).unwrap_or(HeaderValue::from_static(""));
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let headers = [
        (header::ETAG, etag_value),
        (
            header::HeaderName::from_static("x-content-sha256"),
            sha_value,
        ),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        StatusCode::OK,
        headers,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )],
        file.bytes.clone(),
    )
        .into_response()
}
