//! Power unit: market transactions, clearing prices and the market aggregate.
//! The query object is here, its resolvers thin; each table's GraphQL type,
//! and how the filter and ordering both tables share (`market.rs`) read its
//! columns, are in the file named for it, the market aggregate in
//! `transactions.rs`.
//!
//! The bundled source (ENTSO-E day-ahead prices for Belgium) publishes
//! clearing results, not trades: its transactions are the cleared result of
//! one zone and hour, with `volumeMwh` null. Sources that carry trades fill it.

mod market;
mod prices;
mod transactions;

use async_graphql::{Context, Object, Result, ID};

pub use market::{MarketFilter, MarketOrderField};
pub use prices::ClearingPrice;
pub use transactions::{MarketTransaction, PowerMarketBucket};

use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, NodeConnection, OrderBy};
use super::pagination::{page_cost, PageArgs};

/// Power market queries.
#[derive(Default)]
pub struct PowerQuery;

#[Object]
impl PowerQuery {
    /// Market transactions.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn market_transactions(
        &self,
        ctx: &Context<'_>,
        filter: Option<MarketFilter>,
        order_by: Option<OrderBy<MarketOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<MarketTransaction>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One transaction by id.
    async fn market_transaction(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<MarketTransaction>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Clearing prices per zone and interval.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn clearing_prices(
        &self,
        ctx: &Context<'_>,
        filter: Option<MarketFilter>,
        order_by: Option<OrderBy<MarketOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<ClearingPrice>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One clearing price by id.
    async fn clearing_price(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ClearingPrice>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Volume-weighted average price, total volume and price range of market
    /// transactions per zone and hour or day, ordered by zone then time.
    #[graphql(complexity = 100)]
    async fn power_market_aggregate(
        &self,
        ctx: &Context<'_>,
        bucket: TimeBucket,
        filter: Option<MarketFilter>,
    ) -> Result<Vec<PowerMarketBucket>> {
        Ok(transactions::aggregate(ctx, bucket, filter).await?)
    }
}
