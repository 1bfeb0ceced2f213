//! What resolvers need from the server, stored once in the schema's data.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::error::{shared, ApiError, ApiResult};
use super::loaders::EntityLoader;
use super::pagination::PageLimits;
use crate::db::{ReadPool, ReadTarget};

/// Shared resolver state.
#[derive(Clone)]
pub struct GqlContext {
    /// The public pools: the primary's and its replicas'.
    pub reads: ReadPool,
    /// The reserved pool, for operations the gate admitted.
    pub reserved: DatabaseConnection,
    pub limits: PageLimits,
    pub max_buckets: usize,
}

/// The resolver state of this request.
pub fn gql<'a>(ctx: &Context<'a>) -> &'a GqlContext {
    ctx.data_unchecked::<GqlContext>()
}

/// Runs one read of this request's resolvers. Once the privacy gate
/// admitted the request it reads with the reserved pool (a flood of public
/// reads cannot delay an anonymous query whose proof was accepted and
/// logged). Otherwise it reads where [`Pipeline`](super::pipeline) sent
/// the request: a replica, or the primary's public pool; a replica failing
/// under it makes [`ReadPool::run`] run `read` again on the primary, so
/// `read` may be called twice and must only read.
pub async fn read<T, F, Fut>(ctx: &Context<'_>, read: F) -> ApiResult<T>
where
    F: Fn(DatabaseConnection) -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    let g = gql(ctx);
    let admitted = ctx
        .data_opt::<crate::gate::Verdict>()
        .is_some_and(crate::gate::Verdict::is_admitted);
    if admitted {
        return read(g.reserved.clone()).await;
    }
    let target = ctx
        .data_opt::<ReadTarget>()
        .copied()
        .unwrap_or_else(|| g.reads.pick());
    g.reads.run(target, read).await
}

/// The batching loader for relations (`observation → station` etc.).
pub fn loader<'a>(ctx: &Context<'a>) -> &'a DataLoader<EntityLoader> {
    ctx.data_unchecked::<DataLoader<EntityLoader>>()
}

/// The row `key` names (an observation's station or segment) as its GraphQL
/// type, through the request's batching loader.
pub async fn load<K, N>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<N>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    EntityLoader: Loader<K, Error = Arc<ApiError>>,
    N: From<<EntityLoader as Loader<K>>::Value>,
{
    let row = loader(ctx).load_one(key).await.map_err(shared)?;
    Ok(row.map(N::from))
}

/// True when the client selected `totalCount`, which costs a COUNT query.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Runs one connection query for a resolver: paginates `select` in
/// `ordering`, reads the rows with `reader` and maps them to their GraphQL
/// type.
pub async fn connection<E, R, N>(
    ctx: &Context<'_>,
    select: sea_orm::Select<E>,
    ordering: super::pagination::Ordering<E::Column>,
    args: super::pagination::PageArgs,
    reader: R,
    map: impl Fn(R::Row) -> N,
) -> async_graphql::Result<
    async_graphql::connection::Connection<String, N, super::pagination::ConnectionFields>,
>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    R: super::page_rows::PageRows<E>,
    N: async_graphql::OutputType,
{
    let limits = gql(ctx).limits;
    let want_total = wants_total(ctx);
    let (args, reader) = (&args, &reader);
    let page = read(ctx, |db| {
        let select = select.clone();
        async move {
            super::pagination::paginate(&db, select, ordering, args, limits, want_total, reader)
                .await
        }
    })
    .await?;
    Ok(super::pagination::into_connection(page, map))
}
