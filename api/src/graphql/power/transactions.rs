//! Market transactions: the GraphQL type and the bucket type of the market
//! aggregate.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use zkcity_entities::power::market_transaction as trade;

use crate::graphql::nodes::{from_model, Node};

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
