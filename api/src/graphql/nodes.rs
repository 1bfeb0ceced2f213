//! The two read resolvers every table has, written once: a Relay connection
//! (filter, ordering, keyset page) and a lookup by id.
//!
//! What differs between tables is stated by three small impls: [`Node`]
//! (the sea-orm entity a GraphQL type is read from, and its id key),
//! [`FilterInput`] (its filter as SQL) and [`SortField`] (what its `orderBy`
//! fields sort on, as cursor keys). A resolver in `traffic/`, `power/` or
//! `ecological/` still declares the field's arguments, because async-graphql
//! reads the schema from the signature and cannot share arguments between
//! fields, and then calls [`list`] or [`find`]. A page is one statement
//! when it is a first page: its rows, `totalCount` when selected (a scalar
//! subquery), and the rows' station or segment when selected (a join, see
//! [`page_with_parent`]); behind a cursor a count and a probe beyond the
//! cursor are added. A lookup is one `SELECT` by primary key.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputObject, InputType, OutputType, Result, ID};
use sea_orm::{Condition, EntityTrait, PrimaryKeyTrait, QueryFilter, Related, Select};

use super::context::{connection, load, read};
use super::ecological::{AirQualityOrderField, EmissionOrderField, StationOrderField};
use super::error::{ApiError, ApiResult};
use super::filters::SortDirection;
use super::loaders::EntityLoader;
use super::page_rows::{OwnRows, WithParent};
use super::pagination::{ConnectionFields, Key, Ordering, PageArgs};
use super::power::MarketOrderField;
use super::traffic::{
    ImageTileOrderField, RoadConditionOrderField, RoadSegmentOrderField, TrafficFlowOrderField,
};

/// The connection type of a node, as the schema names it (`<Node>Connection`).
pub type NodeConnection<N> = Connection<String, N, ConnectionFields>;

/// A GraphQL object read row for row from one table.
pub trait Node: OutputType + From<<Self::Entity as EntityTrait>::Model> + 'static {
    /// The table the rows come from.
    type Entity: EntityTrait;
    /// The id column: it breaks ties in every ordering of the table.
    const ID: Key<<Self::Entity as EntityTrait>::Column>;

    /// Reads one page of the table's own rows. A node that points to a row
    /// of another table overrides this with [`page_with_parent`], so a
    /// query selecting that row gets it from the page's statement.
    fn page<'a>(
        ctx: &'a Context<'_>,
        select: Select<Self::Entity>,
        ordering: Ordering<<Self::Entity as EntityTrait>::Column>,
        args: PageArgs,
    ) -> impl Future<Output = Result<NodeConnection<Self>>> + Send + 'a
    where
        <Self::Entity as EntityTrait>::Model: Sync,
    {
        connection(ctx, select, ordering, args, OwnRows, Self::from)
    }
}

/// A node's parent row (a reading's station) as its page read it.
#[derive(Clone, Default)]
pub enum Parent<M> {
    /// Not read with the page: the batching loader fetches it.
    #[default]
    Unread,
    /// Joined into the page's statement (`None`: no such row).
    Joined(Option<M>),
}

impl<M: Clone> Parent<M> {
    /// The parent as `N`: the joined row, or the one the loader reads by `key`.
    pub async fn resolve<K, N>(&self, ctx: &Context<'_>, key: K) -> Result<Option<N>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        EntityLoader: Loader<K, Value = M, Error = Arc<ApiError>>,
        N: From<M>,
    {
        match self {
            Self::Joined(row) => Ok(row.clone().map(N::from)),
            Self::Unread => load(ctx, key).await,
        }
    }
}

/// One page of `N` whose parent (a row of `P`, the GraphQL field `field`)
/// is joined into the page's statement when the query selects it, under
/// `edges { node }` or `nodes`; `with` makes a node from a row and its parent.
pub async fn page_with_parent<N, P>(
    ctx: &Context<'_>,
    select: Select<N::Entity>,
    ordering: Ordering<<N::Entity as EntityTrait>::Column>,
    args: PageArgs,
    field: &str,
    with: fn(<N::Entity as EntityTrait>::Model, Option<P::Model>) -> N,
) -> Result<NodeConnection<N>>
where
    N: Node,
    <N::Entity as EntityTrait>::Model: Sync,
    N::Entity: Related<P>,
    P: EntityTrait,
    P::Model: Sync,
{
    let ahead = ctx.look_ahead();
    let selected = ahead.field("edges").field("node").field(field).exists()
        || ahead.field("nodes").field(field).exists();
    if !selected {
        return connection(ctx, select, ordering, args, OwnRows, N::from).await;
    }
    let reader = WithParent::<P>::default();
    connection(ctx, select, ordering, args, reader, |(row, parent)| {
        with(row, parent)
    })
    .await
}

/// A connection's `filter` argument for the table `E` (one input may serve
/// two tables, as `MarketFilter` does).
pub trait FilterInput<E> {
    /// The rows the filter selects; an error for input that cannot be used
    /// (an inverted time range, a bounding box outside WGS84, …).
    fn condition(&self) -> ApiResult<Condition>;
}

/// A field a connection's `orderBy` sorts the table `E` by (one enum may
/// serve two tables, as `MarketOrderField` does).
pub trait SortField<E: EntityTrait> {
    /// The key sorted on, and the ordering's name, which is written into
    /// cursors so a cursor from another ordering is refused.
    fn key(self) -> (&'static str, Key<E::Column>);
}

// A connection's `orderBy` argument: a sort field of the table, then a
// direction. One generic input; each `concrete` line is one table's, under
// the name the schema has always given it. (No doc comment: it would become
// the description of all of them.)
#[derive(InputObject, Default)]
#[graphql(
    concrete(name = "RoadSegmentOrder", params(RoadSegmentOrderField)),
    concrete(name = "TrafficFlowOrder", params(TrafficFlowOrderField)),
    concrete(name = "RoadConditionOrder", params(RoadConditionOrderField)),
    concrete(name = "ImageTileOrder", params(ImageTileOrderField)),
    concrete(name = "MarketOrder", params(MarketOrderField)),
    concrete(name = "StationOrder", params(StationOrderField)),
    concrete(name = "AirQualityOrder", params(AirQualityOrderField)),
    concrete(name = "EmissionOrder", params(EmissionOrderField))
)]
pub struct OrderBy<F: InputType + Default> {
    #[graphql(default)]
    pub field: F,
    #[graphql(default)]
    pub direction: SortDirection,
}

