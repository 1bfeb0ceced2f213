//! One run (one attempt) of a data unit's refresh job: what ran, when, what it
//! wrote and how it ended. Written by `zkcity-jobs`; read by the
//! `refreshStatus` query and by operators. Also holds the source's cursor
//! (e.g. the replay step) so a restarted server continues where it stopped.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `traffic`, `power` or `ecological`.
    pub unit: String,
    /// `replay`, `http` or `file`.
    pub source: String,
    /// What started the run: `schedule`, `startup` or `manual`.
    pub trigger: String,
    /// 1 for the first try; retries of the same trigger count up.
    pub attempt: i32,
    /// `running`, `ok`, `failed` or `skipped`.
    pub status: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// Rows the run's upserts wrote (inserted + updated).
    pub rows_written: i64,
    /// Rows that did not exist before the run.
    pub rows_inserted: i64,
    /// Rows that existed and were rewritten.
    pub rows_updated: i64,
    /// Why the run failed or was skipped.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// What a successful run did beyond counts (replayed step, rejected files).
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// Source position after this run (replay: the global step index).
    pub cursor: Option<String>,
    /// Per-table counts, `{"table": {"inserted": n, "updated": m}}`.
    pub tables: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
