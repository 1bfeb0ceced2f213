//! The gate's part in one GraphQL operation (DESIGN §8), called by the
//! schema's one extension ([`crate::graphql::pipeline`]): the request's
//! `extensions` is not visible to resolvers, so [`GateRun::prepare`] moves
//! `extensions.zkcity` — with the query text, variables and operation name
//! exactly as received — into request data; [`GateRun::note`] records which
//! protected units the parsed operation reads; [`GateRun::execute`] (reached
//! only by a parsed, valid operation) runs [`Gate::check`] before the
//! resolvers, then the append ([`Gate::append`]) and the resolvers side by
//! side, and answers only after the append committed, with the receipt
//! added. Single, batched (one run per operation) and WebSocket requests
//! all pass through it.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;

use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, Value};

use super::{Gate, ReceivedRequest, Unit, Verdict};
use crate::graphql::response_cache::CacheProbe;

/// Per-operation state (async-graphql creates the schema's extension, and
/// with it this, once per operation).
pub struct GateRun {
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

impl GateRun {
    pub fn new(gate: Gate) -> Self {
        Self {
            gate,
            received: Mutex::default(),
            units: Mutex::default(),
            verdict: Verdict::default(),
        }
    }

    /// What the gate found so far; shared with the request's data.
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// Before parsing: takes the envelope and the request as received.
    pub fn prepare(&self, mut request: Request) -> Request {
        let received = received_from(&mut request);
        request.data.insert(received.clone());
        request.data.insert(self.verdict.clone());
        if let Ok(mut slot) = self.received.lock() {
            *slot = Some(received);
        }
        request
    }

    /// After parsing: which protected units the operation reads, and whether
    /// its answer may be cached (a public data read).
    pub fn note(&self, ctx: &ExtensionContext<'_>, doc: &ExecutableDocument) {
        let name = self
            .received
            .lock()
            .ok()
            .and_then(|r| r.as_ref().and_then(|r| r.operation_name.clone()));
        let units = self.gate.protected_units(doc, name.as_deref());
        self.verdict.set_gated(!units.is_empty());
        if let Some(probe) = ctx.data_opt::<CacheProbe>() {
            if units.is_empty() && self.gate.is_public_data_read(doc, name.as_deref()) {
                probe.mark_cacheable();
            }
        }
        if let Ok(mut slot) = self.units.lock() {
            *slot = units;
        }
    }

    /// Runs the resolvers (`resolve`, not started until awaited) behind the
    /// gate: directly when the operation reads no protected unit, else only
    /// after the proof is checked, beside the append of its log entry.
    pub async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        resolve: impl Future<Output = Response>,
    ) -> Response {
        let units = self.units.lock().map(|u| u.clone()).unwrap_or_default();
        if units.is_empty() {
            return resolve.await;
        }
        let Some(received) = ctx.data_opt::<ReceivedRequest>().cloned() else {
            // Cannot happen: prepare always inserts it. Fail closed.
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
        let (appended, response) = futures::join!(self.gate.append(admission), resolve);
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