/// One page of `N`; an absent `filter` or `orderBy` means its `Default`.
pub async fn list<N, F, S>(
    ctx: &Context<'_>,
    filter: Option<F>,
    order_by: Option<OrderBy<S>>,
    page: PageArgs,
) -> Result<NodeConnection<N>>
where
    N: Node,
    <N::Entity as EntityTrait>::Model: Sync,
    F: FilterInput<N::Entity> + Default,
    S: SortField<N::Entity> + InputType + Default,
{
    let order = order_by.unwrap_or_default();
    let ordering = Ordering::new(order.field.key(), N::ID, order.direction);
    let select = N::Entity::find().filter(condition(filter)?);
    N::page(ctx, select, ordering, page).await
}

/// The rows an optional `filter` selects (all of them when it is absent).
pub fn condition<E, F: FilterInput<E> + Default>(filter: Option<F>) -> ApiResult<Condition> {
    filter.unwrap_or_default().condition()
}

/// The row of `N` with this primary key, if any.
pub async fn find<N: Node>(
    ctx: &Context<'_>,
    id: impl Into<<<N::Entity as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) -> Result<Option<N>> {
    let select = N::Entity::find_by_id(id);
    let row = read(ctx, |db| {
        let select = select.clone();
        async move { Ok(select.one(&db).await?) }
    })
    .await?;
    Ok(row.map(N::from))
}

/// Numeric row ids travel as GraphQL `ID` strings.
/// A text primary key (a station's or segment's code) as the id it is.
pub(crate) fn text_id(id: &ID) -> ApiResult<String> {
    Ok(id.0.clone())
}

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
/// A node with a [`Parent`] names that field after `parent:`; a plain
/// conversion leaves it unread.
macro_rules! from_model {
    ($model:ty => $node:ident { $($field:ident),+ $(,)? } $(parent: $parent:ident)?) => {
        impl From<$model> for $node {
            fn from(m: $model) -> Self {
                Self {
                    $($field: m.$field.into(),)+
                    $($parent: $crate::graphql::nodes::Parent::Unread,)?
                }
            }
        }
    };
}
pub(crate) use from_model;

