//! One audit log entry. `bytes` is the canonical encoding (DESIGN §6) and the
//! source of truth; `timestamp_ms` and `kind` repeat two of its fields so the
//! API can filter without decoding, and the export publishes both so a
//! verifier notices when they disagree.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entry")]
pub struct Model {
    /// Log index 0, 1, 2, … without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idx: i64,
    /// Unix milliseconds of the append.
    pub timestamp_ms: i64,
    /// Kind byte: 1 member, 2 query.
    pub kind: i16,
    /// Canonical entry bytes.
    pub bytes: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
