//! Traffic unit: road segments, flow observations, road-condition reports,
//! image tiles and the flow aggregate. The query object is here; each
//! table's GraphQL type, filter and ordering are in the file named for it.

mod flow;
mod reports;
mod segments;
mod tiles;

use async_graphql::{Context, Object, Result, ID};
use sea_orm::sea_query::Query;
use zkcity_entities::traffic::flow_observation;

pub use flow::{
    TrafficBucket, TrafficFlowFilter, TrafficFlowObservation, TrafficFlowOrder,
    TrafficFlowOrderField,
};
pub use reports::{
    RoadConditionFilter, RoadConditionOrder, RoadConditionOrderField, RoadConditionReport,
};
pub use segments::{RoadSegment, RoadSegmentFilter, RoadSegmentOrder, RoadSegmentOrderField};
pub use tiles::{ImageTile, ImageTileFilter, ImageTileOrder, ImageTileOrderField};

use super::aggregates::{self, col, AggregateSpec};
use super::context::gql;
use super::filters::TimeBucket;
use super::nodes::{find, list, parse_id, FilterInput, NodeConnection};
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
        order_by: Option<RoadSegmentOrder>,
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
        order_by: Option<TrafficFlowOrder>,
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
        order_by: Option<RoadConditionOrder>,
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
        order_by: Option<ImageTileOrder>,
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
        let g = gql(ctx);
        let table = "traffic_flow_observation";
        let measures = [
            ("speed", col(table, "average_vehicle_speed")),
            ("intensity", col(table, "intensity")),
        ];
        let share = format!(
            "AVG(CASE WHEN {} THEN 1.0 ELSE 0.0 END)",
            col(table, "congested")
        );
        let spec = AggregateSpec {
            from: Query::select().from(flow_observation::Entity).to_owned(),
            key_sql: &col(table, "segment_id"),
            time_sql: &col(table, "date_observed"),
            measures: &measures,
            extra: &[("congestion_share", share)],
            condition: filter.unwrap_or_default().condition()?,
            bucket,
            max_buckets: g.max_buckets,
        };
        let rows = aggregates::run(&g.db, spec).await?;
        Ok(rows
            .into_iter()
            .map(|r| TrafficBucket {
                speed: r.stats.get("speed").copied().unwrap_or_default(),
                intensity: r.stats.get("intensity").copied().unwrap_or_default(),
                congestion_share: r.extra.get("congestion_share").copied().flatten(),
                segment_id: r.key,
                bucket_start: r.bucket_start,
                observations: r.count,
            })
            .collect())
    }
}
