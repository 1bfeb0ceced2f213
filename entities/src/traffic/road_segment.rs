//! A directed stretch of road that flow observations are measured on
//! (FIWARE `RoadSegment`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "road_segment")]
pub struct Model {
    /// Stable identifier chosen by the source (natural key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub district: String,
    /// FIWARE `roadClass`, e.g. `motorway`, `primary`.
    pub road_class: String,
    /// GeoJSON `LineString` in WGS84.
    pub geometry: Json,
    /// Bounding box of `geometry`, kept as columns so bbox filters are plain SQL.
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    /// Free-flow speed in km/h.
    pub free_flow_speed_kmh: f64,
    /// Capacity in vehicles per hour, the basis of the congestion level.
    pub capacity_veh_h: f64,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::flow_observation::Entity")]
    FlowObservation,
}

impl Related<super::flow_observation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FlowObservation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
