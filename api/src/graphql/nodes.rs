//! The two read resolvers every table has, written once: a Relay connection
//! (filter, ordering, keyset page) and a lookup by id.
//!
//! A GraphQL node type states only what differs between tables by
//! implementing [`Node`]: the sea-orm entity it is read from, its filter and
//! its ordering. A resolver in `traffic.rs`, `power.rs` or `ecological.rs`
//! then declares the field's arguments (async-graphql reads the schema from
//! the signature, so they stay spelt out there) and calls [`list`] or
//! [`find`]. Both run exactly the queries the hand-written resolvers ran:
//! the page (plus `COUNT` only when `totalCount` is selected, and one probe
//! beyond a cursor), or one `SELECT` by primary key.

use async_graphql::connection::Connection;
use async_graphql::{Context, OutputType, Result, ID};
use sea_orm::{Condition, EntityTrait, PrimaryKeyTrait, QueryFilter};

use super::context::{connection, gql};
use super::error::{ApiError, ApiResult};
use super::pagination::{ConnectionFields, Ordering, PageArgs};

/// The connection type of a node, as the schema names it (`<Node>Connection`).
pub type NodeConnection<N> = Connection<String, N, ConnectionFields>;

/// A GraphQL object read row for row from one table.
pub trait Node: OutputType + From<<Self::Entity as EntityTrait>::Model> {
    /// The table the rows come from.
    type Entity: EntityTrait;
    /// The connection's `filter` argument (absent means `Default`).
    type Filter: Default;
    /// The connection's `orderBy` argument (absent means `Default`).
    type Order: Default;

    /// The rows `filter` selects; an error for input that cannot be used
    /// (an inverted time range, a bounding box outside WGS84, …).
    fn condition(filter: &Self::Filter) -> ApiResult<Condition>;

    /// The keyset ordering `order` asks for; its name is written into cursors
    /// so a cursor from another ordering is refused.
    fn ordering(order: &Self::Order) -> Ordering<<Self::Entity as EntityTrait>::Column>;
}

/// One page of `N` in the requested filter and ordering.
pub async fn list<N: Node>(
    ctx: &Context<'_>,
    filter: Option<N::Filter>,
    order_by: Option<N::Order>,
    page: PageArgs,
) -> Result<NodeConnection<N>>
where
    <N::Entity as EntityTrait>::Model: Sync,
{
    let ordering = N::ordering(&order_by.unwrap_or_default());
    let select = N::Entity::find().filter(N::condition(&filter.unwrap_or_default())?);
    connection(ctx, select, ordering, page, N::from).await
}

/// The row of `N` with this primary key, if any.
pub async fn find<N: Node>(
    ctx: &Context<'_>,
    id: impl Into<<<N::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) -> Result<Option<N>> {
    let row = N::Entity::find_by_id(id)
        .one(&gql(ctx).db)
        .await
        .map_err(ApiError::from)?;
    Ok(row.map(N::from))
}

/// Numeric row ids travel as GraphQL `ID` strings.
pub(crate) fn parse_id(id: &ID) -> ApiResult<i64> {
    id.0.parse()
        .map_err(|_| ApiError::BadInput(format!("id {:?} is not a row id", id.0)))
}
