//! Ecological unit: stations, air-quality observations, emission reports and
//! the air-quality aggregate.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::ecological::{air_quality_observation as aq, emission_report as er, station};

use super::aggregates::{self, col, AggregateSpec, Stats};
use super::context::{gql, loader};
use super::error::ApiResult;
use super::filters::{in_list, with_parent, BoundingBox, SortDirection, TimeBucket, TimeRange};
use super::loaders::StationKey;
use super::nodes::{
    find, from_model, list, parse_id, FilterInput, Node, NodeConnection, OrderInput,
};
use super::pagination::{page_cost, Key, Ordering, PageArgs};

/// An air-quality monitoring station.
#[derive(SimpleObject, Clone)]
pub struct Station {
    pub id: ID,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub district: String,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(station::Model => Station {
    id, name, latitude, longitude, district, source, ingested_at,
});

impl Node for Station {
    type Entity = station::Entity;
}

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
            .map_err(super::error::shared)?;
        Ok(row.map(Station::from))
    }
}

/// A facility's reported release of a gaseous pollutant over a period.
#[derive(SimpleObject, Clone)]
pub struct EmissionReport {
    pub id: ID,
    pub report_id: String,
    pub facility: String,
    pub district: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub pollutant: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub quantity_kg: f64,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(er::Model => EmissionReport {
    id, report_id, facility, district, latitude, longitude, pollutant, period_start, period_end,
    quantity_kg, source, ingested_at,
});

impl Node for EmissionReport {
    type Entity = er::Entity;
}

#[derive(InputObject, Default)]
pub struct StationFilter {
    pub ids: Option<Vec<String>>,
    pub district: Option<String>,
    pub bbox: Option<BoundingBox>,
}

impl FilterInput<station::Entity> for StationFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), station::Column::Id, &self.ids);
        if let Some(d) = &self.district {
            c = c.add(station::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(station::Column::Latitude, station::Column::Longitude)?);
        }
        Ok(c)
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

#[derive(InputObject, Default)]
pub struct EmissionFilter {
    pub facilities: Option<Vec<String>>,
    pub pollutants: Option<Vec<String>>,
    pub district: Option<String>,
    pub bbox: Option<BoundingBox>,
    /// On `periodStart`.
    pub time: Option<TimeRange>,
    pub min_quantity_kg: Option<f64>,
}

impl FilterInput<er::Entity> for EmissionFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), er::Column::Facility, &self.facilities);
        c = in_list(c, er::Column::Pollutant, &self.pollutants);
        if let Some(d) = &self.district {
            c = c.add(er::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(er::Column::Latitude, er::Column::Longitude)?);
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(er::Column::PeriodStart)?);
        }
        if let Some(q) = self.min_quantity_kg {
            c = c.add(er::Column::QuantityKg.gte(q));
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum StationOrderField {
    #[default]
    Id,
    Name,
}

#[derive(InputObject, Default)]
pub struct StationOrder {
    #[graphql(default)]
    pub field: StationOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<station::Entity> for StationOrder {
    fn ordering(&self) -> Ordering<station::Column> {
        use station::Column as S;
        let sort = match self.field {
            StationOrderField::Id => ("station.id", Key::text(S::Id)),
            StationOrderField::Name => ("station.name", Key::text(S::Name)),
        };
        Ordering::new(sort, Key::text(S::Id), self.direction)
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

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum EmissionOrderField {
    #[default]
    PeriodStart,
    QuantityKg,
}

#[derive(InputObject, Default)]
pub struct EmissionOrder {
    #[graphql(default)]
    pub field: EmissionOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<er::Entity> for EmissionOrder {
    fn ordering(&self) -> Ordering<er::Column> {
        use er::Column as E;
        let sort = match self.field {
            EmissionOrderField::PeriodStart => ("emission.periodStart", Key::time(E::PeriodStart)),
            EmissionOrderField::QuantityKg => ("emission.quantityKg", Key::float(E::QuantityKg)),
        };
        Ordering::new(sort, Key::int(E::Id), self.direction)
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

const POLLUTANTS: [&str; 7] = ["aqi", "pm25", "pm10", "no2", "so2", "o3", "co"];

/// Ecological queries.
#[derive(Default)]
pub struct EcologicalQuery;

#[Object]
impl EcologicalQuery {
    /// Monitoring stations.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn stations(
        &self,
        ctx: &Context<'_>,
        filter: Option<StationFilter>,
        order_by: Option<StationOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<Station>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One station by id.
    async fn station(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Station>> {
        find(ctx, id.0).await
    }

    /// Hourly air-quality readings.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn air_quality_observations(
        &self,
        ctx: &Context<'_>,
        filter: Option<AirQualityFilter>,
        order_by: Option<AirQualityOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<AirQualityObservation>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One reading by id.
    async fn air_quality_observation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<AirQualityObservation>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Pollutant emission reports.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn emission_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<EmissionFilter>,
        order_by: Option<EmissionOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<EmissionReport>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One emission report by id.
    async fn emission_report(&self, ctx: &Context<'_>, id: ID) -> Result<Option<EmissionReport>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Average, minimum and maximum AQI and concentrations per station or
    /// district and hour or day, ordered by key then time.
    #[graphql(complexity = 100)]
    async fn air_quality_aggregate(
        &self,
        ctx: &Context<'_>,
        group_by: AirQualityGroupBy,
        bucket: TimeBucket,
        filter: Option<AirQualityFilter>,
    ) -> Result<Vec<AirQualityBucket>> {
        let g = gql(ctx);
        let table = "air_quality_observation";
        let key_sql = match group_by {
            AirQualityGroupBy::Station => col(table, "station_id"),
            AirQualityGroupBy::District => col("station", "district"),
        };
        let measures: Vec<(&str, String)> =
            POLLUTANTS.iter().map(|p| (*p, col(table, p))).collect();
        let from = Query::select()
            .from(aq::Entity)
            .inner_join(
                station::Entity,
                sea_orm::sea_query::Expr::col((aq::Entity, aq::Column::StationId))
                    .equals((station::Entity, station::Column::Id)),
            )
            .to_owned();
        let spec = AggregateSpec {
            from,
            key_sql: &key_sql,
            time_sql: &col(table, "date_observed"),
            measures: &measures,
            extra: &[],
            condition: filter.unwrap_or_default().condition()?,
            bucket,
            max_buckets: g.max_buckets,
        };
        let rows = aggregates::run(&g.db, spec).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let s = |p: &str| r.stats.get(p).copied().unwrap_or_default();
                AirQualityBucket {
                    aqi: s("aqi"),
                    pm25: s("pm25"),
                    pm10: s("pm10"),
                    no2: s("no2"),
                    so2: s("so2"),
                    o3: s("o3"),
                    co: s("co"),
                    key: r.key,
                    bucket_start: r.bucket_start,
                    observations: r.count,
                }
            })
            .collect())
    }
}
