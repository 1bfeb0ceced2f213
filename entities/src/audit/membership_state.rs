//! The membership tree's running state (one row, `id = 1`): its depth, size,
//! root and frontier — for each height, the last left node — which is all an
//! append needs to compute the new root with `D` hashes.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_state")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Tree depth `D`; fixed once the tree exists.
    pub depth: i32,
    /// Number of leaves.
    pub size: i64,
    /// Current root, 32-byte big-endian field element.
    pub root: Vec<u8>,
    /// `D` × 32 bytes: the frontier node at each height.
    pub frontier: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
