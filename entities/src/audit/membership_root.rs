//! Every root the membership tree has had: `seq` is the tree size it belongs
//! to (0 for the empty tree). The last `R` rows are the roots a proof may use.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_root")]
pub struct Model {
    /// Tree size after the registration that produced this root.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// Root, 32-byte big-endian field element.
    pub root: Vec<u8>,
    /// Log index of the member entry that produced it; none for the empty tree.
    pub entry_idx: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
