//! (1) Every error a stable `extensions.code` — async-graphql's own parse,
//! validation and limit errors carry none — and (2) Prometheus metrics per
//! operation; called by the schema's one extension
//! ([`super::pipeline`]), so HTTP, batched requests and WebSocket alike.
//!
//! Metric labels are a bounded set the operator chooses: an operation name
//! appears only when it is in `graphql.metric_operations`, and never for an
//! operation that reads a gated unit, whose name is the client's text and
//! part of what the proof keeps private (DESIGN §5 amendment).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{Response, ServerError};

/// The operation names allowed as metric labels.
#[derive(Clone)]
pub struct Observe {
    labelled: Arc<HashSet<String>>,
}

impl Observe {
    pub fn new(metric_operations: &[String]) -> Self {
        Self {
            labelled: Arc::new(metric_operations.iter().cloned().collect()),
        }
    }
}

fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let has_code = err
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if !has_code {
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
    err
}

/// Validation failures: the depth and complexity limits are checked in
/// the validation phase too, so they are told apart by message.
fn with_code_for_validation(err: ServerError) -> ServerError {
    let code = match classify(&err.message) {
        "BAD_USER_INPUT" => "GRAPHQL_VALIDATION_FAILED",
        limit => limit,
    };
    with_code(err, code)
}

/// Code for an error that reached the response without one.
fn classify(message: &str) -> &'static str {
    if message.contains("nested too deep") {
        "QUERY_TOO_DEEP"
    } else if message.contains("too complex") {
        "QUERY_TOO_COMPLEX"
    } else {
        // Resolver failures are coded at source (ApiError); what remains is
        // input that failed to coerce (a bad DateTime, an out-of-range Int).
        "BAD_USER_INPUT"
    }
}

/// Operation label for metrics: an allow-listed name of an ungated
/// document, `anonymous` for none, else `other`.
fn operation_label(name: Option<&str>, labelled: &HashSet<String>, gated: bool) -> String {
    match name {
        _ if gated => "other".to_owned(),
        None | Some("") => "anonymous".to_owned(),
        Some(n) if labelled.contains(n) => n.to_owned(),
        Some(_) => "other".to_owned(),
    }
}

/// A response's errors, each with a code.
pub fn code_errors(mut response: Response) -> Response {
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|e| {
            let code = classify(&e.message);
            with_code(e, code)
        })
        .collect();
    response
}

/// A parse failure.
pub fn parse_failed(err: ServerError) -> ServerError {
    with_code(err, "GRAPHQL_PARSE_FAILED")
}

/// Validation failures, limits told apart from other invalid documents.
pub fn validation_failed(errs: Vec<ServerError>) -> Vec<ServerError> {
    errs.into_iter().map(with_code_for_validation).collect()
}

impl Observe {
    /// Counts an executed operation and records how long it took.
    pub fn record(
        &self,
        operation_name: Option<&str>,
        gated: bool,
        started: Instant,
        response: &Response,
    ) {
        let outcome = if response.errors.is_empty() {
            "ok"
        } else {
            "error"
        };
        let labels = [
            (
                "operation",
                operation_label(operation_name, &self.labelled, gated),
            ),
            ("outcome", outcome.to_owned()),
        ];
        metrics::counter!("zkcity_graphql_operations_total", &labels).increment(1);
        metrics::histogram!("zkcity_graphql_operation_duration_seconds", &labels)
            .record(started.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_errors_get_their_codes() {
        assert_eq!(classify("Query is nested too deep."), "QUERY_TOO_DEEP");
        assert_eq!(classify("Query is too complex."), "QUERY_TOO_COMPLEX");
    }

    #[test]
    fn existing_code_is_kept() {
        let mut e = ServerError::new("x", None);
        e.extensions
            .get_or_insert_with(Default::default)
            .set("code", "BAD_CURSOR");
        let e = with_code(e, "BAD_USER_INPUT");
        assert_eq!(
            e.extensions.and_then(|x| x.get("code").cloned()),
            Some(async_graphql::Value::from("BAD_CURSOR"))
        );
    }

    #[test]
    fn operation_labels_are_a_bounded_set() {
        let labelled: HashSet<String> = ["CountStations".to_owned()].into();
        let label = |name, gated| operation_label(name, &labelled, gated);
        assert_eq!(label(Some("CountStations"), false), "CountStations");
        assert_eq!(
            label(Some("CountStations"), true),
            "other",
            "never a gated name"
        );
        assert_eq!(label(Some("Q12345"), false), "other");
        assert_eq!(label(None, false), "anonymous");
        assert_eq!(label(Some(""), false), "anonymous");
        assert_eq!(label(None, true), "other");
    }
}
