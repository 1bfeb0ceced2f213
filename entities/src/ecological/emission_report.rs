//! A reported release of a gaseous pollutant by a facility over a period.
//! Natural key: `report_id`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "emission_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub report_id: String,
    pub facility: String,
    pub district: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Pollutant code, e.g. `SO2`, `NOx`, `CO2`.
    pub pollutant: String,
    pub period_start: DateTimeUtc,
    pub period_end: DateTimeUtc,
    pub quantity_kg: f64,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
