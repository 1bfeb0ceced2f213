//! Road-condition reports: the GraphQL type, its filter and ordering.

use async_graphql::{Enum, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition};
use zkcity_entities::traffic::road_condition_report as report;

use crate::graphql::error::ApiResult;
use crate::graphql::filters::{in_list, BoundingBox, TimeRange};
use crate::graphql::nodes::{from_model, FilterInput, Node, SortField};
use crate::graphql::pagination::Key;

/// A road-condition broadcast (DATEX II situation record).
#[derive(SimpleObject, Clone)]
pub struct RoadConditionReport {
    pub id: ID,
    pub situation_id: String,
    pub category: String,
    pub severity: String,
    pub segment_id: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    pub description: String,
    pub source: String,
    pub ingested_at: DateTime<Utc>,
}

from_model!(report::Model => RoadConditionReport {
    id, situation_id, category, severity, segment_id, latitude, longitude, valid_from, valid_to,
    description, source, ingested_at,
});

impl Node for RoadConditionReport {
    type Entity = report::Entity;
    const ID: Key<report::Column> = Key::int(report::Column::Id);
}

#[derive(InputObject, Default)]
pub struct RoadConditionFilter {
    pub categories: Option<Vec<String>>,
    pub severities: Option<Vec<String>>,
    pub segment_ids: Option<Vec<String>>,
    /// Reports located inside this box.
    pub bbox: Option<BoundingBox>,
    /// On `validFrom`.
    pub time: Option<TimeRange>,
    /// Reports valid at this instant.
    pub active_at: Option<DateTime<Utc>>,
}

impl FilterInput<report::Entity> for RoadConditionFilter {
    fn condition(&self) -> ApiResult<Condition> {
        let mut c = in_list(Condition::all(), report::Column::Category, &self.categories);
        c = in_list(c, report::Column::Severity, &self.severities);
        c = in_list(c, report::Column::SegmentId, &self.segment_ids);
        if let Some(b) = &self.bbox {
            c = c.add(b.contains(report::Column::Latitude, report::Column::Longitude)?);
        }
        if let Some(t) = &self.time {
            c = c.add(t.condition(report::Column::ValidFrom)?);
        }
        if let Some(at) = self.active_at {
            c = c.add(report::Column::ValidFrom.lte(at)).add(
                Condition::any()
                    .add(report::Column::ValidTo.is_null())
                    .add(report::Column::ValidTo.gt(at)),
            );
        }
        Ok(c)
    }
}

#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum RoadConditionOrderField {
    #[default]
    ValidFrom,
}

impl SortField<report::Entity> for RoadConditionOrderField {
    fn key(self) -> (&'static str, Key<report::Column>) {
        match self {
            Self::ValidFrom => ("report.validFrom", Key::time(report::Column::ValidFrom)),
        }
    }
}
