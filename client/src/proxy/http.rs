//! The proxy's HTTP surface: `POST /graphql`, `GET /graphql` (GraphiQL for
//! a browser, GraphQL-over-HTTP GET for public operations otherwise),
//! `GET /healthz`.
//!
//! A proxy on loopback is reachable by every web page the user opens, so
//! before anything is proven it checks that the request comes from this
//! machine's own pages or an allowed origin: the `Host` must be a loopback
//! name (DNS rebinding), a browser's `Origin` must be allowed, and a POST
//! must be `application/json` (a cross-site form cannot send it without a
//! CORS preflight). Otherwise any site could spend the user's slots.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::error::ProxyError;
use super::exchange::{exchange, Operations};
use super::ProxyState;

/// What the GraphiQL page of the proxy says.
const NOTICE: &str = "zkcity privacy proxy: queries on data units are proven here with your \
    identity (one slot each) and logged anonymously; receipts are kept locally (zkcity receipts list).";

/// A request refused by [`guard`], answered 403 `ORIGIN_NOT_ALLOWED`.
#[derive(Debug)]
pub struct Refused(&'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let body = json!({"errors": [{"message": self.0,
            "extensions": {"code": "ORIGIN_NOT_ALLOWED", "source": "zkcity-proxy"}}]});
        (StatusCode::FORBIDDEN, Json(body)).into_response()
    }
}

/// Refuses requests a remote web page could have made (see the module doc).
pub fn guard(state: &ProxyState, headers: &HeaderMap) -> Result<(), Refused> {
    let refuse = |why: &'static str| Err(Refused(why));
    if state.loopback_only {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
            _ => host,
        };
        if !zkcity_web::cors::is_loopback_host(name) {
            return refuse("the proxy answers only requests addressed to a loopback name");
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| origin.to_str().is_ok_and(|o| o == format!("http://{host}")));
        if !own && !state.origins.allows(origin) {
            return refuse("this origin is not allowed to use the proxy (see --cors-origin)");
        }
    } else if headers
        .get("sec-fetch-site")
        .is_some_and(|s| s.as_bytes() == b"cross-site" || s.as_bytes() == b"same-site")
    {
        return refuse("cross-site requests without an Origin are refused");
    }
    Ok(())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || v.eq_ignore_ascii_case("application/graphql-response+json")
        })
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<Arc<ProxyState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused.into_response();
    }
    if !is_json(&headers) {
        let e = ProxyError::BadRequest("send Content-Type: application/json".into());
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Json(e.to_response_body()),
        )
            .into_response();
    }
    let bytes = match axum::body::to_bytes(body, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => return ProxyError::BodyTooLarge(state.body_limit).into_response(),
    };
    let parsed = serde_json::from_slice(&bytes)
        .map_err(|e| ProxyError::BadRequest(e.to_string()))
        .and_then(|v| Operations::parse(v, state.max_batch));
    match parsed {
        Ok(ops) => answer(exchange(&state.anonymizer, &state.upstream, ops).await),
        Err(e) => e.into_response(),
    }
}

fn answer((status, body): (StatusCode, Value)) -> Response {
    (status, Json(body)).into_response()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// `GET /graphql`: GraphiQL for a browser; otherwise a GraphQL-over-HTTP
/// GET of a public operation. An operation on a gated unit costs a slot,
/// so it must come as a POST (a GET is too easy to trigger from a page).
pub async fn get(
    State(state): State<Arc<ProxyState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(refused) = guard(&state, &headers) {
        return refused.into_response();
    }
    if wants_html(&headers) || !params.contains_key("query") {
        return Html(zkcity_web::graphiql::page(
            &zkcity_web::graphiql::PageOptions {
                title: "zkcity privacy proxy",
                endpoint: "/graphql",
                subscription_endpoint: "/graphql/ws",
                notice: Some(NOTICE),
            },
        ))
        .into_response();
    }
    let item = match get_item(&params) {
        Ok(item) => item,
        Err(e) => return e.into_response(),
    };
    if state.anonymizer.reads_gated_unit(&item).await {
        let e = ProxyError::BadRequest(
            "an operation on a data unit costs a slot: send it with POST".into(),
        );
        return (StatusCode::METHOD_NOT_ALLOWED, Json(e.to_response_body())).into_response();
    }
    let ops = Operations {
        items: vec![item],
        batch: false,
    };
    answer(exchange(&state.anonymizer, &state.upstream, ops).await)
}

/// The request object of a GET (`variables` and `extensions` are JSON text).
fn get_item(params: &HashMap<String, String>) -> Result<Value, ProxyError> {
    let mut item = json!({"query": params.get("query")});
    if let Some(name) = params.get("operationName").filter(|n| !n.is_empty()) {
        item["operationName"] = json!(name);
    }
    for key in ["variables", "extensions"] {
        if let Some(text) = params.get(key).filter(|t| !t.is_empty()) {
            item[key] = serde_json::from_str(text)
                .map_err(|e| ProxyError::BadRequest(format!("{key} is not JSON: {e}")))?;
        }
    }
    Ok(item)
}

/// `GET /healthz`: the proxy is up (says nothing about the server).
pub async fn healthz() -> &'static str {
    "ok"
}