/// Writes a unit's query object: per table, a Relay connection field
/// (`filter`, `orderBy`, `first/after/last/before`, costed by page size) and
/// a by-id field, then any other fields verbatim (`extra`). async-graphql
/// reads arguments from each resolver's signature and cannot share them
/// between fields, so without this every table repeats the same eight
/// parameters; with it a table states only its names, type, filter, ordering
/// and how its id parses ([`parse_id`] or [`text_id`]).
macro_rules! node_query {
    (
        $(#[$query_meta:meta])*
        $query:ident {
            $(
                $(#[$list_meta:meta])*
                $list:ident,
                $(#[$one_meta:meta])*
                $one:ident: $node:ty, filter: $filter:ty, order: $order:ty, id: $key:path;
            )*
        }
        $(extra { $($extra:tt)* })?
    ) => {
        $(#[$query_meta])*
        #[derive(Default)]
        pub struct $query;

        #[async_graphql::Object]
        impl $query {
            $(
                $(#[$list_meta])*
                #[graphql(complexity = "crate::graphql::pagination::page_cost(first, last, child_complexity)")]
                #[allow(clippy::too_many_arguments)]
                async fn $list(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    filter: Option<$filter>,
                    order_by: Option<$crate::graphql::nodes::OrderBy<$order>>,
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::nodes::NodeConnection<$node>> {
                    let page = $crate::graphql::pagination::PageArgs::new(first, after, last, before);
                    $crate::graphql::nodes::list(ctx, filter, order_by, page).await
                }

                $(#[$one_meta])*
                #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
                async fn $one(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    id: async_graphql::ID,
                ) -> async_graphql::Result<Option<$node>> {
                    $crate::graphql::nodes::find(ctx, $key(&id)?).await
                }
            )*
            $($($extra)*)?
        }
    };
}

pub(crate) use node_query;

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering as Atomic;

    use async_graphql::{EmptyMutation, EmptySubscription, Request, Schema};
    use sea_orm::DatabaseConnection;
    use serde_json::Value;

    use crate::db::ReadPool;
    use crate::gate::Verdict;
    use crate::graphql::context::{GqlContext, RequestLoader};
    use crate::graphql::ecological::EcologicalQuery;
    use crate::graphql::pagination::PageLimits;
    use crate::graphql::test_fixture::{count_statements, fixture};

    /// How many objects under `v` carry a `stationId`, after checking that
    /// each one's `station` is the fixture's row of that id.
    fn checked_parents(v: &Value) -> usize {
        match v {
            Value::Object(o) => match o.get("stationId").and_then(Value::as_str) {
                Some(id) => {
                    assert_eq!(o["station"]["id"], id, "{v}");
                    assert_eq!(o["station"]["name"], format!("{id} station"), "{v}");
                    1
                }
                None => o.values().map(checked_parents).sum(),
            },
            Value::Array(a) => a.iter().map(checked_parents).sum(),
            _ => 0,
        }
    }

    /// `EcologicalQuery` reading through `public` (no replicas) and, for
    /// requests the gate admitted, `reserved`.
    fn schema(
        public: &DatabaseConnection,
        reserved: &DatabaseConnection,
    ) -> Schema<EcologicalQuery, EmptyMutation, EmptySubscription> {
        let context = GqlContext {
            reads: ReadPool::primary_only(public.clone()),
            reserved: reserved.clone(),
            limits: PageLimits {
                default_size: 10,
                max_size: 10,
            },
            max_buckets: 100,
        };
        Schema::build(EcologicalQuery, EmptyMutation, EmptySubscription)
            .data(context)
            .finish()
    }

    /// The look-ahead of [`page_with_parent`] through the schema: however a
    /// page's query selects `station` (under `edges { node }`, `nodes`, an
    /// alias, a named or an inline fragment), page, stations and count are
    /// one statement. A lookup by id still uses the loader, which shows the
    /// counter sees a second statement when there is one.
    #[tokio::test]
    async fn a_selected_station_rides_in_the_page_statement() -> anyhow::Result<()> {
        let mut f = fixture().await?;
        let statements = count_statements(&mut f.db);
        let schema = schema(&f.db, &f.db);
        let reading = "stationId station { id name }";
        let cases = [
            (format!("{{ airQualityObservations(first: 4) {{ totalCount edges {{ node {{ {reading} }} }} }} }}"), 4, 1),
            (format!("{{ page: airQualityObservations(first: 5) {{ nodes {{ ...R }} }} }} fragment R on AirQualityObservation {{ {reading} }}"), 5, 1),
            (format!("{{ airQualityObservations(last: 3) {{ totalCount nodes {{ ... on AirQualityObservation {{ {reading} }} }} }} }}"), 3, 1),
            (format!(r#"{{ airQualityObservation(id: "3") {{ {reading} }} }}"#), 1, 2),
        ];
        for (query, rows, expected) in cases {
            statements.store(0, Atomic::Relaxed);
            let request = Request::new(query.as_str()).data(RequestLoader::default());
            let response = schema.execute(request).await;
            assert!(response.errors.is_empty(), "{query}: {:?}", response.errors);
            assert_eq!(statements.load(Atomic::Relaxed), expected, "{query}");
            assert_eq!(
                checked_parents(&response.data.into_json()?),
                rows,
                "{query}"
            );
        }
        Ok(())
    }

    /// The relation loader reads where the rest of its request does: the
    /// public pool for a public request, the reserved pool once the gate
    /// admitted the request.
    #[tokio::test]
    async fn the_relation_loader_follows_its_request() -> anyhow::Result<()> {
        let mut f = fixture().await?;
        let mut reserved = f.connect_again().await?;
        let (on_public, on_reserved) =
            (count_statements(&mut f.db), count_statements(&mut reserved));
        let schema = schema(&f.db, &reserved);
        let query = r#"{ airQualityObservation(id: "2") { stationId station { id name } } }"#;
        for admitted in [false, true] {
            on_public.store(0, Atomic::Relaxed);
            on_reserved.store(0, Atomic::Relaxed);
            let verdict = Verdict::default();
            if admitted {
                verdict.set_admitted();
            }
            let request = Request::new(query)
                .data(RequestLoader::default())
                .data(verdict);
            let response = schema.execute(request).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
            assert_eq!(checked_parents(&response.data.into_json()?), 1);
            let counts = (
                on_public.load(Atomic::Relaxed),
                on_reserved.load(Atomic::Relaxed),
            );
            let expected = if admitted { (0, 2) } else { (2, 0) };
            assert_eq!(counts, expected, "admitted: {admitted}");
        }
        Ok(())
    }
}
