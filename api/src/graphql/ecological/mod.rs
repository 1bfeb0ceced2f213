//! Ecological unit: stations, air-quality observations, emission reports and
//! the air-quality aggregate. The query object is here; each table's GraphQL
//! type, filter and ordering are in the file named for it.

mod air_quality;
mod emissions;
mod stations;

use async_graphql::{Context, Object, Result, ID};
use sea_orm::sea_query::Query;
use zkcity_entities::ecological::{air_quality_observation as aq, station};

pub use air_quality::{
    AirQualityBucket, AirQualityFilter, AirQualityGroupBy, AirQualityObservation, AirQualityOrder,
    AirQualityOrderField,
};
pub use emissions::{EmissionFilter, EmissionOrder, EmissionOrderField, EmissionReport};
pub use stations::{Station, StationFilter, StationOrder, StationOrderField};

use super::aggregates::{self, col, AggregateSpec};
use super::context::gql;
use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, FilterInput, NodeConnection};
use super::pagination::{page_cost, PageArgs};
use air_quality::POLLUTANTS;

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
