//! Monitoring stations: the GraphQL type, its filter (which the air-quality
//! filter reuses to select readings by their station's place) and its
//! ordering.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::ecological::station;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, SortDirection};
use crate::graphql::nodes::{from_model, FilterInput, Node, OrderInput};
use crate::graphql::pagination::{Key, Ordering};

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

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum StationOrderField {
    #[default]
    Id,
    Name,
}

#[derive(InputObject, Default)]
pub struct StationOrder {
    #[graphql(default)]
    pub field: StationOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl OrderInput<station::Entity> for StationOrder {
    fn ordering(&self) -> Ordering<station::Column> {
        use station::Column as S;
        let sort = match self.field {
            StationOrderField::Id => ("station.id", Key::text(S::Id)),
            StationOrderField::Name => ("station.name", Key::text(S::Name)),
        };
        Ordering::new(sort, Key::text(S::Id), self.direction)
    }
}
