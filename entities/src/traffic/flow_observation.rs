//! One aggregated traffic-flow measurement on a segment (FIWARE
//! `TrafficFlowObserved`). Natural key: (`segment_id`, `date_observed`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "traffic_flow_observation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub segment_id: String,
    /// Start of the observation interval (UTC).
    pub date_observed: DateTimeUtc,
    /// Length of the observation interval in seconds.
    pub period_s: i32,
    /// Average vehicle speed in km/h; `None` when the source does not measure it.
    pub average_vehicle_speed: Option<f64>,
    /// True when `average_vehicle_speed` is modelled (BPR volume-delay
    /// function) from intensity rather than measured.
    pub speed_estimated: bool,
    /// Vehicles per hour.
    pub intensity: f64,
    /// Fraction of time the detector was occupied (0..1), when measured.
    pub occupancy: Option<f64>,
    /// DATEX II `trafficStatus`: `freeFlow`, `heavy`, `congested`, `impossible`.
    pub congestion_level: String,
    /// FIWARE `congested`: true for `congested` and `impossible`.
    pub congested: bool,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::road_segment::Entity",
        from = "Column::SegmentId",
        to = "super::road_segment::Column::Id"
    )]
    RoadSegment,
}

impl Related<super::road_segment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RoadSegment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
