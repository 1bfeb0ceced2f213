//! Run-log retention (jobs/README.md, "Run log retention"): pruning deletes a
//! unit's runs that started before a cutoff, oldest first, in bounded
//! batches. Without an index on `(unit, started_at)` every batch would scan
//! the whole log; with it a batch reads only the rows it deletes, and a pass
//! with nothing to prune is one index probe.
use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name shared by `up` and `down`.
const INDEX: &str = "ix_refresh_run_unit_started_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            Alias::new("refresh_run"),
            INDEX,
            &["unit", "started_at"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(INDEX)
                .table(Alias::new("refresh_run"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
