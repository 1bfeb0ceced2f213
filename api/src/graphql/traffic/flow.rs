//! Traffic flow observations: the GraphQL type with its segment, its filter
//! and ordering, and the flow aggregate.

use std::future::Future;

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, Select};
use zkcity_entities::traffic::{flow_observation as flow, road_segment as segment};

use super::segments::{RoadSegment, RoadSegmentFilter};
use crate::graphql::aggregates::{self, col, AggregateSpec, Measure, Stats, Time, COUNT_ROWS};
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{by_parent_place, in_list, BoundingBox, TimeBucket, TimeRange};
use crate::graphql::loaders::SegmentKey;
use crate::graphql::nodes::{
    condition, from_model, page_with_parent, FilterInput, Node, NodeConnection, Parent, SortField,
};
use crate::graphql::pagination::{Key, Ordering, PageArgs};

/// Aggregated flow on a segment over `periodS` seconds from `dateObserved`.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TrafficFlowObservation {
    pub id: ID,
    pub segment_id: String,
    pub date_observed: DateTime<Utc>,
    pub period_s: i32,
    /// km/h; modelled from intensity when `speedEstimated`.
    pub average_vehicle_speed: Option<f64>,
    pub speed_estimated: bool,
    /// Vehicles per hour.
    pub intensity: f64,
    pub occupancy: Option<f64>,
    /// DATEX II trafficStatus.
    pub congestion_level: String,
    pub congested: bool,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
    #[graphql(skip)]
    pub segment_row: Parent<segment::Model>,
}

from_model!(flow::Model => TrafficFlowObservation {
    id, segment_id, date_observed, period_s, average_vehicle_speed, speed_estimated, intensity,
    occupancy, congestion_level, congested, source, ingested_at,
} parent: segment_row);

impl Node for TrafficFlowObservation {
    type Entity = flow::Entity;
    const ID: Key<flow::Column> = Key::int(flow::Column::Id);

    fn page<'a>(
        ctx: &'a Context<'_>,
        select: Select<flow::Entity>,
        ordering: Ordering<flow::Column>,
        args: PageArgs,
    ) -> impl Future<Output = Result<NodeConnection<Self>>> + Send + 'a {
        page_with_parent::<Self, segment::Entity>(ctx, select, ordering, args, "segment", |m, s| {
            Self {
                segment_row: Parent::Joined(s),
                ..m.into()
            }
        })
    }
}

#[ComplexObject]
impl TrafficFlowObservation {
    /// The segment measured.
    async fn segment(&self, ctx: &Context<'_>) -> Result<Option<RoadSegment>> {
        let key = SegmentKey(self.segment_id.clone());
        self.segment_row.resolve(ctx, key).await
    }
}

#[derive(InputObject, Default)]
pub struct TrafficFlowFilter {
    pub segment_ids: Option<Vec<String>>,
    /// Segments in this district.
    pub district: Option<String>,
    /// Segments touching this box.
    pub bbox: Option<BoundingBox>,
    /// On `dateObserved`.
    pub time: Option<TimeRange>,
    /// Intensity (vehicles/h) at least this.
    pub min_intensity: Option<f64>,
    pub congestion_levels: Option<Vec<String>>,
    pub congested: Option<bool>,
}

impl FilterInput<flow::Entity> for TrafficFlowFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), flow::Column::SegmentId, &self.segment_ids);
        c = by_parent_place::<RoadSegmentFilter, _, _>(
            c,
            flow::Column::SegmentId,
            segment::Column::Id,
            &self.district,
            &self.bbox,
        )?;
        if let Some(t) = &self.time {
            c = c.add(t.condition(flow::Column::DateObserved)?);
        }
        if let Some(v) = self.min_intensity {
            c = c.add(flow::Column::Intensity.gte(v));
        }
        c = in_list(c, flow::Column::CongestionLevel, &self.congestion_levels);
        if let Some(v) = self.congested {
            c = c.add(flow::Column::Congested.eq(v));
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum TrafficFlowOrderField {
    #[default]
    DateObserved,
    Intensity,
}

impl SortField<flow::Entity> for TrafficFlowOrderField {
    fn key(self) -> (&'static str, Key<flow::Column>) {
        match self {
            Self::DateObserved => ("flow.dateObserved", Key::time(flow::Column::DateObserved)),
            Self::Intensity => ("flow.intensity", Key::float(flow::Column::Intensity)),
        }
    }
}

/// Traffic on one segment over one bucket.
#[derive(SimpleObject)]
pub struct TrafficBucket {
    pub segment_id: String,
    pub bucket_start: DateTime<Utc>,
    pub observations: i64,
    /// km/h.
    pub speed: Stats,
    /// Vehicles per hour.
    pub intensity: Stats,
    /// Share (0..1) of observations flagged `congested`.
    pub congestion_share: Option<f64>,
}

/// Speed, intensity and congestion share per segment and bucket, ordered by
/// segment then time.
pub(super) async fn aggregate(
    ctx: &Context<'_>,
    bucket: TimeBucket,
    filter: Option<TrafficFlowFilter>,
) -> ApiResult<Vec<TrafficBucket>> {
    let table = "traffic_flow_observation";
    let measures: Vec<Measure> = [
        Measure::selected(ctx, "speed", col(table, "average_vehicle_speed")),
        Measure::selected(ctx, "intensity", col(table, "intensity")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let share = format!(
        "AVG(CASE WHEN {} THEN 1.0 ELSE 0.0 END)",
        col(table, "congested")
    );
    let extra: Vec<(&str, String)> = ctx
        .look_ahead()
        .field("congestionShare")
        .exists()
        .then_some(("congestion_share", share))
        .into_iter()
        .collect();
    let spec = AggregateSpec {
        from: Query::select().from(flow::Entity).to_owned(),
        key_sql: &col(table, "segment_id"),
        time: Time::Column(&col(table, "date_observed")),
        count_sql: COUNT_ROWS,
        measures: &measures,
        extra: &extra,
        condition: condition(filter)?,
        bucket,
    };
    let rows = aggregates::run(ctx, spec).await?;
    Ok(rows
        .into_iter()
        .map(|r| TrafficBucket {
            speed: r.stats("speed"),
            intensity: r.stats("intensity"),
            congestion_share: r.extra("congestion_share"),
            segment_id: r.key,
            bucket_start: r.bucket_start,
            observations: r.count,
        })
        .collect())
}
