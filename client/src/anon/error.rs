//! Errors of the requester side. Each names what to do next; none carries
//! the identity's secrets.

use thiserror::Error;

/// Why an anonymous query, a key download or an opening failed.
#[derive(Debug, Error)]
pub enum AnonError {
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A local file holds something else than expected.
    #[error("{path}: {reason}")]
    BadFile { path: String, reason: String },
    /// The server could not be reached or answered with bad HTTP.
    #[error("HTTP {url}: {reason}")]
    Http { url: String, reason: String },
    /// The server answered with a GraphQL error.
    #[error("server refused ({code}): {message}")]
    Server { code: String, message: String },
    /// The server's answer lacks something or contradicts itself.
    #[error("unexpected server answer: {0}")]
    Protocol(String),
    /// A downloaded key does not match its published SHA-256, or fails validation.
    #[error("key check failed: {0}")]
    Key(String),
    /// The identity is not a member of the server's tree.
    #[error("this identity (commitment {0}) is not registered on the server")]
    NotMember(String),
    /// All `2^q` slots of the current epoch were used.
    #[error("all {slots} queries of epoch {epoch} were used; wait for the next epoch")]
    RateLimited { epoch: u64, slots: u64 },
    /// Proving failed.
    #[error("proving failed: {0}")]
    Prove(String),
    /// The server's log key is not the one pinned on first use or given.
    #[error("the server's log key {served} differs from the pinned key {pinned}")]
    LogKeyChanged { served: String, pinned: String },
    /// The receipt or an opening does not check out against the pinned log key.
    #[error("receipt check failed: {0}")]
    Receipt(String),
}

impl AnonError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        AnonError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn bad_file(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        AnonError::BadFile {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }
}
