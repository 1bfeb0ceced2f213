//! Air-quality observations: the GraphQL type with its station, its filter
//! and ordering, and the grouping and bucket types of the air-quality
//! aggregate.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::ecological::{air_quality_observation as aq, station};

use super::stations::{Station, StationFilter};
use crate::graphql::aggregates::Stats;
use crate::graphql::context::loader;
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, with_parent, BoundingBox, SortDirection, TimeRange};
use crate::graphql::loaders::StationKey;
use crate::graphql::nodes::{from_model, FilterInput, Node, OrderInput};
use crate::graphql::pagination::{Key, Ordering};

/// One hourly reading. Concentrations are in `unit` (µg/m³ for all, CO included).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct AirQualityObservation {
    pub id: ID,
    pub station_id: String,
    pub date_observed: DateTime<Utc>,
    /// Index under `aqiStandard` (HJ 633-2012 for the bundled data).
    pub aqi: Option<i32>,
    pub aqi_standard: String,
    pub pm25: Option<f64>,
    pub pm10: Option<f64>,
    pub no2: Option<f64>,
    pub so2: Option<f64>,
    pub o3: Option<f64>,
    pub co: Option<f64>,
    pub unit: String,
    pub dominant_pollutant: Option<String>,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(aq::Model => AirQualityObservation {
    id, station_id, date_observed, aqi, aqi_standard, pm25, pm10, no2, so2, o3, co, unit,
    dominant_pollutant, source, ingested_at,
});

impl Node for AirQualityObservation {
    type Entity = aq::Entity;
}

#[ComplexObject]
impl AirQualityObservation {
    /// The station that took the reading.
    async fn station(&self, ctx: &Context<'_>) -> Result<Option<Station>> {
        let row = loader(ctx)
            .load_one(StationKey(self.station_id.clone()))
            .await
            .map_err(crate::graphql::error::shared)?;
        Ok(row.map(Station::from))
    }
}

#[derive(InputObject, Default)]
pub struct AirQualityFilter {
    pub station_ids: Option<Vec<String>>,
    /// Stations in this district.
    pub district: Option<String>,
    /// Stations inside this box.
    pub bbox: Option<BoundingBox>,
    /// On `dateObserved`.
    pub time: Option<TimeRange>,
    /// AQI at least this.
    pub min_aqi: Option<i32>,
    /// AQI at most this.
    pub max_aqi: Option<i32>,
    pub dominant_pollutant: Option<String>,
}

impl FilterInput<aq::Entity> for AirQualityFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), aq::Column::StationId, &self.station_ids);
        if self.district.is_some() || self.bbox.is_some() {
            let stations = StationFilter {
                ids: None,
                district: self.district.clone(),
                bbox: self.bbox.clone(),
            };
            c = c.add(with_parent(
                aq::Column::StationId,
                station::Column::Id,
                stations.condition()?,
            ));
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(aq::Column::DateObserved)?);
        }
        if let Some(v) = self.min_aqi {
            c = c.add(aq::Column::Aqi.gte(v));
        }
        if let Some(v) = self.max_aqi {
            c = c.add(aq::Column::Aqi.lte(v));
        }
        if let Some(p) = &self.dominant_pollutant {
            c = c.add(aq::Column::DominantPollutant.eq(p.clone()));
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum AirQualityOrderField {
    #[default]
    DateObserved,
}

#[derive(InputObject, Default)]
pub struct AirQualityOrder {
    #[graphql(default)]
    pub field: AirQualityOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<aq::Entity> for AirQualityOrder {
    fn ordering(&self) -> Ordering<aq::Column> {
        let sort = match self.field {
            AirQualityOrderField::DateObserved => {
                ("aq.dateObserved", Key::time(aq::Column::DateObserved))
            }
        };
        Ordering::new(sort, Key::int(aq::Column::Id), self.direction)
    }
}

/// How the air-quality aggregate groups stations.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum AirQualityGroupBy {
    Station,
    District,
}

/// Air quality of one station or district over one bucket.
#[derive(SimpleObject)]
pub struct AirQualityBucket {
    /// Station id or district name.
    pub key: String,
    pub bucket_start: DateTime<Utc>,
    pub observations: i64,
    pub aqi: Stats,
    pub pm25: Stats,
    pub pm10: Stats,
    pub no2: Stats,
    pub so2: Stats,
    pub o3: Stats,
    pub co: Stats,
}

pub(super) const POLLUTANTS: [&str; 7] = ["aqi", "pm25", "pm10", "no2", "so2", "o3", "co"];
