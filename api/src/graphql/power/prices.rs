//! Clearing prices: the GraphQL type.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use zkcity_entities::power::clearing_price as price;

use crate::graphql::nodes::{from_model, Node};

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
