//! One GraphQL-over-HTTP exchange through the proxy: a single request or a
//! batch, each operation proven when it reads a gated unit and passed
//! through untouched otherwise; the server's answer checked (receipts
//! verified and stored) and handed back. When the proxy thought an
//! operation public and the server answers `PROOF_REQUIRED` (its policy
//! changed), that operation is proven and sent again.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::anonymizer::{Anonymizer, Proven};
use super::error::ProxyError;
use super::upstream::{SendError, Upstream};
use crate::anon::text::QueryText;

/// What the client gets: a status and a JSON body.
pub type Answer = (StatusCode, Value);

/// The request's operations, in order, and whether it was a batch.
pub struct Operations {
    pub items: Vec<Value>,
    pub batch: bool,
}

impl Operations {
    /// Reads a GraphQL-over-HTTP body (an object or an array of objects).
    pub fn parse(body: Value, max_batch: usize) -> Result<Self, ProxyError> {
        let (items, batch) = match body {
            Value::Array(items) => (items, true),
            item @ Value::Object(_) => (vec![item], false),
            _ => {
                return Err(ProxyError::BadRequest(
                    "expected a JSON object or array".into(),
                ))
            }
        };
        if items.is_empty() || items.len() > max_batch {
            return Err(ProxyError::BatchTooLarge {
                got: items.len(),
                max: max_batch,
            });
        }
        if let Some(bad) = items.iter().find(|i| !is_request(i)) {
            let what = if bad.is_object() {
                "an operation without a query string"
            } else {
                "a non-object"
            };
            return Err(ProxyError::BadRequest(format!("the batch holds {what}")));
        }
        Ok(Self { items, batch })
    }
}

fn is_request(item: &Value) -> bool {
    item.get("query").is_some_and(Value::is_string)
}

/// The query, variables and operation name the digest covers, as received.
pub fn text_of(item: &Value) -> QueryText {
    QueryText {
        query: item["query"].as_str().unwrap_or_default().to_owned(),
        variables: item.get("variables").filter(|v| !v.is_null()).cloned(),
        operation_name: item
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// The `extensions.code` of the first error of an answer.
fn first_code(answer: &Value) -> Option<&str> {
    answer
        .pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
}

/// Proves every operation that reads a gated unit; on a failure gives back
/// the slots already taken (nothing was sent).
async fn prove_all(
    anon: &Anonymizer,
    items: &mut [Value],
) -> Result<Vec<Option<Proven>>, ProxyError> {
    let mut proven: Vec<Option<Proven>> = Vec::with_capacity(items.len());
    for item in items.iter_mut() {
        if !anon.reads_gated_unit(item).await {
            proven.push(None);
            continue;
        }
        match anon.prove(text_of(item)).await {
            Ok(p) => {
                *item = p.body.clone();
                proven.push(Some(p));
            }
            Err(e) => {
                anon.unsend(proven.into_iter().flatten().collect()).await;
                return Err(e);
            }
        }
    }
    Ok(proven)
}

/// Sends the body; a request that never left gives its slots back.
async fn send(
    anon: &Anonymizer,
    upstream: &Upstream,
    body: &Value,
    proven: &mut Vec<Option<Proven>>,
) -> Result<Answer, ProxyError> {
    match upstream.post(body).await {
        Ok(answer) => Ok(answer),
        Err(SendError::NotSent(reason)) => {
            anon.unsend(std::mem::take(proven).into_iter().flatten().collect())
                .await;
            Err(ProxyError::ServerUnreachable {
                server: upstream.base(),
                reason,
            })
        }
        Err(SendError::Failed(reason)) => Err(ProxyError::BadUpstream(reason)),
    }
}

/// Runs one exchange.
#[tracing::instrument(name = "exchange", skip_all, fields(operations = ops.items.len()))]
pub async fn exchange(anon: &Anonymizer, upstream: &Upstream, ops: Operations) -> Answer {
    match try_exchange(anon, upstream, ops).await {
        Ok(answer) => answer,
        Err(e) => (e.status(), e.to_response_body()),
    }
}

async fn try_exchange(
    anon: &Anonymizer,
    upstream: &Upstream,
    ops: Operations,
) -> Result<Answer, ProxyError> {
    let Operations { mut items, batch } = ops;
    let originals = items.clone();
    let mut proven = prove_all(anon, &mut items).await?;
    let body = if batch {
        Value::Array(items)
    } else {
        items.swap_remove(0)
    };
    let (status, answer) = send(anon, upstream, &body, &mut proven).await?;
    let mut answers = match (batch, answer) {
        (true, Value::Array(a)) if a.len() == proven.len() => a,
        (false, a @ Value::Object(_)) => vec![a],
        // A refusal of the whole request (e.g. BODY_TOO_LARGE) or a server
        // error: hand it over as it is; proofs of a refused request were
        // not logged, and the server names why.
        (_, other) => return Ok((status, other)),
    };
    for (i, p) in proven.into_iter().enumerate() {
        match p {
            Some(p) => finish(anon, p, &mut answers[i]),
            None if first_code(&answers[i]) == Some("PROOF_REQUIRED") => {
                anon.policy_changed();
                answers[i] = retry_proven(anon, upstream, &originals[i]).await;
            }
            None => {}
        }
    }
    let body = if batch {
        Value::Array(answers)
    } else {
        answers.swap_remove(0)
    };
    Ok((status, body))
}

/// Verifies and stores the receipt of a proven operation; a receipt that
/// does not verify is reported beside the data.
pub fn finish(anon: &Anonymizer, proven: Proven, answer: &mut Value) {
    if let Err(e) = anon.accept(proven, answer) {
        match answer.get_mut("errors").and_then(Value::as_array_mut) {
            Some(errors) => errors.push(e.to_graphql()),
            None => answer["errors"] = json!([e.to_graphql()]),
        }
    }
}

/// One operation proven and sent alone (after the server asked for a proof).
async fn retry_proven(anon: &Anonymizer, upstream: &Upstream, item: &Value) -> Value {
    let result = async {
        let p = anon.prove(text_of(item)).await?;
        let body = p.body.clone();
        let mut proven = vec![Some(p)];
        let (_, mut answer) = send(anon, upstream, &body, &mut proven).await?;
        if let Some(Some(p)) = proven.pop() {
            finish(anon, p, &mut answer);
        }
        Ok::<_, ProxyError>(answer)
    }
    .await;
    result.unwrap_or_else(|e| e.to_response_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_and_batch_requests() {
        let one =
            Operations::parse(json!({"query": "{ a }"}), 10).map(|o| (o.items.len(), o.batch));
        assert!(matches!(one, Ok((1, false))));
        let two = Operations::parse(json!([{"query": "{ a }"}, {"query": "{ b }"}]), 10);
        assert!(matches!(two.map(|o| o.batch), Ok(true)));
        for bad in [
            json!(1),
            json!([]),
            json!([{"query": 1}]),
            json!({"variables": {}}),
        ] {
            assert!(Operations::parse(bad, 10).is_err());
        }
        let big = Value::Array(vec![json!({"query": "{ a }"}); 3]);
        assert!(matches!(
            Operations::parse(big, 2),
            Err(ProxyError::BatchTooLarge { got: 3, max: 2 })
        ));
    }

    #[test]
    fn the_digest_covers_what_was_received() {
        let t = text_of(&json!({"query": "q", "variables": null, "operationName": "Op"}));
        assert_eq!(
            (t.query.as_str(), t.variables, t.operation_name.as_deref()),
            ("q", None, Some("Op"))
        );
    }
}
