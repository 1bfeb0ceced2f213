//! Ecological unit: stations, air-quality observations, emission reports and
//! the air-quality aggregate. The query object is here, its resolvers thin;
//! each table's GraphQL type, filter and ordering are in the file named for
//! it, the air-quality aggregate in `air_quality.rs`.

mod air_quality;
mod emissions;
mod stations;

use async_graphql::{Context, Object, Result, ID};

pub use air_quality::{
    AirQualityBucket, AirQualityFilter, AirQualityGroupBy, AirQualityObservation,
    AirQualityOrderField,
};
pub use emissions::{EmissionFilter, EmissionOrderField, EmissionReport};
pub use stations::{Station, StationFilter, StationOrderField};

use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, NodeConnection, OrderBy};
use super::pagination::{page_cost, PageArgs};

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
        order_by: Option<OrderBy<StationOrderField>>,
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
        order_by: Option<OrderBy<AirQualityOrderField>>,
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
        order_by: Option<OrderBy<EmissionOrderField>>,
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
        Ok(air_quality::aggregate(ctx, group_by, bucket, filter).await?)
    }
}
