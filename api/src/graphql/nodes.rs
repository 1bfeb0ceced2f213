//! The two read resolvers every table has, written once: a Relay connection
//! (filter, ordering, keyset page) and a lookup by id.
//!
//! What differs between tables is stated by three small impls: [`Node`]
//! (the sea-orm entity a GraphQL type is read from), [`FilterInput`] (its
//! filter as SQL) and [`OrderInput`] (its ordering as cursor keys). A
//! resolver in `traffic.rs`, `power.rs` or `ecological.rs` still declares the
//! field's arguments, because async-graphql reads the schema from the
//! signature and cannot share arguments between fields, and then calls
//! [`list`] or [`find`]. Both run exactly the queries the per-table
//! resolvers ran before: the page (plus `COUNT` only when `totalCount` is
//! selected, and one probe beyond a cursor), or one `SELECT` by primary key.

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
}

/// A connection's `filter` argument for the table `E` (one input may serve
/// two tables, as `MarketFilter` does).
pub trait FilterInput<E> {
    /// The rows the filter selects; an error for input that cannot be used
    /// (an inverted time range, a bounding box outside WGS84, …).
    fn condition(&self) -> ApiResult<Condition>;
}

/// A connection's `orderBy` argument for the table `E`.
pub trait OrderInput<E: EntityTrait> {
    /// The keyset ordering asked for; its name is written into cursors so a
    /// cursor from another ordering is refused.
    fn ordering(&self) -> Ordering<E::Column>;
}

/// One page of `N`; an absent `filter` or `orderBy` means its `Default`.
pub async fn list<N, F, O>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order_by: Option<O>,
    page: PageArgs,
) -> Result<NodeConnection<N>>
where
    N: Node,
    <N::Entity as EntityTrait>::Model: Sync,
    F: FilterInput<N::Entity> + Default,
    O: OrderInput<N::Entity> + Default,
{
    let ordering = order_by.unwrap_or_default().ordering();
    let select = N::Entity::find().filter(filter.unwrap_or_default().condition()?);
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

/// Writes `From<Model>` for a GraphQL object whose fields are the model's
/// columns of the same names, so a conversion is one list rather than a
/// field-by-field copy. Each field moves across with `Into`: a row id becomes
/// an `ID` (its decimal text, as `ID(id.to_string())`), a JSON column becomes
/// `Json`, every other value stays as it is. The expansion is a struct
/// literal, so a field left out of the list or misspelt does not build.
macro_rules! from_model {
    ($model:ty => $node:ident { $($field:ident),+ $(,)? }) => {
        impl From<$model> for $node {
            fn from(m: $model) -> Self {
                Self {
                    $($field: m.$field.into(),)+
                }
            }
        }
    };
}
pub(crate) use from_model;
