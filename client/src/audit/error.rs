//! Errors that keep the client from verifying at all (as opposed to a log
//! that fails verification, which is an [`super::Outcome`]).

use thiserror::Error;

/// Why verification or export could not run.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The HTTP request failed (connection, timeout, body).
    #[error("HTTP request to {url} failed: {reason}")]
    Http {
        /// URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an error code.
    #[error("server error {code}: {message}")]
    Server {
        /// `extensions.code` or the HTTP error code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// File involved.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The pinned log key is malformed.
    #[error("log key: {0}")]
    Key(zkcity_audit::NoteError),
    /// The state file is malformed or belongs to something else.
    #[error("state file {path}: {reason}")]
    State {
        /// State file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The server's checkpoint could not even be parsed.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

impl ClientError {
    pub(crate) fn io(path: &std::path::Path, err: impl std::fmt::Display) -> ClientError {
        ClientError::Io {
            path: path.display().to_string(),
            reason: err.to_string(),
        }
    }
}
