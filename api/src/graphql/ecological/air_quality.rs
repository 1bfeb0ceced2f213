//! Air-quality observations: the GraphQL type with its station, its filter
//! and ordering, and the air-quality aggregate.

use std::future::Future;

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, Condition, Select};
use zkcity_entities::ecological::{air_quality_day as day, air_quality_observation as aq, station};
use zkcity_migrations::rollup;

use super::stations::{Station, StationFilter};
use crate::graphql::aggregates::{self, col, AggregateSpec, Measure, Stats, Time, COUNT_ROWS};
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{by_parent_place, in_list, BoundingBox, TimeBucket, TimeRange};
use crate::graphql::loaders::StationKey;
use crate::graphql::nodes::{
    condition, from_model, page_with_parent, FilterInput, Node, NodeConnection, Parent, SortField,
};
use crate::graphql::pagination::{Key, Ordering, PageArgs};

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
    #[graphql(skip)]
    pub station_row: Parent<station::Model>,
}

from_model!(aq::Model => AirQualityObservation {
    id, station_id, date_observed, aqi, aqi_standard, pm25, pm10, no2, so2, o3, co, unit,
    dominant_pollutant, source, ingested_at,
} parent: station_row);

impl Node for AirQualityObservation {
    type Entity = aq::Entity;
    const ID: Key<aq::Column> = Key::int(aq::Column::Id);

    fn page<'a>(
        ctx: &'a Context<'_>,
        select: Select<aq::Entity>,
        ordering: Ordering<aq::Column>,
        args: PageArgs,
    ) -> impl Future<Output = Result<NodeConnection<Self>>> + Send + 'a {
        page_with_parent::<Self, station::Entity>(ctx, select, ordering, args, "station", |m, s| {
            Self {
                station_row: Parent::Joined(s),
                ..m.into()
            }
        })
    }
}

#[ComplexObject]
impl AirQualityObservation {
    /// The station that took the reading.
    async fn station(&self, ctx: &Context<'_>) -> Result<Option<Station>> {
        let key = StationKey(self.station_id.clone());
        self.station_row.resolve(ctx, key).await
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
        c = by_parent_place::<StationFilter, _, _>(
            c,
            aq::Column::StationId,
            station::Column::Id,
            &self.district,
            &self.bbox,
        )?;
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

/// The same filter on the daily rollup, where it [fits](AirQualityFilter::fits_daily_rollup).
impl FilterInput<day::Entity> for AirQualityFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), day::Column::StationId, &self.station_ids);
        c = by_parent_place::<StationFilter, _, _>(
            c,
            day::Column::StationId,
            station::Column::Id,
            &self.district,
            &self.bbox,
        )?;
        if let Some(t) = &self.time {
            c = c.add(t.day_condition(day::Column::Day)?);
        }
        Ok(c)
    }
}

impl AirQualityFilter {
    /// Whether the daily rollup selects exactly the readings this filter
    /// does: it keeps neither a reading's AQI nor its dominant pollutant,
    /// and only whole days.
    fn fits_daily_rollup(&self) -> bool {
        self.min_aqi.is_none()
            && self.max_aqi.is_none()
            && self.dominant_pollutant.is_none()
            && self.time.as_ref().is_none_or(TimeRange::whole_days)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum AirQualityOrderField {
    #[default]
    DateObserved,
}

impl SortField<aq::Entity> for AirQualityOrderField {
    fn key(self) -> (&'static str, Key<aq::Column>) {
        match self {
            Self::DateObserved => ("aq.dateObserved", Key::time(aq::Column::DateObserved)),
        }
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
/// The readings' table and their daily rollup.
const READINGS: &str = rollup::SOURCE;
const ROLLUP: &str = rollup::TABLE;

/// Average, minimum and maximum AQI and concentrations per station or
/// district and bucket, ordered by key then time. Daily buckets come from
/// the daily rollup when the filter allows (about 24 times fewer rows to
/// read), hourly ones and the rest from the readings.
pub(super) async fn aggregate(
    ctx: &Context<'_>,
    group_by: AirQualityGroupBy,
    bucket: TimeBucket,
    filter: Option<AirQualityFilter>,
) -> ApiResult<Vec<AirQualityBucket>> {
    let daily = bucket == TimeBucket::Day
        && filter
            .as_ref()
            .is_none_or(AirQualityFilter::fits_daily_rollup);
    let (table, entity_condition, count_sql) = if daily {
        let c = condition::<day::Entity, _>(filter)?;
        (ROLLUP, c, format!("SUM({})", col(ROLLUP, "observations")))
    } else {
        let c = condition::<aq::Entity, _>(filter)?;
        (READINGS, c, COUNT_ROWS.to_owned())
    };
    let key_sql = match group_by {
        AirQualityGroupBy::Station => col(table, "station_id"),
        AirQualityGroupBy::District => col("station", "district"),
    };
    let measures: Vec<Measure> = POLLUTANTS
        .iter()
        .filter_map(|p| match daily {
            true => Measure::selected_rollup(ctx, p, ROLLUP),
            false => Measure::selected(ctx, p, col(table, p)),
        })
        .collect();
    let mut from = Query::select().from(Alias::new(table)).to_owned();
    // Only grouping by district needs the station's row (filters on the
    // station's place are subqueries of their own).
    if group_by == AirQualityGroupBy::District {
        from.inner_join(
            station::Entity,
            Expr::col((Alias::new(table), Alias::new("station_id")))
                .equals((station::Entity, station::Column::Id)),
        );
    }
    let time_col = col(table, if daily { "day" } else { "date_observed" });
    let time = match daily {
        true => Time::Day(&time_col),
        false => Time::Column(&time_col),
    };
    let spec = AggregateSpec {
        from,
        key_sql: &key_sql,
        time,
        count_sql: &count_sql,
        measures: &measures,
        extra: &[],
        condition: entity_condition,
        bucket,
    };
    let rows = aggregates::run(ctx, spec).await?;
    Ok(rows
        .into_iter()
        .map(|r| AirQualityBucket {
            aqi: r.stats("aqi"),
            pm25: r.stats("pm25"),
            pm10: r.stats("pm10"),
            no2: r.stats("no2"),
            so2: r.stats("so2"),
            o3: r.stats("o3"),
            co: r.stats("co"),
            key: r.key,
            bucket_start: r.bucket_start,
            observations: r.count,
        })
        .collect())
}
