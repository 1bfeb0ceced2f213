//! The schema's one extension: what every operation passes through around
//! async-graphql's own parse, validation and execution, in this order —
//!
//! 1. request: every error of the answer gets a code ([`super::observe`]);
//! 2. before parsing: where the operation's public reads go, a replica in
//!    rotation or the primary, chosen once per operation so one answer's
//!    page, `hasNextPage` and `totalCount` come from one server (read by
//!    [`super::context::read`]); and the gate takes the request as received
//!    ([`GateRun::prepare`]);
//! 3. after parsing: the gate notes the protected units read, then the input
//!    guard refuses NUL characters ([`super::input`]);
//! 4. execution: the gate's check and append around the resolvers
//!    ([`GateRun::execute`]), counted and timed ([`super::observe`]).
//!
//! One extension rather than one per concern because async-graphql runs
//! every field and list item of an answer through each registered
//! extension's `resolve` (a boxed future per layer and field): with four of
//! them a page of 50 readings with their stations cost ~3,000 extra
//! futures, 15–30 % of an uncached read's CPU. None of the concerns needs a
//! field-level hook.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, Response, ServerError, ServerResult, ValidationResult, Variables};

use super::context::RequestLoader;
use super::{input, observe};
use crate::db::ReadPool;
use crate::gate::{Gate, GateRun};

/// Factory registered on the schema.
pub struct Pipeline {
    pub observe: observe::Observe,
    pub reads: ReadPool,
    pub gate: Gate,
}

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Operation {
            observe: self.observe.clone(),
            reads: self.reads.clone(),
            gate: GateRun::new(self.gate.clone()),
        })
    }
}

/// Per-operation state (async-graphql creates one extension per operation).
struct Operation {
    observe: observe::Observe,
    reads: ReadPool,
    gate: GateRun,
}

#[async_graphql::async_trait::async_trait]
impl Extension for Operation {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        observe::code_errors(next.run(ctx).await)
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = request
            .data(self.reads.pick())
            .data(RequestLoader::default());
        let request = self.gate.prepare(request);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(observe::parse_failed)?;
        self.gate.note(ctx, &doc);
        input::check(&doc, variables)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(observe::validation_failed)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let started = Instant::now();
        let response = self.gate.execute(ctx, next.run(ctx, operation_name)).await;
        let gated = self.gate.verdict().reads_gated_unit();
        self.observe
            .record(operation_name, gated, started, &response);
        response
    }
}
