//! Database schema of zkcity as sea-orm migrations, run at server start and
//! by `zkcity migrate`. The same migrations target PostgreSQL (production)
//! and SQLite (the embedded default), so only portable column types are used:
//! `timestamp with time zone` becomes `timestamptz` / text, `json_binary`
//! becomes `jsonb` / text.

use sea_orm_migration::prelude::*;

mod m20261125_000001_traffic;
mod m20261125_000002_power;
mod m20261125_000003_ecological;
mod m20261125_000004_audit;
mod m20261125_000005_refresh;
mod m20261126_000006_refresh_retention;
mod m20261203_000007_witness;
mod m20261203_000008_air_quality_daily;
pub mod rollup;

pub use sea_orm_migration::MigratorTrait;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_traffic::Migration),
            Box::new(m20261125_000002_power::Migration),
            Box::new(m20261125_000003_ecological::Migration),
            Box::new(m20261125_000004_audit::Migration),
            Box::new(m20261125_000005_refresh::Migration),
            Box::new(m20261126_000006_refresh_retention::Migration),
            Box::new(m20261203_000007_witness::Migration),
            Box::new(m20261203_000008_air_quality_daily::Migration),
        ]
    }
}

/// Columns every data row carries (DESIGN §3).
pub(crate) fn provenance(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(ColumnDef::new(Alias::new("source")).string().not_null())
        .col(
            ColumnDef::new(Alias::new("ingested_at"))
                .timestamp_with_time_zone()
                .not_null(),
        )
}

/// A plain (non-unique) index over `cols`.
pub(crate) fn index(
    table: impl IntoIden + Clone + 'static,
    name: &str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table).if_not_exists();
    for col in cols {
        idx.col(Alias::new(*col));
    }
    idx
}

/// A unique index over `cols`: the natural key that makes upserts idempotent.
pub(crate) fn unique(
    table: impl IntoIden + Clone + 'static,
    name: &str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut idx = index(table, name, cols);
    idx.unique();
    idx
}

/// A 64-bit auto-increment primary key column named `id`.
pub(crate) fn id_pk() -> ColumnDef {
    let mut col = ColumnDef::new(Alias::new("id"));
    col.big_integer().not_null().auto_increment().primary_key();
    col
}
