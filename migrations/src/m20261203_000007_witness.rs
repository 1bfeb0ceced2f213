//! Witnessed checkpoints (DESIGN §6 amendment "Witnesses"): the log-signed
//! checkpoints submitted to the witnesses, and each witness's cosignature
//! line per checkpoint size.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditCheckpoint {
    Table,
    Size,
    Root,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditCosignature {
    Table,
    Witness,
    Size,
    Root,
    Line,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditCheckpoint::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(AuditCheckpoint::Size)
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(AuditCheckpoint::Root).binary().not_null())
                .col(ColumnDef::new(AuditCheckpoint::Note).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditCosignature::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(AuditCosignature::Witness)
                        .string()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuditCosignature::Size)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(AuditCosignature::Root).binary().not_null())
                .col(ColumnDef::new(AuditCosignature::Line).text().not_null())
                .primary_key(
                    Index::create()
                        .col(AuditCosignature::Witness)
                        .col(AuditCosignature::Size),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_cosignature", "audit_checkpoint"] {
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
