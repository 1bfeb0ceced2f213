//! The filter and ordering that transactions and clearing prices share:
//! both are prices of a zone and market over an interval.

use async_graphql::{Enum, InputObject};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::power::{clearing_price as price, market_transaction as trade};

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, SortDirection, TimeRange};
use crate::graphql::nodes::{FilterInput, OrderInput};
use crate::graphql::pagination::{Key, Ordering};

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

    pub(super) fn trades(&self) -> ApiResult<Condition> {
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
