//! Power unit: market transactions, clearing prices and the market aggregate.
//!
//! The bundled source (ENTSO-E day-ahead prices for Belgium) publishes
//! clearing results, not trades: its transactions are the cleared result of
//! one zone and hour, with `volumeMwh` null. Sources that carry trades fill it.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::power::{clearing_price as price, market_transaction as trade};

use super::aggregates::{self, col, AggregateSpec};
use super::context::gql;
use super::error::ApiResult;
use super::filters::{in_list, SortDirection, TimeBucket, TimeRange};
use super::nodes::{
    find, from_model, list, parse_id, FilterInput, Node, NodeConnection, OrderInput,
};
use super::pagination::{page_cost, Key, Ordering, PageArgs};

/// One electricity market transaction (or cleared zone-hour result).
#[derive(SimpleObject, Clone)]
pub struct MarketTransaction {
    pub id: ID,
    pub trade_id: String,
    pub market: String,
    pub zone: String,
    pub delivery_start: DateTime<Utc>,
    pub delivery_end: DateTime<Utc>,
    pub price_per_mwh: f64,
    pub currency: String,
    /// MWh; null when the source publishes prices only.
    pub volume_mwh: Option<f64>,
    pub traded_at: DateTime<Utc>,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(trade::Model => MarketTransaction {
    id, trade_id, market, zone, delivery_start, delivery_end, price_per_mwh, currency, volume_mwh,
    traded_at, source, ingested_at,
});

impl Node for MarketTransaction {
    type Entity = trade::Entity;
}

/// Clearing price of a zone for one delivery interval.
#[derive(SimpleObject, Clone)]
pub struct ClearingPrice {
    pub id: ID,
    pub market: String,
    pub zone: String,
    pub interval_start: DateTime<Utc>,
    pub interval_end: DateTime<Utc>,
    pub price_per_mwh: f64,
    pub currency: String,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(price::Model => ClearingPrice {
    id, market, zone, interval_start, interval_end, price_per_mwh, currency, source, ingested_at,
});

impl Node for ClearingPrice {
    type Entity = price::Entity;
}

#[derive(InputObject, Default)]
pub struct MarketFilter {
    pub zones: Option<Vec<String>>,
    pub markets: Option<Vec<String>>,
    /// On the delivery/interval start.
    pub time: Option<TimeRange>,
    /// Price (per MWh) at least this.
    pub min_price: Option<f64>,
    /// Price (per MWh) at most this.
    pub max_price: Option<f64>,
}

impl MarketFilter {
    fn condition<C: ColumnTrait>(
        &self,
        zone: C,
        market: C,
        start: C,
        price: C,
    ) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), zone, &self.zones);
        c = in_list(c, market, &self.markets);
        if let Some(t) = &self.time {
            c = c.add(t.condition(start)?);
        }
        if let Some(v) = self.min_price {
            c = c.add(price.gte(v));
        }
        if let Some(v) = self.max_price {
            c = c.add(price.lte(v));
        }
        Ok(c)
    }

    fn trades(&self) -> ApiResult<Condition> {
        use trade::Column as T;
        self.condition(T::Zone, T::Market, T::DeliveryStart, T::PricePerMwh)
    }

    fn prices(&self) -> ApiResult<Condition> {
        use price::Column as P;
        self.condition(P::Zone, P::Market, P::IntervalStart, P::PricePerMwh)
    }
}

impl FilterInput<trade::Entity> for MarketFilter {
    fn condition(&self) -> ApiResult<Condition> {
        self.trades()
    }
}

impl FilterInput<price::Entity> for MarketFilter {
    fn condition(&self) -> ApiResult<Condition> {
        self.prices()
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum MarketOrderField {
    /// Delivery (or interval) start.
    #[default]
    DeliveryStart,
    Price,
}

#[derive(InputObject, Default)]
pub struct MarketOrder {
    #[graphql(default)]
    pub field: MarketOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<trade::Entity> for MarketOrder {
    fn ordering(&self) -> Ordering<trade::Column> {
        use trade::Column as T;
        let sort = match self.field {
            MarketOrderField::DeliveryStart => ("trade.deliveryStart", Key::time(T::DeliveryStart)),
            MarketOrderField::Price => ("trade.price", Key::float(T::PricePerMwh)),
        };
        Ordering::new(sort, Key::int(T::Id), self.direction)
    }
}

impl OrderInput<price::Entity> for MarketOrder {
    fn ordering(&self) -> Ordering<price::Column> {
        use price::Column as P;
        let sort = match self.field {
            MarketOrderField::DeliveryStart => ("price.intervalStart", Key::time(P::IntervalStart)),
            MarketOrderField::Price => ("price.price", Key::float(P::PricePerMwh)),
        };
        Ordering::new(sort, Key::int(P::Id), self.direction)
    }
}

/// The market of one zone over one bucket.
#[derive(SimpleObject)]
pub struct PowerMarketBucket {
    pub zone: String,
    pub bucket_start: DateTime<Utc>,
    pub transactions: i64,
    /// Σ(price·volume)/Σ volume over transactions with a volume; null when none has one.
    pub volume_weighted_average_price: Option<f64>,
    /// Plain mean of prices.
    pub average_price: Option<f64>,
    pub min_price: Option<f64>,
    pub max_price: Option<f64>,
    /// Null when no transaction has a volume.
    pub total_volume_mwh: Option<f64>,
}

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
