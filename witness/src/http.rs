//! `POST /add-checkpoint` (C2SP tlog-witness), checked in the spec's order:
//!
//! 1. body over the limit: 413; not an add-checkpoint body or not a
//!    checkpoint note: 400;
//! 2. the checkpoint's origin is not a configured log: 404;
//! 3. no signature of the log's key verifies: 403;
//! 4. old size larger than the checkpoint's: 400; old size other than the
//!    size last cosigned, or that size with another root: 409 with the
//!    witness's size as `text/x.tlog.size`; a consistency proof that does
//!    not verify: 422 — each changing nothing;
//! 5. otherwise the new head is written to disk, then the `cosignature/v1`
//!    line is returned with 200.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxumState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use zkcity_audit::note::split_note;
use zkcity_audit::witness::{AddCheckpoint, Refusal, SIZE_CONTENT_TYPE};
use zkcity_audit::{Checkpoint, LogVerifierKey, WitnessSigner};

use crate::state::{Added, State};

/// Everything a request needs.
#[derive(Debug)]
pub struct Witness {
    pub signer: WitnessSigner,
    pub logs: BTreeMap<String, LogVerifierKey>,
    pub state: State,
}

/// The witness's routes.
pub fn router(witness: Arc<Witness>, body_limit: usize) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(witness)
}

fn text(status: StatusCode, message: impl Into<String>) -> Response {
    let mut body = message.into();
    body.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// 409 with the witness's size, as tlog-witness requires.
fn conflict(size: u64) -> Response {
    (
        StatusCode::CONFLICT,
        [(header::CONTENT_TYPE, SIZE_CONTENT_TYPE)],
        format!("{size}\n"),
    )
        .into_response()
}

#[tracing::instrument(skip_all, fields(origin))]
async fn add_checkpoint(AxumState(w): AxumState<Arc<Witness>>, body: Bytes) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let checkpoint = match split_note(&request.note).map(|(t, _)| Checkpoint::parse(t)) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return text(StatusCode::BAD_REQUEST, format!("checkpoint: {e}")),
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("note: {e}")),
    };
    tracing::Span::current().record("origin", checkpoint.origin.as_str());
    let Some(key) = w.logs.get(&checkpoint.origin) else {
        return text(StatusCode::NOT_FOUND, "unknown log origin");
    };
    if let Err(e) = key.open(&request.note) {
        tracing::warn!(error = %e, "checkpoint signature refused");
        return text(StatusCode::FORBIDDEN, format!("log signature: {e}"));
    }
    let witness = w.clone();
    let cp = checkpoint.clone();
    let decided = tokio::task::spawn_blocking(move || witness.state.add(&request, &cp)).await;
    match decided {
        Ok(Ok(Added::Cosign(_))) => cosign(&w.signer, &checkpoint),
        Ok(Ok(Added::Refused(refusal))) => refused(&w, &checkpoint, refusal),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "recording the cosigned head failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not record the head",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "the state task failed");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not record the head",
            )
        }
    }
}

fn cosign(signer: &WitnessSigner, checkpoint: &Checkpoint) -> Response {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match signer.cosign(&checkpoint.to_note_body(), now) {
        Ok(line) => {
            tracing::info!(size = checkpoint.size, "cosigned");
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                line,
            )
                .into_response()
        }
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("cosigning: {e}")),
    }
}

fn refused(w: &Witness, checkpoint: &Checkpoint, refusal: Refusal) -> Response {
    tracing::warn!(size = checkpoint.size, reason = %refusal, "checkpoint refused");
    match refusal {
        Refusal::OldSizeTooLarge { .. } => text(StatusCode::BAD_REQUEST, refusal.to_string()),
        Refusal::Conflict { current, .. } => conflict(current),
        Refusal::RootConflict { .. } => {
            conflict(w.state.get(&checkpoint.origin).map_or(0, |c| c.size))
        }
        Refusal::BadProof { .. } => text(StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string()),
    }
}
