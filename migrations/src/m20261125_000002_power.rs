//! Power unit tables.
use sea_orm_migration::prelude::*;

use crate::{id_pk, index, provenance, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum MarketTransaction {
    Table,
    TradeId,
    Market,
    Zone,
    DeliveryStart,
    DeliveryEnd,
    PricePerMwh,
    Currency,
    VolumeMwh,
    TradedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClearingPrice {
    Table,
    Market,
    Zone,
    IntervalStart,
    IntervalEnd,
    PricePerMwh,
    Currency,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            provenance(
                Table::create()
                    .table(MarketTransaction::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(
                        ColumnDef::new(MarketTransaction::TradeId)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MarketTransaction::Market)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MarketTransaction::Zone).string().not_null())
                    .col(
                        ColumnDef::new(MarketTransaction::DeliveryStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MarketTransaction::DeliveryEnd)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MarketTransaction::PricePerMwh)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MarketTransaction::Currency)
                            .string_len(3)
                            .not_null(),
                    )
                    .col(ColumnDef::new(MarketTransaction::VolumeMwh).double())
                    .col(
                        ColumnDef::new(MarketTransaction::TradedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            MarketTransaction::Table,
            "ux_transaction_trade_id",
            &["trade_id"],
        ))
        .await?;
        m.create_index(index(
            MarketTransaction::Table,
            "ix_transaction_zone_delivery",
            &["zone", "delivery_start"],
        ))
        .await?;
        m.create_index(index(
            MarketTransaction::Table,
            "ix_transaction_delivery",
            &["delivery_start"],
        ))
        .await?;

        m.create_table(
            provenance(
                Table::create()
                    .table(ClearingPrice::Table)
                    .if_not_exists()
                    .col(id_pk())
                    .col(ColumnDef::new(ClearingPrice::Market).string().not_null())
                    .col(ColumnDef::new(ClearingPrice::Zone).string().not_null())
                    .col(
                        ColumnDef::new(ClearingPrice::IntervalStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClearingPrice::IntervalEnd)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClearingPrice::PricePerMwh)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClearingPrice::Currency)
                            .string_len(3)
                            .not_null(),
                    ),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            ClearingPrice::Table,
            "ux_clearing_market_zone_start",
            &["market", "zone", "interval_start"],
        ))
        .await?;
        m.create_index(index(
            ClearingPrice::Table,
            "ix_clearing_start",
            &["interval_start"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["clearing_price", "market_transaction"] {
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
