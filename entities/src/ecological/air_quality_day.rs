//! One station's air quality over one UTC day, derived from its hourly
//! readings (`zkcity_migrations::rollup` defines and fills it). Per measure:
//! the sum, number, minimum and maximum of the day's non-null values, so
//! averages over several days or stations stay exact (sum of sums over sum
//! of counts). Read-only for the server; written with the readings.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "air_quality_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub station_id: String,
    /// UTC day as `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    /// Readings that day, null values included.
    pub observations: i64,
    pub aqi_sum: Option<f64>,
    pub aqi_n: i64,
    pub aqi_min: Option<f64>,
    pub aqi_max: Option<f64>,
    pub pm25_sum: Option<f64>,
    pub pm25_n: i64,
    pub pm25_min: Option<f64>,
    pub pm25_max: Option<f64>,
    pub pm10_sum: Option<f64>,
    pub pm10_n: i64,
    pub pm10_min: Option<f64>,
    pub pm10_max: Option<f64>,
    pub no2_sum: Option<f64>,
    pub no2_n: i64,
    pub no2_min: Option<f64>,
    pub no2_max: Option<f64>,
    pub so2_sum: Option<f64>,
    pub so2_n: i64,
    pub so2_min: Option<f64>,
    pub so2_max: Option<f64>,
    pub o3_sum: Option<f64>,
    pub o3_n: i64,
    pub o3_min: Option<f64>,
    pub o3_max: Option<f64>,
    pub co_sum: Option<f64>,
    pub co_n: i64,
    pub co_min: Option<f64>,
    pub co_max: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
