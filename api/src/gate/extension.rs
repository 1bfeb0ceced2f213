//! The gate as an async-graphql [`Extension`] (DESIGN §8): the request's
//! `extensions` is not visible to resolvers, so `prepare_request` moves
//! `extensions.zkcity` — with the query text, variables and operation name
//! exactly as received — into request data; `parse_query` notes which
//! protected units the executed operation reads; `execute` (reached only by
//! a parsed, valid operation) runs [`Gate::check`] before the resolvers,
//! then the append ([`Gate::append`]) and the resolvers side by side, and
//! answers only after the append committed, with the receipt added. As an extension it covers single,
//! batched (one instance per operation) and WebSocket requests.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerResult, Value, Variables};

use super::{Gate, ReceivedRequest, Unit, Verdict};
use crate::graphql::response_cache::CacheProbe;

/// Factory registered on the schema.
pub struct GateExtension(pub Gate);

impl ExtensionFactory for GateExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GateRun {
            gate: self.0.clone(),
            received: Mutex::default(),
            units: Mutex::default(),
            verdict: Verdict::default(),
        })
    }
}

/// Per-operation state (async-graphql creates one extension per request).
struct GateRun {
    gate: Gate,
    received: Mutex<Option<ReceivedRequest>>,
    units: Mutex<BTreeSet<Unit>>,
    /// Shared with the request's data.
    verdict: Verdict,
}

fn received_from(request: &mut Request) -> ReceivedRequest {
    // An envelope that cannot be shown as JSON is passed on as a string, which
    // the decoder rejects as MALFORMED_PROOF.
    let envelope = request.extensions.0.remove("zkcity").map(|v| {
        v.into_json()
            .unwrap_or_else(|_| serde_json::Value::String("unrepresentable".into()))
    });
    // Absent, `null` and `{}` variables all arrive as an empty map; the digest
    // treats all three as `null` (see `zkcity_circuits::request_digest`).
    let variables = if request.variables.is_empty() {
        None
    } else {
        request.variables.clone().into_value().into_json().ok()
    };
    ReceivedRequest {
        envelope,
        query: request.query.clone(),
        variables,
        operation_name: request.operation_name.clone(),
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for GateRun {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let received = received_from(&mut request);
        request.data.insert(received.clone());
        request.data.insert(self.verdict.clone());
        if let Ok(mut slot) = self.received.lock() {
            *slot = Some(received);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let name = self
            .received
            .lock()
            .ok()
            .and_then(|r| r.as_ref().and_then(|r| r.operation_name.clone()));
        let units = self.gate.protected_units(&doc, name.as_deref());
        self.verdict.set_gated(!units.is_empty());
        if let Some(probe) = ctx.data_opt::<CacheProbe>() {
            if units.is_empty() && self.gate.is_public_data_read(&doc, name.as_deref()) {
                probe.mark_cacheable();
            }
        }
        if let Ok(mut slot) = self.units.lock() {
            *slot = units;
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let units = self.units.lock().map(|u| u.clone()).unwrap_or_default();
        if units.is_empty() {
            return next.run(ctx, operation_name).await;
        }
        let Some(received) = ctx.data_opt::<ReceivedRequest>().cloned() else {
            // Cannot happen: prepare_request always inserts it. Fail closed.
            return Response::from_errors(vec![
                super::GateError::Unavailable("INTERNAL").to_server_error()
            ]);
        };
        let admission = match self.gate.check(&received, &units).await {
            Ok(admission) => admission,
            Err(err) => return Response::from_errors(vec![err.to_server_error()]),
        };
        self.verdict.set_admitted();
        // The resolvers run while the entry is appended; their answer is
        // released only once the append committed, and dropped if it failed.
        let (appended, response) =
            futures::join!(self.gate.append(admission), next.run(ctx, operation_name));
        match appended {
            Err(err) => Response::from_errors(vec![err.to_server_error()]),
            Ok(receipt) => {
                let mut response = response;
                let value = serde_json::json!({ "receipt": receipt.to_json() });
                response.extensions.insert(
                    "zkcity".to_owned(),
                    Value::from_json(value).unwrap_or(Value::Null),
                );
                response
            }
        }
    }
}
