//! A used nullifier (DESIGN §4): the primary key makes a second use fail in
//! the same transaction as the append.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nullifier")]
pub struct Model {
    /// Nullifier, 32-byte big-endian field element.
    #[sea_orm(primary_key, auto_increment = false)]
    pub nullifier: Vec<u8>,
    /// Log index of the query entry that used it.
    pub entry_idx: i64,
    /// Epoch of that query.
    pub epoch: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
