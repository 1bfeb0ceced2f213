//! Market transactions: the GraphQL type, the shared filter and ordering on
//! its columns, and the market aggregate.

use async_graphql::{Context, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::Condition;
use zkcity_entities::power::market_transaction as trade;

use super::market::{MarketFilter, MarketOrderField};
use crate::graphql::aggregates::{self, col, AggregateSpec, Measure, Time, COUNT_ROWS};
use crate::graphql::error::ApiResult;
use crate::graphql::filters::TimeBucket;
use crate::graphql::nodes::{condition, from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

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
    const ID: Key<trade::Column> = Key::int(trade::Column::Id);
}

impl FilterInput<trade::Entity> for MarketFilter {
    fn condition(&self) -> ApiResult<Condition> {
        use trade::Column as T;
        self.on(T::Zone, T::Market, T::DeliveryStart, T::PricePerMwh)
    }
}

impl SortField<trade::Entity> for MarketOrderField {
    fn key(self) -> (&'static str, Key<trade::Column>) {
        use trade::Column as T;
        self.pick(
            ("trade.deliveryStart", Key::time(T::DeliveryStart)),
            ("trade.price", Key::float(T::PricePerMwh)),
        )
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

/// Volume-weighted average price, total volume and price range of
/// transactions per zone and bucket, ordered by zone then time.
pub(super) async fn aggregate(
    ctx: &Context<'_>,
    bucket: TimeBucket,
    filter: Option<MarketFilter>,
) -> ApiResult<Vec<PowerMarketBucket>> {
    let t = "market_transaction";
    let (p, v) = (col(t, "price_per_mwh"), col(t, "volume_mwh"));
    let look = ctx.look_ahead();
    let extra: Vec<(&str, String)> = [
        (
            "volumeWeightedAveragePrice",
            "vwap",
            format!("SUM({p} * {v}) / NULLIF(SUM({v}), 0)"),
        ),
        ("totalVolumeMwh", "volume", format!("SUM({v})")),
    ]
    .into_iter()
    .filter(|(field, _, _)| look.field(field).exists())
    .map(|(_, name, sql)| (name, sql))
    .collect();
    let price_field = |f: &str| match f {
        "avg" => "averagePrice",
        "min" => "minPrice",
        _ => "maxPrice",
    };
    let measures: Vec<Measure> =
        Measure::with("price", p.clone(), |f| look.field(price_field(f)).exists())
            .into_iter()
            .collect();
    let spec = AggregateSpec {
        from: Query::select().from(trade::Entity).to_owned(),
        key_sql: &col(t, "zone"),
        time: Time::Column(&col(t, "delivery_start")),
        count_sql: COUNT_ROWS,
        measures: &measures,
        extra: &extra,
        condition: condition::<trade::Entity, _>(filter)?,
        bucket,
    };
    let rows = aggregates::run(ctx, spec).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let price = r.stats("price");
            PowerMarketBucket {
                volume_weighted_average_price: r.extra("vwap"),
                total_volume_mwh: r.extra("volume"),
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
