//! An air-quality monitoring station (OpenAQ `location`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "station")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub district: String,
    pub source: String,
    pub ingested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::air_quality_observation::Entity")]
    AirQualityObservation,
}

impl Related<super::air_quality_observation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AirQualityObservation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
