//! Ecological unit: stations, air-quality observations, emission reports and
//! the air-quality aggregate. The query object is here, its resolvers thin;
//! each table's GraphQL type, filter and ordering are in the file named for
//! it, the air-quality aggregate in `air_quality.rs`.

mod air_quality;
mod emissions;
mod stations;

use async_graphql::{Context, Result};

pub use air_quality::{
    AirQualityBucket, AirQualityFilter, AirQualityGroupBy, AirQualityObservation,
    AirQualityOrderField,
};
pub use emissions::{EmissionFilter, EmissionOrderField, EmissionReport};
pub use stations::{Station, StationFilter, StationOrderField};

use super::filters::TimeBucket;
use super::nodes::{node_query, parse_id, text_id};

node_query! {
    /// Ecological queries.
    EcologicalQuery {
        /// Monitoring stations.
        stations,
        /// One station by id.
        station: Station, filter: StationFilter, order: StationOrderField, id: text_id;
        /// Hourly air-quality readings.
        air_quality_observations,
        /// One reading by id.
        air_quality_observation: AirQualityObservation, filter: AirQualityFilter, order: AirQualityOrderField, id: parse_id;
        /// Pollutant emission reports.
        emission_reports,
        /// One emission report by id.
        emission_report: EmissionReport, filter: EmissionFilter, order: EmissionOrderField, id: parse_id;
    }
    extra {
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
}
