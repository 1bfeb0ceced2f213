//! The error body of the plain HTTP routes (`/audit/export`, `/images`):
//! `{"error": {"code": …, "message": …}}`, with the same stable codes as the
//! GraphQL API's `extensions.code`. (`/graphql` answers its own pre-execution
//! failures in the GraphQL shape, `{"errors": […]}`.)

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A JSON error response with `status`, a stable `code` and a message for
/// people.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}
