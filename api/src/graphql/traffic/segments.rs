//! Road segments: the GraphQL type, its filter (which the flow filter reuses
//! to select observations by their segment's place) and its ordering.

use async_graphql::{Enum, InputObject, Json, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::road_segment as segment;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, SortDirection};
use crate::graphql::nodes::{from_model, FilterInput, Node, OrderInput};
use crate::graphql::pagination::{Key, Ordering};

/// A directed stretch of road.
#[derive(SimpleObject, Clone)]
pub struct RoadSegment {
    pub id: ID,
    pub name: String,
    pub district: String,
    pub road_class: String,
    /// GeoJSON LineString (WGS84).
    pub geometry: Json<serde_json::Value>,
    pub free_flow_speed_kmh: f64,
    pub capacity_veh_h: f64,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(segment::Model => RoadSegment {
    id, name, district, road_class, geometry, free_flow_speed_kmh, capacity_veh_h, source,
    ingested_at,
});

impl Node for RoadSegment {
    type Entity = segment::Entity;
}

#[derive(InputObject, Default)]
pub struct RoadSegmentFilter {
    pub ids: Option<Vec<String>>,
    pub district: Option<String>,
    /// Segments whose extent touches this box.
    pub bbox: Option<BoundingBox>,
}

impl FilterInput<segment::Entity> for RoadSegmentFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), segment::Column::Id, &self.ids);
        if let Some(d) = &self.district {
            c = c.add(segment::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            use segment::Column as S;
            c = c.add(b.intersects(
                (segment::Entity, S::MinLon),
                (segment::Entity, S::MinLat),
                (segment::Entity, S::MaxLon),
                (segment::Entity, S::MaxLat),
            )?);
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum RoadSegmentOrderField {
    #[default]
    Id,
    Name,
}

#[derive(InputObject, Default)]
pub struct RoadSegmentOrder {
    #[graphql(default)]
    pub field: RoadSegmentOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<segment::Entity> for RoadSegmentOrder {
    fn ordering(&self) -> Ordering<segment::Column> {
        use segment::Column as S;
        let sort = match self.field {
            RoadSegmentOrderField::Id => ("segment.id", Key::text(S::Id)),
            RoadSegmentOrderField::Name => ("segment.name", Key::text(S::Name)),
        };
        Ordering::new(sort, Key::text(S::Id), self.direction)
    }
}
