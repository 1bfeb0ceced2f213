//! A registered identity commitment: leaf `leaf_idx` of the membership tree.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member")]
pub struct Model {
    /// Leaf position in registration order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub leaf_idx: i64,
    /// Identity commitment, 32-byte big-endian field element; unique.
    #[sea_orm(unique)]
    pub commitment: Vec<u8>,
    /// Log index of the member entry.
    pub entry_idx: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
