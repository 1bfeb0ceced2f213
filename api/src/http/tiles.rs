//! The log as C2SP tlog-tiles (DESIGN §6 amendment "Tiles"), read-only and
//! public, so generic transparency tooling can read and verify it:
//!
//! - `GET /checkpoint`: the published checkpoint note (with the witnesses'
//!   cosignatures when they are configured), cacheable for a few seconds;
//! - `GET /tile/<L>/<N>[.p/<W>]`: `W` stored node hashes of level `8·L`;
//! - `GET /tile/entries/<N>[.p/<W>]`: entries as u16-length-prefixed
//!   DESIGN §6 entry bytes.
//!
//! Each tile is one primary-key range read of at most 256 rows from the
//! public pool (never a scan); a tile the tree has not filled yet is 404.
//! Full tiles never change and are cached for a year; partial tiles briefly.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use zkcity_audit::tiles::TileRef;
use zkcity_ledger::{Ledger, LedgerError};

use super::error::error;
use crate::state::AppState;

/// Cache headers (tlog-tiles: tiles immutable, the checkpoint mutable).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PARTIAL: &str = "public, max-age=60";
const CHECKPOINT: &str = "public, max-age=2";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
}

fn unavailable(e: &LedgerError) -> Response {
    tracing::error!(error = %e, "tiles: reading the log");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        e.code(),
        "the audit log is unavailable",
    )
}

fn bytes(cache: &'static str, content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        ],
        body,
    )
        .into_response()
}

async fn checkpoint(State(ledger): State<Ledger>) -> Response {
    match ledger.checkpoint().await {
        Ok(signed) => bytes(
            CHECKPOINT,
            "text/plain; charset=utf-8",
            signed.note.into_bytes(),
        ),
        Err(e) => unavailable(&e),
    }
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "no such tile: the log is not that large, or the path is not a canonical tlog-tiles path",
    )
}

async fn tile(State(ledger): State<Ledger>, Path(path): Path<String>) -> Response {
    let Some(tile) = TileRef::parse(&path) else {
        return not_found();
    };
    let Some(first) = tile.first() else {
        return not_found();
    };
    let cache = if tile.is_partial() {
        PARTIAL
    } else {
        IMMUTABLE
    };
    let body = match tile.level {
        None => entry_bundle(&ledger, first, tile.width).await,
        Some(_) => match tile.merkle_level() {
            Some(level) => hash_tile(&ledger, level, first, tile.width).await,
            None => Ok(None),
        },
    };
    match body {
        Ok(Some(body)) => bytes(cache, "application/octet-stream", body),
        Ok(None) => not_found(),
        Err(e) => unavailable(&e),
    }
}

/// The `width` hashes of `level` from `first`, or `None` if not all exist.
async fn hash_tile(
    ledger: &Ledger,
    level: u8,
    first: u64,
    width: u64,
) -> Result<Option<Vec<u8>>, LedgerError> {
    let hashes = ledger.level_range(level, first, width).await?;
    if hashes.len() as u64 != width {
        return Ok(None);
    }
    Ok(Some(hashes.concat()))
}

/// Entries `first … first + width - 1`, each with its big-endian u16
/// length (tlog-tiles "Log entries"), or `None` if not all exist.
async fn entry_bundle(
    ledger: &Ledger,
    first: u64,
    width: u64,
) -> Result<Option<Vec<u8>>, LedgerError> {
    let to = first.saturating_add(width);
    let rows = ledger.entries(first, to, width).await?;
    if rows.len() as u64 != width {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows.len() * 300);
    for (offset, row) in rows.iter().enumerate() {
        let expected = first + offset as u64;
        if u64::try_from(row.row.idx).ok() != Some(expected) {
            return Err(LedgerError::Corrupt(format!("entry {expected} is missing")));
        }
        let len = u16::try_from(row.row.bytes.len())
            .map_err(|_| LedgerError::Corrupt(format!("entry {expected} exceeds 65535 bytes")))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&row.row.bytes);
    }
    Ok(Some(out))
}
