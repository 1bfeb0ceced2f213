//! `refresh_run`: the log of data-unit refresh runs (DESIGN §3). Each attempt is
//! one row, created as `running` before the work starts and finished inside
//! the data transaction, so a committed run and its `ok` row (with the
//! source cursor) land together or not at all.
use sea_orm_migration::prelude::*;

use crate::{id_pk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum RefreshRun {
    Table,
    Unit,
    Source,
    Trigger,
    Attempt,
    Status,
    StartedAt,
    FinishedAt,
    RowsWritten,
    RowsInserted,
    RowsUpdated,
    Error,
    Note,
    Cursor,
    Tables,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use RefreshRun as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .if_not_exists()
                .col(id_pk())
                .col(ColumnDef::new(R::Unit).string().not_null())
                .col(ColumnDef::new(R::Source).string().not_null())
                .col(ColumnDef::new(R::Trigger).string().not_null())
                .col(ColumnDef::new(R::Attempt).integer().not_null())
                .col(ColumnDef::new(R::Status).string().not_null())
                .col(
                    ColumnDef::new(R::StartedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(R::FinishedAt).timestamp_with_time_zone())
                .col(
                    ColumnDef::new(R::RowsWritten)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(R::RowsInserted)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(R::RowsUpdated)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(R::Error).text())
                .col(ColumnDef::new(R::Note).text())
                .col(ColumnDef::new(R::Cursor).string())
                .col(ColumnDef::new(R::Tables).json_binary())
                .to_owned(),
        )
        .await?;
        // Status queries: last run / last success / last failure of a unit.
        m.create_index(index(
            R::Table,
            "ix_refresh_run_unit_status_id",
            &["unit", "status", "id"],
        ))
        .await?;
        m.create_index(index(R::Table, "ix_refresh_run_unit_id", &["unit", "id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("refresh_run"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
