//! Traffic flow observations: the GraphQL type with its segment, its filter
//! and ordering, and the bucket type of the flow aggregate.

use async_graphql::{ComplexObject, Context, Enum, InputObject, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::{flow_observation as flow, road_segment as segment};

use super::segments::{RoadSegment, RoadSegmentFilter};
use crate::graphql::aggregates::Stats;
use crate::graphql::context::loader;
use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, with_parent, BoundingBox, SortDirection, TimeRange};
use crate::graphql::loaders::SegmentKey;
use crate::graphql::nodes::{from_model, FilterInput, Node, OrderInput};
use crate::graphql::pagination::{Key, Ordering};

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
}

from_model!(flow::Model => TrafficFlowObservation {
    id, segment_id, date_observed, period_s, average_vehicle_speed, speed_estimated, intensity,
    occupancy, congestion_level, congested, source, ingested_at,
});

impl Node for TrafficFlowObservation {
    type Entity = flow::Entity;
}

#[ComplexObject]
impl TrafficFlowObservation {
    /// The segment measured.
    async fn segment(&self, ctx: &Context<'_>) -> Result<Option<RoadSegment>> {
        let row = loader(ctx)
            .load_one(SegmentKey(self.segment_id.clone()))
            .await
            .map_err(crate::graphql::error::shared)?;
        Ok(row.map(RoadSegment::from))
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
        if self.district.is_some() || self.bbox.is_some() {
            let segs = RoadSegmentFilter {
                ids: None,
                district: self.district.clone(),
                bbox: self.bbox.clone(),
            };
            c = c.add(with_parent(
                flow::Column::SegmentId,
                segment::Column::Id,
                segs.condition()?,
            ));
        }
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

#[derive(InputObject, Default)]
pub struct TrafficFlowOrder {
    #[graphql(default)]
    pub field: TrafficFlowOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<flow::Entity> for TrafficFlowOrder {
    fn ordering(&self) -> Ordering<flow::Column> {
        use flow::Column as F;
        let sort = match self.field {
            TrafficFlowOrderField::DateObserved => {
                ("flow.dateObserved", Key::time(F::DateObserved))
            }
            TrafficFlowOrderField::Intensity => ("flow.intensity", Key::float(F::Intensity)),
        };
        Ordering::new(sort, Key::int(F::Id), self.direction)
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
