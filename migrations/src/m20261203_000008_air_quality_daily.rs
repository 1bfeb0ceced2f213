//! The daily air-quality rollup ([`crate::rollup`]), filled from the
//! readings already stored so an upgraded database answers daily
//! aggregates the same as before.
use sea_orm_migration::prelude::*;

use crate::rollup::{self, MEASURES, PARTS, TABLE};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(Alias::new(TABLE))
            .if_not_exists()
            .col(ColumnDef::new(Alias::new("station_id")).string().not_null())
            .col(ColumnDef::new(Alias::new("day")).string().not_null())
            .col(
                ColumnDef::new(Alias::new("observations"))
                    .big_integer()
                    .not_null(),
            );
        for measure in MEASURES {
            for (part, _) in PARTS {
                let mut col = ColumnDef::new(Alias::new(rollup::column(measure, part)));
                match part {
                    "n" => col.big_integer().not_null(),
                    _ => col.double(),
                };
                table.col(col);
            }
        }
        table.primary_key(
            Index::create()
                .col(Alias::new("station_id"))
                .col(Alias::new("day")),
        );
        m.create_table(table.to_owned()).await?;
        // Aggregates over a time range and every station read by day.
        m.create_index(crate::index(
            Alias::new(TABLE),
            "ix_air_quality_daily_day",
            &["day"],
        ))
        .await?;
        let backend = m.get_database_backend();
        let fill = rollup::refill(backend, Condition::all());
        m.get_connection().execute(backend.build(&fill)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new(TABLE))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
