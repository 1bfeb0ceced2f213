//! Traffic unit: road segments, flow observations, road-condition reports,
//! image tiles and the flow aggregate. The query object is here, its
//! resolvers thin; each table's GraphQL type, filter and ordering are in the
//! file named for it, the flow aggregate in `flow.rs`.

mod flow;
mod reports;
mod segments;
mod tiles;

use async_graphql::{Context, Object, Result, ID};

pub use flow::{TrafficBucket, TrafficFlowFilter, TrafficFlowObservation, TrafficFlowOrderField};
pub use reports::{RoadConditionFilter, RoadConditionOrderField, RoadConditionReport};
pub use segments::{RoadSegment, RoadSegmentFilter, RoadSegmentOrderField};
pub use tiles::{ImageTile, ImageTileFilter, ImageTileOrderField};

use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, NodeConnection, OrderBy};
use super::pagination::{page_cost, PageArgs};

/// Traffic queries.
#[derive(Default)]
pub struct TrafficQuery;

#[Object]
impl TrafficQuery {
    /// Road segments.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn road_segments(
        &self,
        ctx: &Context<'_>,
        filter: Option<RoadSegmentFilter>,
        order_by: Option<OrderBy<RoadSegmentOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<RoadSegment>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One road segment by id.
    async fn road_segment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<RoadSegment>> {
        find(ctx, id.0).await
    }

    /// Traffic-flow observations.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn traffic_flow_observations(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrafficFlowFilter>,
        order_by: Option<OrderBy<TrafficFlowOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<TrafficFlowObservation>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One flow observation by id.
    async fn traffic_flow_observation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<TrafficFlowObservation>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Road-condition broadcasts.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn road_condition_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<RoadConditionFilter>,
        order_by: Option<OrderBy<RoadConditionOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<RoadConditionReport>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One road-condition report by id.
    async fn road_condition_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<RoadConditionReport>> {
        find(ctx, parse_id(&id)?).await
    }

    /// Satellite/aerial image tiles (metadata; bytes at `url`).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn image_tiles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ImageTileFilter>,
        order_by: Option<OrderBy<ImageTileOrderField>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NodeConnection<ImageTile>> {
        let page = PageArgs::new(first, after, last, before);
        list(ctx, filter, order_by, page).await
    }

    /// One image tile by id.
    async fn image_tile(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ImageTile>> {
        find(ctx, parse_id(&id)?).await
    }

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
