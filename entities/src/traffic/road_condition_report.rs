//! A road-condition broadcast (DATEX II situation record). Natural key:
//! `situation_id`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "road_condition_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub situation_id: String,
    /// `accident`, `roadworks`, `closure`, `congestion`, `weather`, `event`.
    pub category: String,
    /// DATEX II `severity`: `low`, `medium`, `high`, `highest`.
    pub severity: String,
    pub segment_id: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub valid_from: DateTimeUtc,
    pub valid_to: Option<DateTimeUtc>,
    pub description: String,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
