//! What resolvers need from the server, stored once in the schema's data.

use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::error::{shared, ApiError, ApiResult};
use super::loaders::EntityLoader;
use super::pagination::PageLimits;
use crate::db::{ClassifyRead, ReadPool, ReadTarget};

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

/// Where this request's resolvers read. Once the privacy gate admitted the
/// request, the reserved pool (a flood of public reads cannot delay an
/// anonymous query whose proof was accepted and logged). Otherwise where
/// [`Pipeline`](super::pipeline) sent the request: a replica, or the
/// primary's public pool.
#[derive(Clone)]
pub enum ReadRoute {
    Reserved(DatabaseConnection),
    Public(ReadPool, ReadTarget),
}

impl ReadRoute {
    /// The route of the request `ctx` belongs to.
    pub fn of(ctx: &Context<'_>) -> Self {
        let g = gql(ctx);
        let admitted = ctx
            .data_opt::<crate::gate::Verdict>()
            .is_some_and(crate::gate::Verdict::is_admitted);
        if admitted {
            return Self::Reserved(g.reserved.clone());
        }
        let target = ctx
            .data_opt::<ReadTarget>()
            .copied()
            .unwrap_or_else(|| g.reads.pick());
        Self::Public(g.reads.clone(), target)
    }

    /// Runs `read` on this route. A replica failing under it makes
    /// [`ReadPool::run`] run `read` again on the primary, so `read` may be
    /// called twice and must only read.
    pub async fn run<T, E, F, Fut>(&self, read: F) -> Result<T, E>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: ClassifyRead,
    {
        match self {
            Self::Reserved(db) => read(db.clone()).await,
            Self::Public(reads, target) => reads.run(*target, read).await,
        }
    }
}

/// Runs one read of this request's resolvers on its [`ReadRoute`].
pub async fn read<T, F, Fut>(ctx: &Context<'_>, read: F) -> ApiResult<T>
where
    F: Fn(DatabaseConnection) -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    ReadRoute::of(ctx).run(read).await
}

/// The request's batching loader for relations (an observation looked up by
/// id → its station), made at its first use on the request's route, so a
/// relation is read where the rest of the request is: the same replica, or
/// the reserved pool once the gate admitted the request.
#[derive(Default)]
pub struct RequestLoader(OnceLock<DataLoader<EntityLoader>>);

impl RequestLoader {
    fn get(&self, ctx: &Context<'_>) -> &DataLoader<EntityLoader> {
        self.0.get_or_init(|| loader_on_route(ctx))
    }
}

/// A batching loader reading on the route of `ctx`'s request.
fn loader_on_route(ctx: &Context<'_>) -> DataLoader<EntityLoader> {
    DataLoader::new(EntityLoader::new(ReadRoute::of(ctx)), tokio::spawn)
}

/// The row `key` names (an observation's station or segment) as its GraphQL
/// type, through the request's batching loader. A request that did not come
/// through the [`Pipeline`](super::pipeline) (which gives every request a
/// [`RequestLoader`]) loads the row on its own.
pub async fn load<K, N>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<N>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    EntityLoader: Loader<K, Error = Arc<ApiError>>,
    N: From<<EntityLoader as Loader<K>>::Value>,
{
    let row = match ctx.data_opt::<RequestLoader>() {
        Some(loader) => loader.get(ctx).load_one(key).await,
        None => loader_on_route(ctx).load_one(key).await,
    };
    Ok(row.map_err(shared)?.map(N::from))
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
