//! The log head: one row (`id = 1`). Every append locks it, reads the next
//! index from it and advances it in the same transaction (DESIGN §8: never a
//! database sequence).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Number of entries; the next entry's index.
    pub size: i64,
    /// Chain hash of the last entry (32 zero bytes when empty).
    pub chain_head: Vec<u8>,
    /// RFC 6962 root of the `size` entries.
    pub root: Vec<u8>,
    /// Random identifier of this log instance, so the signer's memory of what
    /// it signed is kept per log (a restored backup keeps its id).
    pub log_id: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
