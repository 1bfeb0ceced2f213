//! One electricity market transaction. Natural key: `trade_id`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "market_transaction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub trade_id: String,
    /// `day-ahead` or `intraday`.
    pub market: String,
    /// Bidding zone or node, e.g. `BE`.
    pub zone: String,
    pub delivery_start: DateTimeUtc,
    pub delivery_end: DateTimeUtc,
    pub price_per_mwh: f64,
    /// ISO 4217 code.
    pub currency: String,
    /// Traded volume in MWh; `None` when the source publishes prices only.
    pub volume_mwh: Option<f64>,
    pub traded_at: DateTimeUtc,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
