//! Clearing prices: the GraphQL type and the shared filter and ordering on
//! its columns.

use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::Condition;
use zkcity_entities::power::clearing_price as price;

use super::market::{MarketFilter, MarketOrderField};
use crate::graphql::error::ApiResult;
use crate::graphql::nodes::{from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

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
    const ID: Key<price::Column> = Key::int(price::Column::Id);
}

impl FilterInput<price::Entity> for MarketFilter {
    fn condition(&self) -> ApiResult<Condition> {
        use price::Column as P;
        self.on(P::Zone, P::Market, P::IntervalStart, P::PricePerMwh)
    }
}

impl SortField<price::Entity> for MarketOrderField {
    fn key(self) -> (&'static str, Key<price::Column>) {
        use price::Column as P;
        self.pick(
            ("price.intervalStart", Key::time(P::IntervalStart)),
            ("price.price", Key::float(P::PricePerMwh)),
        )
    }
}
