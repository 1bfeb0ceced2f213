//! The one error type resolvers return. Each variant maps to a stable
//! `extensions.code`; internal causes are logged once here and never shown to
//! the client.
//!
//! `ApiError` deliberately has no `Display`: async-graphql converts anything
//! displayable into an error *without* a code, so `?` on a displayable error
//! would silently drop the code. Without `Display`, the only conversion is
//! ours, which always sets it.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

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
            ApiError::Coded { message, .. } => message.clone(),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        ApiError::Database(err)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        if let ApiError::Database(cause) = &err {
            tracing::error!(error = %cause, "database error in resolver");
        }
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, e| e.set("code", code))
    }
}

/// Result alias for service code under resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Converts a DataLoader's shared error (loaders hand one error to every
/// waiting key) with its code.
pub fn shared(err: std::sync::Arc<ApiError>) -> async_graphql::Error {
    let code = err.code();
    async_graphql::Error::new(err.message()).extend_with(|_, e| e.set("code", code))
}
