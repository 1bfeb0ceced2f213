//! A witness's `cosignature/v1` line over one checkpoint (C2SP
//! tlog-cosignature), verified with the configured key before it is stored.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_cosignature")]
pub struct Model {
    /// The witness's configured name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub witness: String,
    /// Tree size of the cosigned checkpoint.
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// Its root (32 bytes).
    pub root: Vec<u8>,
    /// The signature line, `— name base64(keyid ‖ time ‖ signature)\n`.
    pub line: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
