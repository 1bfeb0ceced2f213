//! Monitoring stations: the GraphQL type, its filter (which the air-quality
//! filter reuses to select readings by their station's place) and its
//! ordering.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::ecological::station;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, PlaceFilter};
use crate::graphql::nodes::{from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

/// An air-quality monitoring station.
#[derive(SimpleObject, Clone)]
pub struct Station {
    pub id: ID,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub district: String,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(station::Model => Station {
    id, name, latitude, longitude, district, source, ingested_at,
});

impl Node for Station {
    type Entity = station::Entity;
    const ID: Key<station::Column> = Key::text(station::Column::Id);
}

#[derive(InputObject, Default)]
pub struct StationFilter {
    pub ids: Option<Vec<String>>,
    pub district: Option<String>,
    pub bbox: Option<BoundingBox>,
}

impl FilterInput<station::Entity> for StationFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), station::Column::Id, &self.ids);
        if let Some(d) = &self.district {
            c = c.add(station::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(station::Column::Latitude, station::Column::Longitude)?);
        }
        Ok(c)
    }
}

impl PlaceFilter<station::Entity> for StationFilter {
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
pub enum StationOrderField {
    #[default]
    Id,
    Name,
}

impl SortField<station::Entity> for StationOrderField {
    fn key(self) -> (&'static str, Key<station::Column>) {
        match self {
            Self::Id => ("station.id", Key::text(station::Column::Id)),
            Self::Name => ("station.name", Key::text(station::Column::Name)),
        }
    }
}
