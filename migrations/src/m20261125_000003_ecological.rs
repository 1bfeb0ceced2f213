//! Ecological unit tables.
use sea_orm_migration::prelude::*;

use crate::{id_pk, index, provenance, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Station {
    Table,
    Id,
    Name,
    Latitude,
    Longitude,
    District,
}

#[derive(DeriveIden, Clone, Copy)]
enum AirQualityObservation {
    Table,
    StationId,
    DateObserved,
    Aqi,
    AqiStandard,
    Pm25,
    Pm10,
    No2,
    So2,
    O3,
    Co,
    Unit,
    DominantPollutant,
}

#[derive(DeriveIden, Clone, Copy)]
enum EmissionReport {
    Table,
    ReportId,
    Facility,
    District,
    Latitude,
    Longitude,
    Pollutant,
    PeriodStart,
    PeriodEnd,
    QuantityKg,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            provenance(
                Table::create()
                    .table(Station::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Station::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Station::Name).string().not_null())
                    .col(ColumnDef::new(Station::Latitude).double().not_null())
                    .col(ColumnDef::new(Station::Longitude).double().not_null())
                    .col(ColumnDef::new(Station::District).string().not_null()),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index(Station::Table, "ix_station_district", &["district"]))
            .await?;

        let pollutant = |c: AirQualityObservation| ColumnDef::new(c).double().to_owned();
        m.create_table(
            provenance(
                Table::create()
                    .table(AirQualityObservation::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(
                        ColumnDef::new(AirQualityObservation::StationId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AirQualityObservation::DateObserved)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AirQualityObservation::Aqi).integer())
                    .col(
                        ColumnDef::new(AirQualityObservation::AqiStandard)
                            .string()
                            .not_null(),
                    )
                    .col(pollutant(AirQualityObservation::Pm25))
                    .col(pollutant(AirQualityObservation::Pm10))
                    .col(pollutant(AirQualityObservation::No2))
                    .col(pollutant(AirQualityObservation::So2))
                    .col(pollutant(AirQualityObservation::O3))
                    .col(pollutant(AirQualityObservation::Co))
                    .col(
                        ColumnDef::new(AirQualityObservation::Unit)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AirQualityObservation::DominantPollutant).string())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_aq_station")
                            .from(
                                AirQualityObservation::Table,
                                AirQualityObservation::StationId,
                            )
                            .to(Station::Table, Station::Id),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            AirQualityObservation::Table,
            "ux_aq_station_time",
            &["station_id", "date_observed"],
        ))
        .await?;
        m.create_index(index(
            AirQualityObservation::Table,
            "ix_aq_time",
            &["date_observed"],
        ))
        .await?;

        m.create_table(
            provenance(
                Table::create()
                    .table(EmissionReport::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(ColumnDef::new(EmissionReport::ReportId).string().not_null())
                    .col(ColumnDef::new(EmissionReport::Facility).string().not_null())
                    .col(ColumnDef::new(EmissionReport::District).string())
                    .col(ColumnDef::new(EmissionReport::Latitude).double())
                    .col(ColumnDef::new(EmissionReport::Longitude).double())
                    .col(
                        ColumnDef::new(EmissionReport::Pollutant)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmissionReport::PeriodStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmissionReport::PeriodEnd)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmissionReport::QuantityKg)
                            .double()
                            .not_null(),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            EmissionReport::Table,
            "ux_emission_report_id",
            &["report_id"],
        ))
        .await?;
        m.create_index(index(
            EmissionReport::Table,
            "ix_emission_period",
            &["period_start"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["emission_report", "air_quality_observation", "station"] {
            m.drop_table(
                Table::drop()
                    .table(Alias::new(table))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
