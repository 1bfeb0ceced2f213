//! `GET /audit/export?from=&to=`: the audit log as NDJSON, one
//! `zkcity_audit::EntryRecord` per line (with `bytes` and the stored
//! `leafHash`), streamed page by page so memory stays bounded whatever the
//! range. `to` defaults to the current size; a verifier passes the size of
//! the checkpoint it fetched first.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;

use zkcity_ledger::{Ledger, LedgerError};

use super::error::error;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit/export", get(export))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Range {
    from: Option<u64>,
    to: Option<u64>,
}

async fn export(
    State(ledger): State<Ledger>,
    range: Result<Query<Range>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(range)) = range else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "expected ?from=N&to=M with non-negative integers",
        );
    };
    let size = match ledger.head().await {
        Ok(head) => head.size,
        Err(e) => {
            tracing::error!(error = %e, "export: reading the head");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                e.code(),
                "the audit log is unavailable",
            );
        }
    };
    let (from, to) = (range.from.unwrap_or(0), range.to.unwrap_or(size));
    if from > to || to > size {
        let msg = format!("range [{from}, {to}) is not within the log of {size} entries");
        return error(StatusCode::BAD_REQUEST, "OUT_OF_RANGE", &msg);
    }
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines(ledger, from, to)),
    )
        .into_response()
}

/// The NDJSON lines of `[from, to)`, one database page at a time.
fn lines(ledger: Ledger, from: u64, to: u64) -> impl Stream<Item = Result<String, LedgerError>> {
    let page = ledger.settings().export_page_size as u64;
    stream::try_unfold(from, move |next| {
        let ledger = ledger.clone();
        async move {
            if next >= to {
                return Ok(None);
            }
            let rows = ledger.entries(next, to, page).await?;
            // Missing rows are not hidden or papered over: the verifier
            // names the gap (or the short tail) at its index.
            let Some(last) = rows.last() else {
                return Ok(None);
            };
            let after = u64::try_from(last.row.idx).map_or(to, |i| i + 1);
            let mut text = String::with_capacity(rows.len() * 400);
            for row in &rows {
                text.push_str(&row.to_record().to_json());
                text.push('\n');
            }
            Ok(Some((text, after)))
        }
    })
    .map(|r| {
        if let Err(e) = &r {
            tracing::error!(error = %e, "export stream failed");
        }
        r
    })
}
