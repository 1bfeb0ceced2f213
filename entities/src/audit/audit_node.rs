//! A stored RFC 6962 complete subtree: the hash of leaves
//! `[idx·2^level, (idx+1)·2^level)`. Written once, never updated.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_node")]
pub struct Model {
    /// Height above the leaves; 0 is a leaf hash.
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i16,
    /// Position among the nodes of that level.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idx: i64,
    /// SHA-256 node hash (32 bytes).
    pub hash: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
