//! The one error type resolvers return. Each variant maps to a stable
//! `extensions.code`; internal causes are logged once here and never shown to
//! the client.
//!
//! `ApiError` deliberately has no `Display`: async-graphql converts anything
//! displayable into an error *without* a code, so `?` on a displayable error
//! would silently drop the code. Without `Display`, the only conversion is
//! ours, which always sets it.
//!
//! [`coded`] is the one place a GraphQL error with `extensions.code` is
//! built; the gate's refusals and the pre-execution HTTP errors use it too.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

use zkcity_ledger::{AppendError, LedgerError};

/// A GraphQL error carrying the stable machine-readable `extensions.code`.
pub fn coded(code: &str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// A GraphQL-facing failure.
#[derive(Debug)]
pub enum ApiError {
    /// A pagination cursor that this server did not issue for this ordering.
    BadCursor(&'static str),
    /// An argument that parses but cannot be used (inverted range, both `first` and `last`, …).
    BadInput(String),
    /// `first`/`last` above the configured maximum.
    PageTooLarge { requested: i64, max: usize },
    /// An aggregate would return more buckets than allowed.
    TooManyBuckets { count: usize, max: usize },
    /// The admin bearer token is missing or wrong.
    Unauthorized,
    /// The database failed; details go to the log only.
    Database(DbErr),
    /// The audit log or membership tree failed; the cause goes to the log
    /// only, the client sees its code and `message`.
    Ledger {
        cause: LedgerError,
        message: &'static str,
    },
    /// A domain error with its own stable code (audit log, membership).
    Coded { code: &'static str, message: String },
}

impl ApiError {
    /// The stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadCursor(_) => "BAD_CURSOR",
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::PageTooLarge { .. } => "PAGE_TOO_LARGE",
            ApiError::TooManyBuckets { .. } => "TOO_MANY_BUCKETS",
            ApiError::Unauthorized => "UNAUTHORIZED",
            ApiError::Database(_) => "DATABASE_UNAVAILABLE",
            ApiError::Ledger { cause, .. } => cause.code(),
            ApiError::Coded { code, .. } => code,
        }
    }

    /// The message shown to clients.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadCursor(why) => format!("invalid cursor: {why}"),
            ApiError::BadInput(msg) => msg.clone(),
            ApiError::PageTooLarge { requested, max } => format!("page size {requested} exceeds the maximum of {max}"),
            ApiError::TooManyBuckets { count, max } => format!(
                "the aggregate has {count} buckets, more than the maximum of {max}; narrow the time range or use a larger bucket"
            ),
            ApiError::Unauthorized => "a valid admin bearer token is required".to_owned(),
            ApiError::Database(_) => "the database is unavailable".to_owned(),
            ApiError::Ledger { message, .. } => (*message).to_owned(),
            ApiError::Coded { message, .. } => message.clone(),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        ApiError::Database(err)
    }
}

/// Only a database failure can be the replica's fault; every other error
/// (a bad cursor, a page too large) the primary would repeat.
impl crate::db::ClassifyRead for ApiError {
    fn read_failure(&self) -> crate::db::ReadFailure {
        match self {
            ApiError::Database(err) => err.read_failure(),
            _ => crate::db::ReadFailure::Query,
        }
    }
}

/// A client error of the log (a range outside it) shows its text; any other
/// failure only its code.
impl From<LedgerError> for ApiError {
    fn from(err: LedgerError) -> Self {
        if err.is_client_error() {
            return ApiError::Coded {
                code: err.code(),
                message: err.to_string(),
            };
        }
        ApiError::Ledger {
            cause: err,
            message: "the audit log is unavailable",
        }
    }
}

impl From<AppendError> for ApiError {
    fn from(err: AppendError) -> Self {
        match err {
            AppendError::Ledger(e) => e.into(),
            other => ApiError::Coded {
                code: other.code(),
                message: other.to_string(),
            },
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        match &err {
            ApiError::Database(cause) => {
                tracing::error!(error = %cause, "database error in resolver")
            }
            ApiError::Ledger { cause, .. } => tracing::error!(error = %cause, "audit log error"),
            _ => {}
        }
        coded(err.code(), err.message())
    }
}

/// Result alias for service code under resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Converts a DataLoader's shared error (loaders hand one error to every
/// waiting key) with its code.
pub fn shared(err: std::sync::Arc<ApiError>) -> async_graphql::Error {
    coded(err.code(), err.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_error_has_message_and_code_only() {
        // Byte for byte what the pre-execution HTTP errors and the gate sent
        // when they spelled the object out.
        let built = serde_json::json!({"errors": [coded("BODY_TOO_LARGE", "too big")]});
        let literal = serde_json::json!(
            {"errors": [{"message": "too big", "extensions": {"code": "BODY_TOO_LARGE"}}]}
        );
        assert_eq!(built.to_string(), literal.to_string());
    }

    #[test]
    fn ledger_failures_hide_their_cause() {
        let err = ApiError::from(LedgerError::Corrupt("node 7 missing".into()));
        assert_eq!(err.code(), "LOG_CORRUPT");
        assert_eq!(err.message(), "the audit log is unavailable");
        let err = ApiError::from(LedgerError::OutOfRange("index 9 is beyond 3".into()));
        assert_eq!(err.code(), "OUT_OF_RANGE");
        assert_eq!(err.message(), "index 9 is beyond 3");
    }
}
