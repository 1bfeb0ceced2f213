//! Emission reports: the GraphQL type, its filter and ordering.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::ecological::emission_report as er;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, TimeRange};
use crate::graphql::nodes::{from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

/// A facility's reported release of a gaseous pollutant over a period.
#[derive(SimpleObject, Clone)]
pub struct EmissionReport {
    pub id: ID,
    pub report_id: String,
    pub facility: String,
    pub district: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub pollutant: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub quantity_kg: f64,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(er::Model => EmissionReport {
    id, report_id, facility, district, latitude, longitude, pollutant, period_start, period_end,
    quantity_kg, source, ingested_at,
});

impl Node for EmissionReport {
    type Entity = er::Entity;
    const ID: Key<er::Column> = Key::int(er::Column::Id);
}

#[derive(InputObject, Default)]
pub struct EmissionFilter {
    pub facilities: Option<Vec<String>>,
    pub pollutants: Option<Vec<String>>,
    pub district: Option<String>,
    pub bbox: Option<BoundingBox>,
    /// On `periodStart`.
    pub time: Option<TimeRange>,
    pub min_quantity_kg: Option<f64>,
}

impl FilterInput<er::Entity> for EmissionFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), er::Column::Facility, &self.facilities);
        c = in_list(c, er::Column::Pollutant, &self.pollutants);
        if let Some(d) = &self.district {
            c = c.add(er::Column::District.eq(d.clone()));
        }
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(er::Column::Latitude, er::Column::Longitude)?);
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(er::Column::PeriodStart)?);
        }
        if let Some(q) = self.min_quantity_kg {
            c = c.add(er::Column::QuantityKg.gte(q));
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum EmissionOrderField {
    #[default]
    PeriodStart,
    QuantityKg,
}

impl SortField<er::Entity> for EmissionOrderField {
    fn key(self) -> (&'static str, Key<er::Column>) {
        match self {
            Self::PeriodStart => ("emission.periodStart", Key::time(er::Column::PeriodStart)),
            Self::QuantityKg => ("emission.quantityKg", Key::float(er::Column::QuantityKg)),
        }
    }
}
