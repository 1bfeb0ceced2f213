//! Traffic unit tables.
use sea_orm_migration::prelude::*;

use crate::{id_pk, index, provenance, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum RoadSegment {
    Table,
    Id,
    Name,
    District,
    RoadClass,
    Geometry,
    MinLon,
    MinLat,
    MaxLon,
    MaxLat,
    FreeFlowSpeedKmh,
    CapacityVehH,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrafficFlowObservation {
    Table,
    SegmentId,
    DateObserved,
    PeriodS,
    AverageVehicleSpeed,
    SpeedEstimated,
    Intensity,
    Occupancy,
    CongestionLevel,
    Congested,
}

#[derive(DeriveIden, Clone, Copy)]
enum RoadConditionReport {
    Table,
    SituationId,
    Category,
    Severity,
    SegmentId,
    Latitude,
    Longitude,
    ValidFrom,
    ValidTo,
    Description,
}

#[derive(DeriveIden, Clone, Copy)]
enum ImageTile {
    Table,
    Sha256,
    CapturedAt,
    BboxWest,
    BboxSouth,
    BboxEast,
    BboxNorth,
    ProjEpsg,
    Gsd,
    CloudCover,
    Width,
    Height,
    Bands,
    MediaType,
    SizeBytes,
    Platform,
}

#[derive(DeriveIden, Clone, Copy)]
enum TileBlob {
    Table,
    Sha256,
    Bytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            provenance(
                Table::create()
                    .table(RoadSegment::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RoadSegment::Id)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RoadSegment::Name).string().not_null())
                    .col(ColumnDef::new(RoadSegment::District).string().not_null())
                    .col(ColumnDef::new(RoadSegment::RoadClass).string().not_null())
                    .col(
                        ColumnDef::new(RoadSegment::Geometry)
                            .json_binary()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadSegment::MinLon).double().not_null())
                    .col(ColumnDef::new(RoadSegment::MinLat).double().not_null())
                    .col(ColumnDef::new(RoadSegment::MaxLon).double().not_null())
                    .col(ColumnDef::new(RoadSegment::MaxLat).double().not_null())
                    .col(
                        ColumnDef::new(RoadSegment::FreeFlowSpeedKmh)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadSegment::CapacityVehH)
                            .double()
                            .not_null(),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            RoadSegment::Table,
            "ix_road_segment_district",
            &["district"],
        ))
        .await?;

        m.create_table(
            provenance(
                Table::create()
                    .table(TrafficFlowObservation::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(
                        ColumnDef::new(TrafficFlowObservation::SegmentId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrafficFlowObservation::DateObserved)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrafficFlowObservation::PeriodS)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TrafficFlowObservation::AverageVehicleSpeed).double())
                    .col(
                        ColumnDef::new(TrafficFlowObservation::SpeedEstimated)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrafficFlowObservation::Intensity)
                            .double()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TrafficFlowObservation::Occupancy).double())
                    .col(
                        ColumnDef::new(TrafficFlowObservation::CongestionLevel)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TrafficFlowObservation::Congested)
                            .boolean()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flow_segment")
                            .from(
                                TrafficFlowObservation::Table,
                                TrafficFlowObservation::SegmentId,
                            )
                            .to(RoadSegment::Table, RoadSegment::Id),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            TrafficFlowObservation::Table,
            "ux_flow_segment_time",
            &["segment_id", "date_observed"],
        ))
        .await?;
        m.create_index(index(
            TrafficFlowObservation::Table,
            "ix_flow_time",
            &["date_observed"],
        ))
        .await?;

        m.create_table(
            provenance(
                Table::create()
                    .table(RoadConditionReport::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(
                        ColumnDef::new(RoadConditionReport::SituationId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadConditionReport::Category)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadConditionReport::Severity)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadConditionReport::SegmentId).string())
                    .col(
                        ColumnDef::new(RoadConditionReport::Latitude)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadConditionReport::Longitude)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadConditionReport::ValidFrom)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadConditionReport::ValidTo).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(RoadConditionReport::Description)
                            .text()
                            .not_null(),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            RoadConditionReport::Table,
            "ux_report_situation",
            &["situation_id"],
        ))
        .await?;
        m.create_index(index(
            RoadConditionReport::Table,
            "ix_report_valid_from",
            &["valid_from"],
        ))
        .await?;
        m.create_index(index(
            RoadConditionReport::Table,
            "ix_report_segment",
            &["segment_id", "valid_from"],
        ))
        .await?;

        m.create_table(
            provenance(
                Table::create()
                    .table(ImageTile::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(ColumnDef::new(ImageTile::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(ImageTile::CapturedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(ImageTile::BboxWest).double().not_null())
                    .col(ColumnDef::new(ImageTile::BboxSouth).double().not_null())
                    .col(ColumnDef::new(ImageTile::BboxEast).double().not_null())
                    .col(ColumnDef::new(ImageTile::BboxNorth).double().not_null())
                    .col(ColumnDef::new(ImageTile::ProjEpsg).integer())
                    .col(ColumnDef::new(ImageTile::Gsd).double().not_null())
                    .col(ColumnDef::new(ImageTile::CloudCover).double())
                    .col(ColumnDef::new(ImageTile::Width).integer().not_null())
                    .col(ColumnDef::new(ImageTile::Height).integer().not_null())
                    .col(ColumnDef::new(ImageTile::Bands).integer().not_null())
                    .col(ColumnDef::new(ImageTile::MediaType).string().not_null())
                    .col(
                        ColumnDef::new(ImageTile::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImageTile::Platform).string()),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(ImageTile::Table, "ux_tile_sha256", &["sha256"]))
            .await?;
        m.create_index(index(
            ImageTile::Table,
            "ix_tile_captured_at",
            &["captured_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TileBlob::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(TileBlob::Sha256)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TileBlob::Bytes).binary().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "tile_blob",
            "image_tile",
            "road_condition_report",
            "traffic_flow_observation",
            "road_segment",
        ] {
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
