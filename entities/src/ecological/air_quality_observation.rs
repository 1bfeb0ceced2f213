//! One hourly air-quality reading at a station (FIWARE `AirQualityObserved`).
//! Natural key: (`station_id`, `date_observed`). Concentrations are in
//! `unit` (µg/m³ for every pollutant, CO included, as the source publishes).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "air_quality_observation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub station_id: String,
    pub date_observed: DateTimeUtc,
    /// Air quality index computed from the concentrations under `aqi_standard`.
    pub aqi: Option<i32>,
    /// Which published breakpoint table produced `aqi`, e.g. `HJ 633-2012`.
    pub aqi_standard: String,
    pub pm25: Option<f64>,
    pub pm10: Option<f64>,
    pub no2: Option<f64>,
    pub so2: Option<f64>,
    pub o3: Option<f64>,
    pub co: Option<f64>,
    /// Unit of every concentration column.
    pub unit: String,
    /// Pollutant with the highest sub-index (HJ 633 "primary pollutant").
    pub dominant_pollutant: Option<String>,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::station::Entity",
        from = "Column::StationId",
        to = "super::station::Column::Id"
    )]
    Station,
}

impl Related<super::station::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Station.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
