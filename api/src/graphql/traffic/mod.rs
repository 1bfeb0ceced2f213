//! Traffic unit: road segments, flow observations, road-condition reports,
//! image tiles and the flow aggregate. The query object is here, its
//! resolvers thin; each table's GraphQL type, filter and ordering are in the
//! file named for it, the flow aggregate in `flow.rs`.

mod flow;
mod reports;
mod segments;
mod tiles;

use async_graphql::{Context, Result};

pub use flow::{TrafficBucket, TrafficFlowFilter, TrafficFlowObservation, TrafficFlowOrderField};
pub use reports::{RoadConditionFilter, RoadConditionOrderField, RoadConditionReport};
pub use segments::{RoadSegment, RoadSegmentFilter, RoadSegmentOrderField};
pub use tiles::{ImageTile, ImageTileFilter, ImageTileOrderField};

use super::filters::TimeBucket;
use super::nodes::{node_query, parse_id, text_id};

node_query! {
    /// Traffic queries.
    TrafficQuery {
        /// Road segments.
        road_segments,
        /// One road segment by id.
        road_segment: RoadSegment, filter: RoadSegmentFilter, order: RoadSegmentOrderField, id: text_id;
        /// Traffic-flow observations.
        traffic_flow_observations,
        /// One flow observation by id.
        traffic_flow_observation: TrafficFlowObservation, filter: TrafficFlowFilter, order: TrafficFlowOrderField, id: parse_id;
        /// Road-condition broadcasts.
        road_condition_reports,
        /// One road-condition report by id.
        road_condition_report: RoadConditionReport, filter: RoadConditionFilter, order: RoadConditionOrderField, id: parse_id;
        /// Satellite/aerial image tiles (metadata; bytes at `url`).
        image_tiles,
        /// One image tile by id.
        image_tile: ImageTile, filter: ImageTileFilter, order: ImageTileOrderField, id: parse_id;
    }
    extra {
        /// Speed, intensity and congestion share per segment and hour or day,
        /// ordered by segment then time.
        #[graphql(complexity = 100)]
        async fn traffic_aggregate(
            &self,
            ctx: &Context<'_>,
            bucket: TimeBucket,
            filter: Option<TrafficFlowFilter>,
        ) -> Result<Vec<TrafficBucket>> {
            Ok(flow::aggregate(ctx, bucket, filter).await?)
        }
    }
}
