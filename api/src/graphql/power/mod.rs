//! Power unit: market transactions, clearing prices and the market aggregate.
//! The query object is here; the GraphQL types are in the file named for
//! their table, the filter and ordering both share in `market.rs`.
//!
//! The bundled source (ENTSO-E day-ahead prices for Belgium) publishes
//! clearing results, not trades: its transactions are the cleared result of
//! one zone and hour, with `volumeMwh` null. Sources that carry trades fill it.

mod market;
mod prices;
mod transactions;

use async_graphql::{Context, Object, Result, ID};
use sea_orm::sea_query::Query;
use zkcity_entities::power::market_transaction as trade;

pub use market::{MarketFilter, MarketOrder, MarketOrderField};
pub use prices::ClearingPrice;
pub use transactions::{MarketTransaction, PowerMarketBucket};

use super::aggregates::{self, col, AggregateSpec};
use super::context::gql;
use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, NodeConnection};
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
        order_by: Option<MarketOrder>,
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
        order_by: Option<MarketOrder>,
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
        let g = gql(ctx);
        let t = "market_transaction";
        let (p, v) = (col(t, "price_per_mwh"), col(t, "volume_mwh"));
        let extra = [
            ("vwap", format!("SUM({p} * {v}) / NULLIF(SUM({v}), 0)")),
            ("volume", format!("SUM({v})")),
        ];
        let measures = [("price", p.clone())];
        let spec = AggregateSpec {
            from: Query::select().from(trade::Entity).to_owned(),
            key_sql: &col(t, "zone"),
            time_sql: &col(t, "delivery_start"),
            measures: &measures,
            extra: &extra,
            condition: filter.unwrap_or_default().trades()?,
            bucket,
            max_buckets: g.max_buckets,
        };
        let rows = aggregates::run(&g.db, spec).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let price = r.stats.get("price").copied().unwrap_or_default();
                PowerMarketBucket {
                    volume_weighted_average_price: r.extra.get("vwap").copied().flatten(),
                    total_volume_mwh: r.extra.get("volume").copied().flatten(),
                    average_price: price.avg,
                    min_price: price.min,
                    max_price: price.max,
                    zone: r.key,
                    bucket_start: r.bucket_start,
                    transactions: r.count,
                }
            })
            .collect())
    }
}
