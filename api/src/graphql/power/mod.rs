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

use async_graphql::{Context, Result};

pub use market::{MarketFilter, MarketOrderField};
pub use prices::ClearingPrice;
pub use transactions::{MarketTransaction, PowerMarketBucket};

use super::filters::TimeBucket;
use super::nodes::{node_query, parse_id};

node_query! {
    /// Power market queries.
    PowerQuery {
        /// Market transactions.
        market_transactions,
        /// One transaction by id.
        market_transaction: MarketTransaction, filter: MarketFilter, order: MarketOrderField, id: parse_id;
        /// Clearing prices per zone and interval.
        clearing_prices,
        /// One clearing price by id.
        clearing_price: ClearingPrice, filter: MarketFilter, order: MarketOrderField, id: parse_id;
    }
    extra {
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
}
