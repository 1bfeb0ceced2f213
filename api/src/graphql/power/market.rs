//! The filter and ordering that transactions and clearing prices share:
//! both are prices of a zone and market over an interval. Each table's file
//! maps them onto its columns.

use async_graphql::{Enum, InputObject};
use sea_orm::{ColumnTrait, Condition};

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, TimeRange};

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
    /// The condition on a table's zone, market, interval start and price
    /// columns.
    pub(super) fn on<C: ColumnTrait>(
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
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum MarketOrderField {
    /// Delivery (or interval) start.
    #[default]
    DeliveryStart,
    Price,
}

impl MarketOrderField {
    /// The table's key for this field, given its interval-start and price
    /// keys.
    pub(super) fn pick<K>(self, start: K, price: K) -> K {
        match self {
            Self::DeliveryStart => start,
            Self::Price => price,
        }
    }
}
