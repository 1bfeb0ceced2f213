//! Market clearing price of a zone for one delivery interval. Natural key:
//! (`market`, `zone`, `interval_start`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "clearing_price")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub market: String,
    pub zone: String,
    pub interval_start: DateTimeUtc,
    pub interval_end: DateTimeUtc,
    pub price_per_mwh: f64,
    pub currency: String,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
