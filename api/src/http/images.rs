//! `GET /images/{sha256}`: the bytes of an image tile, content-addressed, so
//! they are immutable and cacheable. When the traffic unit is gated the
//! bytes are data behind the gate: served only with the `?cap=` capability
//! an accepted answer put in the tile's `url` (DESIGN §5 amendment), else
//! 401 `PROOF_REQUIRED`; and then cached privately, for the capability's life.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use zkcity_entities::traffic::{image_tile, tile_blob};

use super::error::error;
use crate::gate::capability::MAX_LIFETIME_SECS;
use crate::gate::{now_secs, Gate};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/images/{sha256}", get(image))
}

/// True for exactly 64 lowercase hex digits, the form tiles are stored under.
fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The query string: the capability, when the unit is gated.
#[derive(serde::Deserialize)]
struct Capability {
    cap: Option<String>,
}

async fn image(
    State(db): State<DatabaseConnection>,
    State(gate): State<Gate>,
    Path(sha256): Path<String>,
    Query(capability): Query<Capability>,
) -> Response {
    if !is_sha256_hex(&sha256) {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "expected 64 lowercase hex digits",
        );
    }
    let gated = gate.image_capabilities();
    if let Some(caps) = gated {
        let cap = capability.cap.unwrap_or_default();
        if !caps.check(&sha256, &cap, now_secs()) {
            return error(
                StatusCode::UNAUTHORIZED,
                "PROOF_REQUIRED",
                "image bytes of the gated traffic unit need the capability in the tile's url, \
                 issued by an accepted anonymous query",
            );
        }
    }
    let cache = if gated.is_some() {
        format!("private, max-age={MAX_LIFETIME_SECS}")
    } else {
        "public, max-age=31536000, immutable".to_owned()
    };
    let tile = image_tile::Entity::find()
        .filter(image_tile::Column::Sha256.eq(sha256.clone()))
        .one(&db);
    let blob = tile_blob::Entity::find_by_id(sha256.clone()).one(&db);
    match tokio::try_join!(tile, blob) {
        Ok((Some(tile), Some(blob))) => (
            [
                (header::CONTENT_TYPE, tile.media_type),
                (header::ETAG, format!("\"{sha256}\"")),
                (header::CACHE_CONTROL, cache),
            ],
            blob.bytes,
        )
            .into_response(),
        Ok(_) => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no image with that SHA-256",
        ),
        Err(err) => {
            tracing::error!(error = %err, "reading image");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "DATABASE_UNAVAILABLE",
                "the database is unavailable",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_sha256_hex;

    #[test]
    fn accepts_only_lowercase_sha256_hex() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert!(!is_sha256_hex("../../etc/passwd"));
    }
}
