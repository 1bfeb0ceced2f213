//! Errors of the ledger service. Each has a stable code for the API.

use std::sync::Arc;

use sea_orm::DbErr;
use thiserror::Error;

/// Why an append was refused or failed. A refused append wrote nothing.
#[derive(Debug, Clone, Error)]
pub enum AppendError {
    /// The nullifier was used before (DESIGN §5 `NULLIFIER_REUSED`).
    #[error("the nullifier was already used")]
    NullifierReused,
    /// The identity commitment is already registered (DESIGN §8).
    #[error("the identity commitment is already registered")]
    DuplicateMember,
    /// The identity commitment is 0, the empty leaf (DESIGN §8).
    #[error("the identity commitment must not be 0 (the empty leaf)")]
    ZeroCommitment,
    /// The membership tree has `2^D` leaves already.
    #[error("the membership tree is full")]
    MembershipFull,
    /// The log itself is unusable (see [`LedgerError`]).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl AppendError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppendError::NullifierReused => "NULLIFIER_REUSED",
            AppendError::DuplicateMember => "DUPLICATE_MEMBER",
            AppendError::ZeroCommitment => "INVALID_COMMITMENT",
            AppendError::MembershipFull => "MEMBERSHIP_FULL",
            AppendError::Ledger(e) => e.code(),
        }
    }
}

/// The log's storage or signer failed; nothing was appended.
#[derive(Debug, Clone, Error)]
pub enum LedgerError {
    /// The database failed (shared, so one failure can answer a whole batch).
    #[error("database error: {0}")]
    Database(Arc<DbErr>),
    /// Stored rows contradict each other (missing node, root mismatch, bad bytes).
    #[error("stored log is inconsistent: {0}")]
    Corrupt(String),
    /// The signer refused: the log is smaller than, or inconsistent with, a
    /// checkpoint it signed before (a rolled-back or altered database).
    #[error("signer refused: {0}")]
    SignerRefused(String),
    /// The signer signed a larger checkpoint after the caller read what it
    /// remembered; the caller shows the new prefix and tries again.
    #[error("the signer's memory moved while signing; try again")]
    SignerMoved,
    /// The key or the signer's state file could not be read or written.
    #[error("log key: {0}")]
    Key(String),
    /// A requested range or index is outside the log.
    #[error("{0}")]
    OutOfRange(String),
    /// The append worker stopped (the server is shutting down).
    #[error("the append worker is not running")]
    Stopped,
}

impl LedgerError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::Database(_) => "DATABASE_UNAVAILABLE",
            LedgerError::Corrupt(_) => "LOG_CORRUPT",
            LedgerError::SignerRefused(_) => "SIGNER_REFUSED",
            LedgerError::SignerMoved => "UNAVAILABLE",
            LedgerError::Key(_) => "LOG_KEY_UNAVAILABLE",
            LedgerError::OutOfRange(_) => "OUT_OF_RANGE",
            LedgerError::Stopped => "UNAVAILABLE",
        }
    }

    /// Whether a client may see the message (internal causes stay in the server log).
    pub fn is_client_error(&self) -> bool {
        matches!(self, LedgerError::OutOfRange(_))
    }
}

impl From<DbErr> for LedgerError {
    fn from(err: DbErr) -> Self {
        LedgerError::Database(Arc::new(err))
    }
}

impl From<DbErr> for AppendError {
    fn from(err: DbErr) -> Self {
        AppendError::Ledger(err.into())
    }
}

impl From<zkcity_audit::TreeError> for LedgerError {
    fn from(err: zkcity_audit::TreeError) -> Self {
        match err {
            zkcity_audit::TreeError::MissingNode(_) => LedgerError::Corrupt(err.to_string()),
            other => LedgerError::OutOfRange(other.to_string()),
        }
    }
}

/// Result alias for the ledger's read side.
pub type LedgerResult<T> = Result<T, LedgerError>;
