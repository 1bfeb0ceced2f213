//! Road segments: the GraphQL type, its filter (which the flow filter reuses
//! to select observations by their segment's place) and its ordering.

use async_graphql::{Enum, InputObject, Json, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::road_segment as segment;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, PlaceFilter};
use crate::graphql::nodes::{from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

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
    const ID: Key<segment::Column> = Key::text(segment::Column::Id);
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

impl PlaceFilter<segment::Entity> for RoadSegmentFilter {
    fn place(district: Option<String>, bbox: Option<BoundingBox>) -> Self {
        let ids = None;
        Self {
            ids,
            district,
            bbox,
        }
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum RoadSegmentOrderField {
    #[default]
    Id,
    Name,
}

impl SortField<segment::Entity> for RoadSegmentOrderField {
    fn key(self) -> (&'static str, Key<segment::Column>) {
        match self {
            Self::Id => ("segment.id", Key::text(segment::Column::Id)),
            Self::Name => ("segment.name", Key::text(segment::Column::Name)),
        }
    }
}
