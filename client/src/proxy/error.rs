//! The proxy's answers when it cannot forward or prove: each a GraphQL
//! error with a stable `extensions.code`, shaped like the server's own, so
//! any GraphQL client shows it. None carries the identity, its commitment,
//! a nullifier or the query.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use thiserror::Error;

use crate::anon::AnonError;

/// Why the proxy answered instead of the server.
#[derive(Debug, Error)]
pub enum ProxyError {
    /// The server could not be reached (nothing was sent; no slot spent).
    #[error("the zkcity server {server} cannot be reached: {reason}")]
    ServerUnreachable { server: String, reason: String },
    /// Every slot of the epoch was used; nothing was sent.
    #[error("all {slots} anonymous queries of epoch {epoch} are used; the next epoch starts at {next_epoch_starts_at}")]
    SlotsExhausted {
        epoch: u64,
        slots: u64,
        /// RFC 3339, UTC.
        next_epoch_starts_at: String,
    },
    /// The identity is not in the server's membership tree; nothing was sent.
    #[error("this identity is not a registered member of the server (register its commitment with the operator)")]
    NotAMember,
    /// A key the server serves does not have the SHA-256 it publishes, or fails validation.
    #[error("the server's proving key does not match its published hash: {0}")]
    KeyHashMismatch(String),
    /// The server's log key is not the pinned one.
    #[error("the server's log key differs from the pinned key: {0}")]
    LogKeyChanged(String),
    /// The receipt did not verify against the pinned log key.
    #[error("the server's receipt did not verify: {0}")]
    ReceiptInvalid(String),
    /// The client's body exceeds the proxy's limit.
    #[error("request body exceeds {0} bytes")]
    BodyTooLarge(usize),
    /// More operations in one batch than the proxy proves at once.
    #[error("batch of {got} operations exceeds the maximum of {max}")]
    BatchTooLarge { got: usize, max: usize },
    /// The client's body is not a GraphQL request.
    #[error("the body is not a GraphQL request: {0}")]
    BadRequest(String),
    /// The server's answer is not GraphQL, or lacks what it must carry.
    #[error("unexpected answer from the server: {0}")]
    BadUpstream(String),
    /// A local failure (state directory, proving); the cause is logged.
    #[error("the proxy failed locally; see its log")]
    Internal,
}

impl ProxyError {
    /// The stable `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ProxyError::ServerUnreachable { .. } => "SERVER_UNREACHABLE",
            ProxyError::SlotsExhausted { .. } => "SLOTS_EXHAUSTED",
            ProxyError::NotAMember => "NOT_A_MEMBER",
            ProxyError::KeyHashMismatch(_) => "KEY_HASH_MISMATCH",
            ProxyError::LogKeyChanged(_) => "LOG_KEY_CHANGED",
            ProxyError::ReceiptInvalid(_) => "RECEIPT_INVALID",
            ProxyError::BodyTooLarge(_) => "BODY_TOO_LARGE",
            ProxyError::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
            ProxyError::BadRequest(_) => "BAD_REQUEST",
            ProxyError::BadUpstream(_) => "BAD_UPSTREAM_RESPONSE",
            ProxyError::Internal => "PROXY_INTERNAL",
        }
    }

    /// The HTTP status of an answer made of this error alone.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::ServerUnreachable { .. } | ProxyError::BadUpstream(_) => {
                StatusCode::BAD_GATEWAY
            }
            ProxyError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ProxyError::BatchTooLarge { .. } | ProxyError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ProxyError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::OK,
        }
    }

    /// One GraphQL error object.
    pub fn to_graphql(&self) -> Value {
        let mut extensions = json!({"code": self.code(), "source": "zkcity-proxy"});
        if let ProxyError::SlotsExhausted {
            next_epoch_starts_at,
            ..
        } = self
        {
            extensions["nextEpochStartsAt"] = json!(next_epoch_starts_at);
        }
        json!({"message": self.to_string(), "extensions": extensions})
    }

    /// A GraphQL response holding only this error.
    pub fn to_response_body(&self) -> Value {
        json!({"errors": [self.to_graphql()]})
    }

    /// From a requester-side error; `epoch_seconds` dates the next epoch.
    pub fn from_anon(err: AnonError, server: &str, epoch_seconds: u64) -> Self {
        match err {
            AnonError::Http { reason, .. } => ProxyError::ServerUnreachable {
                server: server.to_owned(),
                reason,
            },
            AnonError::Server { code, message } => {
                ProxyError::BadUpstream(format!("{code}: {message}"))
            }
            AnonError::Protocol(m) => ProxyError::BadUpstream(m),
            AnonError::Key(m) => ProxyError::KeyHashMismatch(m),
            AnonError::NotMember(_) => ProxyError::NotAMember,
            AnonError::RateLimited { epoch, slots } => ProxyError::SlotsExhausted {
                epoch,
                slots,
                next_epoch_starts_at: epoch_start(epoch.saturating_add(1), epoch_seconds),
            },
            AnonError::LogKeyChanged { served, .. } => ProxyError::LogKeyChanged(served),
            AnonError::Receipt(m) => ProxyError::ReceiptInvalid(m),
            other @ (AnonError::Io { .. } | AnonError::BadFile { .. } | AnonError::Prove(_)) => {
                tracing::error!(error = %other, "local failure");
                ProxyError::Internal
            }
        }
    }
}

/// The start of `epoch` as RFC 3339 UTC (`e = floor(t / epoch_seconds)`, DESIGN §4).
pub fn epoch_start(epoch: u64, epoch_seconds: u64) -> String {
    let secs = i64::try_from(epoch.saturating_mul(epoch_seconds)).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(
        || format!("unix second {secs}"),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.to_response_body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_starts_are_utc_dates() {
        assert_eq!(epoch_start(0, 3600), "1970-01-01T00:00:00Z");
        // 2024-02-29T01:00:00Z = 1709168400 s.
        assert_eq!(
            epoch_start(1_709_168_400 / 3600, 3600),
            "2024-02-29T01:00:00Z"
        );
    }

    #[test]
    fn slots_exhausted_says_when() {
        let err = ProxyError::from_anon(
            AnonError::RateLimited {
                epoch: 1,
                slots: 1024,
            },
            "s",
            3600,
        );
        let body = err.to_graphql();
        assert_eq!(body["extensions"]["code"], "SLOTS_EXHAUSTED");
        assert_eq!(
            body["extensions"]["nextEpochStartsAt"],
            "1970-01-01T02:00:00Z"
        );
        assert!(body["message"]
            .as_str()
            .is_some_and(|m| m.contains("1970-01-01T02:00:00Z")));
    }
}
