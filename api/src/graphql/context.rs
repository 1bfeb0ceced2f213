//! What resolvers need from the server, stored once in the schema's data.

use async_graphql::dataloader::DataLoader;
use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::loaders::EntityLoader;
use super::pagination::PageLimits;

/// Shared resolver state.
#[derive(Clone)]
pub struct GqlContext {
    pub db: DatabaseConnection,
    pub limits: PageLimits,
    pub max_buckets: usize,
}

/// The resolver state of this request.
pub fn gql<'a>(ctx: &Context<'a>) -> &'a GqlContext {
    ctx.data_unchecked::<GqlContext>()
}

/// The batching loader for relations (`observation → station` etc.).
pub fn loader<'a>(ctx: &Context<'a>) -> &'a DataLoader<EntityLoader> {
    ctx.data_unchecked::<DataLoader<EntityLoader>>()
}

/// True when the client selected `totalCount`, which costs a COUNT query.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Runs one connection query for a resolver: paginates `select` in
/// `ordering` and maps rows to their GraphQL type.
pub async fn connection<E, N>(
    ctx: &Context<'_>,
    select: sea_orm::Select<E>,
    ordering: super::pagination::Ordering<E::Column>,
    args: super::pagination::PageArgs,
    map: impl Fn(E::Model) -> N,
) -> async_graphql::Result<
    async_graphql::connection::Connection<String, N, super::pagination::ConnectionFields>,
>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    let g = gql(ctx);
    let page =
        super::pagination::paginate(&g.db, select, ordering, &args, g.limits, wants_total(ctx))
            .await?;
    Ok(super::pagination::into_connection(page, map))
}
