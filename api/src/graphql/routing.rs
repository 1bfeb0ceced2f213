//! Chooses, once per request, where its public reads go (a replica in
//! rotation or the primary, `crate::db::ReadPool::pick`) and stores the
//! choice in the request's data for [`super::context::read`]. Once per
//! request rather than per SQL statement, so one answer's page, `hasNextPage`
//! and `totalCount` come from one server, not from replicas at different
//! points of replay. As an extension it covers single, batched (one choice
//! per operation) and WebSocket requests.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerResult};

use crate::db::ReadPool;

/// Factory registered on the schema.
pub struct ReadRouting(pub ReadPool);

impl ExtensionFactory for ReadRouting {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ReadRouting(self.0.clone()))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ReadRouting {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(self.0.pick())).await
    }
}
