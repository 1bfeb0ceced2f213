//! [`WitnessError`]: why the witness cannot start or cannot record a head.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// A fault of the witness itself (never of a request: those are refusals
/// answered with a status code).
#[derive(Debug, Error)]
pub enum WitnessError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    /// The state file exists but cannot be read as witness state.
    #[error("witness state {path} is unreadable: {reason}")]
    State { path: PathBuf, reason: String },
    /// The witness key file is missing or malformed.
    #[error("witness key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    /// A configured log key is malformed, or two share an origin.
    #[error("log key {key:?}: {reason}")]
    LogKey { key: String, reason: String },
    /// A thread panicked while holding the state lock.
    #[error("the witness state lock is poisoned")]
    Poisoned,
}

impl WitnessError {
    /// An I/O failure on `path`.
    pub fn io(path: &Path, e: std::io::Error) -> WitnessError {
        WitnessError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }
}
